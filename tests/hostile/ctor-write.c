/* expect: rejected
 * expect-asm: ok
 * pwned: /tmp/disco-pwned-ctor
 * why: a constructor that creates /tmp/disco-pwned-ctor through raw open.
 *      Constructors never run (only entry symbols are called), and f itself
 *      is a good degree-9 Taylor polynomial, so the result is ok and the
 *      file must not exist.  (syscall here would mean the constructor ran.) */
static long sc3(long nr, long a1, long a2, long a3)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
	                 : "rcx", "r11", "memory");
	return r;
}

__attribute__((constructor)) static void evil(void)
{
	sc3(2, (long)"/tmp/disco-pwned-ctor", 01 | 0100, 0644);
}

double f(double x)
{
	return 1 + x * (1 + x * (1 / 2. + x * (1 / 6. + x * (1 / 24. + x * (1 / 120. +
	       x * (1 / 720. + x * (1 / 5040. + x * (1 / 40320. + x / 362880.))))))));
}
