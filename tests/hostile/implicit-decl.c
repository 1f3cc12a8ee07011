/* expect: compile_error
 * message: helper
 * why: calls helper() before any declaration.  tcc only warns ("implicit
 *      declaration of function") and, since helper is defined below with
 *      the implied int type, it would link and run; the contract makes an
 *      implicit declaration a compile_error. */
double f(double x)
{
	return 1.0 + x + helper(0);
}

int helper(int v)
{
	return v;
}
