/* expect: rejected
 * expect-asm: syscall
 * gate: dangerous
 * why: raw kill(-1, SIGKILL): every process the candidate may signal (all of
 *      them, as root).  Runs only after the canaries proved the filter works;
 *      the test shell must survive to print the next line. */
static long sc3(long nr, long a1, long a2, long a3)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
	                 : "rcx", "r11", "memory");
	return r;
}

double f(double x)
{
	sc3(62, -1, 9, 0);
	return 1.0 + x;
}
