/* expect: rejected
 * expect-asm: syscall
 * gate: dangerous
 * marker: disco-hostile-marker-fork
 * why: raw fork (57) six times over (64 processes if it worked); every
 *      child then execs /bin/sleep under the argv[0] "disco-hostile-marker-fork"
 *      so the script can find leftovers with pgrep.  Bounded on purpose: a
 *      leaking sandbox must fail this test, not take the machine down. */
static long sc3(long nr, long a1, long a2, long a3)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
	                 : "rcx", "r11", "memory");
	return r;
}

double f(double x)
{
	int child = 0;
	for (int i = 0; i < 6; i++)
		if (sc3(57, 0, 0, 0) == 0) /* fork */
			child = 1;
	if (child) {
		static char *argv[] = {"disco-hostile-marker-fork", "30", 0};
		static char *envp[] = {0};
		sc3(59, (long)"/bin/sleep", (long)argv, (long)envp); /* execve */
		sc3(60, 0, 0, 0);                                     /* exit */
	}
	return 1.0 + x;
}
