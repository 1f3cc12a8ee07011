/* expect: rejected
 * expect-asm: syscall
 * gate: canary
 * why: raw kill(0, 0) and kill(-1, 0): signal 0 only checks permissions and
 *      delivers nothing, so this is harmless even with no sandbox.  It must
 *      be blocked before the script dares to run the real kill cases. */
static long sc3(long nr, long a1, long a2, long a3)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
	                 : "rcx", "r11", "memory");
	return r;
}

double f(double x)
{
	sc3(62, 0, 0, 0);  /* kill(0, 0) */
	sc3(62, -1, 0, 0); /* kill(-1, 0) */
	return 1.0 + x;
}
