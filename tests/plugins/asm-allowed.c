/*
 * asm-allowed.c - a test plug-in evaluator with expapprox's contract
 * (double f(double x) approximating exp on [-1, 1]) that opts in to inline
 * assembly and the other escape hatches (allow_asm = 1).  The hostile
 * corpus runs its asm cases here too (tests/e2e/t0200-hostile.sh, field
 * expect-asm:), so the seccomp filter, the rlimits and the process group
 * keep being tested behind the default refusal.  Score: -log10 of the
 * largest relative error against exp on a grid, clipped to [0, 17].
 */
#include <math.h>
#include <stdio.h>

#include "evaluator.h"

#define LO (-1.0)
#define HI 1.0
#define GRID 257  /* stage 0: grid points, both ends included */
#define NPROBE 8  /* probe task: functional hashing */

/* What the candidate sees.  Keep the prelude and the whitelist in step. */
static const char prelude[] =
	"double fabs(double);\n"
	"double ldexp(double, int);\n";

static const char *const headers[] = { "math.h", NULL };
static const char *const entries[] = { "f", NULL };

/* addr NULL: disco takes the function from its own math table. */
static const struct ev_symbol symbols[] = {
	{ "fabs", NULL },
	{ "ldexp", NULL },
	{ NULL, NULL },
};

static const struct ev_seed seeds[] = {
	{ "taylor9",
	  "double f(double x)\n"
	  "{\n"
	  "\treturn 1 + x * (1 + x * (1 / 2. + x * (1 / 6. + x * (1 / 24. + x * (1 / 120. +\n"
	  "\t       x * (1 / 720. + x * (1 / 5040. + x * (1 / 40320. + x / 362880.))))))));\n"
	  "}\n" },
	{ NULL, NULL },
};

/* The points of a task, the same in run() and score(). */
static double point(int task, int split, int k)
{
	if (task == EV_TASK_PROBE) {
		static const double probe[NPROBE] = { -1.0, -0.7, -0.3, 0.0, 0.2, 0.5, 0.8, 1.0 };
		return probe[k];
	}
	/* Held-out points sit between the train grid points. */
	double t = split == EV_HELDOUT ? (k + 0.5) / GRID : (double)k / (GRID - 1);
	return t >= 1.0 ? HI : LO + (HI - LO) * t;
}

static int count(int task)
{
	return task == EV_TASK_PROBE ? NPROBE : GRID;
}

/* Inside the sandbox, next to the candidate. */
static long ax_run(const struct ev_evaluator *ev, void *const *entry, int task, int split,
                   double *out, size_t cap, char *err, size_t errlen)
{
	if (task != EV_TASK_PROBE && task != 0) {
		snprintf(err, errlen, "%s: no task %d (expected -1 probe or 0 grid)", ev->name, task);
		return -1;
	}
	int n = count(task);
	if (!entry || !entry[0] || cap < (size_t)n) {
		snprintf(err, errlen, "%s: output buffer holds %zu doubles, task %d needs %d", ev->name,
		         cap, task, n);
		return -1;
	}
	double (*f)(double) = (double (*)(double))entry[0];
	for (int k = 0; k < n; k++)
		out[k] = f(point(task, split, k));
	return n;
}

/* Outside, on raw outputs that may be garbage. */
static int ax_score(const struct ev_evaluator *ev, int task, int split, const double *out,
                    size_t n, struct ev_result *res)
{
	if (task != EV_TASK_PROBE && task != 0) {
		snprintf(res->message, sizeof res->message, "%s: no task %d", ev->name, task);
		return -1;
	}
	if (split != EV_TRAIN && split != EV_HELDOUT) {
		snprintf(res->message, sizeof res->message, "%s: no split %d", ev->name, split);
		return -1;
	}
	if (!out || n != (size_t)count(task)) {
		snprintf(res->message, sizeof res->message, "%s: expected %d outputs of f, got %zu",
		         ev->name, count(task), out ? n : 0);
		return -1;
	}
	double maxrel = 0, sumrel = 0, worst = point(task, split, 0);
	for (size_t k = 0; k < n; k++) {
		double x = point(task, split, (int)k), y = out[k];
		/* The plug-in's math.h has no isnan()/isinf() macros: y != y is NaN,
		 * y - y != 0 is NaN or +-Inf. */
		if (y != y || y - y != 0) {
			snprintf(res->message, sizeof res->message, "f returned %s at x=%.17g",
			         y != y ? "NaN" : y > 0 ? "Inf" : "-Inf", x);
			return -1;
		}
		double r = exp(x), rel = fabs(y - r) / r; /* r >= 1/e: no division by 0 */
		if (rel > maxrel) {
			maxrel = rel;
			worst = x;
		}
		sumrel += rel;
	}
	double s = maxrel == 0 ? 17.0 : -log10(maxrel);
	res->score = s < 0 ? 0 : s > 17 ? 17 : s;
	ev_metric(res, "max_rel_err", maxrel);
	ev_metric(res, "mean_rel_err", sumrel / (double)n);
	ev_metric(res, "worst_x", worst);
	return 0;
}

/* Outside, on the candidate's source (not NUL-terminated). */
static void ax_describe(const struct ev_evaluator *ev, const char *src, size_t len,
                        struct ev_result *res)
{
	int ops = ev_count_ops(src, len);
	res->desc[0] = ops;
	ev_metric(res, "ops", ops);
}

const struct ev_evaluator disco_evaluator = {
	.version = EV_API_VERSION,
	.name = "asm-allowed",
	.summary = "expapprox's contract with inline assembly allowed (tests only)",
	.prelude = prelude,
	.headers = headers,
	.entries = entries,
	.symbols = symbols,
	.seeds = seeds,
	.nstages = 1,
	.stages = { { "grid", 0 } },
	.ndims = 1,
	.dims = { { "ops", 0, 40, 20 } },
	.noisy = 0,
	.max_outputs = GRID,
	.run = ax_run,
	.score = ax_score,
	.describe = ax_describe,
	.data = NULL,
	.allow_asm = 1,
};
