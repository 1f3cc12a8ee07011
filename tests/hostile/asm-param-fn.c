/* expect: rejected
 * message: function type
 * why: a parameter of function type is a function pointer in disguise:
 *      call_it((void *)addr, x) jumps anywhere. */
static double call_it(double g(double), double x) { return g(x); }
double f(double x)
{
	long slot[1];
	return call_it((void *)(slot[3] + 3), x);
}
