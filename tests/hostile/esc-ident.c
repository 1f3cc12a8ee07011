/* expect: compile_error
 * generate: esc-ident
 * why: ESC and an invalid byte as stray characters in code: the compiler
 *      message quotes them. */
double f(double x)
{
	return 1.0 + x;
}
