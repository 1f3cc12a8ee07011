/* expect: rejected
 * why: a comment between `#` and `include` is whitespace to the
 *      preprocessor (tcc accepts it), so `#include` never appears as text. */
# /* nothing to see */ include "/etc/passwd"

double f(double x)
{
	return 1.0 + x;
}
