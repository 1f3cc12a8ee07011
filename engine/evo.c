/* evo.c - the evolution loop; see evo.h. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/evo.h"
#include "engine/fhash.h"
#include "engine/pipeline.h"
#include "engine/progress.h"
#include "engine/rng.h"

#define CACHE_CAP (1u << 16) /* entries per hash cache: bounded memory */

static volatile sig_atomic_t stop_requests;

static void on_signal(int sig)
{
	(void)sig;
	if (++stop_requests >= 2) {
		static const char msg[] = "\ndisco: second interrupt: exiting now (committed work is safe)\n";
		ssize_t w = write(2, msg, sizeof msg - 1);
		(void)w;
		_exit(130);
	}
}

void evo_install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	stop_requests = 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct flight {
	int busy;
	char *src;
	size_t len;
	int island;
	int64_t seq, parent;
	int ninsp;
	int64_t insp[ARC_MAX_INSPIRATIONS];
	const char *mutator;
	uint64_t thash;
	int remeasure;       /* a noisy duplicate being measured again */
	struct pl_outcome o;
};

struct loop {
	const struct evo_params *p;
	struct arc *a;
	struct sbx *sb;
	struct rng rng;
	struct fh_cache *text, *func;
	struct flight *fl;
	int64_t next_seq, started, done0;
	int inflight;
	int64_t *island_evals, *next_migration;
	/* seeds still to submit (index into ev->seeds), before any mutation */
	int seed_next, seeding;
	/* curiosity: per island x cell, children tried and improvements */
	int64_t ncells;
	uint32_t *cur_tries, *cur_wins;
	struct evo_summary *sum;
	int64_t text_hits, text_lookups, func_hits, func_lookups;
	struct progress *prog;
	char *err;
	size_t errlen;
};

static int arc_fail(struct loop *L, const char *what)
{
	snprintf(L->err, L->errlen, "%s: %s", what, arc_errmsg(L->a));
	return -1;
}

static void log_event(struct loop *L, cJSON *j)
{
	if (L->p->log_json) {
		char *s = cJSON_PrintUnformatted(j);
		fprintf(L->p->log_json, "%s\n", s);
		free(s);
	}
	cJSON_Delete(j);
}

/* ---- recording ---------------------------------------------------------- */

static char *metrics_json(const struct ev_result *r)
{
	cJSON *m = cJSON_CreateObject();
	for (int i = 0; i < r->nmetrics; i++)
		if (isfinite(r->metrics[i].value))
			cJSON_AddNumberToObject(m, r->metrics[i].name, r->metrics[i].value);
	char *s = cJSON_PrintUnformatted(m);
	cJSON_Delete(m);
	return s;
}

static void map_desc(const struct evo_params *p, const struct ev_result *r, double *desc)
{
	for (int d = 0; d < p->ndims; d++)
		desc[d] = r->desc[p->dim_src[d]];
}

/* Record one finished candidate.  status "duplicate" when dup_of != 0 or
 * dup_text is set. */
static int record(struct loop *L, struct flight *f, const char *status, int64_t dup_of,
                  const char *dup_msg)
{
	/* Numbered when recorded, not when started: jobs finish out of order,
	 * and a kill must never leave a gap before a committed attempt. */
	f->seq = L->next_seq++;
	const struct evo_params *p = L->p;
	struct pl_outcome *o = &f->o;
	int64_t pid = 0;
	int outcome = ARC_NOT_ADDED;
	int64_t cell = -1;
	if (!status && o->status == SBX_OK) {
		struct arc_program prog = {
			.source = f->src, .mutator = (char *)f->mutator, .text_hash = f->thash,
			.func_hash = o->has_fhash ? o->fhash : 0, .parent_id = f->parent,
			.ninspirations = f->ninsp, .island = f->island,
		};
		memcpy(prog.inspirations, f->insp, sizeof f->insp);
		double desc[ARC_MAX_DIMS] = { 0 };
		map_desc(p, &o->ev, desc);
		char *mj = metrics_json(&o->ev);
		int rc = arc_add_program(L->a, &prog, &pid) ||
		         arc_add_evaluation(L->a, pid, o->score, mj, desc, p->ndims, o->stage, EV_TRAIN, NULL) ||
		         arc_insert_elite_cell(L->a, f->island, desc, pid, o->score, f->len, &outcome, &cell);
		free(mj);
		if (rc)
			return arc_fail(L, "recording a program");
		/* Seeds populate every island. */
		if (!strcmp(f->mutator, "seed"))
			for (int i = 1; i < p->islands; i++) {
				int oc;
				if (arc_insert_elite(L->a, i, desc, pid, o->score, f->len, &oc))
					return arc_fail(L, "seeding an island");
			}
		struct fh_entry e = { .program_id = pid, .score = o->score, .status = SBX_OK };
		fh_cache_put(L->text, f->thash, &e);
		/* A re-measured noisy function keeps its earlier cache entry. */
		if (o->has_fhash && !f->remeasure)
			fh_cache_put(L->func, o->fhash, &e);
	} else if (!status) {
		/* A failure: remember its text so the same text is not retried. */
		struct fh_entry e = { .program_id = -f->seq, .score = NAN, .status = o->status };
		fh_cache_put(L->text, f->thash, &e);
	}
	/* Curiosity: did the parent's cell produce an improvement? */
	if (L->cur_tries && f->parent > 0) {
		struct arc_eval pe;
		if (arc_get_evaluation(L->a, f->parent, EV_TRAIN, &pe) == ARC_OK) {
			int64_t pc = arc_cell_of(p->dims, p->ndims, pe.desc);
			size_t k = (size_t)f->island * (size_t)L->ncells + (size_t)pc;
			L->cur_tries[k]++;
			if (outcome == ARC_NEW || outcome == ARC_IMPROVED)
				L->cur_wins[k]++;
			arc_eval_clear(&pe);
		}
	}
	const char *st = status ? status : sbx_status_name(o->status);
	char msg[SBX_MSG_MAX];
	snprintf(msg, sizeof msg, "%s", dup_msg ? dup_msg : o->message);
	struct arc_attempt t = {
		.seq = f->seq, .program_id = pid, .parent_id = f->parent, .status = st,
		.message = msg[0] ? msg : NULL, .compile_ms = o->t_compile_ms, .run_ms = o->t_run_ms,
		.score_ms = o->t_score_ms, .total_ms = o->t_total_ms,
		.outcome = status ? ARC_DUPLICATE : outcome, .duplicate_of = dup_of,
		.island = f->island, .mutator = f->mutator, .stage = o->stage,
	};
	if (arc_add_attempt(L->a, &t, NULL))
		return arc_fail(L, "recording an attempt");
	L->island_evals[f->island]++;
	struct evo_summary *s = L->sum;
	s->attempts++;
	if (status) s->duplicates++;
	else s->by_status[o->status]++;
	if (pid) s->programs++;
	progress_attempt(L->prog, status ? -1 : (int)o->status, pid ? o->score : NAN, outcome);
	if (L->p->log_json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "event", "attempt");
		cJSON_AddNumberToObject(j, "seq", (double)f->seq);
		cJSON_AddStringToObject(j, "status", st);
		if (pid) {
			cJSON_AddNumberToObject(j, "program", (double)pid);
			cJSON_AddNumberToObject(j, "score", o->score);
			cJSON_AddStringToObject(j, "outcome", arc_outcome_name(outcome));
		}
		if (dup_of) cJSON_AddNumberToObject(j, "duplicate_of", (double)dup_of);
		cJSON_AddNumberToObject(j, "island", f->island);
		log_event(L, j);
	}
	return 0;
}

static void flight_clear(struct flight *f)
{
	free(f->src);
	memset(f, 0, sizeof *f);
}

/* ---- selection and mutation --------------------------------------------- */

static int select_parent(struct loop *L, int island, int64_t *pid)
{
	const struct evo_params *p = L->p;
	int tries = p->selection == EVO_SEL_UNIFORM ? 1 : 3;
	double best = -INFINITY;
	*pid = 0;
	for (int i = 0; i < tries; i++) {
		int64_t id;
		int rc = arc_random_elite(L->a, island, rng_u64(&L->rng), &id);
		if (rc == ARC_NOTFOUND)
			return ARC_NOTFOUND;
		if (rc)
			return arc_fail(L, "selecting a parent");
		if (tries == 1) {
			*pid = id;
			return 0;
		}
		struct arc_eval e;
		if (arc_get_evaluation(L->a, id, EV_TRAIN, &e) != ARC_OK)
			continue;
		double w = e.score;
		if (p->selection == EVO_SEL_CURIOSITY) {
			size_t k = (size_t)island * (size_t)L->ncells +
			           (size_t)arc_cell_of(p->dims, p->ndims, e.desc);
			w = (L->cur_wins[k] + 1.0) / (L->cur_tries[k] + 2.0);
		}
		arc_eval_clear(&e);
		if (!*pid || w > best) {
			best = w;
			*pid = id;
		}
	}
	return *pid ? 0 : ARC_NOTFOUND;
}

static const struct mut_mutator *pick_mutator(struct loop *L)
{
	const struct evo_params *p = L->p;
	double total = 0;
	for (int i = 0; i < p->nmut; i++)
		total += p->mut_weight[i];
	double r = rng_double(&L->rng) * total;
	for (int i = 0; i < p->nmut; i++) {
		if (r < p->mut_weight[i])
			return p->mut[i];
		r -= p->mut_weight[i];
	}
	return p->mut[p->nmut - 1];
}

/* Make the next candidate in f.  Returns 1 when f holds one, 0 when there
 * is nothing to do (no parent yet), -1 on error. */
static int next_candidate(struct loop *L, struct flight *f)
{
	const struct evo_params *p = L->p;
	const struct ev_evaluator *ev = p->ev;
	if (L->seeding) {
		const struct ev_seed *s = &ev->seeds[L->seed_next];
		if (!s->name) {
			L->seeding = 0;
		} else {
			L->seed_next++;
			f->src = strdup(s->source);
			f->len = strlen(s->source);
			f->mutator = "seed";
			f->island = 0;
			return f->src ? 1 : -1;
		}
	}
	int island = (int)(L->started % p->islands);
	int64_t pid;
	int rc = select_parent(L, island, &pid);
	if (rc == ARC_NOTFOUND) {
		/* An empty island (every seed failed there): borrow from any. */
		rc = select_parent(L, -1, &pid);
		if (rc == ARC_NOTFOUND && L->inflight > 0)
			return 0; /* the seeds are still being evaluated */
		if (rc == ARC_NOTFOUND) {
			snprintf(L->err, L->errlen, "no seed program of evaluator '%s' evaluated ok: nothing to evolve",
			         ev->name);
			return -1;
		}
	}
	if (rc)
		return -1;
	struct arc_program par;
	if (arc_get_program(L->a, pid, &par) != ARC_OK)
		return arc_fail(L, "reading a parent");
	const struct mut_mutator *m = pick_mutator(L);
	f->ninsp = 0;
	const char *insp_src[ARC_MAX_INSPIRATIONS];
	struct arc_program insp[ARC_MAX_INSPIRATIONS];
	int want = p->inspirations < ARC_MAX_INSPIRATIONS ? p->inspirations : ARC_MAX_INSPIRATIONS;
	for (int i = 0; i < want; i++) {
		int64_t id;
		int other = (int)rng_below(&L->rng, (uint64_t)p->islands);
		if (arc_random_elite(L->a, other, rng_u64(&L->rng), &id) != ARC_OK || id == pid)
			continue;
		if (m->uses_inspirations) {
			if (arc_get_program(L->a, id, &insp[f->ninsp]) != ARC_OK)
				continue;
			insp_src[f->ninsp] = insp[f->ninsp].source;
		}
		f->insp[f->ninsp++] = id;
	}
	char merr[256];
	char *child = NULL;
	rc = m->mutate(m, &L->rng, par.source, strlen(par.source),
	               m->uses_inspirations ? insp_src : NULL, m->uses_inspirations ? f->ninsp : 0,
	               &child, merr, sizeof merr);
	if (m->uses_inspirations)
		for (int i = 0; i < f->ninsp; i++)
			arc_program_clear(&insp[i]);
	arc_program_clear(&par);
	f->island = island;
	f->parent = pid;
	f->mutator = m->name;
	if (rc) {
		/* The mutator could not vary this parent: record it and go on. */
		f->src = strdup("");
		f->len = 0;
		f->o.status = SBX_REJECTED;
		snprintf(f->o.message, sizeof f->o.message, "mutator %s: %s", m->name, merr);
		return 2;
	}
	f->src = child;
	f->len = strlen(child);
	return 1;
}

/* ---- the loop ------------------------------------------------------------- */

static int budget_left(struct loop *L, double t0)
{
	const struct evo_params *p = L->p;
	if (p->budget_evals && L->started >= p->budget_evals)
		return 0;
	if (p->budget_wall_s > 0 && now_s() - t0 >= p->budget_wall_s)
		return 0;
	return 1;
}

/* Start a candidate in slot i.  Returns 0 (started or recorded), -1 error. */
static int fill(struct loop *L, int i)
{
	struct flight *f = &L->fl[i];
	memset(f, 0, sizeof *f);
	f->o.stage = -1;
	f->o.score = NAN;
	int rc = next_candidate(L, f);
	if (rc <= 0)
		return rc;
	L->started++;
	if (rc == 2) {
		int r = record(L, f, NULL, 0, NULL);
		flight_clear(f);
		return r;
	}
	f->thash = fh_text(f->src, f->len);
	struct fh_entry e;
	L->text_lookups++;
	int hit = fh_cache_get(L->text, f->thash, &e);
	if (!hit) {
		int64_t id;
		if (arc_find_text_hash(L->a, f->thash, &id) == ARC_OK) {
			e = (struct fh_entry){ .program_id = id, .status = SBX_OK };
			hit = 1;
		}
	}
	if (hit) {
		L->text_hits++;
		char m[128];
		if (e.program_id > 0)
			snprintf(m, sizeof m, "same normalized text as program %lld", (long long)e.program_id);
		else
			snprintf(m, sizeof m, "same normalized text as attempt %lld (%s)", (long long)-e.program_id,
			         sbx_status_name(e.status));
		int r = record(L, f, "duplicate", e.program_id > 0 ? e.program_id : 0, m);
		flight_clear(f);
		return r;
	}
	char err[256];
	rc = pl_start(L->sb, i, L->p->ev, f->src, f->len, SBX_TASK_PROBE | SBX_TASK_STAGE(0),
	              EV_TRAIN, &f->o, err, sizeof err);
	if (rc < 0) {
		snprintf(L->err, L->errlen, "sandbox: %s", err);
		return -1;
	}
	if (rc == 0) { /* rejected */
		int r = record(L, f, NULL, 0, NULL);
		flight_clear(f);
		return r;
	}
	f->busy = 1;
	return 0;
}

/* A job finished in slot i. */
static int finish(struct loop *L, int i, const struct sbx_result *res)
{
	struct flight *f = &L->fl[i];
	const struct evo_params *p = L->p;
	int first = res->out[0] != NULL;
	int next = pl_finish(p->ev, res, EV_TRAIN, p->hash_tol, f->src, f->len, &f->o);
	if (first && f->o.has_fhash && f->o.status == SBX_OK) {
		struct fh_entry e;
		L->func_lookups++;
		int hit = fh_cache_get(L->func, f->o.fhash, &e);
		if (!hit) {
			int64_t id;
			double sc;
			if (arc_find_func_hash(L->a, f->o.fhash, &id, &sc) == ARC_OK) {
				e = (struct fh_entry){ .program_id = id, .score = sc, .status = SBX_OK };
				hit = 1;
				fh_cache_put(L->func, f->o.fhash, &e);
			}
		}
		if (hit && p->ev->noisy && p->remeasure_after > 0 && ++e.hits >= p->remeasure_after) {
			/* Noisy: measure this function again instead of trusting the
			 * old result forever. */
			e.hits = 0;
			fh_cache_put(L->func, f->o.fhash, &e);
			f->remeasure = 1;
			hit = 0;
		} else if (hit && p->ev->noisy) {
			fh_cache_put(L->func, f->o.fhash, &e);
		}
		if (hit) {
			L->func_hits++;
			char m[128];
			snprintf(m, sizeof m, "same probe outputs as program %lld", (long long)e.program_id);
			f->o.score = e.score;
			int r = record(L, f, "duplicate", e.program_id, m);
			flight_clear(f);
			return r;
		}
	}
	if (next >= 0) {
		char err[256];
		int rc = pl_start(L->sb, i, p->ev, f->src, f->len, pl_stage_tasks(p->ev, next), EV_TRAIN,
		                  &f->o, err, sizeof err);
		if (rc < 0) {
			snprintf(L->err, L->errlen, "sandbox: %s", err);
			return -1;
		}
		if (rc == 1)
			return 0; /* still busy */
	}
	int r = record(L, f, NULL, 0, NULL);
	flight_clear(f);
	return r;
}

static void migrate(struct loop *L, int from)
{
	const struct evo_params *p = L->p;
	int to = (from + 1) % p->islands;
	int moved = 0;
	for (int k = 0; k < p->migrants; k++) {
		int64_t id;
		int rc = k == 0 ? arc_elite_best(L->a, from, &id, NULL)
		                : arc_random_elite(L->a, from, rng_u64(&L->rng), &id);
		if (rc != ARC_OK)
			break;
		struct arc_eval e;
		struct arc_program prog;
		if (arc_get_evaluation(L->a, id, EV_TRAIN, &e) != ARC_OK)
			continue;
		if (arc_get_program(L->a, id, &prog) == ARC_OK) {
			int oc;
			if (arc_insert_elite(L->a, to, e.desc, id, e.score, strlen(prog.source), &oc) == ARC_OK &&
			    oc != ARC_NOT_ADDED)
				moved++;
			arc_program_clear(&prog);
		}
		arc_eval_clear(&e);
	}
	char detail[128];
	snprintf(detail, sizeof detail, "{\"from\":%d,\"to\":%d,\"migrants\":%d,\"placed\":%d}", from, to,
	         p->migrants, moved);
	arc_add_event(L->a, "migration", detail);
}

int evo_run(const struct evo_params *p, struct arc *a, struct sbx *sb,
            struct evo_summary *sum, char *err, size_t errlen)
{
	struct loop L = { .p = p, .a = a, .sb = sb, .sum = sum, .err = err, .errlen = errlen };
	memset(sum, 0, sizeof *sum);
	int rc = -1;
	double t0 = now_s();
	if (arc_next_seq(a, &L.next_seq))
		return arc_fail(&L, "reading the archive");
	/* Reproducible: the stream depends only on the seed and where the
	 * campaign stands in the archive. */
	rng_seed(&L.rng, p->seed ^ ((uint64_t)L.next_seq * 0x9e3779b97f4a7c15ull));
	int64_t have;
	if (arc_elite_count(a, -1, &have))
		return arc_fail(&L, "reading the archive");
	L.seeding = have == 0;
	L.done0 = L.next_seq - 1;
	L.started = L.done0;
	L.text = fh_cache_new(CACHE_CAP);
	L.func = fh_cache_new(CACHE_CAP);
	L.fl = calloc((size_t)p->workers, sizeof *L.fl);
	L.island_evals = calloc((size_t)p->islands, sizeof *L.island_evals);
	L.next_migration = calloc((size_t)p->islands, sizeof *L.next_migration);
	for (int i = 0; L.next_migration && i < p->islands; i++)
		L.next_migration[i] = p->migration_interval;
	L.ncells = arc_cell_count(p->dims, p->ndims);
	if (p->selection == EVO_SEL_CURIOSITY) {
		L.cur_tries = calloc((size_t)(L.ncells * p->islands), sizeof *L.cur_tries);
		L.cur_wins = calloc((size_t)(L.ncells * p->islands), sizeof *L.cur_wins);
	}
	L.prog = progress_new(p->quiet, p->budget_evals, p->budget_wall_s, L.done0);
	if (!L.text || !L.func || !L.fl || !L.island_evals || !L.next_migration || !L.prog ||
	    (p->selection == EVO_SEL_CURIOSITY && (!L.cur_tries || !L.cur_wins))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (arc_begin(a))
		goto arcfail;
	double drain_deadline = 0;
	for (;;) {
		int stopping = stop_requests > 0 || !budget_left(&L, t0);
		if (stop_requests && !drain_deadline)
			drain_deadline = now_s() + 1.0;
		for (int i = 0; !stopping && i < p->workers; i++) {
			if (L.fl[i].busy)
				continue;
			if (fill(&L, i))
				goto out_batch;
			L.inflight += L.fl[i].busy;
			stopping = stop_requests > 0 || !budget_left(&L, t0);
		}
		if (!L.inflight && stopping)
			break;
		if (drain_deadline && now_s() > drain_deadline)
			break; /* drop what is still running: it was never committed */
		struct pollfd pf = { sbx_fd(sb), POLLIN, 0 };
		if (L.inflight && poll(&pf, 1, 100) < 0 && errno != EINTR) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			goto out_batch;
		}
		for (;;) {
			int slot;
			struct sbx_result res;
			char serr[256];
			int c = sbx_collect(sb, &slot, &res, serr, sizeof serr);
			if (c < 0) {
				snprintf(err, errlen, "sandbox: %s", serr);
				goto out_batch;
			}
			if (c == 0)
				break;
			if (slot >= p->workers || !L.fl[slot].busy)
				continue;
			if (finish(&L, slot, &res))
				goto out_batch;
			if (!L.fl[slot].busy)
				L.inflight--;
			for (int isl = 0; p->islands > 1 && p->migration_interval > 0 && isl < p->islands; isl++)
				if (L.island_evals[isl] >= L.next_migration[isl]) {
					migrate(&L, isl);
					L.next_migration[isl] += p->migration_interval;
				}
		}
		if (arc_checkpoint(a, 2000, 500, NULL))
			goto arcfail;
		if (progress_due(L.prog)) {
			struct arc_stats st;
			if (arc_stats(a, -1, &st) == ARC_OK) {
				double hit = L.text_lookups + L.func_lookups
				                 ? (double)(L.text_hits + L.func_hits) / (double)(L.text_lookups + L.func_lookups)
				                 : 0;
				progress_show(L.prog, &st, hit);
			}
		}
	}
	rc = 0;
	sum->end = stop_requests ? EVO_INTERRUPTED : EVO_BUDGET;
	{
		char detail[256];
		snprintf(detail, sizeof detail,
		         "{\"attempts\":%lld,\"reason\":\"%s\",\"text_hits\":%lld,\"text_lookups\":%lld,"
		         "\"func_hits\":%lld,\"func_lookups\":%lld}",
		         (long long)sum->attempts, stop_requests ? "interrupted" : "budget",
		         (long long)L.text_hits, (long long)L.text_lookups, (long long)L.func_hits,
		         (long long)L.func_lookups);
		if (arc_add_event(a, stop_requests ? "interrupted" : "budget_stop", detail))
			goto arcfail;
	}
out_batch:
	if (arc_commit(a) && rc == 0)
		goto arcfail;
	goto out;
arcfail:
	arc_fail(&L, "archive");
	rc = -1;
	arc_commit(a);
out:
	progress_end(L.prog);
	progress_free(&L.prog);
	sum->wall_s = now_s() - t0;
	sum->per_s = sum->wall_s > 0 ? sum->attempts / sum->wall_s : 0;
	sum->text_hit_rate = L.text_lookups ? (double)L.text_hits / L.text_lookups : 0;
	sum->func_hit_rate = L.func_lookups ? (double)L.func_hits / L.func_lookups : 0;
	if (rc)
		sum->end = EVO_ERROR;
	for (int i = 0; L.fl && i < p->workers; i++)
		flight_clear(&L.fl[i]);
	free(L.fl);
	free(L.island_evals);
	free(L.next_migration);
	free(L.cur_tries);
	free(L.cur_wins);
	fh_cache_free(&L.text);
	fh_cache_free(&L.func);
	return rc;
}
