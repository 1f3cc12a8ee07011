/*
 * external.h - custom evaluators as an external command in any language:
 * the JSON protocol (docs/EVALUATORS.md), and the command seen as a
 * struct ev_evaluator for `disco run`, `eval` and `baseline`.
 *
 * `--evaluator-cmd "python3 my_eval.py"` names a command that disco runs
 * with `/bin/sh -c CMD`.  A request is one JSON object on one line of the
 * command's stdin; the answer is one JSON object on its stdout:
 *
 *   info      at ext_open(): name, summary, seeds, descriptor dims, noisy,
 *             persistent
 *   evaluate  per candidate: status, score, metrics, descriptors, times
 *
 * By default every request starts the command afresh (stdin closed after
 * the request).  A command whose info answer says "persistent": true is
 * started once per worker and serves many requests over its stdin/stdout,
 * one line each way; it is restarted when it dies, misbehaves (garbled or
 * extra output, a timeout) or floods its stdout.
 *
 * Containment is sandbox/spawn.h's: own process group, clean environment
 * with a private $TMPDIR, rlimits, parent-death signal, relaxed seccomp,
 * bounded stdout, a deadline per request.  This file speaks the protocol
 * only.
 *
 * Failures of the evaluator itself (bad JSON, missing field, unknown status,
 * timeout, crash, non-zero exit, too much output) never stop the engine:
 * ext_eval() returns EXT_FAILED with one message naming the command and what
 * went wrong, and the next call works as before.
 *
 * Several evaluations can be in flight at once: ext_job_start() returns a
 * job whose fds the caller watches on its event loop (engine/loop.h masks)
 * and steps; ext_eval() is the blocking composition.
 *
 * Ownership: struct ext is opaque, created by ext_open() and released by
 * ext_close() (which NULLs the pointer; closing NULL is a no-op; every job
 * must be finished or cancelled first).  The info returned by ext_info()
 * and every string in it belongs to the struct ext.  struct ext_result is
 * caller-owned plain data.  A struct ext_job is released by
 * ext_job_finish() or ext_job_cancel(), which NULL the pointer.
 */
#ifndef DISCO_EXTERNAL_H
#define DISCO_EXTERNAL_H

#include <stddef.h>

#include "evaluators/evaluator.h"
#include "sandbox/spawn.h"

#define EXT_PROTOCOL 1
#define EXT_MSG_MAX 4096
#define EXT_MAX_SEEDS 64

struct ext_limits {
	unsigned wall_ms;       /* deadline per evaluate request; the process group is
	                           SIGKILLed when it passes (a persistent process too) */
	unsigned info_wall_ms;  /* deadline for the info request at ext_open() */
	unsigned cpu_s;         /* RLIMIT_CPU; 0 = wall_ms rounded up + 2 s (a persistent
	                           process has none: its deadline per request bounds it) */
	size_t mem_bytes;       /* RLIMIT_AS per process (interpreters need room) */
	size_t fsize_bytes;     /* RLIMIT_FSIZE: largest file a process may write */
	unsigned nofile;        /* RLIMIT_NOFILE */
	unsigned nproc;         /* RLIMIT_NPROC; 0 = leave as is.  It counts every
	                           process of the user, and root ignores it. */
	size_t max_output;      /* most bytes accepted on stdout */
	int seccomp;            /* non-zero: load the relaxed seccomp filter */
};

/* Defaults: 10 s per evaluation, 10 s for info, 1 GiB address space, 64 MiB
 * files, 256 open files, nproc unchanged, 1 MiB of output, seccomp on. */
void ext_limits_default(struct ext_limits *lim);

/* What the info request declared.  seeds[] ends with {NULL, NULL}. */
struct ext_info {
	const char *cmd;     /* the command as given */
	const char *name;
	const char *summary; /* "" when the evaluator gave none */
	int nseeds;          /* >= 1 */
	const struct ev_seed *seeds;
	int ndims;           /* 0..EV_MAX_DIMS */
	struct ev_dim dims[EV_MAX_DIMS];
	int noisy;
	int persistent;      /* one process serves many requests */
	const struct ev_ir *ir; /* its symbolic form ("ir" in the info answer), or NULL */
};

/* Why the evaluator itself failed (ext_result.failure). */
enum ext_failure {
	EXT_FAIL_NONE = 0,
	EXT_FAIL_SPAWN,    /* could not start it (pipe, fork, temp dir) */
	EXT_FAIL_TIMEOUT,  /* wall deadline or CPU limit */
	EXT_FAIL_SIGNAL,   /* killed by a signal */
	EXT_FAIL_EXIT,     /* exited with a non-zero code */
	EXT_FAIL_OUTPUT,   /* wrote more than max_output bytes, or nothing */
	EXT_FAIL_JSON,     /* stdout is not one JSON object */
	EXT_FAIL_PROTOCOL, /* valid JSON, wrong content (missing field, bad status) */
	EXT_FAIL_N
};
const char *ext_failure_name(enum ext_failure f);

/* ext_eval() return values. */
#define EXT_ANSWERED 0 /* the evaluator answered; out->status is the candidate's */
#define EXT_FAILED 1   /* the evaluator failed; out->failure says how */

struct ext_result {
	int status;        /* enum sbx_status: the candidate's outcome.  On EXT_FAILED
	                      the closest one (timeout, crash, or invalid_output). */
	double score;      /* when has_score */
	int has_score;     /* always for "ok"; optional for other statuses */
	struct ev_result ev; /* ev.score = score; metrics; desc[] in ext_info()->dims
	                        order (every dim is required when status is ok) */
	char message[EXT_MSG_MAX]; /* the evaluator's message, or why it failed */
	double wall_ms;    /* the request, as disco measured it */
	double t_compile_ms, t_run_ms, t_score_ms; /* the answer's "times", each within
	                      [0, wall_ms]; without them the whole request is run time */
	int failure;       /* enum ext_failure; EXT_FAIL_NONE when answered */
	int exit_code;     /* -1 when it did not exit normally */
	int signal;        /* signal that ended it, 0 if none */
};

/* Run the info request.  Returns NULL with one message naming the command
 * on failure (err, errlen bytes).  lim NULL means the defaults; it is
 * copied. */
struct ext *ext_open(const char *cmd, const struct ext_limits *lim, char *err,
                     size_t errlen);
void ext_close(struct ext **xp);

const struct ext_info *ext_info(const struct ext *x);

/* Limits can change between evaluations (e.g. `--timeout-ms`). */
void ext_set_limits(struct ext *x, const struct ext_limits *lim);

/* Evaluate one candidate (src need not be NUL-terminated; bytes that are not
 * UTF-8 are sent as U+FFFD).  split is EV_TRAIN or EV_HELDOUT.  Returns
 * EXT_ANSWERED or EXT_FAILED; on EXT_FAILED err holds the same message as
 * out->message.  Nothing the command does makes it hang past the deadline
 * or leave a process of its group running. */
int ext_eval(struct ext *x, const char *src, size_t len, int split,
             struct ext_result *out, char *err, size_t errlen);

/* --- jobs: evaluations in flight on the caller's event loop ------------- */

struct ext_job;

/* Start evaluating one candidate (as ext_eval) without waiting.  Returns 0
 * and *jp; a job that could not start is already done (its result says
 * why).  -1 only when out of memory (err). */
int ext_job_start(struct ext *x, const char *src, size_t len, int split, struct ext_job **jp,
                  char *err, size_t errlen);
/* The fds to watch and what for ({fd, SBX_FD_* mask}, at most
 * SBX_PROC_NFD); mask 0 means forget that fd.  Once the job is done, every
 * fd it handed out is reported with mask 0: update the loop with that, then
 * finish the job (its fds may be closed or reused afterwards). */
int ext_job_fds(const struct ext_job *j, struct sbx_fd *fds);
/* When to step the job at the latest (CLOCK_MONOTONIC ms, the clock of
 * loop_now_ms()), or -1. */
int64_t ext_job_deadline(const struct ext_job *j);
/* Make progress without blocking.  Returns 1 when the job is done, 0 while
 * it runs. */
int ext_job_step(struct ext_job *j);
/* Take the result of a done job (a running one is cancelled first) and
 * release it; returns EXT_ANSWERED or EXT_FAILED as ext_eval(). */
int ext_job_finish(struct ext_job **jp, struct ext_result *out, char *err, size_t errlen);
/* Stop a job and release it (its process is killed). */
void ext_job_cancel(struct ext_job **jp);

/* --- the command as an evaluator ----------------------------------------- */

/* ev_open_cmd() (declared in evaluators/open.h, the front door) makes an
 * external evaluator command a struct ev_evaluator: name, seeds and dims
 * from its info answer; the deadline per request is the larger of
 * lim->wall_ms and the ext_limits default.  The pipeline sends candidates
 * to the command (ext_of() gives the handle); its score() only says so.
 * ev_close() releases it (through ext_evaluator_free()). */
/* The command behind ev, or NULL when ev is not an external command. */
struct ext *ext_of(const struct ev_evaluator *ev);
void ext_evaluator_free(const struct ev_evaluator *ev);

#endif
