/* llm.c - the LLM mutator: model choice, prompts, calls, accounting, caps,
 * circuit breaker, edits; see engine/llm/llm.h. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive/arc.h"
#include "engine/fhash.h"
#include "engine/llm/edit.h"
#include "engine/llm/http.h"
#include "engine/llm/llm.h"
#include "engine/llm/openai.h"
#include "engine/llm/prompt.h"
#include "engine/loop.h"
#include "engine/pipeline.h"
#include "evaluators/rng.h"
#include "sandbox/sbx.h"
#include "evaluators/evaluator.h"

#define STATS_EVERY 25   /* calls between llm_stats events */
#define MAX_PAUSE_SHIFT 4 /* pauses double at most 16x */
#define RECENT 4096      /* calls remembered for their children's outcomes */

struct recent {
	int64_t call;
	int model;
};

/* Constant fitting (see llm.h): an evolution strategy over the float
 * literals of an LLM child (all of them scaled by 1 + sigma * N(0, 1)).
 * Where the evaluator allows it (pl_fit_ok()) and the mutator has its
 * fitting sandbox (llm_mutator_set_sandbox()), the child is compiled once
 * with its literals lifted into __disco_k (pl_fit_lift()) and a sandbox
 * FIT job runs FIT_TRIALS vectors at a time (a (1+lambda) strategy, the
 * engine scoring each trial); only the best vector, substituted back into
 * the text, goes to the loop as a candidate.  Otherwise (or when a FIT job
 * fails) a (1+1) strategy, sigma adapted by the 1/5 success rule, one
 * variant at a time, each judged by the loop like any candidate. */
#define FIT_JOBS 16      /* children being fitted at once */
#define FIT_TRIALS 16    /* vectors per sandbox FIT job (<= SBX_FIT_MAXT) */
enum { FIT_RECOMPILE = 0, FIT_BATCH, FIT_FINAL };
#define FIT_LITS 64      /* literals per child considered */
#define PENDING_SRC 512  /* children between their answer and their result */

struct fit_job {
	int active;
	int64_t base_program, best_program;
	double base_score, best_score;
	char *best_src;
	struct mut_consts consts; /* of best_src */
	int nlit;
	int evals;
	double sigma;
	int64_t out_tag;         /* the variant being evaluated, 0 none */
	char *out_src;
	int model;
	/* one compile (FIT_BATCH, then FIT_FINAL with the best vector) */
	int mode;
	char *lifted;            /* best_src (the child) with literals lifted */
	size_t nk;               /* constants lifted */
	double *best_k;          /* the best vector so far (nk) */
	double *trial_k;         /* the vectors of the job in flight (engine's copy) */
	double trial_best;       /* the best trial's score (base_score at first) */
	int jobs, trials;
};

struct pending_src {
	int64_t call;
	int model;
	char *src;
};

struct model {
	const struct llm_model_cfg *cfg;
	char *url;
	char *auth;              /* "Authorization: Bearer KEY" or NULL */
	const char *key;         /* inside auth, for redaction; NULL */
	/* statistics */
	int64_t calls, failed, children, improvements, unknown_usage;
	int64_t asked;           /* calls sent (calls counts answered ones) */
	int64_t tokens_in, tokens_out;
	double cost;
	/* circuit breaker */
	int fails_in_row, paused, probing, pauses;
	int64_t resume_at;       /* loop ms */
};

struct call {
	struct call *next;
	struct llm_state *S;
	struct mut_req *req;
	int model;
	enum llm_edit_form form;
	int64_t http_id;
	char *prompt;            /* system + user, for the archive (bounded) */
	size_t prompt_bytes;
	int probe;
};

struct llm_state {
	struct llm_cfg cfg;
	struct llm_budget budget;
	struct loop *loop;
	struct arc *arc;
	const struct ev_evaluator *ev;
	struct llm_http *http;
	char *task, *entries;
	char *sys_tmpl, *user_tmpl, *fmt[2];
	struct model m[LLM_MAX_MODELS];
	int nm;
	struct call *calls;
	int inflight;
	/* totals for the caps (this campaign, resumed runs included) */
	int64_t started, tokens_est;
	double cost_est;
	int spent;               /* a cap was reached: never again */
	int64_t done_calls;
	struct recent recent[RECENT];
	struct fit_job fit[FIT_JOBS];
	struct pending_src psrc[PENDING_SRC];
	int64_t fit_tags;        /* fit proposals are tagged -1, -2, ... */
	int64_t fit_done, fit_skipped, fit_evals, fit_wins;
	int64_t fit_jobs, fit_trials, fit_fallbacks;
	struct sbx *fsb;         /* the fitting sandbox (one slot), or NULL */
	int fit_busy;            /* index of the job whose FIT job runs, -1 none */
	struct sbx_result *fres;
	struct rng fit_rng;
	struct mut_mutator mut;
};

/* ---- keys ---------------------------------------------------------------- */

int llm_keys_take(const struct llm_cfg *cfg, struct llm_keys *keys, char *err, size_t errlen)
{
	memset(keys, 0, sizeof *keys);
	for (int i = 0; i < cfg->nmodels; i++) {
		const char *name = cfg->models[i].api_key_env;
		if (!name[0])
			continue;
		/* Several models may share a variable: the first take erased it. */
		for (int j = 0; j < i && !keys->key[i]; j++)
			if (keys->key[j] && !strcmp(cfg->models[j].api_key_env, name))
				keys->key[i] = strdup(keys->key[j]);
		if (keys->key[i])
			continue;
		char *v = getenv(name);
		if (!v || !v[0]) {
			snprintf(err, errlen,
			         "llm.models[%d].api_key_env: the environment variable %s is %s (export the"
			         " key there, or set \"api_key_env\": \"\" for an endpoint without a key)",
			         i, name, v ? "empty" : "not set");
			llm_keys_free(keys);
			return -1;
		}
		keys->key[i] = strdup(v);
		if (!keys->key[i]) {
			snprintf(err, errlen, "out of memory");
			llm_keys_free(keys);
			return -1;
		}
		/* Erase it where it lives (the initial environment block is what
		 * /proc/PID/environ shows, and what a fork inherits), then drop it. */
		memset(v, '*', strlen(v));
		unsetenv(name);
	}
	return 0;
}

void llm_keys_free(struct llm_keys *keys)
{
	if (!keys)
		return;
	for (int i = 0; i < LLM_MAX_MODELS; i++) {
		if (keys->key[i]) {
			memset(keys->key[i], 0, strlen(keys->key[i]));
			free(keys->key[i]);
		}
		keys->key[i] = NULL;
	}
}

void llm_redact(char *s, const char *secret)
{
	static const char mark[] = "[redacted]";
	size_t k = secret ? strlen(secret) : 0;
	if (!s || k == 0)
		return;
	char *p;
	while ((p = strstr(s, secret))) {
		if (k >= sizeof mark - 1) {
			memcpy(p, mark, sizeof mark - 1);
			memmove(p + sizeof mark - 1, p + k, strlen(p + k) + 1);
		} else {
			memset(p, '*', k);
		}
	}
}

static void redact_all(struct llm_state *S, char *s)
{
	for (int i = 0; i < S->nm; i++)
		llm_redact(s, S->m[i].key);
}

/* ---- archive ---------------------------------------------------------------- */

static void event(struct llm_state *S, const char *kind, cJSON *detail)
{
	char *t = detail ? cJSON_PrintUnformatted(detail) : NULL;
	cJSON_Delete(detail);
	if (t)
		redact_all(S, t);
	if (S->arc)
		arc_add_event(S->arc, kind, t);
	free(t);
}

static void stats_event(struct llm_state *S)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "choice", S->cfg.choice == LLM_CHOOSE_BANDIT ? "bandit" : "weighted");
	cJSON *f = cJSON_AddObjectToObject(d, "fitting");
	cJSON_AddNumberToObject(f, "children_fitted", (double)S->fit_done);
	cJSON_AddNumberToObject(f, "evaluations", (double)S->fit_evals);
	cJSON_AddNumberToObject(f, "improvements", (double)S->fit_wins);
	cJSON_AddNumberToObject(f, "skipped", (double)S->fit_skipped);
	cJSON_AddNumberToObject(f, "sandbox_jobs", (double)S->fit_jobs);
	cJSON_AddNumberToObject(f, "sandbox_trials", (double)S->fit_trials);
	cJSON_AddNumberToObject(f, "fallbacks", (double)S->fit_fallbacks);
	cJSON *ms = cJSON_AddArrayToObject(d, "models");
	for (int i = 0; ms && i < S->nm; i++) {
		const struct model *m = &S->m[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", m->cfg->name);
		cJSON_AddNumberToObject(o, "calls", (double)m->calls);
		cJSON_AddNumberToObject(o, "failed", (double)m->failed);
		cJSON_AddNumberToObject(o, "children", (double)m->children);
		cJSON_AddNumberToObject(o, "improvements", (double)m->improvements);
		cJSON_AddNumberToObject(o, "tokens_in", (double)m->tokens_in);
		cJSON_AddNumberToObject(o, "tokens_out", (double)m->tokens_out);
		cJSON_AddNumberToObject(o, "cost_usd", m->cost);
		cJSON_AddNumberToObject(o, "unknown_usage", (double)m->unknown_usage);
		cJSON_AddBoolToObject(o, "paused", m->paused);
		cJSON_AddItemToArray(ms, o);
	}
	event(S, "llm_stats", d);
}

/* Copy at most cap bytes of s (cut at a UTF-8 boundary), with a note. */
static char *bounded(const char *s, size_t n, size_t cap)
{
	if (!s)
		return NULL;
	if (n <= cap)
		return strndup(s, n);
	size_t k = cap;
	while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	char note[64];
	int w = snprintf(note, sizeof note, "\n[... %zu more bytes not stored]", n - k);
	char *r = malloc(k + (size_t)w + 1);
	if (!r)
		return NULL;
	memcpy(r, s, k);
	memcpy(r + k, note, (size_t)w + 1);
	return r;
}

/* ---- model choice ----------------------------------------------------------- */

static int model_ready(const struct model *m, int64_t now)
{
	return !m->paused || (!m->probing && now >= m->resume_at);
}

/* Bandit value: improvements per dollar (per call when prices are 0),
 * with a Beta(1,1)-like prior, plus a UCB1 exploration bonus. */
static double bandit_score(const struct llm_state *S, int i, double best_value)
{
	const struct model *m = &S->m[i];
	int64_t total = 0;
	for (int k = 0; k < S->nm; k++)
		total += S->m[k].children;
	double per = m->children ? (m->improvements + 1.0) / (m->children + 2.0) : 0.5;
	double unit = m->calls && m->cost > 0 ? m->cost / (double)m->calls : 1.0;
	double value = per / unit;
	double norm = best_value > 0 ? value / best_value : 0;
	return m->cfg->weight * norm + sqrt(2.0 * log((double)total + 2.0) / ((double)m->children + 1.0));
}

static double bandit_value(const struct model *m)
{
	double per = m->children ? (m->improvements + 1.0) / (m->children + 2.0) : 0.5;
	double unit = m->calls && m->cost > 0 ? m->cost / (double)m->calls : 1.0;
	return per / unit;
}

static int choose_model(struct llm_state *S, struct rng *r)
{
	int64_t now = loop_now_ms();
	int ok[LLM_MAX_MODELS], n = 0;
	for (int i = 0; i < S->nm; i++)
		if (model_ready(&S->m[i], now))
			ok[n++] = i;
	if (!n)
		return -1;
	if (S->cfg.choice == LLM_CHOOSE_BANDIT) {
		/* Every model is tried once before any is judged (UCB1's start):
		 * one never asked has no cost per call yet, and would look dear
		 * next to one that has, however cheap it is. */
		for (int k = 0; k < n; k++)
			if (!S->m[ok[k]].asked)
				return ok[k];
		double bv = 0;
		for (int k = 0; k < n; k++)
			bv = fmax(bv, bandit_value(&S->m[ok[k]]));
		int best = ok[0];
		double bs = -INFINITY;
		for (int k = 0; k < n; k++) {
			/* a tiny random tie-break from the loop's rng keeps it reproducible */
			double s = bandit_score(S, ok[k], bv) + 1e-9 * rng_double(r);
			if (s > bs) {
				bs = s;
				best = ok[k];
			}
		}
		return best;
	}
	double tot = 0;
	for (int k = 0; k < n; k++)
		tot += S->m[ok[k]].cfg->weight;
	double x = rng_double(r) * tot;
	for (int k = 0; k < n; k++) {
		if (x < S->m[ok[k]].cfg->weight)
			return ok[k];
		x -= S->m[ok[k]].cfg->weight;
	}
	return ok[n - 1];
}

static struct fit_job *fit_ready(struct llm_state *S);
static int fit_any(const struct llm_state *S);

/* ---- caps ----------------------------------------------------------------------- */

static int caps_reached(struct llm_state *S, const char **which)
{
	const struct llm_budget *b = &S->budget;
	if (b->calls && S->started >= b->calls) {
		*which = "budget.llm_calls";
		return 1;
	}
	if (b->tokens && S->tokens_est >= b->tokens) {
		*which = "budget.tokens";
		return 1;
	}
	if (b->cost_usd > 0 && S->cost_est >= b->cost_usd) {
		*which = "budget.cost_usd";
		return 1;
	}
	return 0;
}

static void check_caps(struct llm_state *S)
{
	const char *which;
	if (S->spent || !caps_reached(S, &which))
		return;
	S->spent = 1;
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "cap", which);
	cJSON_AddNumberToObject(d, "calls", (double)S->started);
	cJSON_AddNumberToObject(d, "tokens", (double)S->tokens_est);
	cJSON_AddNumberToObject(d, "cost_usd", S->cost_est);
	cJSON_AddNumberToObject(d, "in_flight", S->inflight);
	event(S, "llm_budget_stop", d);
}

static enum mut_avail llm_avail(const struct mut_mutator *mm)
{
	struct llm_state *S = mm->state;
	check_caps(S);
	if (fit_ready(S))
		return MUT_AVAIL_NOW; /* fitting costs no call */
	if (S->spent)
		return fit_any(S) || S->inflight ? MUT_AVAIL_LATER : MUT_AVAIL_NEVER;
	if (S->inflight >= S->cfg.in_flight)
		return MUT_AVAIL_LATER;
	int64_t now = loop_now_ms();
	for (int i = 0; i < S->nm; i++)
		if (model_ready(&S->m[i], now))
			return MUT_AVAIL_NOW;
	return MUT_AVAIL_LATER;
}

/* ---- the circuit breaker --------------------------------------------------------- */

static void breaker(struct llm_state *S, int mi, int ok, const char *why)
{
	struct model *m = &S->m[mi];
	int was_probe = m->probing;
	m->probing = 0;
	if (ok) {
		m->fails_in_row = 0;
		if (m->paused) {
			m->paused = 0;
			m->pauses = 0;
			cJSON *d = cJSON_CreateObject();
			cJSON_AddStringToObject(d, "model", m->cfg->name);
			event(S, "llm_resume", d);
		}
		return;
	}
	m->fails_in_row++;
	if ((m->paused && was_probe) || (!m->paused && m->fails_in_row >= S->cfg.breaker_failures)) {
		int shift = m->pauses < MAX_PAUSE_SHIFT ? m->pauses : MAX_PAUSE_SHIFT;
		long ms = (long)S->cfg.breaker_pause_ms << shift;
		m->paused = 1;
		m->pauses++;
		m->resume_at = loop_now_ms() + ms;
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "model", m->cfg->name);
		cJSON_AddNumberToObject(d, "failures_in_row", m->fails_in_row);
		cJSON_AddNumberToObject(d, "pause_ms", (double)ms);
		cJSON_AddStringToObject(d, "last_error", why ? why : "");
		event(S, "llm_pause", d);
	}
}

/* ---- constant fitting ------------------------------------------------------------------ */

static int fit_scan(struct fit_job *j)
{
	char err[64];
	mut_consts_release(&j->consts);
	if (mut_consts_scan(j->best_src, strlen(j->best_src), &j->consts, err, sizeof err))
		j->consts.n = 0;
	j->nlit = (int)j->consts.n;
	return j->nlit;
}

static void fit_clear(struct fit_job *j)
{
	mut_consts_release(&j->consts);
	free(j->best_src);
	free(j->out_src);
	free(j->lifted);
	free(j->best_k);
	free(j->trial_k);
	memset(j, 0, sizeof *j);
}

static void fit_finish(struct llm_state *S, struct fit_job *j)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddNumberToObject(d, "program", (double)j->base_program);
	cJSON_AddStringToObject(d, "model", S->m[j->model].cfg->name);
	cJSON_AddNumberToObject(d, "base_score", j->base_score);
	cJSON_AddNumberToObject(d, "best_score", j->best_score);
	cJSON_AddNumberToObject(d, "gain", j->best_score - j->base_score);
	cJSON_AddNumberToObject(d, "best_program", (double)j->best_program);
	cJSON_AddNumberToObject(d, "evaluations", j->evals);
	cJSON_AddNumberToObject(d, "literals", j->nlit);
	cJSON_AddStringToObject(d, "mode", j->jobs && j->mode != FIT_RECOMPILE ? "one_compile" : "recompile");
	cJSON_AddNumberToObject(d, "sandbox_jobs", j->jobs);
	cJSON_AddNumberToObject(d, "sandbox_trials", j->trials);
	if (j->jobs)
		cJSON_AddNumberToObject(d, "trial_best", j->trial_best);
	event(S, "llm_fit", d);
	S->fit_done++;
	fit_clear(j);
}

static void fit_pump(struct llm_state *S);

/* A program made from an LLM answer: fit its constants. */
static void fit_begin(struct llm_state *S, int64_t program, const char *src, double score, int model)
{
	if (S->cfg.fit_evaluations <= 0 || !isfinite(score))
		return;
	struct fit_job *j = NULL;
	for (int i = 0; i < FIT_JOBS && !j; i++)
		if (!S->fit[i].active)
			j = &S->fit[i];
	if (!j) {
		S->fit_skipped++;
		return;
	}
	j->best_src = strdup(src);
	if (!j->best_src || fit_scan(j) == 0) {
		fit_clear(j);
		return;
	}
	j->active = 1;
	j->base_program = j->best_program = program;
	j->base_score = j->best_score = score;
	j->sigma = 0.02;
	j->model = model;
	j->mode = FIT_RECOMPILE;
	if (S->fsb && pl_fit_ok(S->ev)) {
		j->nk = j->consts.n < SBX_FIT_MAXK ? j->consts.n : SBX_FIT_MAXK;
		j->lifted = pl_fit_lift(j->best_src, strlen(j->best_src), &j->consts, j->nk);
		j->best_k = malloc(j->nk * sizeof *j->best_k);
		j->trial_k = malloc((size_t)FIT_TRIALS * j->nk * sizeof *j->trial_k);
		if (j->lifted && j->best_k && j->trial_k) {
			for (size_t i = 0; i < j->nk; i++)
				j->best_k[i] = j->consts.v[i].value;
			j->trial_best = score;
			j->mode = FIT_BATCH;
		}
	}
	fit_pump(S);
}

static struct fit_job *fit_ready(struct llm_state *S)
{
	for (int i = 0; i < FIT_JOBS; i++)
		if (S->fit[i].active && !S->fit[i].out_tag && S->fit[i].mode != FIT_BATCH)
			return &S->fit[i];
	return NULL;
}

static int fit_any(const struct llm_state *S)
{
	for (int i = 0; i < FIT_JOBS; i++)
		if (S->fit[i].active)
			return 1;
	return 0;
}

/* The next variant of j: every nonzero float literal of the best source
 * (the first FIT_LITS) scaled by 1 + sigma * N(0, 1) (draws from the
 * loop's rng). */
static int fit_propose(struct llm_state *S, struct fit_job *j, struct rng *r, struct mut_child *child)
{
	double *vals = malloc((j->consts.n ? j->consts.n : 1) * sizeof *vals);
	if (!vals)
		return -1;
	for (size_t i = 0; i < j->consts.n; i++) {
		if (j->mode == FIT_FINAL) { /* the best vector of the FIT jobs */
			vals[i] = i < j->nk ? j->best_k[i] : j->consts.v[i].value;
			continue;
		}
		double v = j->consts.v[i].value, f = 1 + j->sigma * rng_normal(r);
		vals[i] = v == 0 || i >= FIT_LITS || !(f > 0.5 && f < 2) ? v : v * f; /* zeros stay */
	}
	char *out = mut_consts_render(j->best_src, strlen(j->best_src), &j->consts, vals);
	free(vals);
	if (!out)
		return -1;
	j->out_src = strdup(out);
	if (!j->out_src) {
		free(out);
		return -1;
	}
	child->src = out;
	child->tag = j->out_tag = --S->fit_tags;
	child->parent = j->best_program;
	char info[160];
	if (j->mode == FIT_FINAL)
		snprintf(info, sizeof info, "{\"fit_of\":%lld,\"sandbox_trials\":%d,\"trial_score\":%.17g}",
		         (long long)j->base_program, j->trials, j->trial_best);
	else
		snprintf(info, sizeof info, "{\"fit_of\":%lld,\"sigma\":%.3g}", (long long)j->base_program,
		         j->sigma);
	child->info = strdup(info);
	return 0;
}

static void fit_result(struct llm_state *S, int64_t tag, int outcome, double score)
{
	struct fit_job *j = NULL;
	for (int i = 0; i < FIT_JOBS && !j; i++)
		if (S->fit[i].active && S->fit[i].out_tag == tag)
			j = &S->fit[i];
	if (!j)
		return;
	j->out_tag = 0;
	if (j->mode == FIT_FINAL) {
		/* The fitted child, judged by the loop like any candidate: its
		 * recorded score is the one that counts, never a trial's. */
		if (outcome != ARC_DUPLICATE && isfinite(score) && score > j->best_score) {
			j->best_score = score;
			S->fit_wins++;
			if (outcome == ARC_NEW || outcome == ARC_IMPROVED)
				S->m[j->model].improvements++;
			int64_t pid;
			if (S->arc && j->out_src &&
			    arc_find_text_hash(S->arc, fh_text(j->out_src, strlen(j->out_src)), &pid) == ARC_OK)
				j->best_program = pid;
		}
		fit_finish(S, j);
		return;
	}
	j->evals++;
	S->fit_evals++;
	if (outcome != ARC_DUPLICATE && isfinite(score) && score > j->best_score && j->out_src) {
		/* Better: keep it, and search wider (the 1/5 success rule). */
		free(j->best_src);
		j->best_src = j->out_src;
		j->out_src = NULL;
		j->best_score = score;
		j->sigma *= 1.5;
		S->fit_wins++;
		if (outcome == ARC_NEW || outcome == ARC_IMPROVED)
			S->m[j->model].improvements++; /* the model's structure paid off: the bandit learns it */
		int64_t pid;
		if (S->arc && arc_find_text_hash(S->arc, fh_text(j->best_src, strlen(j->best_src)), &pid) == ARC_OK)
			j->best_program = pid;
		fit_scan(j);
	} else {
		free(j->out_src);
		j->out_src = NULL;
		j->sigma *= 0.82;
	}
	if (j->evals >= S->cfg.fit_evaluations || j->sigma < 1e-9 || j->nlit == 0)
		fit_finish(S, j);
}

/* The FIT jobs are done with j: propose the best vector as a candidate if
 * a trial beat the child, else finish. */
static void fit_batch_end(struct llm_state *S, struct fit_job *j)
{
	if (j->trial_best > j->base_score)
		j->mode = FIT_FINAL;
	else
		fit_finish(S, j);
}

/* A FIT job failed (a trial crashed, timed out, the lifted source did not
 * compile...): a first job falls back to one candidate per variant; a
 * later one keeps what the earlier jobs found. */
static void fit_batch_failed(struct llm_state *S, struct fit_job *j)
{
	if (j->jobs > 1) {
		fit_batch_end(S, j);
		return;
	}
	S->fit_fallbacks++;
	j->mode = FIT_RECOMPILE;
}

/* Start the next FIT job on the fitting sandbox, if it is idle. */
static void fit_pump(struct llm_state *S)
{
	if (!S->fsb || S->fit_busy >= 0)
		return;
	for (int i = 0; i < FIT_JOBS; i++) {
		struct fit_job *j = &S->fit[i];
		if (!j->active || j->mode != FIT_BATCH)
			continue;
		int left = S->cfg.fit_evaluations - j->evals;
		if (left <= 0 || j->sigma < 1e-9) {
			fit_batch_end(S, j);
			continue;
		}
		int nt = left < FIT_TRIALS ? left : FIT_TRIALS;
		for (int t = 0; t < nt; t++)
			for (size_t k = 0; k < j->nk; k++) {
				double v = j->best_k[k], f = 1 + j->sigma * rng_normal(&S->fit_rng);
				j->trial_k[(size_t)t * j->nk + k] =
					v == 0 || k >= FIT_LITS || !(f > 0.5 && f < 2) ? v : v * f;
			}
		char *clean = NULL, msg[SBX_MSG_MAX], err[256];
		if (sbx_prescan(j->lifted, strlen(j->lifted), S->ev, sbx_get_limits(S->fsb)->max_source,
		                &clean, msg, sizeof msg)) {
			j->jobs++;
			fit_batch_failed(S, j);
			continue;
		}
		struct sbx_job job = { .ev = S->ev, .source = clean, .tasks = pl_stage_tasks(S->ev, 0),
		                       .split = EV_TRAIN, .kind = SBX_JOB_FIT, .consts = j->trial_k,
		                       .nconst = (int)j->nk, .ntrial = nt };
		int rc = sbx_submit(S->fsb, 0, &job, err, sizeof err);
		free(clean);
		j->jobs++;
		if (rc) {
			fit_batch_failed(S, j);
			continue;
		}
		S->fit_jobs++;
		S->fit_busy = i;
		j->out_tag = nt; /* trials in flight (a BATCH job is never proposed) */
		return;
	}
}

/* The fitting sandbox finished a FIT job: score every trial here, with the
 * evaluator's score() (the child only ran them), keep the best vector. */
static void fit_collected(struct llm_state *S, const struct sbx_result *res)
{
	int bi = S->fit_busy;
	S->fit_busy = -1;
	if (bi < 0)
		return;
	struct fit_job *j = &S->fit[bi];
	int nt = (int)j->out_tag;
	j->out_tag = 0;
	if (!j->active || j->mode != FIT_BATCH)
		return;
	if (res->status != SBX_OK || res->ntrials != nt) {
		fit_batch_failed(S, j);
		return;
	}
	struct pl_outcome *o = malloc(sizeof *o);
	if (!o) {
		fit_batch_failed(S, j);
		return;
	}
	int best = -1;
	for (int t = 0; t < nt; t++) {
		if (pl_fit_trial(S->ev, res, t, EV_TRAIN, j->lifted, strlen(j->lifted), o))
			continue;
		if (o->status == SBX_OK && isfinite(o->score) && o->score > j->trial_best) {
			j->trial_best = o->score;
			best = t;
		}
	}
	free(o);
	j->evals += nt;
	j->trials += nt;
	S->fit_evals += nt;
	S->fit_trials += nt;
	if (best >= 0) {
		memcpy(j->best_k, j->trial_k + (size_t)best * j->nk, j->nk * sizeof *j->best_k);
		j->sigma *= 1.5;
	} else {
		j->sigma *= 0.6;
	}
	if (j->evals >= S->cfg.fit_evaluations || j->sigma < 1e-9)
		fit_batch_end(S, j);
}

static void on_fit_fd(struct loop *l, int fd, int mask, void *ud)
{
	struct llm_state *S = ud;
	(void)l; (void)fd; (void)mask;
	for (;;) {
		int slot;
		char err[256];
		int rc = sbx_collect(S->fsb, &slot, S->fres, err, sizeof err);
		if (rc == 1) {
			fit_collected(S, S->fres);
			continue;
		}
		if (rc < 0) {
			/* The fitting sandbox is gone: every child falls back. */
			loop_watch(S->loop, sbx_fd(S->fsb), 0, NULL, NULL);
			sbx_close(&S->fsb);
			S->fit_busy = -1;
			for (int i = 0; i < FIT_JOBS; i++)
				if (S->fit[i].active && S->fit[i].mode == FIT_BATCH) {
					S->fit[i].out_tag = 0;
					S->fit_fallbacks++;
					S->fit[i].mode = FIT_RECOMPILE;
				}
		}
		break;
	}
	fit_pump(S);
}

int llm_mutator_set_sandbox(struct mut_mutator *m, const struct sbx_limits *lim, char *err,
                            size_t errlen)
{
	struct llm_state *S = m->state;
	if (S->fsb || S->cfg.fit_evaluations <= 0 || !pl_fit_ok(S->ev))
		return 0;
	S->fres = malloc(sizeof *S->fres);
	if (!S->fres) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	S->fsb = sbx_open(1, lim, err, errlen);
	if (!S->fsb)
		return -1;
	if (loop_watch(S->loop, sbx_fd(S->fsb), LOOP_READABLE, on_fit_fd, S)) {
		sbx_close(&S->fsb);
		snprintf(err, errlen, "cannot watch the fitting sandbox");
		return -1;
	}
	return 0;
}

static void psrc_put(struct llm_state *S, int64_t call, int model, const char *src)
{
	struct pending_src *p = &S->psrc[(uint64_t)call % PENDING_SRC];
	free(p->src);
	p->call = call;
	p->model = model;
	p->src = S->cfg.fit_evaluations > 0 ? strdup(src) : NULL;
}

/* ---- one call ------------------------------------------------------------------------ */

static void unlink_call(struct llm_state *S, struct call *c)
{
	for (struct call **pp = &S->calls; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			S->inflight--;
			return;
		}
}

static void call_free(struct call *c)
{
	if (!c)
		return;
	free(c->prompt);
	free(c);
}

static char *info_json(const struct model *m, int64_t call_id, const char *form,
                       const struct llm_edit_info *ei)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "model", m->cfg->name);
	cJSON_AddNumberToObject(j, "llm_call", (double)call_id);
	cJSON_AddStringToObject(j, "form", form);
	if (ei) {
		cJSON_AddNumberToObject(j, "blocks", ei->blocks);
		cJSON_AddNumberToObject(j, "fuzzy", ei->fuzzy);
	}
	char *t = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	char *r = t ? strdup(t) : NULL;
	cJSON_free(t);
	return r;
}

static void on_answer(void *ud, const struct llm_http_res *res)
{
	struct call *c = ud;
	struct llm_state *S = c->S;
	struct model *m = &S->m[c->model];
	struct mut_req *req = c->req;
	unlink_call(S, c);

	char why[512] = "";
	const char *status = "ok";
	int call_ok = 0;          /* the endpoint answered sensibly (breaker) */
	struct llm_oai_ans ans = { .tokens_in = -1, .tokens_out = -1 };
	if (res->error) {
		status = res->too_big ? "too_big" : res->timed_out ? "timeout" : "transport_error";
		snprintf(why, sizeof why, "%s%s", res->error,
		         res->retries ? " (after retries)" : "");
	} else if (res->status != 200) {
		char et[256];
		llm_oai_error_text(res->body, res->len, et, sizeof et);
		if (!et[0]) { /* not a JSON error (an HTML page, text): its first bytes */
			size_t k = 0;
			for (size_t i = 0; i < res->len && k < 80; i++)
				et[k++] = (unsigned char)res->body[i] < 32 ? ' ' : res->body[i];
			et[k] = '\0';
		}
		status = "http_error";
		snprintf(why, sizeof why, "HTTP %ld%s%s", res->status, et[0] ? ": " : "", et);
	} else if (llm_oai_parse(res->body, res->len, &ans, why, sizeof why)) {
		status = "bad_response";
	} else if (!ans.content || !ans.content[0]) {
		status = "no_content";
		call_ok = 1;
		snprintf(why, sizeof why, "the model's answer has no content%s%s",
		         ans.finish[0] ? " (finish_reason " : "", ans.finish[0] ? ans.finish : "");
		if (ans.finish[0])
			strncat(why, ")", sizeof why - strlen(why) - 1);
	} else if (!strcmp(ans.finish, "length")) {
		status = "truncated";
		call_ok = 1;
		snprintf(why, sizeof why, "the answer was cut at max_tokens (%d; finish_reason length)",
		         m->cfg->max_tokens);
	} else {
		call_ok = 1;
	}
	redact_all(S, why);

	/* Accounting: real usage when the server sent it, else unknown. */
	int known = ans.tokens_in >= 0 && ans.tokens_out >= 0;
	double cost = NAN;
	size_t alen = ans.content ? strlen(ans.content) : 0;
	if (known) {
		cost = ans.tokens_in * m->cfg->price_in / 1e6 + ans.tokens_out * m->cfg->price_out / 1e6;
		m->tokens_in += ans.tokens_in;
		m->tokens_out += ans.tokens_out;
		m->cost += cost;
		S->tokens_est += ans.tokens_in + ans.tokens_out;
		S->cost_est += cost;
	} else if (call_ok) {
		/* A completion without usage: estimated for the caps only (the
		 * archive says unknown).  Failed calls produced no completion. */
		long ti = llm_prompt_tokens(c->prompt_bytes), to = llm_prompt_tokens(alen);
		S->tokens_est += ti + to;
		S->cost_est += ti * m->cfg->price_in / 1e6 + to * m->cfg->price_out / 1e6;
		m->unknown_usage++;
	}
	m->calls++;
	S->done_calls++;
	if (!call_ok)
		m->failed++;

	/* The edit. */
	struct mut_child child = { 0 };
	char eerr[512] = "";
	int rc = MUT_DROPPED;
	struct llm_edit_info ei;
	if (!strcmp(status, "ok")) {
		rc = llm_edit_apply(req->parent.src, req->parent.len, ans.content, alen, c->form, &child.src,
		                    &ei, eerr, sizeof eerr);
	} else if (call_ok) {
		rc = -1;
		snprintf(eerr, sizeof eerr, "%s", why);
	}
	char msg[640];
	if (!strcmp(status, "ok") && rc == 0 && ei.form == LLM_EDIT_DIFF)
		snprintf(msg, sizeof msg, "edit applied: diff%s (%d block%s, %d whitespace-tolerant)",
		         ei.form != c->form ? " (asked for a rewrite)" : "", ei.blocks, ei.blocks == 1 ? "" : "s",
		         ei.fuzzy);
	else if (!strcmp(status, "ok") && rc == 0)
		snprintf(msg, sizeof msg, "edit applied: rewrite%s", ei.form != c->form ? " (asked for a diff)" : "");
	else if (!strcmp(status, "ok"))
		snprintf(msg, sizeof msg, "edit failed: %s", eerr);
	else
		snprintf(msg, sizeof msg, "%s", why);
	redact_all(S, msg);

	int64_t call_id = 0;
	if (S->arc) {
		char *ansb = bounded(ans.content ? ans.content : res->body, ans.content ? alen : res->len,
		                     (size_t)S->cfg.store_bytes);
		if (ansb)
			redact_all(S, ansb);
		struct arc_llm_call rec = {
			.model = m->cfg->name, .tokens_in = known ? ans.tokens_in : -1,
			.tokens_out = known ? ans.tokens_out : -1, .latency_ms = res->latency_ms, .cost = cost,
			.status = status, .message = msg, .retries = res->retries,
			.finish_reason = ans.finish[0] ? ans.finish : NULL, .prompt = c->prompt, .answer = ansb,
			.parent_id = req->parent.id,
		};
		if (arc_add_llm_call(S->arc, &rec, &call_id) == ARC_OK)
			S->recent[(uint64_t)call_id % RECENT] = (struct recent){ call_id, c->model };
		free(ansb);
	}
	breaker(S, c->model, call_ok, why);
	if (S->done_calls % STATS_EVERY == 0)
		stats_event(S);
	check_caps(S);
	llm_oai_ans_clear(&ans);

	const char *form = c->form == LLM_EDIT_DIFF ? "diff" : "rewrite";
	child.tag = call_id;
	call_free(c);
	if (rc == 0) {
		if (call_id > 0)
			psrc_put(S, call_id, (int)(m - S->m), child.src);
		child.info = info_json(m, call_id, ei.form == LLM_EDIT_DIFF ? "diff" : "rewrite", &ei);
		req->done(req, 0, &child, NULL);
	} else if (rc == -1) {
		char e2[700];
		snprintf(e2, sizeof e2, "%s (model %s, %s)", eerr, m->cfg->name, form);
		req->done(req, -1, &child, e2);
	} else {
		char e2[700];
		snprintf(e2, sizeof e2, "call to %s failed: %s", m->cfg->name, why);
		req->done(req, MUT_DROPPED, NULL, e2);
	}
}

static int llm_start(const struct mut_mutator *mm, struct mut_req *req, struct mut_child *child,
                     char *err, size_t errlen)
{
	struct llm_state *S = mm->state;
	struct fit_job *fj = fit_ready(S);
	if (fj) {
		if (fit_propose(S, fj, req->rng, child)) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		return 0;
	}
	if (llm_avail(mm) != MUT_AVAIL_NOW) {
		snprintf(err, errlen, "no model can take a request now");
		return -1;
	}
	int mi = choose_model(S, req->rng);
	struct model *m = &S->m[mi];
	double tw = S->cfg.diff_weight + S->cfg.rewrite_weight;
	enum llm_edit_form form = rng_double(req->rng) * tw < S->cfg.diff_weight ? LLM_EDIT_DIFF
	                                                                          : LLM_EDIT_REWRITE;
	/* The prompt. */
	struct llm_prompt_parts pp = {
		.task = S->task, .prelude = S->ev->prelude, .entries = S->entries,
		.parent_code = req->parent.src, .parent_score = req->parent.score,
		.parent_metrics = req->parent.metrics, .edit_format = S->fmt[form],
	};
	char fails[2048];
	if (req->failures && S->cfg.failures > 0) {
		snprintf(fails, sizeof fails, "%s", req->failures);
		for (char *p = strtok(fails, "\n"); p && pp.nfailures < S->cfg.failures; p = strtok(NULL, "\n"))
			pp.failures[pp.nfailures++] = p;
	}
	for (int i = 0; i < req->ninsp && pp.ninsp < LLM_PROMPT_MAX_PARTS; i++) {
		pp.insp_code[pp.ninsp] = req->insp[i].src;
		pp.insp_score[pp.ninsp++] = req->insp[i].score;
	}
	char *sys = NULL, *user = NULL;
	struct llm_prompt_info pi;
	if (llm_prompt_build(S->sys_tmpl, S->user_tmpl, &pp, m->cfg->context - m->cfg->max_tokens, &sys,
	                     &user, &pi, err, errlen))
		return -1;
	struct llm_oai_req oq = {
		.model = m->cfg->model, .temperature = m->cfg->temperature, .max_tokens = m->cfg->max_tokens,
		.max_tokens_field = m->cfg->max_completion_field ? "max_completion_tokens" : "max_tokens",
		.system = sys, .user = user,
	};
	size_t blen = 0;
	char *body = llm_oai_body(&oq, &blen);
	struct call *c = calloc(1, sizeof *c);
	size_t plen = strlen(sys) + strlen(user);
	if (c) {
		char *both = malloc(plen + 16);
		if (both)
			snprintf(both, plen + 16, "%s\n\n---\n\n%s", sys, user);
		c->prompt = both ? bounded(both, strlen(both), (size_t)S->cfg.store_bytes) : NULL;
		free(both);
	}
	free(sys);
	free(user);
	if (!body || !c) {
		free(body);
		call_free(c);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->S = S;
	c->req = req;
	c->model = mi;
	c->form = form;
	c->prompt_bytes = plen;
	const char *hdr[2] = { m->auth, NULL };
	struct llm_http_req hr = {
		.url = m->url, .headers = m->auth ? hdr : NULL, .body = body, .body_len = blen,
		.timeout_ms = m->cfg->timeout_ms, .max_body = (size_t)S->cfg.max_response_bytes,
		.max_retries = S->cfg.retries, .retry_base_ms = S->cfg.retry_base_ms,
		.retry_max_ms = S->cfg.retry_max_ms, .done = on_answer, .ud = c,
	};
	char herr[256];
	c->http_id = llm_http_post(S->http, &hr, herr, sizeof herr);
	free(body);
	if (c->http_id < 0) {
		call_free(c);
		snprintf(err, errlen, "%s", herr);
		return -1;
	}
	if (m->paused)
		m->probing = 1; /* the one request that tests a paused endpoint */
	c->next = S->calls;
	S->calls = c;
	S->inflight++;
	S->started++;
	m->asked++;
	return MUT_PENDING;
}

static void llm_cancel(const struct mut_mutator *mm, struct mut_req *req)
{
	struct llm_state *S = mm->state;
	for (struct call *c = S->calls; c; c = c->next)
		if (c->req == req) {
			llm_http_cancel(S->http, c->http_id);
			if (S->m[c->model].probing)
				S->m[c->model].probing = 0;
			unlink_call(S, c);
			call_free(c);
			return;
		}
}

static void llm_result(const struct mut_mutator *mm, int64_t tag, int64_t seq, int outcome,
                       double score)
{
	struct llm_state *S = mm->state;
	if (!tag)
		return;
	if (tag < 0) { /* a constant-fitting variant */
		fit_result(S, tag, outcome, score);
		return;
	}
	if (S->arc)
		arc_llm_call_link(S->arc, tag, seq);
	struct pending_src *ps = &S->psrc[(uint64_t)tag % PENDING_SRC];
	if (ps->call == tag && ps->src) {
		int64_t pid;
		if (outcome != ARC_DUPLICATE && isfinite(score) && S->arc &&
		    arc_find_text_hash(S->arc, fh_text(ps->src, strlen(ps->src)), &pid) == ARC_OK)
			fit_begin(S, pid, ps->src, score, ps->model);
		free(ps->src);
		ps->src = NULL;
	}
	/* Which model made it: a small table of recent calls (children are
	 * judged within seconds of their call, long before it wraps). */
	const struct recent *r = &S->recent[(uint64_t)tag % RECENT];
	if (r->call != tag)
		return;
	struct model *m = &S->m[r->model];
	m->children++;
	if (outcome == ARC_NEW || outcome == ARC_IMPROVED)
		m->improvements++;
	(void)seq;
	(void)score;
}

static int llm_mutate_sync(const struct mut_mutator *m, struct rng *r, const char *parent,
                           size_t len, const char *const *insp, int ninsp, char **child, char *err,
                           size_t errlen)
{
	snprintf(err, errlen, "the llm mutator is asynchronous (start/done)");
	return -1;
}

/* ---- set-up ------------------------------------------------------------------------------ */

static int read_file(const char *dir, const char *name, const char *override, char **out, char *err,
                     size_t errlen)
{
	char path[PATH_MAX];
	int k = override && override[0] ? snprintf(path, sizeof path, "%s", override)
	                                : snprintf(path, sizeof path, "%s/%s", dir, name);
	if (k < 0 || (size_t)k >= sizeof path) {
		snprintf(err, errlen, "the prompt template path is too long");
		return -1;
	}
	return llm_prompt_load(path, out, err, errlen);
}

/* The prompts folder: the configured one, else next to the binary. */
static int prompts_dir(const struct llm_cfg *cfg, char *dir, size_t n, char *err, size_t errlen)
{
	if (cfg->prompts_dir[0]) {
		snprintf(dir, n, "%s", cfg->prompts_dir);
		return 0;
	}
	char exe[PATH_MAX];
	ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (k > 0) {
		exe[k] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		static const char *const rel[] = { "prompts", "../prompts", "../share/disco/prompts", NULL };
		for (int i = 0; rel[i]; i++) {
			char probe[PATH_MAX];
			int w = snprintf(probe, sizeof probe, "%s/%s/user.txt", exe, rel[i]);
			if (w < 0 || (size_t)w >= sizeof probe || (size_t)w >= n || access(probe, R_OK))
				continue;
			probe[w - (int)strlen("/user.txt")] = '\0';
			memcpy(dir, probe, strlen(probe) + 1);
			return 0;
		}
	}
	snprintf(err, errlen,
	         "the prompt templates were not found (looked for prompts/user.txt next to the disco"
	         " binary, in .. and ../share/disco/prompts); set \"llm\": {\"prompts_dir\": DIR}");
	return -1;
}

struct mut_mutator *llm_mutator_new(const struct llm_cfg *cfg, struct llm_keys *keys,
                                    const struct llm_budget *budget, struct loop *loop,
                                    const struct ev_evaluator *ev, const char *task, char *err,
                                    size_t errlen)
{
	struct llm_state *S = calloc(1, sizeof *S);
	if (!S) {
		llm_keys_free(keys);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	S->cfg = *cfg;
	S->budget = *budget;
	S->loop = loop;
	S->fit_busy = -1;
	rng_seed(&S->fit_rng, 0x66697421u);
	S->ev = ev;
	S->nm = cfg->nmodels;
	if (S->nm < 1) {
		snprintf(err, errlen, "mutator 'llm' needs at least one model in llm.models (see docs/CAMPAIGNS.md)");
		goto fail;
	}
	char dir[PATH_MAX];
	if (prompts_dir(cfg, dir, sizeof dir, err, errlen) ||
	    read_file(dir, "system.txt", cfg->system_prompt, &S->sys_tmpl, err, errlen) ||
	    read_file(dir, "user.txt", cfg->user_prompt, &S->user_tmpl, err, errlen) ||
	    read_file(dir, "format_diff.txt", NULL, &S->fmt[LLM_EDIT_DIFF], err, errlen) ||
	    read_file(dir, "format_rewrite.txt", NULL, &S->fmt[LLM_EDIT_REWRITE], err, errlen))
		goto fail;
	/* The task: the campaign's words, then the evaluator's. */
	size_t tn = strlen(task ? task : "") + strlen(ev->summary ? ev->summary : "") + 64;
	S->task = malloc(tn);
	size_t en = 16;
	for (int i = 0; ev->entries && ev->entries[i]; i++)
		en += strlen(ev->entries[i]) + 2;
	S->entries = calloc(1, en);
	if (!S->task || !S->entries) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	snprintf(S->task, tn, "%s%s%s (evaluator %s)", task && *task ? task : "",
	         task && *task ? "\n" : "", ev->summary ? ev->summary : "", ev->name);
	for (int i = 0; ev->entries && ev->entries[i]; i++) {
		if (i)
			strcat(S->entries, ", ");
		strcat(S->entries, ev->entries[i]);
	}
	S->http = llm_http_new(loop, err, errlen);
	if (!S->http)
		goto fail;
	for (int i = 0; i < S->nm; i++) {
		struct model *m = &S->m[i];
		m->cfg = &S->cfg.models[i];
		const char *b = m->cfg->base_url;
		size_t bl = strlen(b);
		while (bl && b[bl - 1] == '/')
			bl--;
		m->url = malloc(bl + 32);
		if (!m->url) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		snprintf(m->url, bl + 32, "%.*s/chat/completions", (int)bl, b);
		if (keys->key[i]) {
			size_t kl = strlen(keys->key[i]);
			m->auth = malloc(kl + 32);
			if (!m->auth) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			snprintf(m->auth, kl + 32, "Authorization: Bearer %s", keys->key[i]);
			m->key = m->auth + strlen("Authorization: Bearer ");
		}
	}
	llm_keys_free(keys);
	S->mut = (struct mut_mutator){
		.version = MUT_API_VERSION, .name = "llm",
		.summary = "edits proposed by a language model (OpenAI-compatible endpoints)",
		.uses_inspirations = 1, .uses_failures = 1, .mutate = llm_mutate_sync, .start = llm_start,
		.cancel = llm_cancel, .state = S, .avail = llm_avail, .result = llm_result,
	};
	return &S->mut;
fail:
	llm_keys_free(keys);
	struct mut_mutator *tmp = &S->mut;
	S->mut.state = S;
	llm_mutator_free(&tmp);
	return NULL;
}

int llm_mutator_set_archive(struct mut_mutator *mm, struct arc *a, char *err, size_t errlen)
{
	struct llm_state *S = mm->state;
	S->arc = a;
	struct arc_stats st;
	if (arc_stats(a, -1, &st) != ARC_OK) {
		snprintf(err, errlen, "%s", arc_errmsg(a));
		return -1;
	}
	/* A resumed campaign's spend counts against its caps. */
	S->started = st.llm_calls;
	S->tokens_est = st.tokens_in + st.tokens_out;
	S->cost_est = st.llm_cost;
	return 0;
}

void llm_mutator_flush(struct mut_mutator *mm)
{
	if (mm && mm->state)
		stats_event(mm->state);
}

void llm_mutator_free(struct mut_mutator **mp)
{
	if (!mp || !*mp)
		return;
	struct llm_state *S = (*mp)->state;
	*mp = NULL;
	if (!S)
		return;
	while (S->calls) {
		struct call *c = S->calls;
		S->calls = c->next;
		call_free(c);
	}
	llm_http_free(&S->http);
	if (S->fsb) {
		loop_watch(S->loop, sbx_fd(S->fsb), 0, NULL, NULL);
		sbx_close(&S->fsb);
	}
	free(S->fres);
	for (int i = 0; i < FIT_JOBS; i++)
		fit_clear(&S->fit[i]);
	for (int i = 0; i < PENDING_SRC; i++)
		free(S->psrc[i].src);
	for (int i = 0; i < LLM_MAX_MODELS; i++) {
		free(S->m[i].url);
		if (S->m[i].auth) {
			memset(S->m[i].auth, 0, strlen(S->m[i].auth));
			free(S->m[i].auth);
		}
	}
	free(S->task);
	free(S->entries);
	free(S->sys_tmpl);
	free(S->user_tmpl);
	free(S->fmt[0]);
	free(S->fmt[1]);
	free(S);
}
