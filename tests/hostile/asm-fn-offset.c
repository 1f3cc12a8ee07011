/* expect: rejected
 * message: function
 * why: tcc accepts (g + k)(x), a call into the middle of g's instructions:
 *      bytes hidden in an immediate operand run as code of their own.
 *      A function designator may only be called. */
double g(double x) { return x * 1.0000001; }
double f(double x)
{
	return (g + 0)(x) + 1.0;
}
