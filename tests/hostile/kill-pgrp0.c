/* expect: rejected
 * expect-asm: syscall
 * gate: dangerous
 * why: raw kill(0, SIGKILL): the candidate's whole process group, which
 *      without a sandbox includes disco and the test shell running it. */
static long sc3(long nr, long a1, long a2, long a3)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
	                 : "rcx", "r11", "memory");
	return r;
}

double f(double x)
{
	sc3(62, 0, 9, 0);
	return 1.0 + x;
}
