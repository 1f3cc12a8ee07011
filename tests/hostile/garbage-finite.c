/* expect: ok
 * max-score: 0
 * why: huge but finite values (about 1e300).  They are valid outputs of a
 *      very bad approximation: ok, with a score no higher than 0 (relative
 *      error about 1e300).  Squaring them overflows, so the scorer must not
 *      turn them into Inf/NaN metrics or a good score. */
double f(double x)
{
	return 1e300 * (x + 2.0);
}
