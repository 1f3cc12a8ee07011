/* expect: rejected
 * expect-asm: syscall
 * why: raw exit(0) (60) from inside f: a clean-looking exit before any output
 *      is written.  exit is not on the allow list (only exit_group is). */
double f(double x)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(60L), "D"(0L) : "rcx", "r11", "memory");
	return x + r;
}
