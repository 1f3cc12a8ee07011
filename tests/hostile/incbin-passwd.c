/* expect: rejected|compile_error
 * expect-asm: rejected|compile_error
 * why: tries to embed /etc/passwd in the object with the assembler's
 *      .incbin directive (tcc 0.9.27's assembler refuses it).  Rejected or
 *      compile_error are both fine; no passwd content may appear anywhere. */
__asm__(".incbin \"/etc/passwd\"");

double f(double x)
{
	return 1.0 + x;
}
