/*
 * pipeline.h - one candidate through the evaluator: prescan, sandboxed
 * compile and run, trusted scoring stage by stage, descriptors, and the
 * functional hash of its probe outputs.
 *
 * `disco eval`, `disco baseline` and the evolution loop all go through
 * here, so a candidate is judged the same way everywhere.  pl_start() and
 * pl_finish() split the work around the sandbox so the loop can keep many
 * candidates in flight; pl_eval() is the blocking composition of both.
 *
 * Ownership: struct pl_outcome is plain data owned by the caller.
 */
#ifndef DISCO_PIPELINE_H
#define DISCO_PIPELINE_H

#include <stdint.h>

#include "evaluators/evaluator.h"
#include "sandbox/sbx.h"

struct pl_outcome {
	enum sbx_status status;
	int signal;                /* for SBX_CRASH */
	char message[SBX_MSG_MAX]; /* compiler messages, or why it failed */
	double score;              /* meaningful only when status == SBX_OK */
	int stage;                 /* highest stage scored, -1 if none */
	int passed;                /* 1 if every stage's threshold was met */
	struct ev_result ev;       /* metrics and descriptors */
	uint64_t fhash;            /* functional hash of the probe outputs */
	int has_fhash;
	double t_compile_ms, t_run_ms, t_score_ms, t_total_ms;
};

/* pl_start()'s named outcome: the job is running on its slot. */
#define PL_RUNNING 1

/* Prescan src and submit a job for `tasks` on `slot`.  Returns PL_RUNNING
 * when the job is running, 0 when the candidate is already finished (o
 * filled: rejected, or judged at once by an external evaluator command),
 * -1 on a setup error (err). */
int pl_start(struct sbx *s, int slot, const struct ev_evaluator *ev, const char *src,
             size_t len, unsigned tasks, int split, struct pl_outcome *o, char *err,
             size_t errlen);
/* The same for src that is the engine's own rendering of IR programs
 * (engine/sym: sym_render, sym_batch_join): the sandbox child may skip
 * tcc's separate preprocessing pass (struct sbx_job.rendered). */
int pl_start_rendered(struct sbx *s, int slot, const struct ev_evaluator *ev, const char *src, size_t len,
                      unsigned tasks, int split, struct pl_outcome *o, char *err, size_t errlen);
/* The same for a batch of nprog IR programs (sym_batch_join()): the job's
 * time limits are nprog programs' (struct sbx_job.nprog). */
int pl_start_batch(struct sbx *s, int slot, const struct ev_evaluator *ev, const char *src, size_t len,
                   int nprog, unsigned tasks, int split, struct pl_outcome *o, char *err, size_t errlen);

/* An external command's answer (ext_eval() or ext_job_finish() returned
 * rc with r) as the candidate's outcome, phase times included. */
struct ext_result;
void pl_ext_outcome(const struct ext_result *r, int rc, struct pl_outcome *o);

/* Fold a finished job into o: hash the probe output (if run) with relative
 * tolerance tol, score the stages that ran in order, stopping at the first
 * one below its threshold, then describe the source.  Returns the next
 * stage still to run (its threshold was met but it was not in the job), or
 * -1 when the candidate is finished. */
int pl_finish(const struct ev_evaluator *ev, const struct sbx_result *res, int split,
              double tol, const char *src, size_t len, struct pl_outcome *o);

/* Everything at once: one job with the probe and every stage.  Returns 0,
 * or -1 on a setup error (err). */
int pl_eval(struct sbx *s, const struct ev_evaluator *ev, const char *src, size_t len,
            int split, double tol, struct pl_outcome *o, char *err, size_t errlen);

/* Constant fitting without recompiling (sandbox FIT jobs, sbx.h).
 * pl_fit_lift() returns src (malloc'd) with float constant i (i < n, of
 * c, from mut_consts_scan()) replaced by __disco_k[i] (cast back to float
 * or long double for f/L suffixes) and "double __disco_k[n];" declared on
 * a first line of its own; NULL when out of memory.  pl_fit_ok() says
 * whether ev's candidates can be fitted that way (a built-in evaluator
 * without serve(): not a C plug-in or an external command).
 * pl_fit_trial() scores trial t of a finished FIT job (res->ntrials > t)
 * as pl_finish() would score a job of its own: trusted score(), in the
 * engine; src is the lifted source (for describe()).  Returns 0, or -1
 * when the trial is not in res. */
struct mut_consts;
char *pl_fit_lift(const char *src, size_t len, const struct mut_consts *c, size_t n);
int pl_fit_ok(const struct ev_evaluator *ev);
int pl_fit_trial(const struct ev_evaluator *ev, const struct sbx_result *res, int t, int split,
                 const char *src, size_t len, struct pl_outcome *o);

/* Task bits for stages first..nstages-1 of ev. */
unsigned pl_stage_tasks(const struct ev_evaluator *ev, int first);

#endif
