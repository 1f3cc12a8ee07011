/*
 * test_fhash.c - functional hashing (quantization, NaN/Inf/-0, order), text
 * normalization and hashing (comments, whitespace, literals, hostile
 * input) and the bounded LRU cache (engine/fhash.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/fhash.h"
#include "evaluators/rng.h"

/* ---- fh_outputs -------------------------------------------------------------- */

static uint64_t h1(double x, double tol)
{
	return fh_outputs(&x, 1, tol);
}

static void test_outputs_tolerance(void **state)
{
	double tol = 1e-6;
	/* well inside one quantization step (steps are 1e-6..2e-6 relative):
	 * choose values near the middle of a step so no edge is straddled */
	double base = 0.75; /* m = 0.75, q = 750000 exactly */
	assert_int_equal(h1(base, tol), h1(base * (1 + 1e-9), tol));
	assert_int_equal(h1(base, tol), h1(base * (1 - 1e-9), tol));
	assert_int_equal(h1(-3.0, tol), h1(-3.0 * (1 + 1e-10), tol));
	/* beyond the tolerance: different */
	assert_int_not_equal(h1(base, tol), h1(base * (1 + 1e-5), tol));
	assert_int_not_equal(h1(base, tol), h1(-base, tol));
	assert_int_not_equal(h1(1.0, tol), h1(2.0, tol));
	/* the same mantissa in different binades differs */
	assert_int_not_equal(h1(0.75, tol), h1(1.5, tol));
	/* the binade carry: just below 2^k and 2^k itself tokenize the same */
	assert_int_equal(h1(nextafter(2.0, 0), tol), h1(2.0, tol));
	assert_int_equal(h1(nextafter(0.5, 0), tol), h1(0.5, tol));
	/* a looser tolerance merges what a tighter one separates */
	double a = 1.2345678, b = 1.2345678 * (1 + 3e-9);
	assert_int_not_equal(h1(a, 1e-12), h1(b, 1e-12));
	assert_int_equal(h1(a, 1e-6), h1(b, 1e-6));
}

static void test_outputs_exact(void **state)
{
	double a = 0.1, b = nextafter(0.1, 1);
	assert_int_not_equal(h1(a, 0), h1(b, 0));
	assert_int_not_equal(h1(a, -1), h1(b, -1));
	assert_int_equal(h1(a, 0), h1(0.1, 0));
	/* a tolerance below 2^-53 behaves as exact, without overflow */
	assert_int_not_equal(h1(a, 1e-300), h1(b, 1e-300));
	assert_int_equal(h1(a, 1e-300), h1(a, 0));
	/* a NaN tolerance is treated as exact rather than poisoning */
	assert_int_equal(h1(a, NAN), h1(a, 0));
	/* huge and tiny magnitudes survive quantization */
	assert_int_not_equal(h1(1e300, 1e-9), h1(1e-300, 1e-9));
	assert_int_equal(h1(DBL_MAX, 1e-9), h1(DBL_MAX, 1e-9));
}

static void test_outputs_specials(void **state)
{
	double nans[] = { NAN, -NAN, nan("1"), nan("12345"), 0.0 / 0.0 };
	for (size_t i = 0; i < sizeof nans / sizeof nans[0]; i++) {
		assert_true(isnan(nans[i]));
		assert_int_equal(h1(nans[i], 1e-9), h1(NAN, 1e-9));
		assert_int_equal(h1(nans[i], 0), h1(NAN, 0));
	}
	assert_int_equal(h1(-0.0, 1e-9), h1(0.0, 1e-9));
	assert_int_equal(h1(-0.0, 0), h1(0.0, 0));
	assert_int_not_equal(h1(INFINITY, 1e-9), h1(-INFINITY, 1e-9));
	assert_int_not_equal(h1(INFINITY, 1e-9), h1(NAN, 1e-9));
	assert_int_not_equal(h1(0.0, 1e-9), h1(NAN, 1e-9));
	assert_int_not_equal(h1(0.0, 1e-9), h1(4.9e-324, 1e-9));
	assert_int_not_equal(h1(INFINITY, 1e-9), h1(1.7e308, 1e-9));
}

static void test_outputs_order_and_length(void **state)
{
	double v[] = { 1, 2, 3 }, w[] = { 3, 2, 1 }, x[] = { 1, 2, 3, 0 };
	assert_int_not_equal(fh_outputs(v, 3, 1e-9), fh_outputs(w, 3, 1e-9));
	assert_int_not_equal(fh_outputs(v, 3, 1e-9), fh_outputs(x, 4, 1e-9));
	assert_int_not_equal(fh_outputs(v, 2, 1e-9), fh_outputs(v, 3, 1e-9));
	assert_int_equal(fh_outputs(NULL, 0, 1e-9), fh_outputs(v, 0, 1e-9));
	/* more values than one internal batch: every one still counts */
	enum { N = 1000 };
	double *a = malloc(N * sizeof *a);
	for (int i = 0; i < N; i++)
		a[i] = sin(i);
	uint64_t h = fh_outputs(a, N, 1e-9);
	assert_int_equal(h, fh_outputs(a, N, 1e-9));
	a[N - 1] += 1e-3;
	assert_int_not_equal(h, fh_outputs(a, N, 1e-9));
	a[N - 1] -= 1e-3;
	a[64] = -a[64];
	assert_int_not_equal(h, fh_outputs(a, N, 1e-9));
	free(a);
}

/* ---- normalization ------------------------------------------------------------- */

static char *norm(const char *s)
{
	static char buf[4096];
	size_t n = strlen(s);
	assert_true(n < sizeof buf);
	size_t k = fh_normalize(s, n, buf);
	assert_true(k <= n);
	assert_int_equal(strlen(buf), k);
	return buf;
}

static uint64_t th(const char *s)
{
	return fh_text(s, strlen(s));
}

static void test_normalize_basic(void **state)
{
	assert_string_equal(norm("  int   x = 1 ;\n\n  return x ;  "), "int x=1;return x;");
	assert_string_equal(norm("a /* c */ + /* d */ b"), "a+b");
	assert_string_equal(norm("a/**/b"), "a b");
	assert_string_equal(norm("x = 1; // tail\ny = 2;"), "x=1;y=2;");
	assert_string_equal(norm("s = \"a  /* not */  b\";"), "s=\"a  /* not */  b\";");
	assert_string_equal(norm("c = '\\'' ;  d = ' ';"), "c='\\'';d=' ';");
	assert_string_equal(norm("s = \"q\\\"  x\" ;"), "s=\"q\\\"  x\";");
	/* spaces that keep tokens apart survive */
	assert_string_equal(norm("a - -b"), "a- -b");
	assert_string_equal(norm("a + +b"), "a+ +b");
	assert_string_equal(norm("x / *p"), "x/ *p");
	assert_string_equal(norm("p - > q"), "p- >q");
	assert_string_equal(norm("a < <= b"), "a< <=b");
	assert_string_equal(norm("L \"x\""), "L \"x\"");
	assert_string_equal(norm("return 1.5e-3 ;"), "return 1.5e-3;");
	/* directives keep their line end; continuations fold */
	assert_string_equal(norm("#define A 1\nint x = A;"), "#define A 1\nint x=A;");
	assert_string_equal(norm("  # define  B(x) \\\n  ((x) + 1)\nB(2)"), "#define B(x)((x)+1)\nB(2)");
	assert_string_equal(norm("#define A (x)\nA"), "#define A (x)\nA");
	assert_int_not_equal(th("#define A (x)\n"), th("#define A(x)\n"));
	assert_string_equal(norm(""), "");
	assert_string_equal(norm("   \n\t  "), "");
}

static void test_text_hash_variants(void **state)
{
	const char *a = "double f(double x) {\n\treturn x * 2.0 + 1.0; /* affine */\n}\n";
	const char *b = "double f(double x){return x*2.0+1.0;}";
	const char *c = "// header\ndouble   f ( double x )\n{\n  return x*2.0 /* two */ + 1.0 ;\n}";
	assert_int_equal(th(a), th(b));
	assert_int_equal(th(a), th(c));
	/* fh_text is XXH3 of fh_normalize's text: same text, same hash */
	char out[128];
	fh_normalize(a, strlen(a), out);
	assert_int_equal(th(a), th(out));
	/* meaningful edits change it */
	assert_int_not_equal(th(a), th("double f(double x){return x*2.5+1.0;}"));
	assert_int_not_equal(th(a), th("double f(double x){return x*2.0-1.0;}"));
	assert_int_not_equal(th(a), th("double f(double y){return y*2.0+1.0;}"));
	assert_int_not_equal(th("s=\"a b\";"), th("s=\"a  b\";"));
	assert_int_not_equal(th("s=\"ab\";"), th("s=\"ac\";"));
	assert_int_not_equal(th("int a;"), th("inta;"));
	assert_int_not_equal(th("a - -b"), th("a--b"));
	assert_int_not_equal(th("#define A 1\nint x;"), th("#define A 1 int x;"));
}

static void test_normalize_hostile(void **state)
{
	/* unterminated comment, string and char literal: no overrun, stable */
	assert_string_equal(norm("x = 1; /* never closed"), "x=1;");
	assert_string_equal(norm("x = 1; /*"), "x=1;");
	assert_string_equal(norm("x = 1; /"), "x=1;/");
	assert_string_equal(norm("s = \"open  "), "s=\"open  ");
	assert_string_equal(norm("c = '"), "c='");
	assert_string_equal(norm("s = \"ends in backslash\\"), "s=\"ends in backslash\\");
	assert_string_equal(norm("#"), "#");
	assert_string_equal(norm("#define X \\"), "#define X\\");
	/* len is authoritative: bytes after it are never read */
	char buf[64];
	const char *s = "int x; /* secret */ garbage";
	size_t k = fh_normalize(s, 6, buf);
	assert_int_equal(k, 6);
	assert_string_equal(buf, "int x;");
	assert_int_equal(fh_text(s, 6), th("int x;"));
	/* random bytes: bounded output, deterministic hash */
	struct rng r;
	rng_seed(&r, 99);
	char in[512], out[513];
	for (int t = 0; t < 2000; t++) {
		size_t n = (size_t)rng_below(&r, sizeof in);
		for (size_t i = 0; i < n; i++) {
			static const char alpha[] = "/*\"'\\\n #ab1. \t+-=";
			in[i] = rng_below(&r, 4) ? alpha[rng_below(&r, sizeof alpha - 1)] : (char)rng_u64(&r);
		}
		size_t m = fh_normalize(in, n, out);
		assert_true(m <= n);
		assert_int_equal(out[m], '\0');
		assert_int_equal(fh_text(in, n), fh_text(in, n));
	}
	assert_int_equal(fh_text(NULL, 0), th(""));
}

/* ---- cache ---------------------------------------------------------------- */

static void test_cache_basic(void **state)
{
	struct fh_cache *c = fh_cache_new(4);
	assert_non_null(c);
	struct fh_entry e = { .program_id = 7, .score = 1.5, .status = 0, .hits = 3 }, o;
	assert_int_equal(fh_cache_get(c, 42, &o), 0);
	fh_cache_put(c, 42, &e);
	assert_int_equal(fh_cache_get(c, 42, &o), 1);
	assert_int_equal(o.program_id, 7);
	assert_true(o.score == 1.5);
	assert_int_equal(o.hits, 3);
	/* replace */
	e.program_id = 8;
	fh_cache_put(c, 42, &e);
	assert_int_equal(fh_cache_get(c, 42, &o), 1);
	assert_int_equal(o.program_id, 8);
	/* LRU: touch 42, add four more; 42 was touched before 1..3 so goes */
	for (uint64_t k = 1; k <= 3; k++) {
		e.program_id = (int64_t)k;
		fh_cache_put(c, k, &e);
	}
	assert_int_equal(fh_cache_get(c, 42, &o), 1); /* now most recent */
	e.program_id = 4;
	fh_cache_put(c, 4, &e); /* evicts 1, the least recent */
	assert_int_equal(fh_cache_get(c, 1, NULL), 0);
	assert_int_equal(fh_cache_get(c, 42, NULL), 1);
	assert_int_equal(fh_cache_get(c, 2, NULL), 1);
	assert_int_equal(fh_cache_get(c, 4, NULL), 1);
	struct fh_cache_stats st;
	fh_cache_stats(c, &st);
	assert_int_equal(st.size, 4);
	assert_int_equal(st.capacity, 4);
	assert_int_equal(st.evictions, 1);
	assert_int_equal(st.misses, 2);
	assert_int_equal(st.hits, 6);
	fh_cache_free(&c);
	assert_null(c);
	fh_cache_free(&c); /* NULL-safe */
	/* a NULL cache never hits and never crashes */
	assert_int_equal(fh_cache_get(NULL, 1, &o), 0);
	fh_cache_put(NULL, 1, &e);
	fh_cache_stats(NULL, &st);
	assert_int_equal(st.size, 0);
	/* capacity 0 is taken as 1 */
	c = fh_cache_new(0);
	fh_cache_put(c, 5, &e);
	fh_cache_put(c, 6, &e);
	assert_int_equal(fh_cache_get(c, 5, NULL), 0);
	assert_int_equal(fh_cache_get(c, 6, NULL), 1);
	fh_cache_free(&c);
}

static void test_cache_bounded(void **state)
{
	enum { CAP = 1000, N = 1000000 };
	struct fh_cache *c = fh_cache_new(CAP);
	assert_non_null(c);
	struct fh_entry e = { 0 }, o;
	struct rng r;
	rng_seed(&r, 5);
	uint64_t *keys = malloc(N * sizeof *keys);
	for (int i = 0; i < N; i++) {
		/* half random hashes, half sequential small keys (worst case for
		 * a poor slot function) */
		keys[i] = (i & 1) ? rng_u64(&r) : (uint64_t)i;
		e.program_id = i;
		fh_cache_put(c, keys[i], &e);
		if (i % 100000 == 0) {
			struct fh_cache_stats st;
			fh_cache_stats(c, &st);
			assert_true(st.size <= CAP);
		}
	}
	struct fh_cache_stats st;
	fh_cache_stats(c, &st);
	assert_int_equal(st.size, CAP);
	assert_int_equal(st.evictions, N - CAP);
	/* the most recent CAP keys are all there, with their entries */
	for (int i = N - CAP; i < N; i++) {
		assert_int_equal(fh_cache_get(c, keys[i], &o), 1);
		assert_int_equal(o.program_id, i);
	}
	/* older ones are gone */
	int found = 0;
	for (int i = 0; i < N - CAP; i += 997)
		found += fh_cache_get(c, keys[i], NULL);
	assert_int_equal(found, 0);
	free(keys);
	fh_cache_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outputs_tolerance),
		cmocka_unit_test(test_outputs_exact),
		cmocka_unit_test(test_outputs_specials),
		cmocka_unit_test(test_outputs_order_and_length),
		cmocka_unit_test(test_normalize_basic),
		cmocka_unit_test(test_text_hash_variants),
		cmocka_unit_test(test_normalize_hostile),
		cmocka_unit_test(test_cache_basic),
		cmocka_unit_test(test_cache_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
