/*
 * test_ppscan.c - the escape-hatch scan on preprocessed tokens
 * (sandbox/ppscan.c): what honest candidates write passes, every way to run
 * instructions the compiler did not generate from C is refused, and the
 * prelude is never judged.  End-to-end cases (through tcc's preprocessor,
 * macros and token pasting) are in tests/hostile/asm-*.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sandbox/sbx.h"

#define PRELUDE "double exp(double);\ndouble fabs(double);\n#define SQ(x) ((x)*(x))\n" \
                "typedef int __disco_candidate;\n"

static char msg[512];

static int scan(const char *cand)
{
	char buf[8192];
	snprintf(buf, sizeof buf, "%s%s", PRELUDE, cand);
	msg[0] = 0;
	return sbx_ppscan(buf, strlen(buf), 0, NULL, msg, sizeof msg);
}

static void refused(const char *cand, const char *needle)
{
	if (scan(cand) != -1)
		fail_msg("accepted: %s", cand);
	if (!strstr(msg, needle))
		fail_msg("message '%s' lacks '%s' for: %s", msg, needle, cand);
}

static void test_honest_code_passes(void **state)
{
	assert_int_equal(scan("double f(double x) { return 1 + x * (1 + x / 2); }\n"), 0);
	assert_int_equal(scan("static double c[3] = {1, 2, 3};\n"
	                      "double f(double x) { double y = fabs(x) && x > 0 ? exp(x) : 0;\n"
	                      "  for (int i = 0; i < 3; i++) y += c[i] * x; return y; }\n"), 0);
	assert_int_equal(scan("struct s { double exp; };\n"
	                      "double f(double x) { struct s v; v.exp = x; struct s *p = &v;\n"
	                      "  return p->exp + (x > 1 && x < 2); }\n"), 0);
	assert_int_equal(scan("void step(int n, double *w, const double *g, double *m) {\n"
	                      "  for (int i = 0; i < n; i++) { m[i] = 0.9 * m[i] + g[i]; w[i] -= 0.1 * (*m); } }\n"), 0);
	assert_int_equal(scan("__attribute__((aligned(16))) static double t[4];\n"
	                      "static inline __attribute__((always_inline, unused)) double g(double x) { return x; }\n"
	                      "double f(double x) { if (__builtin_expect(x > 0, 1)) return g(x); return sizeof(double); }\n"), 0);
	/* The prelude itself is never judged. */
	char buf[512];
	snprintf(buf, sizeof buf, "static void *p = &&l; asm(\"nop\");\n%s double f(double x) { return x; }\n", PRELUDE);
	assert_int_equal(sbx_ppscan(buf, strlen(buf), 0, NULL, msg, sizeof msg), 0);
}

static void test_asm_refused(void **state)
{
	refused("double f(double x) { asm(\"nop\"); return x; }", "inline assembly 'asm'");
	refused("double f(double x) { __asm(\"nop\"); return x; }", "'__asm'");
	refused("double f(double x) { __asm__ volatile(\"nop\"); return x; }", "'__asm__'");
	refused("register long r asm(\"rax\");", "inline assembly");
}

static void test_attributes(void **state)
{
	refused("__attribute__((section(\".text\"))) const char c[] = {0xc3};", "'section'");
	refused("__attribute__((__section__(\".text\"))) const char c[] = {0xc3};", "'__section__'");
	refused("__attribute__((aligned(8), constructor)) static void g(void) {}", "'constructor'");
	refused("void g(void) __attribute__((alias(\"f\")));", "'alias'");
	refused("double x __attribute__((cleanup(g)));", "'cleanup'");
	refused("__attribute((weak)) double g(double x) { return x; }", "'weak'");
	refused("double f(double x) { __attribute__ x; }", "malformed attribute");
	refused("__attribute__((aligned(8)), section(\".text\")) const char c[] = {0xc3};", "'section'");
}

static void test_jumps_and_function_pointers(void **state)
{
	refused("double f(double x) { void *p = &&l; l: return x; }", "label address");
	refused("double f(double x) { static void *p; goto *p; }", "computed");
	refused("double f(double x) { double (*g)(double) = 0; return g(x); }", "function pointer");
	refused("double f(double x) { return ((double (*)(double))0)(x); }", "function pointer");
	refused("typedef double F(double);", "typedef");
	refused("double h(double g(double), double x) { return x; }", "function type");
	refused("double f(double x) { return (exp + 0)(x); }", "'exp'");
	refused("double f(double x) { return ((char *)f)[0]; }", "'f'");
	refused("double f(double x) { double y = (double)(long)&fabs; return y; }", "'fabs'");
	/* a local hides the function name for its block, no longer */
	assert_int_equal(scan("double f(double x) { double exp = 2 * x; return exp * fabs(x); }"), 0);
	assert_int_equal(scan("double f(double x) { { double exp = x; x = exp; } return x; }"), 0);
	refused("double f(double x) { { double exp = x; x = exp; } return (double)(long)exp; }", "'exp'");
	refused("double f(double x) { __typeof__(x) y = x; return y; }", "type operator");
	refused("double f(double x) { typeof(x) y = x; return y; }", "type operator");
	refused("double f(double x) { return (long)__builtin_frame_address(0); }", "__builtin_frame_address");
	refused("_Pragma(\"comment(lib, \\\"m\\\")\")", "_Pragma");
	/* a function pointer type named by the prelude */
	char buf[512];
	snprintf(buf, sizeof buf, "typedef double (*fn_t)(double);\ntypedef struct { int (*cb)(void); } hooks;\n"
	         "typedef double vec[4];\ntypedef int __disco_candidate;\n%s", "double f(double x) { fn_t g = 0; return g(x); }");
	assert_int_equal(sbx_ppscan(buf, strlen(buf), 0, NULL, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "'fn_t'"));
	snprintf(buf, sizeof buf, "typedef struct { int (*cb)(void); } hooks;\ntypedef int __disco_candidate;\n%s",
	         "double f(double x) { hooks h; return x; }");
	assert_int_equal(sbx_ppscan(buf, strlen(buf), 0, NULL, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "'hooks'"));
	snprintf(buf, sizeof buf, "typedef double vec[4];\ntypedef int __disco_candidate;\n%s",
	         "double f(double x) { vec v; v[0] = x; return v[0]; }");
	assert_int_equal(sbx_ppscan(buf, strlen(buf), 0, NULL, msg, sizeof msg), 0);
	refused("\n#pragma comment(lib, \"m\")\n", "#pragma comment");
}

static void test_lines_and_offsets(void **state)
{
	/* Lines count from the marker (line 0 of candidate.c); linemarkers reset them. */
	refused("\ndouble f(double x)\n{\n asm(\"nop\");\n}\n", "line 4:");
	refused("\n# 40 \"candidate.c\"\n asm(\"nop\");\n", "line 40:");
	char buf[256];
	snprintf(buf, sizeof buf, "%sdouble f(double x) { asm(\"nop\"); }", PRELUDE);
	size_t off = 0;
	assert_int_equal(sbx_ppscan(buf, strlen(buf), 1, &off, msg, sizeof msg), 0); /* allowed */
	assert_string_equal(buf + off, "\ndouble f(double x) { asm(\"nop\"); }");
	/* No marker: no candidate part. */
	assert_int_equal(sbx_ppscan("double f;", 9, 0, &off, msg, sizeof msg), -1);
	/* A forged second marker changes nothing. */
	refused("typedef int __disco_candidate; asm(\"nop\");", "inline assembly");
}

static void test_hostile_text(void **state)
{
	/* Unbalanced and truncated input ends the scan, never reads past len. */
	assert_int_equal(scan("double f(double x) { return (((((x; "), 0);
	refused("__attribute__((((((", "");
	assert_int_equal(scan("\"unterminated\n'x"), 0);
	char big[4096];
	memset(big, '(', sizeof big - 1);
	big[sizeof big - 1] = 0;
	assert_int_equal(scan(big), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_honest_code_passes),
		cmocka_unit_test(test_asm_refused),
		cmocka_unit_test(test_attributes),
		cmocka_unit_test(test_jumps_and_function_pointers),
		cmocka_unit_test(test_lines_and_offsets),
		cmocka_unit_test(test_hostile_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
