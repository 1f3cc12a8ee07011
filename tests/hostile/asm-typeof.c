/* expect: rejected
 * message: type operator
 * why: typeof names a function pointer type with no declarator to see. */
double g(double x) { return x; }
double f(double x)
{
	long slot[1];
	__typeof__(&g) h = 0;
	h = (__typeof__(h))(slot[3] + 3);
	return h(x);
}
