/*
 * server.c - the fork server, the sandbox child, and the engine's side.
 *
 *   engine --req pipe (slot, deadline, nonce)--> fork server --fork--> child
 *   engine <--resp pipe (verdict, nonce)-- fork server <--SIGCHLD/deadline--
 *   engine ==== shared slot (the job) ====> child (read-only, then unmapped)
 *   fork server <--result pipe (one report)-- child
 *   engine <==== shared slot (the report, written by the fork server) ====
 *
 * The fork server is forked by sbx_open() while the engine is still small
 * and stays small, so every candidate fork is cheap.  It owns deadlines
 * (poll timeout), reaps children (signalfd), reads each child's report
 * into its slot and classifies how the child ended.
 *
 * What the candidate can touch: nothing shared.  The child copies its job
 * out of the slot, maps the slot read-only while compiling, and unmaps it
 * before any plug-in or candidate code runs; its outputs stay in its own
 * memory until the runner writes one report on its result pipe (fd 3, the
 * only system call the run filter adds).  The exception, the out window:
 * a RUN job of the engine's own rendering of IR keeps its slot's out
 * pages, and nothing else of the slot, and run() writes there (out_direct
 * below); the report then carries no data.  The nonce never enters the
 * child (it travels engine -> server -> engine and is wiped in the child's
 * copy of the server), and the engine judges every report against its own
 * copy of the job: stale outputs, forged parameters, a second report or a
 * count that does not match the data are invalid_output.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <linux/futex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/sbx_int.h"

#define OUT_CAP SBX_OUT_CAP
#define REC_MAGIC 0x64697363u /* "disc" */
#define RESULT_FD 3           /* the child's end of its result pipe */
#define SBX_WINDOW_ALIGN 4096  /* the page size on every arch disco builds for */

/* One slot of shared memory per job in flight.  The engine writes the job
 * (and keeps its own copy of every parameter); the fork server writes the
 * report it read from the child's result pipe.  The child maps its slot
 * read-only, and not at all while untrusted code runs: nothing in it can
 * be written, or even found, by the candidate (a rendering of IR keeps
 * the out pages: see out_direct). */
struct slot {
	/* the job: engine -> child */
	const struct ev_evaluator *ev; /* static data: same address in every process */
	unsigned tasks;
	int split;
	uint32_t src_len, plugin_len;
	int kind, task;
	uint32_t nin;
	size_t mem_bytes, stack_bytes;
	unsigned cpu_s;
	int remote;                    /* RUN: the candidate in a process of its own */
	int rendered;                  /* RUN: the engine's rendering of IR (struct sbx_job) */
	uint32_t nconst, ntrial;       /* FIT: the vectors (in out) */
	struct ev_result scored_in;    /* SCORE describe: the result describe() adds to */
	/* the report: fork server -> engine */
	uint32_t finished;             /* 1: a well-formed report of a runner that
	                                  finished every task arrived */
	uint32_t nout[SBX_NTASK];
	uint32_t data_len;             /* bytes of out written by the report */
	double t_compile_ms, t_run_ms;
	int score_rc;
	int cand_signal;
	struct ev_result scored;
	char msg[SBX_MSG_MAX];
	/* RUN: outputs; SCORE: the input; INFO: JSON text.  Page-aligned: a
	 * child running the engine's rendering of IR keeps these pages, and
	 * only these, mapped while the programs run (the out window, below). */
	_Alignas(SBX_WINDOW_ALIGN) double out[OUT_CAP];
	/* plug-in source then candidate source follow, each NUL-terminated;
	 * the last pages of the slot hold the preprocessed candidate (struct
	 * ppbuf), which the fork server stores from the child's report: the
	 * child sends it before the candidate runs, so the candidate cannot
	 * change what describe() counts. */
};

struct ppbuf {
	uint64_t len;
	char text[];
};

/* What a child writes on its result pipe: first a struct pprec and the
 * preprocessed candidate (len bytes; 0 when there is none), sent before
 * any untrusted code runs; when it ends, a struct rec, then msg_len bytes
 * of message, then data_len bytes of output.  A candidate
 * able to issue write(3, ...) itself can only describe its own outputs;
 * the job's parameters, other slots and the nonce are out of its reach. */
struct rec {
	uint32_t magic;
	uint32_t finished;
	uint32_t nout[SBX_NTASK];
	uint32_t msg_len, data_len;
	double t_compile_ms, t_run_ms;
	int32_t score_rc;
	int32_t cand_signal;           /* SBX_EXIT_CANDSIG: the signal that ended the
	                                  candidate's process */
	struct ev_result scored;
};

#define PP_MAGIC 0x70707063u /* "cppp" */
struct pprec {
	uint32_t magic, pad;
	uint64_t len;
};

struct req {
	int slot;
	unsigned wall_ms;
	uint64_t nonce;
};

enum { REPORT_NONE = 0, REPORT_OK, REPORT_BAD };

struct resp {
	int slot;
	int status; /* enum sbx_status, provisional for SBX_OK */
	int signal;
	int code;
	int report; /* REPORT_*: how the child's report arrived */
	double wall_ms;
	uint64_t nonce; /* the request's, so a stale answer is never taken */
};

/* The engine's own copy of a job: what it submitted, never read back. */
struct job {
	int busy;
	unsigned tasks;
	int split, kind, task;
	uint32_t nin, src_len, plugin_len;
	const struct ev_evaluator *ev;
	uint64_t nonce;
	size_t used; /* bytes of out the last report wrote, cleared before the next job */
	int remote, rendered;
	uint32_t nconst, ntrial;
};

struct sbx {
	int nslots;
	size_t slot_size;
	size_t pp_size; /* the ppbuf pages at the end of each slot */
	char *shm;
	int req_fd, resp_fd;
	pid_t server;
	uint64_t nonce;
	struct sbx_limits lim;
	struct job *jobs;
};

static struct slot *slot_at(char *shm, size_t size, int i) { return (struct slot *)(shm + size * (size_t)i); }
static char *slot_plugin(struct slot *s) { return (char *)(s + 1); }
static char *slot_src(struct slot *s) { return (char *)(s + 1) + s->plugin_len + 1; }
static struct ppbuf *slot_pp(struct slot *s, size_t slot_size, size_t pp_size)
{
	return (struct ppbuf *)((char *)s + slot_size - pp_size);
}

void sbx_limits_default(struct sbx_limits *lim)
{
	lim->wall_ms = 2000;
	lim->cpu_s = 0;
	lim->mem_bytes = 256u << 20;
	lim->stack_bytes = 8u << 20;
	lim->max_source = 64u << 10;
}

/* ---- the child --------------------------------------------------------- */

#ifdef SBX_ASAN
/* Let the child's own SIGSEGV handler (stack overflow -> memory) win over
 * ASan's, which would open /proc/self/maps inside the sandbox. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allow_user_segv_handler=1";
}
#endif

struct kid {
	pid_t pid;
	double start, deadline;
	int killed;
	uint64_t nonce;
	int fd;          /* the read end of its result pipe, or -1 */
	size_t got;      /* report bytes read so far */
	int bad;         /* the report is malformed */
	int direct;      /* the outputs are in the slot already (out_direct) */
	struct pprec pph;
	struct rec hdr;
};

static uintptr_t child_stack_top;
static size_t child_stack_size;
/* The child's private report: outputs, messages (never in shared memory
 * while untrusted code runs). */
static double child_out[OUT_CAP];
static char child_msg[SBX_MSG_MAX];
/* A RUN job of the engine's own rendering of IR (sbx_job.rendered, no
 * serve()): run() writes straight into the slot's out pages (the out
 * window), so the report carries no data.  Such code is straight-line
 * arithmetic on its arguments: it cannot reach memory, so the window
 * needs no hiding from it, and the outputs make no copy through the
 * pipe and no fresh pages per child.  Every other job's outputs stay in
 * child_out until the report. */
static int out_direct;

/* Whether a job's outputs go to its out window: the one rule the child,
 * the fork server and the engine's side all apply to the job. */
static int window_job(int kind, int rendered, int remote)
{
	return kind == SBX_JOB_RUN && rendered && !remote;
}
/* run()'s process: how the candidate's process ended (SIGCHLD). */
static volatile sig_atomic_t cand_gone;
static volatile int cand_code, cand_sig;

/* A fault near the bottom of the stack is a stack overflow: report it as a
 * memory failure.  Anything else: SA_RESETHAND restored the default action,
 * so returning re-faults and the process dies by the signal. */
static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)uc;
	uintptr_t a = (uintptr_t)si->si_addr;
	uintptr_t lo = child_stack_top - child_stack_size;
	if (a < child_stack_top && a + (1u << 20) >= lo)
		_exit(SBX_EXIT_STACK);
}

static void set_limit(int res, rlim_t v)
{
	struct rlimit r = { v, v };
	setrlimit(res, &r);
}

static void put_all(const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(RESULT_FD, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(SBX_EXIT_SETUP);
		c += w;
		n -= (size_t)w;
	}
}

static int pp_sent; /* this process's report began with its pprec */

/* The preprocessed candidate (or nothing), first on the result pipe:
 * before untrusted code runs. */
static void send_pp(const char *text, size_t len)
{
	struct pprec h = { .magic = PP_MAGIC, .len = len };
	put_all(&h, sizeof h);
	put_all(text, len);
	pp_sent = 1;
}

/* Write the report on the result pipe and end.  finished: the runner got
 * through every task (or the info/score job). */
static _Noreturn void report(int code, int finished, const uint32_t *nout, size_t data_len,
                             double t_compile, double t_run, int score_rc,
                             const struct ev_result *scored)
{
	struct rec r = { .magic = REC_MAGIC, .finished = (uint32_t)finished,
	                 .t_compile_ms = t_compile, .t_run_ms = t_run, .score_rc = score_rc };
	if (nout)
		memcpy(r.nout, nout, sizeof r.nout);
	if (scored)
		r.scored = *scored;
	r.msg_len = (uint32_t)strnlen(child_msg, sizeof child_msg - 1);
	r.data_len = (uint32_t)data_len;
	if (!pp_sent)
		send_pp(NULL, 0);
	put_all(&r, sizeof r);
	put_all(child_msg, r.msg_len);
	if (!out_direct)
		put_all(child_out, data_len);
	_exit(code);
}

/* run()'s process, after the candidate's ended: a candidate that exited
 * wrote its own report if it had one (a compile error), so mirror its
 * code; one killed by a signal is reported with that signal. */
static _Noreturn void cand_ended(double t0, int cand_sent_pp)
{
	if (cand_sig) {
		struct rec r = { .magic = REC_MAGIC, .cand_signal = cand_sig,
		                 .t_run_ms = sbx_now_ms() - t0 };
		if (!cand_sent_pp)
			send_pp(NULL, 0);
		put_all(&r, sizeof r);
		_exit(SBX_EXIT_CANDSIG);
	}
	_exit(cand_code);
}

/* Unmap the slot before untrusted code runs (raw system call: a sanitizer
 * runtime may hook munmap). */
static void unmap_slot(void *slot, size_t size)
{
	if (syscall(SYS_munmap, slot, size))
		_exit(SBX_EXIT_SETUP);
}

/* ---- the candidate in a process of its own (evaluator.h, ev_remote) ---- */

/* Shared by run()'s process and the candidate's: a request counter, an
 * answer counter, readiness, then the buffer. */
struct rctl {
	uint32_t req, ack, ready, pad;
	double t_compile_ms;
	char pad2[64 - 24];
};

static void on_cand_end(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)uc;
	if (si->si_code == CLD_EXITED)
		cand_code = si->si_status;
	else
		cand_sig = si->si_status;
	cand_gone = 1;
}

static long futex(uint32_t *addr, int op, uint32_t val, const struct timespec *t)
{
	return syscall(SYS_futex, addr, op, val, t, NULL, 0);
}

/* A round trip is short: spin a little before sleeping on the futex
 * (with the other process on the other core, the answer is often there
 * within microseconds). */
static int spin_change(uint32_t *word, uint32_t old)
{
	for (int i = 0; i < 256; i++) {
		if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != old)
			return 1;
		__builtin_ia32_pause();
	}
	return 0;
}

/* Wait (10 ms at a time, so an exit between the check and the wait is
 * noticed) until *word differs from old or the candidate's process ended. */
static int wait_change(uint32_t *word, uint32_t old)
{
	static const struct timespec tick = { 0, 10 * 1000 * 1000 };
	if (spin_change(word, old))
		return 0;
	while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == old) {
		if (cand_gone)
			return -1;
		futex(word, FUTEX_WAIT, old, &tick);
	}
	return 0;
}

static int remote_call(struct ev_remote *rm)
{
	struct rctl *c = (struct rctl *)rm->buf - 1;
	uint32_t ack = __atomic_load_n(&c->ack, __ATOMIC_ACQUIRE);
	__atomic_store_n(&c->req, c->req + 1, __ATOMIC_RELEASE);
	futex(&c->req, FUTEX_WAKE, 1, NULL);
	return wait_change(&c->ack, ack);
}

static void child_main(struct sbx *s, int idx, struct kid *kids, int resfd,
                       const struct sbx_filters *filters, int devnull)
{
	static char altstack[64 << 10];
	char here;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	dup2(devnull, 0);
	dup2(devnull, 1);
	dup2(devnull, 2);
	if (resfd != RESULT_FD)
		dup2(resfd, RESULT_FD);
	else
		fcntl(RESULT_FD, F_SETFD, 0);
	close_range(RESULT_FD + 1, ~0u, 0);
	char *shm = s->shm;
	size_t slot_size = s->slot_size, pp_cap = s->pp_size - sizeof(struct ppbuf);
	int nslots = s->nslots;
	struct slot *sl = slot_at(shm, slot_size, idx);
	/* The server's bookkeeping (other jobs' nonces, the slots' address)
	 * is none of this child's business. */
	explicit_bzero(kids, sizeof *kids * (size_t)nslots);
	explicit_bzero(s, sizeof *s);
	/* Other candidates' slots neither. */
	if (idx > 0)
		munmap(shm, slot_size * (size_t)idx);
	if (idx + 1 < nslots)
		munmap(shm + slot_size * (size_t)(idx + 1), slot_size * (size_t)(nslots - idx - 1));
	/* The job, read before anything untrusted runs; then the slot is
	 * read-only to this process. */
	const struct ev_evaluator *ev = sl->ev;
	const unsigned tasks = sl->tasks;
	const int split = sl->split, kind = sl->kind, task = sl->task;
	const size_t nin = sl->nin <= OUT_CAP ? sl->nin : 0, src_len = sl->src_len;
	const size_t mem_bytes = sl->mem_bytes, stack_bytes = sl->stack_bytes;
	const unsigned cpu_s = sl->cpu_s;
	const int has_plugin = sl->plugin_len > 0;
	const int remote = kind == SBX_JOB_RUN && sl->remote;
	const int rendered = kind == SBX_JOB_RUN && sl->rendered;
	const int direct = window_job(kind, rendered, remote);
	const int fit = kind == SBX_JOB_FIT;
	const size_t nk = fit && sl->nconst <= SBX_FIT_MAXK ? sl->nconst : 0;
	const size_t nt = fit && sl->ntrial <= SBX_FIT_MAXT ? sl->ntrial : 0;
	if (fit && (!nk || !nt || nk * nt > OUT_CAP))
		_exit(SBX_EXIT_SETUP);
	if (mprotect(sl, slot_size, PROT_READ))
		_exit(SBX_EXIT_SETUP);
	/* The candidate in a process of its own: forked now, before run() has
	 * computed anything.  This process (run()'s) stays the one the fork
	 * server reaps; the candidate's dies with it. */
	struct rctl *ctl = NULL;
	int cand = 0;
	if (remote) {
		ctl = mmap(NULL, sizeof *ctl + EV_REMOTE_BYTES, PROT_READ | PROT_WRITE,
		           MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (ctl == MAP_FAILED)
			_exit(SBX_EXIT_SETUP);
		pid_t me = getpid(), pid = fork();
		if (pid < 0)
			_exit(SBX_EXIT_SETUP);
		if (pid == 0) {
			cand = 1;
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != me)
				_exit(SBX_EXIT_SETUP);
		} else {
			struct sigaction cs = { .sa_sigaction = on_cand_end, .sa_flags = SA_SIGINFO | SA_NOCLDSTOP };
			sigaction(SIGCHLD, &cs, NULL);
		}
	}

	set_limit(RLIMIT_CPU, cpu_s);
#ifndef SBX_ASAN
	set_limit(RLIMIT_AS, mem_bytes);
#endif
	set_limit(RLIMIT_STACK, stack_bytes);
	set_limit(RLIMIT_FSIZE, 0);
	set_limit(RLIMIT_NOFILE, 0);
	set_limit(RLIMIT_NPROC, 0);
	set_limit(RLIMIT_CORE, 0);
	set_limit(RLIMIT_MEMLOCK, 0);

	child_stack_top = (uintptr_t)&here;
	child_stack_size = stack_bytes;
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack };
	sigaltstack(&ss, NULL);
	struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND };
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	/* Default deaths for the rest (a sanitizer runtime may have hooked them). */
	signal(SIGFPE, SIG_DFL);
	signal(SIGILL, SIG_DFL);
	signal(SIGTRAP, SIG_DFL);
	signal(SIGABRT, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || sbx_filter_load(&filters->compile))
		_exit(SBX_EXIT_SETUP);

	double t0 = sbx_now_ms();
	void *entry[SBX_MAX_ENTRIES] = { 0 }, *image;
	size_t image_len;
	int rc;
	struct sbx_img img = { 0 };
	double *kvec = NULL;
	char *snap = NULL;
	if (has_plugin) {
		/* A C plug-in evaluator: compile it first; its struct replaces ev. */
		void *pe[SBX_MAX_ENTRIES] = { 0 };
		rc = sbx_compile(sbx_plugin_host(), slot_plugin(sl), mem_bytes, pe, &image, &image_len,
		                 NULL, 0, NULL, child_msg, sizeof child_msg);
		if (rc)
			report(rc == SBX_EXIT_MEMORY ? rc : SBX_EXIT_PLUGIN, 0, NULL, 0, 0, 0, -1, NULL);
		ev = pe[0];
		if (sbx_plugin_check(ev, child_msg, sizeof child_msg))
			report(SBX_EXIT_PLUGIN, 0, NULL, 0, 0, 0, -1, NULL);
	}
	if (!ev || ev->version < 1 || ev->version > EV_API_VERSION || !ev->run)
		_exit(SBX_EXIT_SETUP);
	if (kind == SBX_JOB_INFO) {
		if (!has_plugin) {
			snprintf(child_msg, sizeof child_msg, "no plug-in source to describe");
			report(SBX_EXIT_PLUGIN, 0, NULL, 0, 0, 0, -1, NULL);
		}
		size_t n = sbx_plugin_info_json(ev, (char *)child_out, sizeof child_out);
		uint32_t nout[SBX_NTASK] = { (uint32_t)n };
		report(n ? SBX_EXIT_DONE : SBX_EXIT_PLUGIN, n > 0, nout, n, 0, 0, 0, NULL);
	}
	if (kind == SBX_JOB_SCORE) {
		/* Private copies of the inputs, then the slot goes away. */
		struct ev_result scored;
		char *src = NULL;
		if (task == SBX_DESCRIBE) {
			scored = sl->scored_in;
			src = malloc(src_len + 1);
			if (!src)
				_exit(SBX_EXIT_MEMORY);
			memcpy(src, slot_src(sl), src_len);
			src[src_len] = 0;
		} else {
			memset(&scored, 0, sizeof scored);
			memcpy(child_out, sl->out, nin * sizeof *child_out);
		}
		unmap_slot(sl, slot_size);
		if (sbx_filter_load(&filters->run))
			_exit(SBX_EXIT_SETUP);
		int score_rc = 0;
		if (task == SBX_DESCRIBE) {
			if (ev->describe)
				ev->describe(ev, src, src_len, &scored);
		} else {
			score_rc = ev->score(ev, task, split, child_out, nin, &scored);
		}
		report(SBX_EXIT_DONE, 1, NULL, 0, 0, sbx_now_ms() - t0, score_rc, &scored);
	}
	double t1 = t0;
	struct ev_remote rm = { .buf = ctl ? (void *)(ctl + 1) : NULL, .len = EV_REMOTE_BYTES,
	                        .call = remote_call };
	if (!remote || cand) {
		char *pp = malloc(pp_cap);
		size_t pp_len = 0;
		if (!pp)
			_exit(SBX_EXIT_MEMORY);
		rc = sbx_compile_img(ev, slot_src(sl), mem_bytes, rendered, entry, &image, &image_len,
		                     pp, pp_cap, &pp_len, child_msg, sizeof child_msg, fit ? &img : NULL);
		t1 = sbx_now_ms();
		if (rc)
			report(rc, 0, NULL, 0, t1 - t0, 0, 0, NULL);
		send_pp(pp, pp_len); /* before the candidate runs */
		free(pp);
	}
	if (fit) {
		/* Private copies, before the slot goes and the candidate runs:
		 * the vectors, and the program's data as relocated. */
		if (!img.k || img.k < img.data || (size_t)(img.k - img.data) + nk * sizeof(double) > img.data_len) {
			snprintf(child_msg, sizeof child_msg,
			         "error: the fitted program does not define double __disco_k[%zu]", nk);
			report(SBX_EXIT_COMPILE, 0, NULL, 0, t1 - t0, 0, 0, NULL);
		}
		kvec = malloc(nk * nt * sizeof *kvec);
		snap = malloc(img.data_len ? img.data_len : 1);
		if (!kvec || !snap)
			_exit(SBX_EXIT_MEMORY);
		memcpy(kvec, sl->out, nk * nt * sizeof *kvec);
		memcpy(snap, img.data, img.data_len);
	}
	double *out = child_out;
	if (direct) {
		/* Only the out window stays, writable; the rest of the slot goes. */
		char *w = (char *)sl->out, *end = (char *)sl + slot_size;
		if (syscall(SYS_munmap, sl, (size_t)(w - (char *)sl)) ||
		    syscall(SYS_munmap, w + sizeof sl->out, (size_t)(end - w - sizeof sl->out)) ||
		    mprotect(w, sizeof sl->out, PROT_READ | PROT_WRITE))
			_exit(SBX_EXIT_SETUP);
		out = (double *)w;
		out_direct = 1;
	} else {
		unmap_slot(sl, slot_size);
	}
	if (sbx_filter_load(&filters->run))
		_exit(SBX_EXIT_SETUP);
	if (cand) {
		/* The candidate's process: serve run()'s requests until it ends
		 * (this process then dies by PR_SET_PDEATHSIG). */
		ctl->t_compile_ms = t1 - t0;
		__atomic_store_n(&ctl->ready, 1, __ATOMIC_RELEASE);
		futex(&ctl->ready, FUTEX_WAKE, 1, NULL);
		uint32_t seen = 0;
		for (;;) {
			if (!spin_change(&ctl->req, seen))
				while (__atomic_load_n(&ctl->req, __ATOMIC_ACQUIRE) == seen)
					futex(&ctl->req, FUTEX_WAIT, seen, NULL);
			seen = __atomic_load_n(&ctl->req, __ATOMIC_ACQUIRE);
			ev->serve(ev, entry, ctl + 1, EV_REMOTE_BYTES);
			__atomic_store_n(&ctl->ack, seen, __ATOMIC_RELEASE);
			futex(&ctl->ack, FUTEX_WAKE, 1, NULL);
		}
	}
	if (remote) {
		/* run()'s process: the candidate's compiled (or ended). */
		if (wait_change(&ctl->ready, 0))
			cand_ended(t0, 0);
		pp_sent = 1; /* the candidate's process sent it */
		t1 = t0 + ctl->t_compile_ms;
		ev_remote_set(&rm);
	}
	size_t used = 0;
	uint32_t nout[SBX_NTASK] = { 0 };
	for (size_t tr = 0; tr < (fit ? nt : 1); tr++) {
		if (fit) {
			/* Trial tr: the program as relocated, with vector tr. */
			memcpy(img.data, snap, img.data_len);
			memcpy(img.k, kvec + tr * nk, nk * sizeof *kvec);
		}
		for (int t = 0; t < SBX_NTASK; t++) {
			if (!(tasks & (1u << t)))
				continue;
			char err[EV_MSG_MAX] = "";
			long n = ev->run(ev, entry, t - 1, split, out + used, OUT_CAP - used, err, sizeof err);
			if (remote && cand_gone)
				cand_ended(t0, 1);
			if (n < 0 || (size_t)n > OUT_CAP - used) {
				snprintf(child_msg, sizeof child_msg, "%s", err[0] ? err : "the evaluator's runner failed");
				report(SBX_EXIT_INVALID, 0, NULL, 0, t1 - t0, sbx_now_ms() - t1, 0, NULL);
			}
			if (tr && nout[t] != (uint32_t)n) {
				snprintf(child_msg, sizeof child_msg, "trial %zu gave %ld outputs for task %d, trial 0 gave %u",
				         tr, n, t, nout[t]);
				report(SBX_EXIT_INVALID, 0, NULL, 0, t1 - t0, sbx_now_ms() - t1, 0, NULL);
			}
			nout[t] = (uint32_t)n;
			used += (size_t)n;
		}
	}
	report(SBX_EXIT_DONE, 1, nout, used * sizeof *out, t1 - t0, sbx_now_ms() - t1, 0, NULL);
}

/* ---- the fork server --------------------------------------------------- */

static void classify(int wst, const struct kid *k, struct resp *r)
{
	r->signal = 0;
	r->code = -1;
	if (k->killed) {
		r->status = SBX_TIMEOUT;
	} else if (WIFSIGNALED(wst)) {
		int sig = WTERMSIG(wst);
		r->signal = sig;
		r->status = sig == SIGSYS ? SBX_SYSCALL : sig == SIGXCPU ? SBX_TIMEOUT : SBX_CRASH;
	} else {
		r->code = WEXITSTATUS(wst);
		switch (r->code) {
		case SBX_EXIT_DONE: r->status = SBX_OK; break;
		case SBX_EXIT_COMPILE: r->status = SBX_COMPILE_ERROR; break;
		case SBX_EXIT_MEMORY: case SBX_EXIT_STACK: r->status = SBX_MEMORY; break;
		case SBX_EXIT_PLUGIN: r->status = SBX_INVALID_OUTPUT; break;
		case SBX_EXIT_REJECTED: r->status = SBX_REJECTED; break;
		default: r->status = SBX_INVALID_OUTPUT; break;
		}
	}
}

static void write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR) continue;
		if (w <= 0) _exit(0); /* engine gone */
		c += w;
		n -= (size_t)w;
	}
}

/* Read what the child's result pipe holds into its slot: the header into
 * k->hdr, the message and the data straight into the slot, bounds checked
 * against the header.  Anything malformed or beyond one report marks it
 * bad.  Returns 1 at end of file, 0 otherwise. */
static int read_report(struct kid *k, struct slot *sl, struct ppbuf *pp, size_t pp_cap)
{
	for (;;) {
		char *dst;
		size_t want;
		/* The stream: pprec, pp text, rec, message, data. */
		size_t a = sizeof k->pph, b = a + (k->got >= a ? (size_t)k->pph.len : 0), c = b + sizeof k->hdr;
		size_t d = c + (k->got >= c ? k->hdr.msg_len : 0);
		size_t e = d + (k->got >= c && !k->direct ? k->hdr.data_len : 0);
		char sink[4096];
		if (k->got < a) {
			dst = (char *)&k->pph + k->got;
			want = a - k->got;
		} else if (k->bad || (k->got >= c && k->got >= e)) {
			dst = sink; /* a second report, or garbage: read and drop */
			want = sizeof sink;
		} else if (k->got < b) {
			dst = pp->text + (k->got - a);
			want = b - k->got;
		} else if (k->got < c) {
			dst = (char *)&k->hdr + (k->got - b);
			want = c - k->got;
		} else if (k->got < d) {
			dst = sl->msg + (k->got - c);
			want = d - k->got;
		} else {
			dst = (char *)sl->out + (k->got - d);
			want = e - k->got;
		}
		ssize_t n = read(k->fd, dst, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 || errno != EAGAIN;
		if (dst == sink) {
			k->bad = 1;
			continue;
		}
		k->got += (size_t)n;
		if (k->got == a && (k->pph.magic != PP_MAGIC || k->pph.len >= pp_cap))
			k->bad = 1;
		if (k->got == c && (k->hdr.magic != REC_MAGIC || k->hdr.msg_len >= SBX_MSG_MAX ||
		                    k->hdr.data_len > sizeof sl->out))
			k->bad = 1;
	}
}

/* The child is gone: its report into the slot (or nothing). */
static int finish_report(struct kid *k, struct slot *sl, struct ppbuf *pp, size_t pp_cap)
{
	/* Every writer is dead or being killed: this ends (bounded anyway). */
	for (int i = 0; k->fd >= 0 && i < 1000 && !read_report(k, sl, pp, pp_cap); i++) {
		struct pollfd pf = { k->fd, POLLIN, 0 };
		poll(&pf, 1, 10);
	}
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
	size_t total = sizeof k->pph + (size_t)k->pph.len + sizeof k->hdr + k->hdr.msg_len +
	               (k->direct ? 0 : k->hdr.data_len);
	if (k->got == 0)
		return REPORT_NONE;
	if (k->bad || k->got < sizeof k->pph + (size_t)k->pph.len + sizeof k->hdr || k->got != total)
		return REPORT_BAD;
	pp->len = k->pph.len;
	sl->msg[k->hdr.msg_len] = 0;
	sl->finished = k->hdr.finished == 1;
	memcpy(sl->nout, k->hdr.nout, sizeof sl->nout);
	sl->data_len = k->hdr.data_len;
	sl->t_compile_ms = k->hdr.t_compile_ms;
	sl->t_run_ms = k->hdr.t_run_ms;
	sl->score_rc = k->hdr.score_rc;
	sl->cand_signal = k->hdr.cand_signal;
	sl->scored = k->hdr.scored;
	return REPORT_OK;
}

extern char **environ;

/* The engine's argument and environment strings (an API key, a canary)
 * must not reach any child: the fork server wipes its copy of them right
 * after the fork, so every child forked from it starts without them.  The
 * strings the kernel put on the stack lie in [arg_start, env_end)
 * (/proc/self/stat fields 48 to 51); copies setenv() made are reached
 * through environ.  The command line then reads "disco-sandbox ENGINE-PID"
 * (ps, and the tests' leftover checks, still tell whose it is). */
static void wipe_strings(pid_t engine)
{
	for (char **e = environ; e && *e; e++)
		explicit_bzero(*e, strlen(*e));
	static char *none[] = { NULL };
	environ = none;
	char buf[2048];
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	unsigned long v[52] = { 0 };
	for (int field = 3; p && field <= 51; field++) {
		p = strchr(p + 1, ' ');
		if (p)
			v[field] = strtoul(p + 1, NULL, 10);
	}
	unsigned long arg_start = v[48], arg_end = v[49], env_end = v[51];
	if (!arg_start || env_end <= arg_start || env_end - arg_start > (64ul << 20))
		return;
	explicit_bzero((void *)arg_start, env_end - arg_start);
	char name[64];
	int k = snprintf(name, sizeof name, "disco-sandbox %d", (int)engine);
	if (k > 0 && (unsigned long)k < arg_end - arg_start)
		memcpy((void *)arg_start, name, (size_t)k + 1);
}

static void (*server_init)(void);

void sbx_server_init(void (*fn)(void))
{
	server_init = fn;
}

static void server_main(struct sbx *s, int req_fd, int resp_fd, pid_t engine)
{
	wipe_strings(engine);
	if (server_init)
		server_init();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* A candidate's own process (serve()) outlives its parent by a moment:
	 * orphans come back here to be reaped (waitpid(-1) below), not to
	 * whatever init the machine runs. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	prctl(PR_SET_NAME, "disco-forksrv");
	signal(SIGINT, SIG_IGN); /* the engine decides what Ctrl-C means */
	signal(SIGPIPE, SIG_IGN);
	struct sbx_filters filters;
	char err[256];
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (sbx_filters_build(&filters, err, sizeof err) || devnull < 0)
		_exit(SBX_EXIT_SETUP);
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	struct kid *kids = calloc((size_t)s->nslots, sizeof *kids);
	struct pollfd *pf = calloc((size_t)s->nslots + 2, sizeof *pf);
	int *pk = calloc((size_t)s->nslots + 2, sizeof *pk);
	if (!kids || !pf || !pk)
		_exit(SBX_EXIT_SETUP);
	int live = 0, eof = 0;

	while (!eof || live) {
		double now = sbx_now_ms(), next = -1;
		int n = 0;
		pf[n++] = (struct pollfd){ sfd, POLLIN, 0 };
		pf[n++] = (struct pollfd){ eof ? -1 : req_fd, POLLIN, 0 };
		for (int i = 0; i < s->nslots; i++) {
			if (!kids[i].pid)
				continue;
			if (kids[i].fd >= 0) {
				pk[n] = i;
				pf[n++] = (struct pollfd){ kids[i].fd, POLLIN, 0 };
			}
			if (kids[i].killed)
				continue;
			if (kids[i].deadline <= now) {
				kill(-kids[i].pid, SIGKILL);
				kill(kids[i].pid, SIGKILL);
				kids[i].killed = 1;
			} else if (next < 0 || kids[i].deadline < next) {
				next = kids[i].deadline;
			}
		}
		int timeout = next < 0 ? -1 : (int)ceil(next - now);
		if (poll(pf, (nfds_t)n, timeout) < 0 && errno != EINTR)
			break;
		for (int j = 2; j < n; j++)
			if (pf[j].revents && kids[pk[j]].fd >= 0 &&
			    read_report(&kids[pk[j]], slot_at(s->shm, s->slot_size, pk[j]),
			                slot_pp(slot_at(s->shm, s->slot_size, pk[j]), s->slot_size, s->pp_size),
			                s->pp_size - sizeof(struct ppbuf))) {
				close(kids[pk[j]].fd); /* the whole report is in (EOF) */
				kids[pk[j]].fd = -1;
			}
		if (pf[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof si) > 0)
				;
			int wst;
			pid_t pid;
			while ((pid = waitpid(-1, &wst, WNOHANG)) > 0) {
				for (int i = 0; i < s->nslots; i++) {
					if (kids[i].pid != pid)
						continue;
					struct resp r = { .slot = i, .nonce = kids[i].nonce };
					classify(wst, &kids[i], &r);
					kill(-pid, SIGKILL); /* anything left in its group */
					struct slot *rsl = slot_at(s->shm, s->slot_size, i);
					r.report = finish_report(&kids[i], rsl, slot_pp(rsl, s->slot_size, s->pp_size),
					                         s->pp_size - sizeof(struct ppbuf));
					r.wall_ms = sbx_now_ms() - kids[i].start;
					kids[i] = (struct kid){ .fd = -1 };
					live--;
					write_all(resp_fd, &r, sizeof r);
				}
			}
		}
		if (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			struct req q;
			ssize_t got = read(req_fd, &q, sizeof q);
			if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) {
				eof = 1;
				for (int i = 0; i < s->nslots; i++)
					if (kids[i].pid) {
						kill(-kids[i].pid, SIGKILL);
						kids[i].killed = 1;
					}
				continue;
			}
			if (got != sizeof q || q.slot < 0 || q.slot >= s->nslots || kids[q.slot].pid)
				continue;
			int rp[2];
			double t = sbx_now_ms();
			pid_t pid = -1;
			if (pipe2(rp, O_CLOEXEC) == 0) {
				/* The nonce stays here: kept in kids[], wiped in the child. */
				const struct slot *qs = slot_at(s->shm, s->slot_size, q.slot);
				kids[q.slot] = (struct kid){ .start = t, .deadline = t + q.wall_ms, .nonce = q.nonce, .fd = rp[0],
				                             .direct = window_job(qs->kind, qs->rendered, qs->remote) };
				explicit_bzero(&q.nonce, sizeof q.nonce);
				pid = fork();
				if (pid == 0)
					child_main(s, q.slot, kids, rp[1], &filters, devnull);
				close(rp[1]);
			}
			if (pid < 0) {
				struct resp r = { .slot = q.slot, .status = SBX_CRASH, .signal = 0, .code = -2,
				                  .nonce = kids[q.slot].nonce };
				if (kids[q.slot].fd >= 0)
					close(kids[q.slot].fd);
				kids[q.slot] = (struct kid){ .fd = -1 };
				write_all(resp_fd, &r, sizeof r);
				continue;
			}
			fcntl(kids[q.slot].fd, F_SETFL, O_NONBLOCK);
			setpgid(pid, pid);
			kids[q.slot].pid = pid;
			live++;
		}
	}
	_exit(0);
}

/* ---- the engine's side ------------------------------------------------- */

struct sbx *sbx_open(int nslots, const struct sbx_limits *lim, char *err, size_t errlen)
{
	if (nslots < 1 || nslots > 256) {
		snprintf(err, errlen, "sandbox slots must be 1..256, not %d", nslots);
		return NULL;
	}
	struct sbx *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->nslots = nslots;
	s->lim = *lim;
	s->jobs = calloc((size_t)nslots, sizeof *s->jobs);
	if (!s->jobs) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t max_src = lim->max_source > (16u << 20) ? (16u << 20) : lim->max_source;
	/* The preprocessed candidate may be larger than its source (macros). */
	s->pp_size = (sizeof(struct ppbuf) + 4 * max_src + (64u << 10) + page - 1) / page * page;
	s->slot_size = (sizeof(struct slot) + 2 * max_src + 2 + page - 1) / page * page + s->pp_size;
	sbx_plugin_host(); /* built now, so the fork server has it */
	s->shm = mmap(NULL, s->slot_size * (size_t)nslots, PROT_READ | PROT_WRITE,
	              MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	int rq[2] = { -1, -1 }, rs[2] = { -1, -1 };
	if (s->shm == MAP_FAILED) {
		s->shm = NULL;
		snprintf(err, errlen, "cannot map %zu bytes of sandbox slots: %s",
		         s->slot_size * (size_t)nslots, strerror(errno));
		goto fail;
	}
	if (pipe2(rq, O_CLOEXEC) || pipe2(rs, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	fflush(NULL);
	pid_t engine = getpid();
	s->server = fork();
	if (s->server < 0) {
		snprintf(err, errlen, "cannot start the fork server: %s", strerror(errno));
		goto fail;
	}
	if (s->server == 0) {
		close(rq[1]);
		close(rs[0]);
		server_main(s, rq[0], rs[1], engine);
	}
	close(rq[0]);
	close(rs[1]);
	s->req_fd = rq[1];
	s->resp_fd = rs[0];
	fcntl(s->resp_fd, F_SETFL, O_NONBLOCK);
	/* Later forks of the engine (a plug-in's own sandbox, external
	 * commands) do not get the slots. */
	madvise(s->shm, s->slot_size * (size_t)nslots, MADV_DONTFORK);
	if (getrandom(&s->nonce, sizeof s->nonce, 0) != sizeof s->nonce)
		s->nonce = (uint64_t)sbx_now_ms() * 2654435761u;
	return s;
fail:
	for (int i = 0; i < 2; i++) {
		if (rq[i] >= 0) close(rq[i]);
		if (rs[i] >= 0) close(rs[i]);
	}
	if (s->shm) munmap(s->shm, s->slot_size * (size_t)nslots);
	free(s->jobs);
	free(s);
	return NULL;
}

void sbx_close(struct sbx **sp)
{
	struct sbx *s = sp ? *sp : NULL;
	if (!s)
		return;
	close(s->req_fd);
	close(s->resp_fd);
	int wst;
	while (waitpid(s->server, &wst, 0) < 0 && errno == EINTR)
		;
	munmap(s->shm, s->slot_size * (size_t)s->nslots);
	free(s->jobs);
	free(s);
	*sp = NULL;
}

void sbx_set_limits(struct sbx *s, const struct sbx_limits *lim)
{
	s->lim = *lim;
}

const struct sbx_limits *sbx_get_limits(const struct sbx *s)
{
	return &s->lim;
}

long sbx_server_peak_kb(const struct sbx *s)
{
	char path[64], line[256];
	long kb = -1;
	snprintf(path, sizeof path, "/proc/%d/status", (int)s->server);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "VmHWM:", 6))
			kb = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

double sbx_server_cpu_s(const struct sbx *s)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)s->server);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = 0;
	/* fields after the command name, which ends at the last ')': state is
	 * field 3, utime..cstime are fields 14..17 */
	char *p = strrchr(buf, ')');
	unsigned long long v[4];
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu", &v[0], &v[1],
	                 &v[2], &v[3]) != 4)
		return -1;
	long hz = sysconf(_SC_CLK_TCK);
	return hz > 0 ? (double)(v[0] + v[1] + v[2] + v[3]) / (double)hz : -1;
}

int sbx_fd(const struct sbx *s)
{
	return s->resp_fd;
}

int sbx_submit(struct sbx *s, int slot, const struct sbx_job *job, char *err, size_t errlen)
{
	size_t len = job->source ? strlen(job->source) : 0;
	size_t plen = job->plugin ? strlen(job->plugin) : 0;
	size_t room = s->slot_size - s->pp_size - sizeof(struct slot) - 2;
	if (slot < 0 || slot >= s->nslots) {
		snprintf(err, errlen, "no sandbox slot %d", slot);
		return -1;
	}
	if (len + plen > room) {
		snprintf(err, errlen, "source of %zu bytes does not fit the sandbox slot (%zu)", len + plen, room);
		return -1;
	}
	if (job->kind == SBX_JOB_SCORE && job->nin > OUT_CAP) {
		snprintf(err, errlen, "%zu outputs do not fit the sandbox slot (%u)", job->nin, OUT_CAP);
		return -1;
	}
	if (job->kind == SBX_JOB_FIT) {
		if (!job->ev || job->ev->serve || job->plugin) {
			snprintf(err, errlen, "fit jobs are for built-in evaluators without serve()");
			return -1;
		}
		if (job->nconst < 1 || job->nconst > SBX_FIT_MAXK || job->ntrial < 1 ||
		    job->ntrial > SBX_FIT_MAXT || !job->consts) {
			snprintf(err, errlen, "a fit job takes 1..%d vectors of 1..%d constants, not %d of %d",
			         SBX_FIT_MAXT, SBX_FIT_MAXK, job->ntrial, job->nconst);
			return -1;
		}
		for (size_t i = 0; i < (size_t)job->nconst * (size_t)job->ntrial; i++)
			if (!isfinite(job->consts[i])) {
				snprintf(err, errlen, "fit job constant %zu is not a finite number", i);
				return -1;
			}
	}
	const int fit = job->kind == SBX_JOB_FIT;
	const size_t nkt = fit ? (size_t)job->nconst * (size_t)job->ntrial : 0;
	struct slot *sl = slot_at(s->shm, s->slot_size, slot);
	struct job *jc = &s->jobs[slot];
	/* Clear what the last job left: nothing of it can pass for this one's. */
	if (jc->used)
		memset(sl->out, 0, jc->used);
	*jc = (struct job){
		.busy = 1, .tasks = job->tasks, .split = job->split, .kind = job->kind, .task = job->task,
		.nin = (uint32_t)job->nin, .src_len = (uint32_t)len, .plugin_len = (uint32_t)plen,
		.ev = job->ev, .nonce = ++s->nonce,
		.used = job->kind == SBX_JOB_SCORE ? job->nin * sizeof *job->in : nkt * sizeof *job->consts,
		.remote = job->kind == SBX_JOB_RUN && job->ev && job->ev->serve,
		.rendered = job->kind == SBX_JOB_RUN && job->rendered && !job->plugin,
		.nconst = fit ? (uint32_t)job->nconst : 0, .ntrial = fit ? (uint32_t)job->ntrial : 0,
	};
	sl->ev = job->ev;
	sl->tasks = job->tasks;
	sl->split = job->split;
	sl->src_len = (uint32_t)len;
	sl->plugin_len = (uint32_t)plen;
	sl->kind = job->kind;
	sl->task = job->task;
	sl->nin = (uint32_t)job->nin;
	if (job->kind == SBX_JOB_SCORE && job->nin)
		memcpy(sl->out, job->in, job->nin * sizeof *job->in);
	sl->nconst = jc->nconst;
	sl->ntrial = jc->ntrial;
	if (nkt)
		memcpy(sl->out, job->consts, nkt * sizeof *job->consts);
	if (job->scored_in)
		sl->scored_in = *job->scored_in;
	else
		memset(&sl->scored_in, 0, sizeof sl->scored_in);
	if (plen)
		memcpy(slot_plugin(sl), job->plugin, plen);
	slot_plugin(sl)[plen] = 0;
	sl->mem_bytes = s->lim.mem_bytes;
	sl->stack_bytes = s->lim.stack_bytes;
	/* A fit job runs its tasks ntrial times, a batch job nprog programs:
	 * so many times the time. */
	unsigned times = fit ? (unsigned)job->ntrial
	                     : job->kind == SBX_JOB_RUN && job->nprog > 1 ? (unsigned)job->nprog : 1;
	sl->cpu_s = (s->lim.cpu_s ? s->lim.cpu_s : s->lim.wall_ms / 1000 + 1) * times;
	sl->remote = jc->remote;
	sl->rendered = jc->rendered;
	sl->cand_signal = 0;
	sl->finished = 0;
	sl->data_len = 0;
	sl->score_rc = -1;
	memset(&sl->scored, 0, sizeof sl->scored);
	sl->msg[0] = 0;
	sl->t_compile_ms = sl->t_run_ms = 0;
	memset(sl->nout, 0, sizeof sl->nout);
	slot_pp(sl, s->slot_size, s->pp_size)->len = 0;
	if (len)
		memcpy(slot_src(sl), job->source, len);
	slot_src(sl)[len] = 0;
	struct req q = { slot, s->lim.wall_ms * times, jc->nonce };
	if (write(s->req_fd, &q, sizeof q) != (ssize_t)sizeof q) {
		snprintf(err, errlen, "the sandbox fork server is gone: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* A time from the child's report: finite, >= 0, and within the wall time
 * the fork server measured (the parts never exceed the whole). */
static double clean_ms(double v, double wall)
{
	return isfinite(v) && v >= 0 ? (v < wall ? v : wall) : 0;
}

static int invalid(struct sbx_result *res, const char *why)
{
	res->status = SBX_INVALID_OUTPUT;
	snprintf(res->message, sizeof res->message, "%s", why);
	return -1;
}

/* The slot's job is still the one the engine submitted (jc), unchanged.
 * Only the engine and the fork server write a slot, so a difference means
 * the sandbox itself was subverted: never trusted. */
static int job_intact(const struct slot *sl, const struct job *jc)
{
	return sl->ev == jc->ev && sl->tasks == jc->tasks && sl->split == jc->split &&
	       sl->kind == jc->kind && sl->task == jc->task && sl->nin == jc->nin &&
	       sl->src_len == jc->src_len && sl->plugin_len == jc->plugin_len && sl->remote == jc->remote &&
	       sl->rendered == jc->rendered &&
	       sl->nconst == jc->nconst && sl->ntrial == jc->ntrial;
}

/* Turn the server's verdict plus the slot's report into a result.  Every
 * job parameter comes from the engine's own copy (jc); every field of the
 * report is checked against it. */
static void fill_result(struct sbx *s, const struct resp *r, struct sbx_result *res)
{
	struct slot *sl = slot_at(s->shm, s->slot_size, r->slot);
	struct job *jc = &s->jobs[r->slot];
	memset(res, 0, sizeof *res);
	res->status = (enum sbx_status)r->status;
	res->signal = r->signal;
	res->t_wall_ms = r->wall_ms;
	if (r->report == REPORT_OK) {
		res->t_compile_ms = clean_ms(sl->t_compile_ms, r->wall_ms);
		res->t_run_ms = clean_ms(sl->t_run_ms, r->wall_ms - res->t_compile_ms);
		memcpy(res->message, sl->msg, sizeof res->message);
		res->message[sizeof res->message - 1] = 0;
		jc->used = sl->data_len <= sizeof sl->out ? sl->data_len : sizeof sl->out;
	} else if (window_job(jc->kind, jc->rendered, jc->remote)) {
		/* It wrote its window and gave no count: clear all of it. */
		jc->used = sizeof sl->out;
	}
	jc->busy = 0;
	if (r->nonce != jc->nonce) {
		invalid(res, "the sandbox answered for another job");
		return;
	}
	if (!job_intact(sl, jc)) {
		invalid(res, "the job's parameters changed while it ran");
		return;
	}
	if (res->status == SBX_INVALID_OUTPUT && r->code == SBX_EXIT_CANDSIG && r->report == REPORT_OK &&
	    sl->cand_signal > 0 && sl->cand_signal < 65) {
		/* The candidate's own process was killed: classified as if it
		 * were the job's only process. */
		int sig = sl->cand_signal;
		res->signal = sig;
		res->status = sig == SIGSYS ? SBX_SYSCALL : sig == SIGXCPU ? SBX_TIMEOUT : SBX_CRASH;
	}
	switch (res->status) {
	case SBX_TIMEOUT:
		snprintf(res->message, sizeof res->message, "%s limit reached after %.0f ms",
		         r->signal == SIGXCPU ? "CPU time" : "wall-clock", r->wall_ms);
		return;
	case SBX_SYSCALL:
		snprintf(res->message, sizeof res->message, "blocked system call (the candidate may not make system calls)");
		return;
	case SBX_CRASH:
		if (r->code == -2)
			snprintf(res->message, sizeof res->message, "the sandbox could not fork");
		else
			snprintf(res->message, sizeof res->message, "killed by %s", sbx_signal_name(r->signal));
		return;
	case SBX_MEMORY:
		if (r->code == SBX_EXIT_STACK)
			snprintf(res->message, sizeof res->message, "stack overflow (stack limit %zu bytes)", s->lim.stack_bytes);
		else if (!res->message[0])
			snprintf(res->message, sizeof res->message, "memory limit (%zu bytes) reached", s->lim.mem_bytes);
		return;
	case SBX_INVALID_OUTPUT:
		if (r->code == SBX_EXIT_PLUGIN) {
			char tmp[SBX_MSG_MAX];
			snprintf(tmp, sizeof tmp, "evaluator plug-in: %.4000s", res->message[0] ? res->message : "failed");
			memcpy(res->message, tmp, sizeof tmp);
		} else if (r->code != SBX_EXIT_INVALID || !res->message[0])
			snprintf(res->message, sizeof res->message, "the candidate ended the process (exit code %d) before producing output",
			         r->code);
		return;
	case SBX_OK:
		break;
	default:
		return;
	}
	if (r->report == REPORT_BAD) {
		invalid(res, "malformed report from the sandbox child (the candidate wrote on its result pipe)");
		return;
	}
	if (r->report != REPORT_OK || !sl->finished) {
		invalid(res, "the candidate ended the process before producing output");
		return;
	}
	if (jc->kind == SBX_JOB_INFO) {
		char *txt = (char *)sl->out;
		size_t n = sl->data_len < sizeof sl->out ? sl->data_len : sizeof sl->out - 1;
		txt[n] = 0;
		res->info = txt;
		return;
	}
	if (jc->kind == SBX_JOB_SCORE) {
		res->score_rc = sl->score_rc;
		res->scored = sl->scored;
		struct ev_result *e = &res->scored;
		e->message[sizeof e->message - 1] = 0;
		if (e->nmetrics < 0 || e->nmetrics > EV_MAX_METRICS)
			e->nmetrics = 0;
		for (int i = 0; i < e->nmetrics; i++)
			e->metrics[i].name[sizeof e->metrics[i].name - 1] = 0;
		return;
	}
	/* Counts: only for tasks the job asked for, adding up to exactly the
	 * data the report carried. */
	/* FIT: the counts are one trial's, the data every trial's. */
	size_t used = 0, trials = jc->kind == SBX_JOB_FIT ? jc->ntrial : 1;
	for (int t = 0; t < SBX_NTASK; t++) {
		size_t n = sl->nout[t];
		if (!(jc->tasks & (1u << t))) {
			if (n) {
				char why[96];
				snprintf(why, sizeof why, "malformed output (task %d was not asked for, claims %zu values)", t, n);
				invalid(res, why);
				return;
			}
			continue;
		}
		if (n > OUT_CAP / trials - used) {
			char why[96];
			snprintf(why, sizeof why, "malformed output (task %d claims %zu values)", t, n);
			invalid(res, why);
			return;
		}
		res->out[t] = sl->out + used;
		res->nout[t] = n;
		used += n;
	}
	if (used * trials * sizeof *sl->out != sl->data_len) {
		memset(res->out, 0, sizeof res->out);
		memset(res->nout, 0, sizeof res->nout);
		invalid(res, "malformed output (the counts do not match the data)");
		return;
	}
	if (jc->kind == SBX_JOB_FIT) {
		res->ntrials = (int)trials;
		res->trial_stride = used;
	}
	/* The candidate as the compiler preprocessed it (sent before it ran). */
	struct ppbuf *pp = slot_pp(sl, s->slot_size, s->pp_size);
	size_t pcap = s->pp_size - sizeof *pp;
	if (pp->len && pp->len < pcap) {
		pp->text[pp->len] = 0;
		res->pp = pp->text;
		res->pp_len = (size_t)pp->len;
	}
}

int sbx_collect(struct sbx *s, int *slot, struct sbx_result *res, char *err, size_t errlen)
{
	struct resp r;
	ssize_t n = read(s->resp_fd, &r, sizeof r);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n != (ssize_t)sizeof r || r.slot < 0 || r.slot >= s->nslots) {
		snprintf(err, errlen, "the sandbox fork server died");
		return -1;
	}
	if (!s->jobs[r.slot].busy)
		return 0; /* nothing submitted there: not an answer to take */
	*slot = r.slot;
	fill_result(s, &r, res);
	return 1;
}

int sbx_wait(struct sbx *s, int slot, struct sbx_result *res, char *err, size_t errlen)
{
	for (;;) {
		int got, rc = sbx_collect(s, &got, res, err, errlen);
		if (rc < 0)
			return -1;
		if (rc == 1 && got == slot)
			return 0;
		if (rc == 1)
			continue;
		struct pollfd pf = { s->resp_fd, POLLIN, 0 };
		if (poll(&pf, 1, -1) < 0 && errno != EINTR) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return -1;
		}
	}
}

int sbx_run(struct sbx *s, const struct sbx_job *job, struct sbx_result *res, char *err, size_t errlen)
{
	if (sbx_submit(s, 0, job, err, errlen))
		return -1;
	return sbx_wait(s, 0, res, err, errlen);
}
