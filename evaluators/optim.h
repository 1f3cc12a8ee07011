/*
 * optim.h - workloads of the built-in `optim` evaluator (first-order
 * optimizer discovery).  Internal to evaluators/optim.c and its unit test.
 *
 * A workload is a deterministic optimisation problem generated from a seed:
 * a rotated ill-conditioned quadratic, a shifted Rosenbrock function, a
 * ridge logistic regression on synthetic data, or a one-hidden-layer MLP on
 * a two-class spiral; any of them may add seeded Gaussian gradient noise.
 * Each split (train, held-out) has a fixed table of workloads; the cascade
 * stages select a subset of that table.
 *
 * Main types: struct opt_spec (a row of the table: static, immutable) and
 * struct opt_work (the generated problem: data, start point, initial loss).
 *
 * Ownership: opt_workload() returns a pointer into static storage that is
 * filled on first use and never freed; the caller must not modify it.  No
 * function here allocates or makes a system call, so all of it may run in
 * the sandbox child under its strict seccomp filter.
 */
#ifndef DISCO_OPTIM_H
#define DISCO_OPTIM_H

#include <stdint.h>

#include "evaluators/rng.h"

#define OPT_SLOTS 4    /* per-parameter state slots given to the candidate */
#define OPT_MAXN 64    /* most parameters of any workload */
#define OPT_MAXM 128   /* most data points (logreg, mlp) */
#define OPT_MAXD 16    /* most features incl. the bias (logreg) */
#define OPT_MAXW 16    /* most workloads in a split */
#define OPT_MAX_OUT 4096 /* most doubles any task writes (checked in tests) */

/* Checkpoints per workload: run() writes the parameters after steps
 * ceil(j * steps / OPT_CKPT), j = 1..OPT_CKPT, and the score is the mean
 * improvement over them (the area under the log-gap curve, AlgoPerf's
 * "time to result" made smooth), so reaching a loss sooner scores more. */
#define OPT_CKPT 10

/* Probe task: a fixed 6-parameter problem driven by fixed gradients for 12
 * steps; the parameters after every step are the output (6 * 12 doubles). */
#define OPT_PROBE_N 6
#define OPT_PROBE_T 12
#define OPT_PROBE_OUT (OPT_PROBE_N * OPT_PROBE_T)

/* Per-workload improvement is clamped to [OPT_IMP_MIN, OPT_IMP_MAX]. */
#define OPT_IMP_MIN (-1.0)
#define OPT_IMP_MAX 10.0

enum opt_kind { OPT_QUAD, OPT_ROSEN, OPT_LOGREG, OPT_MLP };

struct opt_spec {
	const char *name; /* metric name, e.g. "quad_k1e4" */
	enum opt_kind kind;
	int dim;          /* quad/rosen: parameters; logreg: features; mlp: hidden units */
	int m;            /* logreg/mlp: data points */
	double cond;      /* quad: condition number; logreg: feature scale spread */
	int separable;    /* logreg: labels without noise */
	double noise;     /* std-dev of the Gaussian noise added to each gradient entry */
	int steps;        /* calls to step() */
	uint64_t seed;
};

struct opt_work {
	const struct opt_spec *spec;
	int n;              /* parameters */
	double w0[OPT_MAXN]; /* start point */
	double L0;          /* loss at w0 */
	double Lstar;       /* known optimum (0, or a Newton solution for logreg) */
	/* quad: lambda[n], centre c[n], Householder vectors u1[n], u2[n]
	 * rosen: offset o[n] (the optimum is w = 1 - o)
	 * logreg: x[m][d] (last column 1), y[m] in {-1,+1}
	 * mlp: x[m][2], y[m] in {-1,+1} */
	double a[OPT_MAXN], b[OPT_MAXN], c[OPT_MAXN], d[OPT_MAXN];
	double x[OPT_MAXM * OPT_MAXD];
	double y[OPT_MAXM];
};

/* Normal deviates for workload generation, from the engine's seeded PRNG. */
double opt_rng_normal(struct rng *r); /* Box-Muller on rng_u64 */

/* Number of workloads in split (EV_TRAIN or EV_HELDOUT); 0 for a bad split. */
int opt_nwork(int split);

/* Workload i of split, generated on first use.  NULL when out of range.
 * Lstar is not computed here (see opt_lstar). */
const struct opt_work *opt_workload(int split, int i);

/* The known optimum loss of workload i of split (cached): 0 except for
 * logistic regression, solved by Newton's method on first use. */
double opt_lstar(int split, int i);

/* Workload indices evaluated by task (a stage number) of split.  Returns the
 * count and sets *idx, or -1 for a task that is neither stage 0 nor 1. */
int opt_task_list(int task, int split, const int **idx);

/* Loss at w (n = wl->n).  May be Inf or NaN for wild w. */
double opt_loss(const struct opt_work *wl, const double *w);

/* Exact gradient at w into g. */
void opt_grad(const struct opt_work *wl, const double *w, double *g);

/* Step after which checkpoint j (1..OPT_CKPT) of a run of `steps` is taken. */
int opt_ckpt_step(int steps, int j);

/* Clamped improvement log10((L0 - L*) / (L(w) - L*)) of a point:
 * OPT_IMP_MIN for any non-finite parameter or loss, OPT_IMP_MAX when the
 * gap is 0 or below. */
double opt_improvement(const struct opt_work *wl, double lstar, const double *w);

/* The probe's start point and the gradient it feeds at step t (1-based). */
void opt_probe_start(double *w);
void opt_probe_grad(int t, double *g);

#endif
