/*
 * text.h - text for a terminal: aligned tables and hostile-text escaping.
 *
 * Candidate sources, messages and names are hostile: printed raw they can
 * move the cursor, retitle the window or hide lines (ESC, OSC, CR).
 * txt_safe() escapes every control character a terminal acts on; every
 * presenter of archive text prints through it (the table does it itself).
 *
 * Ownership: txt_safe() returns a malloc'd string (NULL when out of
 * memory).  A struct txt_table owns its cells; txt_table_free() releases
 * them.  Allocation failures inside the table drop a cell's text ("?").
 */
#ifndef DISCO_TEXT_H
#define DISCO_TEXT_H

#include <stddef.h>
#include <stdio.h>

/* Escapes C0 controls (except '\n' and '\t' when multiline), DEL and the C1
 * controls U+0080..U+009F as \xHH / \u00HH; a single-line copy
 * (multiline 0) also turns '\n' and '\t' into spaces.  s must be valid
 * UTF-8 (archive queries guarantee it); NULL reads as "". */
char *txt_safe(const char *s, int multiline);
/* fputs(txt_safe(s, multiline), f). */
void txt_put(FILE *f, const char *s, int multiline);

struct txt_table {
	int ncol;
	const char *align; /* per column: 'r' right-aligned, else left */
	char **cell;
	size_t n, cap;
};

/* ncol header strings follow align. */
void txt_table_init(struct txt_table *t, int ncol, const char *align, ...);
/* Appends one cell (row-major); the text is made single-line and safe. */
void txt_table_add(struct txt_table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void txt_table_print(const struct txt_table *t, FILE *f);
void txt_table_free(struct txt_table *t);

#endif
