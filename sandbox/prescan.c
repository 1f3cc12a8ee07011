/*
 * prescan.c - refuse hostile sources before anything compiles them.
 *
 * The scan works on the source as the preprocessor sees it: backslash-
 * newline splices are joined first (so "#\<newline>include" is still an
 * include), comments are skipped, and a directive is a '#' (or the digraph
 * "%:") that starts a logical line.  The seccomp filter during compilation
 * makes every file open fail anyway; this scan exists so that users get a
 * clear "rejected" with the line, and nothing reaches the compiler at all.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/csrc.h"
#include "sandbox/sbx.h"

struct scan {
	const char *s;   /* spliced text */
	size_t n;
	size_t i;
	int *line;       /* original line number of each spliced byte */
};

static int is_ident(int c) { return isalnum(c) || c == '_'; }

/* Skip blanks and comments on the current logical line. */
static void skip_space(struct scan *sc)
{
	for (;;) {
		while (sc->i < sc->n && (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\t' ||
		                         sc->s[sc->i] == '\f' || sc->s[sc->i] == '\v' ||
		                         sc->s[sc->i] == '\r'))
			sc->i++;
		if (sc->i + 1 < sc->n && sc->s[sc->i] == '/' && sc->s[sc->i + 1] == '*') {
			const char *e = NULL;
			for (size_t j = sc->i + 2; j + 1 < sc->n; j++)
				if (sc->s[j] == '*' && sc->s[j + 1] == '/') { e = sc->s + j; break; }
			sc->i = e ? (size_t)(e - sc->s) + 2 : sc->n;
			continue;
		}
		return;
	}
}

static int header_allowed(const struct ev_evaluator *ev, const char *name, size_t len)
{
	if (!ev || !ev->headers)
		return 0;
	for (const char *const *h = ev->headers; *h; h++)
		if (strlen(*h) == len && memcmp(*h, name, len) == 0)
			return 1;
	return 0;
}

static void list_headers(const struct ev_evaluator *ev, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = 0;
	if (ev && ev->headers)
		for (const char *const *h = ev->headers; *h && o < len; h++)
			o += (size_t)snprintf(buf + o, len - o, "%s<%s>", o ? ", " : "", *h);
	if (!buf[0])
		snprintf(buf, len, "none");
}

/* Copy a short, printable excerpt for messages (never echo file contents
 * the scan has not read: this is the candidate's own text). */
static void excerpt(const char *p, size_t n, char *out, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < len && p[i] != '\n'; i++)
		out[o++] = isprint((unsigned char)p[i]) ? p[i] : '?';
	out[o] = 0;
}

/* Handle one directive starting at sc->i (just after '#').  Returns 0 to
 * keep the line, 1 to blank it, -1 to reject. */
static int directive(struct scan *sc, const struct ev_evaluator *ev, char *msg,
                     size_t msglen)
{
	skip_space(sc);
	size_t b = sc->i;
	while (sc->i < sc->n && is_ident((unsigned char)sc->s[sc->i]))
		sc->i++;
	size_t wl = sc->i - b;
	const char *w = sc->s + b;
	int line = sc->line[b < sc->n ? b : sc->n - 1];
	if ((wl == 7 && !memcmp(w, "include", 7)) || (wl == 12 && !memcmp(w, "include_next", 12)) ||
	    (wl == 6 && !memcmp(w, "import", 6))) {
		skip_space(sc);
		char close = 0;
		if (sc->i < sc->n && sc->s[sc->i] == '<') close = '>';
		if (sc->i < sc->n && sc->s[sc->i] == '"') close = '"';
		char allowed[256], ex[80];
		list_headers(ev, allowed, sizeof allowed);
		if (close) {
			size_t nb = ++sc->i;
			while (sc->i < sc->n && sc->s[sc->i] != close && sc->s[sc->i] != '\n')
				sc->i++;
			size_t nl = sc->i - nb;
			if (sc->i < sc->n && sc->s[sc->i] == close) {
				sc->i++;
				skip_space(sc);
				int eol = sc->i >= sc->n || sc->s[sc->i] == '\n' ||
				          (sc->s[sc->i] == '/' && sc->i + 1 < sc->n && sc->s[sc->i + 1] == '/');
				if (eol &&
				    header_allowed(ev, sc->s + nb, nl))
					return 1;
			}
			excerpt(sc->s + nb, nl, ex, sizeof ex);
			snprintf(msg, msglen, "line %d: #include of '%s' is not allowed; this evaluator provides only %s",
			         line, ex, allowed);
		} else {
			snprintf(msg, msglen, "line %d: #include must name a header directly (macros are not allowed); this evaluator provides only %s",
			         line, allowed);
		}
		return -1;
	}
	/* #line and the GNU linemarker "# 12 \"file\"" would let a candidate's
	 * messages claim to come from the evaluator's prelude (or any line). */
	if ((wl == 4 && !memcmp(w, "line", 4)) || (wl && isdigit((unsigned char)w[0]))) {
		snprintf(msg, msglen, "line %d: #line directives are not allowed (compiler messages must name the candidate's own lines)",
		         line);
		return -1;
	}
	if (wl == 6 && !memcmp(w, "pragma", 6)) {
		skip_space(sc);
		size_t pb = sc->i;
		while (sc->i < sc->n && is_ident((unsigned char)sc->s[sc->i]))
			sc->i++;
		if (sc->i - pb == 7 && !memcmp(sc->s + pb, "comment", 7)) {
			snprintf(msg, msglen, "line %d: #pragma comment is not allowed (it links libraries)", line);
			return -1;
		}
	}
	return 0;
}

int sbx_prescan(const char *src, size_t len, const struct ev_evaluator *ev,
                size_t max_source, char **clean, char *msg, size_t msglen)
{
	*clean = NULL;
	if (len > max_source) {
		snprintf(msg, msglen, "source is %zu bytes; the limit is %zu (raise it with --max-source-bytes)",
		         len, max_source);
		return -1;
	}
	const char *nul = memchr(src, 0, len);
	if (nul) {
		int line = 1;
		for (const char *p = src; p < nul; p++)
			line += *p == '\n';
		snprintf(msg, msglen, "line %d: source contains a NUL byte (offset %zu); candidates must be text",
		         line, (size_t)(nul - src));
		return -1;
	}

	/* Splice backslash-newlines, remembering each byte's original line and
	 * offset so accepted lines can be blanked in the original text. */
	char *sp = malloc(len + 1);
	int *lines = malloc((len + 1) * sizeof *lines);
	size_t *orig = malloc((len + 1) * sizeof *orig);
	char *out = malloc(len + 1);
	if (!sp || !lines || !orig || !out) {
		free(sp); free(lines); free(orig); free(out);
		snprintf(msg, msglen, "out of memory scanning %zu bytes of source", len);
		return -1;
	}
	size_t n = 0;
	int line = 1;
	for (size_t i = 0; i < len; i++) {
		if (src[i] == '\\') {
			size_t j = i + 1;
			if (j < len && src[j] == '\r') j++;
			if (j < len && src[j] == '\n') { line++; i = j; continue; }
		}
		sp[n] = src[i]; lines[n] = line; orig[n] = i; n++;
		if (src[i] == '\n') line++;
	}
	sp[n] = 0; lines[n] = line; orig[n] = len;
	memcpy(out, src, len);
	out[len] = 0;

	struct scan sc = { sp, n, 0, lines };
	int at_line_start = 1, rc = 0;
	while (sc.i < n && rc == 0) {
		char c = sp[sc.i];
		if (at_line_start) {
			skip_space(&sc);
			if (sc.i >= n) break;
			c = sp[sc.i];
			at_line_start = 0;
			int hash = c == '#' || (c == '%' && sc.i + 1 < n && sp[sc.i + 1] == ':');
			if (hash) {
				size_t b = sc.i;
				sc.i += c == '#' ? 1 : 2;
				int r = directive(&sc, ev, msg, msglen);
				if (r < 0) { rc = -1; break; }
				while (sc.i < n && sp[sc.i] != '\n') {
					/* a block comment may run past the end of the directive */
					if (sp[sc.i] == '/' && sc.i + 1 < n && sp[sc.i + 1] == '*') { skip_space(&sc); continue; }
					sc.i++;
				}
				if (r == 1) /* blank the directive, keep the newlines */
					for (size_t k = orig[b]; k < orig[sc.i]; k++)
						if (out[k] != '\n') out[k] = ' ';
				continue;
			}
		}
		if (c == '\n') { at_line_start = 1; sc.i++; continue; }
		if (c == '/' && sc.i + 1 < n && sp[sc.i + 1] == '/') {
			while (sc.i < n && sp[sc.i] != '\n') sc.i++;
			continue;
		}
		if (c == '/' && sc.i + 1 < n && sp[sc.i + 1] == '*') { skip_space(&sc); continue; }
		if (c == '"' || c == '\'') {
			/* An unterminated literal stops before its newline, so the
			 * next line can still start a directive. */
			sc.i = csrc_skip_literal(sp, n, sc.i);
			continue;
		}
		if (is_ident((unsigned char)c)) {
			size_t b = sc.i;
			while (sc.i < n && is_ident((unsigned char)sp[sc.i])) sc.i++;
			if (sc.i - b == 7 && !memcmp(sp + b, "_Pragma", 7)) {
				snprintf(msg, msglen, "line %d: _Pragma is not allowed", lines[b]);
				rc = -1;
			}
			continue;
		}
		sc.i++;
	}
	free(sp); free(lines); free(orig);
	if (rc) {
		free(out);
		return -1;
	}
	*clean = out;
	return 0;
}
