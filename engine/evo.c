/*
 * evo.c - the evolution loop (see evo.h): proposals, flights on sandbox
 * slots, and the event loop that drives them.  Parent choice and migration
 * are in select.c, recording in record.c (shared state: evo_int.h).
 *
 * One iteration of the event loop (engine/loop.h):
 *   before sleep  stop checks, fill free slots (new proposals; children of
 *                 synchronous mutators go straight to a slot), migration,
 *                 checkpoint, progress line
 *   sandbox fd    collect finished jobs: functional hash, later stages,
 *                 record
 *   mutator done  an asynchronous child joins the ready queue (or is
 *                 recorded as edit_failed)
 *   command pipes an external evaluator command's job: step it; record
 *                 it when it answered or failed
 *   100 ms tick   wakes the loop for the wall-clock budget, the drain
 *                 deadline, the progress line and external jobs' deadlines
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/evo_int.h"
#include "engine/sym/sym.h"
#include "evaluators/external.h"
#include "evaluators/mono.h"

_Static_assert(SBX_FD_READ == LOOP_READABLE && SBX_FD_WRITE == LOOP_WRITABLE,
               "sandbox/spawn.h fd masks are engine/loop.h masks");
_Static_assert(SYM_BATCH_OUT == SBX_OUT_CAP, "a batch fills one sandbox job's outputs");

#define CACHE_CAP (1u << 16) /* entries per hash cache: bounded memory */
#define TICK_MS 100

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

/* ---- flights ------------------------------------------------------------ */

/* Flights freed are kept (up to FLIGHT_SPARE) and handed out again: a
 * flight is ~7 KB, above malloc's small-chunk caches, and every attempt
 * makes one. */
#define FLIGHT_SPARE 512

static struct flight *flight_new(struct evo *E)
{
	struct flight *f = E->spare;
	if (f) {
		E->spare = f->next;
		E->nspare--;
		memset(f, 0, sizeof *f);
	} else {
		f = calloc(1, sizeof *f);
	}
	if (!f) {
		snprintf(E->err, E->errlen, "out of memory");
		E->failed = 1;
		return NULL;
	}
	f->E = E;
	f->slot = -1;
	f->o.stage = -1;
	f->o.score = NAN;
	return f;
}

static void flight_borrowed_release(struct flight *f)
{
	arc_program_clear(&f->par);
	for (int i = 0; i < f->ninsp_prog; i++)
		arc_program_clear(&f->insp_prog[i]);
	f->ninsp_prog = 0;
	free(f->pmetrics);
	free(f->failures);
	f->pmetrics = f->failures = NULL;
}

static void ext_unwatch(struct flight *f);

static void flight_free(struct flight *f)
{
	if (!f)
		return;
	if (f->xjob) { /* never recorded: stop the command */
		ext_unwatch(f);
		ext_job_cancel(&f->xjob);
	}
	flight_borrowed_release(f);
	free(f->src);
	free(f->ir);
	free(f->prog);
	free(f->info);
	struct evo *E = f->E;
	if (E && E->nspare < FLIGHT_SPARE) {
		f->next = E->spare;
		E->spare = f;
		E->nspare++;
		return;
	}
	free(f);
}

/* Record f with status (see evo_record) and free it. */
static int flight_done(struct evo *E, struct flight *f, const char *status, int64_t dup_of,
                       const char *msg)
{
	int r = evo_record(E, f, status, dup_of, msg);
	flight_free(f);
	return r;
}

static void take_child(struct flight *f, struct mut_child *c)
{
	f->src = c->src;
	f->len = c->src ? strlen(c->src) : 0;
	f->ir = c->ir;
	f->prog = c->prog;
	f->info = c->info;
	f->tag = c->tag;
	f->has_probe_hash = c->has_probe_hash && c->prog;
	f->probe_tol = c->probe_tol;
	f->probe_hash = c->probe_hash;
	if (c->parent > 0) /* the mutator's own follow-up of an earlier child */
		f->parent = c->parent;
	*c = (struct mut_child){ 0 };
}

static void ready_push(struct evo *E, struct flight *f)
{
	f->state = FL_READY;
	f->t_ready = mono_s();
	f->next = NULL;
	if (E->ready_tail)
		E->ready_tail->next = f;
	else
		E->ready = f;
	E->ready_tail = f;
	E->nready++;
}

static void ready_push_front(struct evo *E, struct flight *f)
{
	f->state = FL_READY;
	if (!f->t_ready)
		f->t_ready = mono_s();
	f->next = E->ready;
	E->ready = f;
	if (!E->ready_tail)
		E->ready_tail = f;
	E->nready++;
}

static struct flight *ready_pop(struct evo *E)
{
	struct flight *f = E->ready;
	if (!f)
		return NULL;
	E->ready = f->next;
	if (!E->ready)
		E->ready_tail = NULL;
	f->next = NULL;
	E->nready--;
	return f;
}

static void pending_remove(struct evo *E, struct flight *f)
{
	for (struct flight **pp = &E->pending; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			f->next = NULL;
			E->npending--;
			return;
		}
}

/* ---- proposals ----------------------------------------------------------- */

/* An asynchronous mutator finished a proposal (called from a loop callback). */
static void on_mutated(struct mut_req *req, int rc, struct mut_child *child, const char *err)
{
	struct flight *f = req->ud;
	struct evo *E = f->E;
	pending_remove(E, f);
	flight_borrowed_release(f);
	if (rc == MUT_DROPPED) { /* nothing to record: the mutator said why itself */
		if (child)
			mut_child_release(child);
		flight_free(f);
		E->started--;
		return;
	}
	if (rc == 0 && child && child->src) {
		take_child(f, child);
		ready_push(E, f);
		return;
	}
	if (child) {
		f->tag = child->tag;
		mut_child_release(child);
	}
	f->src = strdup("");
	f->len = 0;
	char m[SBX_MSG_MAX];
	snprintf(m, sizeof m, "mutator %s: %s", f->mutator, err && err[0] ? err : "no child");
	if (flight_done(E, f, "edit_failed", 0, m))
		loop_stop(E->loop);
}

/* Make the next proposal.  Returns 1 when *out holds a flight with its
 * child (ready to run), 2 when it is pending with an asynchronous mutator
 * or was recorded at once, 0 when there is nothing to do now (no parent
 * yet, or no mutator available now), -1 on error (E->err). */
static int propose(struct evo *E, struct flight **out)
{
	const struct evo_params *p = E->p;
	const struct ev_evaluator *ev = p->ev;
	*out = NULL;
	if (E->seeding) {
		const struct ev_seed *s = &(p->seeds ? p->seeds : ev->seeds)[E->seed_next];
		if (!s->name) {
			E->seeding = 0;
		} else {
			struct flight *f = flight_new(E);
			if (!f)
				return -1;
			const char *sir = p->seed_ir ? p->seed_ir[E->seed_next] : NULL;
			E->seed_next++;
			f->src = strdup(s->source);
			f->len = strlen(s->source);
			f->ir = sir ? strdup(sir) : NULL;
			f->mutator = "seed";
			f->island = 0;
			if (!f->src || (sir && !f->ir)) {
				flight_free(f);
				snprintf(E->err, E->errlen, "out of memory");
				return -1;
			}
			E->started++;
			*out = f;
			return 1;
		}
	}
	int island = (int)(E->started % p->islands);
	int64_t pid;
	int rc = evo_select_parent(E, island, &pid);
	if (rc == ARC_NOTFOUND) {
		/* An empty island (every seed failed there): borrow from any. */
		rc = evo_select_parent(E, -1, &pid);
		if (rc == ARC_NOTFOUND && (E->inflight > 0 || E->nready > 0))
			return 0; /* the seeds are still being evaluated */
		if (rc == ARC_NOTFOUND) {
			snprintf(E->err, E->errlen,
			         "no seed program of evaluator '%s' evaluated ok: nothing to evolve", ev->name);
			return -1;
		}
	}
	if (rc)
		return -1;
	int exhausted;
	const struct mut_mutator *m = evo_pick_mutator(E, &exhausted);
	if (!m) {
		E->exhausted = exhausted;
		return 0;
	}
	struct flight *f = flight_new(E);
	if (!f)
		return -1;
	if (evo_get_program(E, pid, &f->par) != ARC_OK) {
		flight_free(f);
		return evo_arc_fail(E, "reading a parent");
	}
	evo_pick_inspirations(E, f, pid, m->uses_inspirations);
	f->island = island;
	f->parent = pid;
	f->mut = m;
	f->mutator = m->name;
	struct arc_eval pe;
	double psc = NAN;
	char *pmetrics = NULL;
	if (evo_get_train_eval(E, pid, &pe) == ARC_OK) {
		psc = pe.score;
		pmetrics = f->pmetrics = pe.metrics_json; /* kept: freed with the flight */
		pe.metrics_json = NULL;
		arc_eval_clear(&pe);
	}
	if (m->uses_failures) { /* mutators that read context (an LLM) get the lineage's failures */
		char fb[2048];
		int nf = 0;
		if (arc_recent_failures(E->a, pid, 5, fb, sizeof fb, &nf) == ARC_OK && nf > 0)
			f->failures = strdup(fb);
	}
	f->req = (struct mut_req){
		.rng = &E->rng,
		.parent = { .src = f->par.source, .len = strlen(f->par.source), .ir = f->par.ir, .id = pid, .score = psc,
		            .metrics = pmetrics, .island = f->par.island },
		.insp = f->ninsp_prog ? f->insp_view : NULL,
		.ninsp = f->ninsp_prog,
		.failures = f->failures,
		.done = on_mutated,
		.ud = f,
	};
	E->started++;
	struct mut_child child;
	char merr[256] = "";
	rc = mut_start(m, &f->req, &child, merr, sizeof merr);
	if (rc == MUT_PENDING) {
		f->state = FL_MUTATING;
		f->next = E->pending;
		E->pending = f;
		E->npending++;
		return 2;
	}
	flight_borrowed_release(f);
	if (rc == 0 && child.src) {
		take_child(f, &child);
		*out = f;
		return 1;
	}
	mut_child_release(&child);
	/* The mutator could not vary this parent: record it and go on. */
	f->src = strdup("");
	f->len = 0;
	f->o.status = SBX_REJECTED;
	snprintf(f->o.message, sizeof f->o.message, "mutator %s: %s", m->name,
	         merr[0] ? merr : "no child");
	return flight_done(E, f, NULL, 0, NULL) ? -1 : 2;
}

/* ---- running --------------------------------------------------------------- */

/* May the archive know a hash that cache c does not? */
static int archive_may_know(const struct evo *E, const struct fh_cache *c)
{
	struct fh_cache_stats st;
	fh_cache_stats(c, &st);
	return !E->caches_whole || st.evictions > 0;
}

/* External evaluator commands judge candidates themselves: slot i holds an
 * ext_job whose pipes are watched on the loop (the 100 ms tick covers its
 * deadline); the sandbox is not used. */
static void on_ext(struct loop *l, int fd, int mask, void *ud);

static void ext_unwatch(struct flight *f)
{
	struct sbx_fd fds[SBX_PROC_NFD];
	int n = ext_job_fds(f->xjob, fds);
	for (int k = 0; k < n; k++)
		loop_watch(f->E->loop, fds[k].fd, 0, NULL, NULL);
}

/* Step f's job and update its watches; record it when the job is done. */
static int ext_update(struct evo *E, struct flight *f)
{
	if (!ext_job_step(f->xjob)) {
		struct sbx_fd fds[SBX_PROC_NFD];
		int n = ext_job_fds(f->xjob, fds);
		for (int k = 0; k < n; k++)
			loop_watch(E->loop, fds[k].fd, fds[k].mask, on_ext, f);
		return 0;
	}
	ext_unwatch(f);
	struct ext_result *r = malloc(sizeof *r);
	if (!r) {
		snprintf(E->err, E->errlen, "out of memory");
		return -1;
	}
	int rc = ext_job_finish(&f->xjob, r, NULL, 0);
	pl_ext_outcome(r, rc, &f->o);
	free(r);
	E->slot[f->slot] = NULL;
	E->inflight--;
	return flight_done(E, f, NULL, 0, NULL);
}

static void on_ext(struct loop *l, int fd, int mask, void *ud)
{
	struct flight *f = ud;
	struct evo *E = f->E;
	if (ext_update(E, f)) {
		E->failed = 1;
		loop_stop(l);
	}
}

static int launch_ext(struct evo *E, struct flight *f, int i)
{
	char err[256];
	if (ext_job_start(ext_of(E->p->ev), f->src, f->len, EV_TRAIN, &f->xjob, err, sizeof err)) {
		snprintf(E->err, E->errlen, "external evaluator: %s", err);
		flight_free(f);
		return -1;
	}
	f->state = FL_RUNNING;
	f->slot = i;
	E->slot[i] = f;
	E->inflight++;
	return ext_update(E, f);
}

/* Put f (child made) on sandbox slot i, or record it at once (text
 * duplicate, rejected, judged at once).  Returns 0 or -1 (E->err). */
/* Exact-text and interpreted functional duplicates, before any sandbox.
 * Returns 1 when f was recorded (gone), 0 when it must run, -1 (E->err). */
static int precheck(struct evo *E, struct flight *f)
{
	f->thash = fh_text(f->src, f->len);
	struct fh_entry e;
	E->text_lookups++;
	int hit = fh_cache_get(E->text, f->thash, &e);
	if (!hit && archive_may_know(E, E->text)) {
		int64_t id;
		if (arc_find_text_hash(E->a, f->thash, &id) == ARC_OK) {
			e = (struct fh_entry){ .program_id = id, .status = SBX_OK };
			hit = 1;
		}
	}
	if (hit) {
		E->text_hits++;
		char m[128];
		if (e.program_id > 0)
			snprintf(m, sizeof m, "same normalized text as program %lld", (long long)e.program_id);
		else
			snprintf(m, sizeof m, "same normalized text as attempt %lld (%s)",
			         (long long)-e.program_id, sbx_status_name(e.status));
		return flight_done(E, f, "duplicate", e.program_id > 0 ? e.program_id : 0, m) ? -1 : 1;
	}
	/* Fast path: an IR child's probe outputs, interpreted in-process
	 * (engine/sym), find a functional duplicate before any compiling. */
	uint64_t ih = 0;
	int known = f->has_probe_hash && f->probe_tol == E->p->hash_tol; /* the mutator hashed it */
	if (known)
		ih = f->probe_hash;
	if (f->ir && (known || (f->prog ? sym_fast_hash_prog(f->prog, E->p->hash_tol, &ih)
	                                : sym_fast_hash(E->p->ev, f->ir, E->p->hash_tol, &ih)) == 0)) {
		E->func_lookups++;
		E->interp_lookups++;
		int64_t id;
		double sc;
		hit = fh_cache_get(E->func, ih, &e);
		if (!hit && archive_may_know(E, E->func) && arc_find_func_hash(E->a, ih, &id, &sc) == ARC_OK) {
			e = (struct fh_entry){ .program_id = id, .score = sc, .status = SBX_OK };
			hit = 1;
			fh_cache_put(E->func, ih, &e);
		}
		if (hit && !E->p->ev->noisy) {
			E->func_hits++;
			E->interp_hits++;
			char m[128];
			snprintf(m, sizeof m, "same probe outputs as program %lld (interpreted)",
			         (long long)e.program_id);
			f->o.score = NAN; /* as for a compiled duplicate: credited with nothing */
			return flight_done(E, f, "duplicate", e.program_id, m) ? -1 : 1;
		}
	}
	return 0;
}

static int launch_batch(struct evo *E, struct flight *head, int i);
static int launch_later(struct evo *E, struct flight *head, int i);

/* An IR child the engine rendered itself, which may run batched and
 * without a process of its own (engine/sym/batch.c). */
static int batchable(const struct evo *E, const struct flight *f)
{
	return E->p->batch > 1 && f->prog && f->mut && !f->solo && sym_batch_ev(E->p->ev);
}

static int launch(struct evo *E, struct flight *f, int i)
{
	unsigned tasks = SBX_TASK_PROBE | SBX_TASK_STAGE(0);
	if (f->stage_next > 0 && batchable(E, f))
		return launch_later(E, f, i);
	if (f->stage_next > 0) {
		/* the later stages of a batched child: it runs alone now */
		tasks = pl_stage_tasks(E->p->ev, f->stage_next);
		f->stage_next = 0;
	} else {
		int r = precheck(E, f);
		if (r)
			return r < 0 ? -1 : 0;
		if (ext_of(E->p->ev))
			return launch_ext(E, f, i);
		if (batchable(E, f))
			return launch_batch(E, f, i);
	}
	char err[256];
	int rc = (f->prog ? pl_start_rendered : pl_start)(E->sb, i, E->p->ev, f->src, f->len, tasks, EV_TRAIN,
	                                                  &f->o, err, sizeof err);
	if (rc < 0) {
		snprintf(E->err, E->errlen, "sandbox: %s", err);
		flight_free(f);
		return -1;
	}
	if (rc != PL_RUNNING) /* rejected, or judged at once */
		return flight_done(E, f, NULL, 0, NULL);
	f->state = FL_RUNNING;
	f->slot = i;
	E->slot[i] = f;
	E->inflight++;
	return 0;
}

/* Gather up to p->batch IR children (head first, then ready or newly
 * proposed ones that pass the duplicate checks) into one sandbox job on
 * slot i.  Only children the symbolic mutator rendered from a parsed
 * program (f->prog) join a batch: renderings of the IR cannot touch
 * memory, so they may share a child.  A lone child, or a batch the
 * sandbox refuses, runs as usual. */
static int stopping(struct evo *E);

/* How many programs one batch job running tasks takes: the campaign's
 * sandbox.batch, or fewer when their outputs would not fit; 0 when the
 * evaluator's programs cannot be batched at all. */
static int batch_cap(const struct evo *E, unsigned tasks)
{
	const struct ev_evaluator *ev = E->p->ev;
	if (E->p->batch < 2 || !sym_batch_ev(ev))
		return 0;
	int cap = sym_batch_capacity(ev, tasks);
	return cap < E->p->batch ? cap : E->p->batch;
}

/* Submit flights b[0..m) (IR children of one spec) as one job for tasks
 * on slot i: their renderings joined into one translation unit.  Returns
 * 1 when it runs (the flights chained from b[0], on the slot), 0 when the
 * sandbox refused it before running (each is back at the front of the
 * ready queue, to run alone), -1 on a setup error (E->err).  Fewer than
 * least flights are not submitted: 0 at once. */
static int start_batch(struct evo *E, int i, struct flight **b, int m, int least, unsigned tasks)
{
	const char *srcs[SYM_BATCH_MAX];
	char err[256];
	for (int k = 0; k < m; k++)
		srcs[k] = b[k]->src;
	char *src = m >= least ? sym_batch_join(b[0]->prog->spec, srcs, m) : NULL;
	struct pl_outcome bo;
	memset(&bo, 0, sizeof bo);
	int rc = src ? pl_start_batch(E->sb, i, sym_batch_ev(E->p->ev), src, strlen(src), m, tasks, EV_TRAIN, &bo,
	                              err, sizeof err)
	             : 0;
	free(src);
	if (rc < 0) {
		snprintf(E->err, E->errlen, "sandbox: %s", err);
		return -1;
	}
	if (rc != PL_RUNNING) {
		for (int k = m - 1; k >= 0; k--) {
			b[k]->solo = 1;
			ready_push_front(E, b[k]);
		}
		return 0;
	}
	for (int k = 0; k < m; k++) {
		b[k]->batch = k + 1 < m ? b[k + 1] : NULL;
		b[k]->state = FL_RUNNING;
		b[k]->slot = i;
	}
	b[0]->nbatch = m;
	E->slot[i] = b[0];
	E->inflight++;
	return 1;
}

/* Whether g's rendering still fits a batch of m programs whose
 * renderings total text bytes: the joined unit stays within max_source. */
static int batch_fits(const struct evo *E, size_t text, int m, const struct flight *g)
{
	return sym_batch_text_len(text + g->len, m + 1) <= sbx_get_limits(E->sb)->max_source;
}

static int launch_batch(struct evo *E, struct flight *head, int i)
{
	struct flight *b[SYM_BATCH_MAX];
	int cap = batch_cap(E, SBX_TASK_PROBE | SBX_TASK_STAGE(0)), m = 0;
	size_t text = head->len;
	b[m++] = head;
	while (m < cap && !stopping(E)) {
		struct flight *g = ready_pop(E);
		if (!g) {
			E->inflight += m; /* the gathered ones count as in flight for propose() */
			int rc = E->npending >= EVO_MAX_PENDING ? 0 : propose(E, &g);
			E->inflight -= m;
			if (rc < 0)
				return -1;
			if (rc == 0)
				break;
			if (rc == 2)
				continue;
		}
		if (!g->prog || g->prog->spec != head->prog->spec || !g->mut || g->solo || g->stage_next ||
		    !batch_fits(E, text, m, g)) {
			ready_push_front(E, g);
			break;
		}
		int r = precheck(E, g);
		if (r < 0)
			return -1;
		if (r)
			continue;
		text += g->len;
		b[m++] = g;
	}
	int rc = start_batch(E, i, b, m, 2, SBX_TASK_PROBE | SBX_TASK_STAGE(0)); /* one alone is no batch */
	if (rc <= 0) {
		E->batch_fallbacks += rc == 0 && m > 1;
		return rc;
	}
	E->batches++;
	E->batched += m;
	return 0;
}

/* The later stages of IR children that passed stage 0, gathered from
 * the ready queue (head first, then the ones behind it waiting for the
 * same stage) into one sandbox job on slot i, like their first stage: an
 * IR program is arithmetic the engine rendered, so it runs in run()'s own
 * process (no serve() round trips, evaluator.h).  A batch the sandbox
 * refuses runs each alone. */
static int launch_later(struct evo *E, struct flight *head, int i)
{
	struct flight *b[SYM_BATCH_MAX];
	const struct ev_evaluator *ev = E->p->ev;
	int stage = head->stage_next, m = 0;
	unsigned tasks = pl_stage_tasks(ev, stage);
	int cap = batch_cap(E, tasks);
	size_t text = head->len;
	b[m++] = head;
	while (m < cap) {
		struct flight *g = ready_pop(E);
		if (!g)
			break;
		if (g->stage_next != stage || !batchable(E, g) || g->prog->spec != head->prog->spec ||
		    !batch_fits(E, text, m, g)) {
			ready_push_front(E, g);
			break;
		}
		text += g->len;
		b[m++] = g;
	}
	/* even one: a rendering runs in run()'s own process, without serve() */
	int rc = start_batch(E, i, b, m, 1, tasks);
	if (rc <= 0)
		return rc;
	E->later_batches++;
	E->later_batched += m;
	return 0;
}

static int budget_left(struct evo *E)
{
	const struct evo_params *p = E->p;
	if (p->budget_evals && E->started >= p->budget_evals)
		return 0;
	if (p->budget_wall_s > 0 && mono_s() - E->t0 >= p->budget_wall_s)
		return 0;
	return 1;
}

static int stopping(struct evo *E)
{
	return stop_requests > 0 || E->exhausted || !budget_left(E);
}

/* Fill every free slot: ready children first, then new proposals.  With
 * batches, once every slot is busy, the next batch's children are made
 * ahead into the ready queue: a slot that frees up is refilled at once
 * instead of waiting for a batch's worth of proposals.  While children
 * are still pending with an asynchronous mutator (e.g. being fitted on
 * another thread) and fewer than a batch are ready, free slots wait up
 * to BATCH_WAIT_S for more, instead of running batches of one or two. */
#define BATCH_WAIT_S 0.1

static int fill(struct evo *E)
{
	int ahead = batch_cap(E, SBX_TASK_PROBE | SBX_TASK_STAGE(0));
	int hold = ahead > 1 && E->npending > 0 && E->nready < ahead && !stopping(E) &&
	           (!E->ready || (E->ready->prog && mono_s() - E->ready->t_ready < BATCH_WAIT_S));
	for (int i = 0; i < E->p->workers && !hold; i++) {
		while (!E->slot[i]) {
			struct flight *f = ready_pop(E);
			if (!f) {
				if (stopping(E) || E->npending >= EVO_MAX_PENDING)
					return 0;
				int rc = propose(E, &f);
				if (rc < 0)
					return -1;
				if (rc == 0)
					return 0;
				if (rc == 2)
					continue;
			}
			if (launch(E, f, i))
				return -1;
		}
	}
	for (int n = 0; n < ahead && E->nready < ahead && !stopping(E) && E->npending < EVO_MAX_PENDING; n++) {
		struct flight *f;
		int rc = propose(E, &f);
		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
		if (rc == 1)
			ready_push(E, f);
	}
	return 0;
}

/* One flight's job ended: res is its own result (or its slice of a
 * batch's, then i is -1 and later stages queue up to run alone). */
static int finish_flight(struct evo *E, struct flight *f, int i, const struct sbx_result *res)
{
	const struct evo_params *p = E->p;
	int first = res->out[0] != NULL;
	int next = pl_finish(p->ev, res, EV_TRAIN, p->hash_tol, f->src, f->len, &f->o);
	if (first && f->o.has_fhash && f->o.status == SBX_OK) {
		struct fh_entry e;
		E->func_lookups++;
		int hit = fh_cache_get(E->func, f->o.fhash, &e);
		if (!hit && archive_may_know(E, E->func)) {
			int64_t id;
			double sc;
			if (arc_find_func_hash(E->a, f->o.fhash, &id, &sc) == ARC_OK) {
				e = (struct fh_entry){ .program_id = id, .score = sc, .status = SBX_OK };
				hit = 1;
				fh_cache_put(E->func, f->o.fhash, &e);
			}
		}
		if (hit && p->ev->noisy && p->remeasure_after > 0 && ++e.hits >= p->remeasure_after) {
			/* Noisy: measure this function again instead of trusting the
			 * old result forever. */
			e.hits = 0;
			fh_cache_put(E->func, f->o.fhash, &e);
			f->remeasure = 1;
			hit = 0;
		} else if (hit && p->ev->noisy) {
			fh_cache_put(E->func, f->o.fhash, &e);
		}
		if (hit) {
			E->func_hits++;
			char m[128];
			snprintf(m, sizeof m, "same probe outputs as program %lld", (long long)e.program_id);
			/* A duplicate is credited with nothing: no score, no program,
			 * no cell, no children (see docs/EVALUATORS.md, probe liars). */
			f->o.score = NAN;
			return flight_done(E, f, "duplicate", e.program_id, m);
		}
	}
	if (next >= 0 && (i < 0 || batchable(E, f))) {
		f->stage_next = next;
		ready_push(E, f);
		return 0;
	}
	if (next >= 0) {
		char err[256];
		int rc = (f->prog ? pl_start_rendered : pl_start)(E->sb, i, p->ev, f->src, f->len,
		                                                  pl_stage_tasks(p->ev, next), EV_TRAIN, &f->o, err,
		                                                  sizeof err);
		if (rc < 0) {
			snprintf(E->err, E->errlen, "sandbox: %s", err);
			flight_free(f);
			return -1;
		}
		if (rc == PL_RUNNING) { /* still busy */
			E->slot[i] = f;
			E->inflight++;
			return 0;
		}
	}
	return flight_done(E, f, NULL, 0, NULL);
}

/* A batch job ended: hand each flight its slice; when the child failed as
 * a whole, every flight runs again alone to get its own status. */
static int finish_batch(struct evo *E, struct flight *head, const struct sbx_result *res)
{
	static struct sbx_result one;
	struct flight *b[SYM_BATCH_MAX];
	int m = 0, ok = res->status == SBX_OK;
	for (struct flight *g = head; g && m < SYM_BATCH_MAX; g = g->batch)
		b[m++] = g;
	ok = ok && sym_batch_check(res, m) == 0;
	for (int k = 0; k < m; k++) {
		b[k]->batch = NULL;
		b[k]->nbatch = 0;
	}
	if (!ok) {
		E->batch_fallbacks++;
		for (int k = m - 1; k >= 0; k--) {
			b[k]->solo = 1;
			ready_push_front(E, b[k]);
		}
		return 0;
	}
	for (int k = 0; k < m; k++) {
		sym_batch_split(res, m, k, &one);
		if (finish_flight(E, b[k], -1, &one))
			return -1;
	}
	return 0;
}

/* A job finished in slot i. */
static int finish(struct evo *E, int i, const struct sbx_result *res)
{
	struct flight *f = E->slot[i];
	E->slot[i] = NULL;
	E->inflight--;
	if (f->nbatch > 0)
		return finish_batch(E, f, res);
	return finish_flight(E, f, i, res);
}

static void migrations(struct evo *E)
{
	const struct evo_params *p = E->p;
	for (int isl = 0; p->islands > 1 && p->migration_interval > 0 && isl < p->islands; isl++)
		if (E->island_evals[isl] >= E->next_migration[isl]) {
			evo_migrate(E, isl);
			E->next_migration[isl] += p->migration_interval;
		}
}

/* ---- event loop callbacks ------------------------------------------------- */

static void on_sandbox(struct loop *l, int fd, int mask, void *ud)
{
	struct evo *E = ud;
	for (;;) {
		int slot;
		struct sbx_result res;
		char serr[256];
		int c = sbx_collect(E->sb, &slot, &res, serr, sizeof serr);
		if (c < 0) {
			snprintf(E->err, E->errlen, "sandbox: %s", serr);
			E->failed = 1;
			break;
		}
		if (c == 0)
			break;
		if (slot < 0 || slot >= E->p->workers || !E->slot[slot])
			continue;
		if (finish(E, slot, &res)) {
			E->failed = 1;
			break;
		}
		migrations(E);
	}
	if (E->failed)
		loop_stop(l);
}

static long on_tick(struct loop *l, int64_t id, void *ud)
{
	/* Deadlines of external commands' jobs; the rest of the work is in
	 * before_sleep: this wakes the loop. */
	struct evo *E = ud;
	for (int i = 0; i < E->p->workers && !E->failed; i++)
		if (E->slot[i] && E->slot[i]->xjob && ext_update(E, E->slot[i]))
			E->failed = 1;
	return TICK_MS;
}

static void before_sleep(struct loop *l, void *ud)
{
	struct evo *E = ud;
	if (E->failed) {
		loop_stop(l);
		return;
	}
	if (stop_requests && !E->drain_deadline)
		E->drain_deadline = mono_s() + 1.0;
	if (fill(E)) {
		E->failed = 1;
		loop_stop(l);
		return;
	}
	int idle = !E->inflight && !E->npending && !E->nready;
	if ((idle && stopping(E)) || (E->drain_deadline && mono_s() > E->drain_deadline))
		loop_stop(l); /* what is still running was never committed */
	if (arc_checkpoint(E->a, 100000, 500, NULL)) {
		evo_arc_fail(E, "archive");
		loop_stop(l);
		return;
	}
	if (E->p->periodic && mono_s() >= E->next_periodic)
		E->next_periodic = mono_s() + E->p->periodic(E->p->periodic_ud);
	if (progress_due(E->prog)) {
		struct arc_stats st;
		if (arc_stats(E->a, -1, &st) == ARC_OK) {
			int64_t n = E->text_lookups + E->func_lookups;
			double hit = n ? (double)(E->text_hits + E->func_hits) / (double)n : 0;
			progress_show(E->prog, &st, hit);
		}
	}
}

/* ---- the campaign ------------------------------------------------------------ */

static int evo_init(struct evo *E)
{
	const struct evo_params *p = E->p;
	if (arc_next_seq(E->a, &E->next_seq))
		return evo_arc_fail(E, "reading the archive");
	E->caches_whole = E->next_seq == 1;
	/* Reproducible: the stream depends only on the seed and where the
	 * campaign stands in the archive. */
	rng_seed(&E->rng, p->seed ^ ((uint64_t)E->next_seq * 0x9e3779b97f4a7c15ull));
	int64_t have;
	if (arc_elite_count(E->a, -1, &have))
		return evo_arc_fail(E, "reading the archive");
	E->seeding = have == 0;
	E->done0 = E->next_seq - 1;
	E->started = E->done0;
	E->text = fh_cache_new(CACHE_CAP);
	E->func = fh_cache_new(CACHE_CAP);
	E->slot = calloc((size_t)p->workers, sizeof *E->slot);
	E->island_evals = calloc((size_t)p->islands, sizeof *E->island_evals);
	E->next_migration = calloc((size_t)p->islands, sizeof *E->next_migration);
	for (int i = 0; E->next_migration && i < p->islands; i++)
		E->next_migration[i] = p->migration_interval;
	E->ncells = arc_cell_count(p->dims, p->ndims);
	if (p->selection == EVO_SEL_CURIOSITY) {
		E->cur_tries = calloc((size_t)(E->ncells * p->islands), sizeof *E->cur_tries);
		E->cur_wins = calloc((size_t)(E->ncells * p->islands), sizeof *E->cur_wins);
	}
	E->prog = progress_new(p->quiet, p->budget_evals, p->budget_wall_s, E->done0);
	E->loop = p->loop;
	if (!E->loop) {
		E->loop = loop_new();
		E->own_loop = 1;
	}
	if (!E->text || !E->func || !E->slot || !E->island_evals || !E->next_migration || !E->prog ||
	    !E->loop || (p->selection == EVO_SEL_CURIOSITY && (!E->cur_tries || !E->cur_wins))) {
		snprintf(E->err, E->errlen, "out of memory");
		return -1;
	}
	if (loop_watch(E->loop, sbx_fd(E->sb), LOOP_READABLE, on_sandbox, E) < 0 ||
	    (E->tick = loop_timer(E->loop, TICK_MS, on_tick, E)) < 0) {
		snprintf(E->err, E->errlen, "event loop: %s", strerror(errno));
		return -1;
	}
	loop_before_sleep(E->loop, before_sleep, E);
	return 0;
}

/* Drop everything not recorded: running jobs were never committed, pending
 * proposals are cancelled. */
static void evo_release(struct evo *E)
{
	while (E->pending) {
		struct flight *f = E->pending;
		E->pending = f->next;
		if (f->mut && f->mut->cancel)
			f->mut->cancel(f->mut, &f->req);
		flight_free(f);
	}
	E->npending = 0;
	struct flight *f;
	while ((f = ready_pop(E)))
		flight_free(f);
	for (int i = 0; E->slot && i < E->p->workers; i++)
		flight_free(E->slot[i]);
	while (E->spare) {
		struct flight *n = E->spare->next;
		free(E->spare);
		E->spare = n;
	}
	E->nspare = 0;
	free(E->slot);
	free(E->island_evals);
	free(E->next_migration);
	free(E->cur_tries);
	free(E->cur_wins);
	fh_cache_free(&E->text);
	fh_cache_free(&E->func);
	evo_pcache_free(E);
	progress_free(&E->prog);
	if (E->loop && !E->own_loop) {
		/* Leave the caller's loop as it was found. */
		loop_watch(E->loop, sbx_fd(E->sb), 0, NULL, NULL);
		if (E->tick > 0)
			loop_timer_del(E->loop, E->tick);
		loop_before_sleep(E->loop, NULL, NULL);
	}
	if (E->own_loop)
		loop_free(&E->loop);
}

static int add_stop_event(struct evo *E)
{
	char detail[256];
	struct evo_summary *sum = E->sum;
	snprintf(detail, sizeof detail,
	         "{\"attempts\":%lld,\"reason\":\"%s\",\"text_hits\":%lld,\"text_lookups\":%lld,"
	         "\"func_hits\":%lld,\"func_lookups\":%lld,\"interp_hits\":%lld,\"interp_lookups\":%lld}",
	         (long long)sum->attempts,
	         stop_requests ? "interrupted" : E->exhausted ? "mutators exhausted" : "budget",
	         (long long)E->text_hits, (long long)E->text_lookups, (long long)E->func_hits,
	         (long long)E->func_lookups, (long long)E->interp_hits, (long long)E->interp_lookups);
	return arc_add_event(E->a,
	                     stop_requests ? "interrupted" : E->exhausted ? "exhausted_stop" : "budget_stop",
	                     detail);
}

int evo_run(const struct evo_params *p, struct arc *a, struct sbx *sb,
            struct evo_summary *sum, char *err, size_t errlen)
{
	struct evo E = { .p = p, .a = a, .sb = sb, .sum = sum, .err = err, .errlen = errlen };
	memset(sum, 0, sizeof *sum);
	int rc = -1;
	E.t0 = mono_s();
	E.next_periodic = E.t0 + p->periodic_s;
	if (evo_init(&E))
		goto out;
	if (arc_begin(a)) {
		evo_arc_fail(&E, "archive");
		goto out;
	}
	if (loop_run(E.loop) < 0) {
		snprintf(err, errlen, "poll: %s", strerror(errno));
		E.failed = 1;
	}
	if (!E.failed) {
		rc = 0;
		sum->end = stop_requests ? EVO_INTERRUPTED : E.exhausted ? EVO_EXHAUSTED : EVO_BUDGET;
		if (add_stop_event(&E)) {
			evo_arc_fail(&E, "archive");
			rc = -1;
		}
	}
	if (arc_commit(a) && rc == 0) {
		evo_arc_fail(&E, "archive");
		rc = -1;
	}
out:
	progress_end(E.prog);
	sum->wall_s = mono_s() - E.t0;
	sum->per_s = sum->wall_s > 0 ? sum->attempts / sum->wall_s : 0;
	sum->text_hit_rate = E.text_lookups ? (double)E.text_hits / E.text_lookups : 0;
	sum->func_hit_rate = E.func_lookups ? (double)E.func_hits / E.func_lookups : 0;
	sum->text_hits = E.text_hits;
	sum->interp_hits = E.interp_hits;
	sum->interp_lookups = E.interp_lookups;
	sum->batches = E.batches;
	sum->batched = E.batched;
	sum->batch_fallbacks = E.batch_fallbacks;
	sum->later_batches = E.later_batches;
	sum->later_batched = E.later_batched;
	if (rc)
		sum->end = EVO_ERROR;
	evo_release(&E);
	return rc;
}
