/*
 * spawn.c - contain and run one command; see spawn.h.
 *
 * fork, contain (process group, parent-death signal, fds, clean
 * environment, private $TMPDIR, rlimits, relaxed seccomp), exec
 * /bin/sh -c CMD.  The engine side watches stdin (while input is queued),
 * stdout (bounded), stderr (tail kept) and a pidfd for the exit.  When the
 * process exits, times out or floods stdout, its whole group is SIGKILLed
 * before it is reaped (a zombie leader keeps the group id from being
 * reused); then the directory is removed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/sbx_int.h"
#include "sandbox/spawn.h"

extern char **environ;

#define EXIT_GRACE_MS 500 /* after the command exits, longest wait for its pipes */

struct sbx_cmd {
	char *cmd;
	char *cwd;
	struct sbx_cmd_limits lim;
	struct sock_fprog filter; /* .filter NULL when seccomp is off */
};

struct sbx_proc {
	struct sbx_cmd *c;
	pid_t pid;
	int fd_in, fd_out, fd_err, pidfd;
	int in_open, out_open, err_open; /* still of interest */
	int end_input;
	char *in;           /* queued input */
	size_t nin, sent, capin;
	char *out;          /* stdout buffer (max_output + 1 bytes + NUL) */
	size_t nout;
	char err[2 * SBX_ERR_TAIL + 1];
	size_t nerr;
	int exited, killed, timed_out, flooded;
	double t0, deadline, grace; /* ms; 0 = none */
	unsigned deadline_ms;       /* as given to sbx_proc_set_deadline() */
	char dir[PATH_MAX];
	int havedir;
};

static const char *size_text(size_t n, char *buf, size_t len)
{
	if (n >= ((size_t)1 << 20) && n % ((size_t)1 << 20) == 0)
		snprintf(buf, len, "%zu MiB", n >> 20);
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(buf, len, "%zu KiB", n >> 10);
	else
		snprintf(buf, len, "%zu bytes", n);
	return buf;
}

/* ---- the command --------------------------------------------------------- */

struct sbx_cmd *sbx_cmd_new(const char *cmd, const char *cwd, const struct sbx_cmd_limits *lim,
                            char *err, size_t errlen)
{
	if (!cmd || !*cmd || strspn(cmd, " \t\n") == strlen(cmd)) {
		snprintf(err, errlen, "the command is empty");
		return NULL;
	}
	struct sbx_cmd *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->lim = *lim;
	c->cmd = strdup(cmd);
	c->cwd = cwd ? strdup(cwd) : getcwd(NULL, 0);
	if (!c->cmd || !c->cwd) {
		snprintf(err, errlen, "%s", c->cmd ? "cannot read the working directory" : "out of memory");
		sbx_cmd_free(&c);
		return NULL;
	}
	if (lim->seccomp && sbx_filter_build_cmd(&c->filter, err, errlen)) {
		sbx_cmd_free(&c);
		return NULL;
	}
	return c;
}

void sbx_cmd_free(struct sbx_cmd **cp)
{
	struct sbx_cmd *c = cp ? *cp : NULL;
	if (!c)
		return;
	free(c->filter.filter);
	free(c->cmd);
	free(c->cwd);
	free(c);
	*cp = NULL;
}

void sbx_cmd_set_limits(struct sbx_cmd *c, const struct sbx_cmd_limits *lim)
{
	int had = c->lim.seccomp;
	c->lim = *lim;
	c->lim.seccomp = had;
}

/* ---- temporary directories ----------------------------------------------- */

/* Remove a tree without following symbolic links; directories the command
 * made unreadable are opened up first. */
static void rm_tree_at(int at, const char *name, int depth)
{
	if (depth > 256) /* a deeper tree is left behind rather than recursed */
		return;
	if (unlinkat(at, name, 0) == 0 || errno == ENOENT)
		return;
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == EACCES) {
		fchmodat(at, name, 0700, 0);
		fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return;
	fchmod(fd, 0700);
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			rm_tree_at(dirfd(d), e->d_name, depth + 1);
	closedir(d);
	unlinkat(at, name, AT_REMOVEDIR);
}

/* ---- the child ----------------------------------------------------------- */

/* What an evaluator may need from the engine's environment; nothing else
 * passes (an API key in the engine's environment must not). */
static int env_passes(const char *e)
{
	static const char *const names[] = {
		"PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ",
		"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", NULL,
	};
	if (!strncmp(e, "LC_", 3) || !strncmp(e, "DISCO_EVAL_", 11))
		return strchr(e, '=') != NULL;
	for (int i = 0; names[i]; i++) {
		size_t n = strlen(names[i]);
		if (!strncmp(e, names[i], n) && e[n] == '=')
			return 1;
	}
	return 0;
}

/* The child's environment: what passes, plus TMPDIR, TMP, TEMP = dir.  One
 * malloc'd block (array then strings); free() it. */
static char **make_env(const char *dir)
{
	size_t n = 0, bytes = 0;
	for (char **e = environ; e && *e; e++)
		if (env_passes(*e)) {
			n++;
			bytes += strlen(*e) + 1;
		}
	bytes += 3 * (strlen(dir) + 8);
	char **env = malloc((n + 4) * sizeof *env + bytes);
	if (!env)
		return NULL;
	char *s = (char *)(env + n + 4);
	size_t k = 0;
	for (char **e = environ; e && *e; e++)
		if (env_passes(*e)) {
			env[k++] = s;
			s = stpcpy(s, *e) + 1;
		}
	static const char *const keys[] = { "TMPDIR=", "TMP=", "TEMP=" };
	for (int i = 0; i < 3; i++) {
		env[k++] = s;
		s = stpcpy(stpcpy(s, keys[i]), dir) + 1;
	}
	env[k] = NULL;
	return env;
}

static void set_limit(int res, rlim_t soft, rlim_t hard)
{
	struct rlimit r = { soft, hard };
	setrlimit(res, &r);
}

static void child_fail(const char *what)
{
	char buf[256];
	int n = snprintf(buf, sizeof buf, "disco: cannot start the evaluator: %s: %s\n", what,
	                 strerror(errno));
	if (n > 0 && write(2, buf, (size_t)n) < 0)
		_exit(126);
	_exit(126);
}

/* In the child: contain and exec.  Never returns. */
static void child(const struct sbx_cmd *c, pid_t parent, int in, int out, int err, char **env)
{
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(126);
	close_range(3, ~0U, 0);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	if (chdir(c->cwd) != 0)
		child_fail(c->cwd);
	const struct sbx_cmd_limits *l = &c->lim;
	if (l->cpu_s)
		set_limit(RLIMIT_CPU, l->cpu_s, l->cpu_s + 1);
	set_limit(RLIMIT_FSIZE, l->fsize_bytes, l->fsize_bytes);
	if (l->nofile)
		set_limit(RLIMIT_NOFILE, l->nofile, l->nofile);
	if (l->nproc)
		set_limit(RLIMIT_NPROC, l->nproc, l->nproc);
	set_limit(RLIMIT_CORE, 0, 0);
	if (c->filter.filter) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
			child_fail("PR_SET_NO_NEW_PRIVS");
		if (sbx_filter_load(&c->filter) != 0)
			child_fail("installing the seccomp filter");
	}
	/* Last: a sanitizer-built engine cannot map anything after this. */
	if (l->mem_bytes)
		set_limit(RLIMIT_AS, l->mem_bytes, l->mem_bytes);
	char *argv[] = { "sh", "-c", c->cmd, NULL };
	execve("/bin/sh", argv, env);
	child_fail("/bin/sh");
}

/* ---- the engine's side --------------------------------------------------- */

int sbx_proc_start(struct sbx_cmd *c, struct sbx_proc **pp, char *err, size_t errlen)
{
	*pp = NULL;
	struct sbx_proc *p = calloc(1, sizeof *p);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->c = c;
	p->fd_in = p->fd_out = p->fd_err = p->pidfd = -1;
	p->t0 = sbx_now_ms();
	int p_in[2] = { -1, -1 }, p_out[2] = { -1, -1 }, p_err[2] = { -1, -1 };
	char **env = NULL;
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(p->dir, sizeof p->dir, "%s/disco-ext.XXXXXX", tmp);
	if (!mkdtemp(p->dir)) {
		snprintf(err, errlen, "could not create a temporary directory in %s: %s", tmp, strerror(errno));
		goto fail;
	}
	p->havedir = 1;
	p->out = malloc(c->lim.max_output + 2);
	env = make_env(p->dir);
	if (!p->out || !env || pipe2(p_in, O_CLOEXEC) || pipe2(p_out, O_CLOEXEC) ||
	    pipe2(p_err, O_CLOEXEC)) {
		snprintf(err, errlen, "could not start: %s", strerror(errno ? errno : ENOMEM));
		goto fail;
	}
	p->out[0] = 0;
	pid_t parent = getpid();
	p->pid = fork();
	if (p->pid < 0) {
		snprintf(err, errlen, "could not start: fork: %s", strerror(errno));
		goto fail;
	}
	if (p->pid == 0)
		child(c, parent, p_in[0], p_out[1], p_err[1], env);
	setpgid(p->pid, p->pid); /* either side may win; both ask for the same */
	free(env);
	close(p_in[0]);
	close(p_out[1]);
	close(p_err[1]);
	p->fd_in = p_in[1];
	p->fd_out = p_out[0];
	p->fd_err = p_err[0];
	fcntl(p->fd_in, F_SETFL, O_NONBLOCK);
	fcntl(p->fd_out, F_SETFL, O_NONBLOCK);
	fcntl(p->fd_err, F_SETFL, O_NONBLOCK);
	p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
	if (p->pidfd >= 0)
		fcntl(p->pidfd, F_SETFD, FD_CLOEXEC);
	p->in_open = p->out_open = p->err_open = 1;
	*pp = p;
	return 0;
fail:
	free(env);
	for (int i = 0; i < 2; i++) {
		if (p_in[i] >= 0) close(p_in[i]);
		if (p_out[i] >= 0) close(p_out[i]);
		if (p_err[i] >= 0) close(p_err[i]);
	}
	if (p->havedir)
		rm_tree_at(AT_FDCWD, p->dir, 0);
	free(p->out);
	free(p);
	return -1;
}

int sbx_proc_send(struct sbx_proc *p, const char *buf, size_t len)
{
	if (!p->in_open || p->end_input)
		return -1;
	if (p->sent == p->nin)
		p->sent = p->nin = 0;
	if (p->nin + len > p->capin) {
		size_t cap = (p->nin + len) * 2;
		char *n = realloc(p->in, cap);
		if (!n)
			return -1;
		p->in = n;
		p->capin = cap;
	}
	memcpy(p->in + p->nin, buf, len);
	p->nin += len;
	return 0;
}

/* stdin is done: deliver EOF, but keep the fd number taken (the caller may
 * still have it registered) by putting /dev/null in its place. */
static void close_input(struct sbx_proc *p)
{
	if (!p->in_open)
		return;
	p->in_open = 0;
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null >= 0) {
		dup3(null, p->fd_in, O_CLOEXEC);
		close(null);
	}
}

void sbx_proc_end_input(struct sbx_proc *p)
{
	p->end_input = 1;
	if (p->sent == p->nin)
		close_input(p);
}

void sbx_proc_set_deadline(struct sbx_proc *p, unsigned ms)
{
	p->deadline = ms ? sbx_now_ms() + ms : 0;
	p->deadline_ms = ms;
}

int64_t sbx_proc_deadline(const struct sbx_proc *p)
{
	double d = p->grace ? p->grace : p->deadline;
	if (p->grace && p->deadline && p->deadline < d)
		d = p->deadline;
	return d ? (int64_t)d + 1 : -1;
}

int sbx_proc_fds(const struct sbx_proc *p, struct sbx_fd *fds)
{
	fds[0] = (struct sbx_fd){ p->fd_in, p->in_open && p->sent < p->nin ? SBX_FD_WRITE : 0 };
	fds[1] = (struct sbx_fd){ p->fd_out, p->out_open ? SBX_FD_READ : 0 };
	fds[2] = (struct sbx_fd){ p->fd_err, p->err_open ? SBX_FD_READ : 0 };
	int n = 3;
	if (p->pidfd >= 0)
		fds[n++] = (struct sbx_fd){ p->pidfd, p->exited ? 0 : SBX_FD_READ };
	return n;
}

static void keep_err(struct sbx_proc *p, const char *buf, size_t n)
{
	if (n >= SBX_ERR_TAIL) {
		buf += n - SBX_ERR_TAIL;
		n = SBX_ERR_TAIL;
	}
	if (p->nerr + n > 2 * SBX_ERR_TAIL) {
		size_t keep = SBX_ERR_TAIL - n;
		memmove(p->err, p->err + p->nerr - keep, keep);
		p->nerr = keep;
	}
	memcpy(p->err + p->nerr, buf, n);
	p->nerr += n;
	p->err[p->nerr] = 0;
}

/* write() without SIGPIPE reaching the engine: blocked around the call and
 * dropped if it became pending here. */
static ssize_t write_nosig(int fd, const void *buf, size_t n)
{
	sigset_t pipeset, old, pending;
	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipeset, &old);
	sigpending(&pending);
	int was = sigismember(&pending, SIGPIPE);
	ssize_t w = write(fd, buf, n);
	int e = errno;
	if (!was) {
		sigpending(&pending);
		if (sigismember(&pending, SIGPIPE)) {
			struct timespec zero = { 0, 0 };
			sigtimedwait(&pipeset, NULL, &zero);
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return w;
}

int sbx_proc_step(struct sbx_proc *p)
{
	if (p->flooded || p->timed_out)
		return 1;
	while (p->in_open && p->sent < p->nin) {
		ssize_t w = write_nosig(p->fd_in, p->in + p->sent, p->nin - p->sent);
		if (w > 0) {
			p->sent += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN)
			close_input(p); /* EPIPE: it closed stdin; its answer says why */
		break;
	}
	if (p->in_open && p->end_input && p->sent == p->nin)
		close_input(p);
	size_t cap = p->c->lim.max_output;
	while (p->out_open) {
		ssize_t got = read(p->fd_out, p->out + p->nout, cap + 1 - p->nout);
		if (got > 0) {
			p->nout += (size_t)got;
			p->out[p->nout] = 0;
			if (p->nout > cap) {
				p->flooded = 1;
				kill(-p->pid, SIGKILL);
				return 1;
			}
			continue;
		}
		if (got < 0 && errno == EINTR)
			continue;
		if (got == 0 || errno != EAGAIN)
			p->out_open = 0;
		break;
	}
	while (p->err_open) {
		char buf[4096];
		ssize_t got = read(p->fd_err, buf, sizeof buf);
		if (got > 0) {
			keep_err(p, buf, (size_t)got);
			continue;
		}
		if (got < 0 && errno == EINTR)
			continue;
		if (got == 0 || errno != EAGAIN)
			p->err_open = 0;
		break;
	}
	if (!p->exited) {
		siginfo_t si = { 0 };
		if (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == p->pid)
			p->exited = 1;
	}
	double now = sbx_now_ms();
	if (p->exited && !p->killed) {
		/* Whatever the command left running goes with it. */
		kill(-p->pid, SIGKILL);
		p->killed = 1;
		p->grace = now + EXIT_GRACE_MS;
	}
	if (p->exited && !p->out_open && !p->err_open)
		return 1;
	if (p->grace && now >= p->grace)
		return 1;
	if (p->deadline && now >= p->deadline) {
		if (!p->exited)
			p->timed_out = 1;
		return 1;
	}
	return 0;
}

const char *sbx_proc_out(const struct sbx_proc *p, size_t *n)
{
	*n = p->nout;
	return p->out;
}

void sbx_proc_consume(struct sbx_proc *p, size_t n)
{
	if (n > p->nout)
		n = p->nout;
	memmove(p->out, p->out + n, p->nout - n);
	p->nout -= n;
	p->out[p->nout] = 0;
}

void sbx_proc_clear_err(struct sbx_proc *p)
{
	p->nerr = 0;
	p->err[0] = 0;
}

const char *sbx_proc_err(const struct sbx_proc *p)
{
	return p->err;
}

int sbx_proc_pid(const struct sbx_proc *p)
{
	return (int)p->pid;
}

void sbx_proc_finish(struct sbx_proc **pp, struct sbx_proc_end *end)
{
	struct sbx_proc *p = pp ? *pp : NULL;
	if (!p)
		return;
	memset(end, 0, sizeof *end);
	end->exit_code = -1;
	int was_running = !p->exited && !p->timed_out && !p->flooded;
	if (was_running) {
		/* One last look: it may have exited since the last step. */
		siginfo_t si = { 0 };
		if (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == p->pid)
			was_running = 0;
	}
	close(p->fd_in);
	close(p->fd_out);
	close(p->fd_err);
	if (p->pidfd >= 0)
		close(p->pidfd);
	/* Kill the group while the (possibly zombie) leader still holds its id. */
	kill(-p->pid, SIGKILL);
	int wst = 0;
	while (waitpid(p->pid, &wst, 0) < 0 && errno == EINTR)
		;
	/* Members die asynchronously; wait (bounded) until the group is empty so
	 * that nothing writes into the directory about to be removed.  The group
	 * id cannot be reused while a member lives. */
	for (int i = 0; i < 200 && kill(-p->pid, 0) == 0; i++)
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	if (p->havedir)
		rm_tree_at(AT_FDCWD, p->dir, 0);
	end->wall_ms = sbx_now_ms() - p->t0;
	end->out = p->out;
	end->nout = p->nout;
	memcpy(end->err, p->err, p->nerr + 1);
	end->nerr = p->nerr;
	char sz[32];
	int code = WIFEXITED(wst) ? WEXITSTATUS(wst) : -1;
	if (p->flooded) {
		end->how = SBX_PROC_FLOOD;
		snprintf(end->msg, sizeof end->msg, "wrote more than %s to stdout (killed)",
		         size_text(p->c->lim.max_output, sz, sizeof sz));
	} else if (p->timed_out) {
		end->how = SBX_PROC_TIMEOUT;
		snprintf(end->msg, sizeof end->msg, "did not finish within %u ms (killed)", p->deadline_ms);
	} else if (was_running) {
		end->how = SBX_PROC_KILLED;
		snprintf(end->msg, sizeof end->msg, "was stopped by disco");
	} else if (WIFSIGNALED(wst) || (code > 128 && code <= 128 + 64)) {
		/* /bin/sh reports a command killed by signal N as exit code 128+N. */
		int sig = WIFSIGNALED(wst) ? WTERMSIG(wst) : code - 128;
		end->signal = sig;
		end->exit_code = WIFEXITED(wst) ? code : -1;
		if (sig == SIGXCPU) {
			end->how = SBX_PROC_CPU;
			snprintf(end->msg, sizeof end->msg, "exceeded its CPU time limit (SIGXCPU)");
		} else {
			end->how = SBX_PROC_SIGNAL;
			snprintf(end->msg, sizeof end->msg, "was killed by %s", sbx_signal_name(sig));
		}
	} else if (code != 0) {
		end->how = SBX_PROC_EXIT;
		end->exit_code = code;
		snprintf(end->msg, sizeof end->msg, "exited with code %d", code);
	} else {
		end->how = SBX_PROC_EXIT0;
		end->exit_code = 0;
	}
	free(p->in);
	free(p);
	*pp = NULL;
}

int sbx_cmd_run(struct sbx_cmd *c, const char *in, size_t len, unsigned wall_ms,
                struct sbx_proc_end *end)
{
	struct sbx_proc *p;
	char err[SBX_PROC_MSG];
	double t0 = sbx_now_ms();
	if (sbx_proc_start(c, &p, err, sizeof err)) {
		memset(end, 0, sizeof *end);
		end->how = SBX_PROC_SPAWN;
		end->exit_code = -1;
		end->out = calloc(1, 1);
		snprintf(end->msg, sizeof end->msg, "%s", err);
		end->wall_ms = sbx_now_ms() - t0;
		return 0;
	}
	if (len && sbx_proc_send(p, in, len)) {
		/* out of memory queueing: ends like a spawn failure */
		sbx_proc_finish(&p, end);
		end->how = SBX_PROC_SPAWN;
		snprintf(end->msg, sizeof end->msg, "could not be asked: out of memory");
		return 0;
	}
	sbx_proc_end_input(p);
	sbx_proc_set_deadline(p, wall_ms);
	while (!sbx_proc_step(p)) {
		struct sbx_fd f[SBX_PROC_NFD];
		struct pollfd pf[SBX_PROC_NFD];
		int n = sbx_proc_fds(p, f), k = 0;
		for (int i = 0; i < n; i++)
			if (f[i].mask)
				pf[k++] = (struct pollfd){ f[i].fd, (short)((f[i].mask & SBX_FD_READ ? POLLIN : 0) |
				                                           (f[i].mask & SBX_FD_WRITE ? POLLOUT : 0)), 0 };
		int64_t d = sbx_proc_deadline(p);
		long wait = d < 0 ? -1 : (long)(d - (int64_t)sbx_now_ms());
		if (wait < 0 && d >= 0)
			wait = 0;
		/* Without a pidfd the exit is noticed by polling waitid. */
		int has_pidfd = n > 3;
		if (!has_pidfd && (wait < 0 || wait > 20))
			wait = 20;
		if (poll(pf, (nfds_t)k, (int)(wait > 1 << 30 ? 1 << 30 : wait)) < 0 && errno != EINTR)
			break;
	}
	sbx_proc_finish(&p, end);
	return 0;
}
