/* expect: rejected
 * why: reads /etc/passwd at compile time; tcc would then quote its lines in
 *      error messages.  Must be rejected before compiling, with no
 *      "root:x:" anywhere in the output. */
#include "/etc/passwd"

double f(double x)
{
	return 1.0 + x;
}
