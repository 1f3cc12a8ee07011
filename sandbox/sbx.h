/*
 * sbx.h - compile and run untrusted candidate code in a sandbox.
 *
 * A candidate is C source satisfying an evaluator's contract.  It is checked
 * in the engine (sbx_prescan: size, NUL bytes, #include, _Pragma), then
 * compiled AND run in a child process: the preprocessor and compiler are
 * untrusted work too.  Children are forked by a small fork server, started
 * by sbx_open() before the engine grows, so each fork stays cheap.
 *
 * In the child: its own process group, stdin/stdout/stderr on /dev/null,
 * every other fd closed but its result pipe, the other slots unmapped,
 * rlimits (CPU, address space, stack, file size 0, no files, no processes,
 * no core), a seccomp filter while compiling (memory management only;
 * opening files fails with EACCES) and a stricter one while the candidate
 * runs (exit_group, rt_sigreturn, clock_gettime and write on the result
 * pipe only; any other syscall kills the process with SIGSYS).
 * Compilation is libtcc with -nostdlib against the evaluator's prelude and
 * symbol whitelist.  The fork server enforces a wall-clock deadline by
 * killing the child's process group.
 *
 * A shared-memory slot per job in flight carries the job to the child,
 * which maps it read-only and unmaps it before untrusted code runs; the
 * child's raw outputs come back as one report on its result pipe, which
 * the fork server stores in the slot.  The engine keeps its own copy of
 * every job parameter and checks the report against it (the candidate may
 * have written the report itself), then scores the outputs.
 *
 * Ownership: struct sbx is opaque, created by sbx_open() and released by
 * sbx_close().  A struct sbx_result points into its slot's shared memory;
 * the pointers stay valid until the next sbx_submit() on that slot.
 */
#ifndef DISCO_SBX_H
#define DISCO_SBX_H

#include <stddef.h>
#include <stdint.h>

#include "evaluators/evaluator.h"

enum sbx_status {
	SBX_OK = 0,
	SBX_REJECTED,       /* refused before compiling, or after preprocessing */
	SBX_COMPILE_ERROR,  /* compiler or linker error, missing entry symbol */
	SBX_TIMEOUT,        /* wall deadline or CPU limit */
	SBX_CRASH,          /* killed by a signal (see signal) */
	SBX_MEMORY,         /* address-space or stack limit */
	SBX_SYSCALL,        /* blocked system call */
	SBX_INVALID_OUTPUT, /* NaN, Inf, missing or malformed output */
	SBX_NSTATUS
};

const char *sbx_status_name(enum sbx_status s);
/* Returns the status named s, or -1. */
int sbx_status_parse(const char *s);
/* "SIGSEGV" for 11, "signal 99" style text for unknown ones (static buffer
 * for unknown numbers: not reentrant). */
const char *sbx_signal_name(int sig);

struct sbx_limits {
	unsigned wall_ms;   /* deadline per job, enforced by the fork server */
	unsigned cpu_s;     /* RLIMIT_CPU; 0 = derived from wall_ms */
	size_t mem_bytes;   /* RLIMIT_AS and the most a candidate's image may take */
	size_t stack_bytes; /* RLIMIT_STACK */
	size_t max_source;  /* largest candidate source accepted, bytes */
};

/* Defaults: 2000 ms, 256 MiB, 8 MiB stack, 64 KiB source. */
void sbx_limits_default(struct sbx_limits *lim);

/* Check a candidate before any compiling: size, NUL bytes, every #include
 * must name one of ev->headers (those lines are blanked, since the prelude
 * provides them), no _Pragma, no #pragma comment, no #line or "# N"
 * linemarker.  On success returns 0
 * and *clean is a malloc'd, NUL-terminated copy to compile (caller frees).
 * On refusal returns -1 with a message naming the line. */
int sbx_prescan(const char *src, size_t len, const struct ev_evaluator *ev,
                size_t max_source, char **clean, char *msg, size_t msglen);

/* Scan tcc's preprocessor output of prelude + candidate (the candidate
 * starts after the first "typedef int __disco_candidate;") for the escape hatches that
 * bypass the symbol whitelist (sandbox/ppscan.c lists them: inline asm,
 * attributes such as section, computed goto, function pointers, ...).
 * With allow non-zero nothing is refused.  Returns 0, or -1 with a
 * message naming the line; *cand_off (may be NULL) is the offset where the
 * candidate's text starts, just after the marker (len when there is none).  Called by the sandbox
 * child; pure, so unit tests call it too. */
int sbx_ppscan(const char *pp, size_t len, int allow, size_t *cand_off, char *msg,
               size_t msglen);

/* The evaluator that compiles C plug-in evaluators inside the child: its
 * prelude is evaluator.h itself plus the math table and a few libc
 * functions (memcpy, memset, strlen, strcmp, strncmp, snprintf), its entry
 * symbol `disco_evaluator`.  Prescan a plug-in's source against it.  Static
 * data, built on first use (sbx_open() builds it before forking). */
const struct ev_evaluator *sbx_plugin_host(void);

#define SBX_MSG_MAX 4096
#define SBX_OUT_CAP (1u << 19)          /* doubles of output per job, all tasks */
#define SBX_NTASK (EV_MAX_STAGES + 1)   /* probe + stages */
/* Entry symbols a child looks up: an evaluator's (at most EV_MAX_ENTRIES,
 * checked for plug-ins) or a batch wrapper's (engine/sym/batch.c: one
 * per program, plus the count). */
#define SBX_MAX_ENTRIES 136
#define SBX_TASK_PROBE 1u               /* bit for the probe task */
#define SBX_TASK_STAGE(k) (2u << (k))   /* bit for stage k */

/* What a job does in the child.  RUN compiles the candidate and runs the
 * evaluator's tasks; INFO and SCORE exist for C plug-in evaluators, whose
 * code is untrusted too: INFO describes the plug-in (JSON in
 * sbx_result.info), SCORE calls its score() on `in` (task >= 0) or its
 * describe() on `source` (task == SBX_DESCRIBE) into sbx_result.scored. */
enum sbx_kind { SBX_JOB_RUN = 0, SBX_JOB_INFO, SBX_JOB_SCORE, SBX_JOB_FIT };

/* FIT compiles the candidate once and runs its tasks once per trial: the
 * source declares `double __disco_k[nconst];` (the fitter lifted its
 * literals into it, pl_fit_lift()), and before trial t the child restores
 * the program's data to what it was after relocation (so no trial sees
 * another's static state) and writes vector t (consts + t * nconst) into
 * __disco_k.  Trial t's outputs follow trial t-1's in the result
 * (sbx_result.ntrials, .trial_stride).  Not for evaluators with serve().
 * The deadline and CPU limit are the job's limits times ntrial.  A trial
 * that fails ends the job like any job (status of that failure, no
 * outputs).  Bounds: */
#define SBX_FIT_MAXK 256 /* constants per vector */
#define SBX_FIT_MAXT 64  /* trials per job */
#define SBX_DESCRIBE (-100)

struct sbx_job {
	const struct ev_evaluator *ev; /* static data that existed when sbx_open()
	                                  ran (built-ins): the child uses the
	                                  same address */
	const char *source;            /* prescanned source, NUL-terminated */
	unsigned tasks;                /* SBX_TASK_* bits; run in order */
	int split;                     /* EV_TRAIN or EV_HELDOUT */
	const char *plugin;            /* C plug-in source, or NULL for ev */
	enum sbx_kind kind;
	int task;                      /* SCORE: stage index or SBX_DESCRIBE */
	const double *in;              /* SCORE: raw outputs to score */
	const struct ev_result *scored_in; /* SCORE: result describe() adds to, or NULL */
	size_t nin;
	const double *consts;          /* FIT: ntrial vectors of nconst, trial-major */
	int nconst, ntrial;
	int rendered;                  /* RUN: source is the engine's own rendering of IR
	                                  programs (engine/sym): no directive, macro or
	                                  reserved identifier, so the child skips tcc's
	                                  separate preprocessing pass and scans the text as
	                                  written (it checks that, and preprocesses when the
	                                  text is not so plain) */
	int nprog;                     /* RUN: programs the job runs (a batch of IR
	                                  programs, engine/sym/batch.c): its deadline and
	                                  CPU limit are the limits times nprog, each
	                                  program's own share; 0 or 1: one */
};

struct sbx_result {
	enum sbx_status status;
	int signal;                  /* for SBX_CRASH */
	char message[SBX_MSG_MAX];   /* compiler messages "LINE: text", or why */
	double t_compile_ms, t_run_ms, t_wall_ms;
	const double *out[SBX_NTASK]; /* [0] probe, [1 + k] stage k; NULL if not run */
	size_t nout[SBX_NTASK];
	const char *info;            /* INFO: NUL-terminated JSON, in the slot */
	const char *pp;              /* RUN, ok: the candidate as preprocessed by the
	                                compiler (NUL-terminated, in the slot; written
	                                before the candidate ran, read-only to it), or
	                                NULL (also for a rendered job whose text needed
	                                no preprocessing: it compiled as submitted) */
	size_t pp_len;
	int ntrials;                 /* FIT, ok: trials run; trial t's output of task
	                                k is out[k] + t * trial_stride, nout[k] long */
	size_t trial_stride;
	int score_rc;                /* SCORE: what score() returned */
	struct ev_result scored;     /* SCORE: validated copy */
	/* Never set by the sandbox: engine/sym/batch.c's splitter sets these
	 * for one program's slice of a batch, whose stages the batch child
	 * scored next to the program (out[1 + k] then holds that record). */
	unsigned prescored;          /* bit k: stage k's score() result below */
	int pre_rc[EV_MAX_STAGES];
	struct ev_result pre[EV_MAX_STAGES];
};

struct sbx;

/* Start the fork server with nslots jobs in flight at most.  Call early,
 * while the process is small.  Returns NULL with a message on failure. */
struct sbx *sbx_open(int nslots, const struct sbx_limits *lim, char *err,
                     size_t errlen);
/* Work every fork server started afterwards does once, before it serves,
 * so each child inherits it instead of redoing it (the engine's
 * sym_batch_warm(): evaluators' reference tables).  NULL: none. */
void sbx_server_init(void (*fn)(void));
void sbx_close(struct sbx **sp);

/* Limits can change between jobs (e.g. `disco eval --timeout-ms`). */
void sbx_set_limits(struct sbx *s, const struct sbx_limits *lim);
const struct sbx_limits *sbx_get_limits(const struct sbx *s);

/* Start a job in a free slot (0 <= slot < nslots).  Returns 0, or -1 with a
 * message (source too large for the slot, server gone). */
int sbx_submit(struct sbx *s, int slot, const struct sbx_job *job, char *err,
               size_t errlen);

/* Peak resident memory of the fork server in KiB (-1 if unknown). */
long sbx_server_peak_kb(const struct sbx *s);
/* CPU seconds (user + system) spent so far by the fork server and the
 * children it has reaped, from /proc; -1 when unreadable. */
double sbx_server_cpu_s(const struct sbx *s);

/* A descriptor that becomes readable when a result can be collected. */
int sbx_fd(const struct sbx *s);

/* Collect one finished job without blocking: 1 and *slot, *res filled, 0 if
 * none is ready, -1 if the fork server died (err says why). */
int sbx_collect(struct sbx *s, int *slot, struct sbx_result *res, char *err,
                size_t errlen);

/* Wait for the job on `slot`, dropping results of other slots (use only
 * when nothing else is in flight).  Returns 0 or -1 (server gone). */
int sbx_wait(struct sbx *s, int slot, struct sbx_result *res, char *err, size_t errlen);

/* Submit on slot 0 and wait for the result.  Returns 0 or -1 (setup error). */
int sbx_run(struct sbx *s, const struct sbx_job *job, struct sbx_result *res,
            char *err, size_t errlen);

#endif
