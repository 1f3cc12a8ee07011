/* expect: memory
 * why: unbounded recursion with a 4 KiB frame overflows the stack; a stack
 *      overflow is a memory failure, not a plain SIGSEGV crash. */
static double down(double x, int depth)
{
	volatile char frame[4096];
	frame[0] = (char)depth;
	frame[4095] = frame[0];
	return down(x + frame[4095], depth + 1) + 1.0;
}

double f(double x)
{
	return down(x, 0);
}
