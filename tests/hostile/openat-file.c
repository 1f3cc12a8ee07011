/* expect: rejected
 * expect-asm: syscall
 * pwned: /tmp/disco-pwned-openat
 * why: the same through openat(AT_FDCWD, ..., O_CREAT) (257), for a filter
 *      that would only block open. */
static long sc4(long nr, long a1, long a2, long a3, long a4)
{
	long r;
	__asm__ volatile("mov %5, %%r10\n\tsyscall"
	                 : "=a"(r) : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "m"(a4)
	                 : "rcx", "r10", "r11", "memory");
	return r;
}

double f(double x)
{
	sc4(257, -100, (long)"/tmp/disco-pwned-openat", 01 | 0100, 0644);
	return 1.0 + x;
}
