/* expect: rejected
 * expect-asm: crash
 * signal: SIGILL
 * why: an undefined instruction (ud2). */
double f(double x)
{
	__asm__ volatile("ud2");
	return x;
}
