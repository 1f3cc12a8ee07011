/*
 * query.h - read-only queries over an archive: what `disco archive` and
 * `disco report` show.  Nothing here prints; every function fills structs.
 *
 * Every function takes a handle from arc_open() (ARC_READONLY is enough)
 * and returns ARC_OK, ARC_NOTFOUND (lookups of one program only) or
 * ARC_ERR with arc_errmsg() set (names the file and what failed).
 *
 * Text: every string a query hands out (sources, messages, metrics,
 * mutator and dimension names, exported text columns) is valid UTF-8:
 * bytes that are not are replaced by U+FFFD (arc_utf8()).  Control
 * characters are kept: escaping them is the presenter's job (terminal,
 * HTML), since only the presenter knows the medium.
 *
 * Ownership: result structs are filled by the query and released with the
 * matching *_clear() function (NULL-safe fields, safe to call twice, also
 * after a failed query).  Scores are NaN when the archive holds none.
 *
 * QD-score: sum over elites of (score - offset), with
 * offset = min(0, lowest train score recorded in the archive), as pyribs'
 * qd_score_offset: every elite then adds a non-negative amount, so the
 * QD-score never falls when coverage grows, even with negative scores.
 * With non-negative scores the offset is 0 and the QD-score is the plain
 * sum of elite scores.
 */
#ifndef DISCO_QUERY_H
#define DISCO_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "archive/arc.h"

/* --- programs: list and top --------------------------------------------------- */

struct arc_prog_row {
	int64_t id, parent_id, source_len; /* parent 0: a seed */
	int island;
	char mutator[ARC_NAME_MAX];  /* "" when unknown */
	double score;                /* best train score; NaN if none */
	double heldout;              /* best held-out score; NaN if none */
	char outcome[12];            /* of the attempt that made it; "" if none */
	double created;              /* unix seconds */
	char *elite_cells;           /* top only: "island:cell ..." or NULL */
};

struct arc_prog_list {
	struct arc_prog_row *row;
	size_t n;
};

/* Newest first; island -1: all; limit 0: all. */
int arc_q_list(struct arc *a, int island, long limit, struct arc_prog_list *out);
/* Best train score first (ties: lower id first); island -1: all; limit 0: all. */
int arc_q_top(struct arc *a, int island, long limit, struct arc_prog_list *out);
/* The seed programs (mutator "seed", no parent): the baselines, by id. */
int arc_q_seeds(struct arc *a, struct arc_prog_list *out);
void arc_prog_list_clear(struct arc_prog_list *l);

/* --- one program ------------------------------------------------------------------ */

struct arc_attempt_row {
	int64_t seq;
	char status[16], outcome[12];
	char *message;               /* "" when none */
	double compile_ms, run_ms, score_ms, total_ms; /* NaN when not recorded */
	int stage;
};

struct arc_eval_row {
	int stage, split;            /* split 0 train, 1 held-out */
	double score;                /* NaN: none */
	int ndesc;
	double desc[ARC_MAX_DIMS];
	char *metrics;               /* JSON object text, "" when none */
};

struct arc_cell_ref {
	int island;
	int64_t cell;
	double score;
};

struct arc_detail {
	struct arc_program prog;     /* as arc_get_program(), text repaired */
	int ndims;
	struct arc_dim dims[ARC_MAX_DIMS];
	struct arc_attempt_row *att; /* the attempts that made it, by seq */
	size_t natt;
	struct arc_eval_row *ev;     /* by split, stage, id */
	size_t nev;
	struct arc_cell_ref *cells;  /* elite cells it holds */
	size_t ncells;
};

/* ARC_NOTFOUND when there is no program id. */
int arc_q_program(struct arc *a, int64_t id, struct arc_detail *d);
void arc_detail_clear(struct arc_detail *d);

/* --- lineage ------------------------------------------------------------------------ */

struct arc_step {
	int64_t id;
	double score;                /* best train score, NaN if none */
	char mutator[ARC_NAME_MAX];
	int island;
};

/* Parent links from program id back to its seed, returned seed first
 * (steps[n-1].id == id).  Stops at a dangling or non-decreasing parent.
 * ARC_NOTFOUND when there is no program id.  free(*steps). */
int arc_q_lineage(struct arc *a, int64_t id, struct arc_step **steps, size_t *n);

/* Unified diff (context lines around each change) of two texts; malloc'd,
 * NULL when out of memory.  *identical says whether the texts are equal. */
char *arc_diff_text(const char *x, const char *y, const char *xname,
                    const char *yname, int context, int *identical);

/* The campaign's dimensions (arc_get_dims() with names repaired). */
int arc_q_dims(struct arc *a, struct arc_dim *dims, int *n);

/* --- the MAP-Elites grid of one island --------------------------------------------- */

struct arc_cell_row {
	int64_t cell, program_id;
	double score;
	int bins[ARC_MAX_DIMS];      /* bin per dimension, from the cell index */
	double desc[ARC_MAX_DIMS];   /* the elite's descriptor values */
};

struct arc_cells {
	int island, ndims;
	struct arc_dim dims[ARC_MAX_DIMS];
	int64_t total;               /* cells per island */
	struct arc_cell_row *row;    /* occupied cells, by cell */
	size_t n;
	double lo, hi;               /* lowest and highest elite score; NaN if none */
};

int arc_q_cells(struct arc *a, int island, struct arc_cells *out);
void arc_cells_clear(struct arc_cells *c);

/* Number of islands of the campaign: the configured count when stored,
 * else one more than the highest island with a program (at least 1). */
int arc_q_islands(struct arc *a, int *n);
/* ARC_OK when island is one of the campaign's islands, ARC_NOTFOUND (with
 * a message naming the island and the valid range) otherwise. */
int arc_q_check_island(struct arc *a, int island);

/* --- statistics per island ----------------------------------------------------------- */

struct arc_island_row {
	int island;
	int64_t occupied;
	double coverage, qd_score, best; /* qd_score with the archive's offset */
};

/* Islands that hold elites (island -1: all, else just that one); free(*rows). */
int arc_q_island_stats(struct arc *a, int island, struct arc_island_row **rows, size_t *n);
/* The QD-score offset (see the header comment). */
int arc_q_qd_offset(struct arc *a, double *offset);

/* --- the campaign ------------------------------------------------------------------ */

struct arc_campaign_info {
	char *config;                /* JSON text, "" when the file has no campaign */
	char engine_version[32];
	uint64_t seed;
	double started, finished;    /* finished 0: running or killed */
	double first_attempt, last_attempt; /* created of min/max seq; 0 if none */
	char *identity;              /* the evaluator's identity (JSON of the last
	                              * "evaluator" event), "" when none */
	int64_t events_resume, events_migration; /* migration: between islands
	                                          * (not the schema's) */
};
int arc_q_campaign(struct arc *a, struct arc_campaign_info *ci);
void arc_campaign_info_clear(struct arc_campaign_info *ci);

/* The meta table's key/value pairs (island count, evaluator identity...),
 * by key; values as text.  Free with arc_kv_free(). */
struct arc_kv {
	char *key, *value;
};
int arc_q_meta(struct arc *a, struct arc_kv **kv, size_t *n);
void arc_kv_free(struct arc_kv *kv, size_t n);

/* LLM spend per model (empty when there were no calls). */
struct arc_llm_row {
	char model[64];
	int64_t calls, failed, tokens_in, tokens_out;
	double cost, latency_ms;     /* latency: mean over calls */
};
int arc_q_llm(struct arc *a, struct arc_llm_row **rows, size_t *n); /* free(*rows) */

/* --- time series over attempts --------------------------------------------------------- */

/* Attempts 1..max(seq) cut into nb buckets of consecutive seq numbers.
 * Curves (best score, coverage, QD-score) are the values after the last
 * attempt of each bucket, replayed from the NEW and IMPROVED attempts
 * (a seed fills its cell on every island); migrations between islands are
 * not replayed, so coverage can read lower than arc_stats() in a campaign
 * with islands.  Counts per status and per mutator are per bucket. */
struct arc_series {
	int nb;                      /* buckets (<= requested, <= attempts) */
	int64_t max_seq;
	int64_t *end_seq;            /* nb: last seq of each bucket */
	double *best, *coverage, *qd; /* nb each; best NaN before the first elite */
	int64_t *status;             /* nb * ARC_NSTATUS, [b * ARC_NSTATUS + s] */
	int nmut;
	char (*mut)[ARC_NAME_MAX];   /* nmut names, in order of first use */
	int64_t *mut_attempts;       /* nb * nmut, [b * nmut + m] */
	int64_t *mut_improved;       /* nb * nmut: NEW + IMPROVED outcomes */
	double qd_offset;
};
int arc_q_series(struct arc *a, int nb, struct arc_series *s);
void arc_series_clear(struct arc_series *s);

/* --- export ------------------------------------------------------------------------------ */

/* Tables export can dump, NULL-terminated. */
extern const char *const arc_export_tables[];

enum arc_vtype { ARC_V_NULL, ARC_V_INT, ARC_V_REAL, ARC_V_TEXT };
struct arc_value {
	enum arc_vtype type;
	int64_t i;
	double d;
	const char *s;               /* ARC_V_TEXT: valid UTF-8, until the next row */
};

struct arc_export; /* a cursor over one table's rows */
/* ARC_NOTFOUND (with a message listing the tables) for an unknown table.
 * Close with arc_export_close(). */
int arc_export_open(struct arc *a, const char *table, struct arc_export **x);
int arc_export_ncol(const struct arc_export *x);
const char *arc_export_colname(const struct arc_export *x, int i);
/* Fills vals[0..ncol-1]; returns 1 for a row, 0 at the end, ARC_ERR. */
int arc_export_next(struct arc_export *x, struct arc_value *vals);
void arc_export_close(struct arc_export **x);

/* --- text ----------------------------------------------------------------------------------- */

/* A malloc'd copy of s[0..n-1] that is valid UTF-8: each byte that does not
 * start a well-formed sequence (overlong forms, surrogates and values above
 * U+10FFFF included) becomes U+FFFD, and NUL bytes too.  NULL when out of
 * memory. */
char *arc_utf8(const char *s, size_t n);
/* Is s[0..n-1] valid UTF-8 without NUL bytes? */
int arc_utf8_valid(const char *s, size_t n);

#endif
