/* expect: rejected
 * expect-asm: crash
 * signal: SIGSEGV
 * why: self-modifying code: copies mov eax, 39; syscall; ret over the body
 *      of a function and calls it.  Refused by default (a function used
 *      other than by calling it); where asm is allowed, the code pages are
 *      read + execute only, so the write faults. */
static long victim(void) { return 0; }
double f(double x)
{
	static const unsigned char code[] = { 0xb8, 0x27, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xc3 };
	unsigned char *p = (unsigned char *)victim;
	for (int i = 0; i < 8; i++)
		p[i] = code[i];
	return x + (double)victim();
}
