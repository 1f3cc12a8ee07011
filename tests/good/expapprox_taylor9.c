/* A good expapprox candidate: exp(x) by its degree-9 Taylor polynomial,
 * evaluated with Horner's rule.  On [-1, 1] the worst relative error is
 * about 7.5e-7 (at x = -1), so the score (-log10 of it) is about 6. */
double f(double x)
{
	return 1 + x * (1 + x * (1 / 2. + x * (1 / 6. + x * (1 / 24. + x * (1 / 120. +
	       x * (1 / 720. + x * (1 / 5040. + x * (1 / 40320. + x / 362880.))))))));
}
