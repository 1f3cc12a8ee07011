/* expect: rejected
 * expect-asm: syscall
 * gate: dangerous
 * marker: disco-hostile-marker-clone
 * why: the same bounded bomb through raw clone(SIGCHLD, 0, 0, 0, 0) (56), for
 *      a filter that would only think of fork and vfork. */
static long sc3(long nr, long a1, long a2, long a3)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
	                 : "rcx", "r11", "memory");
	return r;
}

static long clone_plain(void)
{
	long r;
	__asm__ volatile("xor %%r10, %%r10\n\txor %%r8, %%r8\n\tsyscall"
	                 : "=a"(r) : "a"(56L), "D"(17L), "S"(0L), "d"(0L)
	                 : "rcx", "r8", "r10", "r11", "memory");
	return r;
}

double f(double x)
{
	int child = 0;
	for (int i = 0; i < 6; i++)
		if (clone_plain() == 0)
			child = 1;
	if (child) {
		static char *argv[] = {"disco-hostile-marker-clone", "30", 0};
		static char *envp[] = {0};
		sc3(59, (long)"/bin/sleep", (long)argv, (long)envp); /* execve */
		sc3(60, 0, 0, 0);                                     /* exit */
	}
	return 1.0 + x;
}
