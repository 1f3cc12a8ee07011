/* expect: rejected
 * message: __builtin_return_address
 * why: the caller's code address, the start of any return-oriented trick. */
double f(double x)
{
	return x + (double)(long)__builtin_return_address(0);
}
