/* expect: crash
 * signal: SIGSEGV
 * why: walks up its stack, through the fork server's frames to the strings
 *      the kernel put at the top, looking for "DISCO_TEST_CANARY" (t0200
 *      sets that variable in disco's environment), and divides by zero
 *      when it finds it (SIGFPE).  The fork server wipes the engine's
 *      environment and argument strings right after it is forked, so the
 *      walk finds nothing and runs off the top of the stack: SIGSEGV. */
double f(double x)
{
	static int tried;
	if (!tried) {
		tried = 1;
		const char *p = (const char *)&x;
		for (;; p++)
			if (p[0] == 'D' && p[1] == 'I' && p[2] == 'S' && p[3] == 'C' && p[4] == 'O' &&
			    p[5] == '_' && p[6] == 'T' && p[7] == 'E' && p[8] == 'S' && p[9] == 'T' &&
			    p[10] == '_' && p[11] == 'C' && p[12] == 'A' && p[13] == 'N')
				return 1 / (int)(x - x);
	}
	return 1 + x;
}
