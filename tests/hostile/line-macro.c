/* expect: rejected|compile_error
 * why: a #line built from a macro: the directive name must still be spelled
 *      line, so the prescan sees it whatever follows. */
#define WHERE 3 "<string>"
#line WHERE
double f(double x)
{
	return x + not_declared;
}
