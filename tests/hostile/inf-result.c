/* expect: invalid_output
 * why: returns +Inf for x < -0.5 and a fair approximation elsewhere. */
double f(double x)
{
	volatile double zero = 0.0;
	if (x < -0.5)
		return 1.0 / zero;
	return 1 + x * (1 + x * (1 / 2. + x * (1 / 6. + x * (1 / 24. + x * (1 / 120.)))));
}
