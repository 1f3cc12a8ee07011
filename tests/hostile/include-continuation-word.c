/* expect: rejected
 * why: the directive name itself is split by a backslash-newline:
 *      `#inc\` newline `lude`. */
#inc\
lude "/etc/passwd"

double f(double x)
{
	return 1.0 + x;
}
