/*
 * test_optim.c - the built-in `optim` evaluator: seeds compile with libtcc
 * and score sensibly, scoring is deterministic, recomputed from the final
 * parameters only and robust to hostile outputs; gradients are right.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libtcc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evaluators/evaluator.h"
#include "evaluators/optim.h"
#include "sandbox/sbx.h"
#include "evaluators/mono.h"

extern const struct ev_evaluator ev_optim;
static const struct ev_evaluator *EV = &ev_optim;

/* ---- helpers --------------------------------------------------------------- */

struct cand {
	TCCState *tcc;
	void *entry[1];
};

static char tcc_msg[512];

static void tcc_err(void *opaque, const char *msg)
{
	(void)opaque;
	snprintf(tcc_msg, sizeof tcc_msg, "%s", msg);
}

/* Compile src against the evaluator's prelude and whitelist, the way the
 * sandbox does (-nostdlib, symbols added one by one). */
static int cand_compile(struct cand *c, const char *src)
{
	size_t len = strlen(EV->prelude) + strlen(src) + 2;
	char *buf = malloc(len);
	assert_non_null(buf);
	snprintf(buf, len, "%s\n%s", EV->prelude, src);
	c->tcc = tcc_new();
	assert_non_null(c->tcc);
	tcc_set_error_func(c->tcc, NULL, tcc_err);
	tcc_set_options(c->tcc, "-nostdlib -nostdinc"); /* as sandbox/compile.c */
	tcc_set_output_type(c->tcc, TCC_OUTPUT_MEMORY);
	for (const struct ev_symbol *s = EV->symbols; s->name; s++)
		tcc_add_symbol(c->tcc, s->name, s->addr);
	int rc = tcc_compile_string(c->tcc, buf);
	free(buf);
	if (rc < 0 || tcc_relocate(c->tcc, TCC_RELOCATE_AUTO) < 0)
		return -1;
	c->entry[0] = tcc_get_symbol(c->tcc, "step");
	return c->entry[0] ? 0 : -1;
}

static void cand_release(struct cand *c)
{
	if (c->tcc)
		tcc_delete(c->tcc);
	c->tcc = NULL;
}

static const char *seed_source(const char *name)
{
	for (const struct ev_seed *s = EV->seeds; s->name; s++)
		if (strcmp(s->name, name) == 0)
			return s->source;
	fail_msg("no seed named %s", name);
	return NULL;
}

/* Run one task and score it; returns the score (the result in *res). */
static double eval_task(struct cand *c, int task, int split, struct ev_result *res)
{
	double out[OPT_MAX_OUT];
	char err[EV_MSG_MAX] = "";
	long n = EV->run(EV, c->entry, task, split, out, OPT_MAX_OUT, err, sizeof err);
	assert_true(n > 0);
	memset(res, 0, sizeof *res);
	int rc = EV->score(EV, task, split, out, (size_t)n, res);
	assert_int_equal(rc, 0);
	return res->score;
}

static double eval_src(const char *src, int task, int split, struct ev_result *res)
{
	struct cand c = {0};
	assert_int_equal(cand_compile(&c, src), 0);
	double s = eval_task(&c, task, split, res);
	cand_release(&c);
	return s;
}

static double metric(const struct ev_result *res, const char *name)
{
	for (int i = 0; i < res->nmetrics; i++)
		if (strcmp(res->metrics[i].name, name) == 0)
			return res->metrics[i].value;
	fail_msg("no metric named %s", name);
	return NAN;
}

/* Train stage-1 outputs of a source (n returned). */
static long outputs_of(const char *src, int task, int split, double *out)
{
	struct cand c = {0};
	char err[EV_MSG_MAX];
	assert_int_equal(cand_compile(&c, src), 0);
	long n = EV->run(EV, c.entry, task, split, out, OPT_MAX_OUT, err, sizeof err);
	cand_release(&c);
	assert_true(n > 0);
	return n;
}

static const char do_nothing[] =
	"void step(int n, double *w, const double *g, double *s, int t) { }\n";
static const char diverging[] =
	"void step(int n, double *w, const double *g, double *s, int t)\n"
	"{ for (int i = 0; i < n; i++) w[i] -= 10.0 * g[i]; }\n";

/* ---- tests -------------------------------------------------------------------- */

static void test_contract(void **state)
{
	(void)state;
	assert_int_equal(EV->version, EV_API_VERSION);
	assert_string_equal(EV->name, "optim");
	assert_string_equal(EV->entries[0], "step");
	assert_null(EV->entries[1]);
	assert_non_null(strstr(EV->prelude, "#define SLOTS 4"));
	assert_int_equal(EV->nstages, 2);
	assert_int_equal(EV->ndims, 2);
	assert_string_equal(EV->dims[0].name, "slots");
	assert_string_equal(EV->dims[1].name, "ops");
	assert_int_equal(EV->noisy, 0);
	assert_non_null(EV->run);
	assert_non_null(EV->score);
	assert_non_null(EV->describe);
	static const char *const want[] = {"sgd", "momentum", "nesterov", "adagrad", "rmsprop",
	                                   "adam", "adamw", "signsgd", "lion"};
	int k = 0;
	for (const struct ev_seed *s = EV->seeds; s->name; s++, k++) {
		assert_true(k < 9);
		assert_string_equal(s->name, want[k]);
	}
	assert_int_equal(k, 9);
	for (const struct ev_symbol *s = EV->symbols; s->name; s++)
		assert_non_null(s->addr);
}

/* Every task's output fits max_outputs, and run() refuses a short buffer. */
static void test_output_sizes(void **state)
{
	(void)state;
	struct cand c = {0};
	double out[OPT_MAX_OUT];
	char err[EV_MSG_MAX] = "";
	/* the lengths documented in docs/EVALUATORS.md: [split][probe, s0, s1] */
	static const long documented[2][3] = {{72, 333, 1891}, {72, 413, 1911}};
	assert_int_equal(cand_compile(&c, do_nothing), 0);
	for (int split = 0; split < 2; split++)
		for (int task = EV_TASK_PROBE; task < EV->nstages; task++) {
			long n = EV->run(EV, c.entry, task, split, out, OPT_MAX_OUT, err, sizeof err);
			assert_int_equal(n, documented[split][task + 1]);
			assert_true((size_t)n <= EV->max_outputs);
			err[0] = 0;
			assert_int_equal(EV->run(EV, c.entry, task, split, out, (size_t)n - 1, err,
			                         sizeof err), -1);
			assert_non_null(strstr(err, "capacity"));
		}
	err[0] = 0;
	assert_int_equal(EV->run(EV, c.entry, 2, EV_TRAIN, out, OPT_MAX_OUT, err, sizeof err), -1);
	assert_non_null(strstr(err, "task 2"));
	assert_int_equal(EV->run(EV, c.entry, 0, 7, out, OPT_MAX_OUT, err, sizeof err), -1);
	void *none[1] = {NULL};
	assert_int_equal(EV->run(EV, none, 0, EV_TRAIN, out, OPT_MAX_OUT, err, sizeof err), -1);
	cand_release(&c);
}

/* Every seed compiles, scores finite values in range on both splits and
 * both stages, and passes stage 0.  Prints the table and the time of one
 * train evaluation (stage 0 + stage 1) per seed; times are not asserted. */
static void test_seeds(void **state)
{
	(void)state;
	for (const struct ev_seed *s = EV->seeds; s->name; s++) {
		struct cand c = {0};
		struct ev_result r0, r1, h1;
		if (cand_compile(&c, s->source) != 0)
			fail_msg("seed %s does not compile: %s", s->name, tcc_msg);
		double t0 = mono_ms();
		double s0 = eval_task(&c, 0, EV_TRAIN, &r0);
		double s1 = eval_task(&c, 1, EV_TRAIN, &r1);
		double ms = mono_ms() - t0;
		double hs = eval_task(&c, 1, EV_HELDOUT, &h1);
		cand_release(&c);
		assert_true(isfinite(s0) && isfinite(s1) && isfinite(hs));
		assert_true(s0 >= EV->stages[0].threshold);
		assert_int_equal(r1.nmetrics, opt_nwork(EV_TRAIN) + 2); /* + slots, final */
		for (int i = 0; i < opt_nwork(EV_TRAIN); i++)
			assert_true(r1.metrics[i].value >= OPT_IMP_MIN && r1.metrics[i].value <= OPT_IMP_MAX);
		assert_true(metric(&r1, "final") >= OPT_IMP_MIN && metric(&r1, "final") <= OPT_IMP_MAX);
		print_message("  %-9s stage0 %6.3f  train %6.3f  heldout %6.3f  slots %.0f  %.2f ms/train eval\n",
		              s->name, s0, s1, hs, r1.desc[0], ms);
	}
}

static void test_do_nothing_scores_zero(void **state)
{
	(void)state;
	struct ev_result r;
	for (int split = 0; split < 2; split++) {
		assert_true(eval_src(do_nothing, 0, split, &r) == 0.0);
		assert_true(r.score < EV->stages[0].threshold);
		assert_true(eval_src(do_nothing, 1, split, &r) == 0.0);
		assert_true(r.desc[0] == 0.0);
	}
}

static void test_diverging_stops_at_stage0(void **state)
{
	(void)state;
	struct ev_result r;
	assert_true(eval_src(diverging, 0, EV_TRAIN, &r) < EV->stages[0].threshold);
	assert_true(metric(&r, "rosen2") == OPT_IMP_MIN);
	assert_true(eval_src(diverging, 1, EV_TRAIN, &r) < 0.0);
	assert_true(eval_src(diverging, 0, EV_HELDOUT, &r) < EV->stages[0].threshold);
}

/* Adaptive methods beat plain SGD where conditioning matters. */
static void test_adam_and_lion_beat_sgd(void **state)
{
	(void)state;
	struct ev_result sgd, adam, lion;
	double s = eval_src(seed_source("sgd"), 1, EV_TRAIN, &sgd);
	double a = eval_src(seed_source("adam"), 1, EV_TRAIN, &adam);
	double l = eval_src(seed_source("lion"), 1, EV_TRAIN, &lion);
	assert_true(a > s + 1.0);
	assert_true(l > s + 0.5);
	static const char *const hard[] = {"quad_k1e3", "quad_k1e4", "rosen2"};
	for (int i = 0; i < 3; i++) {
		assert_true(metric(&adam, hard[i]) > metric(&sgd, hard[i]) + 0.3);
		assert_true(metric(&lion, hard[i]) > metric(&sgd, hard[i]) + 0.3);
	}
	/* Lion beats SGD at the end overall ("final", the mean improvement at
	 * the last step, the score before the area under the curve); on rosen20
	 * it starts slower than SGD, so its area there is lower. */
	assert_true(metric(&lion, "final") > metric(&sgd, "final"));
	/* slot descriptor: SGD none, Lion its momentum, Adam two moments */
	assert_true(sgd.desc[0] == 0.0);
	assert_true(lion.desc[0] == 1.0);
	assert_true(adam.desc[0] == 2.0);
}

/* The score discriminates where the old one saturated: a well-tuned Adam
 * (found by a literal-mutation campaign) reached the clip (10) at the last
 * step on 5 of 11 train workloads; the area under the curve leaves room
 * above it on every workload, and rewards getting there sooner. */
static void test_tuned_adam_does_not_saturate(void **state)
{
	(void)state;
	static const char tuned_adam[] =
		"void step(int n, double *w, const double *g, double *s, int t)\n"
		"{\n"
		"\tdouble *m = s, *v = s + n;\n"
		"\tdouble c1 = 0.858451 - pow(0.540009, t), c2 = 1.19432 - pow(0.961159, t);\n"
		"\tfor (int i = 0; i < n; i++) {\n"
		"\t\tm[i] = 0.928462 * m[i] + 0.178504 * g[i];\n"
		"\t\tv[i] = 0.999 * v[i] + 0.00064796 * g[i] * g[i];\n"
		"\t\tw[i] -= 0.0585358 * (m[i] / c1) / (sqrt(v[i] / c2) + 2.97166e-08);\n"
		"\t}\n"
		"}\n";
	struct ev_result r, adam;
	double s = eval_src(tuned_adam, 1, EV_TRAIN, &r);
	double a = eval_src(seed_source("adam"), 1, EV_TRAIN, &adam);
	int clipped_final = metric(&r, "final") > 6.9; /* the old score: 7.03 */
	int at_clip = 0;
	for (int i = 0; i < opt_nwork(EV_TRAIN); i++)
		at_clip += r.metrics[i].value >= OPT_IMP_MAX;
	print_message("  tuned adam: area %.3f, final %.3f (default adam: area %.3f)\n", s,
	              metric(&r, "final"), a);
	assert_true(clipped_final);
	assert_int_equal(at_clip, 0);
	assert_true(s < metric(&r, "final"));
	assert_true(s > a); /* tuning still shows */
}

static void test_determinism(void **state)
{
	(void)state;
	double a[OPT_MAX_OUT], b[OPT_MAX_OUT];
	static const char *const names[] = {"adam", "lion", "rmsprop"};
	for (int k = 0; k < 3; k++)
		for (int task = EV_TASK_PROBE; task < 2; task++) {
			long na = outputs_of(seed_source(names[k]), task, EV_TRAIN, a);
			long nb = outputs_of(seed_source(names[k]), task, EV_TRAIN, b);
			assert_int_equal(na, nb);
			assert_memory_equal(a, b, sizeof(double) * (size_t)na);
		}
	struct ev_result r1, r2;
	eval_src(seed_source("adam"), 1, EV_HELDOUT, &r1);
	eval_src(seed_source("adam"), 1, EV_HELDOUT, &r2);
	assert_memory_equal(&r1.score, &r2.score, sizeof r1.score);
	assert_int_equal(r1.nmetrics, r2.nmetrics);
	for (int i = 0; i < r1.nmetrics; i++)
		assert_memory_equal(&r1.metrics[i].value, &r2.metrics[i].value, sizeof(double));
	assert_memory_equal(r1.desc, r2.desc, sizeof r1.desc);
}

/* Textually different, functionally equal programs give bit-identical
 * probe outputs; a different learning rate does not. */
static void test_probe(void **state)
{
	(void)state;
	static const char a[] =
		"void step(int n, double *w, const double *g, double *s, int t)\n"
		"{ for (int i = 0; i < n; i++) { s[i] = 0.9 * s[i] + g[i]; w[i] -= 0.01 * s[i]; } }\n";
	static const char b[] =
		"/* the same, spelled differently */\n"
		"void step(int n, double *w, const double *g, double *s, int t)\n"
		"{\n  double lr = 0.01;\n  double *m = s + 0 * n;\n"
		"  for (int j = 0; j < n; ++j) {\n    m[j] = m[j] * 0.9 + g[j];\n"
		"    w[j] = w[j] - lr * m[j];\n  }\n}\n";
	static const char c[] =
		"void step(int n, double *w, const double *g, double *s, int t)\n"
		"{ for (int i = 0; i < n; i++) { s[i] = 0.9 * s[i] + g[i]; w[i] -= 0.02 * s[i]; } }\n";
	double pa[OPT_MAX_OUT], pb[OPT_MAX_OUT], pc[OPT_MAX_OUT];
	assert_int_equal(outputs_of(a, EV_TASK_PROBE, EV_TRAIN, pa), OPT_PROBE_OUT);
	assert_int_equal(outputs_of(b, EV_TASK_PROBE, EV_TRAIN, pb), OPT_PROBE_OUT);
	assert_int_equal(outputs_of(c, EV_TASK_PROBE, EV_TRAIN, pc), OPT_PROBE_OUT);
	assert_memory_equal(pa, pb, sizeof(double) * OPT_PROBE_OUT);
	assert_memory_not_equal(pa, pc, sizeof(double) * OPT_PROBE_OUT);

	struct ev_result r = {0};
	assert_int_equal(EV->score(EV, EV_TASK_PROBE, EV_TRAIN, pa, OPT_PROBE_OUT, &r), 0);
	memset(&r, 0, sizeof r);
	assert_int_equal(EV->score(EV, EV_TASK_PROBE, EV_TRAIN, pa, OPT_PROBE_OUT - 1, &r), -1);
	assert_non_null(strstr(r.message, "probe"));
}

/* score() treats the output as hostile and recomputes from parameters. */
static void test_score_hostile(void **state)
{
	(void)state;
	double out[OPT_MAX_OUT], bad[OPT_MAX_OUT];
	long n = outputs_of(seed_source("adam"), 1, EV_TRAIN, out);
	struct ev_result base = {0}, r;
	assert_int_equal(EV->score(EV, 1, EV_TRAIN, out, (size_t)n, &base), 0);
	int nw = opt_nwork(EV_TRAIN);

	/* wrong length, missing buffer, bad task or split: invalid, with a message */
	size_t lens[] = {0, (size_t)n - 1, (size_t)n + 1};
	for (int i = 0; i < 3; i++) {
		memset(&r, 0, sizeof r);
		assert_int_equal(EV->score(EV, 1, EV_TRAIN, out, lens[i], &r), -1);
		assert_non_null(strstr(r.message, "expected"));
	}
	memset(&r, 0, sizeof r);
	assert_int_equal(EV->score(EV, 1, EV_TRAIN, NULL, (size_t)n, &r), -1);
	memset(&r, 0, sizeof r);
	assert_int_equal(EV->score(EV, 3, EV_TRAIN, out, (size_t)n, &r), -1);
	memset(&r, 0, sizeof r);
	assert_int_equal(EV->score(EV, 1, 9, out, (size_t)n, &r), -1);
	/* stage 0's output is not a valid stage 1 output */
	memset(&r, 0, sizeof r);
	assert_int_equal(EV->score(EV, 0, EV_TRAIN, out, (size_t)n, &r), -1);

	/* A non-finite or huge parameter floors its checkpoint only; in every
	 * checkpoint, its workload.  Workload 0 (quad_k1e1, 20 parameters)
	 * starts the output: OPT_CKPT checkpoints of 20 doubles. */
	const double poison[] = {NAN, INFINITY, -INFINITY, 1e300, -1e200};
	const struct opt_work *w0 = opt_workload(EV_TRAIN, 0);
	for (int p = 0; p < 5; p++) {
		memcpy(bad, out, sizeof(double) * (size_t)n);
		bad[3] = poison[p]; /* checkpoint 1 only */
		memset(&r, 0, sizeof r);
		assert_int_equal(EV->score(EV, 1, EV_TRAIN, bad, (size_t)n, &r), 0);
		double first = opt_improvement(w0, opt_lstar(EV_TRAIN, 0), out);
		assert_true(fabs(metric(&r, "quad_k1e1") - (base.metrics[0].value - (first - OPT_IMP_MIN) / OPT_CKPT)) < 1e-12);
		for (int j = 0; j < OPT_CKPT; j++)
			bad[(size_t)j * (size_t)w0->n + 3] = poison[p];
		memset(&r, 0, sizeof r);
		assert_int_equal(EV->score(EV, 1, EV_TRAIN, bad, (size_t)n, &r), 0);
		assert_true(metric(&r, "quad_k1e1") == OPT_IMP_MIN);
		for (int i = 1; i < nw; i++)
			assert_true(r.metrics[i].value == base.metrics[i].value);
		assert_true(r.score < base.score);
	}

	/* The trailing slot counts are claims: clamped, and never in the score. */
	const double claims[] = {NAN, 1e9, -5.0, 2.6, INFINITY};
	const double want[] = {0, OPT_SLOTS, 0, 3, OPT_SLOTS};
	for (int p = 0; p < 5; p++) {
		memcpy(bad, out, sizeof(double) * (size_t)n);
		for (int i = 0; i < nw; i++)
			bad[n - nw + i] = claims[p];
		memset(&r, 0, sizeof r);
		assert_int_equal(EV->score(EV, 1, EV_TRAIN, bad, (size_t)n, &r), 0);
		assert_true(r.desc[0] == want[p]);
		assert_true(r.score == base.score);
	}

	/* Each metric is exactly what the parameters justify: the mean
	 * improvement over the workload's checkpoints. */
	size_t pos = 0;
	for (int i = 0; i < nw; i++) {
		const struct opt_work *wl = opt_workload(EV_TRAIN, i);
		double area = 0;
		for (int j = 0; j < OPT_CKPT; j++, pos += (size_t)wl->n)
			area += opt_improvement(wl, opt_lstar(EV_TRAIN, i), out + pos);
		assert_true(base.metrics[i].value == area / OPT_CKPT);
	}
}

/* Hostile candidates: writing NaN scores the floor; guessing the textbook
 * optima (Rosenbrock's all-ones, a quadratic centred at 0) gains nothing
 * because every workload is shifted by a hidden seeded offset. */
static void test_hostile_candidates(void **state)
{
	(void)state;
	static const char nan_writer[] =
		"void step(int n, double *w, const double *g, double *s, int t)\n"
		"{ for (int i = 0; i < n; i++) { w[i] = 0.0 / 0.0; s[i] = 1e308 * 10; } }\n";
	static const char ones[] =
		"void step(int n, double *w, const double *g, double *s, int t)\n"
		"{ for (int i = 0; i < n; i++) w[i] = 1.0; }\n";
	static const char zeros[] =
		"void step(int n, double *w, const double *g, double *s, int t)\n"
		"{ for (int i = 0; i < n; i++) w[i] = 0.0; }\n";
	struct ev_result r;
	assert_true(eval_src(nan_writer, 1, EV_TRAIN, &r) == OPT_IMP_MIN);
	assert_true(eval_src(ones, 1, EV_TRAIN, &r) < 0.5);
	assert_true(metric(&r, "rosen2") < 1.0 && metric(&r, "rosen20") < 1.0);
	assert_true(eval_src(zeros, 1, EV_TRAIN, &r) < 0.5);
	assert_true(metric(&r, "quad_k1e1") < 1.0);
}

static void test_heldout_differs(void **state)
{
	(void)state;
	struct ev_result tr, ho;
	double a[OPT_MAX_OUT], b[OPT_MAX_OUT];
	double st = eval_src(seed_source("adam"), 1, EV_TRAIN, &tr);
	double sh = eval_src(seed_source("adam"), 1, EV_HELDOUT, &ho);
	assert_true(st != sh);
	for (int i = 0; i < opt_nwork(EV_TRAIN); i++)
		for (int j = 0; j < opt_nwork(EV_HELDOUT); j++)
			assert_string_not_equal(tr.metrics[i].name, ho.metrics[j].name);
	long na = outputs_of(seed_source("adam"), 1, EV_TRAIN, a);
	long nb = outputs_of(seed_source("adam"), 1, EV_HELDOUT, b);
	assert_true(na != nb);
	/* a train output is not a valid held-out output */
	memset(&ho, 0, sizeof ho);
	assert_int_equal(EV->score(EV, 1, EV_HELDOUT, a, (size_t)na, &ho), -1);
}

/* Analytic gradients agree with central differences on every workload. */
static void test_gradients(void **state)
{
	(void)state;
	for (int split = 0; split < 2; split++)
		for (int k = 0; k < opt_nwork(split); k++) {
			const struct opt_work *wl = opt_workload(split, k);
			double w[OPT_MAXN], g[OPT_MAXN];
			struct rng r;
			rng_seed(&r, 99 + (uint64_t)k);
			for (int i = 0; i < wl->n; i++)
				w[i] = wl->w0[i] + 0.1 * opt_rng_normal(&r);
			opt_grad(wl, w, g);
			for (int i = 0; i < wl->n; i++) {
				double h = 1e-6 * fmax(1.0, fabs(w[i])), keep = w[i];
				w[i] = keep + h;
				double fp = opt_loss(wl, w);
				w[i] = keep - h;
				double fm = opt_loss(wl, w);
				w[i] = keep;
				double fd = (fp - fm) / (2 * h);
				if (fabs(fd - g[i]) > 1e-5 * fmax(1.0, fabs(g[i])))
					fail_msg("%s: d/dw%d analytic %.10g, numeric %.10g", wl->spec->name, i,
					         g[i], fd);
			}
			double lstar = opt_lstar(split, k);
			assert_true(lstar >= 0.0 && lstar < wl->L0);
			if (wl->spec->kind == OPT_LOGREG)
				assert_true(lstar > 0.0);
		}
}

/* The Newton optimum of a logistic regression is not beaten by a long run
 * of Adam (so improvements are measured against a true floor). */
static void test_lstar_is_optimum(void **state)
{
	(void)state;
	for (int k = 0; k < opt_nwork(EV_TRAIN); k++) {
		const struct opt_work *wl = opt_workload(EV_TRAIN, k);
		if (wl->spec->kind != OPT_LOGREG)
			continue;
		double w[OPT_MAXN], g[OPT_MAXN], m[OPT_MAXN] = {0}, v[OPT_MAXN] = {0};
		memcpy(w, wl->w0, sizeof w);
		for (int t = 1; t <= 5000; t++) {
			opt_grad(wl, w, g);
			for (int i = 0; i < wl->n; i++) {
				m[i] = 0.9 * m[i] + 0.1 * g[i];
				v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
				w[i] -= 0.01 * (m[i] / (1 - pow(0.9, t))) / (sqrt(v[i] / (1 - pow(0.999, t))) + 1e-8);
			}
		}
		double L = opt_loss(wl, w), lstar = opt_lstar(EV_TRAIN, k);
		assert_true(L >= lstar - 1e-12);
		assert_true(L - lstar < 1e-3);
	}
}

static void test_describe(void **state)
{
	(void)state;
	struct ev_result a = {0}, s = {0};
	const char *adam = seed_source("adam"), *sgd = seed_source("sgd");
	EV->describe(EV, adam, strlen(adam), &a);
	EV->describe(EV, sgd, strlen(sgd), &s);
	assert_true(s.desc[1] > 0);
	assert_true(a.desc[1] > s.desc[1]);
	assert_true(a.desc[0] == 0.0); /* slots come from score() */
	struct ev_result e = {0};
	EV->describe(EV, "", 0, &e);
	assert_true(e.desc[1] == 0.0);
}

/* Through the real sandbox (fork server, seccomp, rlimits): every seed and
 * a seed that #includes the headers run all tasks, and the outputs are
 * bit-identical to the in-process run, so the child and score() see the
 * same workloads.  Prints the sandbox's run time of stages 0 + 1. */
static int sandbox_open(void **state)
{
	char err[256];
	struct sbx_limits lim;
	sbx_limits_default(&lim);
	*state = sbx_open(1, &lim, err, sizeof err);
	if (!*state)
		print_error("sbx_open: %s\n", err);
	return *state ? 0 : -1;
}

static int sandbox_close(void **state)
{
	struct sbx *sb = *state;
	sbx_close(&sb);
	return 0;
}

static void test_sandbox(void **state)
{
	struct sbx *sb = *state;
	char err[256], msg[256];
	struct sbx_limits lim;
	sbx_limits_default(&lim);
	static struct sbx_result res;
	double local[OPT_MAX_OUT];
	for (const struct ev_seed *s = EV->seeds; s->name; s++) {
		char *clean = NULL;
		assert_int_equal(sbx_prescan(s->source, strlen(s->source), EV, lim.max_source, &clean,
		                             msg, sizeof msg), 0);
		struct sbx_job job = { .ev = EV, .source = clean, .tasks = SBX_TASK_PROBE | SBX_TASK_STAGE(0) | SBX_TASK_STAGE(1), .split = EV_TRAIN };
		assert_int_equal(sbx_run(sb, &job, &res, err, sizeof err), 0);
		free(clean);
		if (res.status != SBX_OK)
			fail_msg("seed %s: %s: %s", s->name, sbx_status_name(res.status), res.message);
		for (int t = 0; t < 3; t++) {
			long n = outputs_of(s->source, t - 1, EV_TRAIN, local);
			assert_int_equal(res.nout[t], n);
			assert_memory_equal(res.out[t], local, sizeof(double) * (size_t)n);
		}
		print_message("  %-9s sandbox: compile %.2f ms, probe + stages 0,1 %.2f ms\n", s->name,
		              res.t_compile_ms, res.t_run_ms);
	}
	static const char with_include[] =
		"#include <math.h>\n#include \"optim.h\"\n"
		"void step(int n, double *w, const double *g, double *s, int t)\n"
		"{ for (int i = 0; i < n; i++) w[i] -= 0.001 * sign(g[i]) * fabs(g[i]); }\n";
	char *clean = NULL;
	assert_int_equal(sbx_prescan(with_include, strlen(with_include), EV, lim.max_source, &clean,
	                             msg, sizeof msg), 0);
	struct sbx_job job = { .ev = EV, .source = clean, .tasks = SBX_TASK_STAGE(0), .split = EV_HELDOUT };
	assert_int_equal(sbx_run(sb, &job, &res, err, sizeof err), 0);
	free(clean);
	assert_int_equal(res.status, SBX_OK);
	struct ev_result r = {0};
	assert_int_equal(EV->score(EV, 0, EV_HELDOUT, res.out[1], res.nout[1], &r), 0);
	assert_true(r.score > 0.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_contract),
		cmocka_unit_test(test_output_sizes),
		cmocka_unit_test(test_seeds),
		cmocka_unit_test(test_do_nothing_scores_zero),
		cmocka_unit_test(test_diverging_stops_at_stage0),
		cmocka_unit_test(test_adam_and_lion_beat_sgd),
		cmocka_unit_test(test_tuned_adam_does_not_saturate),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_score_hostile),
		cmocka_unit_test(test_hostile_candidates),
		cmocka_unit_test(test_heldout_differs),
		cmocka_unit_test(test_gradients),
		cmocka_unit_test(test_lstar_is_optimum),
		cmocka_unit_test(test_describe),
		cmocka_unit_test_setup_teardown(test_sandbox, sandbox_open, sandbox_close),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
