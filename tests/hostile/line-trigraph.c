/* expect: rejected|compile_error
 * why: ??= is the trigraph for '#'; tcc 0.9.27 has no trigraphs, so this
 *      is a syntax error in the candidate's own line 4, never a #line. */
??=line 3 "<string>"
double f(double x)
{
	return x + not_declared;
}
