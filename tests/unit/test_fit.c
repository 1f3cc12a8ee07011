/* Unit tests for constant fitting in one compile: pl_fit_lift() (lifting
 * literals into __disco_k round-trips), sandbox FIT jobs (per-trial outputs
 * identical to separate evaluations of the substituted sources, trials
 * isolated from each other's static state, a candidate that scribbles on
 * its constants or crashes gets nothing), and the job's bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mutate/mutate.h"
#include "engine/pipeline.h"

static struct sbx *sb;

static const struct ev_evaluator *expev(void)
{
	const struct ev_evaluator *ev = ev_find("expapprox");
	assert_non_null(ev);
	return ev;
}

static unsigned all_tasks(const struct ev_evaluator *ev)
{
	return SBX_TASK_PROBE | pl_stage_tasks(ev, 0);
}

/* Outputs of one job, copied out of the slot. */
struct outs {
	enum sbx_status status;
	double *v[SBX_NTASK];
	size_t n[SBX_NTASK];
};

static void outs_free(struct outs *o)
{
	for (int k = 0; k < SBX_NTASK; k++)
		free(o->v[k]);
	memset(o, 0, sizeof *o);
}

static void copy_outs(const struct sbx_result *res, size_t off, struct outs *o)
{
	memset(o, 0, sizeof *o);
	o->status = res->status;
	for (int k = 0; k < SBX_NTASK; k++) {
		if (!res->out[k])
			continue;
		o->n[k] = res->nout[k];
		o->v[k] = malloc((o->n[k] ? o->n[k] : 1) * sizeof(double));
		memcpy(o->v[k], res->out[k] + off, o->n[k] * sizeof(double));
	}
}

static void assert_same_outs(const struct outs *a, const struct outs *b)
{
	for (int k = 0; k < SBX_NTASK; k++) {
		assert_int_equal(a->n[k], b->n[k]);
		assert_true((a->v[k] == NULL) == (b->v[k] == NULL));
		if (a->n[k])
			assert_memory_equal(a->v[k], b->v[k], a->n[k] * sizeof(double));
	}
}

/* Run src (prescanned here) as an ordinary job. */
static void run_plain(const struct ev_evaluator *ev, const char *src, struct outs *o)
{
	static struct sbx_result res;
	char *clean = NULL, msg[512], err[256];
	assert_int_equal(sbx_prescan(src, strlen(src), ev, 1 << 16, &clean, msg, sizeof msg), 0);
	struct sbx_job job = { .ev = ev, .source = clean, .tasks = all_tasks(ev), .split = EV_TRAIN };
	assert_int_equal(sbx_run(sb, &job, &res, err, sizeof err), 0);
	free(clean);
	assert_int_equal(res.status, SBX_OK);
	copy_outs(&res, 0, o);
}

/* Run a lifted source for nt vectors of nk; res stays valid until the next job. */
static struct sbx_result *run_fit(const struct ev_evaluator *ev, const char *lifted, const double *k,
                                  int nk, int nt)
{
	static struct sbx_result res;
	char *clean = NULL, msg[512], err[256];
	assert_int_equal(sbx_prescan(lifted, strlen(lifted), ev, 1 << 16, &clean, msg, sizeof msg), 0);
	struct sbx_job job = { .ev = ev, .source = clean, .tasks = all_tasks(ev), .split = EV_TRAIN,
	                       .kind = SBX_JOB_FIT, .consts = k, .nconst = nk, .ntrial = nt };
	assert_int_equal(sbx_run(sb, &job, &res, err, sizeof err), 0);
	free(clean);
	return &res;
}

static const char poly[] =
	"#include <math.h>\n"
	"/* 2.5 in a comment stays */\n"
	"double f(double x) {\n"
	"\tfloat h = 0.5f;\n"
	"\treturn 1.0 + x * (1.0 + x * (h + x * (0.16666 + x * -0.041)));\n"
	"}\n";

static void test_lift_round_trips(void **st)
{
	(void)st;
	struct mut_consts c;
	char err[128];
	assert_int_equal(mut_consts_scan(poly, strlen(poly), &c, err, sizeof err), 0);
	assert_int_equal(c.n, 5);
	char *l = pl_fit_lift(poly, strlen(poly), &c, c.n);
	assert_non_null(l);
	assert_non_null(strstr(l, "double __disco_k[5];\n"));
	assert_non_null(strstr(l, "((float)__disco_k[0])"));
	assert_non_null(strstr(l, "2.5 in a comment"));
	/* Put every literal's text back: the original. */
	char back[1024];
	snprintf(back, sizeof back, "%s", strchr(l, '\n') + 1);
	for (size_t i = 0; i < c.n; i++) {
		char pat[64];
		snprintf(pat, sizeof pat, c.v[i].fsuffix ? "((float)__disco_k[%zu])" : "(__disco_k[%zu])", i);
		char *q = strstr(back, pat);
		assert_non_null(q);
		char rest[1024];
		snprintf(rest, sizeof rest, "%s", q + strlen(pat));
		size_t n = c.v[i].end - c.v[i].start;
		memcpy(q, poly + c.v[i].start, n);
		snprintf(q + n, sizeof back - (size_t)(q + n - back), "%s", rest);
	}
	assert_string_equal(back, poly);
	/* The lifted source passes the prescan. */
	char *clean = NULL, msg[256];
	assert_int_equal(sbx_prescan(l, strlen(l), expev(), 1 << 16, &clean, msg, sizeof msg), 0);
	free(clean);
	free(l);
	/* Lifting the first n only. */
	l = pl_fit_lift(poly, strlen(poly), &c, 2);
	assert_non_null(strstr(l, "double __disco_k[2];\n"));
	assert_null(strstr(l, "(__disco_k[2])"));
	assert_non_null(strstr(l, "0.16666"));
	free(l);
	mut_consts_release(&c);
}

/* Each trial's outputs and score equal those of the substituted source
 * compiled and run on its own. */
static void test_trials_match_separate_runs(void **st)
{
	(void)st;
	const struct ev_evaluator *ev = expev();
	struct mut_consts c;
	char err[128];
	assert_int_equal(mut_consts_scan(poly, strlen(poly), &c, err, sizeof err), 0);
	int nk = (int)c.n, nt = 5;
	char *l = pl_fit_lift(poly, strlen(poly), &c, c.n);
	double k[5 * 5];
	for (int t = 0; t < nt; t++)
		for (int i = 0; i < nk; i++)
			k[t * nk + i] = c.v[i].value * (1 + 0.01 * (t - 2) * (i + 1));
	struct sbx_result *res = run_fit(ev, l, k, nk, nt);
	assert_int_equal(res->status, SBX_OK);
	assert_int_equal(res->ntrials, nt);
	struct outs fit[5];
	double fscore[5];
	struct pl_outcome *o = malloc(sizeof *o);
	for (int t = 0; t < nt; t++) {
		copy_outs(res, (size_t)t * res->trial_stride, &fit[t]);
		assert_int_equal(pl_fit_trial(ev, res, t, EV_TRAIN, l, strlen(l), o), 0);
		assert_int_equal(o->status, SBX_OK);
		fscore[t] = o->score;
	}
	assert_int_equal(pl_fit_trial(ev, res, nt, EV_TRAIN, l, strlen(l), o), -1);
	for (int t = 0; t < nt; t++) {
		char *src = mut_consts_render(poly, strlen(poly), &c, k + t * nk);
		struct outs one;
		run_plain(ev, src, &one);
		assert_same_outs(&fit[t], &one);
		outs_free(&one);
		assert_int_equal(pl_eval(sb, ev, src, strlen(src), EV_TRAIN, 1e-15, o, err, sizeof err), 0);
		assert_int_equal(o->status, SBX_OK);
		assert_true(o->score == fscore[t]);
		free(src);
		outs_free(&fit[t]);
	}
	assert_true(fscore[0] != fscore[2]); /* the vectors did change the program */
	free(o);
	free(l);
	mut_consts_release(&c);
}

/* Static state a trial leaves is gone before the next one, and a candidate
 * that rewrites its own __disco_k only changes its own trial. */
static void test_trials_isolated(void **st)
{
	(void)st;
	const struct ev_evaluator *ev = expev();
	static const char stateful[] =
		"double __disco_k[2];\n"
		"static double n;\n"
		"double f(double x) {\n"
		"\tdouble r = __disco_k[0] + x * __disco_k[1] + n * 1e-9;\n"
		"\tn = n + 1;\n"
		"\t__disco_k[0] = 100; __disco_k[1] = 100;\n"
		"\treturn r;\n"
		"}\n";
	double k[6] = { 1, 1, 1, 1, 1, 1 };
	struct sbx_result *res = run_fit(ev, stateful, k, 2, 3);
	assert_int_equal(res->status, SBX_OK);
	assert_int_equal(res->ntrials, 3);
	struct outs t0, t2;
	copy_outs(res, 0, &t0);
	copy_outs(res, 2 * res->trial_stride, &t2);
	assert_same_outs(&t0, &t2);
	for (int i = 0; i < 6; i++)
		assert_true(k[i] == 1); /* the engine's copy: never written */
	outs_free(&t0);
	outs_free(&t2);
}

/* A trial that crashes ends the job: no trial's outputs come back. */
static void test_crash_gets_nothing(void **st)
{
	(void)st;
	const struct ev_evaluator *ev = expev();
	static const char crash[] =
		"double __disco_k[1];\n"
		"double f(double x) {\n"
		"\tif (__disco_k[0] > 5) { volatile double *p = 0; return *p; }\n"
		"\treturn 1 + x * __disco_k[0];\n"
		"}\n";
	double k[3] = { 1, 1, 9 };
	struct sbx_result *res = run_fit(ev, crash, k, 1, 3);
	assert_int_equal(res->status, SBX_CRASH);
	assert_int_equal(res->ntrials, 0);
	for (int t = 0; t < SBX_NTASK; t++)
		assert_null(res->out[t]);
	/* Scribbling far outside its array: the same. */
	static const char wild[] =
		"double __disco_k[1];\n"
		"double f(double x) { __disco_k[-(1 << 26)] = 1; return x; }\n";
	res = run_fit(ev, wild, k, 1, 2);
	assert_true(res->status == SBX_CRASH || res->status == SBX_MEMORY);
	assert_int_equal(res->ntrials, 0);
	/* A source without the array is a compile error. */
	static const char none[] = "double f(double x) { return 1 + x; }\n";
	res = run_fit(ev, none, k, 1, 1);
	assert_int_equal(res->status, SBX_COMPILE_ERROR);
	assert_non_null(strstr(res->message, "__disco_k"));
}

static void test_bounds(void **st)
{
	(void)st;
	const struct ev_evaluator *ev = expev();
	static const char src[] = "double __disco_k[1];\ndouble f(double x) { return x * __disco_k[0]; }\n";
	static double k[SBX_FIT_MAXK * 2];
	char err[256];
	struct sbx_job job = { .ev = ev, .source = src, .tasks = SBX_TASK_STAGE(0), .kind = SBX_JOB_FIT,
	                       .consts = k, .nconst = 1, .ntrial = 0 };
	assert_int_equal(sbx_submit(sb, 0, &job, err, sizeof err), -1);
	job.ntrial = SBX_FIT_MAXT + 1;
	assert_int_equal(sbx_submit(sb, 0, &job, err, sizeof err), -1);
	job.ntrial = 1;
	job.nconst = SBX_FIT_MAXK + 1;
	assert_int_equal(sbx_submit(sb, 0, &job, err, sizeof err), -1);
	job.nconst = 1;
	job.consts = NULL;
	assert_int_equal(sbx_submit(sb, 0, &job, err, sizeof err), -1);
	k[0] = NAN;
	job.consts = k;
	assert_int_equal(sbx_submit(sb, 0, &job, err, sizeof err), -1);
	assert_non_null(strstr(err, "finite"));
	k[0] = 1;
	const struct ev_evaluator *optim = ev_find("optim");
	if (optim && optim->serve) {
		job.ev = optim;
		assert_int_equal(sbx_submit(sb, 0, &job, err, sizeof err), -1);
		assert_false(pl_fit_ok(optim));
	}
	assert_true(pl_fit_ok(ev));
}

int main(void)
{
	char err[256];
	struct sbx_limits lim;
	sbx_limits_default(&lim);
	sb = sbx_open(1, &lim, err, sizeof err);
	if (!sb)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lift_round_trips),
		cmocka_unit_test(test_trials_match_separate_runs),
		cmocka_unit_test(test_trials_isolated),
		cmocka_unit_test(test_crash_gets_nothing),
		cmocka_unit_test(test_bounds),
	};
	int rc = cmocka_run_group_tests_name("fit", tests, NULL, NULL);
	sbx_close(&sb);
	return rc;
}
