/* expect: rejected
 * why: the header name is built by stringizing a macro argument. */
#define STR(s) #s
#include STR(/etc/passwd)

double f(double x)
{
	return 1.0 + x;
}
