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
	int n = snprintf(out, 32, "%1.15g", d);
	double test = strtod(out, NULL);
	double mx = fabs(test) > fabs(d) ? fabs(test) : fabs(d);
	if (!(fabs(test - d) <= mx * DBL_EPSILON))
		n = snprintf(out, 32, "%1.17g", d);
	return (size_t)n;
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

