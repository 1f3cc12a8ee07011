/*
 * arc_int.h - internals shared by the archive's own files (arc.c, query.c,
 * cmd_archive.c).  Not for other modules: they use arc.h.
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

/* Unified diff (context lines around each change) of two texts; malloc'd,
 * NULL when out of memory.  *identical says whether the texts are equal. */
char *arc_diff_text(const char *x, const char *y, const char *xname,
                    const char *yname, int context, int *identical);

#endif
