/* expect: rejected
 * why: tcc supports the GNU #include_next directive too. */
#include_next "/etc/passwd"

double f(double x)
{
	return 1.0 + x;
}
