/* expect: rejected
 * expect-asm: syscall
 * why: a memory bomb through raw anonymous mmap (9) in a loop, touching each
 *      page; the first mmap must already be fatal. */
static long mmap_anon(long len)
{
	long r;
	__asm__ volatile("mov $0x22, %%r10\n\tmov $-1, %%r8\n\txor %%r9, %%r9\n\tsyscall"
	                 : "=a"(r) : "a"(9L), "D"(0L), "S"(len), "d"(3L)
	                 : "rcx", "r8", "r9", "r10", "r11", "memory");
	return r;
}

double f(double x)
{
	for (;;) {
		long p = mmap_anon(1L << 26);
		if (p > 0)
			for (long i = 0; i < (1L << 26); i += 4096)
				((volatile char *)p)[i] = 1;
	}
	return x;
}
