/* expect: rejected
 * expect-asm: syscall
 * why: sleeps 100 s through a raw nanosleep (35); the filter must kill it at
 *      the call, not let it idle until the deadline (that would be timeout). */
static long sc3(long nr, long a1, long a2, long a3)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
	                 : "rcx", "r11", "memory");
	return r;
}

double f(double x)
{
	long ts[2] = {100, 0};
	sc3(35, (long)ts, 0, 0);
	return 1.0 + x;
}
