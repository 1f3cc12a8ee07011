/* expect: rejected
 * expect-asm: syscall
 * why: the 32-bit syscall entry: int $0x80 with getpid (20) and exit (1). */
double f(double x)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L), "b"(0L) : "memory");
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(1L), "b"(0L) : "memory");
	return x + r;
}
