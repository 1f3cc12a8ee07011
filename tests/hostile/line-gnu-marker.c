/* expect: rejected
 * message: #line
 * why: the GNU linemarker spelling of #line ("# 3 \"<string>\" 1"), which
 *      tcc accepts too. */
# 3 "<string>" 1
double f(double x)
{
	return x + not_declared;
}
