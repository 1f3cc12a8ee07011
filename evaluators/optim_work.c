/*
 * optim_work.c - workloads of the `optim` evaluator: generation from seeds,
 * losses, gradients, known optima and the clamped improvement score.
 * See optim.h for the contract and docs/EVALUATORS.md for the
 * definitions.  Nothing here allocates or calls the kernel: it runs in the
 * sandbox child as well as in the scoring process.
 */
#include "evaluators/optim.h"

#include <math.h>
#include <string.h>

#include "evaluators/evaluator.h"

#define RIDGE 1e-3 /* L2 term of every logistic regression */

/* ---- workload tables ----------------------------------------------------
 * Train and held-out differ in seeds, dimensions and conditioning; the
 * kinds and their order are the same, so stage 0 takes the same rows. */
static const struct opt_spec train_specs[] = {
	{"quad_k1e1", OPT_QUAD, 20, 0, 1e1, 0, 0.0, 300, 0x1001},
	{"quad_k1e2", OPT_QUAD, 20, 0, 1e2, 0, 0.0, 300, 0x1002},
	{"quad_k1e3", OPT_QUAD, 20, 0, 1e3, 0, 0.0, 300, 0x1003},
	{"quad_k1e4", OPT_QUAD, 20, 0, 1e4, 0, 0.0, 300, 0x1004},
	{"rosen2", OPT_ROSEN, 2, 0, 0, 0, 0.0, 2000, 0x1005},
	{"rosen20", OPT_ROSEN, 20, 0, 0, 0, 0.0, 1000, 0x1006},
	{"logreg_sep", OPT_LOGREG, 10, 100, 10, 1, 0.0, 300, 0x1007},
	{"logreg_nonsep", OPT_LOGREG, 10, 100, 10, 0, 0.0, 300, 0x1008},
	{"mlp_spiral", OPT_MLP, 8, 40, 0, 0, 0.0, 300, 0x1009},
	{"quad_k1e2_noisy", OPT_QUAD, 20, 0, 1e2, 0, 0.05, 300, 0x100a},
	{"logreg_noisy", OPT_LOGREG, 10, 100, 10, 0, 0.05, 300, 0x100b},
};

static const struct opt_spec heldout_specs[] = {
	{"quad_k3e1", OPT_QUAD, 16, 0, 3e1, 0, 0.0, 300, 0x2001},
	{"quad_k3e2", OPT_QUAD, 24, 0, 3e2, 0, 0.0, 300, 0x2002},
	{"quad_k3e3", OPT_QUAD, 30, 0, 3e3, 0, 0.0, 300, 0x2003},
	{"quad_k3e4", OPT_QUAD, 12, 0, 3e4, 0, 0.0, 300, 0x2004},
	{"rosen2_b", OPT_ROSEN, 2, 0, 0, 0, 0.0, 2000, 0x2005},
	{"rosen12", OPT_ROSEN, 12, 0, 0, 0, 0.0, 1000, 0x2006},
	{"logreg_sep_d14", OPT_LOGREG, 14, 90, 30, 1, 0.0, 300, 0x2007},
	{"logreg_nonsep_d8", OPT_LOGREG, 8, 120, 5, 0, 0.0, 300, 0x2008},
	{"mlp_spiral_h10", OPT_MLP, 10, 36, 0, 0, 0.0, 300, 0x2009},
	{"quad_k3e2_noisy", OPT_QUAD, 16, 0, 3e2, 0, 0.05, 300, 0x200a},
	{"logreg_noisy_d12", OPT_LOGREG, 12, 110, 20, 0, 0.05, 300, 0x200b},
};

#define NTRAIN ((int)(sizeof train_specs / sizeof train_specs[0]))
#define NHELD ((int)(sizeof heldout_specs / sizeof heldout_specs[0]))

/* Stage 0: one quadratic, the 2-D Rosenbrock, the separable regression. */
static const int stage0[] = {1, 4, 6};
static const int stage1_all[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

_Static_assert(NTRAIN <= OPT_MAXW && NHELD <= OPT_MAXW, "OPT_MAXW too small");
_Static_assert(NTRAIN == NHELD, "stage lists assume equal split sizes");
_Static_assert(sizeof stage1_all / sizeof stage1_all[0] == NTRAIN,
               "stage 1 lists every workload");

/* The cache: one slot per workload, filled on first use. */
static struct opt_work cache[2][OPT_MAXW];
static int cache_ready[2][OPT_MAXW];
static double lstar_cache[2][OPT_MAXW];
static int lstar_ready[2][OPT_MAXW];

/* ---- PRNG (evaluators/rng.h: the seeded xoshiro256** the engine uses too) ---------- */

/* Uniform in (0, 1). */
static double unif(struct rng *r)
{
	return ((double)(rng_u64(r) >> 11) + 0.5) * 0x1.0p-53;
}

double opt_rng_normal(struct rng *r)
{
	double u1 = unif(r), u2 = unif(r);
	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* ---- losses and gradients ---------------------------------------------- */

/* The logistic loss log(1 + exp(-y z)) of a margin: added to *f when f is
 * not NULL; returns its derivative with respect to z.  One exp() per call,
 * no overflow for any finite z. */
static double margin_loss(double y, double z, double *f)
{
	double a = -y * z, e = exp(-fabs(a));
	if (f)
		*f += (a > 0 ? a : 0.0) + log1p(e);
	/* sigmoid(a) = 1 / (1 + exp(-a)) */
	return -y * (a >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e));
}

/* 1 / (1 + exp(-a)) without overflow. */
static double sigmoid(double a)
{
	double e = exp(-fabs(a));
	return a >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}

/* v = H v for the reflection H = I - 2 u u^T (u has unit length). */
static void reflect(int n, const double *u, double *v)
{
	double dot = 0;
	for (int i = 0; i < n; i++)
		dot += u[i] * v[i];
	for (int i = 0; i < n; i++)
		v[i] -= 2.0 * dot * u[i];
}

/* quad: f(w) = 1/2 sum_i lambda_i (Q (w - c))_i^2 with Q = H2 H1. */
static double quad_rotate(const struct opt_work *wl, const double *w, double *v)
{
	int n = wl->n;
	for (int i = 0; i < n; i++)
		v[i] = w[i] - wl->b[i];
	reflect(n, wl->c, v);
	reflect(n, wl->d, v);
	double f = 0;
	for (int i = 0; i < n; i++)
		f += 0.5 * wl->a[i] * v[i] * v[i];
	return f;
}

static double rosen_loss(const struct opt_work *wl, const double *w, double *g)
{
	int n = wl->n;
	double f = 0;
	if (g)
		memset(g, 0, sizeof(double) * (size_t)n);
	for (int i = 0; i + 1 < n; i++) {
		double x = w[i] + wl->a[i], xn = w[i + 1] + wl->a[i + 1];
		double r = xn - x * x, q = 1.0 - x;
		f += 100.0 * r * r + q * q;
		if (g) {
			g[i] += -400.0 * r * x - 2.0 * q;
			g[i + 1] += 200.0 * r;
		}
	}
	return f;
}

/* Loss at w, or (g not NULL) the gradient into g and an unspecified value. */
static double logreg_loss(const struct opt_work *wl, const double *w, double *g)
{
	int n = wl->n, m = wl->spec->m;
	double f = 0, reg = 0;
	if (g)
		memset(g, 0, sizeof(double) * (size_t)n);
	for (int k = 0; k < m; k++) {
		const double *x = wl->x + (size_t)k * (size_t)n;
		double z = 0;
		for (int j = 0; j < n; j++)
			z += x[j] * w[j];
		double dz = margin_loss(wl->y[k], z, g ? NULL : &f) / m;
		if (g)
			for (int j = 0; j < n; j++)
				g[j] += dz * x[j];
	}
	for (int j = 0; j < n; j++) {
		reg += w[j] * w[j];
		if (g)
			g[j] += RIDGE * w[j];
	}
	return f / m + 0.5 * RIDGE * reg;
}

/* mlp parameters: W1[h][2] at 0, b1[h] at 2h, W2[h] at 3h, b2 at 4h. */
/* Loss at w, or (g not NULL) the gradient into g and an unspecified value. */
static double mlp_loss(const struct opt_work *wl, const double *w, double *g)
{
	int h = wl->spec->dim, m = wl->spec->m, n = wl->n;
	const double *W1 = w, *b1 = w + 2 * h, *W2 = w + 3 * h;
	double b2 = w[4 * h], f = 0, hid[OPT_MAXN];
	if (g)
		memset(g, 0, sizeof(double) * (size_t)n);
	for (int k = 0; k < m; k++) {
		const double *x = wl->x + 2 * k;
		double z = b2;
		for (int j = 0; j < h; j++) {
			hid[j] = tanh(W1[2 * j] * x[0] + W1[2 * j + 1] * x[1] + b1[j]);
			z += W2[j] * hid[j];
		}
		double dz = margin_loss(wl->y[k], z, g ? NULL : &f) / m;
		if (!g)
			continue;
		g[4 * h] += dz;
		for (int j = 0; j < h; j++) {
			g[3 * h + j] += dz * hid[j];
			double da = dz * W2[j] * (1.0 - hid[j] * hid[j]);
			g[2 * j] += da * x[0];
			g[2 * j + 1] += da * x[1];
			g[2 * h + j] += da;
		}
	}
	return f / m;
}

double opt_loss(const struct opt_work *wl, const double *w)
{
	double v[OPT_MAXN];
	switch (wl->spec->kind) {
	case OPT_QUAD:
		return quad_rotate(wl, w, v);
	case OPT_ROSEN:
		return rosen_loss(wl, w, NULL);
	case OPT_LOGREG:
		return logreg_loss(wl, w, NULL);
	case OPT_MLP:
		return mlp_loss(wl, w, NULL);
	}
	return NAN;
}

void opt_grad(const struct opt_work *wl, const double *w, double *g)
{
	switch (wl->spec->kind) {
	case OPT_QUAD:
		quad_rotate(wl, w, g);
		for (int i = 0; i < wl->n; i++)
			g[i] *= wl->a[i];
		/* Q^T = H1 H2: apply H2 first. */
		reflect(wl->n, wl->d, g);
		reflect(wl->n, wl->c, g);
		return;
	case OPT_ROSEN:
		rosen_loss(wl, w, g);
		return;
	case OPT_LOGREG:
		logreg_loss(wl, w, g);
		return;
	case OPT_MLP:
		mlp_loss(wl, w, g);
		return;
	}
}

/* ---- generation ---------------------------------------------------------- */

static void unit_vector(struct rng *r, int n, double *u)
{
	double norm = 0;
	for (int i = 0; i < n; i++) {
		u[i] = opt_rng_normal(r);
		norm += u[i] * u[i];
	}
	norm = sqrt(norm);
	for (int i = 0; i < n; i++)
		u[i] /= norm;
}

static void gen_quad(struct opt_work *wl, struct rng *r)
{
	int n = wl->spec->dim;
	wl->n = n;
	for (int i = 0; i < n; i++)
		wl->a[i] = pow(wl->spec->cond, -(double)i / (n - 1));
	for (int i = 0; i < n; i++)
		wl->b[i] = opt_rng_normal(r);
	unit_vector(r, n, wl->c);
	unit_vector(r, n, wl->d);
	for (int i = 0; i < n; i++)
		wl->w0[i] = wl->b[i] + opt_rng_normal(r);
}

/* x = w + o; the optimum is x = 1, i.e. w = 1 - o, unknown to the candidate.
 * The start is near the classic (-1.2, 1, -1.2, 1, ...) in x. */
static void gen_rosen(struct opt_work *wl, struct rng *r)
{
	int n = wl->spec->dim;
	wl->n = n;
	for (int i = 0; i < n; i++) {
		wl->a[i] = 0.5 * opt_rng_normal(r);
		double x0 = (i % 2 == 0 ? -1.2 : 1.0) + 0.05 * opt_rng_normal(r);
		wl->w0[i] = x0 - wl->a[i];
	}
}

/* Features with scales spread over [cond^-1/2, cond^1/2], a bias column,
 * labels from a random linear rule (plus logit noise when not separable). */
static void gen_logreg(struct opt_work *wl, struct rng *r)
{
	int d = wl->spec->dim, m = wl->spec->m, n = d + 1;
	double scale[OPT_MAXD], wt[OPT_MAXD];
	wl->n = n;
	for (int j = 0; j < d; j++) {
		scale[j] = pow(wl->spec->cond, (d > 1 ? (double)j / (d - 1) : 0.5) - 0.5);
		wt[j] = 2.0 * opt_rng_normal(r) / scale[j];
	}
	wt[d] = 0.3 * opt_rng_normal(r);
	for (int k = 0; k < m; k++) {
		double *x = wl->x + (size_t)k * (size_t)n, z = 0;
		for (int j = 0; j < d; j++)
			x[j] = scale[j] * opt_rng_normal(r);
		x[d] = 1.0;
		for (int j = 0; j < n; j++)
			z += x[j] * wt[j];
		if (!wl->spec->separable)
			z += sqrt((double)d) * opt_rng_normal(r);
		wl->y[k] = z >= 0 ? 1.0 : -1.0;
	}
	for (int j = 0; j < n; j++)
		wl->w0[j] = 0.0;
}

/* Two interleaved spirals, inputs in about [-2, 2]^2. */
static void gen_mlp(struct opt_work *wl, struct rng *r)
{
	int h = wl->spec->dim, m = wl->spec->m, half = m / 2;
	wl->n = 4 * h + 1;
	for (int k = 0; k < m; k++) {
		int cls = k >= half, i = k - cls * half;
		double frac = (double)i / half;
		double rad = 0.15 + 0.85 * frac;
		double th = 2.5 * 3.141592653589793 * frac + cls * 3.141592653589793;
		wl->x[2 * k] = 2.0 * (rad * cos(th) + 0.03 * opt_rng_normal(r));
		wl->x[2 * k + 1] = 2.0 * (rad * sin(th) + 0.03 * opt_rng_normal(r));
		wl->y[k] = cls ? 1.0 : -1.0;
	}
	for (int j = 0; j < 2 * h; j++)
		wl->w0[j] = opt_rng_normal(r);
	for (int j = 0; j < h; j++) {
		wl->w0[2 * h + j] = 0.5 * opt_rng_normal(r);
		wl->w0[3 * h + j] = opt_rng_normal(r) / sqrt((double)h);
	}
	wl->w0[4 * h] = 0.0;
}

static const struct opt_spec *spec_of(int split, int i)
{
	if (split == EV_TRAIN && i >= 0 && i < NTRAIN)
		return &train_specs[i];
	if (split == EV_HELDOUT && i >= 0 && i < NHELD)
		return &heldout_specs[i];
	return NULL;
}

int opt_nwork(int split)
{
	return split == EV_TRAIN ? NTRAIN : split == EV_HELDOUT ? NHELD : 0;
}

const struct opt_work *opt_workload(int split, int i)
{
	const struct opt_spec *sp = spec_of(split, i);
	if (!sp)
		return NULL;
	struct opt_work *wl = &cache[split][i];
	if (cache_ready[split][i])
		return wl;
	struct rng r;
	memset(wl, 0, sizeof *wl);
	wl->spec = sp;
	rng_seed(&r, sp->seed);
	switch (sp->kind) {
	case OPT_QUAD:
		gen_quad(wl, &r);
		break;
	case OPT_ROSEN:
		gen_rosen(wl, &r);
		break;
	case OPT_LOGREG:
		gen_logreg(wl, &r);
		break;
	case OPT_MLP:
		gen_mlp(wl, &r);
		break;
	}
	wl->L0 = opt_loss(wl, wl->w0);
	wl->Lstar = 0.0;
	cache_ready[split][i] = 1;
	return wl;
}

/* Solve A x = b in place (A symmetric positive definite, n <= OPT_MAXD) by
 * Cholesky.  Returns -1 when A is not positive definite. */
static int cholesky_solve(int n, double *A, double *b)
{
	for (int j = 0; j < n; j++) {
		double s = A[j * n + j];
		for (int k = 0; k < j; k++)
			s -= A[j * n + k] * A[j * n + k];
		if (!(s > 0))
			return -1;
		A[j * n + j] = sqrt(s);
		for (int i = j + 1; i < n; i++) {
			double t = A[i * n + j];
			for (int k = 0; k < j; k++)
				t -= A[i * n + k] * A[j * n + k];
			A[i * n + j] = t / A[j * n + j];
		}
	}
	for (int i = 0; i < n; i++) {
		for (int k = 0; k < i; k++)
			b[i] -= A[i * n + k] * b[k];
		b[i] /= A[i * n + i];
	}
	for (int i = n - 1; i >= 0; i--) {
		for (int k = i + 1; k < n; k++)
			b[i] -= A[k * n + i] * b[k];
		b[i] /= A[i * n + i];
	}
	return 0;
}

/* The ridge logistic regression is strictly convex: damped Newton from 0
 * reaches its minimum to machine precision in a few dozen iterations. */
static double logreg_newton(const struct opt_work *wl)
{
	int n = wl->n, m = wl->spec->m;
	double w[OPT_MAXD] = {0}, g[OPT_MAXD], H[OPT_MAXD * OPT_MAXD], cand[OPT_MAXD];
	double f = logreg_loss(wl, w, NULL);
	logreg_loss(wl, w, g);
	for (int it = 0; it < 100; it++) {
		for (int i = 0; i < n * n; i++)
			H[i] = 0;
		for (int k = 0; k < m; k++) {
			const double *x = wl->x + (size_t)k * (size_t)n;
			double z = 0;
			for (int j = 0; j < n; j++)
				z += x[j] * w[j];
			double p = sigmoid(z), c = p * (1.0 - p) / m;
			for (int i = 0; i < n; i++)
				for (int j = 0; j < n; j++)
					H[i * n + j] += c * x[i] * x[j];
		}
		for (int i = 0; i < n; i++)
			H[i * n + i] += RIDGE;
		if (cholesky_solve(n, H, g) != 0)
			break;
		double t = 1.0, fc = f;
		int moved = 0;
		for (int ls = 0; ls < 40; ls++, t *= 0.5) {
			for (int j = 0; j < n; j++)
				cand[j] = w[j] - t * g[j];
			fc = logreg_loss(wl, cand, NULL);
			if (fc <= f) {
				moved = 1;
				break;
			}
		}
		if (!moved)
			break;
		int same = fc == f;
		memcpy(w, cand, sizeof(double) * (size_t)n);
		f = fc;
		logreg_loss(wl, w, g);
		if (same)
			break;
	}
	return f;
}

double opt_lstar(int split, int i)
{
	const struct opt_work *wl = opt_workload(split, i);
	if (!wl)
		return NAN;
	if (!lstar_ready[split][i]) {
		lstar_cache[split][i] = wl->spec->kind == OPT_LOGREG ? logreg_newton(wl) : 0.0;
		lstar_ready[split][i] = 1;
	}
	return lstar_cache[split][i];
}

int opt_task_list(int task, int split, const int **idx)
{
	if (!opt_nwork(split))
		return -1;
	if (task == 0) {
		*idx = stage0;
		return (int)(sizeof stage0 / sizeof stage0[0]);
	}
	if (task == 1) {
		*idx = stage1_all;
		return opt_nwork(split);
	}
	return -1;
}

int opt_ckpt_step(int steps, int j)
{
	return (int)(((long)j * steps + OPT_CKPT - 1) / OPT_CKPT);
}

double opt_improvement(const struct opt_work *wl, double lstar, const double *w)
{
	for (int i = 0; i < wl->n; i++)
		if (!isfinite(w[i]))
			return OPT_IMP_MIN;
	double L = opt_loss(wl, w);
	if (!isfinite(L))
		return OPT_IMP_MIN;
	double gap = L - lstar, gap0 = wl->L0 - lstar;
	if (!(gap > 0))
		return OPT_IMP_MAX;
	double imp = log10(gap0 / gap);
	if (!(imp > OPT_IMP_MIN))
		return OPT_IMP_MIN;
	return imp < OPT_IMP_MAX ? imp : OPT_IMP_MAX;
}

/* ---- probe ---------------------------------------------------------------- */

void opt_probe_start(double *w)
{
	static const double w0[OPT_PROBE_N] = {0.5, -1.0, 2.0, 0.0, -0.25, 1.0};
	memcpy(w, w0, sizeof w0);
}

/* Fixed gradients over six orders of magnitude, with sign changes and a
 * coordinate whose gradient is always 0 (exercises epsilon handling). */
void opt_probe_grad(int t, double *g)
{
	static const double scale[OPT_PROBE_N] = {1.0, 0.01, 100.0, 1.0, 1e-4, 0.0};
	for (int i = 0; i < OPT_PROBE_N; i++)
		g[i] = scale[i] * (double)(((t * 7 + i * 3) % 11) - 5) / 5.0;
}
