/*
 * symbolic.h - the "symbolic" mutator (symbolic.c): parameters for a
 * run-time instance, and the process-wide counters `disco run` reports.
 *
 * The built-in mut_symbolic uses the defaults (data NULL).  A caller that
 * wants other weights or fitting effort registers its own struct
 * mut_mutator copy with data pointing at a struct sym_params it owns (and
 * keeps alive).
 */
#ifndef DISCO_MUTATE_SYMBOLIC_H
#define DISCO_MUTATE_SYMBOLIC_H

#include <stdint.h>

#include "engine/mutate/mutate.h"

struct sym_weights;

struct sym_params {
	const struct sym_weights *weights; /* NULL: sym_default_weights */
	int fit_every;  /* fit the constants of one structural child in N; 0 = never */
	int fit_evals;  /* scoring runs per fitted child */
	int tries;      /* mutations tried per proposal */
};

/* Totals since the process started. */
struct sym_counters {
	int64_t proposals;     /* children asked of the IR path */
	int64_t tries;         /* mutations drawn */
	int64_t invalid;       /* rejected by the checker (never rendered) */
	int64_t same_text;     /* simplified back to the parent */
	int64_t same_function; /* the parent's probe hash, interpreted: never compiled */
	int64_t fitted;        /* children whose constants were fitted */
	int64_t fit_evals;     /* in-process scoring runs of the fitter */
	int64_t fallbacks;     /* parents without IR, varied by the literal mutator */
};

void sym_counters_get(struct sym_counters *c);

/* Parameters of the built-in mut_symbolic (copied; weights too).  Call
 * during start-up, before the campaign runs. */
void mut_symbolic_configure(const struct sym_params *p);

/* Fit constants on nthreads worker threads (a child to fit then comes
 * later, MUT_PENDING, delivered on loop), for evaluators with residuals;
 * 0 threads: fit in start().  Start after the sandbox's fork server
 * (sbx_open) and stop with mut_symbolic_pool_stop() once the campaign has
 * ended (pending children are cancelled by then).  Returns 0, or -1 with
 * a message. */
struct loop;
int mut_symbolic_pool(struct loop *loop, int nthreads, char *err, size_t errlen);
void mut_symbolic_pool_stop(void);

extern const struct mut_mutator mut_symbolic;

#endif
