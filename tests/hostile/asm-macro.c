/* expect: rejected
 * expect-asm: syscall
 * message: inline assembly
 * why: the asm keyword hidden behind an object-like macro: the scan runs
 *      on the preprocessed tokens, so it is still seen (getpid, 39). */
#define INNOCENT __asm__ volatile
double f(double x)
{
	long r;
	INNOCENT("syscall" : "=a"(r) : "a"(39L) : "rcx", "r11", "memory");
	return x + (double)r;
}
