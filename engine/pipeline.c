/* pipeline.c - see pipeline.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/fhash.h"
#include "engine/mutate/mutate.h"
#include "engine/pipeline.h"
#include "evaluators/external.h"
#include "evaluators/mono.h"
#include "evaluators/plugin.h"

unsigned pl_stage_tasks(const struct ev_evaluator *ev, int first)
{
	unsigned t = 0;
	for (int k = first; k < ev->nstages && k < EV_MAX_STAGES; k++)
		t |= SBX_TASK_STAGE(k);
	return t;
}

static void outcome_reset(struct pl_outcome *o)
{
	memset(o, 0, sizeof *o);
	o->stage = -1;
	o->score = NAN;
}

static int start(struct sbx *s, int slot, const struct ev_evaluator *ev, const char *src, size_t len,
                 unsigned tasks, int split, int rendered, int nprog, struct pl_outcome *o, char *err,
                 size_t errlen)
{
	struct ext *x = ext_of(ev);
	if (x) {
		/* An external command judges the candidate itself, here and now. */
		struct ext_result *r = malloc(sizeof *r);
		char xerr[EXT_MSG_MAX];
		if (!r) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		int rc = ext_eval(x, src, len, split, r, xerr, sizeof xerr);
		pl_ext_outcome(r, rc, o);
		free(r);
		return 0;
	}
	char *clean = NULL;
	if (sbx_prescan(src, len, ev, sbx_get_limits(s)->max_source, &clean, o->message,
	                sizeof o->message)) {
		o->status = SBX_REJECTED;
		return 0;
	}
	struct sbx_job job = { .ev = ev, .source = clean, .tasks = tasks, .split = split,
	                       .plugin = plugin_source(ev), .rendered = rendered, .nprog = nprog };
	int rc = sbx_submit(s, slot, &job, err, errlen);
	free(clean);
	return rc ? -1 : PL_RUNNING;
}

int pl_start(struct sbx *s, int slot, const struct ev_evaluator *ev, const char *src,
             size_t len, unsigned tasks, int split, struct pl_outcome *o, char *err,
             size_t errlen)
{
	return start(s, slot, ev, src, len, tasks, split, 0, 1, o, err, errlen);
}

int pl_start_rendered(struct sbx *s, int slot, const struct ev_evaluator *ev, const char *src, size_t len,
                      unsigned tasks, int split, struct pl_outcome *o, char *err, size_t errlen)
{
	return start(s, slot, ev, src, len, tasks, split, 1, 1, o, err, errlen);
}

int pl_start_batch(struct sbx *s, int slot, const struct ev_evaluator *ev, const char *src, size_t len,
                   int nprog, unsigned tasks, int split, struct pl_outcome *o, char *err, size_t errlen)
{
	return start(s, slot, ev, src, len, tasks, split, 1, nprog, o, err, errlen);
}

void pl_ext_outcome(const struct ext_result *r, int rc, struct pl_outcome *o)
{
	o->status = (enum sbx_status)r->status;
	o->signal = r->signal;
	o->score = r->has_score ? r->score : NAN;
	o->ev = r->ev;
	o->stage = r->status == SBX_OK ? 0 : -1;
	o->passed = 1;
	o->t_compile_ms = r->t_compile_ms;
	o->t_run_ms = r->t_run_ms;
	o->t_score_ms = r->t_score_ms;
	o->t_total_ms = r->wall_ms;
	snprintf(o->message, sizeof o->message, "%s%.4000s", rc == EXT_FAILED ? "evaluator failed: " : "",
	         r->message);
	if (o->status == SBX_OK && !isfinite(o->score))
		o->status = SBX_INVALID_OUTPUT;
}

/* Descriptors and metrics are numbers: a NaN or an infinity (a plug-in's
 * failed describe() leaves NaN with its message) makes the result invalid
 * output, never a cell.  Returns 1 when all are finite, else 0 with msg. */
static int result_finite(const struct ev_evaluator *ev, const struct ev_result *r, char *msg,
                         size_t len)
{
	for (int d = 0; d < ev->ndims && d < EV_MAX_DIMS; d++)
		if (!isfinite(r->desc[d])) {
			if (r->message[0])
				snprintf(msg, len, "%s", r->message);
			else
				snprintf(msg, len, "descriptor %s is %s, not a finite number", ev->dims[d].name,
				         isnan(r->desc[d]) ? "NaN" : "infinite");
			return 0;
		}
	for (int i = 0; i < r->nmetrics && i < EV_MAX_METRICS; i++)
		if (!isfinite(r->metrics[i].value)) {
			snprintf(msg, len, "metric %.31s is %s, not a finite number", r->metrics[i].name,
			         isnan(r->metrics[i].value) ? "NaN" : "infinite");
			return 0;
		}
	return 1;
}

int pl_finish(const struct ev_evaluator *ev, const struct sbx_result *res, int split,
              double tol, const char *src, size_t len, struct pl_outcome *o)
{
	double t0 = mono_ms();
	o->status = res->status;
	o->signal = res->signal;
	o->t_compile_ms += res->t_compile_ms;
	o->t_run_ms += res->t_run_ms;
	o->t_total_ms += res->t_wall_ms;
	if (res->message[0] || res->status != SBX_OK)
		memcpy(o->message, res->message, sizeof o->message);
	if (res->status != SBX_OK) {
		/* The plug-in's run() shares the candidate's process: say so. */
		const char *pp = plugin_path(ev);
		size_t n = strlen(o->message);
		if (pp && res->status != SBX_COMPILE_ERROR && res->status != SBX_REJECTED && n < sizeof o->message)
			snprintf(o->message + n, sizeof o->message - n,
			         " (in the candidate or in evaluator plug-in %s's run(), which share the process)", pp);
		return -1;
	}
	if (res->out[0]) {
		o->fhash = fh_outputs(res->out[0], res->nout[0], tol);
		o->has_fhash = 1;
	}
	int next = -1;
	/* Stages scored by an earlier job of this candidate are done. */
	for (int k = o->stage + 1; k < ev->nstages && k < EV_MAX_STAGES; k++) {
		if (!res->out[1 + k]) {
			if (o->stage == k - 1 && (o->passed || k == 0))
				next = k;
			break;
		}
		struct ev_result r;
		memset(&r, 0, sizeof r);
		int rc;
		if (res->prescored & (1u << k)) { /* scored in the batch child (engine/sym/batch.c) */
			r = res->pre[k];
			rc = res->pre_rc[k];
		} else {
			rc = ev->score(ev, k, split, res->out[1 + k], res->nout[1 + k], &r);
		}
		if (rc != 0 || !isfinite(r.score)) {
			o->status = SBX_INVALID_OUTPUT;
			snprintf(o->message, sizeof o->message, "stage %s: %s", ev->stages[k].name,
			         r.message[0] ? r.message : "the score is not a finite number");
			o->score = NAN;
			next = -1;
			break;
		}
		o->ev = r;
		o->score = r.score;
		o->stage = k;
		o->passed = k + 1 >= ev->nstages || r.score >= ev->stages[k].threshold;
		if (!o->passed)
			break;
	}
	/* describe() sees the candidate as the compiler did: preprocessed, so
	 * a polynomial hidden in a macro counts its operations. */
	if (o->status == SBX_OK && ev->describe) {
		if (res->pp)
			ev->describe(ev, res->pp, res->pp_len, &o->ev);
		else
			ev->describe(ev, src, len, &o->ev);
	}
	if (o->status == SBX_OK && !result_finite(ev, &o->ev, o->message, sizeof o->message)) {
		o->status = SBX_INVALID_OUTPUT;
		o->score = NAN;
		next = -1;
	}
	double scored = mono_ms() - t0;
	o->t_score_ms += scored;
	o->t_total_ms += scored; /* the total covers every phase: the job's wall time and scoring */
	return o->status == SBX_OK ? next : -1;
}

int pl_eval(struct sbx *s, const struct ev_evaluator *ev, const char *src, size_t len,
            int split, double tol, struct pl_outcome *o, char *err, size_t errlen)
{
	outcome_reset(o);
	double t0 = mono_ms();
	int rc = pl_start(s, 0, ev, src, len, SBX_TASK_PROBE | pl_stage_tasks(ev, 0), split, o,
	                  err, errlen);
	if (rc < 0)
		return -1;
	if (rc == PL_RUNNING) {
		struct sbx_result *res = malloc(sizeof *res);
		if (!res) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (sbx_wait(s, 0, res, err, errlen)) {
			free(res);
			return -1;
		}
		pl_finish(ev, res, split, tol, src, len, o);
		free(res);
	}
	o->t_total_ms = mono_ms() - t0;
	return 0;
}

/* ---- constant fitting in one compile (sandbox FIT jobs) ---------------- */

int pl_fit_ok(const struct ev_evaluator *ev)
{
	return ev && !ev->serve && !ext_of(ev) && !plugin_source(ev) && ev_builtin_index(ev) >= 0;
}

char *pl_fit_lift(const char *src, size_t len, const struct mut_consts *c, size_t n)
{
	if (n > c->n)
		n = c->n;
	size_t cap = len + 64 + n * 48;
	char *out = malloc(cap), *p = out;
	if (!out)
		return NULL;
	p += sprintf(p, "double __disco_k[%zu];\n", n ? n : 1);
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		const struct mut_const *k = &c->v[i];
		if (k->start < at || k->end > len || k->end < k->start) {
			free(out);
			return NULL;
		}
		memcpy(p, src + at, k->start - at);
		p += k->start - at;
		char last = k->end > k->start ? src[k->end - 1] : 0;
		if (k->fsuffix)
			p += sprintf(p, "((float)__disco_k[%zu])", i);
		else if (last == 'l' || last == 'L')
			p += sprintf(p, "((long double)__disco_k[%zu])", i);
		else
			p += sprintf(p, "(__disco_k[%zu])", i);
		at = k->end;
	}
	memcpy(p, src + at, len - at);
	p[len - at] = 0;
	return out;
}

int pl_fit_trial(const struct ev_evaluator *ev, const struct sbx_result *res, int t, int split,
                 const char *src, size_t len, struct pl_outcome *o)
{
	outcome_reset(o);
	if (res->status != SBX_OK || t < 0 || t >= res->ntrials)
		return -1;
	struct sbx_result *one = malloc(sizeof *one);
	if (!one)
		return -1;
	*one = *res;
	one->message[0] = 0;
	one->pp = NULL;
	one->t_compile_ms = one->t_run_ms = one->t_wall_ms = 0;
	for (int k = 0; k < SBX_NTASK; k++)
		if (one->out[k])
			one->out[k] += (size_t)t * res->trial_stride;
	pl_finish(ev, one, split, 0, src, len, o);
	free(one);
	return 0;
}
