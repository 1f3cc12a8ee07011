/*
 * config.h - the campaign file: `disco run CAMPAIGN.json`.
 *
 * A campaign names the evaluator (built-in, C plug-in or external command),
 * the mutators and their weights, the MAP-Elites dimensions, islands and
 * migration, parent selection, the budget, sandbox limits, worker count,
 * seed, database path and functional-hash settings.  Every field has a
 * default (cfg_default), so an empty file `{}` is a valid campaign; the
 * field reference with types and defaults is docs/CAMPAIGNS.md.
 *
 * The file is parsed once (cJSON) into struct campaign, a typed struct with
 * fixed arrays and no pointers: it can be copied by assignment and needs no
 * freeing.  Validation reports every problem, one line each, in the form
 *     FILE: field 'budget.evaluations': expected a non-negative integer (0 = no limit), got -3
 *     FILE: unknown field 'budgett' (did you mean 'budget'?)
 *     FILE: invalid JSON at line 4, column 3: ...
 * Unknown fields are errors.  Evaluator and mutator names are stored, not
 * checked: the engine resolves them against its registries.
 *
 * cfg_to_json() writes every field in a fixed key order with numbers in
 * their shortest exact form; cfg_parse() of that text gives back the same
 * struct, so the archive stores it and `disco resume` re-reads it.
 *
 * Ownership: the caller owns struct campaign (stack or heap).
 * cfg_to_json() returns a malloc'd string the caller free()s.
 */
#ifndef DISCO_CONFIG_H
#define DISCO_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "engine/llm/cfg.h"

#define CFG_NAME_MAX 64        /* mutator and descriptor names, evaluator names */
#define CFG_TEXT_MAX 1024      /* paths and commands */
#define CFG_DESC_MAX 512       /* free-text description */
#define CFG_MAX_MUTATORS 8
#define CFG_MAX_DIMS 4
#define CFG_MAX_INSPIRATIONS 8
#define CFG_MAX_ISLANDS 64
#define CFG_MAX_WORKERS 256
#define CFG_MAX_CELLS 1000000  /* grid cells per island */
#define CFG_FILE_MAX (1 << 20) /* largest campaign file read */
#define CFG_ERR_MAX 4096       /* a comfortable err buffer size */
#define CFG_MUTATION_KINDS 11  /* the symbolic mutator's mutation kinds */

/* "mutation_weights" keys, in engine/sym/sym.h's SYM_MUTATIONS order. */
extern const char *const cfg_mutation_weight_names[CFG_MUTATION_KINDS + 1];

enum cfg_evaluator_kind {
	CFG_EV_BUILTIN = 0, /* text is a built-in evaluator name ("optim") */
	CFG_EV_PLUGIN,      /* text is the path of a C plug-in source file (.c) */
	CFG_EV_COMMAND      /* text is a shell command speaking the JSON protocol */
};

enum cfg_selection { CFG_SEL_UNIFORM = 0, CFG_SEL_SCORE, CFG_SEL_CURIOSITY };

struct cfg_mutator {
	char name[CFG_NAME_MAX];
	double weight; /* > 0; relative */
};

struct cfg_dim {
	char descriptor[CFG_NAME_MAX]; /* one of the evaluator's descriptors */
	double lo, hi;                 /* lo < hi */
	int bins;                      /* >= 1 */
};

struct campaign {
	char description[CFG_DESC_MAX];
	struct {
		enum cfg_evaluator_kind kind;
		char text[CFG_TEXT_MAX];
	} evaluator;
	int nmutators;
	struct cfg_mutator mutators[CFG_MAX_MUTATORS];
	int ndims; /* 0 = the evaluator's own dimensions */
	struct cfg_dim dims[CFG_MAX_DIMS];
	struct {
		int count;
		int migration_interval; /* evaluations per island between migrations; 0 = never */
		int migrants;           /* elites copied per migration */
	} islands;
	enum cfg_selection selection;
	int inspirations; /* programs from other cells shown to the mutator */
	struct {
		int64_t evaluations; /* attempts, duplicates included; 0 = no limit */
		double wall_seconds; /* 0 = no limit */
		int64_t llm_calls;   /* 0 = no limit */
		int64_t tokens;      /* 0 = no limit */
		double cost_usd;     /* 0 = no limit */
	} budget;
	struct {
		int timeout_ms;  /* the deadline per job; its ceiling when not set */
		int timeout_set; /* 0: not given (file or option): the deadline is derived from
		                    the seeds' run time, at most timeout_ms; not serialized then */
		int memory_mb;
		int max_source_bytes;
		int batch;            /* IR candidates per sandbox child; 1 = one each */
	} sandbox;
	int workers;
	uint64_t seed;
	char db[CFG_TEXT_MAX];
	char seeds[CFG_TEXT_MAX];
	struct {
		int fit_every;  /* fit the constants of one structural child in N; 0 = never */
		int fit_evals;  /* scoring runs per fitted child */
		int tries;      /* mutations tried per child */
		int fit_threads; /* fitting threads; -1 = as many as cores (at most workers), 0 = none */
		double weights[CFG_MUTATION_KINDS]; /* by cfg_mutation_weight_names */
	} symbolic; /* seed names to start from, comma separated; "" = the evaluator's default */
	struct {
		double tolerance;    /* relative tolerance of functional hashing; 0 = exact */
		int remeasure_after; /* noisy evaluators: re-run a function after K duplicate hits; 0 = never */
	} hash;
	struct llm_cfg llm; /* the "llm" object: endpoints, retries, prompts (engine/llm/cfg.h) */
};

/* Defaults for every field; workers = number of online CPUs (capped). */
void cfg_default(struct campaign *c);

/* Apply the JSON text (NUL-terminated) over *c, which holds defaults or an
 * earlier layer.  filename only labels messages.  Returns 0, or -1 with
 * every problem in err (newline-separated, no trailing newline, truncated
 * to errlen) and *c unchanged. */
int cfg_parse(struct campaign *c, const char *json, const char *filename, char *err,
              size_t errlen);

/* Read path (at most CFG_FILE_MAX bytes) and cfg_parse() it.  A missing or
 * unreadable file, a directory, a NUL byte: -1 with one message. */
int cfg_load_file(struct campaign *c, const char *path, char *err, size_t errlen);

/* Check the ranges and cross-field rules of a filled struct (e.g. after the
 * CLI changed fields).  origin labels messages ("command line").  Returns
 * 0 or -1 with every problem in err. */
int cfg_validate(const struct campaign *c, const char *origin, char *err, size_t errlen);

/* Every field as JSON, stable key order; malloc'd (free()), NULL if out of
 * memory. */
char *cfg_to_json(const struct campaign *c);

/* "uniform", "score", "curiosity"; cfg_selection_parse returns -1 if none. */
const char *cfg_selection_name(enum cfg_selection s);
int cfg_selection_parse(const char *s);
/* "builtin", "plugin", "command". */
const char *cfg_evaluator_kind_name(enum cfg_evaluator_kind k);

#endif
