/*
 * sqrtapprox.c - an example C plug-in evaluator: approximate sqrt(x) on
 * [0.25, 4] without calling sqrt.  Copy it to start your own evaluator.
 *
 *     disco eval cand.c --evaluator examples/plugin/sqrtapprox.c
 *     disco baseline examples/plugin/sqrtapprox.c
 *     disco run --evaluator examples/plugin/sqrtapprox.c --budget-evals 300
 *
 * A plug-in is one .c file written against evaluator.h and compiled by
 * disco inside its sandbox, like a candidate: no libc, no other files.  It
 * may include only evaluator.h, math.h, string.h, stdio.h and stddef.h, and
 * call only the math functions (evaluator.h, ev_math_symbols), ev_metric,
 * ev_count_ops, memcpy, memset, strlen, strcmp, strncmp and snprintf.  It
 * defines one object, `disco_evaluator`, the same struct the built-in
 * evaluators fill (see evaluators/evaluator.h for every field).
 *
 * Where each function runs (evaluator.h, "Split of trust"):
 *   run()      in the sandbox child, next to the candidate: it only calls
 *              the candidate and writes raw outputs;
 *   score()    in a fresh sandbox child the candidate never touched: it
 *              treats the outputs as hostile (NaN, Inf, wrong count);
 *   describe() there too, on the candidate as preprocessed by the compiler.
 *
 * Candidate contract: define `double f(double x)`.  Score: -log10 of the
 * largest relative error against sqrt on a grid of [0.25, 4], clipped to
 * [0, 17] (higher is better; 17 = exact everywhere).  One MAP-Elites
 * dimension: "ops", the operation count of the source (ev_count_ops).
 */
#include <math.h>
#include <stdio.h>

#include "evaluator.h"

#define LO 0.25
#define HI 4.0
#define GRID 257  /* stage 0: grid points, both ends included */
#define NPROBE 8  /* probe task: functional hashing */

/* What the candidate sees.  Keep the prelude and the whitelist in step. */
static const char prelude[] =
	"double fabs(double);\n"
	"double fma(double, double, double);\n"
	"double frexp(double, int *);\n"
	"double ldexp(double, int);\n";

static const char *const headers[] = { "math.h", NULL };
static const char *const entries[] = { "f", NULL };

/* addr NULL: disco takes the function from its own math table. */
static const struct ev_symbol symbols[] = {
	{ "fabs", NULL },
	{ "fma", NULL },
	{ "frexp", NULL },
	{ "ldexp", NULL },
	{ NULL, NULL },
};

static const struct ev_seed seeds[] = {
	{ "linear",
	  "/* Chord of sqrt through (0.25, 0.5) and (4, 2): poor but valid. */\n"
	  "double f(double x)\n"
	  "{\n"
	  "\treturn 0.4 + 0.4 * x;\n"
	  "}\n" },
	{ "newton4",
	  "/* Linear start, then four Newton steps y = (y + x / y) / 2. */\n"
	  "double f(double x)\n"
	  "{\n"
	  "\tdouble y = 0.4 + 0.4 * x;\n"
	  "\ty = 0.5 * (y + x / y);\n"
	  "\ty = 0.5 * (y + x / y);\n"
	  "\ty = 0.5 * (y + x / y);\n"
	  "\ty = 0.5 * (y + x / y);\n"
	  "\treturn y;\n"
	  "}\n" },
	{ NULL, NULL },
};

/* The points of a task, the same in run() and score(). */
static double point(int task, int split, int k)
{
	if (task == EV_TASK_PROBE) {
		static const double probe[NPROBE] = { 0.25, 0.3, 0.5, 0.9, 1.0, 1.7, 2.9, 4.0 };
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
static long sq_run(const struct ev_evaluator *ev, void *const *entry, int task, int split,
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
static int sq_score(const struct ev_evaluator *ev, int task, int split, const double *out,
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
		double r = sqrt(x), rel = fabs(y - r) / r; /* r >= 0.5: no division by 0 */
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
static void sq_describe(const struct ev_evaluator *ev, const char *src, size_t len,
                        struct ev_result *res)
{
	int ops = ev_count_ops(src, len);
	res->desc[0] = ops;
	ev_metric(res, "ops", ops);
}

/* Optional (interface version 2): the symbolic form, so `disco run` can
 * search register programs over x with + - * / instead of perturbing
 * literals.  The template's {body} line receives the instructions; x is the
 * parameter, y the result.  Its seeds are in the IR text form, operation
 * for operation the C seeds (so they score the same). */
static const struct ev_ir_reg ir_regs[] = {
	{ "x", "x", 0, EV_IR_IN },
	{ "y", "y", 0, EV_IR_OUT },
	{ NULL, NULL, 0, 0 },
};

static const struct ev_seed ir_seeds[] = {
	{ "linear", "sym sqrtapprox\nr0 = mul x 0.4\ny = add r0 0.4\n" },
	{ "newton4",
	  "sym sqrtapprox\n"
	  "r0 = mul x 0.4\ny = add r0 0.4\n"
	  "r1 = div x y\nr2 = add y r1\ny = mul r2 0.5\n"
	  "r3 = div x y\nr4 = add y r3\ny = mul r4 0.5\n"
	  "r5 = div x y\nr6 = add y r5\ny = mul r6 0.5\n"
	  "r7 = div x y\nr8 = add y r7\ny = mul r8 0.5\n" },
	{ NULL, NULL },
};

static const struct ev_ir ir = {
	.shape = EV_IR_FUNC,
	.tmpl = "double f(double x)\n{\n\tdouble y;\n\t{body}\n\treturn y;\n}\n",
	.regs = ir_regs,
	.ops = "add sub mul div neg square recip",
	.seeds = ir_seeds,
};

const struct ev_evaluator disco_evaluator = {
	.version = EV_API_VERSION,
	.name = "sqrtapprox",
	.summary = "approximate sqrt(x) on [0.25, 4] without sqrt (example C plug-in)",
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
	.run = sq_run,
	.score = sq_score,
	.describe = sq_describe,
	.data = NULL,
	.ir = &ir,
};
