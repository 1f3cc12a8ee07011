/*
 * arc_int.h - internals shared by the archive's own files (arc.c, query.c,
 * diff.c, report/).  Not for other modules: they use arc.h.
 *
 * arc_db() lends the handle's sqlite3 connection (owned by struct arc; do
 * not close it).  arc_seterr() formats the handle's message buffer.
 */
#ifndef DISCO_ARC_INT_H
#define DISCO_ARC_INT_H

#include <sqlite3.h>

#include "archive/arc.h"

sqlite3 *arc_db(struct arc *a);
void arc_seterr(struct arc *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Sets the message from the connection's last error: "PATH: what: errmsg". */
int arc_sqlerr(struct arc *a, const char *what);
/* Writes desc as a JSON array ("[1.5,null]") into buf; returns buf. */
char *arc_desc_json(char *buf, size_t n, const double *desc, int ndesc);
/* Parses a JSON array of numbers (null -> NaN); returns the count (<= max). */
int arc_desc_parse(const char *json, double *desc, int max);

#endif
