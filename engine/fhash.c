/* fhash.c - functional and text hashes, bounded LRU cache; see fhash.h. */
#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack: no allocation */
#include <xxhash.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/fhash.h"
#include "sandbox/csrc.h"

/* ---- functional hash ----------------------------------------------------- */

enum { TOK_ZERO = 1, TOK_NAN, TOK_PINF, TOK_NINF, TOK_QUANT, TOK_EXACT };

#define TOKBYTES 16
#define TOKBATCH 64

static void put_le64(unsigned char *p, uint64_t x)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(x >> (8 * i));
}

/* One value as (a, b); explicit little-endian bytes keep the hash the same
 * on every platform. */
static void tokenize(double v, double scale, int exact, uint64_t *a, uint64_t *b)
{
	*b = 0;
	if (isnan(v)) {
		*a = (uint64_t)TOK_NAN << 56;
		return;
	}
	if (isinf(v)) {
		*a = (uint64_t)(v > 0 ? TOK_PINF : TOK_NINF) << 56;
		return;
	}
	if (v == 0) { /* +0 and -0 */
		*a = (uint64_t)TOK_ZERO << 56;
		return;
	}
	if (exact) {
		uint64_t bits;
		memcpy(&bits, &v, sizeof bits);
		*a = (uint64_t)TOK_EXACT << 56;
		*b = bits;
		return;
	}
	int e;
	double m = frexp(fabs(v), &e); /* [0.5, 1) */
	long long q = llround(m * scale);
	if (q >= llround(scale)) { /* carried up to the next binade */
		q = llround(0.5 * scale);
		e++;
	}
	uint64_t sign = v < 0;
	*a = (uint64_t)TOK_QUANT << 56 | sign << 48 | (uint64_t)(uint32_t)e;
	*b = (uint64_t)q;
}

uint64_t fh_outputs(const double *v, size_t n, double rel_tol)
{
	XXH3_state_t st;
	XXH3_INITSTATE(&st);
	XXH3_64bits_reset(&st);
	int exact = !(rel_tol >= 0x1p-53); /* also catches NaN and <= 0 */
	double scale = exact ? 0 : 1.0 / rel_tol;
	unsigned char buf[TOKBYTES * TOKBATCH];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t a, b;
		tokenize(v[i], scale, exact, &a, &b);
		put_le64(buf + k * TOKBYTES, a);
		put_le64(buf + k * TOKBYTES + 8, b);
		if (++k == TOKBATCH) {
			XXH3_64bits_update(&st, buf, sizeof buf);
			k = 0;
		}
	}
	if (k)
		XXH3_64bits_update(&st, buf, k * TOKBYTES);
	return XXH3_64bits_digest(&st);
}

/* ---- text normalization ---------------------------------------------------- */

/* Where the normalized text goes: a caller's buffer, or a hash state fed
 * through a small staging buffer. */
struct sink {
	char *out;
	XXH3_state_t *st;
	size_t n;
	size_t bn;
	char buf[1024];
};

static void sink_put(struct sink *s, char c)
{
	if (s->out) {
		s->out[s->n++] = c;
		return;
	}
	s->buf[s->bn++] = c;
	s->n++;
	if (s->bn == sizeof s->buf) {
		XXH3_64bits_update(s->st, s->buf, s->bn);
		s->bn = 0;
	}
}

static int is_idch(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || c >= 0x80;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Would deleting the whitespace between a and b change the tokens? */
static int needs_space(char a, char b)
{
	if (is_idch((unsigned char)a) && (is_idch((unsigned char)b) || b == '"' || b == '\''))
		return 1;
	if (b == '=' && strchr("+-*/%&|^<>=!", a))
		return 1;
	if (a == b && strchr("+-&|<>#.", a))
		return 1;
	if ((a == '-' && b == '>') || (a == '/' && (b == '*' || b == '/')))
		return 1;
	/* digraphs <: <% %> :> %: */
	if ((a == '<' && (b == ':' || b == '%')) || (a == '%' && (b == '>' || b == ':')) ||
	    (a == ':' && b == '>'))
		return 1;
	return 0;
}

static void normalize(const char *src, size_t len, struct sink *s)
{
	size_t i = 0;
	int pending = 0;    /* whitespace or a comment was skipped */
	char last = 0;      /* last emitted character, 0 = none yet */
	int line_start = 1; /* only whitespace since the last newline */
	int in_dir = 0;     /* inside a preprocessor directive */
	while (i < len) {
		char c = src[i];
		if (c == '\n') {
			if (in_dir) {
				sink_put(s, '\n');
				last = '\n';
				pending = 0;
				in_dir = 0;
			} else {
				pending = 1;
			}
			line_start = 1;
			i++;
			continue;
		}
		if (is_space(c)) {
			pending = 1;
			i++;
			continue;
		}
		if (c == '\\' && in_dir) { /* line continuation inside a directive */
			size_t j = i + 1;
			if (j < len && src[j] == '\r')
				j++;
			if (j < len && src[j] == '\n') {
				pending = 1;
				i = j + 1;
				continue;
			}
		}
		if (csrc_skip_comment(src, len, i) != i) { /* unterminated: to the end */
			i = csrc_skip_comment(src, len, i);
			pending = 1;
			continue;
		}
		if (line_start && c == '#')
			in_dir = 1;
		line_start = 0;
		/* "#define A (x)" is not "#define A(x)": keep that space in directives */
		if (pending && last && last != '\n' &&
		    (needs_space(last, c) || (in_dir && c == '(' && is_idch((unsigned char)last))))
			sink_put(s, ' ');
		pending = 0;
		if (c == '"' || c == '\'') {
			/* Verbatim up to the closing quote; an unterminated literal
			 * stops before the newline (as the C lexer does) or at the end. */
			sink_put(s, c);
			i++;
			while (i < len && src[i] != c && src[i] != '\n') {
				if (src[i] == '\\' && i + 1 < len && src[i + 1] != '\n') {
					sink_put(s, src[i]);
					i++;
				}
				sink_put(s, src[i]);
				i++;
			}
			if (i < len && src[i] == c) {
				sink_put(s, c);
				i++;
			}
			last = c;
			continue;
		}
		sink_put(s, c);
		last = c;
		i++;
	}
}

size_t fh_normalize(const char *src, size_t len, char *out)
{
	struct sink s = { .out = out };
	if (src)
		normalize(src, len, &s);
	out[s.n] = '\0';
	return s.n;
}

uint64_t fh_text(const char *src, size_t len)
{
	XXH3_state_t st;
	XXH3_INITSTATE(&st);
	XXH3_64bits_reset(&st);
	struct sink s = { .st = &st };
	if (src)
		normalize(src, len, &s);
	if (s.bn)
		XXH3_64bits_update(&st, s.buf, s.bn);
	return XXH3_64bits_digest(&st);
}

/* ---- bounded LRU cache ----------------------------------------------------- */

#define NIL UINT32_MAX

struct fh_node {
	uint64_t key;
	struct fh_entry e;
	uint32_t prev, next; /* recency list: head = most recent */
};

struct fh_cache {
	size_t cap, size;
	struct fh_node *nodes;  /* cap nodes, the first `size` in use */
	uint32_t *slot;         /* open addressing (linear probing): node index or NIL */
	size_t mask;
	uint32_t head, tail;
	uint64_t hits, misses, evictions;
};

static size_t home(const struct fh_cache *c, uint64_t key)
{
	/* keys are hashes already, but tests and callers may use small ints */
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return (size_t)key & c->mask;
}

struct fh_cache *fh_cache_new(size_t capacity)
{
	if (capacity == 0)
		capacity = 1;
	if (capacity > ((size_t)1 << 30))
		return NULL;
	struct fh_cache *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	size_t nslots = 16;
	while (nslots < 2 * capacity)
		nslots <<= 1;
	c->cap = capacity;
	c->mask = nslots - 1;
	c->nodes = malloc(capacity * sizeof *c->nodes);
	c->slot = malloc(nslots * sizeof *c->slot);
	if (!c->nodes || !c->slot) {
		fh_cache_free(&c);
		return NULL;
	}
	for (size_t i = 0; i < nslots; i++)
		c->slot[i] = NIL;
	c->head = c->tail = NIL;
	return c;
}

void fh_cache_free(struct fh_cache **cp)
{
	if (!cp || !*cp)
		return;
	free((*cp)->nodes);
	free((*cp)->slot);
	free(*cp);
	*cp = NULL;
}

/* Slot index holding key, or the empty slot where it would go. */
static size_t find_slot(const struct fh_cache *c, uint64_t key)
{
	size_t i = home(c, key);
	while (c->slot[i] != NIL && c->nodes[c->slot[i]].key != key)
		i = (i + 1) & c->mask;
	return i;
}

/* Backward-shift deletion keeps every probe chain unbroken. */
static void slot_delete(struct fh_cache *c, size_t i)
{
	size_t j = i;
	for (;;) {
		j = (j + 1) & c->mask;
		if (c->slot[j] == NIL)
			break;
		size_t k = home(c, c->nodes[c->slot[j]].key);
		/* move slot[j] into the hole at i unless its home lies in (i, j] */
		int in_between = i <= j ? (k > i && k <= j) : (k > i || k <= j);
		if (!in_between) {
			c->slot[i] = c->slot[j];
			i = j;
		}
	}
	c->slot[i] = NIL;
}

static void list_unlink(struct fh_cache *c, uint32_t n)
{
	struct fh_node *x = &c->nodes[n];
	if (x->prev != NIL)
		c->nodes[x->prev].next = x->next;
	else
		c->head = x->next;
	if (x->next != NIL)
		c->nodes[x->next].prev = x->prev;
	else
		c->tail = x->prev;
}

static void list_push_front(struct fh_cache *c, uint32_t n)
{
	struct fh_node *x = &c->nodes[n];
	x->prev = NIL;
	x->next = c->head;
	if (c->head != NIL)
		c->nodes[c->head].prev = n;
	c->head = n;
	if (c->tail == NIL)
		c->tail = n;
}

int fh_cache_get(struct fh_cache *c, uint64_t key, struct fh_entry *out)
{
	if (!c)
		return 0;
	size_t i = find_slot(c, key);
	if (c->slot[i] == NIL) {
		c->misses++;
		return 0;
	}
	uint32_t n = c->slot[i];
	if (c->head != n) {
		list_unlink(c, n);
		list_push_front(c, n);
	}
	if (out)
		*out = c->nodes[n].e;
	c->hits++;
	return 1;
}

void fh_cache_put(struct fh_cache *c, uint64_t key, const struct fh_entry *e)
{
	if (!c || !e)
		return;
	size_t i = find_slot(c, key);
	uint32_t n = c->slot[i];
	if (n != NIL) {
		c->nodes[n].e = *e;
		if (c->head != n) {
			list_unlink(c, n);
			list_push_front(c, n);
		}
		return;
	}
	if (c->size < c->cap) {
		n = (uint32_t)c->size++;
	} else {
		n = c->tail;
		list_unlink(c, n);
		slot_delete(c, find_slot(c, c->nodes[n].key));
		c->evictions++;
		i = find_slot(c, key); /* the deletion may have moved the hole */
	}
	c->nodes[n].key = key;
	c->nodes[n].e = *e;
	c->slot[i] = n;
	list_push_front(c, n);
}

void fh_cache_stats(const struct fh_cache *c, struct fh_cache_stats *st)
{
	memset(st, 0, sizeof *st);
	if (!c)
		return;
	st->size = c->size;
	st->capacity = c->cap;
	st->hits = c->hits;
	st->misses = c->misses;
	st->evictions = c->evictions;
}
