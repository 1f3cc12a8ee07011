/* Unit tests for engine/sym: the ops table against the operation counter,
 * print/parse round trips (seeds and thousands of random mutants), the
 * checker, the simplifier, IR seeds scoring exactly like the hand-written
 * C seeds, the interpreter agreeing with compiled programs (libtcc in the
 * sandbox, through the normal pipeline), variation and constant fitting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/config.h"
#include "engine/fhash.h"
#include "engine/pipeline.h"
#include "engine/sym/sym.h"

static struct sbx *sb;
static const char *const ir_evaluators[] = { "expapprox", "logapprox", "optim", NULL };

static void parse_ok(const struct ev_evaluator *ev, const char *text, struct sym_prog *p)
{
	char err[256];
	if (sym_parse(text, strlen(text), ev, p, err, sizeof err))
		fail_msg("parse failed: %s\n%s", err, text);
}

/* Replace %a %b %c by names: the spelling's own operation count. */
static int spelling_ops(const char *c)
{
	char buf[128];
	size_t n = 0;
	for (; *c && n < sizeof buf - 4; c++) {
		if (c[0] == '%' && c[1] >= 'a' && c[1] <= 'c') {
			buf[n++] = 'v';
			buf[n++] = c[1];
			c++;
		} else {
			buf[n++] = *c;
		}
	}
	buf[n] = 0;
	return ev_count_ops(buf, n);
}

static void test_ops_table(void **st)
{
	for (int o = 0; o < SYM_NOPS; o++) {
		assert_non_null(sym_ops[o].name);
		assert_int_equal(sym_op_find(sym_ops[o].name), o);
		assert_true(sym_ops[o].arity >= 1 && sym_ops[o].arity <= 3);
		if (spelling_ops(sym_ops[o].c) != sym_ops[o].cost)
			fail_msg("op %s: cost %d but its C spelling '%s' counts %d", sym_ops[o].name,
			         sym_ops[o].cost, sym_ops[o].c, spelling_ops(sym_ops[o].c));
	}
	assert_int_equal(sym_op_find("nosuch"), -1);
	/* the campaign file's mutation_weights follow the same kinds and defaults */
	struct campaign c;
	cfg_default(&c);
	assert_int_equal(SYM_NMUT, CFG_MUTATION_KINDS);
	for (int m = 0; m < SYM_NMUT; m++) {
		assert_string_equal(cfg_mutation_weight_names[m], sym_mutation_names[m]);
		assert_true(c.symbolic.weights[m] == sym_default_weights.w[m]);
	}
	assert_true(sym_apply(SYM_LERP, 1, 3, 0.25) == 1.5);
	assert_true(sym_apply(SYM_CLIP, 5, -1, 1) == 1);
	assert_true(sym_apply(SYM_SIGN, -0.0, 0, 0) == 0);
	assert_true(isnan(sym_apply(SYM_DIV, 0, 0, 0)));
}

static void roundtrip(const struct sym_prog *p)
{
	char err[256];
	char *t1 = sym_print(p);
	assert_non_null(t1);
	struct sym_prog q;
	if (sym_parse(t1, strlen(t1), p->spec->ev, &q, err, sizeof err))
		fail_msg("re-parse failed: %s\n%s", err, t1);
	char *t2 = sym_print(&q);
	assert_non_null(t2);
	if (strcmp(t1, t2))
		fail_msg("round trip differs:\n%s---\n%s", t1, t2);
	/* every constant operand reads back bit for bit */
	assert_int_equal(p->n, q.n);
	for (int i = 0; i < p->n; i++)
		for (int j = 0; j < sym_ops[p->ins[i].op].arity; j++)
			if (SYM_IS_K(p->ins[i].a[j])) {
				assert_true(SYM_IS_K(q.ins[i].a[j]));
				assert_memory_equal(&p->k[SYM_KIDX(p->ins[i].a[j])], &q.k[SYM_KIDX(q.ins[i].a[j])],
				                    sizeof(double));
			}
	/* the renderer's C counts what the IR says */
	char *c = sym_render(p);
	assert_non_null(c);
	if (ev_count_ops(c, strlen(c)) != sym_cost(p))
		fail_msg("ops of the rendered C (%d) != sym_cost (%d):\n%s", ev_count_ops(c, strlen(c)),
		         sym_cost(p), c);
	free(c);
	free(t1);
	free(t2);
}

static void test_seeds_roundtrip(void **st)
{
	for (int e = 0; ir_evaluators[e]; e++) {
		const struct ev_evaluator *ev = ev_find(ir_evaluators[e]);
		assert_non_null(ev);
		const struct sym_spec *s = sym_spec_of(ev, NULL, 0);
		assert_non_null(s);
		int n = 0;
		for (const struct ev_seed *sd = ev->ir->seeds; sd->name; sd++, n++) {
			struct sym_prog p;
			parse_ok(ev, sd->source, &p);
			roundtrip(&p);
			sym_simplify(&p);
			roundtrip(&p);
		}
		assert_true(n >= 3);
	}
	/* expapprox-wide has no symbolic form: the literal mutator's domain */
	assert_null(sym_spec_of(ev_find("expapprox-wide"), NULL, 0));
}

static void test_parse_errors(void **st)
{
	const struct ev_evaluator *ev = ev_find("expapprox");
	struct sym_prog p;
	char err[256];
	static const struct { const char *text, *want; } cases[] = {
		{ "", "no 'sym EVALUATOR' header" },
		{ "r0 = mul x x\n", "expected the header" },
		{ "sym optim\nw = mul w g\n", "expected expapprox" },
		{ "sym expapprox\ny = mul x\n", "takes 2 operands" },
		{ "sym expapprox\ny = mul x x x\n", "one too many" },
		{ "sym expapprox\ny = frob x\n", "not an operation" },
		{ "sym expapprox\ny = sqrt x\n", "not in evaluator expapprox's vocabulary" },
		{ "sym expapprox\ny = add r3 x\n", "reads r3 before it is written" },
		{ "sym expapprox\nx = add x x\ny = mov x\n", "is an input" },
		{ "sym expapprox\nr0 = add x x\nr0 = add x x\ny = mov r0\n", "written twice" },
		{ "sym expapprox\nr0 = add x x\n", "output y is never written" },
		{ "sym expapprox\ny = add x 1e999\n", "not a finite number" },
		{ "sym expapprox\ny = add x z\n", "not a register or a number" },
		{ "sym expapprox\ny add x x\n", "expected '='" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(sym_parse(cases[i].text, strlen(cases[i].text), ev, &p, err, sizeof err), -1);
		if (!strstr(err, cases[i].want))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].want);
	}
	const struct ev_evaluator *op = ev_find("optim");
	static const char vec_in_scalar[] = "sym optim\nr0 = pow g 2.0\nw = sub w r0\n";
	assert_int_equal(sym_parse(vec_in_scalar, strlen(vec_in_scalar), op, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "scalars only"));
	/* comments and blank lines are fine */
	static const char ok[] = "# a comment\n\nsym expapprox  \n  y = add x 1.0 # x + 1\n";
	assert_int_equal(sym_parse(ok, strlen(ok), ev, &p, err, sizeof err), 0);
	assert_int_equal(p.n, 1);
}

static void simplified(const char *in, const char *want)
{
	struct sym_prog p;
	char head[64];
	const struct ev_evaluator *ev = ev_find(strncmp(in, "sym optim", 9) ? "expapprox" : "optim");
	parse_ok(ev, in, &p);
	sym_simplify(&p);
	char *t = sym_print(&p);
	snprintf(head, sizeof head, "sym %s\n", ev->name);
	if (strncmp(t, head, strlen(head)) || strcmp(t + strlen(head), want))
		fail_msg("simplify:\n%s=> got\n%s=> want\n%s", in, t, want);
	char err[128];
	assert_int_equal(sym_check(&p, NULL, err, sizeof err), 0);
	free(t);
}

static void test_simplify(void **st)
{
	/* folding, x*1, x+0, dead code, canonical operand order */
	simplified("sym expapprox\nr0 = mul 2.0 3.0\nr1 = mul x r0\nr2 = mul r1 1.0\nr3 = add 0.0 r2\n"
	           "r4 = mul x x\ny = mov r3\n",
	           "y = mul x 6\n");
	/* never folded: NaN and -0 */
	simplified("sym expapprox\nr0 = div 0.0 0.0\ny = add x r0\n", "r0 = div 0 0\ny = add x r0\n");
	simplified("sym expapprox\nr0 = neg 0.0\ny = mul x r0\n", "r0 = neg 0\ny = mul x r0\n");
	/* neg neg, commutative order, temporaries renumbered */
	simplified("sym expapprox\nr5 = neg x\nr7 = neg r5\nr2 = mul 3.0 r7\ny = add r2 x\n",
	           "r0 = mul x 3\ny = add x r0\n");
	/* a write to w that is overwritten is dead; a read of w before is not */
	simplified("sym optim\nw = mul g 2.0\nr0 = mul w 0.5\nw = sub w r0\n",
	           "w = mul g 2\nr0 = mul w 0.5\nw = sub w r0\n");
	simplified("sym optim\nw = mul g 2.0\nw = add g 1.0\n", "w = add g 1\n");
	/* a temporary copy of w is not replaced by w when w changes later */
	simplified("sym optim\nr0 = mov w\nw = mul g 2.0\nm0 = add r0 w\n",
	           "r0 = mov w\nw = mul g 2\nm0 = add w r0\n");
	/* state slots renumbered by first use */
	simplified("sym optim\nm2 = add m2 g\nw = sub w m2\n", "m0 = add g m0\nw = sub w m0\n");
	simplified("sym optim\nr0 = mul w 1.0\nw = mov r0\n", "");
}

/* Probe outputs of p interpreted. */
static long probe(const struct sym_prog *p, double *out, size_t cap)
{
	char err[160];
	return sym_run(p, EV_TASK_PROBE, EV_TRAIN, out, cap, err, sizeof err);
}

static int same_value(double a, double b, double tol)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	if (a == b)
		return 1;
	return fabs(a - b) <= tol * fmax(fabs(a), fabs(b));
}

/* Random mutants of the seeds: round trip, cost, simplification keeps
 * the function. */
static void test_mutants(void **st)
{
	struct rng r;
	rng_seed(&r, 42);
	double *o1 = malloc(8192 * sizeof *o1), *o2 = malloc(8192 * sizeof *o2);
	int checked = 0;
	for (int e = 0; ir_evaluators[e]; e++) {
		const struct ev_evaluator *ev = ev_find(ir_evaluators[e]);
		const char *names[32];
		struct sym_prog seeds[32];
		char err[256];
		int ns = sym_seeds(ev, "", names, seeds, 32, err, sizeof err);
		if (ns <= 0) {
			/* default_seeds may be one weak seed: take every seed then */
			fail_msg("%s: %s", ev->name, err);
		}
		int nall = 0;
		for (const struct ev_seed *sd = ev->ir->seeds; sd->name; sd++)
			parse_ok(ev, sd->source, &seeds[nall++]);
		for (int i = 0; i < 1500; i++) {
			struct sym_prog p = seeds[rng_below(&r, (uint64_t)nall)];
			int steps = 1 + (int)rng_below(&r, 6);
			for (int k = 0; k < steps; k++)
				sym_mutate_once(&p, (int)rng_below(&r, SYM_NMUT), &seeds[rng_below(&r, (uint64_t)nall)], &r);
			if (sym_check(&p, NULL, err, sizeof err))
				continue;
			roundtrip(&p);
			struct sym_prog q = p;
			sym_simplify(&q);
			assert_int_equal(sym_check(&q, NULL, err, sizeof err), 0);
			roundtrip(&q);
			assert_true(q.n <= p.n);
			long n1 = probe(&p, o1, 8192), n2 = probe(&q, o2, 8192);
			assert_true(n1 > 0 && n1 == n2);
			for (long j = 0; j < n1; j++)
				if (!same_value(o1[j], o2[j], 0))
					fail_msg("%s: simplification changed probe output %ld: %.17g vs %.17g", ev->name, j,
					         o1[j], o2[j]);
			/* simplification is idempotent */
			struct sym_prog q2 = q;
			sym_simplify(&q2);
			char *a = sym_print(&q), *b = sym_print(&q2);
			assert_string_equal(a, b);
			free(a);
			free(b);
			checked++;
		}
	}
	free(o1);
	free(o2);
	assert_true(checked > 2000);
}

/* Score a C source through the pipeline (probe + every stage). */
static double c_score(const struct ev_evaluator *ev, const char *src, int split)
{
	struct pl_outcome o;
	char err[256];
	assert_int_equal(pl_eval(sb, ev, src, strlen(src), split, 1e-9, &o, err, sizeof err), 0);
	if (o.status != SBX_OK)
		fail_msg("%s: %s\n%s", ev->name, o.message, src);
	return o.score;
}

static void test_seeds_score_like_c(void **st)
{
	for (int e = 0; ir_evaluators[e]; e++) {
		const struct ev_evaluator *ev = ev_find(ir_evaluators[e]);
		for (const struct ev_seed *sd = ev->ir->seeds; sd->name; sd++) {
			const char *csrc = NULL;
			for (const struct ev_seed *c = ev->seeds; c->name; c++)
				if (!strcmp(c->name, sd->name))
					csrc = c->source;
			if (!csrc)
				continue; /* weak seeds (taylor2) have no C twin */
			struct sym_prog p;
			parse_ok(ev, sd->source, &p);
			sym_simplify(&p);
			char *r = sym_render(&p);
			assert_non_null(r);
			for (int split = 0; split < 2; split++) {
				double a = c_score(ev, csrc, split), b = c_score(ev, r, split);
				if (a != b)
					fail_msg("%s seed %s split %d: C scores %.17g, IR %.17g\n%s", ev->name, sd->name,
					         split, a, b, r);
			}
			free(r);
		}
	}
}

/* Interpreted and compiled probe outputs agree on random programs. */
static void test_interpreter_vs_compiled(void **st)
{
	struct rng r;
	rng_seed(&r, 7);
	static struct sbx_result res;
	double *o1 = malloc(8192 * sizeof *o1);
	int agree = 0, total = 0, hashes = 0;
	for (int e = 0; ir_evaluators[e]; e++) {
		const struct ev_evaluator *ev = ev_find(ir_evaluators[e]);
		struct sym_prog seeds[32];
		int nall = 0;
		for (const struct ev_seed *sd = ev->ir->seeds; sd->name; sd++)
			parse_ok(ev, sd->source, &seeds[nall++]);
		int want = strcmp(ev->name, "optim") ? 1200 : 600;
		for (int i = 0; i < want; i++) {
			struct sym_prog p = seeds[rng_below(&r, (uint64_t)nall)];
			struct sym_vary_stats vs;
			struct sym_prog c;
			if (sym_vary(&p, &seeds[rng_below(&r, (uint64_t)nall)], NULL, 1e-9, 20, &r, &c, &vs))
				continue;
			char *src = sym_render(&c);
			char err[256];
			struct pl_outcome o;
			memset(&o, 0, sizeof o);
			o.stage = -1;
			assert_int_equal(pl_start(sb, 0, ev, src, strlen(src), SBX_TASK_PROBE, EV_TRAIN, &o, err, sizeof err), 1);
			assert_int_equal(sbx_wait(sb, 0, &res, err, sizeof err), 0);
			if (res.status != SBX_OK)
				fail_msg("%s: compiled child failed: %s\n%s", ev->name, res.message, src);
			long n = probe(&c, o1, 8192);
			assert_true(n == (long)res.nout[0]);
			/* bit for bit: the interpreter performs the C spelling's
			 * operations in the same order (NaN payloads aside) */
			int ok = 1;
			for (long j = 0; j < n; j++)
				ok &= same_value(o1[j], res.out[0][j], 0);
			if (!ok)
				fail_msg("%s: interpreted and compiled probe outputs differ\n%s", ev->name, src);
			agree += ok;
			uint64_t h;
			assert_int_equal(sym_probe_hash(&c, 1e-15, &h), 0);
			hashes += h == fh_outputs(res.out[0], res.nout[0], 1e-15);
			total++;
			free(src);
		}
	}
	free(o1);
	assert_true(total > 2000);
	assert_int_equal(agree, total);
	assert_int_equal(hashes, total);
}

static void test_vary_deterministic(void **st)
{
	const struct ev_evaluator *ev = ev_find("expapprox");
	struct sym_prog p, a, b;
	parse_ok(ev, ev->ir->seeds[0].source, &p);
	struct rng r1, r2;
	for (int i = 0; i < 50; i++) {
		rng_seed(&r1, 100 + i);
		rng_seed(&r2, 100 + i);
		assert_int_equal(sym_vary(&p, NULL, NULL, 1e-9, 20, &r1, &a, NULL), 0);
		assert_int_equal(sym_vary(&p, NULL, NULL, 1e-9, 20, &r2, &b, NULL), 0);
		char *ta = sym_print(&a), *tb = sym_print(&b), *tp = sym_print(&p);
		assert_string_equal(ta, tb);
		assert_string_not_equal(ta, tp);
		uint64_t hp, ha;
		assert_int_equal(sym_probe_hash(&p, 1e-9, &hp), 0);
		assert_int_equal(sym_probe_hash(&a, 1e-9, &ha), 0);
		assert_true(hp != ha); /* functionally different from the parent */
		free(ta);
		free(tb);
		free(tp);
	}
	/* From a prepared parent (what the symbolic mutator keeps per parsed
	 * parent, with the parent's probe hash): the same children from the
	 * same draws, and the child's probe hash reported as sym_probe_hash
	 * computes it (the loop uses it instead of hashing again). */
	for (int e = 0; ir_evaluators[e]; e++) {
		const struct ev_evaluator *ev2 = ev_find(ir_evaluators[e]);
		for (int s = 0; ev2->ir->seeds[s].name; s++) {
			struct sym_prog q;
			parse_ok(ev2, ev2->ir->seeds[s].source, &q);
			struct sym_vary_base vb;
			sym_vary_prepare(&q, 1e-15, &vb);
			for (int i = 0; i < 40; i++) {
				struct sym_vary_stats sa, sb2;
				rng_seed(&r1, 7 * i + s);
				rng_seed(&r2, 7 * i + s);
				int ra = sym_vary(&q, NULL, NULL, 1e-15, 24, &r1, &a, &sa);
				int rb = sym_vary_from(&vb, NULL, NULL, 24, &r2, &b, &sb2);
				assert_int_equal(ra, rb);
				assert_true(rng_u64(&r1) == rng_u64(&r2));
				if (ra)
					continue;
				assert_memory_equal(&sa, &sb2, sizeof sa);
				char *ta = sym_print(&a), *tb = sym_print(&b);
				assert_string_equal(ta, tb);
				free(ta);
				free(tb);
				assert_int_equal(sa.has_hash, vb.have_ph);
				if (sa.has_hash) {
					uint64_t h;
					assert_int_equal(sym_probe_hash(&a, 1e-15, &h), 0);
					assert_true(h == sa.hash);
					assert_true(h != vb.ph);
				}
			}
		}
	}
}

/* Constants are written as the first of %.15g, %.16g, %.17g that reads
 * back exactly (prog.c, memoized; the digits come from one %.16e):
 * compared with that rule through printf on ~100,000 numbers, each twice
 * (the second time from the memo). */
size_t sym_fmt_double(double v, char *out, size_t len); /* prog.c */

static void fmt_rule(double v, char *out, size_t len)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, len, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			break;
	}
}

static void test_fmt_double(void **st)
{
	struct rng r;
	rng_seed(&r, 99);
	char got[40], want[40];
	for (int i = 0; i < 100000; i++) {
		double v;
		switch (i % 4) {
		case 0: {
			uint64_t bits = rng_u64(&r);
			memcpy(&v, &bits, sizeof v);
			if (!isfinite(v))
				v = 1.5;
			break;
		}
		case 1: { /* short decimals */
			char t[40];
			snprintf(t, sizeof t, "%.*g", 1 + (int)rng_below(&r, 17), rng_normal(&r) * pow(10, (int)rng_below(&r, 20) - 10));
			v = strtod(t, NULL);
			break;
		}
		case 2: /* near powers of ten */
			v = nextafter(pow(10, (int)rng_below(&r, 60) - 30), rng_below(&r, 2) ? INFINITY : 0);
			break;
		default:
			v = rng_normal(&r);
			break;
		}
		for (int k = 0; k < 2; k++) {
			size_t n = sym_fmt_double(v, got, sizeof got);
			fmt_rule(v, want, sizeof want);
			if (strcmp(got, want) || n != strlen(want))
				fail_msg("%a: '%s' (%zu), printf rule '%s'", v, got, n, want);
		}
	}
	static const double fixed[] = { 0.0, -0.0, 1, -1, 0.1, 1e15, 1e16, 1e17, 1e-5, 1e-4, 123456789012345.6,
	                                0.30000000000000004, 5e-324, 1.7976931348623157e308 };
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		sym_fmt_double(fixed[i], got, sizeof got);
		fmt_rule(fixed[i], want, sizeof want);
		assert_string_equal(got, want);
	}
}

/* merge folds a chain's two constants into one, one operation less */
static void test_merge(void **st)
{
	const struct ev_evaluator *ev = ev_find("expapprox");
	static const struct { const char *in, *want; } cases[] = {
		{ "sym expapprox\nr0 = mul x 2\nr1 = mul r0 3\ny = add r1 x\n", "r0 = mul x 6\ny = add x r0\n" },
		{ "sym expapprox\nr0 = add x 2\nr1 = sub r0 0.5\ny = mul r1 x\n", "r0 = add x 1.5\ny = mul x r0\n" },
		{ "sym expapprox\nr0 = mul x 4\nr1 = div r0 2\ny = add r1 1\n", "r0 = mul x 2\ny = add r0 1\n" },
	};
	struct rng r;
	rng_seed(&r, 5);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sym_prog p;
		parse_ok(ev, cases[i].in, &p);
		int before = sym_cost(&p);
		assert_int_equal(sym_mutate_once(&p, SYM_M_MERGE, NULL, &r), 0);
		char err[128];
		assert_int_equal(sym_check(&p, NULL, err, sizeof err), 0);
		sym_simplify(&p);
		assert_int_equal(sym_cost(&p), before - 1);
		char *t = sym_print(&p);
		if (strcmp(t + strlen("sym expapprox\n"), cases[i].want))
			fail_msg("merge %zu: got\n%s", i, t);
		free(t);
	}
	/* a shared inner result is left alone */
	struct sym_prog q;
	parse_ok(ev, "sym expapprox\nr0 = mul x 2\nr1 = mul r0 3\ny = add r1 r0\n", &q);
	assert_int_equal(sym_mutate_once(&q, SYM_M_MERGE, NULL, &r), -1);
}

/* wrap: the value written to y passes through one more op; children are
 * checked, cost the op more, and keep the old computation as its operand */
static void test_wrap(void **st)
{
	const struct ev_evaluator *ev = ev_find("expapprox");
	static const char t2[] = "sym expapprox\nr0 = mul x 0.5\nr1 = add 1 r0\nr2 = mul x r1\ny = add 1 r2\n";
	struct rng r;
	rng_seed(&r, 9);
	int squares = 0, ok = 0;
	for (int i = 0; i < 200; i++) {
		struct sym_prog p, q;
		parse_ok(ev, t2, &p);
		q = p;
		if (sym_mutate_once(&q, SYM_M_WRAP, NULL, &r))
			continue;
		char err[128];
		assert_int_equal(sym_check(&q, NULL, err, sizeof err), 0);
		assert_int_equal(q.n, p.n + 1);
		const struct sym_instr *last = &q.ins[q.n - 1], *prev = &q.ins[q.n - 2];
		assert_int_equal(last->dst, p.ins[p.n - 1].dst); /* y */
		assert_int_equal(last->a[0], prev->dst);         /* the old value */
		assert_int_equal(sym_cost(&q), sym_cost(&p) + sym_ops[last->op].cost);
		assert_true(sym_ops[last->op].cost > 0);
		squares += last->op == SYM_SQUARE;
		ok++;
	}
	assert_true(ok > 100 && squares > 10);
	/* a program without a write to a fixed register has nothing to wrap */
	struct sym_prog e;
	parse_ok(ev, "sym expapprox\ny = mul x 2\n", &e);
	e.n = 0;
	assert_int_equal(sym_mutate_once(&e, SYM_M_WRAP, NULL, &r), -1);
}

static void test_fit(void **st)
{
	/* taylor3's constants, spoiled, fitted back by least squares */
	const struct ev_evaluator *ev = ev_find("expapprox");
	struct sym_prog p;
	static const char spoiled[] = "sym expapprox\nr0 = mul x 0.3\nr1 = add 0.2 r0\nr2 = mul x r1\n"
	                              "r3 = add 1.3 r2\nr4 = mul x r3\ny = add 0.8 r4\n";
	parse_ok(ev, spoiled, &p);
	double before, after;
	assert_int_equal(sym_score(&p, 0, &before, NULL), 0);
	struct rng r;
	rng_seed(&r, 1);
	int evals = sym_fit(&p, 60, &r, &after);
	assert_true(evals > 1 && evals <= 60);
	assert_true(after > before + 1.0);
	double check;
	assert_int_equal(sym_score(&p, 0, &check, NULL), 0);
	assert_true(check == after);
	/* near the minimax cubic (2.30 digits): least squares reweighted */
	assert_true(after > 2.2);
	/* linear in its constants: taylor7's Horner form reaches the minimax
	 * polynomial of degree 7 (6.72 digits) in one Jacobian (8 constants)
	 * and a few steps */
	const char *names[1];
	char serr[160];
	assert_int_equal(sym_seeds(ev, "taylor7", names, &p, 1, serr, sizeof serr), 1);
	assert_int_equal(sym_score(&p, 0, &before, NULL), 0);
	evals = sym_fit(&p, 40, &r, &after);
	assert_true(evals <= 40);
	assert_true(before < 4.3 && after > 6.62);
	/* nonlinear, far off and clipped at score 0: the (2,2) rational in
	 * even/odd form squared, started at exp(x)'s constants, not exp(x/2)'s,
	 * reaches the squared minimax rational's 5.2 digits */
	parse_ok(ev, "sym expapprox\nr0 = square x\nr1 = mul r0 0.16666666666666666\nr2 = add r1 2\n"
	             "r3 = add r2 x\nr4 = sub r2 x\nr5 = div r3 r4\ny = square r5\n", &p);
	assert_int_equal(sym_score(&p, 0, &before, NULL), 0);
	evals = sym_fit(&p, 60, &r, &after);
	assert_true(evals <= 60);
	assert_true(before < 0.5 && after > 5.2);
	assert_int_equal(sym_score(&p, 0, &check, NULL), 0);
	assert_true(check == after);
	/* redundant constants (N/D with N and D scaled by one factor): no step
	 * along the null direction, the minimax (2,2) rational's 4.06 digits */
	parse_ok(ev, "sym expapprox\nr0 = square x\nr1 = mul r0 0.2\nr2 = add r1 2.5\nr3 = mul x 1.1\n"
	             "r4 = add r2 r3\nr5 = sub r2 r3\ny = div r4 r5\n", &p);
	evals = sym_fit(&p, 40, &r, &after);
	assert_true(evals <= 40 && after > 4.0);
	for (int i = 0; i < p.nk; i++)
		assert_true(fabs(p.k[i]) < 100);
	/* derivative-free on optim: never worse, bounded */
	const struct ev_evaluator *op = ev_find("optim");
	struct sym_prog q;
	parse_ok(op, op->ir->seeds[0].source, &q); /* sgd, lr 0.001 */
	assert_int_equal(sym_score(&q, op->nstages - 1, &before, NULL), 0);
	evals = sym_fit(&q, 12, &r, &after);
	assert_true(evals >= 1 && evals <= 12);
	assert_true(after >= before);
}

/* A batch of IR programs in one child scores each exactly as alone (the
 * batch child runs score() itself, next to the programs; alone, the
 * engine scores the outputs). */
static void test_batch(void **st)
{
	static struct sbx_result res;
	struct rng r;
	rng_seed(&r, 11);
	for (int e = 0; ir_evaluators[e]; e++) {
		const struct ev_evaluator *ev = ev_find(ir_evaluators[e]);
		const struct ev_evaluator *w = sym_batch_ev(ev);
		assert_non_null(w);
		int k = sym_batch_capacity(ev, SBX_TASK_PROBE | SBX_TASK_STAGE(0));
		assert_true(k >= 8);
		if (e > 0 && k > 24) /* the first evaluator's batch is a full one */
			k = 24;
		static struct sym_prog progs[SYM_BATCH_MAX];
		const struct sym_prog *pp[SYM_BATCH_MAX];
		struct sym_prog seed;
		parse_ok(ev, ev->ir->seeds[0].source, &seed);
		for (int i = 0; i < k; i++) {
			assert_int_equal(sym_vary(&seed, NULL, NULL, 1e-15, 24, &r, &progs[i], NULL), 0);
			pp[i] = &progs[i];
		}
		char *src = sym_batch_source(pp, k);
		assert_non_null(src);
		char err[256], *clean = NULL;
		struct pl_outcome bo;
		memset(&bo, 0, sizeof bo);
		/* a full batch fits a small memory limit (sandbox.memory_mb 24):
		 * what the child reserves for outputs does not grow with it */
		struct sbx_limits small;
		sbx_limits_default(&small);
		small.mem_bytes = 24u << 20;
		sbx_set_limits(sb, &small);
		assert_int_equal(pl_start(sb, 0, w, src, strlen(src), SBX_TASK_PROBE | SBX_TASK_STAGE(0), EV_TRAIN,
		                          &bo, err, sizeof err), 1);
		assert_int_equal(sbx_wait(sb, 0, &res, err, sizeof err), 0);
		sbx_limits_default(&small);
		sbx_set_limits(sb, &small);
		if (res.status != SBX_OK)
			fail_msg("%s batch: %s\n%s", ev->name, res.message, src);
		/* the slices point into the slot: finish them all before reusing it */
		static struct pl_outcome a[SYM_BATCH_MAX];
		for (int i = 0; i < k; i++) {
			struct sbx_result one;
			if (sym_batch_split(&res, k, i, &one))
				fail_msg("%s: split %d of %d failed", ev->name, i, k);
			char *ci = sym_render(&progs[i]);
			memset(&a[i], 0, sizeof a[i]);
			a[i].stage = -1;
			pl_finish(ev, &one, EV_TRAIN, 1e-15, ci, strlen(ci), &a[i]);
			free(ci);
		}
		/* a header that does not match the job is refused */
		struct sbx_result one;
		assert_int_equal(sym_batch_split(&res, k + 1, 0, &one), -1);
		assert_int_equal(sym_batch_split(&res, k, k, &one), -1);
		assert_int_equal(sym_batch_check(&res, k), 0);
		assert_int_equal(sym_batch_check(&res, k + 1), -1);
		assert_int_equal(sym_batch_check(&res, k - 1), -1);
		for (int i = 0; i < k; i++) {
			char *ci = sym_render(&progs[i]);
			struct pl_outcome b;
			memset(&b, 0, sizeof b);
			b.stage = -1;
			static struct sbx_result alone;
			assert_int_equal(pl_start(sb, 0, ev, ci, strlen(ci), SBX_TASK_PROBE | SBX_TASK_STAGE(0), EV_TRAIN,
			                          &b, err, sizeof err), 1);
			assert_int_equal(sbx_wait(sb, 0, &alone, err, sizeof err), 0);
			pl_finish(ev, &alone, EV_TRAIN, 1e-15, ci, strlen(ci), &b);
			assert_int_equal(a[i].status, b.status);
			assert_true(a[i].fhash == b.fhash);
			if (b.status == SBX_OK) {
				/* the batch child scored it; alone, the engine did: the same */
				assert_true(a[i].score == b.score && a[i].stage == b.stage);
				assert_int_equal(a[i].ev.nmetrics, b.ev.nmetrics);
				for (int m = 0; m < b.ev.nmetrics; m++) {
					assert_string_equal(a[i].ev.metrics[m].name, b.ev.metrics[m].name);
					assert_true(a[i].ev.metrics[m].value == b.ev.metrics[m].value);
				}
				for (int d = 0; d < ev->ndims; d++)
					assert_true(a[i].ev.desc[d] == b.ev.desc[d]);
			} else {
				assert_string_equal(a[i].message, b.message);
			}
			uint64_t h;
			assert_int_equal(sym_probe_hash(&progs[i], 1e-15, &h), 0);
			assert_true(h == a[i].fhash);
			free(ci);
		}
		free(clean);
		free(src);
	}
	assert_null(sym_batch_ev(ev_find("expapprox-wide")));
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
		cmocka_unit_test(test_ops_table),
		cmocka_unit_test(test_seeds_roundtrip),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_simplify),
		cmocka_unit_test(test_mutants),
		cmocka_unit_test(test_seeds_score_like_c),
		cmocka_unit_test(test_interpreter_vs_compiled),
		cmocka_unit_test(test_vary_deterministic),
		cmocka_unit_test(test_fmt_double),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_batch),
	};
	int rc = cmocka_run_group_tests_name("sym", tests, NULL, NULL);
	sbx_close(&sb);
	return rc;
}
