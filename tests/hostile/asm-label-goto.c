/* expect: rejected
 * message: label address
 * why: a label's address plus an offset and a computed goto: a jump into
 *      the middle of an instruction (the GNU labels-as-values extension). */
double f(double x)
{
	void *p = &&here;
	p = (char *)p + 1;
	goto *p;
here:
	return x;
}
