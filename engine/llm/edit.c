/* edit.c - SEARCH/REPLACE blocks, fenced rewrites, EVOLVE-BLOCK markers;
 * see edit.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/llm/buf.h"
#include "engine/llm/edit.h"

#define MAX_LINES 200000 /* a 64 KiB program has far fewer; the answer is bounded too */

struct line {
	const char *p;
	size_t n; /* without the newline */
};

struct lines {
	struct line *v;
	size_t n;
};

static void fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Split s[0..n) into lines (a final line without newline counts; "\r\n"
 * loses its '\r').  Returns 0 or -1 (out of memory / too many lines). */
static int split(const char *s, size_t n, struct lines *L)
{
	size_t cap = 64;
	L->n = 0;
	L->v = malloc(cap * sizeof *L->v);
	if (!L->v)
		return -1;
	size_t i = 0;
	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - s) : n;
		if (L->n == cap) {
			if (cap >= MAX_LINES)
				goto bad;
			cap *= 2;
			struct line *v = realloc(L->v, cap * sizeof *v);
			if (!v)
				goto bad;
			L->v = v;
		}
		size_t len = e - i;
		if (len && s[e - 1] == '\r')
			len--;
		L->v[L->n++] = (struct line){ s + i, len };
		i = nl ? e + 1 : n;
	}
	return 0;
bad:
	free(L->v);
	L->v = NULL;
	return -1;
}

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

/* Lines equal with whitespace normalised. */
static int fuzzy_eq(const struct line *a, const struct line *b)
{
	size_t i = 0, j = 0, an = a->n, bn = b->n;
	while (i < an && is_blank(a->p[i])) i++;
	while (j < bn && is_blank(b->p[j])) j++;
	while (an > i && is_blank(a->p[an - 1])) an--;
	while (bn > j && is_blank(b->p[bn - 1])) bn--;
	while (i < an && j < bn) {
		if (is_blank(a->p[i]) && is_blank(b->p[j])) {
			while (i < an && is_blank(a->p[i])) i++;
			while (j < bn && is_blank(b->p[j])) j++;
			continue;
		}
		if (a->p[i] != b->p[j])
			return 0;
		i++;
		j++;
	}
	return i == an && j == bn;
}

static int exact_eq(const struct line *a, const struct line *b)
{
	return a->n == b->n && !memcmp(a->p, b->p, a->n);
}

static int starts_run(const struct line *l, char c, size_t k)
{
	size_t i = 0;
	while (i < l->n && is_blank(l->p[i])) i++;
	size_t j = 0;
	while (i + j < l->n && l->p[i + j] == c) j++;
	return j >= k;
}

static int contains(const struct line *l, const char *w)
{
	size_t m = strlen(w);
	for (size_t i = 0; i + m <= l->n; i++)
		if (!memcmp(l->p + i, w, m))
			return 1;
	return 0;
}

/* ---- EVOLVE-BLOCK regions --------------------------------------------------- */

#define MAX_REGIONS 64

struct regions {
	int n;
	size_t lo[MAX_REGIONS], hi[MAX_REGIONS]; /* editable lines [lo, hi) */
};

/* Returns the number of regions, or -1 when markers are unbalanced. */
static int find_regions(const struct lines *L, struct regions *R)
{
	R->n = 0;
	int open = 0;
	for (size_t i = 0; i < L->n; i++) {
		if (contains(&L->v[i], "EVOLVE-BLOCK-START")) {
			if (open || R->n == MAX_REGIONS)
				return -1;
			R->lo[R->n] = i + 1;
			open = 1;
		} else if (contains(&L->v[i], "EVOLVE-BLOCK-END")) {
			if (!open)
				return -1;
			R->hi[R->n++] = i;
			open = 0;
		}
	}
	return open ? -1 : R->n;
}

int llm_edit_has_blocks(const char *src, size_t len)
{
	struct lines L;
	struct regions R;
	if (split(src, len, &L))
		return 0;
	int n = find_regions(&L, &R);
	free(L.v);
	return n > 0;
}

/* ---- building text ---------------------------------------------------------------- */

static void put_lines(struct llm_buf *b, const struct line *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		llm_buf_put(b, v[i].p, v[i].n);
		llm_buf_put(b, "\n", 1);
	}
}

/* ---- SEARCH/REPLACE ------------------------------------------------------------ */

struct block {
	size_t s0, s1; /* SEARCH lines [s0, s1) of the answer */
	size_t r0, r1; /* REPLACE lines */
};

#define MAX_BLOCKS 256

/* Blocks of the answer.  Returns their number (0: none), or -1 with err
 * (malformed: a SEARCH without its separator or end). */
static int parse_blocks(const struct lines *A, struct block *bl, char *err, size_t errlen)
{
	int n = 0;
	for (size_t i = 0; i < A->n; i++) {
		if (!starts_run(&A->v[i], '<', 7))
			continue;
		if (n == MAX_BLOCKS) {
			fail(err, errlen, "more than %d SEARCH/REPLACE blocks", MAX_BLOCKS);
			return -1;
		}
		size_t j = i + 1;
		while (j < A->n && !starts_run(&A->v[j], '=', 7) && !starts_run(&A->v[j], '<', 7))
			j++;
		if (j >= A->n || !starts_run(&A->v[j], '=', 7)) {
			fail(err, errlen, "SEARCH/REPLACE block %d has no ======= separator (truncated answer?)",
			     n + 1);
			return -1;
		}
		size_t k = j + 1;
		while (k < A->n && !starts_run(&A->v[k], '>', 7) && !starts_run(&A->v[k], '<', 7))
			k++;
		if (k >= A->n || !starts_run(&A->v[k], '>', 7)) {
			fail(err, errlen, "SEARCH/REPLACE block %d has no >>>>>>> REPLACE end (truncated answer?)",
			     n + 1);
			return -1;
		}
		bl[n++] = (struct block){ i + 1, j, j + 1, k };
		i = k;
	}
	return n;
}

/* Where the search lines S[0..m) occur in P (first occurrence, exact, then
 * fuzzy), restricted to regions when R->n > 0.  Returns the start line or
 * (size_t)-1; *fz says fuzzy; *outside that a match exists only outside
 * the EVOLVE blocks. */
static size_t find(const struct lines *P, const struct line *S, size_t m, const struct regions *R,
                   int *fz, int *outside)
{
	*outside = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; m && i + m <= P->n; i++) {
			size_t k = 0;
			while (k < m && (pass ? fuzzy_eq(&P->v[i + k], &S[k]) : exact_eq(&P->v[i + k], &S[k])))
				k++;
			if (k < m)
				continue;
			int inside = R->n == 0;
			for (int r = 0; !inside && r < R->n; r++)
				inside = i >= R->lo[r] && i + m <= R->hi[r];
			if (!inside) {
				*outside = 1;
				continue;
			}
			*fz = pass;
			return i;
		}
	}
	return (size_t)-1;
}

static int apply_diff(const char *parent, size_t plen, const struct lines *A, const struct block *bl,
                      int nb, char **child, struct llm_edit_info *info, char *err, size_t errlen)
{
	char *cur = malloc(plen + 1);
	if (!cur) {
		fail(err, errlen, "out of memory");
		return -1;
	}
	memcpy(cur, parent, plen);
	cur[plen] = '\0';
	size_t clen = plen;
	int had_blocks = -1;
	for (int b = 0; b < nb; b++) {
		struct lines P;
		struct regions R;
		if (split(cur, clen, &P)) {
			free(cur);
			fail(err, errlen, "out of memory");
			return -1;
		}
		int nr = find_regions(&P, &R);
		if (had_blocks < 0)
			had_blocks = nr;
		if (nr < 0 || (had_blocks > 0 && nr != had_blocks)) {
			free(P.v);
			free(cur);
			fail(err, errlen, nr < 0 && had_blocks <= 0
			                      ? "the program's EVOLVE-BLOCK markers are unbalanced"
			                      : "SEARCH/REPLACE block %d removes an EVOLVE-BLOCK marker", b);
			return -1;
		}
		size_t s0 = bl[b].s0, m = bl[b].s1 - bl[b].s0;
		/* Blank lines around the SEARCH text are not worth failing over. */
		while (m && A->v[s0].n == 0) { s0++; m--; }
		while (m && A->v[s0 + m - 1].n == 0) m--;
		if (m == 0) {
			free(P.v);
			free(cur);
			fail(err, errlen, "SEARCH/REPLACE block %d has an empty SEARCH part", b + 1);
			return -1;
		}
		int fz = 0, outside = 0;
		size_t at = find(&P, &A->v[s0], m, &R, &fz, &outside);
		if (at == (size_t)-1) {
			free(P.v);
			free(cur);
			if (outside)
				fail(err, errlen, "SEARCH/REPLACE block %d edits code outside the EVOLVE-BLOCK markers",
				     b + 1);
			else
				fail(err, errlen, "SEARCH block %d does not match the program (first line: \"%.*s\")",
				     b + 1, (int)(A->v[s0].n < 60 ? A->v[s0].n : 60), A->v[s0].p);
			return -1;
		}
		struct llm_buf nb_ = { 0 };
		put_lines(&nb_, P.v, at);
		put_lines(&nb_, &A->v[bl[b].r0], bl[b].r1 - bl[b].r0);
		put_lines(&nb_, P.v + at + m, P.n - at - m);
		free(P.v);
		if (nb_.oom) {
			free(nb_.p);
			free(cur);
			fail(err, errlen, "out of memory");
			return -1;
		}
		free(cur);
		cur = nb_.p ? nb_.p : strdup("");
		clen = nb_.n;
		if (info) {
			info->blocks++;
			info->fuzzy += fz;
		}
	}
	*child = cur;
	return 0;
}

/* ---- fenced code ------------------------------------------------------------------ */

static int is_fence(const struct line *l, struct line *lang)
{
	size_t i = 0;
	while (i < l->n && is_blank(l->p[i])) i++;
	if (i + 3 > l->n || memcmp(l->p + i, "```", 3))
		return 0;
	i += 3;
	while (i < l->n && l->p[i] == '`') i++;
	size_t j = l->n;
	while (j > i && is_blank(l->p[j - 1])) j--;
	lang->p = l->p + i;
	lang->n = j - i;
	return 1;
}

static int c_lang(const struct line *lang)
{
	static const char *const ok[] = { "", "c", "C", "c++", "cpp", "h", "c11", "c99", NULL };
	for (int i = 0; ok[i]; i++)
		if (lang->n == strlen(ok[i]) && !memcmp(lang->p, ok[i], lang->n))
			return 1;
	return 0;
}

/* The code lines [*c0, *c1) of the chosen block.  Returns 1 found, 0
 * none, -1 unterminated (err set). */
static int find_fenced(const struct lines *A, size_t *c0, size_t *c1, char *err, size_t errlen)
{
	int found = 0, found_c = 0;
	for (size_t i = 0; i < A->n; i++) {
		struct line lang;
		if (!is_fence(&A->v[i], &lang))
			continue;
		size_t j = i + 1;
		struct line dummy;
		while (j < A->n && !(is_fence(&A->v[j], &dummy) && dummy.n == 0))
			j++;
		if (j >= A->n) {
			if (found)
				break; /* a dangling fence after a complete block: keep the block */
			fail(err, errlen, "the answer's code block is not closed (truncated answer?)");
			return -1;
		}
		int isc = c_lang(&lang);
		if (isc || !found_c) {
			*c0 = i + 1;
			*c1 = j;
			found = 1;
			found_c |= isc;
		}
		i = j;
	}
	return found;
}

static int apply_rewrite(const char *parent, size_t plen, const struct lines *A, size_t c0,
                         size_t c1, char **child, char *err, size_t errlen)
{
	struct lines P;
	struct regions RP, RC;
	if (split(parent, plen, &P)) {
		fail(err, errlen, "out of memory");
		return -1;
	}
	int np = find_regions(&P, &RP);
	struct llm_buf b = { 0 };
	if (np <= 0) {
		put_lines(&b, &A->v[c0], c1 - c0);
	} else {
		struct lines C = { A->v + c0, c1 - c0 };
		int nc = find_regions(&C, &RC);
		if (nc != np) {
			free(P.v);
			if (nc <= 0)
				fail(err, errlen, "the rewrite has no EVOLVE-BLOCK markers (the program has %d block%s)",
				     np, np == 1 ? "" : "s");
			else
				fail(err, errlen, "the rewrite has %d EVOLVE-BLOCKs, the program %d", nc, np);
			return -1;
		}
		/* The parent outside its blocks, the rewrite's blocks inside. */
		size_t at = 0;
		for (int r = 0; r < np; r++) {
			put_lines(&b, P.v + at, RP.lo[r] - at);
			put_lines(&b, C.v + RC.lo[r], RC.hi[r] - RC.lo[r]);
			at = RP.hi[r];
		}
		put_lines(&b, P.v + at, P.n - at);
	}
	free(P.v);
	if (b.oom || !b.p) {
		free(b.p);
		fail(err, errlen, b.oom ? "out of memory" : "the answer's code block is empty");
		return -1;
	}
	*child = b.p;
	return 0;
}

/* ---- the front door ------------------------------------------------------------------ */

/* Same text, ignoring a trailing newline difference? */
static int same_text(const char *a, size_t an, const char *b, size_t bn)
{
	while (an && (a[an - 1] == '\n' || a[an - 1] == '\r')) an--;
	while (bn && (b[bn - 1] == '\n' || b[bn - 1] == '\r')) bn--;
	return an == bn && !memcmp(a, b, an);
}

int llm_edit_apply(const char *parent, size_t plen, const char *answer, size_t alen,
                   enum llm_edit_form prefer, char **child, struct llm_edit_info *info, char *err,
                   size_t errlen)
{
	struct llm_edit_info dummy;
	if (!info)
		info = &dummy;
	memset(info, 0, sizeof *info);
	*child = NULL;
	if (!answer || alen == 0) {
		fail(err, errlen, "the answer is empty");
		return -1;
	}
	if (memchr(answer, '\0', alen)) {
		fail(err, errlen, "the answer contains a NUL byte");
		return -1;
	}
	struct lines A;
	if (split(answer, alen, &A)) {
		fail(err, errlen, "the answer has too many lines");
		return -1;
	}
	struct block *bl = malloc(MAX_BLOCKS * sizeof *bl);
	if (!bl) {
		free(A.v);
		fail(err, errlen, "out of memory");
		return -1;
	}
	char derr[256] = "", ferr[256] = "";
	int nb = parse_blocks(&A, bl, derr, sizeof derr);
	size_t c0 = 0, c1 = 0;
	int nf = nb > 0 ? 0 : find_fenced(&A, &c0, &c1, ferr, sizeof ferr);
	int rc = -1;
	enum llm_edit_form order[2] = { prefer, prefer == LLM_EDIT_DIFF ? LLM_EDIT_REWRITE : LLM_EDIT_DIFF };
	for (int k = 0; k < 2 && rc; k++) {
		if (order[k] == LLM_EDIT_DIFF && nb != 0) {
			if (nb < 0) {
				fail(err, errlen, "%s", derr);
				break;
			}
			rc = apply_diff(parent, plen, &A, bl, nb, child, info, err, errlen);
			info->form = LLM_EDIT_DIFF;
			break; /* blocks were given: their failure is the answer's */
		}
		if (order[k] == LLM_EDIT_REWRITE && nf != 0) {
			if (nf < 0) {
				fail(err, errlen, "%s", ferr);
				break;
			}
			rc = apply_rewrite(parent, plen, &A, c0, c1, child, err, errlen);
			info->form = LLM_EDIT_REWRITE;
			break;
		}
	}
	if (rc && nb == 0 && nf == 0)
		fail(err, errlen, "the answer has no SEARCH/REPLACE block and no fenced code block");
	free(bl);
	free(A.v);
	if (rc == 0 && same_text(*child, strlen(*child), parent, plen)) {
		free(*child);
		*child = NULL;
		fail(err, errlen, "the edit leaves the program unchanged");
		return -1;
	}
	return rc;
}
