/* expect: rejected
 * expect-asm: syscall
 * message: section
 * why: machine code as data, placed in the executable .text section by an
 *      attribute and called: no asm keyword at all.  The bytes are
 *      mov eax, 39; syscall; ret (getpid). */
__attribute__((section(".text"))) static const unsigned char code[] = {
	0xb8, 0x27, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xc3,
};
double f(double x)
{
	long (*p)(void) = (long (*)(void))code;
	return x + (double)p();
}
