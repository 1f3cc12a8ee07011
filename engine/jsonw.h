/*
 * jsonw.h - JSON text byte for byte as cJSON 1.7's cJSON_PrintUnformatted
 * writes it, for the few texts the evolution loop writes per attempt (the
 * metrics column, the attempt lines of the JSON log): no cJSON objects (a
 * malloc per member and per name), no sscanf per number, the same bytes.
 * Prefix jsw_.  Strings returned are malloc'd; the caller frees them.
 */
#ifndef DISCO_JSONW_H
#define DISCO_JSONW_H

#include <stddef.h>

#include "evaluators/evaluator.h"

/* One number as cJSON prints it ("null" for NaN and Inf) into out, which
 * holds JSW_NUM_MAX bytes; returns the length (NUL written after it). */
#define JSW_NUM_MAX 32
size_t jsw_num(char *out, double d);

/* The 17 significant digits of finite nonzero d (one %.16e), its decimal
 * exponent and sign. */
void jsw_digits(double d, char dig[17], int *ex, int *neg);
/* What %.<p>g (15 <= p <= 17) prints for that number, from its 17 digits,
 * into out (JSW_NUM_MAX bytes); returns the length, or 0 when the digits
 * cannot tell (the dropped ones are exactly half a unit: rounding them
 * could differ from rounding the number once; ask printf). */
size_t jsw_round_g(char *out, int neg, const char *dig, int ex, int p);

/* The finite metrics of r as one JSON object {"name":number,...} in
 * their order (what cJSON prints for that object); NULL when out of
 * memory. */
char *jsw_metrics(const struct ev_result *r);

#endif
