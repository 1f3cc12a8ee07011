/*
 * jsonw.c - JSON text as cJSON_PrintUnformatted writes it, without cJSON
 * objects.  See jsonw.h.
 */
#include <cjson/cJSON.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/jsonw.h"

/* One number as cJSON 1.7 prints it: "null" for NaN and Inf, else %1.15g
 * when that reads back within DBL_EPSILON (cJSON's compare_double), else
 * %1.17g.  An integral value below 1e15 needs no printf: %1.15g writes
 * its digits.  out holds 32 bytes; returns the length. */
/* What %1.<p>g prints for the p significant digits dig (rounded already)
 * and decimal exponent ex of a nonzero finite number: scientific notation
 * when ex < -4 or ex >= p, else fixed; trailing zeros (and a bare point)
 * dropped; an exponent of at least two digits.  Returns the length. */
static size_t fmt_g(char *out, int neg, const char *dig, int p, int ex)
{
	int last = p - 1;
	while (last > 0 && dig[last] == '0')
		last--;
	size_t n = 0;
	if (neg)
		out[n++] = '-';
	if (ex < -4 || ex >= p) {
		out[n++] = dig[0];
		if (last > 0) {
			out[n++] = '.';
			memcpy(out + n, dig + 1, (size_t)last);
			n += (size_t)last;
		}
		out[n++] = 'e';
		out[n++] = ex < 0 ? '-' : '+';
		int a = ex < 0 ? -ex : ex;
		if (a >= 100)
			out[n++] = (char)('0' + a / 100);
		out[n++] = (char)('0' + a / 10 % 10);
		out[n++] = (char)('0' + a % 10);
	} else if (ex >= 0) {
		memcpy(out + n, dig, (size_t)ex + 1); /* the integer part: ex < p digits */
		n += (size_t)ex + 1;
		if (last > ex) {
			out[n++] = '.';
			memcpy(out + n, dig + ex + 1, (size_t)(last - ex));
			n += (size_t)(last - ex);
		}
	} else {
		out[n++] = '0';
		out[n++] = '.';
		for (int z = 0; z < -ex - 1; z++)
			out[n++] = '0';
		memcpy(out + n, dig, (size_t)last + 1);
		n += (size_t)last + 1;
	}
	out[n] = 0;
	return n;
}

size_t jsw_num(char *out, double d)
{
	if (isnan(d) || isinf(d)) {
		memcpy(out, "null", 5);
		return 4;
	}
	if (d == floor(d) && fabs(d) < 1e15) {
		char t[24];
		int k = 0;
		uint64_t u = (uint64_t)fabs(d);
		do
			t[k++] = (char)('0' + u % 10);
		while (u /= 10);
		size_t n = 0;
		if (signbit(d))
			out[n++] = '-';
		while (k)
			out[n++] = t[--k];
		out[n] = 0;
		return n;
	}
	/* One printf instead of two: the 17 digits of %.16e give %1.17g, and
	 * rounded to 15 they give %1.15g, except when digits 16-17 are "50"
	 * (rounding twice could then differ from rounding once: ask printf). */
	char dig[17];
	int ex, neg;
	jsw_digits(d, dig, &ex, &neg);
	size_t n = jsw_round_g(out, neg, dig, ex, 15);
	if (!n)
		n = (size_t)snprintf(out, JSW_NUM_MAX, "%1.15g", d);
	double test = strtod(out, NULL);
	double mx = fabs(test) > fabs(d) ? fabs(test) : fabs(d);
	if (!(fabs(test - d) <= mx * DBL_EPSILON))
		n = jsw_round_g(out, neg, dig, ex, 17);
	return n;
}

void jsw_digits(double d, char dig[17], int *ex, int *neg)
{
	char e17[40];
	snprintf(e17, sizeof e17, "%.16e", d); /* "-d.dddddddddddddddde+XX" */
	const char *q = e17 + (e17[0] == '-');
	*neg = e17[0] == '-';
	dig[0] = q[0];
	memcpy(dig + 1, q + 2, 16);
	*ex = atoi(q + 19);
}

size_t jsw_round_g(char *out, int neg, const char *dig, int ex, int p)
{
	char r[17];
	memcpy(r, dig, (size_t)p);
	if (p < 17) {
		/* rounding the 17 digits equals rounding the number once unless
		 * the dropped digits are exactly half a unit ("5", "50") */
		if (dig[p] == '5' && (p == 16 || dig[16] == '0'))
			return 0;
		if (dig[p] >= '5') {
			int k = p - 1;
			while (k >= 0 && r[k] == '9')
				r[k--] = '0';
			if (k >= 0) {
				r[k]++;
			} else { /* 999... -> 1000... */
				memmove(r + 1, r, (size_t)p - 1);
				r[0] = '1';
				ex++;
			}
		}
	}
	return fmt_g(out, neg, r, p, ex);
}

/* A name cJSON prints as it is (nothing to escape), NUL-terminated
 * within max bytes. */
static int json_plain(const char *s, size_t max)
{
	size_t i = 0;
	for (; i < max && s[i]; i++)
		if ((unsigned char)s[i] < 32 || s[i] == '"' || s[i] == '\\')
			return 0;
	return i < max;
}

static char *metrics_json_cjson(const struct ev_result *r)
{
	cJSON *m = cJSON_CreateObject();
	for (int i = 0; i < r->nmetrics; i++)
		if (isfinite(r->metrics[i].value))
			cJSON_AddNumberToObject(m, r->metrics[i].name, r->metrics[i].value);
	char *s = cJSON_PrintUnformatted(m);
	cJSON_Delete(m);
	return s;
}

/* The finite metrics as a JSON object (malloc'd), byte for byte what
 * cJSON_PrintUnformatted writes for them. */
char *jsw_metrics(const struct ev_result *r)
{
	int nm = r->nmetrics < EV_MAX_METRICS ? r->nmetrics : EV_MAX_METRICS;
	for (int i = 0; i < nm; i++)
		if (!json_plain(r->metrics[i].name, sizeof r->metrics[i].name))
			return metrics_json_cjson(r);
	/* {"name":number,...}: name < EV_NAME_MAX, a number < 32 */
	char *s = malloc(2 + (size_t)nm * (EV_NAME_MAX + 3 + 32 + 1) + 1);
	if (!s)
		return NULL;
	size_t n = 0;
	s[n++] = '{';
	for (int i = 0; i < nm; i++) {
		if (!isfinite(r->metrics[i].value))
			continue;
		if (n > 1)
			s[n++] = ',';
		s[n++] = '"';
		size_t l = strlen(r->metrics[i].name);
		memcpy(s + n, r->metrics[i].name, l);
		n += l;
		s[n++] = '"';
		s[n++] = ':';
		n += jsw_num(s + n, r->metrics[i].value);
	}
	s[n++] = '}';
	s[n] = 0;
	return s;
}

