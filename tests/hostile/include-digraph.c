/* expect: rejected|compile_error
 * why: `%:` is the C99 digraph for `#`.  tcc 0.9.27 does not implement
 *      digraphs, so either the sandbox rejects the line or tcc fails on it;
 *      both are safe, and the file must never be read ("root:x:" absent). */
%:include "/etc/passwd"

double f(double x)
{
	return 1.0 + x;
}
