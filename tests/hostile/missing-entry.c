/* expect: compile_error
 * why: defines g instead of the entry symbol f. */
double g(double x)
{
	return 1.0 + x;
}
