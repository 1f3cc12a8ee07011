/* Unit tests for symbolic search on update rules (optim): the
 * derivative-free fitter's step-size line search (engine/sym/fit.c) and
 * the insert that turns an operand into a running mean of itself
 * (engine/sym/vary.c, m_accumulate).  Everything runs in-process through
 * the interpreter; no sandbox. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sym/sym.h"

static const struct ev_evaluator *optim(void)
{
	const struct ev_evaluator *ev = ev_find("optim");
	assert_non_null(ev);
	return ev;
}

static void parse_ok(const struct ev_evaluator *ev, const char *text, struct sym_prog *p)
{
	char err[256];
	if (sym_parse(text, strlen(text), ev, p, err, sizeof err))
		fail_msg("parse failed: %s\n%s", err, text);
}

static double train(const struct sym_prog *p)
{
	double sc;
	assert_int_equal(sym_score(p, p->spec->ev->nstages - 1, &sc, NULL), 0);
	return sc;
}

/* SGD's step (0.001) is decades too small; the line search finds the
 * tuned one (about 1.8: train 2.56) in a dozen scorings and folds the
 * factor into the constant, so the program keeps its two instructions. */
static void test_step_size_first(void **st)
{
	const struct ev_evaluator *ev = optim();
	struct sym_prog p;
	parse_ok(ev, "sym optim\nr0 = mul 0.001 g\nw = sub w r0\n", &p);
	double before = train(&p), after;
	struct rng r;
	rng_seed(&r, 1);
	int evals = sym_fit(&p, 12, &r, &after);
	assert_true(evals > 1 && evals <= 12);
	assert_true(before < 0.5);
	assert_true(after > 2.4);
	assert_true(train(&p) == after);  /* the reported score is the program's */
	assert_int_equal(p.n, 2);         /* folded: no extra instruction */
	assert_int_equal(p.ins[0].op, SYM_MUL);
	assert_true(p.k[SYM_KIDX(p.ins[0].a[0])] > 0.3 || p.k[SYM_KIDX(p.ins[0].a[1])] > 0.3);
	/* momentum from a step 1e-4: well above its default (0.44) */
	parse_ok(ev, "sym optim\nr0 = mul 0.9 m0\nm0 = add r0 g\nr1 = mul 0.0001 m0\nw = sub w r1\n", &p);
	sym_fit(&p, 12, &r, &after);
	assert_true(after > 3.0);
	assert_int_equal(p.n, 4);
}

/* When X has no constant of its own the factor stays as an instruction;
 * an update that is not w - X or w + X gets no line search; either way
 * the fitter never returns anything worse than its input. */
static void test_step_size_shapes(void **st)
{
	const struct ev_evaluator *ev = optim();
	struct sym_prog p;
	struct rng r;
	rng_seed(&r, 2);
	double before, after;
	/* w -= sign(g): X = sign g has no constant */
	parse_ok(ev, "sym optim\nr0 = sign g\nw = sub w r0\n", &p);
	before = train(&p);
	sym_fit(&p, 12, &r, &after);
	assert_true(after > before);
	assert_int_equal(p.n, 3);
	assert_int_equal(p.ins[1].op, SYM_MUL);
	assert_true(train(&p) == after);
	/* w = w * 0.999 - 0.001 g: not of the form w - X */
	parse_ok(ev, "sym optim\nr0 = mul 0.001 g\nr1 = mul w 0.999\nw = sub r1 r0\n", &p);
	before = train(&p);
	int n = p.n;
	sym_fit(&p, 6, &r, &after);
	assert_true(after >= before);
	assert_int_equal(p.n, n);
	assert_true(train(&p) == after);
}

static int reads(const struct sym_prog *p, int from, int reg)
{
	for (int i = from; i < p->n; i++)
		for (int a = 0; a < sym_ops[p->ins[i].op].arity; a++)
			if (p->ins[i].a[a] == reg)
				return 1;
	return 0;
}

/* From SGD, inserts sometimes make momentum's running mean in one step:
 * m = lerp(m, g, k) with a small k, read where g was; the child checks,
 * and it is a different function from its parent. */
static void test_accumulate(void **st)
{
	const struct ev_evaluator *ev = optim();
	const struct sym_spec *s = sym_spec_of(ev, NULL, 0);
	struct sym_prog sgd;
	parse_ok(ev, "sym optim\nr0 = mul 0.001 g\nw = sub w r0\n", &sgd);
	uint64_t h0, h1;
	assert_int_equal(sym_probe_hash(&sgd, 1e-15, &h0), 0);
	int found = 0;
	struct rng r;
	rng_seed(&r, 3);
	for (int t = 0; t < 400; t++) {
		struct sym_prog c = sgd;
		if (sym_mutate_once(&c, SYM_M_INSERT, NULL, &r))
			continue;
		char err[128];
		int type[SYM_MAX_REG];
		if (sym_check(&c, type, err, sizeof err))
			continue;
		for (int i = 0; i < c.n; i++) {
			const struct sym_instr *in = &c.ins[i];
			if (in->op != SYM_LERP || in->dst >= s->nfix || s->access[in->dst] != EV_IR_STATE)
				continue;
			assert_int_equal(in->a[0], in->dst);       /* m + k (X - m) */
			assert_true(type[in->a[1]]);               /* X a vector */
			assert_true(SYM_IS_K(in->a[2]));
			double k = c.k[SYM_KIDX(in->a[2])];
			assert_true(k >= 0.001 * 0.999 && k <= 0.32); /* 10^-U(0.5, 3) */
			assert_true(reads(&c, i + 1, in->dst));     /* the mean is used */
			assert_int_equal(sym_probe_hash(&c, 1e-15, &h1), 0);
			assert_true(h1 != h0);
			found++;
		}
	}
	assert_true(found >= 10); /* about one insert in 4 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_step_size_first),
		cmocka_unit_test(test_step_size_shapes),
		cmocka_unit_test(test_accumulate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
