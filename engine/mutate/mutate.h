/*
 * mutate.h - the mutator contract: a parent (+ inspirations) in, a child
 * out, now or later.
 *
 * A mutator is a struct of function pointers with a version first, like an
 * evaluator (and sqlite3_vfs): built-ins ("literal" in literal.c, later
 * "symbolic", "llm") and mutators registered at run time look the same to
 * the evolution loop.  Mutators must be deterministic given the rng state
 * they are handed (reproducibility by seed); any other randomness source is
 * a bug.  They treat the parent as hostile text: never trust lengths,
 * nesting or termination (len is authoritative, parent need not be
 * NUL-terminated).
 *
 * Asynchronous contract (version 2).  The loop fills a struct mut_req and
 * calls mut_start().  A mutator either
 *   - finishes at once: returns 0 with the child filled in (literal,
 *     symbolic), or -1 with a message;
 *   - or returns MUT_PENDING: the child will come later.  The mutator then
 *     calls req->done(req, rc, child, err) exactly once, from a callback of
 *     the engine's event loop (engine/loop.h), never from inside start();
 *     rc is 0 with the child, or -1 with err (a one-line reason that the
 *     loop records, e.g. as an edit_failed attempt), or MUT_DROPPED: no
 *     child and nothing for the loop to record (the mutator recorded why
 *     itself, e.g. an LLM call that failed after its retries).  With -1
 *     the child may carry only a tag.  Until done() runs or
 *     cancel() returns, req and everything it points to stay valid and
 *     unchanged: the loop owns them.
 * cancel() (required when a mutator can return MUT_PENDING) drops a pending
 * request: after it returns, done() is never called for req.
 * A version 1 mutator has only mutate() and is driven synchronously.
 *
 * Ownership: mutator structs are immutable data (static for built-ins;
 * allocated by whoever registers a run-time one, which must outlive every
 * use).  A child's strings are malloc'd by the mutator and owned by the
 * receiver, released with mut_child_release().  The registry holds
 * pointers only.
 */
#ifndef DISCO_MUTATE_H
#define DISCO_MUTATE_H

#include <stddef.h>
#include <stdint.h>

#include "evaluators/rng.h"

struct sym_prog; /* engine/sym/sym.h */

#define MUT_API_VERSION 2
#define MUT_PENDING 1            /* start(): the child comes later, through done() */
#define MUT_DROPPED 2            /* done(): no child, nothing to record */
#define MUT_MAX_REGISTERED 8 /* run-time additions beyond the built-ins */

enum mut_avail { MUT_AVAIL_NOW, MUT_AVAIL_LATER, MUT_AVAIL_NEVER };

/* A program as a mutator sees it (borrowed from the loop). */
struct mut_prog {
	const char *src;         /* C source (NUL-terminated) */
	size_t len;              /* strlen(src) */
	const char *ir;          /* symbolic IR text, or NULL when it has none */
	int64_t id;              /* program id in the archive, 0 if none */
	double score;            /* NAN when unknown */
	const char *metrics;     /* JSON object text, or NULL */
	int island;
};

/* A child.  Every pointer is malloc'd or NULL; mut_child_release() frees. */
struct mut_child {
	char *src;               /* required: the child's C source */
	char *ir;                /* the IR it was rendered from, or NULL */
	struct sym_prog *prog;   /* that IR parsed (malloc'd), or NULL; when set, src is
	                            exactly sym_render(prog) and ir sym_print(prog): only
	                            such children are batched into one sandbox child */
	char *info;              /* JSON object text the loop stores with the attempt, or NULL */
	int64_t tag;             /* the mutator's handle for it (e.g. an LLM call id), 0 none;
	                            handed back by result() */
	int64_t parent;          /* 0: the request's parent; else the program it derives from
	                            (a mutator's own follow-up of an earlier child, e.g.
	                            fitting the constants of an LLM child) */
	int has_probe_hash;      /* 1: probe_hash is sym_probe_hash(prog, probe_tol), which
	                            the mutator computed already (the loop need not) */
	double probe_tol;
	uint64_t probe_hash;
};

struct mut_req {
	struct rng *rng;         /* the loop's; use only inside start() */
	struct mut_prog parent;
	const struct mut_prog *insp; /* ninsp inspirations from other cells, or NULL */
	int ninsp;
	const char *failures;    /* recent failures of this lineage (text), or NULL */
	/* Completion of a MUT_PENDING request (see the contract above). */
	void (*done)(struct mut_req *req, int rc, struct mut_child *child, const char *err);
	void *ud;                /* the loop's */
};

struct mut_mutator {
	int version;             /* MUT_API_VERSION */
	const char *name;        /* "literal", ...: the name campaign files use */
	const char *summary;     /* one line for listings */
	int uses_inspirations;   /* 0: the loop need not fetch inspiration sources */
	int uses_failures;       /* 1: the loop passes the parent's children's recent failures
	                            (mut_req.failures; an LLM prompt shows them) */

	/* Produce a child from parent[0..len).  inspirations: ninsp sources
	 * (NUL-terminated; NULL when ninsp == 0) from other cells.  Returns 0
	 * with *child a malloc'd NUL-terminated source, or -1 with a one-line
	 * message in err (errlen bytes) and *child untouched. */
	int (*mutate)(const struct mut_mutator *m, struct rng *r, const char *parent, size_t len,
	              const char *const *inspirations, int ninsp, char **child, char *err,
	              size_t errlen);

	const void *data;        /* the mutator's own parameters */

	/* Version 2. */
	/* Start a proposal for req: 0 with *child filled, MUT_PENDING, or -1
	 * with a message in err.  NULL: the loop calls mutate() instead. */
	int (*start)(const struct mut_mutator *m, struct mut_req *req, struct mut_child *child,
	             char *err, size_t errlen);
	/* Drop a pending request (see the contract).  NULL for mutators that
	 * never return MUT_PENDING. */
	void (*cancel)(const struct mut_mutator *m, struct mut_req *req);
	void *state;             /* a run-time mutator's mutable state (e.g. an LLM client) */
	/* Can start() take a request now?  NULL: always MUT_AVAIL_NOW.  The
	 * loop picks among the mutators available now (weights renormalised),
	 * waits while some are MUT_AVAIL_LATER (in-flight limit, endpoint
	 * paused), and ends the campaign when every one is MUT_AVAIL_NEVER
	 * (e.g. an LLM-only campaign whose spending cap is reached). */
	enum mut_avail (*avail)(const struct mut_mutator *m);
	/* How a child with a non-zero tag ended, once recorded: its attempt's
	 * seq, outcome (enum arc_outcome) and score (NaN if none).  NULL: not
	 * told.  Lets an LLM mutator link its call to the attempt and learn
	 * which model pays. */
	void (*result)(const struct mut_mutator *m, int64_t tag, int64_t seq, int outcome,
	               double score);
};

/* Start a proposal with m: m->start() when it has one, else m->mutate()
 * on req->parent and req->insp.  Same returns as start(). */
int mut_start(const struct mut_mutator *m, struct mut_req *req, struct mut_child *child, char *err,
              size_t errlen);

/* Free a child's strings and zero it (NULL-safe). */
void mut_child_release(struct mut_child *c);

/* The literal-perturbing mutator (literal.c). */
extern const struct mut_mutator mut_literal;

/* The float constants of a C source as a vector, for tuners (engine/tune.c):
 * the float literals the literal mutator would touch (never in comments,
 * strings, directives, array sizes or case labels), in source order.
 * mut_consts_scan() fills c (release with mut_consts_release()); returns 0
 * or -1 with a message.  mut_consts_render() returns the source with
 * constant i replaced by values[i] (shortest text that reads back exactly,
 * a float stays a float, negatives in parentheses, suffixes kept; a
 * non-finite value keeps the original text), malloc'd, NULL when out of memory. */
struct mut_const {
	size_t start, end; /* the literal's bytes, suffix included */
	double value;      /* as written */
	int fsuffix;       /* an f/F suffix: the value is a float */
};
struct mut_consts {
	struct mut_const *v;
	size_t n;
};
int mut_consts_scan(const char *src, size_t len, struct mut_consts *c, char *err, size_t errlen);
char *mut_consts_render(const char *src, size_t len, const struct mut_consts *c, const double *values);
void mut_consts_release(struct mut_consts *c);

/* Built-ins first, then registered ones; NULL if none is called name. */
const struct mut_mutator *mut_find(const char *name);
/* The i-th built-in or registered mutator, NULL past the end. */
const struct mut_mutator *mut_at(int i);
/* Add a mutator made at run time (e.g. an LLM mutator bound to an
 * endpoint).  Returns 0, or -1 when the name is taken, the version is
 * unknown (1 and 2 are known), a field is missing (mutate or start; cancel
 * with start for version 2) or the table is full.  Not thread-safe: call
 * during start-up. */
int mut_register(const struct mut_mutator *m);

#endif
