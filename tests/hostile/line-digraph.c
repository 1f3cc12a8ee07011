/* expect: rejected|compile_error
 * why: the digraph %: for # (tcc 0.9.27 has no digraphs: then it is a
 *      syntax error in the candidate, not the prelude). */
%:line 3 "<string>"
double f(double x)
{
	return x + not_declared;
}
