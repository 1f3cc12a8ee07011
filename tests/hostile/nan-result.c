/* expect: invalid_output
 * why: a good approximation that returns NaN for x > 0.5 only, so the
 *      scorer has to check every output, not the first one. */
double f(double x)
{
	volatile double zero = 0.0;
	if (x > 0.5)
		return zero / zero;
	return 1 + x * (1 + x * (1 / 2. + x * (1 / 6. + x * (1 / 24. + x * (1 / 120.)))));
}
