/*
 * evo_int.h - private to the evolution loop (evo.c, select.c, record.c);
 * nothing outside engine/evo*.c, select.c and record.c includes it.
 *
 * The loop's state (struct evo) and one candidate's state (struct flight)
 * live here so the three concerns can share them:
 *   evo.c     the loop: proposals, flights, the event loop callbacks
 *   select.c  parent selection, curiosity, mutator choice, inspirations,
 *             migration
 *   record.c  recording one finished attempt: archive, caches, summary,
 *             JSON log
 *
 * Life of a candidate: a *proposal* (struct flight not yet on a sandbox
 * slot) is made from a parent and a mutator; a synchronous mutator fills
 * its child at once, an asynchronous one (MUT_PENDING) later from an event
 * loop callback.  A proposal with its child waits in the ready queue until
 * a sandbox slot is free, then runs there (probe + stage 0, then the later
 * stages) and is recorded.  Every flight is recorded exactly once, or
 * dropped uncommitted on an interrupt.
 */
#ifndef DISCO_EVO_INT_H
#define DISCO_EVO_INT_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "engine/evo.h"
#include "engine/fhash.h"
#include "engine/loop.h"
#include "engine/mutate/mutate.h"
#include "engine/pipeline.h"
#include "engine/progress.h"
#include "evaluators/rng.h"

/* Proposals an asynchronous mutator may hold at once, whatever it says. */
#define EVO_MAX_PENDING 256

enum flight_state {
	FL_MUTATING, /* an asynchronous mutator is working on it */
	FL_READY,    /* child made, waiting for a sandbox slot */
	FL_RUNNING,  /* on a sandbox slot */
};

struct flight {
	enum flight_state state;
	struct flight *next;  /* ready queue / pending list */
	int slot;             /* sandbox slot while FL_RUNNING */
	struct evo *E;
	char *src;
	size_t len;
	char *ir;             /* IR text of the child, or NULL */
	struct sym_prog *prog; /* that IR parsed, from the symbolic mutator (mutate.h), or NULL */
	char *info;           /* the mutator's JSON note, or NULL */
	int64_t tag;          /* the mutator's handle for the child (mut_child.tag), 0 none */
	int island;
	int64_t seq, parent;
	int ninsp;
	int64_t insp[ARC_MAX_INSPIRATIONS];
	const struct mut_mutator *mut; /* NULL for a seed */
	const char *mutator;  /* name recorded with the attempt */
	uint64_t thash;
	int has_probe_hash;   /* the mutator's interpreted probe hash of prog (mut_child) */
	double probe_tol;
	uint64_t probe_hash;
	int remeasure;        /* a noisy duplicate being measured again */
	/* Batches of IR children (engine/sym/batch.c): one job on one slot. */
	struct flight *batch; /* the next flight of the same job */
	int nbatch;           /* on the head: flights in the job (0: not batched) */
	int stage_next;       /* > 0: run only this stage (after a batch) */
	int solo;             /* run alone (its batch failed as a whole) */
	double t_ready;       /* mono_s() when it joined the ready queue */
	struct pl_outcome o;
	struct ext_job *xjob; /* an external command's evaluation in flight, or NULL */
	/* An asynchronous proposal's request and what it borrows. */
	struct mut_req req;
	struct arc_program par;
	struct arc_program insp_prog[ARC_MAX_INSPIRATIONS];
	struct mut_prog insp_view[ARC_MAX_INSPIRATIONS];
	int ninsp_prog;
	char *pmetrics;       /* the parent's metrics (JSON), or NULL */
	char *failures;       /* recent failures of the parent's children, or NULL */
};

struct evo {
	const struct evo_params *p;
	struct arc *a;
	struct sbx *sb;
	struct loop *loop;
	int own_loop;                  /* loop made by evo_run (p->loop was NULL) */
	int64_t tick;                  /* the 100 ms timer */
	struct rng rng;
	struct fh_cache *text, *func;
	int caches_whole;              /* the archive held no attempt when the run began: while a
	                                  cache has evicted nothing it knows every recorded hash,
	                                  and a miss needs no archive lookup */
	struct evo_pcache *pc;         /* programs read back (pcache.c), made on first use */
	struct flight **slot;          /* p->workers sandbox slots: the flight on it, or NULL */
	struct flight *ready, *ready_tail; /* children waiting for a slot */
	struct flight *pending;        /* proposals an asynchronous mutator holds */
	struct flight *spare;          /* freed flights kept for reuse (evo.c) */
	int nspare;
	int64_t next_seq, started, done0;
	int inflight, npending, nready;
	int64_t *island_evals, *next_migration;
	int seed_next, seeding;        /* seeds still to submit, before any mutation */
	int64_t ncells;                /* curiosity: per island x cell, tries and wins */
	uint32_t *cur_tries, *cur_wins;
	struct evo_summary *sum;
	int64_t text_hits, text_lookups, func_hits, func_lookups;
	int64_t interp_hits, interp_lookups; /* functional lookups from interpreted IR (no compile) */
	int64_t batches, batched, batch_fallbacks; /* batch jobs, children in them, batches re-run alone */
	int64_t later_batches, later_batched;      /* batch jobs of later stages, children in them */
	struct progress *prog;
	double t0, drain_deadline;
	double next_periodic;            /* mono_s() of the next p->periodic call */
	int failed;                    /* an error is in err: stop */
	int exhausted;                 /* no mutator will ever propose again: drain and stop */
	char *err;
	size_t errlen;
};

/* record.c */
/* Record one finished candidate.  status NULL: f->o says what happened;
 * otherwise the attempt's status name ("duplicate" with dup_of/dup_msg,
 * "edit_failed" with dup_msg as the reason).  Returns 0, or -1 with E->err. */
int evo_record(struct evo *E, struct flight *f, const char *status, int64_t dup_of,
               const char *msg);
int evo_arc_fail(struct evo *E, const char *what);
void evo_log_event(struct evo *E, cJSON *j);

/* pcache.c: a recorded program, and its train evaluation, through the
 * cache (same results and ownership as arc_get_program and
 * arc_get_evaluation(..., EV_TRAIN, ...)). */
int evo_get_program(struct evo *E, int64_t id, struct arc_program *out);
int evo_get_train_eval(struct evo *E, int64_t id, struct arc_eval *out);
void evo_pcache_free(struct evo *E);

/* select.c */
/* A parent on island (-1: any).  0 with *pid, ARC_NOTFOUND, or -1 (E->err). */
int evo_select_parent(struct evo *E, int island, int64_t *pid);
/* A mutator by weight among those ready now; NULL when none is ready
 * (*exhausted set when none ever will be again). */
const struct mut_mutator *evo_pick_mutator(struct evo *E, int *exhausted);
/* Fill f->insp with up to p->inspirations elites of random islands other
 * than pid; with want_src also their programs (f->insp_prog, insp_view). */
void evo_pick_inspirations(struct evo *E, struct flight *f, int64_t pid, int want_src);
/* Curiosity bookkeeping after a child of f->parent ended with outcome. */
void evo_curiosity_note(struct evo *E, const struct flight *f, int outcome);
/* Migrate elites from island `from` to the next one. */
void evo_migrate(struct evo *E, int from);

#endif
