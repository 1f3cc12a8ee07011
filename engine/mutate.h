/*
 * mutate.h - the mutator interface: parent source (+ inspirations) in,
 * child source out.
 *
 * A mutator is a struct of function pointers with a version first, like an
 * evaluator (and sqlite3_vfs): built-ins ("literal" in mutate_lit.c, later
 * "symbolic", "llm") and mutators registered at run time look the same to
 * the evolution loop.  Mutators must be deterministic given the rng state
 * they are handed (reproducibility by seed); any other randomness source is
 * a bug.  They treat the parent as hostile text: never trust lengths,
 * nesting or termination (len is authoritative, parent need not be
 * NUL-terminated).
 *
 * Ownership: mutator structs are static, immutable data; nobody frees them.
 * mutate() returns a malloc'd NUL-terminated child the caller free()s.
 * The registry (mut_find, mut_register) holds pointers only; a registered
 * mutator must outlive every use.
 */
#ifndef DISCO_MUTATE_H
#define DISCO_MUTATE_H

#include <stddef.h>

#include "engine/rng.h"

#define MUT_API_VERSION 1
#define MUT_MAX_REGISTERED 8 /* run-time additions beyond the built-ins */

struct mut_mutator {
	int version;             /* MUT_API_VERSION */
	const char *name;        /* "literal", ...: the name campaign files use */
	const char *summary;     /* one line for listings */
	int uses_inspirations;   /* 0: the loop need not fetch inspiration sources */

	/* Produce a child from parent[0..len).  inspirations: ninsp sources
	 * (NUL-terminated; NULL when ninsp == 0) from other cells.  Returns 0
	 * with *child a malloc'd NUL-terminated source, or -1 with a one-line
	 * message in err (errlen bytes) and *child untouched. */
	int (*mutate)(const struct mut_mutator *m, struct rng *r, const char *parent, size_t len,
	              const char *const *inspirations, int ninsp, char **child, char *err,
	              size_t errlen);

	const void *data;        /* the mutator's own parameters */
};

/* The literal-perturbing mutator (mutate_lit.c). */
extern const struct mut_mutator mut_literal;

/* Built-ins first, then registered ones; NULL if none is called name. */
const struct mut_mutator *mut_find(const char *name);
/* The i-th built-in or registered mutator, NULL past the end. */
const struct mut_mutator *mut_at(int i);
/* Add a mutator made at run time (e.g. an LLM mutator bound to an
 * endpoint).  Returns 0, or -1 when the name is taken, the version is
 * unknown, a field is missing or the table is full.  Not thread-safe: call
 * during start-up. */
int mut_register(const struct mut_mutator *m);

#endif
