/* expect: crash
 * signal: SIGSEGV
 * why: writes through a NULL pointer. */
double f(double x)
{
	volatile int *p = 0;
	*p = 1;
	return x;
}
