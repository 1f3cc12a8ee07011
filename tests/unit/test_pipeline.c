/* Unit tests for engine/pipeline.c: the cascade split across sandbox jobs
 * (as the evolution loop runs it) agrees with one job doing every stage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/pipeline.h"

static struct sbx *sb;

static const char *seed(const struct ev_evaluator *ev, const char *name)
{
	for (const struct ev_seed *s = ev->seeds; s->name; s++)
		if (!strcmp(s->name, name))
			return s->source;
	fail_msg("no seed %s", name);
	return NULL;
}

static void run_job(const struct ev_evaluator *ev, const char *src, unsigned tasks, struct pl_outcome *o,
                    int *next)
{
	char err[256];
	static struct sbx_result res;
	assert_int_equal(pl_start(sb, 0, ev, src, strlen(src), tasks, EV_TRAIN, o, err, sizeof err), 1);
	assert_int_equal(sbx_wait(sb, 0, &res, err, sizeof err), 0);
	*next = pl_finish(ev, &res, EV_TRAIN, 1e-15, src, strlen(src), o);
}

static void test_cascade_in_two_jobs(void **st)
{
	const struct ev_evaluator *ev = ev_find("optim");
	assert_non_null(ev);
	assert_true(ev->nstages >= 2);
	const char *src = seed(ev, "adam");
	struct pl_outcome split, whole;
	char err[256];
	memset(&split, 0, sizeof split);
	split.stage = -1;
	int next;
	run_job(ev, src, SBX_TASK_PROBE | SBX_TASK_STAGE(0), &split, &next);
	assert_int_equal(split.status, SBX_OK);
	assert_int_equal(split.stage, 0);
	assert_int_equal(next, 1); /* stage 0 passed: stage 1 still to run */
	assert_true(split.has_fhash);
	run_job(ev, src, pl_stage_tasks(ev, next), &split, &next);
	assert_int_equal(split.status, SBX_OK);
	assert_int_equal(next, -1);
	assert_int_equal(split.stage, ev->nstages - 1);
	assert_int_equal(pl_eval(sb, ev, src, strlen(src), EV_TRAIN, 1e-15, &whole, err, sizeof err), 0);
	assert_int_equal(whole.stage, ev->nstages - 1);
	assert_true(whole.score == split.score);
	assert_true(whole.fhash == split.fhash);
}

static void test_stops_below_threshold(void **st)
{
	const struct ev_evaluator *ev = ev_find("optim");
	/* Diverges at once: stage 0 score below its threshold, no stage 1. */
	static const char src[] = "void step(int n, double *w, const double *g, double *s, int t)\n"
	                          "{ for (int i = 0; i < n; i++) w[i] += 10.0 * g[i]; }\n";
	struct pl_outcome o;
	char err[256];
	assert_int_equal(pl_eval(sb, ev, src, strlen(src), EV_TRAIN, 1e-15, &o, err, sizeof err), 0);
	assert_int_equal(o.status, SBX_OK);
	assert_int_equal(o.stage, 0);
	assert_false(o.passed);
	assert_true(o.score < ev->stages[0].threshold);
}

static void test_rejected_and_failed(void **st)
{
	const struct ev_evaluator *ev = ev_find("expapprox");
	struct pl_outcome o;
	char err[256];
	static const char inc[] = "#include </etc/passwd>\n";
	assert_int_equal(pl_eval(sb, ev, inc, strlen(inc), EV_TRAIN, 1e-15, &o, err, sizeof err), 0);
	assert_int_equal(o.status, SBX_REJECTED);
	assert_true(isnan(o.score));
	static const char nan[] = "double f(double x) { return 0.0 / 0.0; }\n";
	assert_int_equal(pl_eval(sb, ev, nan, strlen(nan), EV_TRAIN, 1e-15, &o, err, sizeof err), 0);
	assert_int_equal(o.status, SBX_INVALID_OUTPUT);
	assert_non_null(strstr(o.message, "NaN"));
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
		cmocka_unit_test(test_cascade_in_two_jobs),
		cmocka_unit_test(test_stops_below_threshold),
		cmocka_unit_test(test_rejected_and_failed),
	};
	int rc = cmocka_run_group_tests_name("pipeline", tests, NULL, NULL);
	sbx_close(&sb);
	return rc;
}
