/*
 * test_numeric.c - the numeric-routine evaluators (evaluators/numeric.c):
 * expapprox, expapprox-wide, logapprox.  Seeds are compiled in-process with
 * libtcc exactly as the candidate contract says (-nostdlib, prelude, the
 * whitelist only), run through run() and scored through score().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libtcc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evaluators/evaluator.h"
#include "evaluators/mono.h"

static const char *const numeric_names[] = {"expapprox", "expapprox-wide", "logapprox", NULL};

struct cand {
	TCCState *s;
	double (*f)(double);
	char err[512];
};

static void on_tcc_error(void *opaque, const char *msg)
{
	struct cand *c = opaque;
	if (!c->err[0])
		snprintf(c->err, sizeof c->err, "%s", msg);
}

/* Compiles prelude + src the way the sandbox does; c->f is NULL on
 * failure (c->err says why).  Release with cand_free(). */
static void cand_compile(struct cand *c, const struct ev_evaluator *ev, const char *src)
{
	memset(c, 0, sizeof *c);
	c->s = tcc_new();
	assert_non_null(c->s);
	tcc_set_error_func(c->s, c, on_tcc_error);
	tcc_set_options(c->s, "-nostdlib -nostdinc"); /* as sandbox/compile.c */
	tcc_set_output_type(c->s, TCC_OUTPUT_MEMORY);
	for (const struct ev_symbol *y = ev->symbols; y->name; y++)
		tcc_add_symbol(c->s, y->name, y->addr);
	size_t len = strlen(ev->prelude) + strlen(src) + 1;
	char *buf = malloc(len);
	assert_non_null(buf);
	snprintf(buf, len, "%s%s", ev->prelude, src);
	if (tcc_compile_string(c->s, buf) == 0 && tcc_relocate(c->s, TCC_RELOCATE_AUTO) >= 0)
		c->f = (double (*)(double))tcc_get_symbol(c->s, "f");
	free(buf);
}

static void cand_free(struct cand *c)
{
	tcc_delete(c->s);
	c->s = NULL;
}

static const struct ev_evaluator *get(const char *name)
{
	const struct ev_evaluator *ev = ev_find(name);
	assert_non_null(ev);
	return ev;
}

static const struct ev_seed *seed(const struct ev_evaluator *ev, const char *name)
{
	for (const struct ev_seed *s = ev->seeds; s->name; s++)
		if (strcmp(s->name, name) == 0)
			return s;
	fail_msg("%s has no seed %s", ev->name, name);
	return NULL;
}

static double metric(const struct ev_result *r, const char *name)
{
	for (int i = 0; i < r->nmetrics; i++)
		if (strcmp(r->metrics[i].name, name) == 0)
			return r->metrics[i].value;
	fail_msg("no metric %s", name);
	return NAN;
}

static double *outbuf(const struct ev_evaluator *ev)
{
	double *out = calloc(ev->max_outputs, sizeof *out);
	assert_non_null(out);
	return out;
}

/* Compiles, runs stage 0 on the train split and scores; returns score()'s
 * status and fills res. */
static int eval_src(const struct ev_evaluator *ev, const char *src, struct ev_result *res)
{
	struct cand c;
	cand_compile(&c, ev, src);
	if (!c.f)
		fail_msg("%s: does not compile: %s\n%s", ev->name, c.err, src);
	double *out = outbuf(ev);
	char err[EV_MSG_MAX] = "";
	void *entry[1] = {(void *)c.f};
	long n = ev->run(ev, entry, 0, EV_TRAIN, out, ev->max_outputs, err, sizeof err);
	assert_true(n > 0);
	assert_true((size_t)n <= ev->max_outputs);
	memset(res, 0, sizeof *res);
	int rc = ev->score(ev, 0, EV_TRAIN, out, (size_t)n, res);
	free(out);
	cand_free(&c);
	return rc;
}

static double seed_score(const char *evname, const char *seedname, struct ev_result *res)
{
	const struct ev_evaluator *ev = get(evname);
	assert_int_equal(eval_src(ev, seed(ev, seedname)->source, res), 0);
	return res->score;
}

/* The points of a task, obtained through run() with f(x) = x. */
static long points(const struct ev_evaluator *ev, int task, int split, double *xs)
{
	struct cand c;
	cand_compile(&c, ev, "double f(double x) { return x; }\n");
	assert_non_null(c.f);
	char err[EV_MSG_MAX];
	void *entry[1] = {(void *)c.f};
	long n = ev->run(ev, entry, task, split, xs, ev->max_outputs, err, sizeof err);
	cand_free(&c);
	return n;
}

static long double ref(const struct ev_evaluator *ev, double x)
{
	return strcmp(ev->name, "logapprox") == 0 ? logl(x) : expl(x);
}

/* --- the contract -------------------------------------------------------- */

static void test_contract(void **state)
{
	static const char *const never[] = {"exp", "exp2", "expm1", "pow", "log", "log2",
	                                    "log10", "log1p", "sinh", "cosh", "tanh", "erf",
	                                    "tgamma", "lgamma", NULL};
	for (int e = 0; numeric_names[e]; e++) {
		const struct ev_evaluator *ev = get(numeric_names[e]);
		assert_int_equal(ev->version, EV_API_VERSION);
		assert_string_equal(ev->entries[0], "f");
		assert_null(ev->entries[1]);
		assert_string_equal(ev->headers[0], "math.h");
		assert_int_equal(ev->nstages, 1);
		assert_int_equal(ev->ndims, 1);
		assert_string_equal(ev->dims[0].name, "ops");
		assert_false(ev->noisy);
		assert_non_null(ev->seeds[0].name);
		for (const struct ev_symbol *y = ev->symbols; y->name; y++) {
			char pat[64];
			snprintf(pat, sizeof pat, " %s(", y->name);
			assert_non_null(strstr(ev->prelude, pat));
			assert_ptr_equal(y->addr, ev_math_lookup(y->name));
			for (int k = 0; never[k]; k++)
				assert_string_not_equal(y->name, never[k]);
			if (strcmp(ev->name, "expapprox-wide") != 0) /* 2^k only where needed */
				assert_true(strcmp(y->name, "ldexp") && strcmp(y->name, "scalbn"));
		}
	}
	/* the variants share code, not copies */
	assert_ptr_equal(get("expapprox")->run, get("logapprox")->run);
	assert_ptr_equal(get("expapprox")->score, get("expapprox-wide")->score);
	assert_ptr_not_equal(get("expapprox")->data, get("expapprox-wide")->data);
}

/* exp() is not offered: a candidate calling it does not link. */
static void test_forbidden_symbol(void **state)
{
	struct cand c;
	cand_compile(&c, get("expapprox"), "double f(double x) { return exp(x); }\n");
	assert_null(c.f);
	cand_free(&c);
	cand_compile(&c, get("logapprox"), "double f(double x) { return ldexp(x, 1); }\n");
	assert_null(c.f);
	cand_free(&c);
}

/* Every seed compiles under the contract, runs, scores, and its probe too. */
static void test_all_seeds(void **state)
{
	for (int e = 0; numeric_names[e]; e++) {
		const struct ev_evaluator *ev = get(numeric_names[e]);
		int nseeds = 0;
		for (const struct ev_seed *s = ev->seeds; s->name; s++, nseeds++) {
			struct ev_result r;
			assert_int_equal(eval_src(ev, s->source, &r), 0);
			assert_true(r.score > 0.5 && r.score < 17);
			assert_true(metric(&r, "max_rel_err") > 0);
			assert_true(metric(&r, "max_ulp") >= 1);
			assert_true(metric(&r, "mean_rel_err") <= metric(&r, "max_rel_err"));

			struct cand c;
			cand_compile(&c, ev, s->source);
			double out[64];
			char err[EV_MSG_MAX];
			void *entry[1] = {(void *)c.f};
			long n = ev->run(ev, entry, EV_TASK_PROBE, EV_TRAIN, out, 64, err, sizeof err);
			assert_int_equal(n, 16);
			memset(&r, 0, sizeof r);
			assert_int_equal(ev->score(ev, EV_TASK_PROBE, EV_TRAIN, out, 16, &r), 0);
			cand_free(&c);

			memset(&r, 0, sizeof r);
			ev->describe(ev, s->source, strlen(s->source), &r);
			assert_true(r.desc[0] >= 4 && r.desc[0] <= 40);
		}
		assert_true(nseeds >= 8);
	}
}

/* Taylor degree n of exp on [-1, 1]: the error is largest at x = -1,
 * |T_n(-1) - 1/e| * e, which the score must reproduce. */
static void test_exp_taylor_analytic(void **state)
{
	const int deg[] = {3, 5, 7, 9};
	for (int i = 0; i < 4; i++) {
		int n = deg[i];
		long double t = 0, term = 1;
		for (int k = 0; k <= n; k++) {
			t += term;
			term = -term / (k + 1);
		}
		long double want = fabsl(t - expl(-1.0L)) / expl(-1.0L);
		char name[32];
		snprintf(name, sizeof name, "taylor%d", n);
		struct ev_result r;
		double s = seed_score("expapprox", name, &r);
		double got = metric(&r, "max_rel_err");
		assert_true(fabs(got - (double)want) <= 1e-6 * (double)want);
		assert_true(fabs(s + log10((double)want)) < 1e-6);
		assert_true(metric(&r, "worst_x") == -1.0);
	}
	/* e.g. degree 5: 1 - 1 + 1/2 - 1/6 + 1/24 - 1/120 = 0.3666..., rel 3.297e-3 */
	struct ev_result r;
	seed_score("expapprox", "taylor5", &r);
	assert_true(fabs(metric(&r, "max_rel_err") - 3.2966e-3) < 1e-6);
}

/* Taylor of log at 1 on [0.5, 2]: worst at x = 2, |T_n(1) - ln 2| / ln 2. */
static void test_log_taylor_analytic(void **state)
{
	const int deg[] = {3, 5, 9};
	for (int i = 0; i < 3; i++) {
		int n = deg[i];
		long double t = 0;
		for (int k = 1; k <= n; k++)
			t += (k % 2 ? 1.0L : -1.0L) / k;
		long double want = fabsl(t - logl(2.0L)) / logl(2.0L);
		char name[32];
		snprintf(name, sizeof name, "taylor%d", n);
		struct ev_result r;
		seed_score("logapprox", name, &r);
		assert_true(fabs(metric(&r, "max_rel_err") - (double)want) <= 1e-9 * (double)want);
		assert_true(metric(&r, "worst_x") == 2.0);
	}
}

/* Higher degree scores higher; minimax beats Taylor at equal degree. */
static void test_degree_and_minimax_order(void **state)
{
	struct ev_result r;
	struct {
		const char *ev, *lo, *hi;
	} better[] = {
		{"expapprox", "taylor3", "taylor5"},
		{"expapprox", "taylor5", "taylor7"},
		{"expapprox", "taylor7", "taylor9"},
		{"expapprox", "taylor9", "taylor11"},
		{"expapprox", "taylor11", "taylor13"},
		{"expapprox", "minimax3", "minimax5"},
		{"expapprox", "minimax5", "minimax7"},
		{"expapprox", "minimax7", "minimax9"},
		{"expapprox", "minimax9", "minimax11"},
		{"expapprox", "minimax11", "minimax13"},
		{"expapprox", "taylor3", "minimax3"},
		{"expapprox", "taylor5", "minimax5"},
		{"expapprox", "taylor7", "minimax7"},
		{"expapprox", "taylor9", "minimax9"},
		{"expapprox", "taylor11", "minimax11"},
		{"expapprox", "taylor13", "minimax13"},
		{"expapprox-wide", "reduce-taylor5", "reduce-taylor7"},
		{"expapprox-wide", "reduce-taylor7", "reduce-taylor9"},
		{"expapprox-wide", "reduce-taylor9", "reduce-taylor11"},
		{"expapprox-wide", "reduce-minimax5", "reduce-minimax7"},
		{"expapprox-wide", "reduce-minimax7", "reduce-minimax9"},
		{"expapprox-wide", "reduce-minimax9", "reduce-minimax11"},
		{"expapprox-wide", "reduce-taylor5", "reduce-minimax5"},
		{"expapprox-wide", "reduce-taylor7", "reduce-minimax7"},
		{"expapprox-wide", "reduce-taylor9", "reduce-minimax9"},
		{"expapprox-wide", "reduce-taylor11", "reduce-minimax11"},
		{"logapprox", "taylor3", "taylor5"},
		{"logapprox", "taylor5", "taylor9"},
		{"logapprox", "taylor5", "minimax5"},
		{"logapprox", "taylor9", "minimax9"},
		{"logapprox", "minimax5", "minimax9"},
		{"logapprox", "minimax9", "minimax13"},
		{"logapprox", "atanh5", "atanh9"},
		{"logapprox", "atanh9", "atanh13"},
		{"logapprox", "atanh5", "atanh-minimax5"},
		{"logapprox", "atanh9", "atanh-minimax9"},
		{"logapprox", "atanh13", "atanh-minimax13"},
		{"logapprox", "atanh-minimax5", "atanh-minimax9"},
		{"logapprox", "atanh-minimax9", "atanh-minimax13"},
	};
	for (size_t i = 0; i < sizeof better / sizeof better[0]; i++) {
		double lo = seed_score(better[i].ev, better[i].lo, &r);
		double hi = seed_score(better[i].ev, better[i].hi, &r);
		if (!(hi > lo))
			fail_msg("%s: %s (%g) should beat %s (%g)", better[i].ev, better[i].hi, hi,
			         better[i].lo, lo);
	}
	/* the best seeds are close to double precision */
	assert_true(seed_score("expapprox", "minimax13", &r) > 14);
	assert_true(seed_score("expapprox-wide", "reduce-minimax11", &r) > 15);
}

/* Correctly rounded outputs score exactly 17; one ulp off scores ~15.7-16. */
static void test_exact_and_one_ulp(void **state)
{
	for (int e = 0; numeric_names[e]; e++) {
		const struct ev_evaluator *ev = get(numeric_names[e]);
		double *xs = outbuf(ev), *out = outbuf(ev);
		long n = points(ev, 0, EV_TRAIN, xs);
		assert_true(n > 4000);
		for (long k = 0; k < n; k++)
			out[k] = (double)ref(ev, xs[k]);
		struct ev_result r;
		memset(&r, 0, sizeof r);
		assert_int_equal(ev->score(ev, 0, EV_TRAIN, out, (size_t)n, &r), 0);
		assert_true(r.score == 17.0);
		assert_true(metric(&r, "max_rel_err") == 0);
		assert_true(metric(&r, "max_ulp") == 0);

		for (long k = 0; k < n; k++)
			out[k] = out[k] == 0 ? 0 : nextafter(out[k], INFINITY);
		memset(&r, 0, sizeof r);
		assert_int_equal(ev->score(ev, 0, EV_TRAIN, out, (size_t)n, &r), 0);
		assert_true(r.score > 15.5 && r.score < 16.0);
		assert_true(metric(&r, "max_ulp") == 1.0);
		free(xs);
		free(out);
	}
}

/* NaN, Inf, short or missing outputs are invalid, with a message. */
static void test_invalid_outputs(void **state)
{
	const struct ev_evaluator *ev = get("expapprox");
	double *xs = outbuf(ev), *out = outbuf(ev);
	long n = points(ev, 0, EV_TRAIN, xs);
	for (long k = 0; k < n; k++)
		out[k] = (double)expl(xs[k]);
	struct ev_result r;

	/* x = 0.25 is grid point 2560 of 4097 on [-1, 1] */
	assert_true(xs[2560] == 0.25);
	out[2560] = NAN;
	memset(&r, 0, sizeof r);
	assert_int_equal(ev->score(ev, 0, EV_TRAIN, out, (size_t)n, &r), -1);
	assert_string_equal(r.message, "f returned NaN at x=0.25");

	out[2560] = -INFINITY;
	memset(&r, 0, sizeof r);
	assert_int_equal(ev->score(ev, 0, EV_TRAIN, out, (size_t)n, &r), -1);
	assert_non_null(strstr(r.message, "-Inf at x=0.25"));
	out[2560] = (double)expl(0.25L);

	memset(&r, 0, sizeof r);
	assert_int_equal(ev->score(ev, 0, EV_TRAIN, out, (size_t)n - 1, &r), -1);
	assert_non_null(strstr(r.message, "expected 4354 outputs"));
	memset(&r, 0, sizeof r);
	assert_int_equal(ev->score(ev, 0, EV_TRAIN, out, 0, &r), -1);
	memset(&r, 0, sizeof r);
	assert_int_equal(ev->score(ev, 0, EV_TRAIN, NULL, (size_t)n, &r), -1);
	memset(&r, 0, sizeof r);
	assert_int_equal(ev->score(ev, 0, EV_TRAIN, out, (size_t)n + 1, &r), -1);
	memset(&r, 0, sizeof r);
	assert_int_equal(ev->score(ev, 3, EV_TRAIN, out, (size_t)n, &r), -1);
	assert_non_null(strstr(r.message, "no task 3"));
	memset(&r, 0, sizeof r);
	assert_int_equal(ev->score(ev, 0, 7, out, (size_t)n, &r), -1);
	assert_non_null(strstr(r.message, "no split 7"));

	/* finite garbage is valid and scores 0 with finite metrics */
	for (long k = 0; k < n; k++)
		out[k] = k % 2 ? -1.7e308 : 1e-300;
	memset(&r, 0, sizeof r);
	assert_int_equal(ev->score(ev, 0, EV_TRAIN, out, (size_t)n, &r), 0);
	assert_true(r.score == 0);
	for (int i = 0; i < r.nmetrics; i++)
		assert_true(isfinite(r.metrics[i].value));

	/* log(1) = 0 exactly: any other value there is a total miss */
	const struct ev_evaluator *lg = get("logapprox");
	double *lx = outbuf(lg), *lo = outbuf(lg);
	long ln = points(lg, 0, EV_TRAIN, lx);
	long one = -1;
	for (long k = 0; k < ln; k++) {
		lo[k] = (double)logl(lx[k]);
		if (lx[k] == 1.0)
			one = k;
	}
	assert_true(one >= 0);
	lo[one] = 1e-300;
	memset(&r, 0, sizeof r);
	assert_int_equal(lg->score(lg, 0, EV_TRAIN, lo, (size_t)ln, &r), 0);
	assert_true(r.score == 0);
	assert_true(metric(&r, "worst_x") == 1.0);
	assert_true(isfinite(metric(&r, "max_ulp")));
	free(lx);
	free(lo);
	free(xs);
	free(out);
}

/* run() refuses a bad task, split or a buffer too small. */
static void test_run_errors(void **state)
{
	const struct ev_evaluator *ev = get("expapprox");
	struct cand c;
	cand_compile(&c, ev, ev->seeds[0].source);
	void *entry[1] = {(void *)c.f};
	double out[16];
	char err[EV_MSG_MAX] = "";
	assert_int_equal(ev->run(ev, entry, 0, EV_TRAIN, out, 16, err, sizeof err), -1);
	assert_non_null(strstr(err, "needs 4354"));
	assert_int_equal(ev->run(ev, entry, 2, EV_TRAIN, out, 16, err, sizeof err), -1);
	assert_non_null(strstr(err, "no task 2"));
	assert_int_equal(ev->run(ev, entry, EV_TASK_PROBE, -1, out, 16, err, sizeof err), -1);
	assert_int_equal(ev->run(ev, entry, EV_TASK_PROBE, EV_TRAIN, out, 16, err, sizeof err), 16);
	cand_free(&c);
}

/* Grid shared by both splits, random points not; both ends included. */
static void test_points_and_splits(void **state)
{
	for (int e = 0; numeric_names[e]; e++) {
		const struct ev_evaluator *ev = get(numeric_names[e]);
		double *a = outbuf(ev), *b = outbuf(ev);
		long na = points(ev, 0, EV_TRAIN, a), nb = points(ev, 0, EV_HELDOUT, b);
		assert_int_equal(na, nb);
		assert_true(memcmp(a, b, 4097 * sizeof *a) == 0);
		assert_true(memcmp(a, b, (size_t)na * sizeof *a) != 0);
		double lo = a[0], hi = a[4096];
		assert_true(lo < hi);
		for (long k = 0; k < na; k++) {
			assert_true(a[k] >= lo && a[k] <= hi);
			assert_true(b[k] >= lo && b[k] <= hi);
		}
		long again = points(ev, 0, EV_TRAIN, b);
		assert_int_equal(again, na);
		assert_true(memcmp(a, b, (size_t)na * sizeof *a) == 0); /* deterministic */
		free(a);
		free(b);
	}
	double xs[64];
	assert_int_equal(points(get("expapprox"), EV_TASK_PROBE, EV_TRAIN, xs), 16);
	assert_true(xs[0] == -1.0 && xs[1] == 1.0 && xs[2] == 0.0);
}

/* score() is a pure function of its inputs. */
static void test_deterministic(void **state)
{
	struct ev_result a, b;
	seed_score("expapprox", "minimax7", &a);
	seed_score("expapprox", "minimax7", &b);
	assert_memory_equal(&a, &b, sizeof a);
	seed_score("logapprox", "atanh9", &a);
	seed_score("logapprox", "atanh9", &b);
	assert_memory_equal(&a, &b, sizeof a);
}

static void test_describe(void **state)
{
	const struct ev_evaluator *ev = get("expapprox");
	struct ev_result r;
	memset(&r, 0, sizeof r);
	const char *src = seed(ev, "taylor5")->source;
	ev->describe(ev, src, strlen(src), &r);
	assert_true(r.desc[0] == 10); /* 5 multiplications, 5 additions */
	assert_true(metric(&r, "ops") == 10);
	memset(&r, 0, sizeof r);
	src = seed(get("expapprox-wide"), "reduce-taylor5")->source;
	ev->describe(ev, src, strlen(src), &r);
	assert_true(r.desc[0] == 17); /* 10 Horner + nearbyint, ldexp + 5 reduction */
}

static double now_us(void)
{
	return mono_ms() * 1e3;
}

/* Reports (never asserts) the cost of run() + score() for one candidate. */
static void test_report_timing(void **state)
{
	for (int e = 0; numeric_names[e]; e++) {
		const struct ev_evaluator *ev = get(numeric_names[e]);
		struct cand c;
		cand_compile(&c, ev, ev->seeds[0].source);
		double *out = outbuf(ev);
		char err[EV_MSG_MAX];
		void *entry[1] = {(void *)c.f};
		struct ev_result r;
		double best_run = 1e9, best_score = 1e9;
		for (int rep = 0; rep < 20; rep++) {
			double t0 = now_us();
			long n = ev->run(ev, entry, 0, EV_TRAIN, out, ev->max_outputs, err, sizeof err);
			double t1 = now_us();
			memset(&r, 0, sizeof r);
			assert_int_equal(ev->score(ev, 0, EV_TRAIN, out, (size_t)n, &r), 0);
			double t2 = now_us();
			if (t1 - t0 < best_run)
				best_run = t1 - t0;
			if (t2 - t1 < best_score)
				best_score = t2 - t1;
		}
		printf("# %s (%s): run %.1f us + score %.1f us\n", ev->name, ev->seeds[0].name,
		       best_run, best_score);
		free(out);
		cand_free(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_contract),
		cmocka_unit_test(test_forbidden_symbol),
		cmocka_unit_test(test_all_seeds),
		cmocka_unit_test(test_exp_taylor_analytic),
		cmocka_unit_test(test_log_taylor_analytic),
		cmocka_unit_test(test_degree_and_minimax_order),
		cmocka_unit_test(test_exact_and_one_ulp),
		cmocka_unit_test(test_invalid_outputs),
		cmocka_unit_test(test_run_errors),
		cmocka_unit_test(test_points_and_splits),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_report_timing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
