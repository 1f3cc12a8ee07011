/* expect: crash
 * signal: SIGFPE
 * why: integer division by zero (volatile so nothing folds it away). */
double f(double x)
{
	volatile int a = 1, b = 0;
	return x + a / b;
}
