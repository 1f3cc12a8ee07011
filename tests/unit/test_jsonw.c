/*
 * test_jsonw.c - engine/jsonw.c writes what cJSON_PrintUnformatted writes:
 * numbers of every kind (random bit patterns, short and long decimals,
 * integers on both sides of 1e15, -0, NaN, Inf, subnormals, values whose
 * 15-digit form reads back only within DBL_EPSILON, neighbours of powers
 * of ten where rounding carries, 17-digit forms ending in 50, where
 * rounding the 17 digits to 15 could differ from rounding once) and
 * metrics objects
 * (non-finite values left out, names cJSON must escape).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "engine/jsonw.h"
#include "evaluators/rng.h"

/* cJSON's text of one number. */
static char *cjson_num(double d)
{
	cJSON *n = cJSON_CreateNumber(d);
	char *s = cJSON_PrintUnformatted(n);
	cJSON_Delete(n);
	return s;
}

static void check_num(double d)
{
	char out[JSW_NUM_MAX];
	size_t n = jsw_num(out, d);
	char *want = cjson_num(d);
	assert_non_null(want);
	if (strcmp(out, want) || n != strlen(want))
		fail_msg("%a: jsw_num wrote '%s' (%zu), cJSON '%s'", d, out, n, want);
	free(want);
}

static void test_numbers_like_cjson(void **state)
{
	(void)state;
	static const double fixed[] = {
		0.0, -0.0, 1, -1, 0.5, 0.1, 0.2, 0.30000000000000004, 1e15, -1e15, 1e15 - 1, 1e15 + 2,
		999999999999999.0, 1e16, 1e17, 1e22, 1e300, 1e-300, 5e-324, 2.2250738585072014e-308,
		2147483647.0, 2147483648.0, -2147483648.0, -2147483649.0, 4294967296.0, 9007199254740993.0,
		2380072398033096.0, 0.35914091422952255, 0.050590952922364089, 17, 12345.678,
		NAN, INFINITY, -INFINITY, 1.0 / 3, 2.0 / 3, M_PI, M_E, 1e-5, 1e-4, 123456789012345678.0,
	};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		check_num(fixed[i]);
	/* around powers of ten, where rounding to 15 or 17 digits carries
	 * (999... -> 1000...) and the exponent changes */
	for (int e = -30; e <= 30; e++) {
		double p = pow(10, e);
		double lo = p, hi = p;
		for (int k = 0; k < 40; k++) {
			check_num(lo);
			check_num(hi);
			check_num(-lo);
			lo = nextafter(lo, 0);
			hi = nextafter(hi, INFINITY);
		}
		for (int k = 1; k < 1000; k += 7) { /* p * (1 - k e-16): 999999999999999x */
			check_num(p * (1 - k * 1e-16));
			check_num(p * (1 + k * 1e-16));
		}
	}
	struct rng r;
	rng_seed(&r, 42);
	for (int i = 0; i < 20000; i++) {
		uint64_t bits = rng_u64(&r);
		double d;
		memcpy(&d, &bits, sizeof d);
		check_num(d);                                       /* any bit pattern */
		check_num(floor(rng_double(&r) * 2e15) - 1e15);     /* integers around the 1e15 edge */
		check_num(rng_normal(&r) * pow(10, (double)(int)rng_below(&r, 40) - 20));
		char t[40];                                         /* short decimals, then neighbours */
		snprintf(t, sizeof t, "%.*g", 1 + (int)rng_below(&r, 17), rng_normal(&r) * 1e3);
		d = strtod(t, NULL);
		check_num(d);
		check_num(nextafter(d, INFINITY));
		check_num(nextafter(d, -INFINITY));
	}
}

static void check_metrics(const struct ev_result *r)
{
	cJSON *m = cJSON_CreateObject();
	for (int i = 0; i < r->nmetrics; i++)
		if (isfinite(r->metrics[i].value))
			cJSON_AddNumberToObject(m, r->metrics[i].name, r->metrics[i].value);
	char *want = cJSON_PrintUnformatted(m);
	cJSON_Delete(m);
	char *got = jsw_metrics(r);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
	free(want);
}

static void test_metrics_like_cjson(void **state)
{
	(void)state;
	struct ev_result r;
	memset(&r, 0, sizeof r);
	check_metrics(&r); /* {} */
	ev_metric(&r, "max_rel_err", 0.35914091422952255);
	ev_metric(&r, "max_ulp", 2380072398033096.0);
	ev_metric(&r, "mean_rel_err", NAN); /* left out */
	ev_metric(&r, "worst_x", -1);
	ev_metric(&r, "ops", 4);
	check_metrics(&r);
	memset(&r, 0, sizeof r);
	ev_metric(&r, "inf", INFINITY); /* only non-finite: {} */
	check_metrics(&r);
	ev_metric(&r, "a\"b", 1.5);      /* names cJSON escapes */
	ev_metric(&r, "tab\there", 2);
	ev_metric(&r, "back\\slash", 3);
	ev_metric(&r, "\x01", 4);
	ev_metric(&r, "caf\xc3\xa9", 5); /* UTF-8 goes as it is */
	ev_metric(&r, "dup", 6);
	ev_metric(&r, "dup", 7);         /* cJSON keeps both */
	check_metrics(&r);
	struct rng g;
	rng_seed(&g, 7);
	for (int k = 0; k < 2000; k++) {
		memset(&r, 0, sizeof r);
		int n = (int)rng_below(&g, EV_MAX_METRICS + 1);
		for (int i = 0; i < n; i++) {
			char name[EV_NAME_MAX];
			int l = 1 + (int)rng_below(&g, EV_NAME_MAX - 1);
			for (int c = 0; c < l; c++)
				name[c] = (char)(rng_below(&g, 10) ? 'a' + rng_below(&g, 26) : 1 + rng_below(&g, 254));
			name[l] = 0;
			uint64_t bits = rng_u64(&g);
			double v;
			memcpy(&v, &bits, sizeof v);
			ev_metric(&r, name, rng_below(&g, 2) ? v : rng_normal(&g));
		}
		check_metrics(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers_like_cjson),
		cmocka_unit_test(test_metrics_like_cjson),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
