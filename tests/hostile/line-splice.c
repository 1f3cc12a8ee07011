/* expect: rejected
 * message: #line
 * why: #line split by a backslash-newline after the '#': still a #line to
 *      the preprocessor, so still refused (the prescan joins splices). */
#\
line 3 "<string>"
double f(double x)
{
	return x + not_declared;
}
