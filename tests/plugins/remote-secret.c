/* A plug-in with serve(): the candidate runs in a process of its own,
 * forked before run() starts.  run() makes a "secret" (as optim makes its
 * workloads) and hands the candidate its address; the candidate reads
 * through it and returns what it finds, which becomes the score: 42.5 if
 * the candidate could read run()'s memory, 0 as it cannot. */
#include "evaluator.h"

static const char *const entries[] = { "f", NULL };
static const struct ev_seed seeds[] = { { "reader", "double f(const double *p) { return *p; }\n" },
	                                { NULL, NULL } };
static double secret;

static void serve(const struct ev_evaluator *ev, void *const *entry, void *buf, size_t len)
{
	double (*f)(const double *) = (double (*)(const double *))entry[0];
	double **p = buf;
	((double *)buf)[1] = f(p[0]);
}

static long run(const struct ev_evaluator *ev, void *const *entry, int task, int split,
                double *out, size_t cap, char *err, size_t errlen)
{
	struct ev_remote *rm = ev_remote();
	secret = 42.5;
	if (!rm) {
		snprintf(err, errlen, "remote-secret: expected the candidate in its own process");
		return -1;
	}
	((const double **)rm->buf)[0] = &secret;
	if (rm->call(rm)) {
		snprintf(err, errlen, "remote-secret: the candidate's process ended");
		return -1;
	}
	out[0] = ((double *)rm->buf)[1];
	return 1;
}

static int score(const struct ev_evaluator *ev, int task, int split, const double *out,
                 size_t n, struct ev_result *res)
{
	if (n != 1 || out[0] != out[0]) {
		snprintf(res->message, sizeof res->message, "remote-secret: expected one number");
		return -1;
	}
	res->score = out[0];
	return 0;
}

const struct ev_evaluator disco_evaluator = {
	.version = EV_API_VERSION, .name = "remote-secret", .prelude = "", .entries = entries,
	.seeds = seeds, .nstages = 1, .stages = { { "only", 0 } }, .max_outputs = 1,
	.run = run, .score = score, .serve = serve,
};
