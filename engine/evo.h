/*
 * evo.h - the evolution loop: MAP-Elites islands driven by one event loop.
 *
 * One iteration: select a parent on an island, mutate it, drop exact text
 * duplicates, run probe + first stage in a sandbox slot, drop functional
 * duplicates, run the remaining stages, score, and record the attempt, the
 * program, its evaluation and its cell in the archive.  Up to `workers`
 * candidates are on sandbox slots at once; asynchronous mutators (an LLM)
 * may hold more proposals pending.  Everything waits in one event loop
 * (engine/loop.h): the sandbox's response pipe, the mutators' sockets and
 * timers, a 100 ms tick.
 *
 * The archive is the checkpoint: every finished attempt is written in a
 * batch committed at least every 0.5 s, and the hash caches are bounded
 * fronts of the archive's own indexes, so a resumed campaign sees exactly
 * what was committed.
 *
 * Ownership: evo_run() borrows everything in struct evo_params; it owns
 * nothing after it returns.
 */
#ifndef DISCO_EVO_H
#define DISCO_EVO_H

#include <stdint.h>
#include <stdio.h>

#include "archive/arc.h"
#include "engine/loop.h"
#include "engine/mutate/mutate.h"
#include "evaluators/evaluator.h"
#include "sandbox/sbx.h"

#define EVO_MAX_MUTATORS 8

enum evo_selection { EVO_SEL_UNIFORM, EVO_SEL_SCORE, EVO_SEL_CURIOSITY };

struct evo_params {
	const struct ev_evaluator *ev;
	int nmut;
	const struct mut_mutator *mut[EVO_MAX_MUTATORS];
	double mut_weight[EVO_MAX_MUTATORS];
	int ndims;                       /* archive dimensions */
	struct arc_dim dims[ARC_MAX_DIMS];
	int dim_src[ARC_MAX_DIMS];       /* evaluator descriptor index of each dimension */
	int islands, migration_interval, migrants;
	enum evo_selection selection;
	int inspirations;
	int64_t budget_evals;            /* attempts, duplicates included; 0 = none */
	double budget_wall_s;            /* 0 = none */
	int workers;
	uint64_t seed;
	double hash_tol;
	int remeasure_after;             /* noisy evaluators: re-measure after K hits */
	int quiet;                       /* no progress lines */
	FILE *log_json;                  /* JSON lines of events, or NULL */
	/* Seeds to start from instead of ev->seeds (NULL: ev->seeds), ending
	 * with {NULL, NULL}; seed_ir[i]: the IR text seeds[i] was rendered
	 * from, or NULL (seed_ir itself may be NULL). */
	int batch;                       /* IR children per sandbox job (<= 1: one each) */
	const struct ev_seed *seeds;
	const char *const *seed_ir;
	const char *db_path;             /* for messages ("disco resume DB") */
	struct loop *loop;               /* the engine's event loop (asynchronous mutators
	                                    register on it), or NULL: evo_run makes its own */
	/* Called from the loop after a checkpoint, first after periodic_s seconds
	 * and then whenever it returns a delay (s) since its last call (disco
	 * run --report rewrites the page); NULL: never. */
	double (*periodic)(void *ud);
	void *periodic_ud;
	double periodic_s;
};

/* Why evo_run() returned. */
enum evo_end {
	EVO_BUDGET,      /* the attempt or wall-clock budget is used */
	EVO_INTERRUPTED, /* SIGINT/SIGTERM */
	EVO_ERROR,
	EVO_EXHAUSTED,   /* every mutator said it never will again (e.g. LLM spending caps) */
};

struct evo_summary {
	enum evo_end end;
	int64_t attempts, programs, duplicates;
	double wall_s, per_s;
	double text_hit_rate, func_hit_rate;
	int64_t text_hits;               /* exact text duplicates (never compiled) */
	int64_t interp_hits, interp_lookups; /* functional duplicates found by interpreting IR (never compiled) */
	int64_t batches, batched, batch_fallbacks; /* batch jobs, children run in them, batches re-run alone */
	int64_t later_batches, later_batched;      /* the same for the later stages (stage 1 on) */
	int64_t by_status[SBX_NSTATUS];
};

/* Run (or continue) the campaign in a.  sb must have >= p->workers slots.
 * Returns 0, or -1 with a message in err (archive or sandbox failure). */
int evo_run(const struct evo_params *p, struct arc *a, struct sbx *sb,
            struct evo_summary *sum, char *err, size_t errlen);

/* Install SIGINT/SIGTERM handling for evo_run(): the first signal stops
 * taking new work, lets in-flight work finish for up to a second and
 * commits; a second one exits at once (committed work is safe). */
void evo_install_signals(void);

#endif
