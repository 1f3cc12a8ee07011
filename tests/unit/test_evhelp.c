/*
 * test_evhelp.c - the shared evaluator helpers (evaluators/evhelp.c) and the
 * registry of built-in evaluators (evaluators/registry.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libtcc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evaluators/evaluator.h"
#include "evaluators/text.h"

static int ops(const char *s)
{
	return ev_count_ops(s, strlen(s));
}

/* --- ev_count_ops -------------------------------------------------------- */

static void test_ops_binary_and_unary(void **state)
{
	assert_int_equal(ops("a + b"), 1);
	assert_int_equal(ops("a+b*c-d/e"), 4);
	assert_int_equal(ops("x = -y;"), 0);
	assert_int_equal(ops("return -1.0;"), 0);
	assert_int_equal(ops("return +x;"), 0);
	assert_int_equal(ops("a - -b"), 1);
	assert_int_equal(ops("g(-x, -y)"), 0);
	assert_int_equal(ops("(a) - b"), 1);
	assert_int_equal(ops("x[i] * 2"), 1);
	assert_int_equal(ops("'a' - 'b'"), 1);
	assert_int_equal(ops("p->x - q->y"), 1);
	assert_int_equal(ops("a % b"), 0);
}

static void test_ops_compound_and_increments(void **state)
{
	assert_int_equal(ops("a+=b; c-=d; e*=f; g/=h;"), 4);
	assert_int_equal(ops("x++;"), 1);
	assert_int_equal(ops("--y;"), 1);
	assert_int_equal(ops("for (int i = 0; i < n; i++) s += a[i] * b[i];"), 3);
	assert_int_equal(ops("x++ + y"), 2);
}

static void test_ops_pointers_and_numbers(void **state)
{
	assert_int_equal(ops("double *p = &x; *p = a * b;"), 1);
	assert_int_equal(ops("const double *q;"), 0);
	assert_int_equal(ops("1e-5 + 0x1p-3"), 1);
	assert_int_equal(ops("x * 2.5E+10"), 1);
	assert_int_equal(ops(".5-x"), 1);
}

static void test_ops_calls(void **state)
{
	assert_int_equal(ops("sin(x) + cos (y) + sqrt/*c*/(z)"), 5);
	assert_int_equal(ops("fma(a, b, c)"), 1);
	assert_int_equal(ops("sin + 1"), 1);     /* not a call */
	assert_int_equal(ops("mysin(x)"), 0);    /* not a math symbol */
	assert_int_equal(ops("sinh(x)"), 1);
	assert_int_equal(ops("double sqrt(double);"), 1); /* a declarator looks like a call */
}

static void test_ops_comments_literals_directives(void **state)
{
	assert_int_equal(ops("/* a + b */ x"), 0);
	assert_int_equal(ops("// a*b\n x"), 0);
	assert_int_equal(ops("// a*b \\\n c*d\n x"), 0); /* continued // comment */
	assert_int_equal(ops("\"a+b\" + 'c'"), 1);
	assert_int_equal(ops("\"a\\\"+b\" x"), 0);   /* escaped quote */
	assert_int_equal(ops("'\\''+x"), 1);
	assert_int_equal(ops("#define SQ(x) ((x)*(x))\ny = a*b;"), 1);
	assert_int_equal(ops("#define A \\\n (1+2)\nb"), 0);
	assert_int_equal(ops("  # include \"math.h\"\n"), 0);
	assert_int_equal(ops("/* c */ #define X 1+1\n"), 0);
	assert_int_equal(ops("a # b + c"), 1); /* '#' mid-line is not a directive */
}

static void test_ops_hostile(void **state)
{
	assert_int_equal(ev_count_ops(NULL, 10), 0);
	assert_int_equal(ev_count_ops("a+b", 0), 0);
	assert_int_equal(ev_count_ops("a+b+c", 3), 1); /* len is honoured */
	assert_int_equal(ops("a + b /* c + d"), 1);     /* unterminated comment */
	assert_int_equal(ops("a * \"b + c"), 1);        /* unterminated string */
	assert_int_equal(ops("\"abc\na+b"), 1);         /* a string ends at a newline */
	assert_int_equal(ops("'"), 0);
	assert_int_equal(ops("/"), 1);
	assert_int_equal(ops("/*"), 0);
	assert_int_equal(ops("#"), 0);
	assert_int_equal(ops("\\"), 0);
	assert_int_equal(ops("sin"), 0);
	assert_int_equal(ops("1e"), 0);

	/* 4 MiB of arbitrary non-NUL bytes: must terminate, stay in bounds */
	size_t n = 4u << 20;
	char *buf = malloc(n);
	assert_non_null(buf);
	uint64_t s = 42;
	for (size_t i = 0; i < n; i++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		buf[i] = (char)((s >> 56) | 1);
	}
	int c = ev_count_ops(buf, n);
	assert_true(c >= 0);
	/* a huge run of operators: "a+" repeated */
	for (size_t i = 0; i < n; i += 2) {
		buf[i] = 'a';
		buf[i + 1] = '+';
	}
	assert_int_equal(ev_count_ops(buf, n), (int)(n / 2));
	free(buf);
}

/* --- ev_metric ----------------------------------------------------------- */

static void test_metric(void **state)
{
	struct ev_result r;
	memset(&r, 0, sizeof r);
	ev_metric(&r, "max_rel_err", 1e-3);
	assert_int_equal(r.nmetrics, 1);
	assert_string_equal(r.metrics[0].name, "max_rel_err");
	assert_true(r.metrics[0].value == 1e-3);
	for (int i = 0; i < EV_MAX_METRICS + 5; i++)
		ev_metric(&r, "m", i);
	assert_int_equal(r.nmetrics, EV_MAX_METRICS);
	memset(&r, 0, sizeof r);
	ev_metric(&r, "a_name_much_longer_than_thirty_two_characters_xxxxx", 1);
	assert_int_equal(strlen(r.metrics[0].name), EV_NAME_MAX - 1);
	ev_metric(NULL, "x", 1); /* no crash */
}

/* --- math table and prelude ---------------------------------------------- */

static void test_math_table(void **state)
{
	assert_ptr_equal(ev_math_lookup("sqrt"), (const void *)&sqrt);
	assert_ptr_equal(ev_math_lookup("fma"), (const void *)&fma);
	assert_null(ev_math_lookup("system"));
	assert_null(ev_math_lookup("sqr"));
	assert_null(ev_math_lookup(""));
	assert_null(ev_math_lookup(NULL));
	int n = 0;
	const char *want[] = {"sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh",
	                      "cosh", "tanh", "exp", "exp2", "expm1", "log", "log2", "log10",
	                      "log1p", "pow", "sqrt", "cbrt", "hypot", "fabs", "floor", "ceil",
	                      "round", "trunc", "nearbyint", "rint", "fmod", "fmin", "fmax",
	                      "copysign", "ldexp", "frexp", "scalbn", "ilogb", "fma", "erf", NULL};
	for (int i = 0; want[i]; i++)
		assert_non_null(ev_math_lookup(want[i]));
	for (const struct ev_symbol *s = ev_math_symbols; s->name; s++, n++) {
		assert_non_null(s->addr);
		char pat[64];
		snprintf(pat, sizeof pat, " %s(", s->name);
		assert_non_null(strstr(ev_math_prelude, pat));
	}
	assert_true(n >= 40);
}

static void on_tcc_error(void *opaque, const char *msg)
{
	snprintf(opaque, 512, "%s", msg);
}

/* The prelude is valid C for tcc -nostdlib and every symbol links. */
static void test_math_prelude_compiles(void **state)
{
	char err[512] = "";
	TCCState *s = tcc_new();
	assert_non_null(s);
	tcc_set_error_func(s, err, on_tcc_error);
	tcc_set_options(s, "-nostdlib");
	tcc_set_output_type(s, TCC_OUTPUT_MEMORY);
	for (const struct ev_symbol *m = ev_math_symbols; m->name; m++)
		tcc_add_symbol(s, m->name, m->addr);
	static const char prog[] =
		"double g(double x) { int e; double ip;\n"
		"  return sqrt(x) + frexp(x, &e) + e + ilogb(x) + modf(x, &ip) + ip\n"
		"       + hypot(3.0, 4.0) + ldexp(1.0, 3) + fma(x, x, 1.0); }\n";
	size_t len = strlen(ev_math_prelude) + sizeof prog;
	char *src = malloc(len);
	assert_non_null(src);
	snprintf(src, len, "%s%s", ev_math_prelude, prog);
	assert_int_equal(tcc_compile_string(s, src), 0);
	assert_true(tcc_relocate(s, TCC_RELOCATE_AUTO) >= 0);
	double (*g)(double) = (double (*)(double))tcc_get_symbol(s, "g");
	assert_non_null(g);
	int e;
	double ip, x = 6.25;
	double want = sqrt(x) + frexp(x, &e) + e + ilogb(x) + modf(x, &ip) + ip + 5.0 + 8.0 +
	              fma(x, x, 1.0);
	assert_true(g(x) == want);
	tcc_delete(s);
	free(src);
}

/* --- registry ------------------------------------------------------------ */

static void test_registry(void **state)
{
	const char *names[] = {"optim", "expapprox", "expapprox-wide", "logapprox", NULL};
	for (int i = 0; names[i]; i++) {
		const struct ev_evaluator *ev = ev_find(names[i]);
		assert_non_null(ev);
		assert_string_equal(ev->name, names[i]);
		assert_int_equal(ev_builtin_index(ev), i); /* the order is fixed */
	}
	assert_null(ev_find("nope"));
	assert_null(ev_find("EXPAPPROX"));
	assert_null(ev_find(""));
	assert_null(ev_find(NULL));
	assert_null(ev_builtin(-1));
	int n = 0;
	while (ev_builtin(n))
		n++;
	assert_true(n >= 4);
	assert_null(ev_builtin(n));
	assert_null(ev_builtin(1 << 30));
	for (int i = 0; i < n; i++) {
		const struct ev_evaluator *ev = ev_builtin(i);
		assert_int_equal(ev->version, EV_API_VERSION);
		assert_int_equal(ev_builtin_index(ev), i);
		assert_ptr_equal(ev_find(ev->name), ev);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(ev_builtin(j)->name, ev->name);
	}
	struct ev_evaluator copy = *ev_builtin(0);
	assert_int_equal(ev_builtin_index(&copy), -1);
	assert_int_equal(ev_builtin_index(NULL), -1);
}

/* --- evaluators/text.h: hostile text for terminals and JSON -------------- */

static char *put(const char *s, size_t n, int keep_nl)
{
	static char buf[512];
	FILE *f = fmemopen(buf, sizeof buf, "w");
	text_put(f, s, n, keep_nl);
	fclose(f);
	return buf;
}

static void test_text_terminal(void **state)
{
	assert_string_equal(put("plain text, caf\xc3\xa9 \xe2\x82\xac", 21, 0), "plain text, caf\xc3\xa9 \xe2\x82\xac");
	assert_string_equal(put("\x1b]0;t\x07\x1b[2J", 10, 0), "\\x1b]0;t\\x07\\x1b[2J");
	assert_string_equal(put("a\nb\tc", 5, 0), "a\\x0ab\\x09c");
	assert_string_equal(put("a\nb\tc", 5, 1), "a\nb\tc");
	assert_string_equal(put("\xc2\x9b" "1m \x7f", 6, 1), "\\u009b1m \\x7f");
	assert_string_equal(put("\xff\xfe\xc3", 3, 1), "\\xff\\xfe\\xc3");           /* invalid, truncated */
	assert_string_equal(put("\xed\xa0\x80", 3, 1), "\\xed\\xa0\\x80");           /* a surrogate */
	assert_string_equal(put("\xc0\xaf", 2, 1), "\\xc0\\xaf");                   /* overlong '/' */
	assert_string_equal(put("x\0y", 3, 1), "x\\x00y");
}

static void test_text_utf8_json(void **state)
{
	char *v = text_utf8("ok \xff\xc3\xa9 \xe2\x82");
	assert_string_equal(v, "ok \xef\xbf\xbd\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd");
	free(v);
	assert_int_equal(text_utf8_len((const unsigned char *)"\xf0\x9f\x98\x80", 4), 4);
	assert_int_equal(text_utf8_len((const unsigned char *)"\xf4\x90\x80\x80", 4), 0); /* > U+10FFFF */
	assert_int_equal(text_utf8_len((const unsigned char *)"\xe0\x80\x80", 3), 0);     /* overlong */
	assert_true(text_is_clean("adam caf\xc3\xa9"));
	assert_true(text_is_clean(NULL));
	assert_false(text_is_clean("a\x1b[31m"));
	assert_false(text_is_clean("a\nb"));
	assert_false(text_is_clean("\xc2\x9b"));
	assert_false(text_is_clean("\xff"));
	cJSON *j = cJSON_CreateObject();
	text_json_add(j, "k\xff", "m\x1b\xfe");
	text_json_add_number(j, "n", NAN);
	char *txt = cJSON_PrintUnformatted(j);
	assert_string_equal(txt, "{\"k\xef\xbf\xbd\":\"m\\u001b\xef\xbf\xbd\",\"n\":null}");
	free(txt);
	cJSON_Delete(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_terminal),
		cmocka_unit_test(test_text_utf8_json),
		cmocka_unit_test(test_ops_binary_and_unary),
		cmocka_unit_test(test_ops_compound_and_increments),
		cmocka_unit_test(test_ops_pointers_and_numbers),
		cmocka_unit_test(test_ops_calls),
		cmocka_unit_test(test_ops_comments_literals_directives),
		cmocka_unit_test(test_ops_hostile),
		cmocka_unit_test(test_metric),
		cmocka_unit_test(test_math_table),
		cmocka_unit_test(test_math_prelude_compiles),
		cmocka_unit_test(test_registry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
