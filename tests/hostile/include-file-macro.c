/* expect: rejected
 * why: the __FILE__ trick: `#line` renames the current file to /etc/passwd,
 *      then `#include __FILE__` includes it. */
#line 1 "/etc/passwd"
#include __FILE__

double f(double x)
{
	return 1.0 + x;
}
