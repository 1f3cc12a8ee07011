/* expect: rejected
 * generate: pad-50mb
 * why: the script appends 50 MB of comment lines at test time (the file is
 *      not committed at that size); the source limit (64 KiB by default)
 *      must reject it before anything reads it into the compiler. */
double f(double x)
{
	return 1.0 + x;
}
