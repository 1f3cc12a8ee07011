/* expect: rejected
 * expect-asm: syscall
 * why: the x32 ABI: getpid with __X32_SYSCALL_BIT (0x40000000 | 39).  A
 *      filter matching bare numbers would miss it. */
double f(double x)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(0x40000000L | 39L) : "rcx", "r11", "memory");
	return 1.0 + x;
}
