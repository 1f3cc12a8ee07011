/* expect: rejected|compile_error
 * expect-asm: rejected|compile_error
 * why: the assembler's .include directive aimed at /etc/passwd: assembled
 *      as source, its lines would come back in error messages. */
__asm__(".include \"/etc/passwd\"");

double f(double x)
{
	return 1.0 + x;
}
