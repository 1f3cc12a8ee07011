/*
 * external.h - custom evaluators as an external command in any language.
 *
 * `--evaluator-cmd "python3 my_eval.py"` names a command that disco runs
 * with `/bin/sh -c CMD`, once per request.  The request is one JSON object
 * on the command's stdin; the answer is one JSON object on its stdout (the
 * protocol is docs/EVALUATORS.md):
 *
 *   info      at ext_open(): name, summary, seeds, descriptor dims, noisy
 *   evaluate  per candidate: status, score, metrics, descriptors
 *
 * Every run is contained: its own process group (killed as a whole when the
 * run ends, whatever it left behind), a private temporary directory ($TMPDIR,
 * removed afterwards), rlimits (CPU, address space, file size, open files,
 * no core dumps), a wall-clock deadline enforced by the engine, death with
 * the engine (PR_SET_PDEATHSIG), and optionally a relaxed seccomp filter.
 * The candidate's strict sandbox filter cannot be used: an interpreter and
 * the compilers it starts need execve, files, threads and so on.
 *
 * Failures of the evaluator itself (bad JSON, missing field, unknown status,
 * timeout, crash, non-zero exit, too much output) never stop the engine:
 * ext_eval() returns EXT_FAILED with one message naming the command and what
 * went wrong, and the next call works as before.
 *
 * Ownership: struct ext is opaque, created by ext_open() and released by
 * ext_close() (which NULLs the pointer; closing NULL is a no-op).  The info
 * returned by ext_info() and every string in it belongs to the struct ext.
 * struct ext_result is caller-owned plain data.  No threads, no signal
 * handlers: SIGPIPE is blocked while a request runs.  The engine must not
 * reap children it did not start (no waitpid(-1) in a SIGCHLD handler).
 *
 * Limits of the containment: the command runs with the user's rights (it
 * can read and write the user's files); PR_SET_PDEATHSIG reaches /bin/sh
 * only, so if the engine itself dies, what sh started runs on until its own
 * CPU limit.
 */
#ifndef DISCO_EXTERNAL_H
#define DISCO_EXTERNAL_H

#include <stddef.h>

#include "evaluators/evaluator.h"

#define EXT_PROTOCOL 1
#define EXT_MSG_MAX 4096
#define EXT_MAX_SEEDS 64

struct ext_limits {
	unsigned wall_ms;       /* deadline per evaluate request; the process group is
	                           SIGKILLed when it passes */
	unsigned info_wall_ms;  /* deadline for the info request at ext_open() */
	unsigned cpu_s;         /* RLIMIT_CPU; 0 = wall_ms rounded up + 1 s */
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
	double wall_ms;
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

#endif
