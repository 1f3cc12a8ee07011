/* expect: rejected
 * expect-asm: invalid_output
 * why: raw exit_group(3): an allowed syscall with a non-zero code the runner
 *      might use for its own errors; still no outputs, so invalid_output. */
double f(double x)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(231L), "D"(3L) : "rcx", "r11", "memory");
	return x + r;
}
