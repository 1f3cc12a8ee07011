/*
 * numeric.c - built-in evaluators for numeric routines: the candidate
 * defines `double f(double x)` approximating a reference function on an
 * interval, and is scored by its maximum relative error.
 *
 *   expapprox       exp(x) on [-1, 1]    arithmetic + fabs, floor, fma
 *   expapprox-wide  exp(x) on [-40, 40]  + nearbyint, rint, ceil, trunc, ldexp,
 *                                          scalbn (for range reduction)
 *   logapprox       log(x) on [0.5, 2]   arithmetic + fabs, floor, fma
 *
 * The three share every function below; they differ only in their
 * `struct nm_params` (the `data` pointer), their whitelist, prelude and
 * seeds.  docs/EVALUATORS.md documents the contract and scoring.
 *
 * Tasks.  EV_TASK_PROBE: f at 16 fixed points (functional hashing).
 * Stage 0: f on a uniform grid of NM_GRID points including both endpoints,
 * then the evaluator's special points, then NM_RANDOM pseudo-random points
 * drawn from a fixed seed that differs between the train and held-out
 * splits.  run() (inside the sandbox) and score() (outside) both derive the
 * points from nm_point(), so score() never reads an x from the candidate's
 * process.  run() allocates nothing and makes no system call.
 *
 * Scoring (trusted).  ref(x) is computed in long double (expl/logl) and
 * rounded to double, r.  For each point, rel = |y - r| / |r| and
 * ulp = |y - r| / ulp(r), both in long double; r = 0 (log at 1) gives
 * rel = 0 when y == 0 and 1 otherwise.  score = -log10(max rel) clipped to
 * [0, 17]; a correctly rounded f scores exactly 17, one ulp off scores
 * about 15.7-16.  Any NaN or Inf output, or the wrong count, is invalid.
 */
#include "evaluators/evaluator.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define NM_GRID 4097
#define NM_RANDOM 256
#define NM_PROBES 16
#define NM_MAX_SPECIAL 4
#define NM_MAX_OUT (NM_GRID + NM_MAX_SPECIAL + NM_RANDOM)
#define NM_CAP 1e300 /* metrics stay finite (JSON has no Inf) */

/* Reference values (r and ulp(r) per point) of one evaluator, computed on
 * first use by score() and kept: expl/logl cost ~60 ns a point, which would
 * make scoring ~300 us instead of ~20 us.  Slot 0 is the probe, 1 the
 * train grid, 2 the held-out grid.  Owned by numeric.c, never freed,
 * filled once; like the rest of the engine this assumes score() is not
 * called from two threads at once. */
struct nm_cache {
	int ready[3];               /* ref, ulp, rinv, uinv filled */
	int xready[3];
	double x[3][NM_MAX_OUT];    /* the points */
	double ref[3][NM_MAX_OUT];
	double ulp[3][NM_MAX_OUT];  /* 0 where ref is 0 */
	double rinv[3][NM_MAX_OUT]; /* 1 / |ref|, 0 where ref is 0 */
	double uinv[3][NM_MAX_OUT]; /* 1 / ulp (a power of two: exact), 0 where ref is 0 */
};

struct nm_params {
	struct nm_cache *cache;
	const char *fname;                 /* for messages: "exp" */
	double lo, hi;                     /* the domain, both ends included */
	long double (*ref)(long double);   /* the reference, in long double */
	int nspecial;
	double special[NM_MAX_SPECIAL];    /* points checked besides the grid */
};

/* Where the probe points sit in [lo, hi], as fractions of the width:
 * both ends, the middle, and irregular interior points. */
static const double nm_probe_frac[NM_PROBES] = {
	0.0, 1.0, 0.5, 0.25, 0.75, 0.125, 0.875, 0.0625,
	0.9375, 0.1, 0.3, 0.7, 0.9, 0.41421356, 0.57721566, 0.61803399,
};

static uint64_t nm_splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static size_t nm_count(const struct nm_params *p, int task)
{
	return task == EV_TASK_PROBE ? NM_PROBES
	                             : (size_t)NM_GRID + (size_t)p->nspecial + NM_RANDOM;
}

static double nm_lerp(const struct nm_params *p, double t)
{
	if (t >= 1.0)
		return p->hi;
	return p->lo + (p->hi - p->lo) * t;
}

/* The points of one task, in order; n = nm_count(p, task).  The random
 * points come from one generator pass, so xs is filled all at once. */
static void nm_points(const struct nm_params *p, int task, int split, double *xs)
{
	if (task == EV_TASK_PROBE) {
		for (int k = 0; k < NM_PROBES; k++)
			xs[k] = nm_lerp(p, nm_probe_frac[k]);
		return;
	}
	size_t k = 0;
	for (int i = 0; i < NM_GRID; i++)
		xs[k++] = nm_lerp(p, (double)i / (NM_GRID - 1));
	for (int i = 0; i < p->nspecial; i++)
		xs[k++] = p->special[i];
	uint64_t s = split == EV_HELDOUT ? 0x48454c444f5554ull : 0x545241494eull;
	for (int i = 0; i < NM_RANDOM; i++)
		xs[k++] = nm_lerp(p, (double)(nm_splitmix(&s) >> 11) * 0x1p-53);
}

static int nm_slot(int task, int split)
{
	return task == EV_TASK_PROBE ? 0 : split == EV_HELDOUT ? 2 : 1;
}

/* A task's points, computed on first use (run() in a sandbox child fills
 * its own copy: once per child, not once per program of a batch). */
static const double *nm_xs(const struct nm_params *p, int task, int split)
{
	int slot = nm_slot(task, split);
	if (!p->cache->xready[slot]) {
		nm_points(p, task, split, p->cache->x[slot]);
		p->cache->xready[slot] = 1;
	}
	return p->cache->x[slot];
}

/* Fill the cache of a task's references on first use (n =
 * nm_count(p, task)); returns its slot. */
static int nm_refs(const struct nm_params *p, int task, int split, size_t n)
{
	int slot = nm_slot(task, split);
	struct nm_cache *c = p->cache;
	if (!c->ready[slot]) {
		nm_xs(p, task, split);
		for (size_t k = 0; k < n; k++) {
			double r = (double)p->ref((long double)c->x[slot][k]), a = fabs(r);
			double u = r == 0 ? 0 : nextafter(a, INFINITY) - a;
			c->ref[slot][k] = r;
			c->ulp[slot][k] = u;
			c->rinv[slot][k] = r == 0 ? 0 : 1.0 / a;
			c->uinv[slot][k] = r == 0 ? 0 : 1.0 / u;
		}
		c->ready[slot] = 1;
	}
	return slot;
}

static long nm_run(const struct ev_evaluator *ev, void *const *entry, int task,
                   int split, double *out, size_t cap, char *err, size_t errlen)
{
	const struct nm_params *p = ev->data;
	if (task != EV_TASK_PROBE && task != 0) {
		snprintf(err, errlen, "%s: no task %d (expected -1 probe or 0 grid)", ev->name, task);
		return -1;
	}
	if (split != EV_TRAIN && split != EV_HELDOUT) {
		snprintf(err, errlen, "%s: no split %d (expected 0 train or 1 held-out)", ev->name, split);
		return -1;
	}
	size_t n = nm_count(p, task);
	if (!entry || !entry[0] || cap < n) {
		snprintf(err, errlen, "%s: output buffer holds %zu doubles, task %d needs %zu",
		         ev->name, cap, task, n);
		return -1;
	}
	double (*f)(double) = (double (*)(double))entry[0];
	const double *xs = nm_xs(p, task, split);
	for (size_t k = 0; k < n; k++)
		out[k] = f(xs[k]);
	return (long)n;
}

/* |y - r| / |r| in long double (1 when r is 0 and y is not); *abs, when
 * given, gets |y - r| (divided by the smallest subnormal when r is 0). */
static long double nm_rel(double y, double r, long double *abs)
{
	long double e = fabsl((long double)y - (long double)r);
	if (abs)
		*abs = r == 0 ? e / DBL_TRUE_MIN : e;
	if (r == 0)
		return y == 0 ? 0 : 1;
	return e / fabsl((long double)r);
}

static int nm_score(const struct ev_evaluator *ev, int task, int split,
                    const double *out, size_t n, struct ev_result *res)
{
	const struct nm_params *p = ev->data;
	if (task != EV_TASK_PROBE && task != 0) {
		snprintf(res->message, sizeof res->message,
		         "%s: no task %d (expected -1 probe or 0 grid)", ev->name, task);
		return -1;
	}
	if (split != EV_TRAIN && split != EV_HELDOUT) {
		snprintf(res->message, sizeof res->message,
		         "%s: no split %d (expected 0 train or 1 held-out)", ev->name, split);
		return -1;
	}
	size_t want = nm_count(p, task);
	if (!out || n != want) {
		snprintf(res->message, sizeof res->message,
		         "%s: expected %zu outputs of f, got %zu", ev->name, want, out ? n : 0);
		return -1;
	}
	int slot = nm_refs(p, task, split, n);
	const struct nm_cache *c = p->cache;
	const double *xs = c->x[slot], *refs = c->ref[slot], *rinv = c->rinv[slot], *uinv = c->uinv[slot];
	/* A screening pass in double (e * 1/|r| is within 2 ulp of e / |r|,
	 * and |y - r| is exact whenever y is within a factor 2 of r), then
	 * the worst point again in long double, as documented above. */
	double mrel = -1, mulp = 0, srel = 0;
	size_t worst = 0, wulp = 0;
	for (size_t k = 0; k < n; k++) {
		double y = out[k];
		if (!isfinite(y)) {
			if (isnan(y))
				snprintf(res->message, sizeof res->message, "f returned NaN at x=%.17g", xs[k]);
			else
				snprintf(res->message, sizeof res->message, "f returned %s at x=%.17g",
				         y > 0 ? "Inf" : "-Inf", xs[k]);
			return -1;
		}
		double e = fabs(y - refs[k]), rel, ulp;
		if (rinv[k] == 0) { /* ref 0 */
			rel = y == 0 ? 0 : 1;
			ulp = e / DBL_TRUE_MIN;
		} else {
			rel = e * rinv[k];
			ulp = e * uinv[k];
		}
		if (rel > mrel) {
			mrel = rel;
			worst = k;
		}
		if (ulp > mulp) {
			mulp = ulp;
			wulp = k;
		}
		srel += rel;
	}
	long double maxrel = nm_rel(out[worst], refs[worst], NULL), maxulp;
	nm_rel(out[wulp], refs[wulp], &maxulp);
	maxulp = refs[wulp] == 0 ? maxulp : maxulp / c->ulp[slot][wulp];
	long double sumrel = srel;
	double worst_x = xs[worst];
	double mr = maxrel > NM_CAP ? NM_CAP : (double)maxrel;
	double score = maxrel == 0 ? 17.0 : -log10(mr);
	res->score = score < 0 ? 0 : score > 17 ? 17 : score;
	ev_metric(res, "max_rel_err", mr);
	ev_metric(res, "max_ulp", maxulp > NM_CAP ? NM_CAP : (double)maxulp);
	long double mean = sumrel / (long double)n;
	ev_metric(res, "mean_rel_err", mean > NM_CAP ? NM_CAP : (double)mean);
	ev_metric(res, "worst_x", worst_x);
	return 0;
}

static void nm_describe(const struct ev_evaluator *ev, const char *src, size_t len,
                        struct ev_result *res)
{
	int ops = ev_count_ops(src, len);
	res->desc[0] = ops;
	ev_metric(res, "ops", ops);
}

/* --- whitelists and preludes --------------------------------------------- */

static const char *const nm_headers[] = {"math.h", NULL};
static const char *const nm_entries[] = {"f", NULL};

/* Narrow domains need no range reduction: nothing here computes exp or
 * log, or scales by a power of two. */
static const struct ev_symbol nm_narrow_symbols[] = {
	{"fabs", (const void *)&fabs},
	{"floor", (const void *)&floor},
	{"fma", (const void *)&fma},
	{NULL, NULL},
};
static const char nm_narrow_prelude[] =
	"double fabs(double);\n"
	"double floor(double);\n"
	"double fma(double, double, double);\n";

/* exp over a wide range needs x = k ln2 + r and 2^k: rounding functions
 * and exact power-of-two scaling, still nothing that computes exp. */
static const struct ev_symbol nm_wide_symbols[] = {
	{"fabs", (const void *)&fabs},
	{"floor", (const void *)&floor},
	{"ceil", (const void *)&ceil},
	{"trunc", (const void *)&trunc},
	{"nearbyint", (const void *)&nearbyint},
	{"rint", (const void *)&rint},
	{"fma", (const void *)&fma},
	{"ldexp", (const void *)&ldexp},
	{"scalbn", (const void *)&scalbn},
	{NULL, NULL},
};
static const char nm_wide_prelude[] =
	"double fabs(double);\n"
	"double floor(double);\n"
	"double ceil(double);\n"
	"double trunc(double);\n"
	"double nearbyint(double);\n"
	"double rint(double);\n"
	"double fma(double, double, double);\n"
	"double ldexp(double, int);\n"
	"double scalbn(double, int);\n";

/* --- seeds ---------------------------------------------------------------
 *
 * Generated by evaluators/numeric_seeds.py (Python stdlib): Taylor
 * coefficients are exact rationals rounded to double; minimax coefficients
 * come from a Remez exchange on the relative error in 50-digit decimals,
 * then rounded to double (so the rounded polynomials are near-minimax).
 * Scores are listed in docs/EVALUATORS.md. */

static const struct ev_seed nm_exp_seeds[] = {
	{"taylor5",
	 "/* Taylor polynomial of exp at 0, degree 5, Horner form. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\treturn 1.0 + x * (1.0 + x * (0.5 + x * (0.16666666666666666 + x * (0.041666666666666664 + x * 0.008333333333333333))));\n"
	 "}\n"},
	{"taylor3",
	 "/* Taylor polynomial of exp at 0, degree 3, Horner form. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\treturn 1.0 + x * (1.0 + x * (0.5 + x * 0.16666666666666666));\n"
	 "}\n"},
	{"taylor7",
	 "/* Taylor polynomial of exp at 0, degree 7, Horner form. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\treturn 1.0 + x * (1.0 + x * (0.5 + x * (0.16666666666666666 + x * (0.041666666666666664 + x * (0.008333333333333333 + x * (0.001388888888888889 + x * 0.0001984126984126984))))));\n"
	 "}\n"},
	{"taylor9",
	 "/* Taylor polynomial of exp at 0, degree 9, Horner form. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\treturn 1.0 + x * (1.0 + x * (0.5 + x * (0.16666666666666666 + x * (0.041666666666666664 + x * (0.008333333333333333 + x * (0.001388888888888889 + x * (0.0001984126984126984 + x * (2.48015873015873e-05 + x * 2.7557319223985893e-06))))))));\n"
	 "}\n"},
	{"taylor11",
	 "/* Taylor polynomial of exp at 0, degree 11, Horner form. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\treturn 1.0 + x * (1.0 + x * (0.5 + x * (0.16666666666666666 + x * (0.041666666666666664 + x * (0.008333333333333333 + x * (0.001388888888888889 + x * (0.0001984126984126984 + x * (2.48015873015873e-05 + x * (2.7557319223985893e-06 + x * (2.755731922398589e-07 + x * 2.505210838544172e-08))))))))));\n"
	 "}\n"},
	{"taylor13",
	 "/* Taylor polynomial of exp at 0, degree 13, Horner form. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\treturn 1.0 + x * (1.0 + x * (0.5 + x * (0.16666666666666666 + x * (0.041666666666666664 + x * (0.008333333333333333 + x * (0.001388888888888889 + x * (0.0001984126984126984 + x * (2.48015873015873e-05 + x * (2.7557319223985893e-06 + x * (2.755731922398589e-07 + x * (2.505210838544172e-08 + x * (2.08767569878681e-09 + x * 1.6059043836821613e-10))))))))))));\n"
	 "}\n"},
	{"minimax3",
	 "/* Minimax (relative error) polynomial of exp on [-1, 1], degree 3:\n"
	 " * Remez exchange in 50-digit decimals, equioscillating error 5.00e-03;\n"
	 " * coefficients then rounded to double. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\treturn 0.9965096228562955 + x * (1.0108036123695454 + x * (0.5388496158990641 + x * 0.1585170111592284));\n"
	 "}\n"},
	{"minimax5",
	 "/* Minimax (relative error) polynomial of exp on [-1, 1], degree 5:\n"
	 " * Remez exchange in 50-digit decimals, equioscillating error 4.21e-05;\n"
	 " * coefficients then rounded to double. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\treturn 1.000027568312973 + x * (0.9998369594749951 + x * (0.499341854873264 + x * (0.16727425901822499 + x * (0.04364625878282371 + x * 0.008040507442515572))));\n"
	 "}\n"},
	{"minimax7",
	 "/* Minimax (relative error) polynomial of exp on [-1, 1], degree 7:\n"
	 " * Remez exchange in 50-digit decimals, equioscillating error 1.89e-07;\n"
	 " * coefficients then rounded to double. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\treturn 0.9999998808253417 + x * (1.0000010539713238 + x * (0.5000048571934004 + x * (0.16665825136368975 + x * (0.04163906771968849 + x * (0.008348694878893708 + x * (0.001436537383573739 + x * 0.00019297127802777033))))));\n"
	 "}\n"},
	{"minimax9",
	 "/* Minimax (relative error) polynomial of exp on [-1, 1], degree 9:\n"
	 " * Remez exchange in 50-digit decimals, equioscillating error 5.27e-10;\n"
	 " * coefficients then rounded to double. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\treturn 1.000000000324005 + x * (0.9999999961663854 + x * (0.4999999800043941 + x * (0.16666671866634075 + x * (0.041666847989871025 + x * (0.008333150372913871 + x * (0.0013883376138177474 + x * (0.0001986340580817693 + x * (2.5468069619221924e-05 + x * 2.6937604949465407e-06))))))));\n"
	 "}\n"},
	{"minimax11",
	 "/* Minimax (relative error) polynomial of exp on [-1, 1], degree 11:\n"
	 " * Remez exchange in 50-digit decimals, equioscillating error 1.00e-12;\n"
	 " * coefficients then rounded to double. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\treturn 0.9999999999993957 + x * (1.0000000000089764 + x * (0.5000000000524004 + x * (0.1666666664828914 + x * (0.041666665977557686 + x * (0.008333334362172696 + x * (0.0013888920847782114 + x * (0.00019841041885624585 + x * (2.4795037299849697e-05 + x * (2.7577950628900967e-06 + x * (2.816622666560715e-07 + x * 2.457466496840398e-08))))))))));\n"
	 "}\n"},
	{"minimax13",
	 "/* Minimax (relative error) polynomial of exp on [-1, 1], degree 13:\n"
	 " * Remez exchange in 50-digit decimals, equioscillating error 1.38e-15;\n"
	 " * coefficients then rounded to double. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\treturn 1.0000000000000009 + x * (0.9999999999999853 + x * (0.499999999999905 + x * (0.16666666666708838 + x * (0.04166666666836866 + x * (0.00833333332992862 + x * (0.0013888888778010693 + x * (0.00019841270999007741 + x * (2.4801621016133932e-05 + x * (2.7557132988051064e-06 + x * (2.755212981115845e-07 + x * (2.506557371333911e-08 + x * (2.12685183064244e-09 + x * 1.5793492259539667e-10))))))))))));\n"
	 "}\n"},
	{NULL, NULL},
};

static const struct ev_seed nm_wide_seeds[] = {
	{"reduce-taylor7",
	 "/* exp(x) = 2^k exp(r), |r| <= ln2/2; exp(r) by its Taylor polynomial,\n"
	 " * degree 7, Horner form. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\tdouble k = nearbyint(x * 1.4426950408889634);\n"
	 "\t/* Cody-Waite: ln2_hi has 11 trailing zero bits, so k * ln2_hi is exact */\n"
	 "\tdouble r = (x - k * 0.6931471803691238) - k * 1.9082149292705877e-10;\n"
	 "\tdouble p = 1.0 + r * (1.0 + r * (0.5 + r * (0.16666666666666666 + r * (0.041666666666666664 + r * (0.008333333333333333 + r * (0.001388888888888889 + r * 0.0001984126984126984))))));\n"
	 "\treturn ldexp(p, (int)k);\n"
	 "}\n"},
	{"reduce-taylor5",
	 "/* exp(x) = 2^k exp(r), |r| <= ln2/2; exp(r) by its Taylor polynomial,\n"
	 " * degree 5, Horner form. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\tdouble k = nearbyint(x * 1.4426950408889634);\n"
	 "\t/* Cody-Waite: ln2_hi has 11 trailing zero bits, so k * ln2_hi is exact */\n"
	 "\tdouble r = (x - k * 0.6931471803691238) - k * 1.9082149292705877e-10;\n"
	 "\tdouble p = 1.0 + r * (1.0 + r * (0.5 + r * (0.16666666666666666 + r * (0.041666666666666664 + r * 0.008333333333333333))));\n"
	 "\treturn ldexp(p, (int)k);\n"
	 "}\n"},
	{"reduce-taylor9",
	 "/* exp(x) = 2^k exp(r), |r| <= ln2/2; exp(r) by its Taylor polynomial,\n"
	 " * degree 9, Horner form. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\tdouble k = nearbyint(x * 1.4426950408889634);\n"
	 "\t/* Cody-Waite: ln2_hi has 11 trailing zero bits, so k * ln2_hi is exact */\n"
	 "\tdouble r = (x - k * 0.6931471803691238) - k * 1.9082149292705877e-10;\n"
	 "\tdouble p = 1.0 + r * (1.0 + r * (0.5 + r * (0.16666666666666666 + r * (0.041666666666666664 + r * (0.008333333333333333 + r * (0.001388888888888889 + r * (0.0001984126984126984 + r * (2.48015873015873e-05 + r * 2.7557319223985893e-06))))))));\n"
	 "\treturn ldexp(p, (int)k);\n"
	 "}\n"},
	{"reduce-taylor11",
	 "/* exp(x) = 2^k exp(r), |r| <= ln2/2; exp(r) by its Taylor polynomial,\n"
	 " * degree 11, Horner form. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\tdouble k = nearbyint(x * 1.4426950408889634);\n"
	 "\t/* Cody-Waite: ln2_hi has 11 trailing zero bits, so k * ln2_hi is exact */\n"
	 "\tdouble r = (x - k * 0.6931471803691238) - k * 1.9082149292705877e-10;\n"
	 "\tdouble p = 1.0 + r * (1.0 + r * (0.5 + r * (0.16666666666666666 + r * (0.041666666666666664 + r * (0.008333333333333333 + r * (0.001388888888888889 + r * (0.0001984126984126984 + r * (2.48015873015873e-05 + r * (2.7557319223985893e-06 + r * (2.755731922398589e-07 + r * 2.505210838544172e-08))))))))));\n"
	 "\treturn ldexp(p, (int)k);\n"
	 "}\n"},
	{"reduce-minimax5",
	 "/* exp(x) = 2^k exp(r), |r| <= ln2/2; exp(r) by its minimax\n"
	 " * (relative error) polynomial of degree 5 on [-ln2/2, ln2/2]: Remez\n"
	 " * exchange in 50-digit decimals, error 7.49e-08, rounded to double. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\tdouble k = nearbyint(x * 1.4426950408889634);\n"
	 "\t/* Cody-Waite: ln2_hi has 11 trailing zero bits, so k * ln2_hi is exact */\n"
	 "\tdouble r = (x - k * 0.6931471803691238) - k * 1.9082149292705877e-10;\n"
	 "\tdouble p = 1.0000000716546849 + r * (0.999999691991555 + r * (0.4999889485120397 + r * (0.16667574728621964 + r * (0.04191538199275342 + r * 0.008297655088545722))));\n"
	 "\treturn ldexp(p, (int)k);\n"
	 "}\n"},
	{"reduce-minimax7",
	 "/* exp(x) = 2^k exp(r), |r| <= ln2/2; exp(r) by its minimax\n"
	 " * (relative error) polynomial of degree 7 on [-ln2/2, ln2/2]: Remez\n"
	 " * exchange in 50-digit decimals, error 4.02e-11, rounded to double. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\tdouble k = nearbyint(x * 1.4426950408889634);\n"
	 "\t/* Cody-Waite: ln2_hi has 11 trailing zero bits, so k * ln2_hi is exact */\n"
	 "\tdouble r = (x - k * 0.6931471803691238) - k * 1.9082149292705877e-10;\n"
	 "\tdouble p = 0.9999999999616819 + r * (1.0000000002430967 + r * (0.500000010453624 + r * (0.16666665126137534 + r * (0.04166622542544879 + r * (0.008333561090187073 + r * (0.001394818333004356 + r * 0.00019775171607824834))))));\n"
	 "\treturn ldexp(p, (int)k);\n"
	 "}\n"},
	{"reduce-minimax9",
	 "/* exp(x) = 2^k exp(r), |r| <= ln2/2; exp(r) by its minimax\n"
	 " * (relative error) polynomial of degree 9 on [-ln2/2, ln2/2]: Remez\n"
	 " * exchange in 50-digit decimals, error 1.34e-14, rounded to double. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\tdouble k = nearbyint(x * 1.4426950408889634);\n"
	 "\t/* Cody-Waite: ln2_hi has 11 trailing zero bits, so k * ln2_hi is exact */\n"
	 "\tdouble r = (x - k * 0.6931471803691238) - k * 1.9082149292705877e-10;\n"
	 "\tdouble p = 1.0000000000000127 + r * (0.9999999999998928 + r * (0.4999999999945797 + r * (0.16666666667826951 + r * (0.04166666703246359 + r * (0.008333333002823906 + r * (0.0013888802828792976 + r * (0.00019841596395523973 + r * (2.488401002622006e-05 + r * 2.7482187570947232e-06))))))));\n"
	 "\treturn ldexp(p, (int)k);\n"
	 "}\n"},
	{"reduce-minimax11",
	 "/* exp(x) = 2^k exp(r), |r| <= ln2/2; exp(r) by its minimax\n"
	 " * (relative error) polynomial of degree 11 on [-ln2/2, ln2/2]: Remez\n"
	 " * exchange in 50-digit decimals, error 3.05e-18, rounded to double. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\tdouble k = nearbyint(x * 1.4426950408889634);\n"
	 "\t/* Cody-Waite: ln2_hi has 11 trailing zero bits, so k * ln2_hi is exact */\n"
	 "\tdouble r = (x - k * 0.6931471803691238) - k * 1.9082149292705877e-10;\n"
	 "\tdouble p = 1.0 + r * (1.0 + r * (0.5000000000000018 + r * (0.1666666666666617 + r * (0.04166666666649277 + r * (0.008333333333559272 + r * (0.0013888888951224037 + r * (0.0001984126943267626 + r * (2.4801486521375963e-05 + r * (2.755762253355922e-06 + r * (2.763229329749704e-07 + r * 2.4994304016107913e-08))))))))));\n"
	 "\treturn ldexp(p, (int)k);\n"
	 "}\n"},
	{NULL, NULL},
};

static const struct ev_seed nm_log_seeds[] = {
	{"taylor5",
	 "/* Taylor polynomial of log at 1, degree 5 in t = x - 1, Horner form\n"
	 " * (poor near x = 2, at the edge of its disc of convergence). */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\tdouble t = x - 1.0;\n"
	 "\treturn t * (1.0 + t * (-0.5 + t * (0.3333333333333333 + t * (-0.25 + t * 0.2))));\n"
	 "}\n"},
	{"taylor3",
	 "/* Taylor polynomial of log at 1, degree 3 in t = x - 1, Horner form\n"
	 " * (poor near x = 2, at the edge of its disc of convergence). */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\tdouble t = x - 1.0;\n"
	 "\treturn t * (1.0 + t * (-0.5 + t * 0.3333333333333333));\n"
	 "}\n"},
	{"taylor9",
	 "/* Taylor polynomial of log at 1, degree 9 in t = x - 1, Horner form\n"
	 " * (poor near x = 2, at the edge of its disc of convergence). */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\tdouble t = x - 1.0;\n"
	 "\treturn t * (1.0 + t * (-0.5 + t * (0.3333333333333333 + t * (-0.25 + t * (0.2 + t * (-0.16666666666666666 + t * (0.14285714285714285 + t * (-0.125 + t * 0.1111111111111111))))))));\n"
	 "}\n"},
	{"minimax5",
	 "/* log x = t q(t), t = x - 1, q the minimax (relative error) polynomial\n"
	 " * of degree 4 for log(1+t)/t on [-0.5, 1]: Remez exchange in\n"
	 " * 50-digit decimals, error 1.44e-03, rounded to double. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\tdouble t = x - 1.0;\n"
	 "\treturn t * (0.9985673245935279 + t * (-0.49814894615141364 + t * (0.3678125818045892 + t * (-0.2964329680679142 + t * 0.12234844788040308))));\n"
	 "}\n"},
	{"minimax9",
	 "/* log x = t q(t), t = x - 1, q the minimax (relative error) polynomial\n"
	 " * of degree 8 for log(1+t)/t on [-0.5, 1]: Remez exchange in\n"
	 " * 50-digit decimals, error 1.08e-05, rounded to double. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\tdouble t = x - 1.0;\n"
	 "\treturn t * (0.9999962214036523 + t * (-0.5001262428749358 + t * (0.33373693739499 + t * (-0.2469837431237767 + t * (0.19195516224267745 + t * (-0.18060095264565898 + t * (0.19260721337764034 + t * (-0.14020482969859047 + t * 0.04277487015974675))))))));\n"
	 "}\n"},
	{"minimax13",
	 "/* log x = t q(t), t = x - 1, q the minimax (relative error) polynomial\n"
	 " * of degree 12 for log(1+t)/t on [-0.5, 1]: Remez exchange in\n"
	 " * 50-digit decimals, error 9.52e-08, rounded to double. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\tdouble t = x - 1.0;\n"
	 "\treturn t * (1.000000079217609 + t * (-0.5000010086632183 + t * (0.33332072900669724 + t * (-0.24993258082144432 + t * (0.20028473834412663 + t * (-0.16802003508692645 + t * (0.14127704288968135 + t * (-0.11407313141054716 + t * (0.10739170930284497 + t * (-0.1330406946420944 + t * (0.13582815658516384 + t * (-0.07843947812683227 + t * 0.018551719929268965))))))))))));\n"
	 "}\n"},
	{"atanh5",
	 "/* log x = 2 atanh(s), s = (x - 1) / (x + 1) in [-1/3, 1/3]; the atanh\n"
	 " * Taylor series to s^5, Horner form in z = s^2. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\tdouble s = (x - 1.0) / (x + 1.0);\n"
	 "\tdouble z = s * s;\n"
	 "\treturn s * (2.0 + z * (0.6666666666666666 + z * 0.4));\n"
	 "}\n"},
	{"atanh9",
	 "/* log x = 2 atanh(s), s = (x - 1) / (x + 1) in [-1/3, 1/3]; the atanh\n"
	 " * Taylor series to s^9, Horner form in z = s^2. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\tdouble s = (x - 1.0) / (x + 1.0);\n"
	 "\tdouble z = s * s;\n"
	 "\treturn s * (2.0 + z * (0.6666666666666666 + z * (0.4 + z * (0.2857142857142857 + z * 0.2222222222222222))));\n"
	 "}\n"},
	{"atanh13",
	 "/* log x = 2 atanh(s), s = (x - 1) / (x + 1) in [-1/3, 1/3]; the atanh\n"
	 " * Taylor series to s^13, Horner form in z = s^2. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\tdouble s = (x - 1.0) / (x + 1.0);\n"
	 "\tdouble z = s * s;\n"
	 "\treturn s * (2.0 + z * (0.6666666666666666 + z * (0.4 + z * (0.2857142857142857 + z * (0.2222222222222222 + z * (0.18181818181818182 + z * 0.15384615384615385))))));\n"
	 "}\n"},
	{"atanh-minimax5",
	 "/* log x = s R(s^2), s = (x - 1) / (x + 1); R the minimax (relative\n"
	 " * error) polynomial of degree 2 for 2 atanh(s)/s over s^2 in [0, 1/9]:\n"
	 " * Remez exchange in 50-digit decimals, error 7.20e-06, rounded to double. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\tdouble s = (x - 1.0) / (x + 1.0);\n"
	 "\tdouble z = s * s;\n"
	 "\treturn s * (2.000014391854724 + z * (0.6643796406653132 + z * 0.45297032551300465));\n"
	 "}\n"},
	{"atanh-minimax9",
	 "/* log x = s R(s^2), s = (x - 1) / (x + 1); R the minimax (relative\n"
	 " * error) polynomial of degree 4 for 2 atanh(s)/s over s^2 in [0, 1/9]:\n"
	 " * Remez exchange in 50-digit decimals, error 3.96e-09, rounded to double. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\tdouble s = (x - 1.0) / (x + 1.0);\n"
	 "\tdouble z = s * s;\n"
	 "\treturn s * (2.0000000079210487 + z * (0.6666631468186481 + z * (0.400249102873614 + z * (0.27960602678833874 + z * 0.2817833524642849))));\n"
	 "}\n"},
	{"atanh-minimax13",
	 "/* log x = s R(s^2), s = (x - 1) / (x + 1); R the minimax (relative\n"
	 " * error) polynomial of degree 6 for 2 atanh(s)/s over s^2 in [0, 1/9]:\n"
	 " * Remez exchange in 50-digit decimals, error 2.51e-12, rounded to double. */\n"
	 "double f(double x)\n"
	 "{\n"
	 "\tdouble s = (x - 1.0) / (x + 1.0);\n"
	 "\tdouble z = s * s;\n"
	 "\treturn s * (2.0000000000050284 + z * (0.6666666622731359 + z * (0.40000062540689807 + z * (0.2856810260629514 + z * (0.22305878608289978 + z * (0.17116512535277276 + z * 0.21878676098141858))))));\n"
	 "}\n"},
	{NULL, NULL},
};

/* --- the symbolic form ----------------------------------------------------
 *
 * Programs over x with the arithmetic the `ops` descriptor counts: + - * /
 * (1 each), square (x * x, 1), recip (1.0 / x, 1), neg (free), mov (free).
 * fma is left out of the IR vocabulary on purpose: the reference curve of
 * `disco archive front` counts a polynomial of degree n as 2n operations.
 * The IR seeds are the C seeds, operation for operation (so they score
 * exactly the same), plus the weak taylor2 that quality runs start from.
 * residuals() gives the signed relative error at every stage-0 point, for
 * least-squares constant fitting. */

static const struct ev_ir_reg nm_ir_regs[] = {
	{"x", "x", 0, EV_IR_IN},
	{"y", "y", 0, EV_IR_OUT},
	{NULL, NULL, 0, 0},
};

static const char nm_ir_tmpl[] =
	"double f(double x)\n"
	"{\n"
	"\tdouble y;\n"
	"\t{body}\n"
	"\treturn y;\n"
	"}\n";

static long nm_residuals(const struct ev_evaluator *ev, int task, int split, const double *out,
                         size_t n, double *res, size_t cap)
{
	const struct nm_params *p = ev->data;
	if (task != 0 || (split != EV_TRAIN && split != EV_HELDOUT) || !out ||
	    n != nm_count(p, task) || cap < n)
		return -1;
	int slot = nm_refs(p, task, split, n);
	const double *refs = p->cache->ref[slot], *rinv = p->cache->rinv[slot];
	for (size_t k = 0; k < n; k++) {
		if (!isfinite(out[k]))
			return -1;
		res[k] = refs[k] == 0 ? out[k] : (out[k] - refs[k]) * rinv[k];
	}
	return (long)n;
}

static const struct ev_seed nm_exp_ir_seeds[] = {
	{"taylor2",
	 "sym expapprox\n"
	 "r0 = mul x 0.5\n"
	 "r1 = add 1.0 r0\n"
	 "r2 = mul x r1\n"
	 "y = add 1.0 r2\n"},
	{"taylor5",
	 "sym expapprox\n"
	 "r0 = mul x 0.008333333333333333\n"
	 "r1 = add 0.041666666666666664 r0\n"
	 "r2 = mul x r1\n"
	 "r3 = add 0.16666666666666666 r2\n"
	 "r4 = mul x r3\n"
	 "r5 = add 0.5 r4\n"
	 "r6 = mul x r5\n"
	 "r7 = add 1.0 r6\n"
	 "r8 = mul x r7\n"
	 "y = add 1.0 r8\n"},
	{"taylor3",
	 "sym expapprox\n"
	 "r0 = mul x 0.16666666666666666\n"
	 "r1 = add 0.5 r0\n"
	 "r2 = mul x r1\n"
	 "r3 = add 1.0 r2\n"
	 "r4 = mul x r3\n"
	 "y = add 1.0 r4\n"},
	{"taylor7",
	 "sym expapprox\n"
	 "r0 = mul x 0.0001984126984126984\n"
	 "r1 = add 0.001388888888888889 r0\n"
	 "r2 = mul x r1\n"
	 "r3 = add 0.008333333333333333 r2\n"
	 "r4 = mul x r3\n"
	 "r5 = add 0.041666666666666664 r4\n"
	 "r6 = mul x r5\n"
	 "r7 = add 0.16666666666666666 r6\n"
	 "r8 = mul x r7\n"
	 "r9 = add 0.5 r8\n"
	 "r10 = mul x r9\n"
	 "r11 = add 1.0 r10\n"
	 "r12 = mul x r11\n"
	 "y = add 1.0 r12\n"},
	{"taylor9",
	 "sym expapprox\n"
	 "r0 = mul x 2.7557319223985893e-06\n"
	 "r1 = add 2.48015873015873e-05 r0\n"
	 "r2 = mul x r1\n"
	 "r3 = add 0.0001984126984126984 r2\n"
	 "r4 = mul x r3\n"
	 "r5 = add 0.001388888888888889 r4\n"
	 "r6 = mul x r5\n"
	 "r7 = add 0.008333333333333333 r6\n"
	 "r8 = mul x r7\n"
	 "r9 = add 0.041666666666666664 r8\n"
	 "r10 = mul x r9\n"
	 "r11 = add 0.16666666666666666 r10\n"
	 "r12 = mul x r11\n"
	 "r13 = add 0.5 r12\n"
	 "r14 = mul x r13\n"
	 "r15 = add 1.0 r14\n"
	 "r16 = mul x r15\n"
	 "y = add 1.0 r16\n"},
	{"taylor11",
	 "sym expapprox\n"
	 "r0 = mul x 2.505210838544172e-08\n"
	 "r1 = add 2.755731922398589e-07 r0\n"
	 "r2 = mul x r1\n"
	 "r3 = add 2.7557319223985893e-06 r2\n"
	 "r4 = mul x r3\n"
	 "r5 = add 2.48015873015873e-05 r4\n"
	 "r6 = mul x r5\n"
	 "r7 = add 0.0001984126984126984 r6\n"
	 "r8 = mul x r7\n"
	 "r9 = add 0.001388888888888889 r8\n"
	 "r10 = mul x r9\n"
	 "r11 = add 0.008333333333333333 r10\n"
	 "r12 = mul x r11\n"
	 "r13 = add 0.041666666666666664 r12\n"
	 "r14 = mul x r13\n"
	 "r15 = add 0.16666666666666666 r14\n"
	 "r16 = mul x r15\n"
	 "r17 = add 0.5 r16\n"
	 "r18 = mul x r17\n"
	 "r19 = add 1.0 r18\n"
	 "r20 = mul x r19\n"
	 "y = add 1.0 r20\n"},
	{"taylor13",
	 "sym expapprox\n"
	 "r0 = mul x 1.6059043836821613e-10\n"
	 "r1 = add 2.08767569878681e-09 r0\n"
	 "r2 = mul x r1\n"
	 "r3 = add 2.505210838544172e-08 r2\n"
	 "r4 = mul x r3\n"
	 "r5 = add 2.755731922398589e-07 r4\n"
	 "r6 = mul x r5\n"
	 "r7 = add 2.7557319223985893e-06 r6\n"
	 "r8 = mul x r7\n"
	 "r9 = add 2.48015873015873e-05 r8\n"
	 "r10 = mul x r9\n"
	 "r11 = add 0.0001984126984126984 r10\n"
	 "r12 = mul x r11\n"
	 "r13 = add 0.001388888888888889 r12\n"
	 "r14 = mul x r13\n"
	 "r15 = add 0.008333333333333333 r14\n"
	 "r16 = mul x r15\n"
	 "r17 = add 0.041666666666666664 r16\n"
	 "r18 = mul x r17\n"
	 "r19 = add 0.16666666666666666 r18\n"
	 "r20 = mul x r19\n"
	 "r21 = add 0.5 r20\n"
	 "r22 = mul x r21\n"
	 "r23 = add 1.0 r22\n"
	 "r24 = mul x r23\n"
	 "y = add 1.0 r24\n"},
	{"minimax3",
	 "sym expapprox\n"
	 "r0 = mul x 0.1585170111592284\n"
	 "r1 = add 0.5388496158990641 r0\n"
	 "r2 = mul x r1\n"
	 "r3 = add 1.0108036123695454 r2\n"
	 "r4 = mul x r3\n"
	 "y = add 0.9965096228562955 r4\n"},
	{"minimax5",
	 "sym expapprox\n"
	 "r0 = mul x 0.008040507442515572\n"
	 "r1 = add 0.04364625878282371 r0\n"
	 "r2 = mul x r1\n"
	 "r3 = add 0.16727425901822499 r2\n"
	 "r4 = mul x r3\n"
	 "r5 = add 0.499341854873264 r4\n"
	 "r6 = mul x r5\n"
	 "r7 = add 0.9998369594749951 r6\n"
	 "r8 = mul x r7\n"
	 "y = add 1.000027568312973 r8\n"},
	{"minimax7",
	 "sym expapprox\n"
	 "r0 = mul x 0.00019297127802777033\n"
	 "r1 = add 0.001436537383573739 r0\n"
	 "r2 = mul x r1\n"
	 "r3 = add 0.008348694878893708 r2\n"
	 "r4 = mul x r3\n"
	 "r5 = add 0.04163906771968849 r4\n"
	 "r6 = mul x r5\n"
	 "r7 = add 0.16665825136368975 r6\n"
	 "r8 = mul x r7\n"
	 "r9 = add 0.5000048571934004 r8\n"
	 "r10 = mul x r9\n"
	 "r11 = add 1.0000010539713238 r10\n"
	 "r12 = mul x r11\n"
	 "y = add 0.9999998808253417 r12\n"},
	{"minimax9",
	 "sym expapprox\n"
	 "r0 = mul x 2.6937604949465407e-06\n"
	 "r1 = add 2.5468069619221924e-05 r0\n"
	 "r2 = mul x r1\n"
	 "r3 = add 0.0001986340580817693 r2\n"
	 "r4 = mul x r3\n"
	 "r5 = add 0.0013883376138177474 r4\n"
	 "r6 = mul x r5\n"
	 "r7 = add 0.008333150372913871 r6\n"
	 "r8 = mul x r7\n"
	 "r9 = add 0.041666847989871025 r8\n"
	 "r10 = mul x r9\n"
	 "r11 = add 0.16666671866634075 r10\n"
	 "r12 = mul x r11\n"
	 "r13 = add 0.4999999800043941 r12\n"
	 "r14 = mul x r13\n"
	 "r15 = add 0.9999999961663854 r14\n"
	 "r16 = mul x r15\n"
	 "y = add 1.000000000324005 r16\n"},
	{"minimax11",
	 "sym expapprox\n"
	 "r0 = mul x 2.457466496840398e-08\n"
	 "r1 = add 2.816622666560715e-07 r0\n"
	 "r2 = mul x r1\n"
	 "r3 = add 2.7577950628900967e-06 r2\n"
	 "r4 = mul x r3\n"
	 "r5 = add 2.4795037299849697e-05 r4\n"
	 "r6 = mul x r5\n"
	 "r7 = add 0.00019841041885624585 r6\n"
	 "r8 = mul x r7\n"
	 "r9 = add 0.0013888920847782114 r8\n"
	 "r10 = mul x r9\n"
	 "r11 = add 0.008333334362172696 r10\n"
	 "r12 = mul x r11\n"
	 "r13 = add 0.041666665977557686 r12\n"
	 "r14 = mul x r13\n"
	 "r15 = add 0.1666666664828914 r14\n"
	 "r16 = mul x r15\n"
	 "r17 = add 0.5000000000524004 r16\n"
	 "r18 = mul x r17\n"
	 "r19 = add 1.0000000000089764 r18\n"
	 "r20 = mul x r19\n"
	 "y = add 0.9999999999993957 r20\n"},
	{"minimax13",
	 "sym expapprox\n"
	 "r0 = mul x 1.5793492259539667e-10\n"
	 "r1 = add 2.12685183064244e-09 r0\n"
	 "r2 = mul x r1\n"
	 "r3 = add 2.506557371333911e-08 r2\n"
	 "r4 = mul x r3\n"
	 "r5 = add 2.755212981115845e-07 r4\n"
	 "r6 = mul x r5\n"
	 "r7 = add 2.7557132988051064e-06 r6\n"
	 "r8 = mul x r7\n"
	 "r9 = add 2.4801621016133932e-05 r8\n"
	 "r10 = mul x r9\n"
	 "r11 = add 0.00019841270999007741 r10\n"
	 "r12 = mul x r11\n"
	 "r13 = add 0.0013888888778010693 r12\n"
	 "r14 = mul x r13\n"
	 "r15 = add 0.00833333332992862 r14\n"
	 "r16 = mul x r15\n"
	 "r17 = add 0.04166666666836866 r16\n"
	 "r18 = mul x r17\n"
	 "r19 = add 0.16666666666708838 r18\n"
	 "r20 = mul x r19\n"
	 "r21 = add 0.499999999999905 r20\n"
	 "r22 = mul x r21\n"
	 "r23 = add 0.9999999999999853 r22\n"
	 "r24 = mul x r23\n"
	 "y = add 1.0000000000000009 r24\n"},
	{NULL, NULL},
};

static const struct ev_seed nm_log_ir_seeds[] = {
	{"taylor2",
	 "sym logapprox\n"
	 "r0 = sub x 1.0\n"
	 "r1 = mul r0 -0.5\n"
	 "r2 = add 1.0 r1\n"
	 "y = mul r0 r2\n"},
	{"taylor5",
	 "sym logapprox\n"
	 "r0 = sub x 1.0\n"
	 "r1 = mul r0 0.2\n"
	 "r2 = add -0.25 r1\n"
	 "r3 = mul r0 r2\n"
	 "r4 = add 0.3333333333333333 r3\n"
	 "r5 = mul r0 r4\n"
	 "r6 = add -0.5 r5\n"
	 "r7 = mul r0 r6\n"
	 "r8 = add 1.0 r7\n"
	 "y = mul r0 r8\n"},
	{"taylor3",
	 "sym logapprox\n"
	 "r0 = sub x 1.0\n"
	 "r1 = mul r0 0.3333333333333333\n"
	 "r2 = add -0.5 r1\n"
	 "r3 = mul r0 r2\n"
	 "r4 = add 1.0 r3\n"
	 "y = mul r0 r4\n"},
	{"taylor9",
	 "sym logapprox\n"
	 "r0 = sub x 1.0\n"
	 "r1 = mul r0 0.1111111111111111\n"
	 "r2 = add -0.125 r1\n"
	 "r3 = mul r0 r2\n"
	 "r4 = add 0.14285714285714285 r3\n"
	 "r5 = mul r0 r4\n"
	 "r6 = add -0.16666666666666666 r5\n"
	 "r7 = mul r0 r6\n"
	 "r8 = add 0.2 r7\n"
	 "r9 = mul r0 r8\n"
	 "r10 = add -0.25 r9\n"
	 "r11 = mul r0 r10\n"
	 "r12 = add 0.3333333333333333 r11\n"
	 "r13 = mul r0 r12\n"
	 "r14 = add -0.5 r13\n"
	 "r15 = mul r0 r14\n"
	 "r16 = add 1.0 r15\n"
	 "y = mul r0 r16\n"},
	{"minimax5",
	 "sym logapprox\n"
	 "r0 = sub x 1.0\n"
	 "r1 = mul r0 0.12234844788040308\n"
	 "r2 = add -0.2964329680679142 r1\n"
	 "r3 = mul r0 r2\n"
	 "r4 = add 0.3678125818045892 r3\n"
	 "r5 = mul r0 r4\n"
	 "r6 = add -0.49814894615141364 r5\n"
	 "r7 = mul r0 r6\n"
	 "r8 = add 0.9985673245935279 r7\n"
	 "y = mul r0 r8\n"},
	{"minimax9",
	 "sym logapprox\n"
	 "r0 = sub x 1.0\n"
	 "r1 = mul r0 0.04277487015974675\n"
	 "r2 = add -0.14020482969859047 r1\n"
	 "r3 = mul r0 r2\n"
	 "r4 = add 0.19260721337764034 r3\n"
	 "r5 = mul r0 r4\n"
	 "r6 = add -0.18060095264565898 r5\n"
	 "r7 = mul r0 r6\n"
	 "r8 = add 0.19195516224267745 r7\n"
	 "r9 = mul r0 r8\n"
	 "r10 = add -0.2469837431237767 r9\n"
	 "r11 = mul r0 r10\n"
	 "r12 = add 0.33373693739499 r11\n"
	 "r13 = mul r0 r12\n"
	 "r14 = add -0.5001262428749358 r13\n"
	 "r15 = mul r0 r14\n"
	 "r16 = add 0.9999962214036523 r15\n"
	 "y = mul r0 r16\n"},
	{"minimax13",
	 "sym logapprox\n"
	 "r0 = sub x 1.0\n"
	 "r1 = mul r0 0.018551719929268965\n"
	 "r2 = add -0.07843947812683227 r1\n"
	 "r3 = mul r0 r2\n"
	 "r4 = add 0.13582815658516384 r3\n"
	 "r5 = mul r0 r4\n"
	 "r6 = add -0.1330406946420944 r5\n"
	 "r7 = mul r0 r6\n"
	 "r8 = add 0.10739170930284497 r7\n"
	 "r9 = mul r0 r8\n"
	 "r10 = add -0.11407313141054716 r9\n"
	 "r11 = mul r0 r10\n"
	 "r12 = add 0.14127704288968135 r11\n"
	 "r13 = mul r0 r12\n"
	 "r14 = add -0.16802003508692645 r13\n"
	 "r15 = mul r0 r14\n"
	 "r16 = add 0.20028473834412663 r15\n"
	 "r17 = mul r0 r16\n"
	 "r18 = add -0.24993258082144432 r17\n"
	 "r19 = mul r0 r18\n"
	 "r20 = add 0.33332072900669724 r19\n"
	 "r21 = mul r0 r20\n"
	 "r22 = add -0.5000010086632183 r21\n"
	 "r23 = mul r0 r22\n"
	 "r24 = add 1.000000079217609 r23\n"
	 "y = mul r0 r24\n"},
	{"atanh5",
	 "sym logapprox\n"
	 "r0 = sub x 1.0\n"
	 "r1 = add x 1.0\n"
	 "r2 = div r0 r1\n"
	 "r3 = mul r2 r2\n"
	 "r4 = mul r3 0.4\n"
	 "r5 = add 0.6666666666666666 r4\n"
	 "r6 = mul r3 r5\n"
	 "r7 = add 2.0 r6\n"
	 "y = mul r2 r7\n"},
	{"atanh9",
	 "sym logapprox\n"
	 "r0 = sub x 1.0\n"
	 "r1 = add x 1.0\n"
	 "r2 = div r0 r1\n"
	 "r3 = mul r2 r2\n"
	 "r4 = mul r3 0.2222222222222222\n"
	 "r5 = add 0.2857142857142857 r4\n"
	 "r6 = mul r3 r5\n"
	 "r7 = add 0.4 r6\n"
	 "r8 = mul r3 r7\n"
	 "r9 = add 0.6666666666666666 r8\n"
	 "r10 = mul r3 r9\n"
	 "r11 = add 2.0 r10\n"
	 "y = mul r2 r11\n"},
	{"atanh13",
	 "sym logapprox\n"
	 "r0 = sub x 1.0\n"
	 "r1 = add x 1.0\n"
	 "r2 = div r0 r1\n"
	 "r3 = mul r2 r2\n"
	 "r4 = mul r3 0.15384615384615385\n"
	 "r5 = add 0.18181818181818182 r4\n"
	 "r6 = mul r3 r5\n"
	 "r7 = add 0.2222222222222222 r6\n"
	 "r8 = mul r3 r7\n"
	 "r9 = add 0.2857142857142857 r8\n"
	 "r10 = mul r3 r9\n"
	 "r11 = add 0.4 r10\n"
	 "r12 = mul r3 r11\n"
	 "r13 = add 0.6666666666666666 r12\n"
	 "r14 = mul r3 r13\n"
	 "r15 = add 2.0 r14\n"
	 "y = mul r2 r15\n"},
	{"atanh-minimax5",
	 "sym logapprox\n"
	 "r0 = sub x 1.0\n"
	 "r1 = add x 1.0\n"
	 "r2 = div r0 r1\n"
	 "r3 = mul r2 r2\n"
	 "r4 = mul r3 0.45297032551300465\n"
	 "r5 = add 0.6643796406653132 r4\n"
	 "r6 = mul r3 r5\n"
	 "r7 = add 2.000014391854724 r6\n"
	 "y = mul r2 r7\n"},
	{"atanh-minimax9",
	 "sym logapprox\n"
	 "r0 = sub x 1.0\n"
	 "r1 = add x 1.0\n"
	 "r2 = div r0 r1\n"
	 "r3 = mul r2 r2\n"
	 "r4 = mul r3 0.2817833524642849\n"
	 "r5 = add 0.27960602678833874 r4\n"
	 "r6 = mul r3 r5\n"
	 "r7 = add 0.400249102873614 r6\n"
	 "r8 = mul r3 r7\n"
	 "r9 = add 0.6666631468186481 r8\n"
	 "r10 = mul r3 r9\n"
	 "r11 = add 2.0000000079210487 r10\n"
	 "y = mul r2 r11\n"},
	{"atanh-minimax13",
	 "sym logapprox\n"
	 "r0 = sub x 1.0\n"
	 "r1 = add x 1.0\n"
	 "r2 = div r0 r1\n"
	 "r3 = mul r2 r2\n"
	 "r4 = mul r3 0.21878676098141858\n"
	 "r5 = add 0.17116512535277276 r4\n"
	 "r6 = mul r3 r5\n"
	 "r7 = add 0.22305878608289978 r6\n"
	 "r8 = mul r3 r7\n"
	 "r9 = add 0.2856810260629514 r8\n"
	 "r10 = mul r3 r9\n"
	 "r11 = add 0.40000062540689807 r10\n"
	 "r12 = mul r3 r11\n"
	 "r13 = add 0.6666666622731359 r12\n"
	 "r14 = mul r3 r13\n"
	 "r15 = add 2.0000000000050284 r14\n"
	 "y = mul r2 r15\n"},
	{NULL, NULL},
};

/* -log10 of the max relative error of the minimax polynomial of degree
 * ops/2 for exp on [-1, 1] (Horner: ops/2 multiplications, ops/2 additions). */
static const double nm_exp_ref_ops[] = { 4, 6, 8, 10, 12, 14, 16, 18, 20 };
static const double nm_exp_ref_digits[] = { 1.40, 2.30, 3.30, 4.38, 5.52, 6.72, 7.98, 9.28, 10.62 };
static const struct ev_reference nm_exp_ref = {
	.dim = "ops", .label = "minimax polynomial of degree ops/2 (Horner)", .n = 9,
	.value = nm_exp_ref_ops, .score = nm_exp_ref_digits,
};

static const struct ev_ir nm_exp_ir = {
	.shape = EV_IR_FUNC, .tmpl = nm_ir_tmpl, .regs = nm_ir_regs,
	.ops = "add sub mul div neg square recip", .seeds = nm_exp_ir_seeds,
	.default_seeds = "taylor2", .residuals = nm_residuals,
};

static const struct ev_ir nm_log_ir = {
	.shape = EV_IR_FUNC, .tmpl = nm_ir_tmpl, .regs = nm_ir_regs,
	.ops = "add sub mul div neg square recip", .seeds = nm_log_ir_seeds,
	.default_seeds = "taylor2", .residuals = nm_residuals,
};

/* --- the evaluators ------------------------------------------------------ */

static struct nm_cache nm_exp_cache, nm_wide_cache, nm_log_cache;

static const struct nm_params nm_exp_params = {
	.cache = &nm_exp_cache,
	.fname = "exp", .lo = -1.0, .hi = 1.0, .ref = expl,
	.nspecial = 1, .special = {0x1p-30},
};
static const struct nm_params nm_wide_params = {
	.cache = &nm_wide_cache,
	.fname = "exp", .lo = -40.0, .hi = 40.0, .ref = expl,
	.nspecial = 3, .special = {0x1p-30, 0.34657359027997264, -0.34657359027997264},
};
static const struct nm_params nm_log_params = {
	.cache = &nm_log_cache,
	.fname = "log", .lo = 0.5, .hi = 2.0, .ref = logl,
	.nspecial = 3, .special = {1.0, 1.0 + 0x1p-30, 1.0 - 0x1p-30},
};

#define NM_EVALUATOR(nm_name, nm_summary, nm_prelude, nm_symbols, nm_seeds, nm_params, nm_ir, nm_ref) \
	{                                                                               \
		.version = EV_API_VERSION,                                                  \
		.name = nm_name,                                                            \
		.summary = nm_summary,                                                      \
		.prelude = nm_prelude,                                                      \
		.headers = nm_headers,                                                      \
		.entries = nm_entries,                                                      \
		.symbols = nm_symbols,                                                      \
		.seeds = nm_seeds,                                                          \
		.nstages = 1,                                                               \
		.stages = {{"grid", 0.0}},                                                  \
		.ndims = 1,                                                                 \
		.dims = {{"ops", 0, 40, 20}},                                               \
		.noisy = 0,                                                                 \
		.max_outputs = NM_MAX_OUT,                                                  \
		.run = nm_run,                                                              \
		.score = nm_score,                                                          \
		.describe = nm_describe,                                                    \
		.data = &nm_params,                                                         \
		.ir = nm_ir,                                                                \
		.reference = nm_ref,                                                        \
	}

const struct ev_evaluator ev_expapprox = NM_EVALUATOR(
	"expapprox", "double f(double x) ~ exp(x) on [-1, 1]; score -log10(max rel err)",
	nm_narrow_prelude, nm_narrow_symbols, nm_exp_seeds, nm_exp_params, &nm_exp_ir, &nm_exp_ref);

const struct ev_evaluator ev_expapprox_wide = NM_EVALUATOR(
	"expapprox-wide",
	"double f(double x) ~ exp(x) on [-40, 40] (range reduction); score -log10(max rel err)",
	nm_wide_prelude, nm_wide_symbols, nm_wide_seeds, nm_wide_params, NULL, NULL);

const struct ev_evaluator ev_logapprox = NM_EVALUATOR(
	"logapprox", "double f(double x) ~ log(x) on [0.5, 2]; score -log10(max rel err)",
	nm_narrow_prelude, nm_narrow_symbols, nm_log_seeds, nm_log_params, &nm_log_ir, NULL);
