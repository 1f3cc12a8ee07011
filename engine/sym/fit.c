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
 * Gauss-Newton toward the max-norm (minimax) solution that -log10(max rel
 * err) rewards.  A forward-difference Jacobian (one run per constant), then
 * the linearized discrete minimax problem solved by Lawson's reweighted
 * least squares on a subset of the points with exchange rounds -- linear
 * algebra only, no program runs -- then one run of the step, damped
 * Levenberg-Marquardt style when it fails.  Every program run (residuals,
 * Jacobian column, trial step) counts as one fitting evaluation; the
 * linear algebra in between is not counted (its time is in the wall time).
 * Without residuals (optim): the step size first, by a line search over
 * log10 of one factor on the update (w = w - X: X's scale; up to 10
 * scorings, folded into X's constant), then a (1+1) evolution strategy on
 * one or two constants at a time, in log scale (and in log(1 - k) for k
 * in (0, 1)), with the 1/5 success rule.  A step is kept only when the
 * trusted score improves (the residual path: or, on a tie at a clipped
 * score, when the residuals' max-norm shrinks).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sym/sym.h"

/* interp.c, for the fitter */
long sym_residuals(const struct sym_prog *p, double *res, size_t cap);
int sym_score_residuals(const struct sym_prog *p, double *score, double *res, size_t cap, long *m);

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

/* ---- the residual path: Gauss-Newton toward the minimax solution -------------
 *
 * Each outer iteration runs the program nk times for a forward-difference
 * Jacobian J of the residuals r at the current constants, then solves the
 * linearized problem  min_d max_i |r_i + (J d)_i|  (a discrete Chebyshev
 * approximation) without running the program at all: Lawson's iteratively
 * reweighted least squares (w_i <- w_i |e_i|) on a subset of the points (a
 * strided FIT_SUB of them plus the worst), with exchange rounds that add the
 * points where the linear model's error exceeds the subset's maximum.  The
 * step is then run once (trusted score and next residuals from one run);
 * when it does not raise the score, a Levenberg-Marquardt ridge grows and
 * the linear problem is solved again.  A program linear in its constants
 * (a polynomial in Horner form) reaches its minimax constants in about one
 * outer iteration, nk + 2 runs. */

#define FIT_SUB 128     /* strided points of the subset */
#define FIT_WORST 32    /* current worst points added to it */
#define FIT_ADD 24      /* points added per exchange round */
#define FIT_ROUNDS 4    /* exchange rounds */
#define FIT_LAWSON 16   /* Lawson iterations per round */
#define FIT_MAXS (FIT_SUB + FIT_WORST + FIT_ADD * FIT_ROUNDS + 8)

/* min |A z - b| by Householder QR with column pivoting; A is rows x n,
 * column-major (destroyed), rows >= n; b (rows, destroyed).  A column whose
 * part outside the span of the columns chosen before it is below FIT_RANK
 * of its own norm is left out (z = 0 there): a constant that is redundant
 * with others (N/D scaled by one factor, say) would otherwise take a huge
 * step along the null direction on finite-difference noise.  Returns the
 * rank used, or -1 when it is 0. */
#define FIT_RANK 1e-6
static int qr_solve(int rows, int n, double *A, double *b, double *z)
{
	int perm[FIT_MAXK], rank = 0;
	double norm0[FIT_MAXK];
	for (int c = 0; c < n; c++) {
		const double *a = A + (size_t)c * (size_t)rows;
		double s = 0;
		for (int i = 0; i < rows; i++)
			s += a[i] * a[i];
		norm0[c] = sqrt(s);
		perm[c] = c;
		z[c] = 0;
	}
	for (int c = 0; c < n; c++) {
		/* the remaining column with the largest part outside the span so far */
		int best = -1;
		double bn = 0;
		for (int k = c; k < n; k++) {
			const double *a = A + (size_t)k * (size_t)rows;
			double s = 0;
			for (int i = c; i < rows; i++)
				s += a[i] * a[i];
			s = sqrt(s);
			if (s > FIT_RANK * norm0[perm[k]] && s > bn) {
				bn = s;
				best = k;
			}
		}
		if (best < 0)
			break;
		if (best != c) {
			double *x = A + (size_t)c * (size_t)rows, *y = A + (size_t)best * (size_t)rows;
			for (int i = 0; i < rows; i++) {
				double t = x[i];
				x[i] = y[i];
				y[i] = t;
			}
			int t = perm[c];
			perm[c] = perm[best];
			perm[best] = t;
		}
		double *a = A + (size_t)c * (size_t)rows, nrm = bn;
		double alpha = a[c] > 0 ? -nrm : nrm;
		a[c] -= alpha; /* v = a - alpha e_c, stored in a[c..] */
		double vv = 0;
		for (int i = c; i < rows; i++)
			vv += a[i] * a[i];
		for (int k = c + 1; k < n; k++) {
			double *ak = A + (size_t)k * (size_t)rows, s = 0;
			for (int i = c; i < rows; i++)
				s += a[i] * ak[i];
			s = 2 * s / vv;
			for (int i = c; i < rows; i++)
				ak[i] -= s * a[i];
		}
		double s = 0;
		for (int i = c; i < rows; i++)
			s += a[i] * b[i];
		s = 2 * s / vv;
		for (int i = c; i < rows; i++)
			b[i] -= s * a[i];
		a[c] = alpha; /* R's diagonal */
		rank++;
	}
	if (!rank)
		return -1;
	double y[FIT_MAXK];
	for (int r = rank - 1; r >= 0; r--) {
		double s = b[r];
		for (int k = r + 1; k < rank; k++)
			s -= A[(size_t)k * (size_t)rows + r] * y[k];
		y[r] = s / A[(size_t)r * (size_t)rows + r];
		if (!isfinite(y[r]))
			return -1;
	}
	for (int r = 0; r < rank; r++)
		z[perm[r]] = y[r];
	return rank;
}

struct lin {
	int nk;
	long m;
	const double *r, *J; /* r[m], J[nk * m] (column j at J + j m) */
	double lambda;       /* LM ridge, relative to each column's weighted norm (0 at first) */
	double *A, *b;       /* workspace: (FIT_MAXS + nk) * nk, FIT_MAXS + nk */
};

/* The subset: point indexes, their rows of J (row-major, nk each), their
 * residuals and Lawson weights. */
struct sub {
	int n;
	long idx[FIT_MAXS];
	double J[FIT_MAXS * FIT_MAXK], r[FIT_MAXS], w[FIT_MAXS];
};

static void sub_add(const struct lin *L, struct sub *S, long i, double w)
{
	int t = S->n++;
	S->idx[t] = i;
	S->r[t] = L->r[i];
	S->w[t] = w;
	for (int j = 0; j < L->nk; j++)
		S->J[t * FIT_MAXK + j] = L->J[(size_t)j * (size_t)L->m + (size_t)i];
}

static double sub_err(const struct sub *S, int nk, int t, const double *d)
{
	double e = S->r[t];
	const double *row = S->J + t * FIT_MAXK;
	for (int j = 0; j < nk; j++)
		e += row[j] * d[j];
	return e;
}

/* One weighted least-squares step on the subset, with the ridge. */
static int lin_ls(const struct lin *L, const struct sub *S, double *d)
{
	int nk = L->nk, ns = S->n, live[FIT_MAXK], nl = 0;
	double sc[FIT_MAXK], sw[FIT_MAXS];
	for (int t = 0; t < ns; t++)
		sw[t] = sqrt(S->w[t]);
	for (int j = 0; j < nk; j++) {
		double c = 0;
		for (int t = 0; t < ns; t++)
			c += S->w[t] * S->J[t * FIT_MAXK + j] * S->J[t * FIT_MAXK + j];
		d[j] = 0;
		if (c > 1e-300 && isfinite(c)) {
			sc[nl] = sqrt(c);
			live[nl++] = j;
		}
	}
	if (!nl)
		return -1;
	int rows = ns + nl;
	for (int q = 0; q < nl; q++) {
		double *a = L->A + (size_t)q * (size_t)rows, f = 1.0 / sc[q];
		int j = live[q];
		for (int t = 0; t < ns; t++)
			a[t] = sw[t] * S->J[t * FIT_MAXK + j] * f;
		for (int t = 0; t < nl; t++)
			a[ns + t] = t == q ? sqrt(L->lambda) : 0;
	}
	for (int t = 0; t < ns; t++)
		L->b[t] = -sw[t] * S->r[t];
	for (int t = 0; t < nl; t++)
		L->b[ns + t] = 0;
	double z[FIT_MAXK];
	if (qr_solve(rows, nl, L->A, L->b, z) < 0)
		return -1;
	for (int q = 0; q < nl; q++)
		d[live[q]] = z[q] / sc[q];
	return 0;
}

/* The linearized minimax step: d with small max_i |r_i + (J d)_i| over all
 * m points.  Returns that maximum (INFINITY when nothing was solved).
 * Points whose Lawson weight has fallen below 1e-6 of the largest leave
 * the subset (an exchange round may bring them back). */
static double lin_minimax(const struct lin *L, double *dbest)
{
	static _Thread_local struct sub S; /* scratch: one fit at a time per thread */
	double d[FIT_MAXK], dr[FIT_MAXK], best = INFINITY;
	unsigned char *in = calloc((size_t)L->m, 1);
	double *ef = malloc((size_t)L->m * sizeof *ef);
	int nk = L->nk;
	S.n = 0;
	memset(dbest, 0, sizeof(double) * (size_t)nk);
	if (!in || !ef)
		goto out;
	long stride = L->m > FIT_SUB ? (L->m + FIT_SUB - 1) / FIT_SUB : 1;
	for (long i = 0; i < L->m && S.n < FIT_SUB; i += stride) {
		sub_add(L, &S, i, 1);
		in[i] = 1;
	}
	/* the current worst points */
	for (long i = 0; i < L->m; i++)
		ef[i] = fabs(L->r[i]);
	for (int q = 0; q < FIT_WORST; q++) {
		long wi = -1;
		for (long i = 0; i < L->m; i++)
			if (!in[i] && (wi < 0 || ef[i] > ef[wi]))
				wi = i;
		if (wi < 0)
			break;
		sub_add(L, &S, wi, 1);
		in[wi] = 1;
	}
	for (int t = 0; t < S.n; t++)
		S.w[t] = 1.0 / S.n;
	for (int round = 0; round < FIT_ROUNDS; round++) {
		double sbest = INFINITY;
		for (int it = 0; it < FIT_LAWSON; it++) {
			if (lin_ls(L, &S, d))
				break;
			double emax = 0, tot = 0, wmax = 0;
			for (int t = 0; t < S.n; t++) {
				double e = fabs(sub_err(&S, nk, t, d));
				emax = e > emax ? e : emax;
				S.w[t] *= e + 1e-300;
				tot += S.w[t];
				wmax = S.w[t] > wmax ? S.w[t] : wmax;
			}
			if (emax < sbest) {
				sbest = emax;
				memcpy(dr, d, sizeof(double) * (size_t)nk);
			}
			if (!(tot > 0) || !isfinite(tot))
				break;
			int k = 0;
			for (int t = 0; t < S.n; t++) {
				if (S.w[t] < 1e-6 * wmax && S.n > nk + 1) {
					in[S.idx[t]] = 0;
					continue;
				}
				if (k != t) {
					S.idx[k] = S.idx[t];
					S.r[k] = S.r[t];
					memcpy(S.J + k * FIT_MAXK, S.J + t * FIT_MAXK, sizeof(double) * (size_t)nk);
				}
				S.w[k++] = S.w[t] / tot;
			}
			S.n = k;
		}
		if (!isfinite(sbest))
			break;
		/* judge the round's best on every point */
		double full = 0;
		for (long i = 0; i < L->m; i++) {
			double e = L->r[i];
			for (int j = 0; j < nk; j++)
				e += L->J[(size_t)j * (size_t)L->m + (size_t)i] * dr[j];
			ef[i] = fabs(e);
			full = ef[i] > full ? ef[i] : full;
		}
		if (full < best) {
			best = full;
			memcpy(dbest, dr, sizeof(double) * (size_t)nk);
		}
		if (full <= sbest * (1 + 1e-6) || round == FIT_ROUNDS - 1)
			break;
		/* exchange: add the points where it is worse than on the subset */
		double wmax = 0;
		for (int t = 0; t < S.n; t++)
			wmax = S.w[t] > wmax ? S.w[t] : wmax;
		for (int q = 0; q < FIT_ADD && S.n < FIT_MAXS; q++) {
			long wi = -1;
			double we = sbest;
			for (long i = 0; i < L->m; i++)
				if (!in[i] && ef[i] > we) {
					we = ef[i];
					wi = i;
				}
			if (wi < 0)
				break;
			sub_add(L, &S, wi, wmax);
			in[wi] = 1;
		}
	}
out:
	free(in);
	free(ef);
	return best;
}

static double maxabs(const double *v, long n)
{
	double x = 0;
	for (long i = 0; i < n; i++)
		x = fabs(v[i]) > x ? fabs(v[i]) : x;
	return x;
}

/* Score and stage-0 residuals of p: one run when the objective is stage 0. */
static int score_res(const struct sym_prog *p, int stage, double *score, double *res, size_t cap,
                     long *m, int *evals)
{
	if (stage == 0) {
		++*evals;
		return sym_score_residuals(p, score, res, cap, m);
	}
	*evals += 2;
	if (sym_score(p, stage, score, NULL))
		return -1;
	*m = sym_residuals(p, res, cap);
	return *m > 0 ? 0 : -1;
}

static int fit_lm(struct sym_prog *p, int stage, int max_evals, double *best)
{
	int idx[FIT_MAXK], nk = used_consts(p, idx), evals = 0;
	const struct ev_evaluator *ev = p->spec->ev;
	size_t cap = ev->max_outputs ? ev->max_outputs : 4096;
	double *r0 = malloc(cap * sizeof *r0), *rc = malloc(cap * sizeof *rc);
	double *J = malloc(cap * (size_t)(nk ? nk : 1) * sizeof *J);
	double *A = malloc((size_t)(FIT_MAXS + FIT_MAXK) * FIT_MAXK * sizeof *A);
	double *b = malloc((size_t)(FIT_MAXS + FIT_MAXK) * sizeof *b);
	if (!r0 || !rc || !J || !A || !b || !nk)
		goto out;
	long m = sym_residuals(p, r0, cap);
	evals++;
	if (m <= 0)
		goto out;
	struct lin L = { .nk = nk, .m = m, .r = r0, .J = J, .lambda = 0, .A = A, .b = b };
	while (evals + nk + 1 <= max_evals) {
		struct sym_prog q = *p;
		int bad = 0;
		for (int j = 0; j < nk && !bad; j++) {
			double k = p->k[idx[j]], h = 1e-7 * (fabs(k) > 1e-3 ? fabs(k) : 1e-3);
			q.k[idx[j]] = k + h;
			h = q.k[idx[j]] - k; /* the step actually taken */
			long mj = sym_residuals(&q, J + (size_t)j * (size_t)m, (size_t)m);
			evals++;
			q.k[idx[j]] = k;
			if (mj != m) {
				bad = 1;
				break;
			}
			double *Jj = J + (size_t)j * (size_t)m;
			for (long i = 0; i < m; i++)
				Jj[i] = (Jj[i] - r0[i]) / h;
		}
		if (bad)
			break;
		int accepted = 0;
		for (int tries = 0; tries < 3 && evals < max_evals; tries++) {
			double d[FIT_MAXK];
			double pred = lin_minimax(&L, d);
			if (!isfinite(pred)) {
				L.lambda = L.lambda * 1e3 > 1e-6 ? L.lambda * 1e3 : 1e-6;
				continue;
			}
			struct sym_prog c = *p;
			for (int j = 0; j < nk; j++)
				c.k[idx[j]] += d[j];
			double sc;
			long mc;
			/* higher trusted score; on a tie (a score clipped at its floor),
			 * a smaller max-norm of the residuals */
			if (score_res(&c, stage, &sc, rc, cap, &mc, &evals) == 0 && mc == m &&
			    (sc > *best || (sc == *best && maxabs(rc, m) < maxabs(r0, m)))) {
				*best = sc;
				*p = c;
				memcpy(r0, rc, sizeof(double) * (size_t)m);
				L.lambda = L.lambda / 1e3 >= 1e-6 ? L.lambda / 1e3 : 0;
				accepted = 1;
				break;
			}
			L.lambda = L.lambda * 1e3 > 1e-6 ? L.lambda * 1e3 : 1e-6;
		}
		if (!accepted)
			break;
	}
out:
	free(r0);
	free(rc);
	free(J);
	free(A);
	free(b);
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
