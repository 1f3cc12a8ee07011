/* expect: crash
 * signal: SIGSEGV
 * why: writes 8 TiB below its own array: unmapped memory. */
static double a[4];

double f(double x)
{
	volatile long i = -(1L << 40);
	a[i] = x;
	return 1.0 + x;
}
