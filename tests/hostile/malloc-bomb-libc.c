/* expect: compile_error
 * message: malloc
 * why: malloc is not on the whitelist and candidates link with -nostdlib,
 *      so the link fails with "undefined symbol 'malloc'". */
void *malloc(unsigned long n);

double f(double x)
{
	for (;;) {
		char *p = malloc(1UL << 20);
		if (p)
			p[0] = 1;
	}
	return x;
}
