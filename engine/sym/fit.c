/*
 * fit.c - constant fitting: the structure comes from mutation, the
 * constants from a local optimizer, so a good structure is not lost to bad
 * constants (PySR's BFGS step, LLM-SR, AutoNumerics-Zero).
 *
 * Everything runs in this process through the interpreter (interp.c) and
 * the evaluator's own run() and score(): no compilation per trial, the
 * constants are simply the program's k[] array.  The objective is the
 * evaluator's trusted score of its last stage on the train split.
 *
 * With residuals (ev_ir.residuals, e.g. relative errors at every point):
 * Levenberg-Marquardt on weighted least squares, the weights updated
 * after every accepted step by Lawson's rule (w_i <- w_i |r_i|, then
 * normalized), which moves the least-squares solution toward the minimax
 * (max-norm) one that -log10(max rel err) rewards.  The Jacobian is taken
 * by forward differences (one run per constant).  Without residuals
 * (optim): the step size first, by a line search over log10 of one factor
 * on the update (w = w - X: X's scale; up to 10 scorings, folded into X's
 * constant), then a (1+1) evolution strategy on one or two constants at a
 * time, in log scale (and in log(1 - k) for k in (0, 1)), with the 1/5
 * success rule.  A step is kept only when the trusted score improves.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sym/sym.h"

long sym_residuals(const struct sym_prog *p, double *res, size_t cap); /* interp.c */

#define FIT_MAXK 24

/* Constants actually used by p (indexes into k[]), at most FIT_MAXK. */
static int used_consts(const struct sym_prog *p, int *idx)
{
	int n = 0;
	unsigned char seen[SYM_MAX_CONST] = { 0 };
	for (int i = 0; i < p->n; i++)
		for (int s = 0; s < sym_ops[p->ins[i].op].arity; s++) {
			int a = p->ins[i].a[s];
			if (SYM_IS_K(a) && !seen[SYM_KIDX(a)] && n < FIT_MAXK) {
				seen[SYM_KIDX(a)] = 1;
				idx[n++] = SYM_KIDX(a);
			}
		}
	return n;
}

/* Solve A x = b (n x n, row-major) by Gaussian elimination with partial
 * pivoting; A and b are destroyed.  -1 when singular. */
static int solve(int n, double *A, double *b, double *x)
{
	for (int c = 0; c < n; c++) {
		int piv = c;
		for (int r = c + 1; r < n; r++)
			if (fabs(A[r * n + c]) > fabs(A[piv * n + c]))
				piv = r;
		if (!(fabs(A[piv * n + c]) > 1e-300))
			return -1;
		if (piv != c) {
			for (int k = 0; k < n; k++) {
				double t = A[c * n + k];
				A[c * n + k] = A[piv * n + k];
				A[piv * n + k] = t;
			}
			double t = b[c];
			b[c] = b[piv];
			b[piv] = t;
		}
		for (int r = c + 1; r < n; r++) {
			double f = A[r * n + c] / A[c * n + c];
			for (int k = c; k < n; k++)
				A[r * n + k] -= f * A[c * n + k];
			b[r] -= f * b[c];
		}
	}
	for (int r = n - 1; r >= 0; r--) {
		double s = b[r];
		for (int k = r + 1; k < n; k++)
			s -= A[r * n + k] * x[k];
		x[r] = s / A[r * n + r];
	}
	for (int r = 0; r < n; r++)
		if (!isfinite(x[r]))
			return -1;
	return 0;
}

static int fit_lm(struct sym_prog *p, int stage, int max_evals, double *best)
{
	int idx[FIT_MAXK], nk = used_consts(p, idx), evals = 0;
	const struct ev_evaluator *ev = p->spec->ev;
	size_t cap = ev->max_outputs ? ev->max_outputs : 4096;
	double *r0 = malloc(cap * sizeof *r0), *wt = malloc(cap * sizeof *wt);
	double *J = malloc(cap * (size_t)(nk ? nk : 1) * sizeof *J);
	if (!r0 || !wt || !J || !nk)
		goto out;
	long m = sym_residuals(p, r0, cap);
	evals++;
	if (m <= 0)
		goto out;
	for (long i = 0; i < m; i++)
		wt[i] = 1.0 / (double)m;
	double lambda = 1e-3;
	while (evals + nk + 1 <= max_evals) {
		/* Jacobian at the current constants */
		struct sym_prog q = *p;
		int bad = 0;
		for (int j = 0; j < nk && !bad; j++) {
			double k = p->k[idx[j]], h = 1e-7 * (fabs(k) > 1e-3 ? fabs(k) : 1e-3);
			q.k[idx[j]] = k + h;
			long mj = sym_residuals(&q, J + (size_t)j * (size_t)m, (size_t)m);
			evals++;
			q.k[idx[j]] = k;
			if (mj != m) {
				bad = 1;
				break;
			}
			for (long i = 0; i < m; i++)
				J[(size_t)j * (size_t)m + i] = (J[(size_t)j * (size_t)m + i] - r0[i]) / h;
		}
		if (bad)
			break;
		double A[FIT_MAXK * FIT_MAXK], g[FIT_MAXK], d[FIT_MAXK];
		for (int a = 0; a < nk; a++) {
			const double *Ja = J + (size_t)a * (size_t)m;
			double s = 0;
			for (long i = 0; i < m; i++)
				s += wt[i] * Ja[i] * r0[i];
			g[a] = -s;
			for (int b = a; b < nk; b++) {
				const double *Jb = J + (size_t)b * (size_t)m;
				double t = 0;
				for (long i = 0; i < m; i++)
					t += wt[i] * Ja[i] * Jb[i];
				A[a * nk + b] = A[b * nk + a] = t;
			}
		}
		int accepted = 0;
		for (int tries = 0; tries < 3 && evals < max_evals; tries++) {
			double M[FIT_MAXK * FIT_MAXK], rhs[FIT_MAXK];
			memcpy(M, A, sizeof(double) * (size_t)(nk * nk));
			memcpy(rhs, g, sizeof(double) * (size_t)nk);
			for (int a = 0; a < nk; a++)
				M[a * nk + a] += lambda * (A[a * nk + a] > 0 ? A[a * nk + a] : 1e-30);
			if (solve(nk, M, rhs, d)) {
				lambda *= 10;
				continue;
			}
			struct sym_prog c = *p;
			for (int j = 0; j < nk; j++)
				c.k[idx[j]] += d[j];
			double sc;
			evals++;
			if (sym_score(&c, stage, &sc, NULL) == 0 && sc > *best) {
				*best = sc;
				*p = c;
				lambda = lambda / 3 > 1e-9 ? lambda / 3 : 1e-9;
				accepted = 1;
				break;
			}
			lambda *= 8;
		}
		if (!accepted && lambda > 1e6)
			break;
		long mm = sym_residuals(p, r0, cap);
		evals++;
		if (mm != m)
			break;
		/* Lawson: weight the points where the error is largest */
		double tot = 0;
		for (long i = 0; i < m; i++) {
			wt[i] *= fabs(r0[i]) + 1e-300;
			tot += wt[i];
		}
		if (!(tot > 0) || !isfinite(tot))
			break;
		for (long i = 0; i < m; i++)
			wt[i] /= tot;
	}
out:
	free(r0);
	free(wt);
	free(J);
	return evals;
}

static double step_const(double k, double sig, struct rng *r)
{
	if (k > 0 && k < 1 && rng_double(r) < 0.5)
		return 1.0 - (1.0 - k) * exp(sig * rng_normal(r));
	if (k == 0)
		return sig * 0.1 * rng_normal(r);
	return k * exp(sig * rng_normal(r));
}

/* ---- derivative-free fitting: the step size first ------------------------
 *
 * In an update rule (EV_IR_UPDATE) whose last write of the updated
 * register is  w = w - X  or  w = w + X  (every optim seed), X's scale is
 * the step size, the constant that matters most and the one a mutated
 * structure most often gets wrong by decades (SGD's 0.001 against a tuned
 * 1.8).  A (1+1)-ES in log scale crawls there; a line search over log10
 * of one factor on X gets there in a handful of scorings: decades out
 * from the current value while the score improves, then halving steps
 * around the best.  The factor is an instruction  rS = mul kS X  that is
 * folded into X's own constant when X is a constant or the product or
 * quotient of one (with no other reader), so the fitted program has no
 * more operations than before. */

#define LS_MAX_DECADES 6 /* the farthest the line search goes from 1 */
#define LS_PATIENCE 2    /* worse decades in a row before it turns */
#define FOLD_TOL 1e-9    /* relative score a folded factor may lose to rounding */

/* The instruction writing the update register last and the operand slot
 * of its X, or -1. */
static int scale_site(const struct sym_prog *p, int *slot)
{
	const struct sym_spec *s = p->spec;
	if (s->shape != EV_IR_UPDATE || s->w_reg < 0)
		return -1;
	for (int i = p->n - 1; i >= 0; i--) {
		const struct sym_instr *in = &p->ins[i];
		if (in->dst != s->w_reg)
			continue;
		if ((in->op == SYM_SUB || in->op == SYM_ADD) && in->a[0] == s->w_reg && in->a[1] != s->w_reg) {
			*slot = 1;
			return i;
		}
		if (in->op == SYM_ADD && in->a[1] == s->w_reg && in->a[0] != s->w_reg) {
			*slot = 0;
			return i;
		}
		return -1;
	}
	return -1;
}

/* Operands of p reading register or constant operand v. */
static int uses(const struct sym_prog *p, int v)
{
	int n = 0;
	for (int i = 0; i < p->n; i++)
		for (int s = 0; s < sym_ops[p->ins[i].op].arity; s++)
			n += p->ins[i].a[s] == v;
	return n;
}

/* q = p with instruction site's operand X replaced by rS = mul kS X
 * (kS = 1); *kidx is kS's index in q.k.  -1 when p is full. */
static int add_scale(const struct sym_prog *p, int site, int slot, struct sym_prog *q, int *kidx)
{
	*q = *p;
	if (q->n >= SYM_MAX_INSTR || q->nk >= SYM_MAX_CONST || q->spec->nfix + q->ntemp >= SYM_MAX_REG)
		return -1;
	int t = q->spec->nfix + q->ntemp++;
	*kidx = q->nk;
	q->k[q->nk++] = 1.0;
	struct sym_instr m = { .op = SYM_MUL, .dst = (int16_t)t,
	                       .a = { (int16_t)SYM_K(*kidx), q->ins[site].a[slot], 0 } };
	memmove(&q->ins[site + 1], &q->ins[site], sizeof(struct sym_instr) * (size_t)(q->n - site));
	q->ins[site] = m;
	q->n++;
	q->ins[site + 1].a[slot] = (int16_t)t;
	return 0;
}

/* Fold the factor kS of add_scale() (instruction site of q, now at index
 * site, the update at site + 1) into X's constant when it has one of its
 * own; returns 1 when q changed. */
static int fold_scale(struct sym_prog *q, int site, int slot)
{
	const struct sym_instr *m = &q->ins[site];
	int X = m->a[1];
	double ks = q->k[SYM_KIDX(m->a[0])];
	int done = 0;
	if (SYM_IS_K(X)) {
		if (uses(q, X) == 1) {
			q->k[SYM_KIDX(X)] *= ks;
			done = 1;
		}
	} else if (X >= q->spec->nfix && uses(q, X) == 1) {
		int j = site - 1;
		while (j >= 0 && q->ins[j].dst != X)
			j--;
		struct sym_instr *d = j >= 0 ? &q->ins[j] : NULL;
		for (int a = 0; d && !done && a < 2; a++) {
			int k = d->a[a];
			if (!SYM_IS_K(k) || uses(q, k) != 1 || SYM_IS_K(d->a[1 - a]))
				continue;
			if (d->op == SYM_MUL || (d->op == SYM_DIV && a == 0)) {
				q->k[SYM_KIDX(k)] *= ks;
				done = 1;
			} else if (d->op == SYM_DIV && a == 1) {
				q->k[SYM_KIDX(k)] /= ks;
				done = 1;
			}
		}
	}
	if (!done)
		return 0;
	for (int i = 0; i < SYM_MAX_CONST && i < q->nk; i++)
		if (!isfinite(q->k[i]))
			return 0;
	q->ins[site + 1].a[slot] = (int16_t)X;
	memmove(&q->ins[site], &q->ins[site + 1], sizeof(struct sym_instr) * (size_t)(q->n - site - 1));
	q->n--;
	q->ntemp--; /* rS was the last temporary */
	return 1;
}

/* The score of p with its factor at 10^d (NAN when invalid). */
static double scaled_score(struct sym_prog *q, int kidx, double d, int stage)
{
	double sc;
	q->k[kidx] = pow(10.0, d);
	return sym_score(q, stage, &sc, NULL) == 0 ? sc : NAN;
}

/* Line search over the step size of p: at most max_evals scorings; p and
 * *best change only when the score improves.  Returns the scorings used. */
static int fit_step_size(struct sym_prog *p, int stage, int max_evals, double *best)
{
	int slot, site = scale_site(p, &slot), kidx, evals = 0;
	struct sym_prog q;
	if (site < 0 || max_evals < 3 || add_scale(p, site, slot, &q, &kidx))
		return 0;
	double bd = 0, bs = *best;
	max_evals--; /* the last one scores the folded program */
	/* outward, a decade at a time, up then down, past one worse decade
	 * (a larger step can lose Rosenbrock to divergence before it wins
	 * the quadratics) */
	for (int dir = 1; dir >= -1 && evals < max_evals; dir -= 2) {
		int moved = 0, worse = 0;
		for (int k = 1; k <= LS_MAX_DECADES && worse < LS_PATIENCE && evals < max_evals; k++) {
			double s = scaled_score(&q, kidx, dir * k, stage);
			evals++;
			if (s > bs) {
				bs = s;
				bd = dir * k;
				moved = 1;
				worse = 0;
			} else {
				worse++;
			}
		}
		if (moved)
			break;
	}
	/* then around the best, halving the step */
	for (double h = 0.5; h > 0.1 && evals < max_evals; h /= 2) {
		double base = bd;
		for (int dir = 1; dir >= -1 && evals < max_evals; dir -= 2) {
			double s = scaled_score(&q, kidx, base + dir * h, stage);
			evals++;
			if (s > bs) {
				bs = s;
				bd = base + dir * h;
				break; /* the other side is worse when this one is better (unimodal) */
			}
		}
	}
	if (!(bs > *best))
		return evals;
	q.k[kidx] = pow(10.0, bd);
	struct sym_prog f = q;
	double fs;
	if (fold_scale(&f, site, slot)) {
		evals++;
		/* the same function up to rounding: an operation less is worth
		 * a difference in the last digits */
		if (sym_score(&f, stage, &fs, NULL) == 0 && fs >= bs - FOLD_TOL * (fabs(bs) + 1) &&
		    fs > *best) {
			q = f;
			bs = fs;
		}
	}
	*p = q;
	*best = bs;
	return evals;
}

/* (1+1)-ES on one or two constants at a time, log scale, 1/5 rule. */
static int fit_es(struct sym_prog *p, int stage, int max_evals, struct rng *r, double *best)
{
	int idx[FIT_MAXK], nk, evals = 0;
	double sig = 0.3;
	evals += fit_step_size(p, stage, max_evals > 10 ? 10 : max_evals, best);
	nk = used_consts(p, idx);
	if (!nk)
		return evals;
	while (evals < max_evals) {
		struct sym_prog c = *p;
		int nch = 1 + (nk > 1 && rng_double(r) < 0.4);
		for (int q = 0; q < nch; q++) {
			int j = idx[rng_below(r, (uint64_t)nk)];
			c.k[j] = step_const(c.k[j], sig, r);
			if (!isfinite(c.k[j]))
				c.k[j] = p->k[j];
		}
		double sc;
		evals++;
		if (sym_score(&c, stage, &sc, NULL) == 0 && sc > *best) {
			*best = sc;
			*p = c;
			sig *= 1.5;
		} else {
			sig *= 0.85;
		}
		if (sig < 1e-4)
			sig = 0.3; /* restart the step size */
		if (sig > 2)
			sig = 2;
	}
	return evals;
}

int sym_fit(struct sym_prog *p, int max_evals, struct rng *r, double *score)
{
	const struct sym_spec *s = p->spec;
	if (!s || !s->inproc || max_evals < 1)
		return 0;
	int stage = s->ev->nstages - 1;
	double best;
	if (sym_score(p, stage, &best, NULL))
		best = -INFINITY;
	int evals = 1;
	if (max_evals > 1) {
		if (s->ev->ir->residuals)
			evals += fit_lm(p, stage, max_evals - 1, &best);
		else
			evals += fit_es(p, stage, max_evals - 1, r, &best);
	}
	if (score)
		*score = best;
	return evals;
}
