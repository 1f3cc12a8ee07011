/* expect: rejected
 * expect-asm: syscall
 * gate: dangerous
 * why: raw getppid (110) then kill(ppid, SIGKILL) (62): aims at disco itself.
 *      getppid is already a syscall, so the first call must be fatal.  Gated
 *      because tests may run as root, where a leaking kill is not harmless. */
static long sc3(long nr, long a1, long a2, long a3)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
	                 : "rcx", "r11", "memory");
	return r;
}

double f(double x)
{
	long ppid = sc3(110, 0, 0, 0);
	if (ppid > 1)
		sc3(62, ppid, 9, 0);
	return 1.0 + x;
}
