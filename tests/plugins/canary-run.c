/* Hostile plug-in: its run(), which shares the candidate's process, walks
 * up the stack for "DISCO_TEST_CANARY=" and, when it finds it, puts the
 * value in its error message, which disco prints and stores in the
 * archive.  The fork server wipes the engine's environment, so the walk
 * runs off the top of the stack (SIGSEGV) and nothing leaks. */
#include "evaluator.h"

static const char *const entries[] = { "f", NULL };
static const struct ev_seed seeds[] = { { "one", "double f(double x) { return x; }\n" }, { NULL, NULL } };

static long run(const struct ev_evaluator *ev, void *const *entry, int task, int split,
                double *out, size_t cap, char *err, size_t errlen)
{
	static const char key[] = "DISCO_TEST_CANARY=";
	const char *p = (const char *)&ev;
	for (;; p++) {
		size_t k = 0;
		while (key[k] && p[k] == key[k])
			k++;
		if (!key[k]) {
			snprintf(err, errlen, "leaked %s", p + k);
			return -1;
		}
	}
}

static int score(const struct ev_evaluator *ev, int task, int split, const double *out,
                 size_t n, struct ev_result *res)
{
	res->score = 0;
	return 0;
}

const struct ev_evaluator disco_evaluator = {
	.version = EV_API_VERSION, .name = "canary", .prelude = "", .entries = entries,
	.seeds = seeds, .nstages = 1, .stages = { { "only", 0 } }, .max_outputs = 1,
	.run = run, .score = score,
};
