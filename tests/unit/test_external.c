/* Unit tests for evaluators/external.c: the example evaluator end to end
 * (info, good and bad candidates), and every way an evaluator command can
 * misbehave (tests/external/misbehave.sh): each gives one clear message
 * naming the command, leaves no process behind, and the next evaluation
 * works.  Run from the repository root (or build/tests/, found from argv[0]). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "evaluators/external.h"
#include "sandbox/sbx.h"

#define MIS "sh tests/external/misbehave.sh"
#define LABEL "evaluator command '" MIS "'"

static char python[64] = "python3";
static char scratch[512]; /* $TMPDIR/disco-test-ext.XXXXXX */

static struct ext *open_ok(const char *cmd, const struct ext_limits *lim)
{
	char err[EXT_MSG_MAX] = "";
	struct ext *x = ext_open(cmd, lim, err, sizeof err);
	if (!x)
		print_error("ext_open(%s): %s\n", cmd, err);
	assert_non_null(x);
	return x;
}

static int eval_str(struct ext *x, const char *src, struct ext_result *r, char *err, size_t errlen)
{
	return ext_eval(x, src, strlen(src), EV_TRAIN, r, err, errlen);
}

static void expect_contains(const char *text, const char *part)
{
	if (!strstr(text, part))
		print_error("expected '%s' in: %s\n", part, text);
	assert_non_null(strstr(text, part));
}

/* A well-formed answer from misbehave.sh: the engine goes on. */
static void expect_good(struct ext *x)
{
	struct ext_result r;
	char err[EXT_MSG_MAX] = "";
	assert_int_equal(eval_str(x, "MODE=ok", &r, err, sizeof err), EXT_ANSWERED);
	assert_int_equal(r.status, SBX_OK);
	assert_int_equal(r.failure, EXT_FAIL_NONE);
	assert_true(r.has_score);
	assert_true(r.score == 1.5 && r.ev.score == 1.5);
	assert_true(r.ev.desc[0] == 3);
	assert_int_equal(r.ev.nmetrics, 1);
	assert_string_equal(r.ev.metrics[0].name, "m");
	assert_true(r.ev.metrics[0].value == 2);
}

/* Gone, or a zombie nobody has reaped yet (it runs nothing).  Killing is
 * asynchronous, so look for a bounded while. */
static int process_gone(pid_t pid)
{
	for (int i = 0; i < 500; i++) {
		char path[64], buf[256];
		snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
		FILE *f = fopen(path, "r");
		if (!f)
			return 1;
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = 0;
		const char *p = strrchr(buf, ')');
		if (p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
			return 1;
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
	return 0;
}

static pid_t read_pid(const char *file)
{
	FILE *f = fopen(file, "r");
	int pid = 0;
	if (f) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return pid;
}

/* --- the example evaluator --------------------------------------------- */

static void test_example(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "%s examples/external/sqrt_eval.py", python);
	struct ext *x = open_ok(cmd, NULL);
	const struct ext_info *in = ext_info(x);
	assert_string_equal(in->name, "sqrt");
	assert_string_equal(in->cmd, cmd);
	assert_int_equal(in->nseeds, 2);
	assert_string_equal(in->seeds[0].name, "newton");
	assert_null(in->seeds[2].name);
	assert_int_equal(in->ndims, 2);
	assert_string_equal(in->dims[0].name, "ops");
	assert_string_equal(in->dims[1].name, "loops");
	assert_int_equal(in->dims[0].bins, 16);
	assert_false(in->noisy);

	struct ext_result r;
	char err[EXT_MSG_MAX] = "";
	const char *newton = in->seeds[0].source;
	assert_int_equal(ext_eval(x, newton, strlen(newton), EV_TRAIN, &r, err, sizeof err),
	                 EXT_ANSWERED);
	assert_int_equal(r.status, SBX_OK);
	assert_true(r.has_score && r.score > 14);
	assert_true(r.ev.desc[0] == 5 && r.ev.desc[1] == 1);
	int found = 0;
	for (int i = 0; i < r.ev.nmetrics; i++)
		found |= !strcmp(r.ev.metrics[i].name, "max_rel_err") && r.ev.metrics[i].value < 1e-14;
	assert_true(found);

	/* Held-out split: other points, still a good score. */
	assert_int_equal(ext_eval(x, newton, strlen(newton), EV_HELDOUT, &r, err, sizeof err),
	                 EXT_ANSWERED);
	assert_int_equal(r.status, SBX_OK);
	assert_true(r.score > 14);

	const char *linear = in->seeds[1].source;
	assert_int_equal(ext_eval(x, linear, strlen(linear), EV_TRAIN, &r, err, sizeof err),
	                 EXT_ANSWERED);
	assert_int_equal(r.status, SBX_OK);
	assert_true(r.score < 2);

	/* A candidate that does not compile: the evaluator's status and message. */
	assert_int_equal(eval_str(x, "double f(double x) { return x +; }\n", &r, err, sizeof err),
	                 EXT_ANSWERED);
	assert_int_equal(r.status, SBX_COMPILE_ERROR);
	assert_false(r.has_score);
	expect_contains(r.message, "candidate.c");

	/* Calling sqrt is refused before compiling. */
	assert_int_equal(eval_str(x, "double sqrt(double);\ndouble f(double x) { return sqrt(x); }\n",
	                          &r, err, sizeof err), EXT_ANSWERED);
	assert_int_equal(r.status, SBX_REJECTED);
	ext_close(&x);
	assert_null(x);
	ext_close(&x); /* NULL is a no-op */
}

/* --- answers that break the protocol ----------------------------------- */

static void test_bad_answers(void **state)
{
	static const struct {
		const char *src;
		int failure;
		const char *part;
	} cases[] = {
		{ "MODE=badjson", EXT_FAIL_JSON, "printed invalid JSON on stdout at byte" },
		{ "MODE=nan", EXT_FAIL_JSON, "no NaN or Infinity" },
		{ "MODE=notobject", EXT_FAIL_JSON, "not an object" },
		{ "MODE=empty", EXT_FAIL_JSON, "printed nothing on stdout" },
		{ "MODE=noscore", EXT_FAIL_PROTOCOL, "\"ok\" without a \"score\"" },
		{ "MODE=nodesc", EXT_FAIL_PROTOCOL, "without descriptors.d" },
		{ "MODE=infscore", EXT_FAIL_PROTOCOL, "\"score\" that is not a finite number" },
		{ "MODE=scorestr", EXT_FAIL_PROTOCOL, "\"score\" that is not a finite number" },
		{ "MODE=badstatus", EXT_FAIL_PROTOCOL, "\"great\", which is not one of ok, rejected" },
		{ "MODE=unknowndesc", EXT_FAIL_PROTOCOL, "descriptors.zz, which is not a dim from info (d)" },
		{ "MODE=exit3", EXT_FAIL_EXIT, "exited with code 3: misbehave: something broke" },
		{ "MODE=segv", EXT_FAIL_SIGNAL, "was killed by SIGSEGV" },
		{ "no mode at all", EXT_FAIL_EXIT, "exited with code 2: misbehave: no MODE=" },
	};
	struct ext *x = open_ok(MIS, NULL);
	expect_good(x);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ext_result r;
		char err[EXT_MSG_MAX] = "";
		assert_int_equal(eval_str(x, cases[i].src, &r, err, sizeof err), EXT_FAILED);
		if (r.failure != cases[i].failure)
			print_error("%s: failure %s, expected %s\n", cases[i].src,
			            ext_failure_name(r.failure), ext_failure_name(cases[i].failure));
		assert_int_equal(r.failure, cases[i].failure);
		assert_string_equal(err, r.message);
		assert_true(!strncmp(err, LABEL " ", strlen(LABEL) + 1));
		expect_contains(err, cases[i].part);
		assert_null(strchr(err, '\n')); /* one line */
		assert_int_not_equal(r.status, SBX_OK);
		expect_good(x);
	}
	/* The closest candidate statuses for the engine's record. */
	struct ext_result r;
	char err[EXT_MSG_MAX];
	eval_str(x, "MODE=segv", &r, err, sizeof err);
	assert_int_equal(r.status, SBX_CRASH);
	assert_int_equal(r.signal, SIGSEGV);
	eval_str(x, "MODE=exit3", &r, err, sizeof err);
	assert_int_equal(r.exit_code, 3);
	/* A non-ok status from the evaluator is an answer, not a failure. */
	assert_int_equal(eval_str(x, "MODE=compile_error", &r, err, sizeof err), EXT_ANSWERED);
	assert_int_equal(r.status, SBX_COMPILE_ERROR);
	assert_string_equal(r.message, "line 1: expected ;");
	ext_close(&x);
}

/* --- hangs, floods, grandchildren --------------------------------------- */

static void test_timeout_kills_group(void **state)
{
	struct ext_limits lim;
	ext_limits_default(&lim);
	lim.wall_ms = 300;
	struct ext *x = open_ok(MIS, &lim);
	char pidfile[PATH_MAX], src[PATH_MAX + 64];
	snprintf(pidfile, sizeof pidfile, "%s/grandhang.pid", scratch);
	snprintf(src, sizeof src, "MODE=grandhang PIDFILE=%s END", pidfile);
	struct ext_result r;
	char err[EXT_MSG_MAX] = "";
	assert_int_equal(eval_str(x, src, &r, err, sizeof err), EXT_FAILED);
	assert_int_equal(r.failure, EXT_FAIL_TIMEOUT);
	assert_int_equal(r.status, SBX_TIMEOUT);
	expect_contains(err, LABEL " did not finish within 300 ms (killed)");
	pid_t pid = read_pid(pidfile);
	assert_true(pid > 0);
	assert_true(process_gone(pid));

	/* Plain hang, with its stderr line in the message. */
	assert_int_equal(eval_str(x, "MODE=hang", &r, err, sizeof err), EXT_FAILED);
	expect_contains(err, "(killed): misbehave: about to hang");
	expect_good(x);
	ext_close(&x);
}

static void test_grandchild_after_answer(void **state)
{
	struct ext *x = open_ok(MIS, NULL);
	char pidfile[PATH_MAX], src[PATH_MAX + 64];
	snprintf(pidfile, sizeof pidfile, "%s/grandok.pid", scratch);
	snprintf(src, sizeof src, "MODE=grandok PIDFILE=%s END", pidfile);
	struct ext_result r;
	char err[EXT_MSG_MAX] = "";
	/* The background sleep holds stdout open: the answer still counts. */
	assert_int_equal(eval_str(x, src, &r, err, sizeof err), EXT_ANSWERED);
	assert_int_equal(r.status, SBX_OK);
	assert_true(r.score == 2);
	pid_t pid = read_pid(pidfile);
	assert_true(pid > 0);
	assert_true(process_gone(pid));

	/* setsid(1) cannot take a process out of the group. */
	snprintf(pidfile, sizeof pidfile, "%s/escape.pid", scratch);
	snprintf(src, sizeof src, "MODE=escape PIDFILE=%s END", pidfile);
	assert_int_equal(eval_str(x, src, &r, err, sizeof err), EXT_ANSWERED);
	pid = read_pid(pidfile);
	assert_true(pid > 0);
	assert_true(process_gone(pid));
	expect_good(x);
	ext_close(&x);
}

static void test_rlimits(void **state)
{
	struct ext_limits lim;
	ext_limits_default(&lim);
	lim.cpu_s = 1;
	lim.wall_ms = 60000; /* the CPU limit must end it, not the deadline */
	struct ext *x = open_ok(MIS, &lim);
	struct ext_result r;
	char err[EXT_MSG_MAX] = "";
	assert_int_equal(eval_str(x, "MODE=spin", &r, err, sizeof err), EXT_FAILED);
	assert_int_equal(r.failure, EXT_FAIL_TIMEOUT);
	expect_contains(err, LABEL " exceeded its CPU time limit (SIGXCPU)");
	assert_int_equal(eval_str(x, "MODE=memhog", &r, err, sizeof err), EXT_FAILED);
	assert_int_equal(r.failure, EXT_FAIL_EXIT);
	expect_contains(err, "MemoryError");
	expect_good(x);
	ext_close(&x);
}

static void test_flood(void **state)
{
	struct ext *x = open_ok(MIS, NULL);
	struct ext_result r;
	char err[EXT_MSG_MAX] = "";
	assert_int_equal(eval_str(x, "MODE=flood", &r, err, sizeof err), EXT_FAILED);
	assert_int_equal(r.failure, EXT_FAIL_OUTPUT);
	expect_contains(err, LABEL " wrote more than 1 MiB to stdout (killed)");
	expect_good(x);
	ext_close(&x);
}

/* --- containment --------------------------------------------------------- */

static void test_private_tmpdir(void **state)
{
	struct ext *x = open_ok(MIS, NULL);
	struct ext_result r;
	char err[EXT_MSG_MAX] = "";
	assert_int_equal(eval_str(x, "MODE=tmpdir", &r, err, sizeof err), EXT_ANSWERED);
	assert_int_equal(r.status, SBX_OK);
	expect_contains(r.message, "/disco-ext.");
	struct stat st;
	assert_int_equal(stat(r.message, &st), -1); /* removed, unreadable subdir too */
	assert_int_equal(errno, ENOENT);
	ext_close(&x);
}

static void test_seccomp(void **state)
{
	struct ext *x = open_ok(MIS, NULL);
	struct ext_result r;
	char err[EXT_MSG_MAX] = "";
	assert_int_equal(eval_str(x, "MODE=unshare", &r, err, sizeof err), EXT_ANSWERED);
	assert_true(r.score == 0);
	ext_close(&x);
}

static void test_no_read_no_sigpipe(void **state)
{
	struct ext *x = open_ok("sh tests/external/noread.sh", NULL);
	size_t n = 4 << 20;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, 'a', n);
	struct ext_result r;
	char err[EXT_MSG_MAX] = "";
	assert_int_equal(ext_eval(x, big, n, EV_TRAIN, &r, err, sizeof err), EXT_ANSWERED);
	assert_int_equal(r.status, SBX_OK);
	free(big);
	sigset_t pending;
	sigpending(&pending);
	assert_false(sigismember(&pending, SIGPIPE));
	ext_close(&x);
}

static void test_bytes_not_utf8(void **state)
{
	struct ext *x = open_ok(MIS, NULL);
	struct ext_result r;
	char err[EXT_MSG_MAX] = "";
	const char src[] = "MODE=ok \xff\xfe\x01\"\\ \xed\xa0\x80 \xc3\xa9";
	assert_int_equal(ext_eval(x, src, sizeof src - 1, EV_TRAIN, &r, err, sizeof err),
	                 EXT_ANSWERED);
	assert_int_equal(r.status, SBX_OK);
	/* A NUL inside the source is sent as U+FFFD, not cut there. */
	const char nul[] = "x\0 MODE=ok";
	assert_int_equal(ext_eval(x, nul, sizeof nul - 1, EV_TRAIN, &r, err, sizeof err),
	                 EXT_ANSWERED);
	ext_close(&x);
}

/* --- info failures ------------------------------------------------------- */

static void expect_open_fails(const char *cmd, const struct ext_limits *lim, const char *part)
{
	char err[EXT_MSG_MAX] = "";
	struct ext *x = ext_open(cmd, lim, err, sizeof err);
	assert_null(x);
	char label[256];
	snprintf(label, sizeof label, "evaluator command '%s' failed the info request: ", cmd);
	expect_contains(err, label);
	expect_contains(err, part);
	assert_null(strchr(err, '\n'));
}

static void test_info_failures(void **state)
{
	struct ext_limits lim;
	ext_limits_default(&lim);
	lim.info_wall_ms = 300;
	expect_open_fails(MIS " badjson", NULL, "printed invalid JSON on stdout");
	expect_open_fails(MIS " noseeds", NULL, "no \"seeds\"");
	expect_open_fails(MIS " exit", NULL, "exited with code 4: misbehave: info is broken");
	expect_open_fails(MIS " hang", &lim, "did not finish within 300 ms");
	expect_open_fails("./no-such-evaluator --x", NULL, "exited with code 127");
	expect_open_fails("./no-such-evaluator --x", NULL, "not found");

	char err[EXT_MSG_MAX] = "";
	assert_null(ext_open("  ", NULL, err, sizeof err));
	expect_contains(err, "empty");
	/* And a good one still opens afterwards. */
	struct ext *x = open_ok(MIS, NULL);
	expect_good(x);
	ext_close(&x);
}

/* --- persistent commands and jobs in flight ------------------------------ */

#define PERSIST "sh tests/external/persist.sh"

/* "pid P n N" from a persistent ok answer. */
static void pid_n(const struct ext_result *r, int *pid, int *n)
{
	*pid = *n = 0;
	assert_int_equal(sscanf(r->message, "pid %d n %d", pid, n), 2);
}

static void test_persistent(void **state)
{
	struct ext_limits lim;
	ext_limits_default(&lim);
	lim.wall_ms = 400;
	struct ext *x = open_ok(PERSIST, &lim);
	assert_true(ext_info(x)->persistent);
	struct ext_result r;
	char err[EXT_MSG_MAX] = "";
	int pid0, n, pid;
	/* One process serves request after request. */
	assert_int_equal(eval_str(x, "MODE=ok", &r, err, sizeof err), EXT_ANSWERED);
	pid_n(&r, &pid0, &n);
	assert_int_equal(n, 1);
	assert_int_equal(eval_str(x, "MODE=ok", &r, err, sizeof err), EXT_ANSWERED);
	pid_n(&r, &pid, &n);
	assert_int_equal(pid, pid0);
	assert_int_equal(n, 2);
	/* Each way of misbehaving fails that request only, and the process is
	 * replaced by a fresh one. */
	static const struct {
		const char *src;
		int failure;
		const char *part;
	} cases[] = {
		{ "MODE=die", EXT_FAIL_EXIT, "exited with code 3: persist: dying on request" },
		{ "MODE=garble", EXT_FAIL_JSON, "printed invalid JSON on stdout" },
		{ "MODE=noid", EXT_FAIL_PROTOCOL, "without its \"id\" (a persistent evaluator echoes" },
		{ "MODE=hang", EXT_FAIL_TIMEOUT, "did not finish within 400 ms (killed): persist: about to hang" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(eval_str(x, cases[i].src, &r, err, sizeof err), EXT_FAILED);
		if (r.failure != cases[i].failure)
			print_error("%s: failure %s, expected %s (%s)\n", cases[i].src,
			            ext_failure_name(r.failure), ext_failure_name(cases[i].failure), err);
		assert_int_equal(r.failure, cases[i].failure);
		assert_true(!strncmp(err, "evaluator command '" PERSIST "' ", strlen(PERSIST) + 21));
		expect_contains(err, cases[i].part);
		assert_true(process_gone(pid0));
		assert_int_equal(eval_str(x, "MODE=ok", &r, err, sizeof err), EXT_ANSWERED);
		pid_n(&r, &pid, &n);
		assert_int_not_equal(pid, pid0);
		assert_int_equal(n, 1); /* a new process */
		pid0 = pid;
	}
	/* A second answer to one request is never taken for the next one's:
	 * it is dropped, and the process replaced after that request. */
	assert_int_equal(eval_str(x, "MODE=twolines", &r, err, sizeof err), EXT_ANSWERED);
	assert_true(r.score == 1);
	int fresh = 0;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(eval_str(x, "MODE=ok", &r, err, sizeof err), EXT_ANSWERED);
		assert_true(r.score == 1);
		pid_n(&r, &pid, &n);
		fresh += n == 1;
	}
	assert_int_equal(fresh, 1);
	ext_close(&x);
	assert_true(process_gone(pid)); /* closing stops it */
}

/* Run jobs to their end together with one poll loop, as the engine does. */
static void run_jobs(struct ext_job **jobs, int n)
{
	for (;;) {
		struct pollfd pf[16 * SBX_PROC_NFD];
		int k = 0, left = 0;
		for (int i = 0; i < n; i++) {
			if (ext_job_step(jobs[i]))
				continue;
			left++;
			struct sbx_fd f[SBX_PROC_NFD];
			int m = ext_job_fds(jobs[i], f);
			for (int j = 0; j < m; j++)
				if (f[j].mask)
					pf[k++] = (struct pollfd){ f[j].fd, (short)((f[j].mask & SBX_FD_READ ? POLLIN : 0) |
					                                           (f[j].mask & SBX_FD_WRITE ? POLLOUT : 0)), 0 };
		}
		if (!left)
			return;
		poll(pf, (nfds_t)k, 20);
	}
}

static void test_jobs_in_flight(void **state)
{
	/* Two persistent jobs at once run in two processes. */
	struct ext *x = open_ok(PERSIST, NULL);
	struct ext_job *j[4];
	char err[EXT_MSG_MAX] = "";
	for (int i = 0; i < 2; i++)
		assert_int_equal(ext_job_start(x, "MODE=ok", 7, EV_TRAIN, &j[i], err, sizeof err), 0);
	run_jobs(j, 2);
	int pid[2], n;
	for (int i = 0; i < 2; i++) {
		struct ext_result r;
		assert_int_equal(ext_job_finish(&j[i], &r, err, sizeof err), EXT_ANSWERED);
		assert_null(j[i]);
		pid_n(&r, &pid[i], &n);
	}
	assert_int_not_equal(pid[0], pid[1]);
	/* Both go back to the pool: the next two requests reuse them. */
	for (int i = 0; i < 2; i++)
		assert_int_equal(ext_job_start(x, "MODE=ok", 7, EV_TRAIN, &j[i], err, sizeof err), 0);
	run_jobs(j, 2);
	for (int i = 0; i < 2; i++) {
		struct ext_result r;
		int p;
		assert_int_equal(ext_job_finish(&j[i], &r, err, sizeof err), EXT_ANSWERED);
		pid_n(&r, &p, &n);
		assert_true(p == pid[0] || p == pid[1]);
		assert_int_equal(n, 2);
	}
	/* A cancelled job's process is killed and not reused. */
	assert_int_equal(ext_job_start(x, "MODE=hang", 9, EV_TRAIN, &j[0], err, sizeof err), 0);
	ext_job_cancel(&j[0]);
	assert_null(j[0]);
	ext_close(&x);
	assert_true(process_gone(pid[0]) && process_gone(pid[1]));

	/* One process per request: four at once, each answered. */
	x = open_ok(MIS, NULL);
	const char *src[4] = { "MODE=ok", "MODE=exit3", "MODE=ok", "MODE=badjson" };
	for (int i = 0; i < 4; i++)
		assert_int_equal(ext_job_start(x, src[i], strlen(src[i]), EV_TRAIN, &j[i], err, sizeof err), 0);
	run_jobs(j, 4);
	for (int i = 0; i < 4; i++) {
		struct ext_result r;
		int rc = ext_job_finish(&j[i], &r, err, sizeof err);
		assert_int_equal(rc, i % 2 ? EXT_FAILED : EXT_ANSWERED);
		if (i % 2 == 0)
			assert_true(r.score == 1.5);
	}
	assert_int_equal(eval_str(x, "MODE=exit3", &(struct ext_result){ 0 }, err, sizeof err), EXT_FAILED);
	expect_contains(err, "exited with code 3");
	ext_close(&x);
}

/* Only what an evaluator needs of the engine's environment reaches it. */
static void test_clean_environment(void **state)
{
	setenv("DISCO_TEST_CANARY", "canary-7f3a9", 1);
	setenv("DISCO_EVAL_WANTED", "passed-through", 1);
	struct ext *x = open_ok(MIS, NULL);
	struct ext_result r;
	char err[EXT_MSG_MAX] = "";
	assert_int_equal(eval_str(x, "MODE=env", &r, err, sizeof err), EXT_ANSWERED);
	assert_null(strstr(r.message, "canary-7f3a9"));
	expect_contains(r.message, "DISCO_EVAL_WANTED=passed-through");
	expect_contains(r.message, "PATH=");
	expect_contains(r.message, "TMPDIR=");
	ext_close(&x);
	unsetenv("DISCO_TEST_CANARY");
	unsetenv("DISCO_EVAL_WANTED");
}

/* Phase times: the answer's own, bounded by what disco measured. */
static void test_times(void **state)
{
	struct ext *x = open_ok(MIS, NULL);
	struct ext_result r;
	char err[EXT_MSG_MAX] = "";
	assert_int_equal(eval_str(x, "MODE=ok", &r, err, sizeof err), EXT_ANSWERED);
	assert_true(r.t_run_ms == r.wall_ms && r.t_compile_ms == 0 && r.t_score_ms == 0);
	assert_int_equal(eval_str(x, "MODE=times", &r, err, sizeof err), EXT_ANSWERED);
	assert_true(r.t_compile_ms == 0.5 && r.t_score_ms >= 0);
	assert_true(r.t_compile_ms + r.t_run_ms + r.t_score_ms <= r.wall_ms + 1e-9);
	assert_int_equal(eval_str(x, "MODE=badtimes", &r, err, sizeof err), EXT_FAILED);
	expect_contains(err, "times.run_ms that is not a finite number >= 0");
	ext_close(&x);
}

/* Find the repository root: the cwd, or two levels above build/tests/. */
static int find_root(const char *argv0)
{
	if (access("tests/external/misbehave.sh", R_OK) == 0)
		return 0;
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s", argv0);
	char *slash = strrchr(path, '/');
	if (!slash)
		return -1;
	snprintf(slash, sizeof path - (size_t)(slash - path), "/../..");
	if (chdir(path) != 0)
		return -1;
	return access("tests/external/misbehave.sh", R_OK);
}

int main(int argc, char **argv)
{
	if (find_root(argv[0]) != 0) {
		fprintf(stderr, "test_external: run from the repository root\n");
		return 1;
	}
	if (access("/usr/bin/python3", X_OK) == 0)
		snprintf(python, sizeof python, "/usr/bin/python3");
	snprintf(scratch, sizeof scratch, "%s/disco-test-ext.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(scratch)) {
		perror("mkdtemp");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_bad_answers),
		cmocka_unit_test(test_timeout_kills_group),
		cmocka_unit_test(test_grandchild_after_answer),
		cmocka_unit_test(test_rlimits),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_private_tmpdir),
		cmocka_unit_test(test_seccomp),
		cmocka_unit_test(test_no_read_no_sigpipe),
		cmocka_unit_test(test_bytes_not_utf8),
		cmocka_unit_test(test_info_failures),
		cmocka_unit_test(test_persistent),
		cmocka_unit_test(test_jobs_in_flight),
		cmocka_unit_test(test_clean_environment),
		cmocka_unit_test(test_times),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof cmd, "rm -rf %s", scratch);
	if (system(cmd) != 0)
		rc = rc ? rc : 1;
	return rc;
}
