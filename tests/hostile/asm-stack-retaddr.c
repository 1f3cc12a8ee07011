/* expect: rejected
 * message: function pointer
 * why: reads a return address off its own stack and calls it (plus an
 *      offset) through a function pointer: code the compiler never
 *      generated from this source.  Function pointer types are refused. */
double f(double x)
{
	long slot[1];
	long addr = slot[3];
	double (*g)(double) = (double (*)(double))(addr + 3);
	return g(x);
}
