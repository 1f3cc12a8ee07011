/* expect: rejected
 * why: the header name comes from a macro, so a check that only looks at
 *      `#include "..."` or `#include <...>` text misses it. */
#define P "/etc/passwd"
#include P

double f(double x)
{
	return 1.0 + x;
}
