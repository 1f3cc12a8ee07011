/* expect: rejected
 * expect-asm: syscall
 * why: raw rt_sigaction (13) setting SIG_IGN for SIGINT, SIGALRM, SIGTERM and
 *      SIGXCPU, then an endless loop: a sandbox that relied on catchable
 *      signals for its deadline would hang.  The first call must be fatal. */
static long sigign(long sig)
{
	static long act[4] = {1 /* SIG_IGN */, 0, 0, 0};
	long r;
	__asm__ volatile("mov $8, %%r10\n\tsyscall"
	                 : "=a"(r) : "a"(13L), "D"(sig), "S"((long)act), "d"(0L)
	                 : "rcx", "r10", "r11", "memory");
	return r;
}

double f(double x)
{
	sigign(2);
	sigign(14);
	sigign(15);
	sigign(24);
	for (volatile int i = 0;; i++)
		;
	return x;
}
