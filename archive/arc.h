/*
 * arc.h - the campaign archive: one SQLite file per campaign.
 *
 * The archive is disco's checkpoint and its record.  It stores the campaign
 * (config, seed, engine version), every candidate tried (attempts), the
 * programs that were accepted into the population (programs), their scores
 * (evaluations), the MAP-Elites grid per island (elites), LLM calls and
 * events (budget stops, resumes, migrations).  Attempts and programs are
 * separate tables so their counts never drift.  docs/ARCHIVE.md documents
 * the schema for people who query it with `sqlite3`.
 *
 * Main type: struct arc, an opaque handle.  arc_open() allocates it,
 * arc_close() frees it (NULL-safe, NULLs the caller's pointer).  One handle
 * is used by one thread.
 *
 * Ownership of data:
 *   - Structs passed IN (struct arc_program, struct arc_attempt, ...) are
 *     only read during the call; their strings stay the caller's.
 *   - Structs filled OUT by arc_get_program()/arc_get_evaluation() hold
 *     malloc'd strings; free them with arc_program_clear()/arc_eval_clear().
 *   - arc_campaign_get() returns a malloc'd config string: free() it.
 *
 * Errors are values: every function returning int returns ARC_OK (0),
 * ARC_NOTFOUND (1, lookups only) or ARC_ERR (-1).  After ARC_ERR,
 * arc_errmsg() says what went wrong (names the file, table or value).
 *
 * Transactions: arc_begin()/arc_commit() nest (a depth counter); only the
 * outermost pair really begins/commits.  Writes outside any arc_begin()
 * autocommit one by one (correct but slow).  For throughput the engine
 * keeps one batch open and calls arc_checkpoint() regularly, which commits
 * and reopens the batch once it holds max_records writes or is max_ms old.
 * A process killed mid-batch loses only the uncommitted batch; the file
 * stays consistent (WAL, synchronous=NORMAL).
 *
 * MAP-Elites: dimensions (arc_set_dims) are stored in the file.  A
 * descriptor value v in dimension d falls in bin
 *     floor((v - lo) / (hi - lo) * bins)
 * clamped to [0, bins-1]: values below lo (and -inf) go to bin 0, values at
 * or above hi (and +inf) go to bin bins-1, NaN goes to bin 0.  The cell
 * index is row-major over the dimensions (dimension 0 varies slowest).
 * A cell's elite is replaced only by a strictly higher score; on an equal
 * score the shorter source wins; a NaN score never enters the grid.
 * Higher scores are better.
 */
#ifndef DISCO_ARC_H
#define DISCO_ARC_H

#include <stddef.h>
#include <stdint.h>

#define ARC_OK 0
#define ARC_NOTFOUND 1
#define ARC_ERR (-1)

/* arc_open() flags. */
#define ARC_CREATE 1   /* create the file if missing; migrate an old schema */
#define ARC_READONLY 2 /* browse only: no writes, no migration */
#define ARC_WRITER 4   /* the campaign's one writer: refuse when another process holds
                          the file as its writer (an advisory flock on the file, released
                          by arc_close or the process's death, kill -9 included) */

#define ARC_SCHEMA_VERSION 3
#define ARC_APPLICATION_ID 0x44495343 /* "DISC" in PRAGMA application_id */

#define ARC_MAX_DIMS 4
#define ARC_MAX_INSPIRATIONS 8
#define ARC_NAME_MAX 32

/* Outcome of one attempt for the archive (attempts.outcome, stored as the
 * text in arc_outcome_name()). */
enum arc_outcome {
	ARC_NOT_ADDED = 0, /* evaluated (or failed) but did not enter the grid */
	ARC_NEW = 1,       /* filled an empty cell */
	ARC_IMPROVED = 2,  /* replaced a cell's elite */
	ARC_DUPLICATE = 3  /* same text or function as an existing program */
};
#define ARC_NOUTCOMES 4

/* Attempt statuses, the only values accepted in arc_attempt.status. */
#define ARC_NSTATUS 10
extern const char *const arc_status_names[ARC_NSTATUS];
/* "ok","rejected","compile_error","timeout","crash","memory","syscall",
 * "invalid_output" (the sandbox's statuses, in sbx_status order), then
 * "duplicate" and "edit_failed" (a mutator could not make a child, e.g. an
 * LLM edit that did not apply) */

struct arc; /* opaque */

struct arc_dim {
	char name[ARC_NAME_MAX];
	double lo, hi; /* lo < hi */
	int bins;      /* >= 1 */
};

/* A program accepted into the population.  For arc_add_program() the
 * strings are read only; for arc_get_program() they are malloc'd. */
struct arc_program {
	int64_t id;          /* out only (arc_get_program) */
	char *source;        /* C source, required */
	char *ir;            /* symbolic IR text, NULL if none */
	char *mutator;       /* "seed", "symbolic", "llm", ... NULL = unknown */
	uint64_t text_hash;  /* hash of the normalized text */
	uint64_t func_hash;  /* functional hash; 0 = not computed */
	int64_t parent_id;   /* 0 = none (seeds) */
	int64_t parent2_id;  /* crossover partner, 0 = none */
	int ninspirations;   /* <= ARC_MAX_INSPIRATIONS */
	int64_t inspirations[ARC_MAX_INSPIRATIONS];
	int island;
	double created;      /* unix time in seconds; 0 = now */
};

/* One candidate tried, whatever became of it.  Strings read only. */
struct arc_attempt {
	int64_t seq;         /* campaign sequence number, unique, from 1 */
	int64_t program_id;  /* 0 if it never became a program */
	int64_t parent_id;   /* 0 = none */
	const char *status;  /* one of arc_status_names */
	const char *message; /* compiler/runtime/scoring message, NULL if none */
	double compile_ms, run_ms, score_ms, total_ms;
	int outcome;         /* enum arc_outcome */
	int64_t duplicate_of; /* program id, 0 = none */
	int island;
	const char *mutator; /* NULL = unknown */
	int stage;           /* last cascade stage reached, -1 = none */
	double created;      /* unix seconds; 0 = now */
};

/* One scoring of a program (arc_get_evaluation fills it). */
struct arc_eval {
	int64_t id, program_id;
	double score;        /* NaN when the stored score was NULL */
	char *metrics_json;  /* malloc'd, may be NULL */
	int ndesc;
	double desc[ARC_MAX_DIMS];
	int stage, split;
};

struct arc_llm_call {
	const char *model;
	int64_t tokens_in, tokens_out; /* < 0: unknown (the server sent no usage), stored NULL */
	double latency_ms;
	double cost;         /* US dollars; NaN when unknown (stored NULL) */
	const char *status;  /* "ok", "http_error", "timeout", ... free text */
	const char *message; /* NULL if none */
	int64_t attempt_seq; /* 0 = not tied to an attempt (yet: arc_llm_call_link) */
	double created;      /* unix seconds; 0 = now */
	/* Schema 2. */
	int retries;         /* tries after the first */
	const char *finish_reason; /* NULL if none */
	const char *prompt;  /* what the model was told (size-bounded by the caller), NULL */
	const char *answer;  /* what it said (size-bounded), NULL */
	int64_t parent_id;   /* the program the prompt was about, 0 = none */
};

struct arc_stats {
	int64_t attempts, programs, evaluations, llm_calls;
	int64_t by_status[ARC_NSTATUS];   /* attempts per arc_status_names[i] */
	int64_t by_outcome[ARC_NOUTCOMES]; /* attempts per enum arc_outcome */
	int64_t occupied;    /* elite cells */
	int64_t cells;       /* cells per island (product of bins) x islands */
	double coverage;     /* occupied / cells, 0 if no cells */
	double qd_score;     /* sum of (elite score - qd_offset) */
	double qd_offset;    /* min(0, lowest train score): QD-score never falls
	                      * as coverage grows (pyribs' qd_score_offset) */
	double best_score;   /* NaN if no elite */
	int64_t best_program_id; /* 0 if no elite */
	int islands;         /* distinct islands with elites (or 1 if island >= 0) */
	int64_t tokens_in, tokens_out;
	double llm_cost;
	int64_t llm_usage_unknown; /* calls whose tokens (so cost) are unknown */
	int64_t llm_improvements;  /* attempts of mutator "llm" with outcome NEW or IMPROVED */
};

/* --- lifecycle ------------------------------------------------------------ */

/* Open (ARC_CREATE: create/migrate) the archive at path.  Returns NULL and a
 * one-line message in err (naming path) if the file is missing (without
 * ARC_CREATE), not an SQLite file, corrupt, not a disco archive
 * (application_id), or of a newer schema. */
struct arc *arc_open(const char *path, int flags, char *err, size_t errlen);
/* Commits a pending batch, finalizes statements, closes; NULL-safe. */
void arc_close(struct arc **a);
const char *arc_errmsg(const struct arc *a);
const char *arc_path(const struct arc *a);

/* --- transactions ------------------------------------------------------------ */

int arc_begin(struct arc *a);
int arc_commit(struct arc *a);
int arc_rollback(struct arc *a); /* rolls back the whole outer batch */
/* Inside a batch opened by the caller's arc_begin() (depth 1): commit and
 * reopen when max_records writes are pending or the batch is older than
 * max_ms.  No-op outside a batch.  *committed (may be NULL) says if it did. */
int arc_checkpoint(struct arc *a, int max_records, double max_ms, int *committed);

/* --- campaign -------------------------------------------------------------- */

/* Records the campaign (one per file; ARC_ERR if one exists).  The engine
 * version (DISCO_VERSION) and start time are stored automatically. */
int arc_campaign_create(struct arc *a, const char *config_json, uint64_t seed,
                        int64_t *id);
/* ARC_NOTFOUND if the file holds no campaign.  *config_json is malloc'd. */
int arc_campaign_get(struct arc *a, char **config_json, uint64_t *seed);
int arc_campaign_finish(struct arc *a); /* sets finished = now */

/* --- writes ------------------------------------------------------------------- */

int arc_add_program(struct arc *a, const struct arc_program *p, int64_t *id);
int arc_add_attempt(struct arc *a, const struct arc_attempt *t, int64_t *id);
/* metrics_json: a JSON object or NULL.  desc: ndesc values (<= ARC_MAX_DIMS).
 * split: 0 train, 1 held-out. */
int arc_add_evaluation(struct arc *a, int64_t program_id, double score,
                       const char *metrics_json, const double *desc, int ndesc,
                       int stage, int split, int64_t *id);
int arc_add_llm_call(struct arc *a, const struct arc_llm_call *c, int64_t *id);
/* Tie LLM call call_id to the attempt it produced. */
int arc_llm_call_link(struct arc *a, int64_t call_id, int64_t attempt_seq);
/* kind: "resume", "budget_stop", "migration", ...; detail_json may be NULL. */
int arc_add_event(struct arc *a, const char *kind, const char *detail_json);
/* The detail of the first event of kind (malloc'd into *detail_json, NULL
 * when it has none).  ARC_OK, ARC_NOTFOUND or ARC_ERR. */
int arc_event_first(struct arc *a, const char *kind, char **detail_json);

/* --- MAP-Elites ---------------------------------------------------------------- */

/* Stores the dimensions.  Calling it again with the same dimensions is a
 * no-op (resume); different dimensions once elites exist are ARC_ERR. */
int arc_set_dims(struct arc *a, const struct arc_dim *dims, int n);
/* Records the campaign's island count so coverage counts empty islands too
 * (without it, coverage uses the islands that have elites). */
int arc_set_islands(struct arc *a, int n);
/* ARC_OK with *n = 0 when no dimensions were set (one cell). */
int arc_get_dims(struct arc *a, struct arc_dim *dims, int max, int *n);
/* Bin of v in d (see the header comment for clamping and NaN). */
int arc_bin_of(const struct arc_dim *d, double v);
/* Row-major cell index; 0 when n == 0. */
int64_t arc_cell_of(const struct arc_dim *dims, int n, const double *desc);
/* Cells per island: product of bins (1 when n == 0). */
int64_t arc_cell_count(const struct arc_dim *dims, int n);

/* Applies the MAP-Elites rule for program_id (score, source_len) at the cell
 * of desc (ndims values from arc_set_dims) on island.  *outcome is ARC_NEW,
 * ARC_IMPROVED or ARC_NOT_ADDED.  The _cell variant also returns the cell
 * index (cell may be NULL). */
int arc_insert_elite(struct arc *a, int island, const double *desc,
                     int64_t program_id, double score, size_t source_len,
                     int *outcome);
int arc_insert_elite_cell(struct arc *a, int island, const double *desc,
                          int64_t program_id, double score, size_t source_len,
                          int *outcome, int64_t *cell);

/* Uniform over the occupied cells of island: the (r mod count)-th elite in
 * cell order.  ARC_NOTFOUND if the island has no elite. */
int arc_random_elite(struct arc *a, int island, uint64_t r, int64_t *program_id);
/* Best elite of island (-1: all islands); ties -> lower program id.
 * score may be NULL.  ARC_NOTFOUND if empty. */
int arc_elite_best(struct arc *a, int island, int64_t *program_id, double *score);
/* Number of occupied cells of island (-1: all). */
int arc_elite_count(struct arc *a, int island, int64_t *n);
/* Program of the elite at (island, cell); ARC_NOTFOUND if empty. */
int arc_elite_at(struct arc *a, int island, int64_t cell, int64_t *program_id,
                 double *score);

/* --- reads --------------------------------------------------------------------- */

/* ARC_NOTFOUND if no such program.  Clear *out with arc_program_clear(). */
int arc_get_program(struct arc *a, int64_t id, struct arc_program *out);
void arc_program_clear(struct arc_program *p);
/* The program's latest evaluation of split at its highest stage. */
int arc_get_evaluation(struct arc *a, int64_t program_id, int split,
                       struct arc_eval *out);
void arc_eval_clear(struct arc_eval *e);

/* Dedup lookups; the lowest program id wins when several match.  *score is
 * the program's train score from arc_get_evaluation (NaN if unscored);
 * score may be NULL. */
int arc_find_text_hash(struct arc *a, uint64_t h, int64_t *program_id);
int arc_find_func_hash(struct arc *a, uint64_t h, int64_t *program_id, double *score);

/* The latest failed attempts (not ok, not duplicate) whose parent is
 * parent_id, newest first, as up to max lines "status: message" (each
 * message flattened to one line, at most ~300 bytes) in buf.  *n gets
 * how many. */
int arc_recent_failures(struct arc *a, int64_t parent_id, int max, char *buf, size_t len, int *n);

/* island -1: whole archive. */
int arc_stats(struct arc *a, int island, struct arc_stats *st);
int arc_attempt_count(struct arc *a, int64_t *n);
/* max(seq) + 1 (1 for an empty archive): what resume continues with. */
int arc_next_seq(struct arc *a, int64_t *seq);

/* --- names ---------------------------------------------------------------------- */

const char *arc_outcome_name(int outcome); /* "NEW", ...; "?" if unknown */
int arc_status_index(const char *status);  /* -1 if not a known status */

/* --- tuned baselines (archive/tuned.c) --------------------------------------- */

/* What tuning one seed's constants gave (`disco baseline NAME --tune N
 * --db FILE`), kept in the meta table as "tuned/EVALUATOR/SEED" (a later
 * put replaces it).  Scores NaN when unknown. */
struct arc_tuned {
	char seed[64];
	int evals;             /* evaluations the tuner spent */
	uint64_t tune_seed;    /* its rng seed: the run is reproducible */
	double train, heldout; /* the tuned program */
	double default_train, default_heldout; /* the seed as written */
	char *source;          /* the tuned program (malloc'd in arc_tuned_best) */
};
int arc_tuned_put(struct arc *a, const char *evaluator, const struct arc_tuned *t);
/* The tuned baseline of evaluator with the best train score: ARC_OK,
 * ARC_NOTFOUND (none stored) or ARC_ERR.  arc_tuned_clear() frees. */
int arc_tuned_best(struct arc *a, const char *evaluator, struct arc_tuned *t);
void arc_tuned_clear(struct arc_tuned *t);

#endif
