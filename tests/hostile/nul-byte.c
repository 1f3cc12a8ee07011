/* expect: rejected
 * generate: nul
 * why: the script inserts a NUL byte after f at test time; C-string code
 *      would silently cut the source there, so NUL must be rejected. */
double f(double x)
{
	return 1.0 + x;
}
