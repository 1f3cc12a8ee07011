/* expect: rejected
 * message: typedef
 * why: a function type named by a typedef needs no (*) to make a pointer:
 *      F *g = (F *)addr calls any address. */
typedef double F(double);
double f(double x)
{
	long slot[1];
	F *g = (F *)(slot[3] + 3);
	return g(x);
}
