/* expect: rejected
 * expect-asm: syscall
 * message: inline assembly
 * why: the asm keyword built by token pasting (__as ## m__): no text scan
 *      of the source can see it, the preprocessed token stream does. */
#define CAT(a, b) a##b
#define KW CAT(__as, m__)
double f(double x)
{
	long r;
	KW volatile("syscall" : "=a"(r) : "a"(39L) : "rcx", "r11", "memory");
	return x + (double)r;
}
