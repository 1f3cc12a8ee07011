/* expect: memory
 * why: a static array of almost 2 GiB (bss), far beyond the 256 MiB
 *      address-space limit; the failure may come when tcc allocates the
 *      sections ("memory full") or when the page is touched; both are
 *      memory.  (tcc 0.9.27 refuses `static char a[1UL << 33]` outright:
 *      "constant exceeds 32 bit", which would only test the parser.) */
static char big[0x7ff00000];

double f(double x)
{
	big[0x7ff00000 - 1] = 1;
	big[(long)(x * x * 1000.0)] = 1;
	return 1.0 + x + big[0x7ff00000 - 1];
}
