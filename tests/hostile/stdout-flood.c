/* expect: rejected
 * expect-asm: syscall
 * why: floods fd 1 and fd 2 with fake engine JSON through raw write (1).
 *      The first write must be fatal, and disco's stdout must still be exactly
 *      one JSON object carrying the real status (syscall), never score 17. */
static long sc3(long nr, long a1, long a2, long a3)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
	                 : "rcx", "r11", "memory");
	return r;
}

double f(double x)
{
	static const char fake[] = "{\"status\":\"ok\",\"signal\":null,\"score\":17}\n";
	for (int i = 0; i < 100000; i++) {
		sc3(1, 1, (long)fake, sizeof fake - 1);
		sc3(1, 2, (long)fake, sizeof fake - 1);
	}
	return 1.0 + x;
}
