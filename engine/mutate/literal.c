/*
 * literal.c - the "literal" mutator: perturb one to three numeric
 * constants of the parent and leave every other byte alone.
 *
 * Which literals: decimal integers, decimal floats (1.5, .5, 2., 1e-8,
 * with an optional f/F/l/L suffix) and hexadecimal integers, with their
 * u/l suffixes.  Never touched: anything inside comments, string or char
 * literals, preprocessor directives (#define SLOTS 4, continuation lines
 * included), code inside "#if 0" ... "#else"/"#endif", digits that are
 * part of an identifier (x1, f2c), array sizes and constant subscripts (anything between [ and ]), case labels,
 * octal (017), binary (0b1) and hexadecimal float (0x1p-3) literals.
 *
 * Integers are candidates only when the source has no float literal: they
 * are mostly loop bounds, indices and counts, which rarely tolerate change.
 *
 * How a chosen literal changes (all draws from the caller's rng):
 *   step size  sigma = 0.2 (80%) or 1.0 (20%)
 *   floats     5%: sign flip; 10% (always for 0): add N(0, sigma*max(|v|,0.1));
 *              otherwise multiply by exp(N(0, sigma)).  The result is
 *              rounded to 6 significant digits (unless that undoes the
 *              change) and printed with the shortest "%.Ng" that reads
 *              back exactly (N <= 17), with ".0" appended when the text
 *              would look like an integer, so a float stays a float
 *              ("2.0" never becomes "2").
 *   integers   5%: sign flip; 50%: +-1; otherwise scaled by exp(N(0, sigma))
 *              and rounded.  Stays an integer in the same base, within int
 *              range (2^53 with an l suffix), non-negative with a u suffix.
 *   A negative result is written in parentheses, "(-0.5)", so "x-1.5"
 *   becomes "x-(-0.5)" and never "x--0.5".  The result always differs
 *   from the original value.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mutate/mutate.h"
#include "sandbox/csrc.h"

struct lit {
	size_t start, end;   /* the whole literal, suffix included */
	size_t numlen;       /* bytes of the number before the suffix */
	int is_float, is_hex;
};

struct litvec {
	struct lit *v;
	size_t n, cap;
};

static int is_idch(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || c >= 0x80;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_xdigit(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* u, l, ul, lu, ll, ull, llu (any case, "ll" not mixed). */
static int int_suffix_ok(const char *s, size_t n)
{
	if (n && (s[0] == 'u' || s[0] == 'U')) {
		s++;
		n--;
	} else if (n && (s[n - 1] == 'u' || s[n - 1] == 'U')) {
		n--;
	}
	if (n == 0)
		return 1;
	if (n == 1)
		return s[0] == 'l' || s[0] == 'L';
	if (n == 2)
		return (s[0] == 'l' && s[1] == 'l') || (s[0] == 'L' && s[1] == 'L');
	return 0;
}

/* Classify the preprocessing number t[0..n).  Returns 1 and fills l when it
 * is a literal we perturb. */
static int classify(const char *t, size_t n, struct lit *l)
{
	size_t i = 0;
	l->is_float = l->is_hex = 0;
	if (n >= 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
		i = 2;
		while (i < n && is_xdigit(t[i]))
			i++;
		if (i == 2 || !int_suffix_ok(t + i, n - i)) /* hex floats end up here */
			return 0;
		l->is_hex = 1;
		l->numlen = i;
		return 1;
	}
	size_t d0 = 0;
	while (i < n && is_digit(t[i]))
		i++;
	size_t intdigits = i - d0;
	int frac = 0, expo = 0;
	if (i < n && t[i] == '.') {
		frac = 1;
		i++;
		while (i < n && is_digit(t[i]))
			i++;
	}
	if (i < n && (t[i] == 'e' || t[i] == 'E')) {
		size_t j = i + 1;
		if (j < n && (t[j] == '+' || t[j] == '-'))
			j++;
		if (j >= n || !is_digit(t[j]))
			return 0;
		while (j < n && is_digit(t[j]))
			j++;
		expo = 1;
		i = j;
	}
	if (frac || expo) {
		size_t rest = n - i;
		if (rest > 1 || (rest == 1 && !strchr("fFlL", t[i])))
			return 0;
		l->is_float = 1;
		l->numlen = i;
		return 1;
	}
	if (intdigits == 0 || (t[0] == '0' && intdigits > 1)) /* octal */
		return 0;
	if (!int_suffix_ok(t + i, n - i))
		return 0;
	l->numlen = i;
	return 1;
}

static int push(struct litvec *lv, const struct lit *l)
{
	if (lv->n == lv->cap) {
		size_t cap = lv->cap ? 2 * lv->cap : 32;
		struct lit *v = realloc(lv->v, cap * sizeof *v);
		if (!v)
			return -1;
		lv->v = v;
		lv->cap = cap;
	}
	lv->v[lv->n++] = *l;
	return 0;
}

/* Directive name at s[i] (just after '#'): length of the identifier after
 * blanks, with *at its start. */
static size_t directive_name(const char *s, size_t len, size_t i, size_t *at)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	*at = i;
	while (i < len && is_idch((unsigned char)s[i]))
		i++;
	return i - *at;
}

static int name_is(const char *s, size_t at, size_t n, const char *w)
{
	return n == strlen(w) && !memcmp(s + at, w, n);
}

/* Track "#if 0" regions: *skip is their nesting depth (0 = live code). */
static void directive(const char *s, size_t len, size_t i, int *skip)
{
	size_t at, n = directive_name(s, len, i + 1, &at);
	int opens = name_is(s, at, n, "if") || name_is(s, at, n, "ifdef") || name_is(s, at, n, "ifndef");
	if (*skip > 0) {
		if (opens)
			(*skip)++;
		else if (name_is(s, at, n, "endif"))
			(*skip)--;
		else if (*skip == 1 && (name_is(s, at, n, "else") || name_is(s, at, n, "elif")))
			*skip = 0;
		return;
	}
	if (name_is(s, at, n, "if")) {
		size_t j = at + n;
		while (j < len && (s[j] == ' ' || s[j] == '\t'))
			j++;
		if (j < len && s[j] == '0' && (j + 1 == len || !is_idch((unsigned char)s[j + 1])))
			*skip = 1;
	}
}

/* Find the perturbable literals of src[0..len).  Returns 0 or -1 (memory). */
static int scan(const char *s, size_t len, struct litvec *lv)
{
	size_t i = 0;
	int line_start = 1, in_dir = 0, skip = 0;
	long depth = 0;              /* [ ] nesting */
	size_t id_start = 0, id_len = 0; /* last token if it was an identifier */
	while (i < len) {
		char c = s[i];
		if (c == '\n') {
			in_dir = 0;
			line_start = 1;
			i++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			i++;
			continue;
		}
		if (c == '\\') { /* line continuation keeps a directive going */
			size_t j = i + 1;
			if (j < len && s[j] == '\r')
				j++;
			if (j < len && s[j] == '\n') {
				i = j + 1;
				continue;
			}
		}
		if (csrc_skip_comment(s, len, i) != i) {
			i = csrc_skip_comment(s, len, i);
			continue;
		}
		if (line_start && c == '#') {
			in_dir = 1;
			directive(s, len, i, &skip);
		}
		line_start = 0;
		if (c == '"' || c == '\'') {
			i = csrc_skip_literal(s, len, i);
			id_len = 0;
			continue;
		}
		if (is_idch((unsigned char)c) && !is_digit(c)) {
			id_start = i;
			while (i < len && is_idch((unsigned char)s[i]))
				i++;
			id_len = i - id_start;
			continue;
		}
		if (is_digit(c) || (c == '.' && i + 1 < len && is_digit(s[i + 1]))) {
			size_t j = i;
			while (j < len) {
				if ((s[j] == 'e' || s[j] == 'E' || s[j] == 'p' || s[j] == 'P') && j + 1 < len &&
				    (s[j + 1] == '+' || s[j + 1] == '-'))
					j += 2;
				else if (is_idch((unsigned char)s[j]) || s[j] == '.')
					j++;
				else
					break;
			}
			int after_case = id_len == 4 && !memcmp(s + id_start, "case", 4);
			struct lit l;
			if (!in_dir && !skip && depth == 0 && !after_case && classify(s + i, j - i, &l)) {
				l.start = i;
				l.end = j;
				l.numlen += i;
				if (push(lv, &l))
					return -1;
			}
			i = j;
			id_len = 0;
			continue;
		}
		if (c == '[')
			depth++;
		else if (c == ']' && depth > 0)
			depth--;
		id_len = 0;
		i++;
	}
	return 0;
}

/* Shortest "%.Ng" of v that reads back as v (as a float when fsuffix). */
static void format_float(double v, int fsuffix, char *buf, size_t n)
{
	if (v == floor(v) && fabs(v) < 1e15) { /* "40.0", not "4e+01" */
		snprintf(buf, n, "%.0f.0", v);
		return;
	}
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, n, "%.*g", p, v);
		double back = strtod(buf, NULL);
		if (fsuffix ? (float)back == (float)v : back == v)
			break;
	}
	if (!strpbrk(buf, ".eEn")) /* looks like an integer: keep it a float */
		strncat(buf, ".0", n - strlen(buf) - 1);
}

#define LIT_TEXT_MAX 48

/* The replacement text for literal l of s, written to out (LIT_TEXT_MAX). */
static void perturb(struct rng *r, const char *s, const struct lit *l, char *out)
{
	char num[64], body[40];
	size_t nl = l->numlen - l->start;
	const char *suffix = s + l->numlen;
	size_t sl = l->end - l->numlen;
	memcpy(num, s + l->start, nl); /* nl < 64: checked by the caller */
	num[nl] = '\0';
	double sigma = rng_double(r) < 0.8 ? 0.2 : 1.0;
	double u = rng_double(r);
	int neg = 0;
	if (l->is_float) {
		int fs = sl == 1 && (suffix[0] == 'f' || suffix[0] == 'F');
		double v = strtod(num, NULL), nv = v;
		for (int tries = 0; tries < 8 && (nv == v || !isfinite(nv) || fabs(nv) > 1e300);
		     tries++) {
			if (v != 0 && u < 0.05)
				nv = -v;
			else if (v == 0 || u < 0.15)
				nv = v + rng_normal(r) * sigma * (fabs(v) > 0.1 ? fabs(v) : 0.1);
			else
				nv = v * exp(sigma * rng_normal(r));
			if (fs)
				nv = (float)nv;
			u = rng_double(r);
		}
		if (nv == v || !isfinite(nv) || fabs(nv) > 1e300)
			nv = v != 0 ? v * 1.5 : 0.5;
		if (fs && !isfinite((float)nv))
			nv = v * 0.5;
		/* Six significant digits are plenty for a step of this size and
		 * keep sources short; keep full precision if rounding undid it. */
		char r6[40];
		snprintf(r6, sizeof r6, "%.6g", nv);
		double nr = strtod(r6, NULL);
		if (fs)
			nr = (float)nr;
		if (nr != v && isfinite(nr))
			nv = nr;
		neg = nv < 0;
		format_float(fabs(nv), fs, body, sizeof body);
	} else {
		int uns = memchr(suffix, 'u', sl) || memchr(suffix, 'U', sl);
		int lng = memchr(suffix, 'l', sl) || memchr(suffix, 'L', sl);
		long long lim = lng ? (1ll << 53) : INT_MAX;
		long long v = (long long)strtoull(num, NULL, l->is_hex ? 16 : 10), nv;
		if (!uns && v != 0 && u < 0.05) {
			nv = -v;
		} else if (u < 0.55) {
			nv = rng_below(r, 2) ? v + 1 : v - 1;
		} else {
			double x = (double)v * exp(sigma * rng_normal(r));
			nv = fabs(x) < (double)lim ? llround(x) : (x < 0 ? -lim : lim);
		}
		if (nv > lim)
			nv = lim;
		if (nv < -lim)
			nv = -lim;
		if (uns && nv < 0)
			nv = v + 1;
		if (nv == v)
			nv = v < lim ? v + 1 : v - 1;
		neg = nv < 0;
		unsigned long long a = (unsigned long long)(neg ? -nv : nv);
		if (l->is_hex)
			snprintf(body, sizeof body, "%c%c%llX", num[0], num[1], a);
		else
			snprintf(body, sizeof body, "%llu", a);
	}
	snprintf(out, LIT_TEXT_MAX, "%s%s%.*s%s", neg ? "(-" : "", body, (int)sl, suffix,
	         neg ? ")" : "");
}

static int cmp_lit(const void *a, const void *b)
{
	const struct lit *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static int lit_mutate(const struct mut_mutator *m, struct rng *r, const char *parent,
                      size_t len, const char *const *insp, int ninsp, char **child, char *err,
                      size_t errlen)
{
	if (!parent) {
		snprintf(err, errlen, "no parent source");
		return -1;
	}
	struct litvec lv = { 0 };
	if (scan(parent, len, &lv)) {
		free(lv.v);
		snprintf(err, errlen, "out of memory scanning %zu bytes", len);
		return -1;
	}
	/* Literals whose value cannot be read back safely are left alone. */
	size_t keep = 0;
	for (size_t i = 0; i < lv.n; i++) {
		struct lit *l = &lv.v[i];
		size_t nl = l->numlen - l->start;
		if (nl >= 40)
			continue;
		if (!l->is_float) {
			char num[64];
			memcpy(num, parent + l->start, nl);
			num[nl] = '\0';
			errno = 0;
			unsigned long long v = strtoull(num, NULL, l->is_hex ? 16 : 10);
			if (errno || v > (1ull << 53))
				continue;
		}
		lv.v[keep++] = *l;
	}
	lv.n = keep;
	/* Integer literals are mostly structure (loop bounds, indices, counts):
	 * perturbing them mostly breaks programs (i = -1 writes out of bounds).
	 * When the source has float constants, only those are candidates. */
	size_t nfloat = 0;
	for (size_t i = 0; i < lv.n; i++)
		if (lv.v[i].is_float)
			lv.v[nfloat++] = lv.v[i];
	if (nfloat > 0)
		lv.n = nfloat;
	if (lv.n == 0) {
		free(lv.v);
		snprintf(err, errlen, "no numeric literal to perturb");
		return -1;
	}
	double u = rng_double(r);
	size_t k = u < 0.6 ? 1 : u < 0.85 ? 2 : 3;
	if (k > lv.n)
		k = lv.n;
	/* Partial Fisher-Yates: the first k entries are the chosen ones. */
	for (size_t i = 0; i < k; i++) {
		size_t j = i + (size_t)rng_below(r, lv.n - i);
		struct lit t = lv.v[i];
		lv.v[i] = lv.v[j];
		lv.v[j] = t;
	}
	qsort(lv.v, k, sizeof *lv.v, cmp_lit);
	char text[3][LIT_TEXT_MAX];
	size_t out_len = len;
	for (size_t i = 0; i < k; i++) {
		perturb(r, parent, &lv.v[i], text[i]);
		out_len += strlen(text[i]);
	}
	char *out = malloc(out_len + 1);
	if (!out) {
		free(lv.v);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	size_t o = 0, pos = 0;
	for (size_t i = 0; i < k; i++) {
		memcpy(out + o, parent + pos, lv.v[i].start - pos);
		o += lv.v[i].start - pos;
		size_t tl = strlen(text[i]);
		memcpy(out + o, text[i], tl);
		o += tl;
		pos = lv.v[i].end;
	}
	memcpy(out + o, parent + pos, len - pos);
	o += len - pos;
	out[o] = '\0';
	free(lv.v);
	*child = out;
	return 0;
}

/* ---- the constants of a source, as a vector (for tuners) --------------- */

int mut_consts_scan(const char *src, size_t len, struct mut_consts *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	struct litvec lv = { 0 };
	if (scan(src, len, &lv)) {
		free(lv.v);
		snprintf(err, errlen, "out of memory scanning %zu bytes", len);
		return -1;
	}
	size_t keep = 0;
	for (size_t i = 0; i < lv.n; i++)
		if (lv.v[i].is_float && lv.v[i].numlen - lv.v[i].start < 40)
			lv.v[keep++] = lv.v[i];
	c->v = keep ? calloc(keep, sizeof *c->v) : NULL;
	if (keep && !c->v) {
		free(lv.v);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < keep; i++) {
		const struct lit *l = &lv.v[i];
		char num[64];
		size_t nl = l->numlen - l->start;
		memcpy(num, src + l->start, nl);
		num[nl] = '\0';
		c->v[i].start = l->start;
		c->v[i].end = l->end;
		c->v[i].value = strtod(num, NULL);
		c->v[i].fsuffix = l->end > l->numlen && (src[l->numlen] == 'f' || src[l->numlen] == 'F');
	}
	c->n = keep;
	free(lv.v);
	return 0;
}

char *mut_consts_render(const char *src, size_t len, const struct mut_consts *c, const double *values)
{
	size_t out_len = len + c->n * LIT_TEXT_MAX + 1;
	char *out = malloc(out_len);
	if (!out)
		return NULL;
	size_t o = 0, pos = 0;
	for (size_t i = 0; i < c->n; i++) {
		char body[40];
		double v = values[i];
		memcpy(out + o, src + pos, c->v[i].start - pos);
		o += c->v[i].start - pos;
		pos = c->v[i].end;
		if (!isfinite(v)) { /* keep the original text */
			memcpy(out + o, src + c->v[i].start, c->v[i].end - c->v[i].start);
			o += c->v[i].end - c->v[i].start;
			continue;
		}
		if (c->v[i].fsuffix)
			v = (float)v;
		format_float(fabs(v), c->v[i].fsuffix, body, sizeof body);
		/* keep the literal's own suffix (f, l, L) */
		size_t numend = c->v[i].end;
		while (numend > c->v[i].start && strchr("fFlL", src[numend - 1]))
			numend--;
		const char *suffix = src + numend;
		o += (size_t)snprintf(out + o, out_len - o, "%s%s%.*s%s", v < 0 ? "(-" : "", body,
		                      (int)(c->v[i].end - numend), suffix, v < 0 ? ")" : "");
	}
	memcpy(out + o, src + pos, len - pos);
	o += len - pos;
	out[o] = '\0';
	return out;
}

void mut_consts_release(struct mut_consts *c)
{
	free(c->v);
	memset(c, 0, sizeof *c);
}

const struct mut_mutator mut_literal = {
	.version = MUT_API_VERSION,
	.name = "literal",
	.summary = "perturb one to three numeric constants (scale, nudge, rarely flip sign)",
	.uses_inspirations = 0,
	.mutate = lit_mutate,
	.data = NULL,
};
