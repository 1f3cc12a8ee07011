/*
 * symbolic.c - the "symbolic" mutator: varies a program's IR (engine/sym)
 * instead of its C text, and falls back to the literal mutator for a
 * parent that has no IR (C seeds, programs of evaluators without a
 * symbolic form, e.g. expapprox-wide).
 *
 * One proposal, finished at once (start() never returns MUT_PENDING):
 *   1. parse the parent's IR (its header names the evaluator: built-ins
 *      are found with ev_find());
 *   2. sym_vary(): 1-3 weighted mutations, the checker, the simplifier, and
 *      up to SYMB_TRIES retries while the child is invalid, simplifies to
 *      the parent, or has the parent's probe hash (interpreted: microseconds);
 *   3. constant fitting (sym_fit) for one child in SYMB_FIT_EVERY whose
 *      structure changed (not a pure constant perturbation): at most
 *      SYMB_FIT_EVALS in-process scoring runs (evaluators without
 *      residuals, e.g. optim: one child in 4 x SYMB_FIT_EVERY, a fifth
 *      of the runs, since each is a full interpreted scoring);
 *   4. the child's C is the rendering of its simplified IR; both are
 *      returned, with a JSON note (mutations applied, tries, fitting runs).
 *
 * Counters (struct sym_counters) are module state, summed over the
 * process, read by `disco run` for its summary: fitting evaluations are
 * reported apart from candidates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "engine/mutate/mutate.h"
#include "engine/mutate/symbolic.h"
#include "engine/sym/sym.h"

#define SYMB_TRIES 24
#define SYMB_FIT_EVERY 2
#define SYMB_FIT_EVALS 40
#define SYMB_TOL 1e-15 /* the campaign default hash tolerance */

/* Module state: totals since the process started (one thread). */
static struct sym_counters counters;

void sym_counters_get(struct sym_counters *c)
{
	*c = counters;
}

/* Module state: the built-in's parameters, set once at start-up by
 * mut_symbolic_configure() (a campaign's "symbolic" fields). */
static struct sym_weights cfg_weights;
static struct sym_params default_params = {
	.fit_every = SYMB_FIT_EVERY, .fit_evals = SYMB_FIT_EVALS, .tries = SYMB_TRIES,
};

void mut_symbolic_configure(const struct sym_params *p)
{
	default_params = *p;
	if (p->weights) {
		cfg_weights = *p->weights;
		default_params.weights = &cfg_weights;
	}
}

/* Module state: parsed IR texts, direct-mapped by the text's XXH3 hash
 * and length.  Parents are picked again and again from the same elites:
 * most proposals hash the text (~0.1 us) instead of parsing it. */
#define SYMB_CACHE 256
static struct {
	uint64_t hash;
	size_t len; /* 0: empty */
	struct sym_prog p;
} parsed[SYMB_CACHE];

static int parse_cached(const char *ir, const struct ev_evaluator *ev, struct sym_prog *out, char *err,
                        size_t errlen)
{
	size_t len = strlen(ir);
	uint64_t h = XXH3_64bits(ir, len);
	unsigned at = (unsigned)(h % SYMB_CACHE);
	if (len && parsed[at].len == len && parsed[at].hash == h && (!ev || parsed[at].p.spec->ev == ev)) {
		*out = parsed[at].p;
		return 0;
	}
	if (sym_parse(ir, len, ev, out, err, errlen))
		return -1;
	parsed[at].hash = h;
	parsed[at].len = len;
	parsed[at].p = *out;
	return 0;
}

static int symb_start(const struct mut_mutator *m, struct mut_req *req, struct mut_child *child,
                      char *err, size_t errlen)
{
	const struct sym_params *sp = m->data ? m->data : &default_params;
	if (!req->parent.ir) {
		counters.fallbacks++;
		int rc = mut_literal.mutate(&mut_literal, req->rng, req->parent.src, req->parent.len, NULL, 0,
		                            &child->src, err, errlen);
		if (rc == 0)
			child->info = strdup("{\"fallback\":\"literal\"}");
		return rc;
	}
	struct sym_prog parent, other, c;
	char perr[256];
	if (parse_cached(req->parent.ir, NULL, &parent, perr, sizeof perr)) {
		snprintf(err, errlen, "parent's IR: %s", perr);
		return -1;
	}
	int have_other = 0;
	for (int i = 0; i < req->ninsp && !have_other; i++)
		if (req->insp[i].ir &&
		    parse_cached(req->insp[i].ir, parent.spec->ev, &other, perr, sizeof perr) == 0)
			have_other = 1;
	struct sym_vary_stats vs;
	const struct sym_weights *w = sp->weights ? sp->weights : &sym_default_weights;
	int rc = sym_vary(&parent, have_other ? &other : NULL, w, SYMB_TOL, sp->tries > 0 ? sp->tries : SYMB_TRIES,
	                  req->rng, &c, &vs);
	counters.proposals++;
	counters.tries += vs.tries;
	counters.invalid += vs.invalid;
	counters.same_text += vs.same_text;
	counters.same_function += vs.same_function;
	if (rc) {
		snprintf(err, errlen, "no valid, different child in %d tries (%d invalid, %d same text, %d same function)",
		         vs.tries, vs.invalid, vs.same_text, vs.same_function);
		return -1;
	}
	int fit = 0;
	/* Without residuals the fitter is a local search over full scorings
	 * (optim: ~15 ms each, interpreted): fit rarely and briefly. */
	int slow = !c.spec->ev->ir->residuals;
	int every = slow ? sp->fit_every * 4 : sp->fit_every;
	int evals = slow ? (sp->fit_evals + 4) / 5 : sp->fit_evals;
	if (every > 0 && evals > 0 && (vs.kinds & ~(1 << SYM_M_PERTURB)) &&
	    rng_below(req->rng, (uint64_t)every) == 0) {
		fit = sym_fit(&c, evals, req->rng, NULL);
		counters.fit_evals += fit;
		counters.fitted += fit > 0;
		sym_simplify(&c);
	}
	child->src = sym_render(&c);
	child->ir = sym_print(&c);
	child->prog = malloc(sizeof c);
	if (child->prog)
		*child->prog = c;
	char kinds[160] = "";
	size_t kl = 0;
	for (int k = 0; k < SYM_NMUT; k++)
		if (vs.kinds >> k & 1)
			kl += (size_t)snprintf(kinds + kl, sizeof kinds - kl, "%s%s", kl ? "," : "", sym_mutation_names[k]);
	char info[320];
	snprintf(info, sizeof info, "{\"mutations\":\"%s\",\"tries\":%d,\"fit_evals\":%d}", kinds, vs.tries, fit);
	child->info = strdup(info);
	if (!child->src || !child->ir || !child->prog) {
		mut_child_release(child);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

const struct mut_mutator mut_symbolic = {
	.version = MUT_API_VERSION,
	.name = "symbolic",
	.summary = "vary the typed register IR (insert, delete, change op/operand, perturb, swap, crossover), "
	           "simplify, fit constants; literal for programs without IR",
	.uses_inspirations = 1,
	.mutate = NULL,
	.data = NULL,
	.start = symb_start,
	.cancel = NULL,
};
