/*
 * diff.c - line diff of two program sources for `disco archive diff` and the report:
 * longest common subsequence over lines, printed as unified hunks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/query.h"

struct lines {
	const char **p; /* line starts */
	size_t *len;    /* line lengths without '\n' */
	size_t n;
};

static int split_lines(const char *s, struct lines *l)
{
	size_t cap = 1;
	for (const char *q = s; *q; q++)
		cap += *q == '\n';
	l->p = malloc(cap * sizeof *l->p);
	l->len = malloc(cap * sizeof *l->len);
	l->n = 0;
	if (!l->p || !l->len)
		return -1;
	while (*s) {
		const char *e = strchr(s, '\n');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		l->p[l->n] = s;
		l->len[l->n++] = n;
		s += n + (e != NULL);
	}
	return 0;
}

static int same(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] && memcmp(a->p[i], b->p[j], a->len[i]) == 0;
}

/* Appends to a growing string buffer. */
struct sbuf {
	char *s;
	size_t n, cap;
	int oom;
};

static void sb_put(struct sbuf *b, const char *p, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 256);
		while (cap < b->n + n + 1)
			cap *= 2;
		char *ns = realloc(b->s, cap);
		if (!ns) {
			b->oom = 1;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->n, p, n);
	b->n += n;
	b->s[b->n] = 0;
}

static void sb_line(struct sbuf *b, char op, const char *p, size_t n)
{
	sb_put(b, &op, 1);
	sb_put(b, p, n);
	sb_put(b, "\n", 1);
}

/* One edit: op ' ', '-' or '+', index into a (for ' ' and '-') or b. */
struct edit {
	char op;
	size_t i, j;
};

char *arc_diff_text(const char *x, const char *y, const char *xname,
                    const char *yname, int context, int *identical)
{
	struct lines a = {0}, b = {0};
	struct sbuf out = {0};
	unsigned *dp = NULL;
	struct edit *ed = NULL;
	size_t ne = 0;

	*identical = strcmp(x, y) == 0;
	if (split_lines(x, &a) || split_lines(y, &b))
		goto done;
	/* Trim the common prefix and suffix so the table stays small. */
	size_t pre = 0, suf = 0;
	while (pre < a.n && pre < b.n && same(&a, pre, &b, pre))
		pre++;
	while (suf < a.n - pre && suf < b.n - pre &&
	       same(&a, a.n - 1 - suf, &b, b.n - 1 - suf))
		suf++;
	size_t n = a.n - pre - suf, m = b.n - pre - suf;
	int big = (double)(n + 1) * (double)(m + 1) > 50e6; /* no table: all changed */
	dp = big ? NULL : calloc((n + 1) * (m + 1), sizeof *dp);
	ed = malloc((a.n + b.n + 1) * sizeof *ed);
	if ((!big && !dp) || !ed)
		goto done;
	/* dp[i][j] = LCS length of the windows a[pre+i..] and b[pre+j..]. */
#define DP(i, j) dp[(i) * (m + 1) + (j)]
	for (size_t i = n; !big && i-- > 0;)
		for (size_t j = m; j-- > 0;)
			DP(i, j) = same(&a, pre + i, &b, pre + j)
			                   ? DP(i + 1, j + 1) + 1
			                   : (DP(i + 1, j) > DP(i, j + 1) ? DP(i + 1, j) : DP(i, j + 1));
	for (size_t k = 0; k < pre; k++)
		ed[ne++] = (struct edit){' ', k, k};
	if (big) {
		for (size_t i = 0; i < n; i++)
			ed[ne++] = (struct edit){'-', pre + i, 0};
		for (size_t j = 0; j < m; j++)
			ed[ne++] = (struct edit){'+', 0, pre + j};
	} else {
		size_t i = 0, j = 0;
		while (i < n || j < m) {
			if (i < n && j < m && same(&a, pre + i, &b, pre + j)) {
				ed[ne++] = (struct edit){' ', pre + i, pre + j};
				i++, j++;
			} else if (i < n && (j >= m || DP(i + 1, j) >= DP(i, j + 1))) {
				ed[ne++] = (struct edit){'-', pre + i, 0};
				i++;
			} else {
				ed[ne++] = (struct edit){'+', 0, pre + j};
				j++;
			}
		}
	}
	for (size_t k = 0; k < suf; k++)
		ed[ne++] = (struct edit){' ', a.n - suf + k, b.n - suf + k};
#undef DP

	char hdr[256];
	snprintf(hdr, sizeof hdr, "--- %s\n+++ %s\n", xname, yname);
	sb_put(&out, hdr, strlen(hdr));
	/* Hunks: runs of edits with up to `context` unchanged lines around. */
	size_t k = 0;
	while (k < ne) {
		while (k < ne && ed[k].op == ' ')
			k++;
		if (k >= ne)
			break;
		size_t start = k >= (size_t)context ? k - (size_t)context : 0;
		size_t end = k;
		for (;;) { /* extend while the next change is within 2*context */
			while (end < ne && ed[end].op != ' ')
				end++;
			size_t gap = end;
			while (gap < ne && ed[gap].op == ' ')
				gap++;
			if (gap < ne && gap - end <= 2 * (size_t)context)
				end = gap;
			else {
				end = end + (size_t)context < ne ? end + (size_t)context : ne;
				break;
			}
		}
		/* Line numbers of the hunk in a and b (1-based). */
		size_t ai = 0, bi = 0, ac = 0, bc = 0;
		int afirst = 1, bfirst = 1;
		for (size_t q = start; q < end; q++) {
			if (ed[q].op != '+') {
				if (afirst)
					ai = ed[q].i, afirst = 0;
				ac++;
			}
			if (ed[q].op != '-') {
				if (bfirst)
					bi = ed[q].j, bfirst = 0;
				bc++;
			}
		}
		snprintf(hdr, sizeof hdr, "@@ -%zu,%zu +%zu,%zu @@\n", ac ? ai + 1 : ai, ac,
		         bc ? bi + 1 : bi, bc);
		sb_put(&out, hdr, strlen(hdr));
		for (size_t q = start; q < end; q++) {
			if (ed[q].op == '+')
				sb_line(&out, '+', b.p[ed[q].j], b.len[ed[q].j]);
			else
				sb_line(&out, ed[q].op, a.p[ed[q].i], a.len[ed[q].i]);
		}
		k = end;
	}
done:
	free(a.p);
	free(a.len);
	free(b.p);
	free(b.len);
	free(dp);
	free(ed);
	if (out.oom || !out.s) {
		free(out.s);
		return NULL;
	}
	return out.s;
}
