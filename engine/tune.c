/* tune.c - see tune.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mutate/mutate.h"
#include "engine/pipeline.h"
#include "engine/sym/sym.h"
#include "engine/tune.h"
#include "evaluators/rng.h"

#define SIGMA0 0.1
#define SIGMA_MIN 1e-7
#define SIGMA_MAX 2.0
#define GROW 1.5
#define SHRINK 0.9

/* The train score of src when it passes every stage, else NaN.  -1 on a
 * setup error. */
static int score_of(struct sbx *sb, const struct ev_evaluator *ev, const char *src, double tol,
                    struct pl_outcome *o, double *score, char *err, size_t errlen)
{
	if (pl_eval(sb, ev, src, strlen(src), EV_TRAIN, tol, o, err, errlen))
		return -1;
	*score = o->status == SBX_OK && o->passed && isfinite(o->score) ? o->score : NAN;
	return 0;
}

/* The IR form of src fitted by sym_fit(), rendered and scored by the
 * pipeline.  Returns 0 (r filled), 1 when ir cannot be fitted in-process
 * (the caller tunes the literals instead), -1 on a setup error. */
static int tune_ir(struct sbx *sb, const struct ev_evaluator *ev, const char *src,
                   const struct tune_opts *opts, struct tune_result *r, struct pl_outcome *o, char *err,
                   size_t errlen)
{
	struct sym_prog p;
	char perr[256];
	if (sym_parse(opts->ir, strlen(opts->ir), ev, &p, perr, sizeof perr) || !p.spec->inproc)
		return 1;
	if (score_of(sb, ev, src, opts->tol, o, &r->score0, err, errlen))
		return -1;
	r->score = r->score0;
	r->source = strdup(src);
	if (!r->source) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r->nconst = p.nk;
	if (!isfinite(r->score0) || !p.nk || opts->evals < 1)
		return 0;
	struct rng rng;
	rng_seed(&rng, opts->seed ^ 0x74756e65ULL); /* "tune" */
	int used = sym_fit(&p, opts->evals + 1, &rng, NULL); /* its first scoring is the default's */
	r->evals = used > 0 ? used - 1 : 0;
	sym_simplify(&p);
	char *cand = sym_render(&p);
	double s;
	if (!cand) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (score_of(sb, ev, cand, opts->tol, o, &s, err, errlen)) {
		free(cand);
		return -1;
	}
	if (s > r->score) {
		r->score = s;
		r->improved = 1;
		free(r->source);
		r->source = cand;
	} else {
		free(cand);
	}
	return 0;
}

int tune_program(struct sbx *sb, const struct ev_evaluator *ev, const char *src,
                 const struct tune_opts *opts, struct tune_result *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	r->score0 = r->score = NAN;
	struct mut_consts c;
	size_t len = strlen(src);
	struct pl_outcome *o = malloc(sizeof *o);
	if (!o) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (opts->ir) {
		r->score0 = r->score = NAN;
		int rc = tune_ir(sb, ev, src, opts, r, o, err, errlen);
		if (rc <= 0) {
			free(o);
			if (rc)
				tune_result_release(r);
			return rc;
		}
		memset(r, 0, sizeof *r);
		r->score0 = r->score = NAN;
	}
	if (mut_consts_scan(src, len, &c, err, errlen)) {
		free(o);
		return -1;
	}
	double *best = calloc(c.n + 1, sizeof *best), *trial = calloc(c.n + 1, sizeof *trial);
	r->source = strdup(src);
	int rc = -1;
	if (!best || !trial || !r->source) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (score_of(sb, ev, src, opts->tol, o, &r->score0, err, errlen))
		goto out;
	r->score = r->score0;
	r->nconst = (int)c.n;
	rc = 0;
	if (c.n == 0 || !isfinite(r->score0))
		goto out;
	for (size_t i = 0; i < c.n; i++)
		best[i] = c.v[i].value;
	struct rng rng;
	rng_seed(&rng, opts->seed ^ 0x74756e65ULL); /* "tune" */
	double sigma = SIGMA0;
	for (int k = 0; k < opts->evals; k++) {
		memcpy(trial, best, c.n * sizeof *trial);
		int all = rng_double(&rng) < 0.5;
		size_t one = (size_t)rng_below(&rng, c.n);
		for (size_t i = 0; i < c.n; i++) {
			if (!all && i != one)
				continue;
			double z = rng_normal(&rng);
			trial[i] = best[i] != 0 ? best[i] * exp(sigma * z) : 0.1 * sigma * z;
		}
		char *cand = mut_consts_render(src, len, &c, trial);
		if (!cand) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			goto out;
		}
		double s;
		if (score_of(sb, ev, cand, opts->tol, o, &s, err, errlen)) {
			free(cand);
			rc = -1;
			goto out;
		}
		r->evals++;
		if (s > r->score) {
			r->score = s;
			r->improved++;
			memcpy(best, trial, c.n * sizeof *best);
			free(r->source);
			r->source = cand;
			sigma = fmin(sigma * GROW, SIGMA_MAX);
		} else {
			free(cand);
			sigma = fmax(sigma * SHRINK, SIGMA_MIN);
		}
	}
out:
	free(best);
	free(trial);
	free(o);
	mut_consts_release(&c);
	if (rc)
		tune_result_release(r);
	return rc;
}

void tune_result_release(struct tune_result *r)
{
	free(r->source);
	r->source = NULL;
}
