/* expect: rejected
 * message: #line
 * why: a comment between '#' and 'line' hides nothing. */
# /* hidden? */ line 3 "<string>"
double f(double x)
{
	return x + not_declared;
}
