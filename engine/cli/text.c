/* text.c - aligned tables and terminal-safe text; see text.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cli/text.h"

char *txt_safe(const char *s, int multiline)
{
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)u);
	char *r = malloc(6 * n + 1), *o = r;
	if (!r)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned c = u[i];
		if (c == '\n' || c == '\t') {
			*o++ = multiline ? (char)c : ' ';
		} else if (c < 0x20 || c == 0x7f) {
			o += sprintf(o, "\\x%02x", c);
		} else if (c == 0xc2 && i + 1 < n && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f) {
			o += sprintf(o, "\\u%04x", u[i + 1]); /* C1 control, e.g. CSI */
			i++;
		} else {
			*o++ = (char)c;
		}
	}
	*o = 0;
	return r;
}

void txt_put(FILE *f, const char *s, int multiline)
{
	char *t = txt_safe(s, multiline);
	fputs(t ? t : "?", f);
	free(t);
}

static void push(struct txt_table *t, char *s)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **nc = realloc(t->cell, cap * sizeof *nc);
		if (!nc) {
			free(s);
			return;
		}
		t->cell = nc;
		t->cap = cap;
	}
	t->cell[t->n++] = s ? s : strdup("?");
}

void txt_table_init(struct txt_table *t, int ncol, const char *align, ...)
{
	va_list ap;
	memset(t, 0, sizeof *t);
	t->ncol = ncol;
	t->align = align;
	va_start(ap, align);
	for (int i = 0; i < ncol; i++)
		push(t, strdup(va_arg(ap, const char *)));
	va_end(ap);
}

void txt_table_add(struct txt_table *t, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	char *safe = s ? txt_safe(s, 0) : NULL;
	free(s);
	push(t, safe);
}

void txt_table_print(const struct txt_table *t, FILE *f)
{
	int w[32] = { 0 };
	size_t rows = t->n / (size_t)t->ncol;
	for (size_t i = 0; i < rows * (size_t)t->ncol; i++) {
		int len = (int)strlen(t->cell[i]);
		if (len > w[i % (size_t)t->ncol])
			w[i % (size_t)t->ncol] = len;
	}
	for (size_t r = 0; r < rows; r++) {
		for (int c = 0; c < t->ncol; c++) {
			const char *s = t->cell[r * (size_t)t->ncol + (size_t)c];
			int last = c == t->ncol - 1;
			if (t->align[c] == 'r')
				fprintf(f, "%*s", w[c], s);
			else
				fprintf(f, "%-*s", last ? 0 : w[c], s);
			if (!last)
				fputs("  ", f);
		}
		fputc('\n', f);
	}
}

void txt_table_free(struct txt_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->cell[i]);
	free(t->cell);
	memset(t, 0, sizeof *t);
}
