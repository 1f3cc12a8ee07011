/* expect: crash|ok
 * max-score: 1
 * why: looks for the shared job slot through its stack (a word that points
 *      at a struct whose memory and stack limits are 256 MiB and 8 MiB, as
 *      the old slot layout had them) and zeroes the job's task bits.  The
 *      old engine read the task bits back from the slot: "ok" with a null
 *      score from disco eval, a job resubmitted forever in a campaign.  The
 *      slot is not mapped while the candidate runs: a stale pointer faults
 *      (crash) or nothing is found (ok, a bad approximation of exp). */
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
				((unsigned *)(s + 1))[0] = 0; /* tasks */
				break;
			}
		}
	}
	return 1 + x;
}
