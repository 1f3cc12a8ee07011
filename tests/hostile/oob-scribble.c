/* expect: crash|ok|invalid_output
 * max-score: 0.5
 * why: scribbles e-ish values over 1 MiB past its own array, into whatever
 *      the runner keeps there (tcc's code and data, the runner's heap,
 *      perhaps the output buffer), then returns 0, which deserves a score
 *      near 0.  What breaks depends on memory layout, hence three allowed
 *      statuses; what matters is that it is contained and never scores
 *      above what f deserves. */
static double a[1];

double f(double x)
{
	for (long i = 1; i < (1L << 17); i++)
		((volatile double *)a)[i] = 2.718281828459045 * (1.0 + (double)(i % 7) / 10.0);
	return 0.0;
}
