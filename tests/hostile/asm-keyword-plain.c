/* expect: rejected
 * expect-asm: syscall
 * message: inline assembly
 * why: plain `asm`, the third spelling tcc accepts (besides __asm and
 *      __asm__), with a raw getpid. */
double f(double x)
{
	long r;
	asm volatile("syscall" : "=a"(r) : "a"(39L) : "rcx", "r11", "memory");
	return x + (double)r;
}
