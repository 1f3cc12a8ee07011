/*
 * external.c - run an external evaluator command and speak its JSON protocol.
 *
 * One child per request: fork, contain (process group, rlimits, private
 * $TMPDIR, parent-death signal, relaxed seccomp), exec /bin/sh -c CMD.  The
 * engine writes the request to the child's stdin and reads stdout (bounded)
 * and stderr (last bytes kept for messages) in one poll loop that also
 * watches a pidfd for the child's exit and the wall-clock deadline.  When the
 * child exits, times out or floods stdout, its whole process group is
 * SIGKILLed before the child is reaped (a zombie leader keeps the group id
 * from being reused), then the temporary directory is removed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "evaluators/external.h"
#include "evaluators/text.h"
#include "sandbox/sbx.h"

extern char **environ;

#define ERR_TAIL 4096 /* stderr bytes kept for messages */
#define EXIT_GRACE_MS 500 /* after the command exits, longest wait for its pipes */

struct ext {
	char *cmd;
	char *label;   /* "evaluator command 'CMD'" (CMD shortened) */
	char *origin;  /* working directory the command runs in */
	struct ext_limits lim;
	struct sock_fprog filter; /* BPF of the relaxed filter; .filter NULL when off */
	struct ext_info info;
	struct ev_seed *seeds;  /* owned copies behind info.seeds */
	char *dimnames[EV_MAX_DIMS];
};

/* One finished run of the command. */
struct run {
	char *out;       /* stdout, NUL-terminated */
	size_t nout;
	char err[2 * ERR_TAIL + 1]; /* stderr tail, NUL-terminated */
	size_t nerr;
	int wstatus;
	int reaped;
	int failure;     /* enum ext_failure */
	int signal;      /* that ended the command (directly or as 128+N from sh) */
	double wall_ms;
	char msg[EXT_MSG_MAX];
};

void ext_limits_default(struct ext_limits *lim)
{
	*lim = (struct ext_limits){
		.wall_ms = 10000,
		.info_wall_ms = 10000,
		.cpu_s = 0,
		.mem_bytes = (size_t)1 << 30,
		.fsize_bytes = (size_t)64 << 20,
		.nofile = 256,
		.nproc = 0,
		.max_output = (size_t)1 << 20,
		.seccomp = 1,
	};
}

const char *ext_failure_name(enum ext_failure f)
{
	static const char *const names[EXT_FAIL_N] = {
		[EXT_FAIL_NONE] = "none",       [EXT_FAIL_SPAWN] = "spawn",
		[EXT_FAIL_TIMEOUT] = "timeout", [EXT_FAIL_SIGNAL] = "signal",
		[EXT_FAIL_EXIT] = "exit",       [EXT_FAIL_OUTPUT] = "output",
		[EXT_FAIL_JSON] = "json",       [EXT_FAIL_PROTOCOL] = "protocol",
	};
	return (unsigned)f < EXT_FAIL_N ? names[f] : "unknown";
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

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

/* --- the relaxed seccomp filter ----------------------------------------- */

/* Allow everything an interpreter and a compiler need; refuse (EPERM) what
 * no evaluator has business doing, and leaving the process group (setsid,
 * setpgid), which would let a process outlive the run. */
static int build_filter(struct sock_fprog *out, char *err, size_t errlen)
{
	static const char *const deny[] = {
		"ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
		"mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree",
		"fsopen", "fsmount", "fsconfig", "fspick", "mount_setattr",
		"reboot", "kexec_load", "kexec_file_load", "init_module",
		"finit_module", "delete_module", "bpf", "perf_event_open",
		"swapon", "swapoff", "acct", "quotactl", "syslog", "setns", "unshare",
		"keyctl", "add_key", "request_key", "userfaultfd", "iopl", "ioperm",
		"settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
		"sethostname", "setdomainname", "open_by_handle_at",
		"name_to_handle_at", "fanotify_init", "lookup_dcookie", "vhangup",
		"setsid", "setpgid", NULL,
	};
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		snprintf(err, errlen, "seccomp_init failed");
		return -1;
	}
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	for (int i = 0; rc == 0 && deny[i]; i++) {
		int nr = seccomp_syscall_resolve_name(deny[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture */
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
	}
	/* kill(-1, sig) reaches every process the user may signal. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(kill), 1,
		                      SCMP_A0_32(SCMP_CMP_EQ, (uint32_t)-1));
	/* Typing into the engine's terminal. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
		                      SCMP_A1_64(SCMP_CMP_EQ, TIOCSTI));
	if (rc != 0) {
		snprintf(err, errlen, "building the seccomp filter failed: %s", strerror(-rc));
		seccomp_release(ctx);
		return -1;
	}
	/* Export the BPF once: the child installs it with one prctl, without
	 * allocating after fork. */
	int fd = memfd_create("disco-ext-bpf", MFD_CLOEXEC);
	off_t len = fd >= 0 && seccomp_export_bpf(ctx, fd) == 0 ? lseek(fd, 0, SEEK_END) : -1;
	seccomp_release(ctx);
	struct sock_filter *prog = len > 0 && len % (off_t)sizeof *prog == 0 ? malloc((size_t)len) : NULL;
	if (!prog || pread(fd, prog, (size_t)len, 0) != len) {
		snprintf(err, errlen, "exporting the seccomp filter failed");
		free(prog);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	out->filter = prog;
	out->len = (unsigned short)(len / (off_t)sizeof *prog);
	return 0;
}


/* --- temporary directories ---------------------------------------------- */

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

static void rm_tree(const char *path)
{
	rm_tree_at(AT_FDCWD, path, 0);
}

/* --- one run of the command --------------------------------------------- */

/* environ without TMPDIR/TMP/TEMP, plus those three pointing at dir. */
static char **make_env(const char *dir)
{
	size_t n = 0;
	for (char **e = environ; e && *e; e++)
		n++;
	char **env = calloc(n + 4, sizeof *env);
	if (!env)
		return NULL;
	size_t k = 0;
	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, "TMPDIR=", 7) && strncmp(*e, "TMP=", 4) && strncmp(*e, "TEMP=", 5))
			env[k++] = *e;
	const char *keys[] = { "TMPDIR=", "TMP=", "TEMP=" };
	for (int i = 0; i < 3; i++) {
		size_t len = strlen(keys[i]) + strlen(dir) + 1;
		if (!(env[k] = malloc(len))) {
			while (i-- > 0)
				free(env[--k]);
			free(env);
			return NULL;
		}
		snprintf(env[k++], len, "%s%s", keys[i], dir);
	}
	return env;
}

/* Frees what make_env() allocated: the array and its last three strings. */
static void free_env(char **env)
{
	if (!env)
		return;
	size_t n = 0;
	while (env[n])
		n++;
	for (size_t i = n - 3; i < n; i++)
		free(env[i]);
	free(env);
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
static void child(const struct ext *x, pid_t parent, int in, int out, int err,
                  char **env, unsigned wall_ms)
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
	if (chdir(x->origin) != 0)
		child_fail(x->origin);
	const struct ext_limits *l = &x->lim;
	rlim_t cpu = l->cpu_s ? l->cpu_s : wall_ms / 1000 + 2;
	set_limit(RLIMIT_CPU, cpu, cpu + 1);
	set_limit(RLIMIT_FSIZE, l->fsize_bytes, l->fsize_bytes);
	if (l->nofile)
		set_limit(RLIMIT_NOFILE, l->nofile, l->nofile);
	if (l->nproc)
		set_limit(RLIMIT_NPROC, l->nproc, l->nproc);
	set_limit(RLIMIT_CORE, 0, 0);
	if (x->filter.filter) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
			child_fail("PR_SET_NO_NEW_PRIVS");
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &x->filter, 0, 0) != 0)
			child_fail("installing the seccomp filter");
	}
	/* Last: a sanitizer-built engine cannot map anything after this. */
	if (l->mem_bytes)
		set_limit(RLIMIT_AS, l->mem_bytes, l->mem_bytes);
	char *argv[] = { "sh", "-c", x->cmd, NULL };
	execve("/bin/sh", argv, env);
	child_fail("/bin/sh");
}

static void keep_err(struct run *r, const char *buf, size_t n)
{
	if (n >= ERR_TAIL) {
		buf += n - ERR_TAIL;
		n = ERR_TAIL;
	}
	if (r->nerr + n > 2 * ERR_TAIL) {
		size_t keep = ERR_TAIL - n;
		memmove(r->err, r->err + r->nerr - keep, keep);
		r->nerr = keep;
	}
	memcpy(r->err + r->nerr, buf, n);
	r->nerr += n;
	r->err[r->nerr] = 0;
}

/* Run the command with req on stdin.  Returns 0 when it ran to a normal exit
 * with code 0 and bounded output (r->out holds it), else -1 with r->failure
 * and r->msg (without the command label) set. */
static int run_cmd(const struct ext *x, const char *req, size_t reqlen, unsigned wall_ms,
                   struct run *r)
{
	memset(r, 0, sizeof *r);
	double t0 = now_ms();
	int p_in[2] = { -1, -1 }, p_out[2] = { -1, -1 }, p_err[2] = { -1, -1 };
	int pidfd = -1, ret = -1, killed = 0, timed_out = 0, flooded = 0;
	pid_t pid = -1;
	char **env = NULL;
	size_t cap = x->lim.max_output + 1;

	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/disco-ext.XXXXXX", tmp);
	int havedir = mkdtemp(dir) != NULL;

	sigset_t pipeset, oldmask;
	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipeset, &oldmask);
	sigset_t pending;
	sigpending(&pending);
	int pipe_was_pending = sigismember(&pending, SIGPIPE);

	if (!havedir) {
		r->failure = EXT_FAIL_SPAWN;
		snprintf(r->msg, sizeof r->msg, "could not create a temporary directory in %s: %s",
		         tmp, strerror(errno));
		goto out;
	}
	r->out = malloc(cap + 1);
	env = make_env(dir);
	if (!r->out || !env || pipe2(p_in, O_CLOEXEC) || pipe2(p_out, O_CLOEXEC) ||
	    pipe2(p_err, O_CLOEXEC)) {
		r->failure = EXT_FAIL_SPAWN;
		snprintf(r->msg, sizeof r->msg, "could not start: %s", strerror(errno));
		goto out;
	}
	pid_t parent = getpid();
	pid = fork();
	if (pid < 0) {
		r->failure = EXT_FAIL_SPAWN;
		snprintf(r->msg, sizeof r->msg, "could not start: fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		child(x, parent, p_in[0], p_out[1], p_err[1], env, wall_ms);
	setpgid(pid, pid); /* either side may win; both ask for the same */
	close(p_in[0]);
	close(p_out[1]);
	close(p_err[1]);
	p_in[0] = p_out[1] = p_err[1] = -1;
	int fd_in = p_in[1], fd_out = p_out[0], fd_err = p_err[0];
	fcntl(fd_in, F_SETFL, O_NONBLOCK);
	fcntl(fd_out, F_SETFL, O_NONBLOCK);
	fcntl(fd_err, F_SETFL, O_NONBLOCK);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	size_t sent = 0;
	int exited = 0;
	double deadline = t0 + wall_ms;
	for (;;) {
		if (!exited && pidfd < 0) {
			siginfo_t si = { 0 };
			if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid)
				exited = 1;
		}
		if (exited && !killed) {
			/* Whatever the command left running goes with it. */
			kill(-pid, SIGKILL);
			killed = 1;
			double grace = now_ms() + EXIT_GRACE_MS;
			if (grace < deadline)
				deadline = grace;
		}
		if (exited && fd_out < 0 && fd_err < 0)
			break;
		double left = deadline - now_ms();
		if (left <= 0) {
			if (!exited)
				timed_out = 1;
			break;
		}
		struct pollfd pf[4];
		int n = 0, i_in = -1, i_out = -1, i_err = -1, i_pid = -1;
		if (fd_in >= 0)
			pf[i_in = n++] = (struct pollfd){ fd_in, POLLOUT, 0 };
		if (fd_out >= 0)
			pf[i_out = n++] = (struct pollfd){ fd_out, POLLIN, 0 };
		if (fd_err >= 0)
			pf[i_err = n++] = (struct pollfd){ fd_err, POLLIN, 0 };
		if (!exited && pidfd >= 0)
			pf[i_pid = n++] = (struct pollfd){ pidfd, POLLIN, 0 };
		int wait = (int)left + 1;
		if (!exited && pidfd < 0 && wait > 20)
			wait = 20;
		int pr = poll(pf, (nfds_t)n, wait);
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			r->failure = EXT_FAIL_SPAWN;
			snprintf(r->msg, sizeof r->msg, "poll failed: %s", strerror(errno));
			break;
		}
		if (i_in >= 0 && pf[i_in].revents) {
			ssize_t w = write(fd_in, req + sent, reqlen - sent);
			if (w > 0)
				sent += (size_t)w;
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || sent == reqlen) {
				/* Done, or the command closed stdin (EPIPE): not an error
				 * by itself; its answer says what happened. */
				close(fd_in);
				fd_in = -1;
			}
		}
		if (i_out >= 0 && pf[i_out].revents) {
			ssize_t got = read(fd_out, r->out + r->nout, cap - r->nout);
			if (got > 0) {
				r->nout += (size_t)got;
				if (r->nout > x->lim.max_output) {
					flooded = 1;
					break;
				}
			} else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
				close(fd_out);
				fd_out = -1;
			}
		}
		if (i_err >= 0 && pf[i_err].revents) {
			char buf[4096];
			ssize_t got = read(fd_err, buf, sizeof buf);
			if (got > 0)
				keep_err(r, buf, (size_t)got);
			else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
				close(fd_err);
				fd_err = -1;
			}
		}
		if (i_pid >= 0 && pf[i_pid].revents)
			exited = 1;
	}
	if (fd_in >= 0)
		close(fd_in);
	if (fd_out >= 0)
		close(fd_out);
	if (fd_err >= 0)
		close(fd_err);
	/* Kill the group while the (possibly zombie) leader still holds its id. */
	kill(-pid, SIGKILL);
	while (waitpid(pid, &r->wstatus, 0) < 0 && errno == EINTR)
		;
	r->reaped = 1;
	/* Members die asynchronously; wait (bounded) until the group is empty so
	 * that nothing writes into the directory about to be removed.  The group
	 * id cannot be reused while a member lives. */
	for (int i = 0; i < 200 && kill(-pid, 0) == 0; i++)
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	r->out[r->nout < cap ? r->nout : cap] = 0;

	char sz[32];
	if (r->failure) {
		/* poll failed: message set */
	} else if (flooded) {
		r->failure = EXT_FAIL_OUTPUT;
		snprintf(r->msg, sizeof r->msg, "wrote more than %s to stdout (killed)",
		         size_text(x->lim.max_output, sz, sizeof sz));
	} else if (timed_out) {
		r->failure = EXT_FAIL_TIMEOUT;
		snprintf(r->msg, sizeof r->msg, "did not finish within %u ms (killed)", wall_ms);
	} else if (WIFSIGNALED(r->wstatus) ||
	           (WEXITSTATUS(r->wstatus) > 128 && WEXITSTATUS(r->wstatus) <= 128 + 64)) {
		/* /bin/sh reports a command killed by signal N as exit code 128+N. */
		int sig = WIFSIGNALED(r->wstatus) ? WTERMSIG(r->wstatus) : WEXITSTATUS(r->wstatus) - 128;
		r->signal = sig;
		if (sig == SIGXCPU) {
			r->failure = EXT_FAIL_TIMEOUT;
			snprintf(r->msg, sizeof r->msg, "exceeded its CPU time limit (SIGXCPU)");
		} else {
			r->failure = EXT_FAIL_SIGNAL;
			snprintf(r->msg, sizeof r->msg, "was killed by %s", sbx_signal_name(sig));
		}
	} else if (WEXITSTATUS(r->wstatus) != 0) {
		r->failure = EXT_FAIL_EXIT;
		snprintf(r->msg, sizeof r->msg, "exited with code %d", WEXITSTATUS(r->wstatus));
	} else {
		ret = 0;
	}
out:
	r->wall_ms = now_ms() - t0;
	if (pid < 0) {
		for (int i = 0; i < 2; i++) {
			if (p_in[i] >= 0)
				close(p_in[i]);
			if (p_out[i] >= 0)
				close(p_out[i]);
			if (p_err[i] >= 0)
				close(p_err[i]);
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	if (!pipe_was_pending) {
		struct timespec zero = { 0, 0 };
		sigpending(&pending);
		if (sigismember(&pending, SIGPIPE))
			sigtimedwait(&pipeset, NULL, &zero);
	}
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	free_env(env);
	if (havedir)
		rm_tree(dir);
	if (!r->out) {
		r->out = calloc(1, 1);
		r->nout = 0;
	}
	return ret;
}

/* The last non-empty stderr line, trimmed to fit a message. */
static void last_err_line(const struct run *r, char *buf, size_t len)
{
	buf[0] = 0;
	size_t end = r->nerr;
	while (end > 0 && (r->err[end - 1] == '\n' || r->err[end - 1] == '\r' ||
	                   r->err[end - 1] == ' ' || r->err[end - 1] == '\t'))
		end--;
	size_t start = end;
	while (start > 0 && r->err[start - 1] != '\n')
		start--;
	size_t n = end - start;
	if (n > 300) {
		start = end - 300;
		n = 300;
	}
	if (n + 1 > len)
		n = len - 1;
	memcpy(buf, r->err + start, n);
	buf[n] = 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 32)
			buf[i] = ' ';
}

/* Compose "evaluator command 'CMD' <what>[: <last stderr line>]". */
static void fail_msg(const struct ext *x, const struct run *r, const char *what,
                     char *buf, size_t len)
{
	char line[320];
	last_err_line(r, line, sizeof line);
	if (line[0])
		snprintf(buf, len, "%s %s: %s", x->label, what, line);
	else
		snprintf(buf, len, "%s %s", x->label, what);
}

/* --- JSON ---------------------------------------------------------------- */

/* Parse stdout as exactly one JSON object.  NULL with why in msg. */
static cJSON *parse_answer(const struct run *r, char *msg, size_t len)
{
	const char *s = r->out;
	while (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
		s++;
	if (!*s) {
		snprintf(msg, len, "printed nothing on stdout (expected one JSON object)");
		return NULL;
	}
	if (strlen(r->out) != r->nout) {
		snprintf(msg, len, "printed a NUL byte on stdout (expected one JSON object)");
		return NULL;
	}
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithOpts(s, &end, 0);
	if (j && end) {
		const char *t = end;
		while (*t == ' ' || *t == '\n' || *t == '\r' || *t == '\t')
			t++;
		if (*t) {
			cJSON_Delete(j);
			j = NULL;
			end = t;
		}
	}
	if (!j) {
		if (!end)
			end = cJSON_GetErrorPtr();
		size_t off = end && end >= r->out && end <= r->out + r->nout ? (size_t)(end - r->out) : 0;
		char near[64];
		size_t k = 0;
		for (const char *p = r->out + off; *p && k < 40; p++)
			near[k++] = (unsigned char)*p < 32 ? ' ' : *p;
		near[k] = 0;
		const char *hint = "";
		if (strstr(r->out, "NaN") || strstr(r->out, "Infinity"))
			hint = " (JSON has no NaN or Infinity; in Python use json.dumps(..., allow_nan=False))";
		snprintf(msg, len, "printed invalid JSON on stdout at byte %zu near '%s'%s", off, near,
		         hint);
		return NULL;
	}
	if (!cJSON_IsObject(j)) {
		snprintf(msg, len, "printed JSON that is not an object (expected {\"status\": ...})");
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

/* Copy src into a NUL-terminated string, replacing what is not UTF-8 with
 * U+FFFD so every JSON parser accepts the request. */
static char *utf8_clean(const char *src, size_t len)
{
	char *o = malloc(len * 3 + 1);
	if (!o)
		return NULL;
	size_t k = 0;
	const unsigned char *s = (const unsigned char *)src;
	for (size_t i = 0; i < len;) {
		unsigned c = s[i];
		size_t n = c < 0x80 ? 1 : (c >= 0xc2 && c <= 0xdf) ? 2 : (c >= 0xe0 && c <= 0xef) ? 3
		         : (c >= 0xf0 && c <= 0xf4) ? 4 : 0;
		int ok = n > 0 && i + n <= len;
		for (size_t j = 1; ok && j < n; j++)
			ok = (s[i + j] & 0xc0) == 0x80;
		if (ok && n == 3) /* overlong or surrogate */
			ok = !(c == 0xe0 && s[i + 1] < 0xa0) && !(c == 0xed && s[i + 1] >= 0xa0);
		if (ok && n == 4)
			ok = !(c == 0xf0 && s[i + 1] < 0x90) && !(c == 0xf4 && s[i + 1] >= 0x90);
		if (ok && c == 0)
			ok = 0;
		if (!ok) {
			memcpy(o + k, "\xef\xbf\xbd", 3);
			k += 3;
			i++;
			continue;
		}
		memcpy(o + k, s + i, n);
		k += n;
		i += n;
	}
	o[k] = 0;
	return o;
}

/* Build a request; malloc'd, newline-terminated. */
static char *make_request(const char *kind, const char *split, const char *source, size_t *len)
{
	cJSON *j = cJSON_CreateObject();
	if (!j)
		return NULL;
	cJSON_AddNumberToObject(j, "protocol", EXT_PROTOCOL);
	cJSON_AddStringToObject(j, "request", kind);
	if (split)
		cJSON_AddStringToObject(j, "split", split);
	if (source)
		text_json_add(j, "source", source); /* valid UTF-8 for the command's parser */
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (!s)
		return NULL;
	size_t n = strlen(s);
	char *t = realloc(s, n + 2);
	if (!t) {
		free(s);
		return NULL;
	}
	t[n] = '\n';
	t[n + 1] = 0;
	*len = n + 1;
	return t;
}

/* --- info ---------------------------------------------------------------- */

static char *dupstr(const char *s)
{
	return strdup(s ? s : "");
}

static const char *get_string(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Fill x->info from the info answer.  -1 with msg naming the field. */
static int take_info(struct ext *x, const cJSON *j, char *msg, size_t len)
{
	const cJSON *proto = cJSON_GetObjectItemCaseSensitive(j, "protocol");
	if (proto && (!cJSON_IsNumber(proto) || proto->valuedouble != EXT_PROTOCOL)) {
		snprintf(msg, len, "speaks protocol %s, disco speaks %d",
		         cJSON_IsNumber(proto) ? "another version" : "(not a number)", EXT_PROTOCOL);
		return -1;
	}
	const char *name = get_string(j, "name");
	if (!name || !*name) {
		snprintf(msg, len, "answered info without \"name\" (a non-empty string)");
		return -1;
	}
	const cJSON *sum = cJSON_GetObjectItemCaseSensitive(j, "summary");
	if (sum && !cJSON_IsString(sum)) {
		snprintf(msg, len, "answered info with \"summary\" that is not a string");
		return -1;
	}
	const cJSON *seeds = cJSON_GetObjectItemCaseSensitive(j, "seeds");
	int nseeds = cJSON_IsArray(seeds) ? cJSON_GetArraySize(seeds) : 0;
	if (nseeds < 1 || nseeds > EXT_MAX_SEEDS) {
		snprintf(msg, len, "answered info with %s (expected \"seeds\": an array of 1 to %d "
		         "{\"name\", \"source\"} objects)",
		         !seeds ? "no \"seeds\"" : !cJSON_IsArray(seeds) ? "\"seeds\" not an array"
		         : nseeds ? "too many seeds" : "an empty \"seeds\" array", EXT_MAX_SEEDS);
		return -1;
	}
	for (int i = 0; i < nseeds; i++) {
		const cJSON *s = cJSON_GetArrayItem(seeds, i);
		if (!get_string(s, "name") || !get_string(s, "source")) {
			snprintf(msg, len, "answered info with seeds[%d] lacking a string \"%s\"", i,
			         get_string(s, "name") ? "source" : "name");
			return -1;
		}
	}
	const cJSON *dims = cJSON_GetObjectItemCaseSensitive(j, "dims");
	int ndims = 0;
	if (dims) {
		ndims = cJSON_IsArray(dims) ? cJSON_GetArraySize(dims) : -1;
		if (ndims < 0 || ndims > EV_MAX_DIMS) {
			snprintf(msg, len, "answered info with \"dims\" %s (expected an array of at most %d "
			         "{\"name\", \"lo\", \"hi\", \"bins\"} objects)",
			         ndims < 0 ? "not an array" : "too long", EV_MAX_DIMS);
			return -1;
		}
	}
	for (int i = 0; i < ndims; i++) {
		const cJSON *d = cJSON_GetArrayItem(dims, i);
		const char *dn = get_string(d, "name");
		const cJSON *lo = cJSON_GetObjectItemCaseSensitive(d, "lo");
		const cJSON *hi = cJSON_GetObjectItemCaseSensitive(d, "hi");
		const cJSON *bins = cJSON_GetObjectItemCaseSensitive(d, "bins");
		if (!dn || !*dn || strlen(dn) >= EV_NAME_MAX) {
			snprintf(msg, len, "answered info with dims[%d] lacking a \"name\" of 1 to %d characters",
			         i, EV_NAME_MAX - 1);
			return -1;
		}
		if (!cJSON_IsNumber(lo) || !cJSON_IsNumber(hi) || !(lo->valuedouble < hi->valuedouble) ||
		    !isfinite(lo->valuedouble) || !isfinite(hi->valuedouble)) {
			snprintf(msg, len, "answered info with dims[%d] (\"%s\") lacking numbers \"lo\" < \"hi\"",
			         i, dn);
			return -1;
		}
		if (!cJSON_IsNumber(bins) || bins->valuedouble != (int)bins->valuedouble ||
		    bins->valuedouble < 1 || bins->valuedouble > 4096) {
			snprintf(msg, len, "answered info with dims[%d] (\"%s\") lacking an integer \"bins\" "
			         "in 1..4096", i, dn);
			return -1;
		}
		for (int k = 0; k < i; k++)
			if (!strcmp(dn, x->info.dims[k].name)) {
				snprintf(msg, len, "answered info with two dims named \"%s\"", dn);
				return -1;
			}
		x->dimnames[i] = dupstr(dn);
		x->info.dims[i] = (struct ev_dim){ x->dimnames[i], lo->valuedouble, hi->valuedouble,
		                                   (int)bins->valuedouble };
		x->info.ndims = i + 1;
	}
	const cJSON *noisy = cJSON_GetObjectItemCaseSensitive(j, "noisy");
	if (noisy && !cJSON_IsBool(noisy)) {
		snprintf(msg, len, "answered info with \"noisy\" that is not true or false");
		return -1;
	}
	x->info.noisy = cJSON_IsTrue(noisy);
	x->info.name = dupstr(name);
	x->info.summary = dupstr(sum ? sum->valuestring : "");
	x->seeds = calloc((size_t)nseeds + 1, sizeof *x->seeds);
	if (!x->seeds) {
		snprintf(msg, len, "out of memory");
		return -1;
	}
	for (int i = 0; i < nseeds; i++) {
		const cJSON *s = cJSON_GetArrayItem(seeds, i);
		x->seeds[i].name = dupstr(get_string(s, "name"));
		x->seeds[i].source = dupstr(get_string(s, "source"));
		x->info.nseeds = i + 1;
	}
	x->info.seeds = x->seeds;
	return 0;
}

/* --- the public API ------------------------------------------------------ */

void ext_close(struct ext **xp)
{
	struct ext *x = xp ? *xp : NULL;
	if (!x)
		return;
	free(x->filter.filter);
	for (int i = 0; x->seeds && i < x->info.nseeds; i++) {
		free((char *)x->seeds[i].name);
		free((char *)x->seeds[i].source);
	}
	free(x->seeds);
	for (int i = 0; i < EV_MAX_DIMS; i++)
		free(x->dimnames[i]);
	free((char *)x->info.name);
	free((char *)x->info.summary);
	free(x->cmd);
	free(x->label);
	free(x->origin);
	free(x);
	*xp = NULL;
}

static char *make_label(const char *cmd)
{
	char shown[96];
	size_t n = strlen(cmd);
	if (n > 80)
		snprintf(shown, sizeof shown, "%.77s...", cmd);
	else
		snprintf(shown, sizeof shown, "%s", cmd);
	for (char *p = shown; *p; p++)
		if ((unsigned char)*p < 32)
			*p = ' ';
	size_t len = strlen(shown) + 32;
	char *l = malloc(len);
	if (l)
		snprintf(l, len, "evaluator command '%s'", shown);
	return l;
}

struct ext *ext_open(const char *cmd, const struct ext_limits *lim, char *err, size_t errlen)
{
	if (!cmd || !*cmd || strspn(cmd, " \t\n") == strlen(cmd)) {
		snprintf(err, errlen, "the evaluator command is empty (expected e.g. \"python3 my_eval.py\")");
		return NULL;
	}
	struct ext *x = calloc(1, sizeof *x);
	if (!x) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (lim)
		x->lim = *lim;
	else
		ext_limits_default(&x->lim);
	x->cmd = strdup(cmd);
	x->info.cmd = x->cmd;
	x->label = make_label(cmd);
	x->origin = getcwd(NULL, 0);
	if (!x->cmd || !x->label || !x->origin) {
		snprintf(err, errlen, "evaluator command '%s': %s", cmd,
		         x->origin ? "out of memory" : "cannot read the working directory");
		ext_close(&x);
		return NULL;
	}
	if (x->lim.seccomp) {
		char why[256];
		if (build_filter(&x->filter, why, sizeof why) != 0) {
			snprintf(err, errlen, "%s: %s", x->label, why);
			ext_close(&x);
			return NULL;
		}
	}
	size_t reqlen;
	char *req = make_request("info", NULL, NULL, &reqlen);
	if (!req) {
		snprintf(err, errlen, "%s: out of memory", x->label);
		ext_close(&x);
		return NULL;
	}
	struct run r;
	char what[EXT_MSG_MAX];
	int rc = run_cmd(x, req, reqlen, x->lim.info_wall_ms, &r);
	free(req);
	if (rc != 0) {
		char m[EXT_MSG_MAX + 64];
		snprintf(m, sizeof m, "failed the info request: %s", r.msg);
		fail_msg(x, &r, m, err, errlen);
		free(r.out);
		ext_close(&x);
		return NULL;
	}
	cJSON *j = parse_answer(&r, what, sizeof what);
	if (!j || take_info(x, j, what, sizeof what) != 0) {
		char m[EXT_MSG_MAX + 64];
		snprintf(m, sizeof m, "failed the info request: %s", what);
		fail_msg(x, &r, m, err, errlen);
		cJSON_Delete(j);
		free(r.out);
		ext_close(&x);
		return NULL;
	}
	cJSON_Delete(j);
	free(r.out);
	return x;
}

const struct ext_info *ext_info(const struct ext *x)
{
	return x ? &x->info : NULL;
}

void ext_set_limits(struct ext *x, const struct ext_limits *lim)
{
	int had = x->lim.seccomp;
	x->lim = *lim;
	x->lim.seccomp = had; /* the filter is built at open only */
}

static const char *known_statuses(void)
{
	static char buf[160];
	if (!buf[0])
		for (int i = 0; i < SBX_NSTATUS; i++) {
			size_t n = strlen(buf);
			snprintf(buf + n, sizeof buf - n, "%s%s", i ? ", " : "", sbx_status_name(i));
		}
	return buf;
}

/* Fill out from an evaluate answer.  -1 with msg on a protocol error. */
static int take_answer(const struct ext *x, const cJSON *j, struct ext_result *out, char *msg,
                       size_t len)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "status");
	if (!cJSON_IsString(st)) {
		snprintf(msg, len, "answered without \"status\" (a string: one of %s)", known_statuses());
		return -1;
	}
	int status = sbx_status_parse(st->valuestring);
	if (status < 0) {
		snprintf(msg, len, "answered \"status\": \"%.40s\", which is not one of %s",
		         st->valuestring, known_statuses());
		return -1;
	}
	const cJSON *score = cJSON_GetObjectItemCaseSensitive(j, "score");
	if (score && !cJSON_IsNull(score) && (!cJSON_IsNumber(score) || !isfinite(score->valuedouble))) {
		snprintf(msg, len, "answered a \"score\" that is not a finite number");
		return -1;
	}
	int has_score = cJSON_IsNumber(score);
	if (status == SBX_OK && !has_score) {
		snprintf(msg, len, "answered \"status\": \"ok\" without a \"score\" (a number)");
		return -1;
	}
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
	if (m && !cJSON_IsNull(m) && !cJSON_IsString(m)) {
		snprintf(msg, len, "answered a \"message\" that is not a string");
		return -1;
	}
	const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(j, "metrics");
	if (metrics && !cJSON_IsNull(metrics) && !cJSON_IsObject(metrics)) {
		snprintf(msg, len, "answered \"metrics\" that is not an object of numbers");
		return -1;
	}
	const cJSON *it;
	const cJSON *mobj = cJSON_IsObject(metrics) ? metrics : NULL;
	cJSON_ArrayForEach(it, mobj) {
		if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble)) {
			snprintf(msg, len, "answered metrics.%.40s that is not a finite number", it->string);
			return -1;
		}
		ev_metric(&out->ev, it->string, it->valuedouble);
	}
	const cJSON *desc = cJSON_GetObjectItemCaseSensitive(j, "descriptors");
	if (desc && !cJSON_IsNull(desc) && !cJSON_IsObject(desc)) {
		snprintf(msg, len, "answered \"descriptors\" that is not an object of numbers");
		return -1;
	}
	const struct ext_info *in = &x->info;
	const cJSON *dobj = cJSON_IsObject(desc) ? desc : NULL;
	cJSON_ArrayForEach(it, dobj) {
		int k = 0;
		while (k < in->ndims && strcmp(in->dims[k].name, it->string))
			k++;
		if (k == in->ndims) {
			char names[160] = "";
			for (int i = 0; i < in->ndims; i++) {
				size_t n = strlen(names);
				snprintf(names + n, sizeof names - n, "%s%s", i ? ", " : "", in->dims[i].name);
			}
			snprintf(msg, len, "answered descriptors.%.40s, which is not a dim from info (%s)",
			         it->string, in->ndims ? names : "none declared");
			return -1;
		}
		if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble)) {
			snprintf(msg, len, "answered descriptors.%.40s that is not a finite number", it->string);
			return -1;
		}
		out->ev.desc[k] = it->valuedouble;
	}
	if (status == SBX_OK)
		for (int k = 0; k < in->ndims; k++)
			if (!cJSON_GetObjectItemCaseSensitive(desc, in->dims[k].name)) {
				snprintf(msg, len, "answered \"status\": \"ok\" without descriptors.%s "
				         "(every dim from info is required)", in->dims[k].name);
				return -1;
			}
	out->status = status;
	out->has_score = has_score;
	out->score = has_score ? score->valuedouble : 0;
	out->ev.score = out->score;
	if (cJSON_IsString(m))
		snprintf(out->message, sizeof out->message, "%s", m->valuestring);
	return 0;
}

static int failed(const struct ext *x, const struct run *r, int failure, const char *what,
                  struct ext_result *out, char *err, size_t errlen)
{
	double wall = out->wall_ms;
	memset(out, 0, sizeof *out);
	out->wall_ms = wall;
	out->failure = failure;
	out->status = failure == EXT_FAIL_TIMEOUT ? SBX_TIMEOUT
	            : failure == EXT_FAIL_SIGNAL ? SBX_CRASH : SBX_INVALID_OUTPUT;
	out->exit_code = r && r->reaped && WIFEXITED(r->wstatus) ? WEXITSTATUS(r->wstatus) : -1;
	out->signal = r ? r->signal : 0;
	if (r)
		fail_msg(x, r, what, out->message, sizeof out->message);
	else
		snprintf(out->message, sizeof out->message, "%s %s", x->label, what);
	if (err && errlen)
		snprintf(err, errlen, "%s", out->message);
	return EXT_FAILED;
}

int ext_eval(struct ext *x, const char *src, size_t len, int split, struct ext_result *out,
             char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	out->exit_code = -1;
	char *clean = utf8_clean(src ? src : "", src ? len : 0);
	size_t reqlen = 0;
	char *req = clean ? make_request("evaluate", split == EV_HELDOUT ? "heldout" : "train",
	                                 clean, &reqlen) : NULL;
	free(clean);
	if (!req)
		return failed(x, NULL, EXT_FAIL_SPAWN, "could not be asked: out of memory", out, err,
		              errlen);
	struct run r;
	int rc = run_cmd(x, req, reqlen, x->lim.wall_ms, &r);
	free(req);
	out->wall_ms = r.wall_ms;
	if (rc != 0) {
		int f = r.failure;
		char what[EXT_MSG_MAX];
		snprintf(what, sizeof what, "%s", r.msg);
		rc = failed(x, &r, f, what, out, err, errlen);
		free(r.out);
		return rc;
	}
	char what[EXT_MSG_MAX];
	cJSON *j = parse_answer(&r, what, sizeof what);
	if (!j) {
		rc = failed(x, &r, EXT_FAIL_JSON, what, out, err, errlen);
		free(r.out);
		return rc;
	}
	if (take_answer(x, j, out, what, sizeof what) != 0) {
		cJSON_Delete(j);
		rc = failed(x, &r, EXT_FAIL_PROTOCOL, what, out, err, errlen);
		free(r.out);
		return rc;
	}
	cJSON_Delete(j);
	out->exit_code = 0;
	free(r.out);
	return EXT_ANSWERED;
}
