/* expect: crash|ok
 * max-score: 1
 * why: finds the job slot through its stack as slot-scan-tasks.c does and
 *      turns the job into an "info" job (kind 1), with the done flag set
 *      to the nonce next to it.  The old engine took the job's kind from
 *      the slot and returned no outputs at all: "ok" without a score.
 *      The engine keeps its own copy of every job parameter, the nonce
 *      never enters the child, and the slot is not mapped while the
 *      candidate runs: a stale pointer faults (crash) or nothing is found
 *      (ok, a bad approximation of exp). */
typedef unsigned long u64;

double f(double x)
{
	static int tried;
	if (!tried) {
		tried = 1;
		u64 *sp = (u64 *)&x;
		for (int i = 0; i < 4096; i++) {
			u64 v = sp[i];
			if (v < 0x500000000000ul || v > 0x7ffffffff000ul || (v & 7))
				continue;
			u64 *s = (u64 *)v;
			if (s[6] == (256ul << 20) && s[7] == (8ul << 20)) {
				((int *)(s + 3))[0] = 1; /* kind = SBX_JOB_INFO */
				s[14] = s[5];            /* done = nonce */
				break;
			}
		}
	}
	return 1 + x;
}
