/*
 * spawn.h - contain and run one command (an external evaluator), the one
 * place outside the fork server where disco starts a process.
 *
 * A struct sbx_cmd is a command line and its containment, prepared once
 * (the relaxed seccomp program is generated here, not per run).  Each
 * sbx_proc_start() runs `/bin/sh -c CMD` in a child that gets:
 *
 *   - its own process group (killed as a whole when the process ends, so
 *     nothing it left behind survives) and PR_SET_PDEATHSIG(SIGKILL);
 *   - stdin, stdout and stderr on pipes, every other fd closed, signal
 *     dispositions and mask reset;
 *   - a clean environment: PATH, HOME, USER, LOGNAME, SHELL, LANG,
 *     LANGUAGE, LC_*, TZ, PYTHONPATH, PYTHONHOME, VIRTUAL_ENV and every
 *     DISCO_EVAL_* variable of the engine's environment, nothing else
 *     (no API key, no engine secret), plus TMPDIR, TMP and TEMP naming a
 *     private directory created for this process and removed with it;
 *   - rlimits (CPU, address space, file size, open files, processes, no
 *     core dumps) and, unless disabled, the relaxed seccomp filter of
 *     sandbox/filter.c (an interpreter needs execve, files and threads, so
 *     the candidates' filter cannot be used).
 *
 * The engine side is non-blocking, like minijail's run_pid_pipes: start,
 * then watch the fds sbx_proc_fds() hands back (on the caller's event
 * loop or a plain poll()) and call sbx_proc_step() when one is ready or
 * the deadline passes; sbx_proc_finish() kills the group, reaps the
 * process, removes its directory and classifies the ending.
 * sbx_cmd_run() composes the three for one request (blocking).  stdout is
 * buffered up to a bound (more is a flood: the process is killed); of
 * stderr only the tail is kept.  A process can serve several requests
 * (persistent evaluators): send more input, consume the answers from the
 * stdout buffer, move the deadline.
 *
 * The fd contract: every fd handed back stays open (and its number taken)
 * until sbx_proc_finish(), even after EOF; an fd whose mask becomes 0 is
 * of no more interest and the caller forgets it.  Masks use the values
 * of engine/loop.h (SBX_FD_READ == LOOP_READABLE, SBX_FD_WRITE ==
 * LOOP_WRITABLE).  Writes never raise SIGPIPE in the engine.  The
 * caller must not reap children it did not start (no waitpid(-1)).
 *
 * Ownership: sbx_cmd_new() returns a handle released by sbx_cmd_free()
 * (NULL-safe, NULLs the pointer); a process must be finished before its
 * command is freed.  sbx_proc_finish() frees the process, NULLs the
 * pointer and hands the stdout buffer to the caller (end->out, free()).
 *
 * Limits of the containment: the command runs with the user's rights (it
 * can read and write the user's files); PR_SET_PDEATHSIG reaches /bin/sh
 * only, so if the engine itself dies, what sh started runs on until its own
 * CPU limit.
 */
#ifndef DISCO_SPAWN_H
#define DISCO_SPAWN_H

#include <stddef.h>
#include <stdint.h>

#define SBX_FD_READ  1
#define SBX_FD_WRITE 2
#define SBX_PROC_NFD 4 /* most fds one process hands back */
#define SBX_ERR_TAIL 4096 /* stderr bytes kept */
#define SBX_PROC_MSG 512

struct sbx_cmd_limits {
	unsigned cpu_s;     /* RLIMIT_CPU (hard limit one second more); 0 = none */
	size_t mem_bytes;   /* RLIMIT_AS; 0 = none */
	size_t fsize_bytes; /* RLIMIT_FSIZE */
	unsigned nofile;    /* RLIMIT_NOFILE; 0 = leave as is */
	unsigned nproc;     /* RLIMIT_NPROC; 0 = leave as is (it counts every
	                       process of the user, and root ignores it) */
	size_t max_output;  /* stdout bytes buffered at most; more is a flood */
	int seccomp;        /* non-zero: load the relaxed seccomp filter */
};

struct sbx_fd {
	int fd;
	int mask; /* SBX_FD_READ | SBX_FD_WRITE; 0: forget this fd */
};

/* How a process ended (sbx_proc_end.how). */
enum sbx_proc_how {
	SBX_PROC_EXIT0 = 0, /* exited with code 0 */
	SBX_PROC_SPAWN,     /* could not be started (pipe, fork, directory, exec) */
	SBX_PROC_TIMEOUT,   /* the deadline passed: killed */
	SBX_PROC_CPU,       /* SIGXCPU: the CPU limit */
	SBX_PROC_SIGNAL,    /* killed by a signal (directly or 128+N from sh) */
	SBX_PROC_EXIT,      /* exited with a non-zero code */
	SBX_PROC_FLOOD,     /* more than max_output bytes on stdout: killed */
	SBX_PROC_KILLED,    /* ended by sbx_proc_finish() while running */
};

struct sbx_proc_end {
	int how;            /* enum sbx_proc_how */
	int exit_code;      /* -1 unless it exited */
	int signal;         /* that ended it, 0 if none */
	double wall_ms;     /* from start to the end */
	char *out;          /* stdout not consumed, NUL-terminated; caller frees */
	size_t nout;
	char err[2 * SBX_ERR_TAIL + 1]; /* stderr tail, NUL-terminated */
	size_t nerr;
	char msg[SBX_PROC_MSG]; /* "exited with code 3", "did not finish within
	                           N ms (killed)"...; "" for SBX_PROC_EXIT0 */
};

struct sbx_cmd;
struct sbx_proc;

/* Prepare cmd to run from directory cwd (NULL: the current one).  Returns
 * NULL with a message on failure (empty command, seccomp). */
struct sbx_cmd *sbx_cmd_new(const char *cmd, const char *cwd, const struct sbx_cmd_limits *lim,
                            char *err, size_t errlen);
void sbx_cmd_free(struct sbx_cmd **cp);
/* Limits of later starts (the seccomp setting is fixed at sbx_cmd_new). */
void sbx_cmd_set_limits(struct sbx_cmd *c, const struct sbx_cmd_limits *lim);

/* Start one process.  Returns 0 and *pp, or -1 with a message (pipe,
 * fork, temporary directory). */
int sbx_proc_start(struct sbx_cmd *c, struct sbx_proc **pp, char *err, size_t errlen);
/* Queue input for stdin (copied).  Returns 0, or -1 when stdin is closed. */
int sbx_proc_send(struct sbx_proc *p, const char *buf, size_t len);
/* Close stdin once the queued input is written (EOF for the command). */
void sbx_proc_end_input(struct sbx_proc *p);
/* Deadline ms from now (0: none).  Passing it ends the process. */
void sbx_proc_set_deadline(struct sbx_proc *p, unsigned ms);
/* The deadline on the CLOCK_MONOTONIC ms clock (loop_now_ms()), or -1. */
int64_t sbx_proc_deadline(const struct sbx_proc *p);

/* The fds to watch and what for; returns how many (<= SBX_PROC_NFD). */
int sbx_proc_fds(const struct sbx_proc *p, struct sbx_fd *fds);
/* Do all I/O possible without blocking, notice an exit or the deadline.
 * Returns 1 when the process has ended (exited and its pipes drained or
 * a short grace passed, timed out, or flooded stdout): finish it; 0 while
 * it runs. */
int sbx_proc_step(struct sbx_proc *p);
/* stdout received and not consumed yet (NUL-terminated). */
const char *sbx_proc_out(const struct sbx_proc *p, size_t *n);
/* Drop the first n bytes of stdout (an answer taken). */
void sbx_proc_consume(struct sbx_proc *p, size_t n);
/* Forget the stderr tail (a new request starts). */
void sbx_proc_clear_err(struct sbx_proc *p);
/* The stderr tail so far (NUL-terminated). */
const char *sbx_proc_err(const struct sbx_proc *p);
/* Process id (the process group id too). */
int sbx_proc_pid(const struct sbx_proc *p);

/* Kill the process group, reap, wait (bounded) until the group is empty,
 * remove the private directory, classify.  NULL-safe; NULLs *pp. */
void sbx_proc_finish(struct sbx_proc **pp, struct sbx_proc_end *end);

/* Run once with `in` on stdin (then EOF) and a deadline of wall_ms:
 * start, step until it ends, finish.  Returns 0 with end filled (end->how
 * says how it went; SBX_PROC_SPAWN included). */
int sbx_cmd_run(struct sbx_cmd *c, const char *in, size_t len, unsigned wall_ms,
                struct sbx_proc_end *end);

#endif
