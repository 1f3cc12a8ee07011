/*
 * test_tune.c - the constant tuner (engine/tune.c) and the constant vector
 * view of a source it works on (mut_consts_* in engine/mutate/literal.c):
 * tuning never returns a worse program, improves a mistuned one, spends
 * exactly its budget, is reproducible by seed, and leaves programs with
 * nothing to tune (or that fail) alone; with the program's IR form, the
 * symbolic fitter (sym_fit) tunes it instead.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mutate/mutate.h"
#include "engine/pipeline.h"
#include "engine/tune.h"

static struct sbx *sb;

/* exp on [-1, 1] by a degree-4 Taylor polynomial with two coefficients off. */
static const char mistuned[] =
	"/* 1 + x + x^2/2 + x^3/6 + x^4/24, with 0.5 -> 0.3 and 1/6 -> 0.3 */\n"
	"double f(double x)\n"
	"{\n"
	"\treturn 1.0 + x * (1.0 + x * (0.3 + x * (0.3 + x * 0.041666666666666664)));\n"
	"}\n";

static void test_consts_scan_render(void **st)
{
	char err[128];
	struct mut_consts c;
	const char *src = "double f(double x) { double a[3]; /* 2.5 */ return 1.5f * x - 2. + \"3.0\"[0] + 1e-3L + a[2]; }";
	assert_int_equal(mut_consts_scan(src, strlen(src), &c, err, sizeof err), 0);
	assert_int_equal(c.n, 3); /* 1.5f, 2., 1e-3L: not the comment, string, index */
	assert_true(c.v[0].value == 1.5 && c.v[0].fsuffix);
	assert_true(c.v[1].value == 2.0 && c.v[2].value == 1e-3);
	double v[3] = { -0.25, 3.0, NAN };
	char *out = mut_consts_render(src, strlen(src), &c, v);
	assert_non_null(out);
	assert_non_null(strstr(out, "(-0.25f) * x - 3.0 + \"3.0\"[0] + 1e-3L"));
	assert_non_null(strstr(out, "/* 2.5 */"));
	/* rendering the values as they are reads back the same values */
	struct mut_consts d;
	double same[3] = { 1.5, 2.0, 1e-3 };
	char *again = mut_consts_render(src, strlen(src), &c, same);
	assert_int_equal(mut_consts_scan(again, strlen(again), &d, err, sizeof err), 0);
	assert_int_equal(d.n, 3);
	for (size_t i = 0; i < 3; i++)
		assert_true(d.v[i].value == c.v[i].value);
	free(out);
	free(again);
	mut_consts_release(&c);
	mut_consts_release(&d);
}

static void test_tune_improves_and_is_reproducible(void **st)
{
	const struct ev_evaluator *ev = ev_find("expapprox");
	char err[256];
	struct tune_opts o = { 40, 7, 0, NULL };
	struct tune_result a, b;
	assert_int_equal(tune_program(sb, ev, mistuned, &o, &a, err, sizeof err), 0);
	assert_int_equal(a.nconst, 5);
	assert_int_equal(a.evals, 40);
	assert_true(isfinite(a.score0));
	assert_true(a.score > a.score0 + 0.2); /* two wrong coefficients: easy gains */
	assert_true(a.improved > 0);
	assert_string_not_equal(a.source, mistuned);
	/* the returned score is the program's own score through the pipeline */
	struct pl_outcome *out = malloc(sizeof *out);
	assert_int_equal(pl_eval(sb, ev, a.source, strlen(a.source), EV_TRAIN, 0, out, err, sizeof err), 0);
	assert_int_equal(out->status, SBX_OK);
	assert_true(out->score == a.score);
	free(out);
	/* same seed, same tuning */
	assert_int_equal(tune_program(sb, ev, mistuned, &o, &b, err, sizeof err), 0);
	assert_string_equal(a.source, b.source);
	assert_true(a.score == b.score);
	tune_result_release(&b);
	/* another seed, another path (same budget) */
	o.seed = 8;
	assert_int_equal(tune_program(sb, ev, mistuned, &o, &b, err, sizeof err), 0);
	assert_int_equal(b.evals, 40);
	assert_true(b.score >= b.score0);
	tune_result_release(&a);
	tune_result_release(&b);
}

static void test_tune_leaves_alone(void **st)
{
	const struct ev_evaluator *ev = ev_find("expapprox");
	char err[256];
	struct tune_opts o = { 10, 1, 0, NULL };
	struct tune_result r;
	/* no float constant */
	const char *none = "double f(double x) { return 1 + x; }\n";
	assert_int_equal(tune_program(sb, ev, none, &o, &r, err, sizeof err), 0);
	assert_int_equal(r.nconst, 0);
	assert_int_equal(r.evals, 0);
	assert_string_equal(r.source, none);
	tune_result_release(&r);
	/* fails as given: nothing to compare with */
	const char *broken = "double f(double x) { return 1.5 * y; }\n";
	assert_int_equal(tune_program(sb, ev, broken, &o, &r, err, sizeof err), 0);
	assert_true(isnan(r.score0));
	assert_int_equal(r.evals, 0);
	assert_string_equal(r.source, broken);
	tune_result_release(&r);
	/* a budget of 0 evaluates the input only */
	o.evals = 0;
	assert_int_equal(tune_program(sb, ev, mistuned, &o, &r, err, sizeof err), 0);
	assert_int_equal(r.evals, 0);
	assert_true(r.score == r.score0);
	tune_result_release(&r);
}

/* With its IR form, optim's SGD is tuned by the search's own fitter: the
 * step size from 0.001 to about 1.8 (train 0.44 -> above 2.4) in 12
 * scorings, where the literal tuner's (1+1)-ES gets nowhere near; the
 * result is the rendered IR, scored by the pipeline like any candidate. */
static void test_tune_ir(void **st)
{
	const struct ev_evaluator *ev = ev_find("optim");
	char err[256];
	const char *csrc = ev->seeds[0].source, *ir = ev->ir->seeds[0].source; /* sgd, both forms */
	assert_string_equal(ev->seeds[0].name, "sgd");
	assert_string_equal(ev->ir->seeds[0].name, "sgd");
	struct tune_opts o = { 12, 3, 0, ir };
	struct tune_result a, b;
	assert_int_equal(tune_program(sb, ev, csrc, &o, &a, err, sizeof err), 0);
	assert_true(a.score0 < 0.5);
	assert_true(a.score > 2.4);
	assert_true(a.evals >= 1 && a.evals <= 12);
	assert_int_equal(a.improved, 1);
	assert_non_null(strstr(a.source, "*s1 = s + n")); /* the IR template's rendering */
	struct pl_outcome *out = malloc(sizeof *out);
	assert_int_equal(pl_eval(sb, ev, a.source, strlen(a.source), EV_TRAIN, 0, out, err, sizeof err), 0);
	assert_true(out->score == a.score);
	free(out);
	assert_int_equal(tune_program(sb, ev, csrc, &o, &b, err, sizeof err), 0);
	assert_string_equal(a.source, b.source);
	tune_result_release(&b);
	/* the literal tuner, same budget, for comparison */
	o.ir = NULL;
	assert_int_equal(tune_program(sb, ev, csrc, &o, &b, err, sizeof err), 0);
	assert_int_equal(b.evals, 12);
	assert_true(b.score < a.score);
	tune_result_release(&b);
	/* an IR that does not parse: the literal tuner */
	o.ir = "sym optim\nw = frob w g\n";
	assert_int_equal(tune_program(sb, ev, csrc, &o, &b, err, sizeof err), 0);
	assert_int_equal(b.evals, 12);
	tune_result_release(&b);
	tune_result_release(&a);
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
		cmocka_unit_test(test_consts_scan_render),
		cmocka_unit_test(test_tune_improves_and_is_reproducible),
		cmocka_unit_test(test_tune_ir),
		cmocka_unit_test(test_tune_leaves_alone),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	sbx_close(&sb);
	return rc;
}
