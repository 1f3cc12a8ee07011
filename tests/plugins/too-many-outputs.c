/* Broken plug-in: max_outputs is larger than a sandbox job holds: refused when
 * the plug-in is loaded, with a message naming the limit. */
#include "evaluator.h"

static const char *const entries[] = { "f", NULL };
static const struct ev_seed seeds[] = { { "one", "double f(double x) { return x; }\n" }, { NULL, NULL } };

static long run(const struct ev_evaluator *ev, void *const *entry, int task, int split,
                double *out, size_t cap, char *err, size_t errlen)
{
	double (*f)(double) = (double (*)(double))entry[0];

	out[0] = f(1.0);
	return 1;
}

static int score(const struct ev_evaluator *ev, int task, int split, const double *out,
                 size_t n, struct ev_result *res)
{
	res->score = n == 1 ? out[0] : 0;
	return 0;
}

static void describe(const struct ev_evaluator *ev, const char *src, size_t len,
                     struct ev_result *res)
{
	*(volatile int *)0 = (int)len;
}

const struct ev_evaluator disco_evaluator = {
	.version = EV_API_VERSION, .name = "too-many-outputs", .prelude = "", .entries = entries,
	.seeds = seeds, .nstages = 1, .stages = { { "only", 0 } }, .ndims = 1,
	.dims = { { "ops", 0, 10, 5 } }, .max_outputs = 300000, .run = run, .score = score,
	.describe = describe,
};
