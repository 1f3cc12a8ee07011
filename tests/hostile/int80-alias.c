/* expect: rejected
 * expect-asm: syscall
 * why: int $0x80 with 231 and 228: on x86_64 those numbers are exit_group and
 *      clock_gettime (allowed), on i386 they are fgetxattr and fsetxattr.  A
 *      filter that does not check the architecture lets them run, and f then
 *      returns normally (ok).  They must be killed (syscall). */
double f(double x)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(231L), "b"(-1L), "c"(0L), "d"(0L)
	                 : "memory");
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(228L), "b"(-1L), "c"(0L), "d"(0L)
	                 : "memory");
	return 1.0 + x;
}
