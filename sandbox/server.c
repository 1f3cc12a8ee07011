/*
 * server.c - the fork server, the sandbox child, and the engine's side.
 *
 *   engine --req pipe--> fork server --fork--> child (compile, run)
 *   engine <--resp pipe-- fork server <--SIGCHLD/deadline--
 *   engine <==== shared slot memory (source in, raw outputs out) ====> child
 *
 * The fork server is forked by sbx_open() while the engine is still small
 * and stays small, so every candidate fork is cheap.  It owns deadlines
 * (poll timeout), reaps children (signalfd) and classifies how they ended.
 * The engine reads the slot only after the child is gone, and validates
 * every field, since the candidate could have written any of it.
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
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/sbx_int.h"

#define OUT_CAP (1u << 17) /* doubles of output per slot, all tasks */

/* One slot of shared memory.  Fields below `child` are written by the
 * child (candidate-controlled); the engine validates them. */
struct slot {
	/* engine -> child */
	const struct ev_evaluator *ev; /* static data: same address in every process */
	unsigned tasks;
	int split;
	uint32_t src_len, plugin_len;
	int kind, task;
	uint32_t nin;
	uint64_t nonce;
	size_t mem_bytes, stack_bytes;
	unsigned cpu_s;
	/* child -> engine */
	int child;
	uint32_t nout[SBX_NTASK];
	double t_compile_ms, t_run_ms;
	uint64_t done; /* == nonce once the runner finished every task */
	int score_rc;
	struct ev_result scored;
	char msg[SBX_MSG_MAX];
	double out[OUT_CAP]; /* SCORE: the input; INFO: JSON text */
	/* plug-in source then candidate source follow, each NUL-terminated;
	 * the last pages of the slot hold the preprocessed candidate (struct
	 * ppbuf), written by the child before the candidate runs and then
	 * made read-only in the child, so the candidate cannot change what
	 * describe() counts. */
};

struct ppbuf {
	uint64_t len;
	char text[];
};

struct req {
	int slot;
	unsigned wall_ms;
};

struct resp {
	int slot;
	int status; /* enum sbx_status, provisional for SBX_OK */
	int signal;
	int code;
	double wall_ms;
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
};

static struct slot *slot_at(char *shm, size_t size, int i) { return (struct slot *)(shm + size * (size_t)i); }
static char *slot_plugin(struct slot *s) { return (char *)(s + 1); }
static char *slot_src(struct slot *s) { return (char *)(s + 1) + s->plugin_len + 1; }
static struct ppbuf *slot_pp(struct slot *s, size_t slot_size, size_t pp_size)
{
	return (struct ppbuf *)((char *)s + slot_size - pp_size);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
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

static struct slot *child_slot;
static uintptr_t child_stack_top;
static size_t child_stack_size;

/* A fault near the bottom of the stack is a stack overflow: report it as a
 * memory failure.  Anything else: SA_RESETHAND restored the default action,
 * so returning re-faults and the process dies by the signal. */
static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)uc;
	uintptr_t a = (uintptr_t)si->si_addr;
	uintptr_t lo = child_stack_top - child_stack_size;
	if (a < child_stack_top && a + (1u << 20) >= lo) {
		child_slot->child = SBX_MEMORY;
		_exit(SBX_EXIT_MEMORY);
	}
}

static void set_limit(int res, rlim_t v)
{
	struct rlimit r = { v, v };
	setrlimit(res, &r);
}

static void child_main(struct slot *sl, char *shm, size_t slot_size, size_t pp_size, int nslots,
                       int idx, const struct sbx_filters *filters, int devnull)
{
	static char altstack[64 << 10];
	char here;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	dup2(devnull, 0);
	dup2(devnull, 1);
	dup2(devnull, 2);
	close_range(3, ~0u, 0);
	/* Other candidates' slots are none of this one's business. */
	if (idx > 0)
		munmap(shm, slot_size * (size_t)idx);
	if (idx + 1 < nslots)
		munmap(shm + slot_size * (size_t)(idx + 1), slot_size * (size_t)(nslots - idx - 1));

	set_limit(RLIMIT_CPU, sl->cpu_s);
#ifndef SBX_ASAN
	set_limit(RLIMIT_AS, sl->mem_bytes);
#endif
	set_limit(RLIMIT_STACK, sl->stack_bytes);
	set_limit(RLIMIT_FSIZE, 0);
	set_limit(RLIMIT_NOFILE, 0);
	set_limit(RLIMIT_NPROC, 0);
	set_limit(RLIMIT_CORE, 0);
	set_limit(RLIMIT_MEMLOCK, 0);

	child_slot = sl;
	child_stack_top = (uintptr_t)&here;
	child_stack_size = sl->stack_bytes;
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

	const struct ev_evaluator *ev = sl->ev;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || sbx_filter_load(&filters->compile))
		_exit(SBX_EXIT_SETUP);

	double t0 = now_ms();
	void *entry[EV_MAX_ENTRIES] = { 0 }, *image;
	size_t image_len;
	int rc;
	sl->msg[0] = 0;
	if (sl->plugin_len) {
		/* A C plug-in evaluator: compile it first; its struct replaces ev. */
		void *pe[EV_MAX_ENTRIES] = { 0 };
		rc = sbx_compile(sbx_plugin_host(), slot_plugin(sl), sl->mem_bytes, pe, &image, &image_len,
		                 NULL, 0, NULL, sl->msg, sizeof sl->msg);
		if (rc)
			_exit(rc == SBX_EXIT_MEMORY ? rc : SBX_EXIT_PLUGIN);
		ev = pe[0];
		if (sbx_plugin_check(ev, sl->msg, sizeof sl->msg))
			_exit(SBX_EXIT_PLUGIN);
	}
	if (!ev || ev->version < 1 || ev->version > EV_API_VERSION || !ev->run)
		_exit(SBX_EXIT_SETUP);
	if (sl->kind == SBX_JOB_INFO) {
		size_t n = sbx_plugin_info_json(ev, (char *)sl->out, sizeof sl->out);
		sl->nout[0] = (uint32_t)n;
		sl->done = sl->nonce;
		_exit(n ? SBX_EXIT_DONE : SBX_EXIT_PLUGIN);
	}
	if (sl->kind == SBX_JOB_SCORE) {
		if (sbx_filter_load(&filters->run))
			_exit(SBX_EXIT_SETUP);
		if (sl->task == SBX_DESCRIBE) {
			if (ev->describe)
				ev->describe(ev, slot_src(sl), sl->src_len, &sl->scored);
			sl->score_rc = 0;
		} else {
			memset(&sl->scored, 0, sizeof sl->scored);
			sl->score_rc = ev->score(ev, sl->task, sl->split, sl->out,
			                         sl->nin <= OUT_CAP ? sl->nin : 0, &sl->scored);
		}
		sl->t_run_ms = now_ms() - t0;
		sl->done = sl->nonce;
		_exit(SBX_EXIT_DONE);
	}
	struct ppbuf *pp = slot_pp(sl, slot_size, pp_size);
	size_t pp_len = 0;
	rc = sbx_compile(ev, slot_src(sl), sl->mem_bytes, entry, &image, &image_len,
	                 pp->text, pp_size - sizeof *pp, &pp_len, sl->msg, sizeof sl->msg);
	double t1 = now_ms();
	sl->t_compile_ms = t1 - t0;
	if (rc)
		_exit(rc);
	pp->len = pp_len;
	if (mprotect(pp, pp_size, PROT_READ))
		_exit(SBX_EXIT_SETUP);

	if (sbx_filter_load(&filters->run))
		_exit(SBX_EXIT_SETUP);
	size_t used = 0;
	for (int t = 0; t < SBX_NTASK; t++) {
		if (!(sl->tasks & (1u << t)))
			continue;
		char err[EV_MSG_MAX] = "";
		long n = ev->run(ev, entry, t - 1, sl->split, sl->out + used, OUT_CAP - used, err, sizeof err);
		if (n < 0 || (size_t)n > OUT_CAP - used) {
			snprintf(sl->msg, sizeof sl->msg, "%s", err[0] ? err : "the evaluator's runner failed");
			sl->t_run_ms = now_ms() - t1;
			_exit(SBX_EXIT_INVALID);
		}
		sl->nout[t] = (uint32_t)n;
		used += (size_t)n;
	}
	sl->t_run_ms = now_ms() - t1;
	sl->done = sl->nonce;
	_exit(SBX_EXIT_DONE);
}

/* ---- the fork server --------------------------------------------------- */

struct kid {
	pid_t pid;
	double start, deadline;
	int killed;
};

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
		case SBX_EXIT_MEMORY: r->status = SBX_MEMORY; break;
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

static void server_main(struct sbx *s, int req_fd, int resp_fd)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
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
	int live = 0, eof = 0;

	while (!eof || live) {
		double now = now_ms(), next = -1;
		for (int i = 0; i < s->nslots; i++) {
			if (!kids[i].pid || kids[i].killed)
				continue;
			if (kids[i].deadline <= now) {
				kill(-kids[i].pid, SIGKILL);
				kill(kids[i].pid, SIGKILL);
				kids[i].killed = 1;
			} else if (next < 0 || kids[i].deadline < next) {
				next = kids[i].deadline;
			}
		}
		struct pollfd pf[2] = { { sfd, POLLIN, 0 }, { eof ? -1 : req_fd, POLLIN, 0 } };
		int timeout = next < 0 ? -1 : (int)ceil(next - now);
		if (poll(pf, 2, timeout) < 0 && errno != EINTR)
			break;
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
					struct resp r = { .slot = i };
					classify(wst, &kids[i], &r);
					r.wall_ms = now_ms() - kids[i].start;
					kill(-pid, SIGKILL); /* anything left in its group */
					kids[i].pid = 0;
					live--;
					write_all(resp_fd, &r, sizeof r);
				}
			}
		}
		if (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			struct req q;
			ssize_t n = read(req_fd, &q, sizeof q);
			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
				eof = 1;
				for (int i = 0; i < s->nslots; i++)
					if (kids[i].pid) {
						kill(-kids[i].pid, SIGKILL);
						kids[i].killed = 1;
					}
				continue;
			}
			if (n != sizeof q || q.slot < 0 || q.slot >= s->nslots || kids[q.slot].pid)
				continue;
			struct slot *sl = slot_at(s->shm, s->slot_size, q.slot);
			double t = now_ms();
			pid_t pid = fork();
			if (pid == 0)
				child_main(sl, s->shm, s->slot_size, s->pp_size, s->nslots, q.slot, &filters, devnull);
			if (pid < 0) {
				struct resp r = { .slot = q.slot, .status = SBX_CRASH, .signal = 0, .code = -2 };
				write_all(resp_fd, &r, sizeof r);
				continue;
			}
			setpgid(pid, pid);
			kids[q.slot] = (struct kid){ pid, t, t + q.wall_ms, 0 };
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
	s->server = fork();
	if (s->server < 0) {
		snprintf(err, errlen, "cannot start the fork server: %s", strerror(errno));
		goto fail;
	}
	if (s->server == 0) {
		close(rq[1]);
		close(rs[0]);
		server_main(s, rq[0], rs[1]);
	}
	close(rq[0]);
	close(rs[1]);
	s->req_fd = rq[1];
	s->resp_fd = rs[0];
	fcntl(s->resp_fd, F_SETFL, O_NONBLOCK);
	s->nonce = (uint64_t)now_ms() * 2654435761u;
	return s;
fail:
	for (int i = 0; i < 2; i++) {
		if (rq[i] >= 0) close(rq[i]);
		if (rs[i] >= 0) close(rs[i]);
	}
	if (s->shm) munmap(s->shm, s->slot_size * (size_t)nslots);
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
	struct slot *sl = slot_at(s->shm, s->slot_size, slot);
	sl->ev = job->ev;
	sl->tasks = job->tasks;
	sl->split = job->split;
	sl->src_len = (uint32_t)len;
	sl->plugin_len = (uint32_t)plen;
	sl->kind = job->kind;
	sl->task = job->task;
	sl->nin = (uint32_t)job->nin;
	sl->score_rc = -1;
	if (job->kind == SBX_JOB_SCORE && job->nin)
		memcpy(sl->out, job->in, job->nin * sizeof *job->in);
	if (job->scored_in)
		sl->scored = *job->scored_in;
	else
		memset(&sl->scored, 0, sizeof sl->scored);
	if (plen)
		memcpy(slot_plugin(sl), job->plugin, plen);
	slot_plugin(sl)[plen] = 0;
	sl->nonce = ++s->nonce;
	sl->mem_bytes = s->lim.mem_bytes;
	sl->stack_bytes = s->lim.stack_bytes;
	sl->cpu_s = s->lim.cpu_s ? s->lim.cpu_s : s->lim.wall_ms / 1000 + 1;
	sl->child = 0;
	sl->done = 0;
	sl->msg[0] = 0;
	sl->t_compile_ms = sl->t_run_ms = 0;
	memset(sl->nout, 0, sizeof sl->nout);
	slot_pp(sl, s->slot_size, s->pp_size)->len = 0;
	if (len)
		memcpy(slot_src(sl), job->source, len);
	slot_src(sl)[len] = 0;
	struct req q = { slot, s->lim.wall_ms };
	if (write(s->req_fd, &q, sizeof q) != (ssize_t)sizeof q) {
		snprintf(err, errlen, "the sandbox fork server is gone: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static double clean_ms(double v)
{
	return isfinite(v) && v >= 0 && v < 1e9 ? v : 0;
}

/* Turn the server's verdict plus the (untrusted) slot into a result. */
static void fill_result(struct sbx *s, const struct resp *r, struct sbx_result *res)
{
	struct slot *sl = slot_at(s->shm, s->slot_size, r->slot);
	memset(res, 0, sizeof *res);
	res->status = (enum sbx_status)r->status;
	res->signal = r->signal;
	res->t_wall_ms = r->wall_ms;
	res->t_compile_ms = clean_ms(sl->t_compile_ms);
	res->t_run_ms = clean_ms(sl->t_run_ms);
	memcpy(res->message, sl->msg, sizeof res->message);
	res->message[sizeof res->message - 1] = 0;
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
		if (sl->child == SBX_MEMORY)
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
	if (sl->done != sl->nonce) {
		res->status = SBX_INVALID_OUTPUT;
		snprintf(res->message, sizeof res->message, "the candidate ended the process before producing output");
		return;
	}
	if (sl->kind == SBX_JOB_INFO) {
		char *txt = (char *)sl->out;
		size_t n = sl->nout[0] < sizeof sl->out ? sl->nout[0] : sizeof sl->out - 1;
		txt[n] = 0;
		res->info = txt;
		return;
	}
	if (sl->kind == SBX_JOB_SCORE) {
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
	struct ppbuf *pp = slot_pp(sl, s->slot_size, s->pp_size);
	size_t pcap = s->pp_size - sizeof *pp;
	if (pp->len && pp->len < pcap) {
		pp->text[pp->len] = 0;
		res->pp = pp->text;
		res->pp_len = (size_t)pp->len;
	}
	size_t used = 0;
	for (int t = 0; t < SBX_NTASK; t++) {
		if (!(sl->tasks & (1u << t)))
			continue;
		size_t n = sl->nout[t];
		if (n > OUT_CAP - used) {
			res->status = SBX_INVALID_OUTPUT;
			snprintf(res->message, sizeof res->message, "malformed output (task %d claims %zu values)", t, n);
			return;
		}
		res->out[t] = sl->out + used;
		res->nout[t] = n;
		used += n;
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
