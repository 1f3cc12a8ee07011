/* expect: rejected
 * expect-asm: syscall
 * gate: canary
 * why: the most harmless raw syscall there is (getpid, 39).  If the sandbox
 *      lets it through, the seccomp filter is missing and the script skips
 *      the dangerous cases (kill -1, fork bomb) instead of running them. */
static long sc3(long nr, long a1, long a2, long a3)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
	                 : "rcx", "r11", "memory");
	return r;
}

double f(double x)
{
	sc3(39, 0, 0, 0); /* getpid */
	return 1.0 + x;
}
