/*
 * mono.h - the one monotonic clock: milliseconds (and seconds) from
 * CLOCK_MONOTONIC as a double, for phase timings, deadlines and rates.
 *
 * Header-only and shared by every layer (engine, evaluators, sandbox,
 * archive, tests, benches), like rng.h: an evaluator may use it too.
 * clock_gettime(CLOCK_MONOTONIC) is in the candidate filter's allow list,
 * so it also works inside a sandbox child.
 */
#ifndef DISCO_MONO_H
#define DISCO_MONO_H

#include <time.h>

static inline double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static inline double mono_s(void)
{
	return mono_ms() / 1e3;
}

#endif
