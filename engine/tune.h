/*
 * tune.h - tune a program's numeric constants with a fixed budget of
 * evaluations, so discovered programs are compared with baselines whose
 * constants got the same effort (`disco baseline NAME --tune N`).
 *
 * The tuner is derivative-free: a (1+1) evolution strategy with step-size
 * adaptation (the 1/5 success rule) over the program's float literals
 * (engine/mutate/mutate.h, mut_consts_*).  A trial multiplies constants by
 * exp(sigma * N(0, 1)) (adds sigma * N(0, 0.1) to a zero): half the trials
 * move one constant, half move all of them.  A trial that scores strictly
 * higher on the train split, passing every stage, replaces the incumbent
 * and grows sigma by 1.5; any other shrinks it by 0.9 (1.5 * 0.9^4 ~ 1:
 * sigma holds steady at a 1/5 success rate).  sigma starts at 0.1 and stays
 * within [1e-7, 2].  (Of 0.2/1.8/0.85, 0.1/1.5/0.9 and 0.05/1.3/0.94 on
 * every optim and expapprox seed with 50 evaluations, the middle one did
 * best overall.)  Every trial goes through the normal pipeline
 * (prescan, sandbox, trusted scoring): a tuned program is scored exactly
 * like any candidate.  Deterministic given opts->seed.
 *
 * With opts->ir (the same program in IR form, e.g. the evaluator's IR
 * seed of the same name) and an evaluator that runs IR in-process (the
 * built-ins), the symbolic search's own fitter stands in for it:
 * sym_fit() with opts->evals trial scorings (optim: the step size by a
 * log-scale line search first, then a (1+1)-ES; engine/sym/fit.c), so a
 * baseline is tuned exactly as a discovered program's constants are.  The
 * fitted IR is rendered and scored through the pipeline like any
 * candidate; it replaces src only when that score is higher (r->improved
 * is then 1).
 *
 * Ownership: r->source is malloc'd; tune_result_release() frees it.
 */
#ifndef DISCO_TUNE_H
#define DISCO_TUNE_H

#include <stdint.h>

#include "sandbox/sbx.h"

struct tune_opts {
	int evals;      /* trial evaluations (the default's evaluation is extra) */
	uint64_t seed;  /* rng seed */
	double tol;     /* functional-hash tolerance passed to the pipeline (0: default) */
	const char *ir; /* the program's IR form (engine/sym), or NULL: see tune_program */
};

struct tune_result {
	char *source;   /* the best program found (the input when nothing beat it) */
	double score0;  /* the input's train score (NaN if it did not pass) */
	double score;   /* the best train score */
	int evals;      /* trials evaluated */
	int improved;   /* trials that replaced the incumbent */
	int nconst;     /* float constants tuned (0: nothing to tune) */
};

/* Tune src (NUL-terminated) for ev on the train split with sandbox sb
 * (slot 0; nothing else in flight).  Returns 0 with r filled, or -1 with a
 * message (setup failure: out of memory, the sandbox gone).  A program
 * that fails as given, or has no float constant, is returned unchanged
 * with r->evals 0. */
int tune_program(struct sbx *sb, const struct ev_evaluator *ev, const char *src,
                 const struct tune_opts *opts, struct tune_result *r, char *err, size_t errlen);
void tune_result_release(struct tune_result *r);

#endif
