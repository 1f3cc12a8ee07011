/* expect: rejected
 * expect-asm: invalid_output
 * why: raw exit_group(0) (231) from inside f.  exit_group is allowed (the
 *      runner needs it), so the filter cannot stop it: the child exits 0
 *      having written no outputs, and "too few outputs" is invalid_output.
 *      It must never count as ok. */
double f(double x)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(231L), "D"(0L) : "rcx", "r11", "memory");
	return x + r;
}
