/* Unit tests for sandbox/: prescan, compilation, the forked runner and
 * the classification of every way a candidate can end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/sbx.h"

/* Task bits of every stage of ev. */
static unsigned pl_tasks_all(const struct ev_evaluator *ev)
{
	unsigned t = 0;
	for (int k = 0; k < ev->nstages; k++)
		t |= SBX_TASK_STAGE(k);
	return t;
}

static long run_f(const struct ev_evaluator *ev, void *const *entry, int task, int split,
                  double *out, size_t cap, char *err, size_t errlen)
{
	double (*f)(double) = (double (*)(double))entry[0];
	int n = task == EV_TASK_PROBE ? 3 : 10;
	if ((size_t)n > cap)
		return -1;
	for (int i = 0; i < n; i++)
		out[i] = f(i);
	return n;
}

static const char *const headers[] = { "math.h", NULL };
static const char *const entries[] = { "f", NULL };
static const struct ev_symbol symbols[] = { { "sqrt", NULL }, { "fabs", NULL }, { NULL, NULL } };
static const struct ev_evaluator tev = {
	.version = EV_API_VERSION,
	.name = "test",
	.prelude = "double sqrt(double); double fabs(double);\n",
	.headers = headers,
	.entries = entries,
	.symbols = symbols,
	.nstages = 1,
	.max_outputs = 10,
	.run = run_f,
	.allow_asm = 1, /* these tests aim raw syscalls at the seccomp filter */
};

static struct sbx *sb;

static struct sbx_result *eval(const char *src, unsigned wall_ms)
{
	static struct sbx_result res;
	struct sbx_limits lim;
	sbx_limits_default(&lim);
	lim.wall_ms = wall_ms;
	sbx_set_limits(sb, &lim);
	char *clean = NULL, msg[256];
	memset(&res, 0, sizeof res);
	if (sbx_prescan(src, strlen(src), &tev, lim.max_source, &clean, msg, sizeof msg)) {
		res.status = SBX_REJECTED;
		snprintf(res.message, sizeof res.message, "%s", msg);
		return &res;
	}
	struct sbx_job job = { .ev = &tev, .source = clean, .tasks = SBX_TASK_PROBE | SBX_TASK_STAGE(0), .split = EV_TRAIN };
	char err[256];
	assert_int_equal(sbx_run(sb, &job, &res, err, sizeof err), 0);
	free(clean);
	return &res;
}

static void test_ok(void **st)
{
	struct sbx_result *r = eval("#include <math.h>\ndouble f(double x) { return sqrt(x) * 2; }\n", 2000);
	assert_string_equal(sbx_status_name(r->status), "ok");
	assert_int_equal(r->nout[0], 3);
	assert_int_equal(r->nout[1], 10);
	assert_true(fabs(r->out[1][4] - 4.0) < 1e-12);
	assert_true(fabs(r->out[0][1] - 2.0) < 1e-12);
}

static void test_unsigned_conversions(void **st)
{
	/* tcc calls __fixunsdfdi/__floatundidf for these: offered despite -nostdlib. */
	struct sbx_result *r = eval("double f(double x) { unsigned long u = (unsigned long)(x * 4.0); return (double)u; }\n", 2000);
	assert_int_equal(r->status, SBX_OK);
	assert_true(fabs(r->out[1][3] - 12.0) < 1e-12);
}

static void test_compile_error_line(void **st)
{
	struct sbx_result *r = eval("double f(double x) {\n  double y = x;\n  return z;\n}\n", 2000);
	assert_int_equal(r->status, SBX_COMPILE_ERROR);
	if (!strstr(r->message, "3: error"))
		fail_msg("message: %s", r->message);
}

static void test_not_whitelisted(void **st)
{
	struct sbx_result *r = eval("int system(const char *);\ndouble f(double x) { system(\"touch /tmp/disco-unit-x\"); return x; }\n", 2000);  /* hostile target */
	assert_int_equal(r->status, SBX_COMPILE_ERROR);
	assert_non_null(strstr(r->message, "system"));
	assert_int_not_equal(access("/tmp/disco-unit-x", F_OK), 0); /* hostile target */
}

static void test_implicit(void **st)
{
	struct sbx_result *r = eval("double f(double x) { return cos(x); }\n", 2000);
	assert_int_equal(r->status, SBX_COMPILE_ERROR);
	assert_non_null(strstr(r->message, "implicit"));
	assert_null(strstr(r->message, "warning")); /* an error, and said so */
	assert_non_null(strstr(r->message, "error: implicit declaration"));
}

static void test_missing_entry(void **st)
{
	struct sbx_result *r = eval("double g(double x) { return x; }\n", 2000);
	assert_int_equal(r->status, SBX_COMPILE_ERROR);
	assert_non_null(strstr(r->message, "'f'"));
}

static void test_timeout(void **st)
{
	struct sbx_result *r = eval("double f(double x) { for (;;) ; return x; }\n", 300);
	assert_int_equal(r->status, SBX_TIMEOUT);
}

/* A job of nprog programs (a batch) gets nprog programs' time: the
 * deadline is the limit times nprog (a lower bound: load only delays). */
static void test_batch_deadline(void **st)
{
	static struct sbx_result r;
	struct sbx_limits lim;
	sbx_limits_default(&lim);
	lim.wall_ms = 150;
	sbx_set_limits(sb, &lim);
	struct sbx_job job = { .ev = &tev, .source = "double f(double x) { for (;;) ; return x; }\n",
	                       .tasks = SBX_TASK_STAGE(0), .split = EV_TRAIN, .nprog = 6 };
	char err[256];
	assert_int_equal(sbx_run(sb, &job, &r, err, sizeof err), 0);
	assert_int_equal(r.status, SBX_TIMEOUT);
	assert_true(r.t_wall_ms >= 6 * 150 - 20);
	job.nprog = 1;
	assert_int_equal(sbx_run(sb, &job, &r, err, sizeof err), 0);
	assert_int_equal(r.status, SBX_TIMEOUT);
	assert_true(r.t_wall_ms >= 150 - 20);
	sbx_limits_default(&lim);
	sbx_set_limits(sb, &lim);
}

static void test_null_write(void **st)
{
	struct sbx_result *r = eval("double f(double x) { *(volatile int *)0 = 1; return x; }\n", 2000);
	assert_int_equal(r->status, SBX_CRASH);
	assert_int_equal(r->signal, SIGSEGV);
}

static void test_divzero(void **st)
{
	struct sbx_result *r = eval("double f(double x) { volatile int a = 1, b = 0; return a / b; }\n", 2000);
	assert_int_equal(r->status, SBX_CRASH);
	assert_int_equal(r->signal, SIGFPE);
}

static void test_recursion(void **st)
{
#ifdef __SANITIZE_ADDRESS__
	skip(); /* ASan's own stack-overflow handler runs first; the plain build covers this */
#endif
	struct sbx_result *r = eval("double f(double x) { volatile char pad[256]; pad[0] = 1; return f(x + pad[0]) + 1; }\n", 5000);
	assert_int_equal(r->status, SBX_MEMORY);
}

static void test_raw_syscall(void **st)
{
	struct sbx_result *r = eval("double f(double x) { long r; __asm__ volatile(\"syscall\" : \"=a\"(r) : \"a\"(39L) : \"rcx\", \"r11\", \"memory\"); return x + r; }\n", 2000);
	assert_int_equal(r->status, SBX_SYSCALL);
}

static void test_int80(void **st)
{
	struct sbx_result *r = eval("double f(double x) { long r; __asm__ volatile(\"int $0x80\" : \"=a\"(r) : \"a\"(20L) : \"memory\"); return x + r; }\n", 2000);
	assert_int_equal(r->status, SBX_SYSCALL);
}

static void test_huge_static(void **st)
{
	struct sbx_result *r = eval("static double big[1 << 27];\ndouble f(double x) { big[(long)x] = 1; return x; }\n", 2000);
	if (r->status != SBX_MEMORY)
		fail_msg("status %s: %s", sbx_status_name(r->status), r->message);
}

static void test_exit_early(void **st)
{
	struct sbx_result *r = eval("double f(double x) { long r; __asm__ volatile(\"syscall\" : \"=a\"(r) : \"a\"(231L), \"D\"(0L) : \"rcx\", \"r11\", \"memory\"); return x; }\n", 2000);
	assert_int_equal(r->status, SBX_INVALID_OUTPUT);
}

static void test_prescan(void **st)
{
	static const struct { const char *src; int ok; } cases[] = {
		{ "#include <math.h>\ndouble f(double x){return x;}", 1 },
		{ "  #  include \"math.h\" // fine\ndouble f(double x){return x;}", 1 },
		{ "#include \"/etc/passwd\"\n", 0 },
		{ "#include <stdio.h>\n", 0 },
		{ "#define P \"/etc/passwd\"\n#include P\n", 0 },
		{ "#\\\ninclude \"/etc/passwd\"\n", 0 },
		{ "#inc\\\nlude </etc/passwd>\n", 0 },
		{ "/* x */ # /* y */ include </etc/shadow>\n", 0 },
		{ "%:include </etc/passwd>\n", 0 },
		{ "_Pragma(\"comment(lib, \\\"c\\\")\")\n", 0 },
		{ "#pragma comment(lib, \"c\")\n", 0 },
		{ "// #include </etc/passwd>\ndouble f(double x){return x;}", 1 },
		{ "/* \n#include </etc/passwd>\n*/ double f(double x){return x;}", 1 },
		{ "const char *s = \"#include <x>\";", 1 },
		{ "#include <math.h> extra\n", 0 },
		{ "const char *s = \"unterminated;\n#include </etc/passwd>\n", 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *clean = NULL, msg[256] = "";
		int rc = sbx_prescan(cases[i].src, strlen(cases[i].src), &tev, 65536, &clean, msg, sizeof msg);
		if ((rc == 0) != cases[i].ok)
			fail_msg("case %zu (%s): rc %d msg %s", i, cases[i].src, rc, msg);
		if (rc == 0) {
			if (i < 2 && strstr(clean, "include")) /* the allowed includes are blanked */
				fail_msg("case %zu: include not blanked: %s", i, clean);
			assert_int_equal(strlen(clean), strlen(cases[i].src));
			free(clean);
		} else {
			assert_non_null(strstr(msg, "line"));
		}
	}
	char big[100], *clean = NULL, msg[256];
	memset(big, 'a', sizeof big);
	assert_int_equal(sbx_prescan(big, sizeof big, &tev, 50, &clean, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "limit"));
	assert_int_equal(sbx_prescan("ab\0cd", 5, &tev, 50, &clean, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "NUL"));
}

static void test_parallel(void **st)
{
	char err[256];
	struct sbx_limits lim;
	sbx_limits_default(&lim);
	sbx_set_limits(sb, &lim);
	struct sbx *p = sbx_open(4, &lim, err, sizeof err);
	assert_non_null(p);
	char src[4][128];
	int seen[4] = { 0 };
	for (int i = 0; i < 4; i++) {
		snprintf(src[i], sizeof src[i], "double f(double x) { return x * %d; }\n", i + 1);
		struct sbx_job job = { .ev = &tev, .source = src[i], .tasks = SBX_TASK_STAGE(0), .split = EV_TRAIN };
		assert_int_equal(sbx_submit(p, i, &job, err, sizeof err), 0);
	}
	for (int got = 0; got < 4;) {
		int slot;
		struct sbx_result r;
		int rc = sbx_collect(p, &slot, &r, err, sizeof err);
		assert_true(rc >= 0);
		if (!rc) { usleep(1000); continue; }
		assert_int_equal(r.status, SBX_OK);
		assert_true(fabs(r.out[1][3] - 3.0 * (slot + 1)) < 1e-12);
		seen[slot]++;
		got++;
	}
	for (int i = 0; i < 4; i++)
		assert_int_equal(seen[i], 1);
	sbx_close(&p);
	assert_null(p);
}

/* --- jobs the engine marks as its own renderings of IR ------------------- */

/* sbx_job.rendered lets the child skip tcc -E for plain text: the scan
 * still runs (on the text as written), and text that is not plain (a
 * directive, a reserved identifier) is preprocessed as usual. */
static struct ev_evaluator tev_scan; /* tev without allow_asm, set in main() before sbx_open() */

static struct sbx_result *eval_rendered(const char *src)
{
	static struct sbx_result res;
	struct sbx_limits lim;
	sbx_limits_default(&lim);
	sbx_set_limits(sb, &lim);
	memset(&res, 0, sizeof res);
	struct sbx_job job = { .ev = &tev_scan, .source = src, .tasks = SBX_TASK_PROBE | SBX_TASK_STAGE(0),
	                       .split = EV_TRAIN, .rendered = 1 };
	char err[256];
	assert_int_equal(sbx_run(sb, &job, &res, err, sizeof err), 0);
	return &res;
}

static void test_rendered(void **st)
{
	(void)st;
	struct sbx_result *r = eval_rendered("double f(double x)\n{\n\treturn (x * 2.0) + 1.0;\n}\n");
	assert_int_equal(r->status, SBX_OK);
	assert_true(fabs(r->out[1][3] - 7.0) < 1e-12);
	/* the text as compiled is the source as submitted: no copy back */
	assert_null(r->pp);
	/* plain text is still scanned */
	r = eval_rendered("double f(double x) { asm(\"nop\"); return x; }\n");
	assert_int_equal(r->status, SBX_REJECTED);
	assert_non_null(strstr(r->message, "assembly"));
	/* not plain: preprocessed first, so a macro cannot hide a token */
	r = eval_rendered("#define A asm\ndouble f(double x) { A(\"nop\"); return x; }\n");
	assert_int_equal(r->status, SBX_REJECTED);
	assert_non_null(strstr(r->message, "assembly"));
	r = eval_rendered("double f(double x) { __asm__(\"nop\"); return x; }\n");
	assert_int_equal(r->status, SBX_REJECTED);
	/* a predefined macro expands as the compiler sees it */
	r = eval_rendered("double f(double x) { return x + __LINE__; }\n");
	assert_int_equal(r->status, SBX_OK);
	assert_null(strstr(r->pp, "__LINE__"));
}

/* --- the engine never trusts what the child could have written ---------- */

/* An evaluator whose run() hands the candidate its output array: the
 * candidate then knows an address where its outputs go.  With the old
 * design that was inside the shared slot, next to the job's parameters,
 * the completion nonce and the last job's outputs. */
static long run_ptr(const struct ev_evaluator *ev, void *const *entry, int task, int split,
                    double *out, size_t cap, char *err, size_t errlen)
{
	double (*f)(double, double *) = (double (*)(double, double *))entry[0];
	int n = task == EV_TASK_PROBE ? 3 : 10;
	if ((size_t)n > cap)
		return -1;
	for (int i = 0; i < n; i++)
		out[i] = f(i, out);
	return n;
}

static const struct ev_evaluator tev_ptr = {
	.version = EV_API_VERSION, .name = "test-ptr", .prelude = "", .headers = headers,
	.entries = entries, .symbols = symbols, .nstages = 1, .max_outputs = 10, .run = run_ptr,
	.allow_asm = 1, /* the hostile candidates below issue raw system calls */
};

static void run_raw(const struct ev_evaluator *ev, const char *src, struct sbx_result *res)
{
	struct sbx_limits lim;
	sbx_limits_default(&lim);
	sbx_set_limits(sb, &lim);
	struct sbx_job job = { .ev = ev, .source = src, .tasks = SBX_TASK_PROBE | SBX_TASK_STAGE(0),
	                       .split = EV_TRAIN };
	char err[256];
	assert_int_equal(sbx_run(sb, &job, res, err, sizeof err), 0);
}

#define EXIT0 "long r; __asm__ volatile(\"syscall\" : \"=a\"(r) : \"a\"(231L), \"D\"(0L) : \"rcx\", \"r11\", \"memory\");"

static void test_claim_previous_outputs(void **st)
{
	static struct sbx_result a, b;
	/* An honest job fills the slot's outputs with 7s. */
	run_raw(&tev_ptr, "double f(double x, double *o) { return 7; }\n", &a);
	assert_int_equal(a.status, SBX_OK);
	assert_true(a.out[1][9] == 7);
	/* The next candidate looks backwards from its output pointer for the
	 * slot's header (the memory and stack limits, 256 MiB and 8 MiB, as the
	 * old layout had them), copies the nonce to the done flag, claims the
	 * last job's counts (3 and 10) and ends at once. */
	run_raw(&tev_ptr,
	        "typedef unsigned long u64;\n"
	        "double f(double x, double *o) {\n"
	        "  u64 *w = (u64 *)o;\n"
	        "  for (int i = 8; i < 8192; i++) { u64 *s = w - i;\n"
	        "    if (s[6] == (256ul << 20) && s[7] == (8ul << 20)) {\n"
	        "      unsigned *nout = (unsigned *)(s + 9); nout[0] = 3; nout[1] = 10;\n"
	        "      s[14] = s[5]; break; } }\n"
	        "  " EXIT0 "\n  return x; }\n", &b);
	/* Nothing of the last job passes for this one's: its outputs are not
	 * where the candidate looks (a fault while looking is a crash). */
	if (b.status != SBX_INVALID_OUTPUT && b.status != SBX_CRASH)
		fail_msg("status %s: %s", sbx_status_name(b.status), b.message);
	for (int t = 0; t < SBX_NTASK; t++)
		assert_null(b.out[t]);
}

static void test_forged_report(void **st)
{
	static struct sbx_result r;
	/* Garbage on the result pipe, then the runner's own report: one
	 * stream that is not one report. */
	run_raw(&tev, "double f(double x) { static int once; if (!once) { once = 1; long r;\n"
	        "  __asm__ volatile(\"syscall\" : \"=a\"(r) : \"a\"(1L), \"D\"(3L), \"S\"(\"garbage-report-bytes-garbage-report\"), \"d\"(32L) : \"rcx\", \"r11\", \"memory\"); }\n"
	        "  return x; }\n", &r);
	assert_int_equal(r.status, SBX_INVALID_OUTPUT);
	assert_non_null(strstr(r.message, "malformed report"));
	/* Only its own result pipe: any other fd is a blocked system call. */
	run_raw(&tev, "double f(double x) { long r;\n"
	        "  __asm__ volatile(\"syscall\" : \"=a\"(r) : \"a\"(1L), \"D\"(2L), \"S\"(\"x\"), \"d\"(1L) : \"rcx\", \"r11\", \"memory\");\n"
	        "  return x; }\n", &r);
	assert_int_equal(r.status, SBX_SYSCALL);
	/* A good job afterwards is unaffected. */
	run_raw(&tev, "double f(double x) { return x + 1; }\n", &r);
	assert_int_equal(r.status, SBX_OK);
	assert_true(r.out[1][2] == 3);
}

/* The candidate cannot find the slot from its stack: it is not mapped
 * while the candidate runs.  (The old design: found, task bits zeroed, an
 * "ok" result without a score.) */
static void test_slot_not_mapped(void **st)
{
	static struct sbx_result r;
	run_raw(&tev,
	        "typedef unsigned long u64;\n"
	        "double f(double x) { u64 *sp = (u64 *)&x;\n"
	        "  for (int i = 0; i < 4096; i++) { u64 v = sp[i];\n"
	        "    if (v < 0x500000000000ul || v > 0x7ffffffff000ul || (v & 7)) continue;\n"
	        "    u64 *s = (u64 *)v;\n"
	        "    if (s[6] == (256ul << 20) && s[7] == (8ul << 20)) { ((unsigned *)(s + 1))[0] = 0; return -1; } }\n"
	        "  return x; }\n", &r);
	if (r.status == SBX_OK) {
		/* Nothing found: its own outputs, all of them. */
		assert_int_equal(r.nout[0], 3);
		assert_int_equal(r.nout[1], 10);
		for (int i = 0; i < 10; i++)
			assert_true(r.out[1][i] == i);
	} else {
		assert_int_equal(r.status, SBX_CRASH); /* a stale pointer to the slot faults */
	}
}

/* --- the out window of rendered jobs ----------------------------------------
 * A rendered job's run() writes straight into the slot's out pages (the
 * only part of the slot the child keeps).  From there nothing else of the
 * slot is reachable, and a job killed while writing leaves nothing that
 * a later job could pass off as its own. */

/* Claims ten values and writes only the first: what the others read is
 * whatever the slot held. */
static long run_lazy(const struct ev_evaluator *ev, void *const *entry, int task, int split,
                     double *out, size_t cap, char *err, size_t errlen)
{
	double (*f)(double, double *) = (double (*)(double, double *))entry[0];
	if (cap < 10)
		return -1;
	out[0] = f(0, out);
	return 10;
}

static const struct ev_evaluator tev_lazy = {
	.version = EV_API_VERSION, .name = "test-lazy", .prelude = "", .headers = headers,
	.entries = entries, .symbols = symbols, .nstages = 1, .max_outputs = 10, .run = run_lazy,
	.allow_asm = 1,
};

static void run_rendered(const struct ev_evaluator *ev, const char *src, unsigned wall_ms,
                         struct sbx_result *res)
{
	struct sbx_limits lim;
	sbx_limits_default(&lim);
	lim.wall_ms = wall_ms;
	sbx_set_limits(sb, &lim);
	struct sbx_job job = { .ev = ev, .source = src, .tasks = SBX_TASK_STAGE(0), .split = EV_TRAIN,
	                       .rendered = 1 };
	char err[256];
	assert_int_equal(sbx_run(sb, &job, res, err, sizeof err), 0);
}

#define STR(x) #x
#define XSTR(x) STR(x)

static void test_rendered_window(void **st)
{
	static struct sbx_result r;
	/* Outputs written in place come back like any others. */
	run_rendered(&tev_ptr, "double f(double x, double *o) { return x * 3.0; }\n", 2000, &r);
	assert_int_equal(r.status, SBX_OK);
	assert_int_equal(r.nout[1], 10);
	for (int i = 0; i < 10; i++)
		assert_true(r.out[1][i] == 3.0 * i);
	/* From the window, the slot's header is not mapped: looking for it
	 * (backwards from the outputs, as test_claim_previous_outputs does)
	 * faults, and nothing of an earlier job is claimed. */
	run_rendered(&tev_ptr,
	             "typedef unsigned long u64;\n"
	             "double f(double x, double *o) {\n"
	             "  u64 *w = (u64 *)o;\n"
	             "  for (int i = 1; i < 65536; i++) { u64 *s = w - i;\n"
	             "    if (s[6] == (256ul << 20) && s[7] == (8ul << 20)) return -1; }\n"
	             "  return x; }\n", 2000, &r);
	assert_int_equal(r.status, SBX_CRASH);
	for (int t = 0; t < SBX_NTASK; t++)
		assert_null(r.out[t]);
	/* Nor after it: the source and the preprocessed text follow. */
	run_rendered(&tev_ptr,
	             "double f(double x, double *o) { char *c = (char *)o + 8 * " XSTR(SBX_OUT_CAP) " + 64;\n"
	             "  return c[0] + x; }\n", 2000, &r);
	assert_int_equal(r.status, SBX_CRASH);
	/* A job killed after filling its window with 99s: a later job that
	 * claims values it never wrote reads zeros, not the 99s. */
	run_rendered(&tev_ptr,
	             "double f(double x, double *o) { for (int i = 0; i < 4096; i++) o[i] = 99;\n"
	             "  for (;;) x = x + 1.0; return x; }\n", 300, &r);
	assert_int_equal(r.status, SBX_TIMEOUT);
	run_rendered(&tev_lazy, "double f(double x, double *o) { return 5; }\n", 2000, &r);
	assert_int_equal(r.status, SBX_OK);
	assert_int_equal(r.nout[1], 10);
	assert_true(r.out[1][0] == 5);
	for (int i = 1; i < 10; i++)
		assert_true(r.out[1][i] == 0);
	/* And one through the result pipe afterwards is unaffected. */
	run_raw(&tev, "double f(double x) { return x + 1; }\n", &r);
	assert_int_equal(r.status, SBX_OK);
	assert_true(r.out[1][9] == 10);
}

/* --- the candidate in a process of its own (ev_remote) -------------------- */

/* run() computes a secret after the job started and sends its address to
 * the candidate, which reads through it: with serve() the candidate's
 * process was forked before, so it reads what was there then (0). */
static double secret;

static void serve_f(const struct ev_evaluator *ev, void *const *entry, void *buf, size_t len)
{
	double (*f)(const double *) = (double (*)(const double *))entry[0];
	double **p = buf;
	((double *)buf)[1] = f(p[0]);
}

static long run_remote(const struct ev_evaluator *ev, void *const *entry, int task, int split,
                       double *out, size_t cap, char *err, size_t errlen)
{
	secret = 42.5; /* "the workload": made by run(), never before */
	int n = task == EV_TASK_PROBE ? 3 : 10;
	struct ev_remote *rm = ev_remote();
	for (int i = 0; i < n; i++) {
		if (rm) {
			((const double **)rm->buf)[0] = &secret;
			if (rm->call(rm)) {
				snprintf(err, errlen, "the candidate's process ended");
				return -1;
			}
			out[i] = ((double *)rm->buf)[1];
		} else {
			out[i] = ((double (*)(const double *))entry[0])(&secret);
		}
	}
	return n;
}

static const char *const rm_headers[] = { NULL };
static struct ev_evaluator tev_remote = {
	.version = EV_API_VERSION, .name = "test-remote", .prelude = "", .headers = rm_headers,
	.entries = entries, .symbols = symbols, .nstages = 1, .max_outputs = 10, .run = run_remote,
	.allow_asm = 1, .serve = serve_f,
};
static struct ev_evaluator tev_local; /* the same without serve(), set before sbx_open() */

static void test_remote_secret(void **st)
{
	static struct sbx_result r;
	const char *reader = "double f(const double *p) { return *p; }\n";
	run_raw(&tev_local, reader, &r);
	assert_int_equal(r.status, SBX_OK);
	assert_true(r.out[1][0] == 42.5); /* one process: the secret is readable */
	run_raw(&tev_remote, reader, &r);
	if (r.status != SBX_OK)
		fail_msg("status %s: %s", sbx_status_name(r.status), r.message);
	assert_int_equal(r.nout[1], 10);
	for (int i = 0; i < 10; i++)
		assert_true(r.out[1][i] == 0); /* its own process: never there */
	assert_true(r.t_compile_ms > 0);
}

static void test_remote_endings(void **st)
{
	static struct sbx_result r;
	struct sbx_limits lim;
	/* Each way the candidate's process can end is the candidate's status. */
	run_raw(&tev_remote, "double f(const double *p) { return *(volatile double *)0; }\n", &r);
	assert_int_equal(r.status, SBX_CRASH);
	assert_int_equal(r.signal, SIGSEGV);
	run_raw(&tev_remote, "double f(const double *p) { long r; __asm__ volatile(\"syscall\" : \"=a\"(r) : \"a\"(39L) : \"rcx\", \"r11\", \"memory\"); return r; }\n", &r);
	assert_int_equal(r.status, SBX_SYSCALL);
	run_raw(&tev_remote, "double f(const double *p) { " EXIT0 " return 1; }\n", &r);
	assert_int_equal(r.status, SBX_INVALID_OUTPUT);
	run_raw(&tev_remote, "double f(const double *p) { return p +; }\n", &r);
	assert_int_equal(r.status, SBX_COMPILE_ERROR);
	assert_non_null(strstr(r.message, "1:"));
	run_raw(&tev_remote, "double g(const double *p) { return 1; }\n", &r);
	assert_int_equal(r.status, SBX_COMPILE_ERROR);
	assert_non_null(strstr(r.message, "does not define 'f'"));
#ifndef __SANITIZE_ADDRESS__ /* ASan's own stack-overflow handler runs first */
	run_raw(&tev_remote, "double f(const double *p) { volatile char pad[4096]; pad[0] = 1; return f(p) + pad[0]; }\n", &r);
	assert_int_equal(r.status, SBX_MEMORY);
#endif
	sbx_limits_default(&lim);
	lim.wall_ms = 300;
	sbx_set_limits(sb, &lim);
	struct sbx_job job = { .ev = &tev_remote, .source = "double f(const double *p) { for (;;) ; }\n",
	                       .tasks = SBX_TASK_PROBE | SBX_TASK_STAGE(0), .split = EV_TRAIN };
	char err[256];
	assert_int_equal(sbx_run(sb, &job, &r, err, sizeof err), 0);
	assert_int_equal(r.status, SBX_TIMEOUT);
	/* And the next job is fine. */
	run_raw(&tev_remote, "double f(const double *p) { return 2; }\n", &r);
	assert_int_equal(r.status, SBX_OK);
	assert_true(r.out[1][9] == 2);
}

/* optim steps its workloads in lockstep through the candidate's own
 * process: the same outputs, bit for bit, as calling step() in place. */
static struct ev_evaluator optim_local;

static void test_optim_split_same(void **st)
{
	const struct ev_evaluator *opt = ev_find("optim");
	assert_non_null(opt);
	assert_non_null(opt->serve);
	static struct sbx_result a, b;
	static double keep[SBX_NTASK][1024];
	size_t nkeep[SBX_NTASK];
	for (int seed = 0; seed < 3; seed++) {
		struct sbx_job job = { .ev = opt, .source = opt->seeds[seed * 4].source,
		                       .tasks = SBX_TASK_PROBE | pl_tasks_all(opt), .split = EV_TRAIN };
		char err[256];
		assert_int_equal(sbx_run(sb, &job, &a, err, sizeof err), 0);
		if (a.status != SBX_OK)
			fail_msg("%s: %s", opt->seeds[seed * 4].name, a.message);
		for (int t = 0; t < SBX_NTASK; t++) {
			nkeep[t] = a.nout[t];
			if (a.out[t])
				memcpy(keep[t], a.out[t], a.nout[t] * sizeof(double));
		}
		job.ev = &optim_local;
		assert_int_equal(sbx_run(sb, &job, &b, err, sizeof err), 0);
		assert_int_equal(b.status, SBX_OK);
		for (int t = 0; t < SBX_NTASK; t++) {
			assert_int_equal(b.nout[t], nkeep[t]);
			if (nkeep[t])
				assert_memory_equal(b.out[t], keep[t], nkeep[t] * sizeof(double));
		}
	}
}

static void test_names(void **st)
{
	assert_string_equal(sbx_signal_name(SIGSEGV), "SIGSEGV");
	assert_int_equal(sbx_status_parse("syscall"), SBX_SYSCALL);
	assert_int_equal(sbx_status_parse("nope"), -1);
	for (int i = 0; i < SBX_NSTATUS; i++)
		assert_int_equal(sbx_status_parse(sbx_status_name(i)), i);
}

int main(void)
{
	char err[256];
	struct sbx_limits lim;
	sbx_limits_default(&lim);
	tev_local = tev_remote;
	tev_local.serve = NULL;
	tev_scan = tev;
	tev_scan.allow_asm = 0;
	optim_local = *ev_find("optim");
	optim_local.serve = NULL;
	sb = sbx_open(1, &lim, err, sizeof err);
	if (!sb) {
		fprintf(stderr, "sbx_open: %s\n", err);
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok), cmocka_unit_test(test_unsigned_conversions),
		cmocka_unit_test(test_compile_error_line),
		cmocka_unit_test(test_not_whitelisted), cmocka_unit_test(test_implicit),
		cmocka_unit_test(test_missing_entry), cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_batch_deadline),
		cmocka_unit_test(test_null_write), cmocka_unit_test(test_divzero),
		cmocka_unit_test(test_recursion), cmocka_unit_test(test_raw_syscall),
		cmocka_unit_test(test_int80), cmocka_unit_test(test_huge_static),
		cmocka_unit_test(test_exit_early), cmocka_unit_test(test_prescan),
		cmocka_unit_test(test_parallel), cmocka_unit_test(test_names),
		cmocka_unit_test(test_claim_previous_outputs), cmocka_unit_test(test_forged_report),
		cmocka_unit_test(test_slot_not_mapped), cmocka_unit_test(test_remote_secret),
		cmocka_unit_test(test_remote_endings), cmocka_unit_test(test_optim_split_same),
		cmocka_unit_test(test_rendered), cmocka_unit_test(test_rendered_window),
	};
	int rc = cmocka_run_group_tests_name("sandbox", tests, NULL, NULL);
	sbx_close(&sb);
	return rc;
}
