/* expect: rejected
 * expect-asm: syscall
 * message: inline assembly
 * why: `__asm` (one underscore pair), with a raw getpid. */
double f(double x)
{
	long r;
	__asm volatile("syscall" : "=a"(r) : "a"(39L) : "rcx", "r11", "memory");
	return x + (double)r;
}
