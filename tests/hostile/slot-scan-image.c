/* expect: crash|ok
 * max-score: 1
 * why: walks memory upwards from its own static data, page by page, for a
 *      copy of its own source text (the job slot holds it) to find the
 *      slot without any pointer.  The slot is not mapped while the
 *      candidate runs and the compiler's copies are freed heap: the walk
 *      runs off the end of a mapping (crash) or finds nothing it can use
 *      (ok, a bad approximation of exp). */
static char marker[] = "xslot-scan-image-markerx";

double f(double x)
{
	static int tried;
	if (!tried) {
		tried = 1;
		marker[0] = 's'; /* the source says "x...", memory now "s..." */
		const char *p = (const char *)marker + sizeof marker;
		for (long n = 0; n < (64l << 20); n++, p++)
			if (p[0] == 'x' && p[1] == 's' && p[2] == 'l' && p[3] == 'o' && p[4] == 't' &&
			    p[5] == '-' && p[6] == 's' && p[7] == 'c' && p[8] == 'a' && p[9] == 'n')
				((char *)p)[0] = 0; /* a write into the slot would fault now */
	}
	return 1 + x;
}
