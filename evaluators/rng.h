/*
 * rng.h - the engine's one source of randomness: xoshiro256** seeded by
 * splitmix64 (both by Blackman and Vigna, public domain algorithms).
 *
 * Everything random in the engine (parent selection, mutations, migration)
 * draws from a struct rng, so a campaign is reproducible by its seed: the
 * same seed gives the same stream on every platform (no libc rand(), no
 * floating-point transcendental functions except log/sqrt/cos in
 * rng_normal, which glibc computes correctly rounded enough to be stable).
 *
 * Header-only: struct rng is plain data the caller owns (stack or embedded
 * in another struct); nothing is allocated or freed.  Not thread-safe per
 * instance; use one struct rng per thread.
 */
#ifndef DISCO_RNG_H
#define DISCO_RNG_H

#include <math.h>
#include <stdint.h>

struct rng {
	uint64_t s[4];
};

static inline uint64_t rng__splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint64_t rng__rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* Seed the state from one 64-bit value (any value, 0 included). */
static inline void rng_seed(struct rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = rng__splitmix64(&x);
	/* splitmix64 never yields four zero words, but be explicit: xoshiro's
	 * all-zero state is a fixed point. */
	if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
		r->s[0] = 1;
}

/* Next 64 uniformly distributed bits. */
static inline uint64_t rng_u64(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rng__rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng__rotl(s[3], 45);
	return result;
}

/* Uniform double in [0, 1) with 53 random bits. */
static inline double rng_double(struct rng *r)
{
	return (double)(rng_u64(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, n) without modulo bias (rejection sampling).
 * n == 0 returns 0. */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
	if (n == 0)
		return 0;
	uint64_t threshold = (0 - n) % n; /* 2^64 mod n */
	for (;;) {
		uint64_t x = rng_u64(r);
		if (x >= threshold)
			return x % n;
	}
}

/* Standard normal deviate N(0, 1) by Box-Muller (one value per call, two
 * uniform draws per call, so the stream position is predictable). */
static inline double rng_normal(struct rng *r)
{
	double u1 = 1.0 - rng_double(r); /* (0, 1]: log() stays finite */
	double u2 = rng_double(r);
	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

#endif
