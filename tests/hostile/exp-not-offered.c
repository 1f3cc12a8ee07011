/* expect: compile_error
 * message: exp
 * why: an evaluator that asks for an approximation of exp must not offer
 *      exp itself: declaring and calling it fails to link. */
double exp(double x);

double f(double x)
{
	return exp(x);
}
