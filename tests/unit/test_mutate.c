/*
 * test_mutate.c - the mutator registry and the "literal" mutator
 * (engine/mutate/mutate.c, engine/mutate/literal.c): children differ, compile (libtcc),
 * keep comments/strings/identifiers/directives/subscripts intact, keep
 * floats floats and integers integers, are deterministic by seed; inputs
 * without literals and hostile text are handled.
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

#include "engine/mutate/mutate.h"

static const char sample[] =
	"/* Adam-like step; lr 1e-3 in a comment stays */\n"
	"#define SLOTS 4\n"
	"#define SCALE(x) ((x) * 2.5)\n"
	"double sqrt(double);\n"
	"static const char *tag = \"beta 0.9 2\";\n"
	"void step(int n, double *w, const double *g, double *s, int t)\n"
	"{\n"
	"\tdouble b1 = 0.9, b2 = 0.999, lr = 1e-3, eps = 1e-8; // 0.5 in comment\n"
	"\tint k = 3;\n"
	"\tfloat h = 2.5f;\n"
	"\tunsigned long mask = 0xFFul;\n"
	"\tdouble x1 = 2.0;\n"
	"\tchar c = '7';\n"
	"\tdouble arr[SLOTS * 2];\n"
	"\tarr[0] = .5;\n"
	"\tfor (int i = 0; i < n; i++) {\n"
	"\t\ts[i] = b1 * s[i] + (1 - b1) * g[i];\n"
	"\t\ts[1 * n + i] = b2 * s[n + i] + (1 - b2) * g[i] * g[i];\n"
	"\t\tw[i] -= lr * s[i] / (sqrt(s[n + i]) + eps) + x1 / 2.0 - 2. * h * k + (mask & 1u);\n"
	"\t}\n"
	"\tswitch (t) { case 1: w[0] += arr[0]; break; default: break; }\n"
	"}\n";

static int mutate_seed(const char *src, uint64_t seed, char **child, char *err, size_t errlen)
{
	struct rng r;
	rng_seed(&r, seed);
	return mut_literal.mutate(&mut_literal, &r, src, strlen(src), NULL, 0, child, err, errlen);
}

static void tcc_quiet(void *opaque, const char *msg)
{
	snprintf((char *)opaque, 512, "%s", msg);
}

static int compiles(const char *src)
{
	char msg[512] = "";
	TCCState *s = tcc_new();
	if (!s)
		return 0;
	tcc_set_error_func(s, msg, tcc_quiet);
	tcc_set_options(s, "-nostdlib");
	tcc_set_output_type(s, TCC_OUTPUT_MEMORY);
	int rc = tcc_compile_string(s, src);
	tcc_delete(s);
	if (rc != 0)
		print_message("tcc: %s\n--- source ---\n%s\n", msg, src);
	return rc == 0;
}

/* The text after marker up to the next c (exclusive), into buf. */
static const char *field(const char *src, const char *marker, char stop, char *buf, size_t n)
{
	const char *p = strstr(src, marker);
	assert_non_null(p);
	p += strlen(marker);
	const char *q = strchr(p, stop);
	assert_non_null(q);
	snprintf(buf, n, "%.*s", (int)(q - p), p);
	return buf;
}

/* "(-1.5)" -> "-1.5" */
static void unparen(char *s)
{
	size_t n = strlen(s);
	if (n >= 3 && s[0] == '(' && s[n - 1] == ')') {
		memmove(s, s + 1, n - 2);
		s[n - 2] = '\0';
	}
}

static void test_registry(void **state)
{
	assert_ptr_equal(mut_find("literal"), &mut_literal);
	assert_null(mut_find("no-such-mutator"));
	assert_null(mut_find(NULL));
	assert_ptr_equal(mut_at(0), &mut_literal);
	assert_int_equal(mut_literal.version, MUT_API_VERSION);
	assert_int_equal(mut_literal.uses_inspirations, 0);
	/* run-time registration: duplicates and malformed entries refused */
	static const struct mut_mutator dup = { .version = MUT_API_VERSION, .name = "literal", .summary = "" };
	assert_int_equal(mut_register(&dup), -1);
	static struct mut_mutator extra;
	extra = mut_literal;
	extra.name = "literal2";
	static struct mut_mutator badver;
	badver = mut_literal;
	badver.name = "badver";
	badver.version = 99;
	assert_int_equal(mut_register(&badver), -1);
	assert_int_equal(mut_register(NULL), -1);
	assert_int_equal(mut_register(&extra), 0);
	assert_ptr_equal(mut_find("literal2"), &extra);
	assert_int_equal(mut_register(&extra), -1);
}

static void test_children_change_and_compile(void **state)
{
	assert_true(compiles(sample));
	int flips = 0;
	for (uint64_t seed = 1; seed <= 300; seed++) {
		char *child = NULL, err[128];
		assert_int_equal(mutate_seed(sample, seed, &child, err, sizeof err), 0);
		assert_non_null(child);
		assert_string_not_equal(child, sample);
		if (seed <= 60) /* compiling costs ~ms: a sample is enough */
			assert_true(compiles(child));
		/* untouched: comments, strings, char literals, directives,
		 * identifiers with digits, subscripts, case labels */
		assert_non_null(strstr(child, "/* Adam-like step; lr 1e-3 in a comment stays */\n"));
		assert_non_null(strstr(child, "\n#define SLOTS 4\n#define SCALE(x) ((x) * 2.5)\n"));
		assert_non_null(strstr(child, "\"beta 0.9 2\""));
		assert_non_null(strstr(child, "// 0.5 in comment"));
		assert_non_null(strstr(child, "char c = '7';"));
		assert_non_null(strstr(child, "double x1 = "));
		assert_non_null(strstr(child, "double b1 = "));
		assert_non_null(strstr(child, "double arr[SLOTS * 2];"));
		assert_non_null(strstr(child, "arr[0] = "));
		assert_non_null(strstr(child, "s[1 * n + i] = "));
		assert_non_null(strstr(child, "case 1: w[0] += arr[0];"));
		/* integers stay integers, floats stay floats with their suffix */
		char b[64];
		field(child, "int k = ", ';', b, sizeof b);
		unparen(b);
		assert_true(b[strspn(b, "-0123456789")] == '\0');
		field(child, "float h = ", ';', b, sizeof b);
		unparen(b);
		size_t n = strlen(b);
		assert_true(n >= 2 && b[n - 1] == 'f' && strpbrk(b, ".e"));
		field(child, "double b1 = ", ',', b, sizeof b);
		unparen(b);
		assert_non_null(strpbrk(b, ".e"));
		char *end;
		double v = strtod(b, &end);
		assert_true(*end == '\0' && isfinite(v));
		flips += v < 0;
		field(child, "unsigned long mask = ", ';', b, sizeof b);
		assert_true(strncmp(b, "0x", 2) == 0 && !strchr(b, '-'));
		assert_true(strlen(b) > 4 && strcmp(b + strlen(b) - 2, "ul") == 0);
		field(child, "+ (mask & ", ')', b, sizeof b);
		assert_true(strcmp(b + strlen(b) - 1, "u") == 0 && !strchr(b, '-'));
		free(child);
	}
	/* sign flips exist but are rare (5% per chosen literal; b1 is chosen
	 * in roughly one child of ten) */
	assert_true(flips < 20);
}

static void test_deterministic(void **state)
{
	char *a = NULL, *b = NULL, *c = NULL, err[128];
	assert_int_equal(mutate_seed(sample, 77, &a, err, sizeof err), 0);
	assert_int_equal(mutate_seed(sample, 77, &b, err, sizeof err), 0);
	assert_string_equal(a, b);
	int distinct = 0;
	for (uint64_t s = 1; s <= 20; s++) {
		assert_int_equal(mutate_seed(sample, s, &c, err, sizeof err), 0);
		distinct += strcmp(a, c) != 0;
		free(c);
	}
	assert_true(distinct >= 18);
	free(a);
	free(b);
	/* the rng advances: two calls on one stream usually differ */
	struct rng r;
	rng_seed(&r, 5);
	char *x = NULL, *y = NULL;
	assert_int_equal(mut_literal.mutate(&mut_literal, &r, sample, strlen(sample), NULL, 0, &x, err,
	                                    sizeof err), 0);
	assert_int_equal(mut_literal.mutate(&mut_literal, &r, sample, strlen(sample), NULL, 0, &y, err,
	                                    sizeof err), 0);
	assert_string_not_equal(x, y);
	free(x);
	free(y);
}

static void test_float_stays_float(void **state)
{
	/* a single literal, so every child changes exactly it */
	const char *src = "double f(double x) { return x / 2.0; }";
	int seen_neg = 0;
	for (uint64_t seed = 1; seed <= 500; seed++) {
		char *child = NULL, err[128], b[64];
		assert_int_equal(mutate_seed(src, seed, &child, err, sizeof err), 0);
		field(child, "return x / ", ';', b, sizeof b);
		seen_neg += b[0] == '(';
		unparen(b);
		assert_non_null(strpbrk(b, ".e"));
		char *end;
		double v = strtod(b, &end);
		assert_true(*end == '\0');
		assert_true(v != 2.0 && isfinite(v));
		if (seed <= 20)
			assert_true(compiles(child));
		free(child);
	}
	assert_true(seen_neg > 0 && seen_neg < 60);
	/* zero moves away from zero; "0" stays an int, "0.0" a float */
	char *child = NULL, err[128], b[64];
	assert_int_equal(mutate_seed("double z = 0.0;", 3, &child, err, sizeof err), 0);
	field(child, "double z = ", ';', b, sizeof b);
	unparen(b);
	assert_true(strtod(b, NULL) != 0 && strpbrk(b, ".e"));
	free(child);
	assert_int_equal(mutate_seed("int z = 0;", 3, &child, err, sizeof err), 0);
	field(child, "int z = ", ';', b, sizeof b);
	unparen(b);
	assert_true(strtol(b, NULL, 10) != 0 && b[strspn(b, "-0123456789")] == '\0');
	free(child);
	/* a negative result cannot fuse with a preceding minus */
	for (uint64_t seed = 1; seed <= 300; seed++) {
		assert_int_equal(mutate_seed("double y(double x){return x-1.5;}", seed, &child, err,
		                             sizeof err), 0);
		assert_null(strstr(child, "--"));
		free(child);
	}
}

/* Integers are structure (loop bounds, indices) whenever floats exist. */
static void test_integers_only_without_floats(void **state)
{
	static const char mixed[] = "double f(double x) { double y = 0.5; for (int i = 0; i < 3; i++) y = y * x + 1.5; return y; }\n";
	static const char ints[] = "int f(int x) { return x * 3 + 7; }\n";
	char err[256], *child;
	int ints_changed = 0;
	for (uint64_t seed = 1; seed <= 200; seed++) {
		assert_int_equal(mutate_seed(mixed, seed, &child, err, sizeof err), 0);
		assert_non_null(strstr(child, "int i = 0; i < 3; i++"));
		free(child);
		assert_int_equal(mutate_seed(ints, seed, &child, err, sizeof err), 0);
		ints_changed += strcmp(child, ints) != 0;
		free(child);
	}
	assert_int_equal(ints_changed, 200);
}

static void test_no_literal(void **state)
{
	const char *srcs[] = {
		"int f(int x) { return x; }",
		"#define N 4\n#if 0\nint q = 5;\n#endif\n"
		"int a[2]; /* 5 */ char *s = \"6\"; int x1; char c = '8';\n"
		"int g(int *p) { switch (*p) { case 3: return p[7]; } return a[1]; }\n",
		"int 017; int b = 0b101; double h = 0x1p-3;", /* octal, binary, hex float */
		"",
	};
	for (size_t i = 0; i < sizeof srcs / sizeof srcs[0]; i++) {
		char *child = (char *)0x1, err[128] = "";
		assert_int_equal(mutate_seed(srcs[i], 1, &child, err, sizeof err), -1);
		assert_string_equal(err, "no numeric literal to perturb");
		assert_ptr_equal(child, (char *)0x1); /* untouched on failure */
	}
	char *child = NULL, err[128] = "";
	struct rng r;
	rng_seed(&r, 1);
	assert_int_equal(mut_literal.mutate(&mut_literal, &r, NULL, 0, NULL, 0, &child, err, sizeof err),
	                 -1);
	assert_true(err[0] != '\0');
}

static void test_literal_forms(void **state)
{
	/* each literal form, alone, is found and keeps its form */
	static const struct {
		const char *src, *marker;
	} cases[] = {
		{ "double a = 1e-8;", "double a = " },
		{ "double a = 1.5E+3;", "double a = " },
		{ "double a = 3.;", "double a = " },
		{ "long a = 40L;", "long a = " },
		{ "unsigned a = 0X1fU;", "unsigned a = " },
		{ "long double a = 2.5L;", "long double a = " },
		{ "int a = 2147483647;", "int a = " },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		for (uint64_t seed = 1; seed <= 40; seed++) {
			char *child = NULL, err[128], b[64], orig[64];
			assert_int_equal(mutate_seed(cases[i].src, seed, &child, err, sizeof err), 0);
			field(child, cases[i].marker, ';', b, sizeof b);
			field(cases[i].src, cases[i].marker, ';', orig, sizeof orig);
			assert_string_not_equal(b, orig);
			unparen(b);
			char *end;
			if (strpbrk(orig, ".eE") && !strstr(orig, "0X")) {
				strtod(b, &end);
				assert_non_null(strpbrk(b, ".eE"));
			} else {
				long long v = strtoll(b, &end, 0);
				assert_true(v <= 2147483647);
				if (strstr(orig, "0X"))
					assert_true(strncmp(b, "0X", 2) == 0);
			}
			/* the suffix survives */
			const char *osuf = orig + strlen(orig);
			while (osuf > orig && strchr("uUlLfF", osuf[-1]))
				osuf--;
			if (*osuf && !strstr(orig, "0X1f"))
				assert_string_equal(end, osuf);
			assert_true(compiles(child));
			free(child);
		}
}

static void test_hostile(void **state)
{
	const char *srcs[] = {
		"x = 1; /* unterminated 2",
		"s = \"unterminated 3",
		"c = '4",
		"y = 5 // no newline",
		"#define A \\\n 6\nz = 7",
		"1",
		".5",
		"]]]] 8 [[[[",
		"99999999999999999999999999 + 3",
	};
	for (size_t i = 0; i < sizeof srcs / sizeof srcs[0]; i++)
		for (uint64_t seed = 1; seed <= 20; seed++) {
			char *child = NULL, err[128];
			int rc = mutate_seed(srcs[i], seed, &child, err, sizeof err);
			if (rc == 0) {
				assert_string_not_equal(child, srcs[i]);
				free(child);
			} else {
				assert_string_equal(err, "no numeric literal to perturb");
			}
		}
	/* which ones must have found a literal */
	char *child = NULL, err[128];
	assert_int_equal(mutate_seed("x = 1; /* unterminated 2", 1, &child, err, sizeof err), 0);
	assert_non_null(strstr(child, "/* unterminated 2"));
	free(child);
	assert_int_equal(mutate_seed("#define A \\\n 6\nz = 7", 1, &child, err, sizeof err), 0);
	assert_non_null(strstr(child, "#define A \\\n 6\nz = "));
	free(child);
	assert_int_equal(mutate_seed("]]]] 8 [[[[", 1, &child, err, sizeof err), 0);
	free(child);
	/* random bytes: never crash (ASan/UBSan watch), len is authoritative */
	struct rng r, m;
	rng_seed(&r, 11);
	char in[300];
	for (int t = 0; t < 3000; t++) {
		size_t n = (size_t)rng_below(&r, sizeof in);
		for (size_t i = 0; i < n; i++) {
			static const char alpha[] = "0123456789.eExX+-uUlLfF/*\"'\\\n #[]ab_ ";
			in[i] = rng_below(&r, 8) ? alpha[rng_below(&r, sizeof alpha - 1)] : (char)rng_u64(&r);
		}
		rng_seed(&m, (uint64_t)t);
		child = NULL;
		if (mut_literal.mutate(&mut_literal, &m, in, n, NULL, 0, &child, err, sizeof err) == 0) {
			assert_non_null(child);
			free(child);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_children_change_and_compile),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_float_stays_float),
		cmocka_unit_test(test_integers_only_without_floats),
		cmocka_unit_test(test_no_literal),
		cmocka_unit_test(test_literal_forms),
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
