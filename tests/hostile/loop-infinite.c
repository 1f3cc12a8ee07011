/* expect: timeout
 * why: never returns; the wall deadline (and CPU rlimit) must stop it. */
double f(double x)
{
	volatile unsigned long n = 0;
	for (;;)
		n++;
	return x;
}
