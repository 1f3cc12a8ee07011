/* expect: rejected
 * why: /dev/zero never ends: compiling it would hang or exhaust memory. */
#include "/dev/zero"

double f(double x)
{
	return 1.0 + x;
}
