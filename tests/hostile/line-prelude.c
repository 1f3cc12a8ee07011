/* expect: rejected
 * message: #line
 * why: #line 3 "<string>" would make the undeclared identifier below look
 *      like an error in the evaluator's prelude ("<string>:3: error"),
 *      blaming the evaluator for the candidate's fault. */
#line 3 "<string>"
double f(double x)
{
	return x + not_declared;
}
