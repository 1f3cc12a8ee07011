/* expect: rejected
 * why: `#` and `include` are split by a backslash-newline; the preprocessor
 *      splices them back into `#include "/etc/passwd"`. */
#\
include "/etc/passwd"

double f(double x)
{
	return 1.0 + x;
}
