/*
 * interp.c - the in-process interpreter: an IR program as the entry point
 * of its evaluator's own run(), so probe outputs, scores and fitting runs
 * come from exactly the code that drives compiled candidates.
 *
 * The program is decoded once per run into a flat register file R[]
 * (fixed registers, temporaries, then the constants), and each
 * instruction into operand indexes into R.  A trampoline with the
 * entry's C signature (one per shape) executes it.  The program being
 * interpreted is module state (`cur` below): one run at a time per
 * process, which is how the engine uses it (one thread).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/fhash.h"
#include "engine/sym/sym.h"

struct dec {
	uint8_t op;
	uint8_t hoist;
	int16_t dst, a, b, c;
};

/* Module state, per thread (the symbolic mutator fits constants on
 * worker threads): the decoded program of the run in progress. */
static _Thread_local struct {
	const struct sym_spec *s;
	int n;
	struct dec ins[SYM_MAX_INSTR];
	double R[SYM_MAX_REG + SYM_MAX_CONST];
} cur;

static int decode(const struct sym_prog *p, char *err, size_t errlen)
{
	int type[SYM_MAX_REG];
	if (sym_check(p, type, err, errlen))
		return -1;
	const struct sym_spec *s = p->spec;
	int nreg = s->nfix + p->ntemp;
	cur.s = s;
	cur.n = p->n;
	memset(cur.R, 0, sizeof(double) * (size_t)nreg);
	for (int i = 0; i < p->nk; i++)
		cur.R[nreg + i] = p->k[i];
	for (int i = 0; i < p->n; i++) {
		const struct sym_instr *in = &p->ins[i];
		struct dec *d = &cur.ins[i];
		int16_t a3[3];
		for (int j = 0; j < 3; j++) {
			int a = j < sym_ops[in->op].arity ? in->a[j] : 0;
			a3[j] = (int16_t)(SYM_IS_K(a) ? nreg + SYM_KIDX(a) : a);
		}
		d->op = in->op;
		d->dst = in->dst;
		d->a = a3[0];
		d->b = a3[1];
		d->c = a3[2];
		d->hoist = s->shape == EV_IR_UPDATE && in->dst >= s->nfix && !type[in->dst];
	}
	return 0;
}

static inline void exec(int hoisted)
{
	double *R = cur.R;
	for (int i = 0; i < cur.n; i++) {
		const struct dec *d = &cur.ins[i];
		if (d->hoist != hoisted)
			continue;
		double a = R[d->a], b = R[d->b], v;
		/* the arithmetic rows inline (ops.c's sym_apply() spells them the
		 * same way), everything else through the table's semantics */
		switch (d->op) {
		case SYM_MOV: v = a; break;
		case SYM_ADD: v = a + b; break;
		case SYM_SUB: v = a - b; break;
		case SYM_MUL: v = a * b; break;
		case SYM_DIV: v = a / b; break;
		case SYM_NEG: v = -a; break;
		case SYM_SQUARE: v = a * a; break;
		case SYM_RECIP: v = 1.0 / a; break;
		default: v = sym_apply(d->op, a, b, R[d->c]); break;
		}
		R[d->dst] = v;
	}
}

static double tramp_func(double x)
{
	cur.R[cur.s->x_reg] = x;
	exec(0);
	return cur.R[cur.s->y_reg];
}

static void tramp_update(int n, double *w, const double *g, double *st, int t)
{
	const struct sym_spec *s = cur.s;
	double *R = cur.R;
	R[s->t_reg] = t;
	exec(1);
	for (int i = 0; i < n; i++) {
		R[s->w_reg] = w[i];
		R[s->g_reg] = g[i];
		for (int k = 0; k < s->nstate; k++)
			R[s->state_reg[k]] = st[k * n + i];
		exec(0);
		w[i] = R[s->w_reg];
		for (int k = 0; k < s->nstate; k++)
			st[k * n + i] = R[s->state_reg[k]];
	}
}

long sym_run(const struct sym_prog *p, int task, int split, double *out, size_t cap, char *err,
             size_t errlen)
{
	const struct sym_spec *s = p->spec;
	if (!s || !s->inproc) {
		snprintf(err, errlen, "evaluator %s cannot run IR programs in-process", s ? s->ev->name : "?");
		return -1;
	}
	if (decode(p, err, errlen))
		return -1;
	void *entry[EV_MAX_ENTRIES] = { 0 };
	entry[0] = s->shape == EV_IR_FUNC ? (void *)tramp_func : (void *)tramp_update;
	return s->ev->run(s->ev, entry, task, split, out, cap, err, errlen);
}

/* Module-owned output buffer, grown to the largest evaluator's need. */
static _Thread_local double *obuf;
static _Thread_local size_t obuf_cap;

void sym_thread_release(void)
{
	free(obuf);
	obuf = NULL;
	obuf_cap = 0;
}

static double *out_buf(size_t n)
{
	if (n > obuf_cap) {
		double *nb = realloc(obuf, n * sizeof *nb);
		if (!nb)
			return NULL;
		obuf = nb;
		obuf_cap = n;
	}
	return obuf;
}

int sym_probe_hash(const struct sym_prog *p, double tol, uint64_t *hash)
{
	char err[160];
	const struct ev_evaluator *ev = p->spec->ev;
	size_t cap = ev->max_outputs ? ev->max_outputs : 4096;
	double *out = out_buf(cap);
	if (!out)
		return -1;
	long n = sym_run(p, EV_TASK_PROBE, EV_TRAIN, out, cap, err, sizeof err);
	if (n < 0)
		return -1;
	*hash = fh_outputs(out, (size_t)n, tol);
	return 0;
}

int sym_score(const struct sym_prog *p, int stage, double *score, struct ev_result *res)
{
	return sym_score_split(p, stage, EV_TRAIN, score, res);
}

int sym_score_split(const struct sym_prog *p, int stage, int split, double *score,
                    struct ev_result *res)
{
	char err[160];
	const struct ev_evaluator *ev = p->spec->ev;
	size_t cap = ev->max_outputs ? ev->max_outputs : 4096;
	double *out = out_buf(cap);
	struct ev_result r;
	if (!out)
		return -1;
	long n = sym_run(p, stage, split, out, cap, err, sizeof err);
	if (n < 0)
		return -1;
	memset(&r, 0, sizeof r);
	if (ev->score(ev, stage, split, out, (size_t)n, &r) || !isfinite(r.score))
		return -1;
	*score = r.score;
	if (res)
		*res = r;
	return 0;
}

/* For the fitter: p interpreted on stage 0 of the train split, for an
 * evaluator with residuals.  Returns the output count (outputs in *out,
 * the module's buffer) or -1. */
static long run_stage0(const struct sym_prog *p, double **out)
{
	char err[160];
	const struct ev_evaluator *ev = p->spec->ev;
	if (!ev->ir->residuals)
		return -1;
	size_t ocap = ev->max_outputs ? ev->max_outputs : 4096;
	if (!(*out = out_buf(ocap)))
		return -1;
	return sym_run(p, 0, EV_TRAIN, *out, ocap, err, sizeof err);
}

/* For the fitter: stage-0 residuals, interpreted.  Returns the count or -1. */
long sym_residuals(const struct sym_prog *p, double *res, size_t cap);
long sym_residuals(const struct sym_prog *p, double *res, size_t cap)
{
	const struct ev_evaluator *ev = p->spec->ev;
	double *out;
	long n = run_stage0(p, &out);
	if (n < 0)
		return -1;
	return ev->ir->residuals(ev, 0, EV_TRAIN, out, (size_t)n, res, cap);
}

/* For the fitter: one interpreted run of stage 0 on the train split, its
 * trusted score and its residuals (*m of them).  Returns 0 or -1. */
int sym_score_residuals(const struct sym_prog *p, double *score, double *res, size_t cap, long *m);
int sym_score_residuals(const struct sym_prog *p, double *score, double *res, size_t cap, long *m)
{
	const struct ev_evaluator *ev = p->spec->ev;
	double *out;
	struct ev_result r;
	long n = run_stage0(p, &out);
	if (n < 0)
		return -1;
	memset(&r, 0, sizeof r);
	if (ev->score(ev, 0, EV_TRAIN, out, (size_t)n, &r) || !isfinite(r.score))
		return -1;
	*score = r.score;
	*m = ev->ir->residuals(ev, 0, EV_TRAIN, out, (size_t)n, res, cap);
	return *m > 0 ? 0 : -1;
}

int sym_fast_hash(const struct ev_evaluator *ev, const char *ir, double tol, uint64_t *hash)
{
	struct sym_prog p;
	char err[160];
	const struct sym_spec *s = sym_spec_of(ev, NULL, 0);
	if (!s || !s->inproc || sym_parse(ir, strlen(ir), ev, &p, err, sizeof err))
		return -1;
	return sym_fast_hash_prog(&p, tol, hash);
}

int sym_fast_hash_prog(const struct sym_prog *p, double tol, uint64_t *hash)
{
	if (!p->spec || !p->spec->inproc)
		return -1;
	return sym_probe_hash(p, tol, hash);
}
