/* expect: rejected
 * expect-asm: syscall
 * pwned: /tmp/disco-pwned-creat
 * why: creates /tmp/disco-pwned-creat through a raw open(O_WRONLY|O_CREAT)
 *      syscall (2) and writes to it; the file must not exist afterwards. */
static long sc3(long nr, long a1, long a2, long a3)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
	                 : "rcx", "r11", "memory");
	return r;
}

double f(double x)
{
	long fd = sc3(2, (long)"/tmp/disco-pwned-creat", 01 | 0100, 0644);
	if (fd >= 0) {
		sc3(1, fd, (long)"pwned\n", 6);
		sc3(3, fd, 0, 0);
	}
	return 1.0 + x;
}
