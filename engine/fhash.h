/*
 * fhash.h - duplicate detection: functional hashes, text hashes and a
 * bounded cache in front of the archive's hash indexes.
 *
 * Two candidates are the same *text* when their normalized sources match
 * (comments dropped, whitespace collapsed, literals verbatim) and the same
 * *function* when their probe outputs match after quantization to a
 * relative tolerance.  Both hashes are XXH3-64 (libxxhash).
 *
 * Functional hash (fh_outputs): each double becomes a 16-byte token:
 *   - NaN (any payload, any sign)  -> one canonical NaN token
 *   - +Inf, -Inf                   -> one token each
 *   - +0 and -0                    -> one zero token
 *   - finite non-zero v, rel_tol > 0: frexp(v) = m * 2^e, |m| in [0.5, 1);
 *     q = llround(|m| / rel_tol); the token is (sign, e, q).  If rounding
 *     carries q up to llround(1 / rel_tol) the value is renormalized to
 *     (e + 1, llround(0.5 / rel_tol)), so 2^e approached from below and
 *     from above tokenizes the same.  Steps are rel_tol..2*rel_tol relative.
 *   - rel_tol <= 0 (or below 2^-53, where quantization is a no-op): the
 *     exact bits of v (only -0 and NaN are canonicalized).
 * The hash is XXH3-64 of the token stream, so order and count matter.
 * Caveat: quantization is rounding, not clustering.  Two values closer than
 * the tolerance but on both sides of a rounding edge (e.g. q + 0.4999 and
 * q + 0.5001 steps) get different tokens; functional dedup can miss such
 * pairs, never merge values further apart than ~2 steps.
 *
 * Text normalization (fh_normalize): comments become whitespace; runs of
 * whitespace collapse to nothing, or to one space where dropping it would
 * join two tokens (identifier/number characters on both sides, an
 * identifier before a string/char literal as in L"x", or two punctuators
 * that would fuse: "+ +", "- -", "- >", "/ *", "& &", "a = =", ...);
 * preprocessor directives keep their terminating newline and the space in
 * "#define A (x)" (object-like, unlike "#define A(x)"); string and char
 * literals are copied verbatim.  Unterminated comments or literals run to
 * the end of the input; nothing is read past len.
 *
 * Cache: struct fh_cache maps a 64-bit hash to a struct fh_entry with exact
 * LRU eviction at a fixed capacity, so memory stays bounded over millions
 * of attempts.  fh_cache_new() allocates, fh_cache_free() releases and
 * NULLs the pointer.  Every cache function accepts NULL (a cache that never
 * hits), so the engine can run without one if allocation failed.
 */
#ifndef DISCO_FHASH_H
#define DISCO_FHASH_H

#include <stddef.h>
#include <stdint.h>

/* Functional hash of n doubles quantized to rel_tol (see above). */
uint64_t fh_outputs(const double *v, size_t n, double rel_tol);

/* Normalize src[0..len) into out, which has room for len + 1 bytes (the
 * normalized text is never longer than the input).  Writes a NUL and
 * returns the normalized length.  src need not be NUL-terminated. */
size_t fh_normalize(const char *src, size_t len, char *out);

/* XXH3-64 of the normalized text (no allocation). */
uint64_t fh_text(const char *src, size_t len);

/* --- bounded cache ------------------------------------------------------ */

struct fh_entry {
	int64_t program_id; /* > 0 a program; the engine may store -seq for attempts */
	double score;
	int status;         /* enum sbx_status of the attempt */
	int hits;           /* caller-maintained counter (e.g. for re-measuring) */
};

struct fh_cache;

/* A cache holding at most capacity entries (capacity 0 is taken as 1;
 * more than 2^30 is refused).  Returns NULL when out of memory. */
struct fh_cache *fh_cache_new(size_t capacity);
void fh_cache_free(struct fh_cache **c);

/* 1 and *out filled when key is cached (the entry becomes most recent),
 * else 0.  Counts a hit or a miss. */
int fh_cache_get(struct fh_cache *c, uint64_t key, struct fh_entry *out);

/* Insert or replace key's entry, making it most recent; when the cache is
 * full the least recently used entry is evicted. */
void fh_cache_put(struct fh_cache *c, uint64_t key, const struct fh_entry *e);

struct fh_cache_stats {
	size_t size, capacity;
	uint64_t hits, misses, evictions;
};
void fh_cache_stats(const struct fh_cache *c, struct fh_cache_stats *st);

#endif
