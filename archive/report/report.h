/*
 * report.h - one self-contained HTML page about a campaign: summary, the
 * map of elites per island (click a cell for its elite's code), curves of
 * best score, coverage and QD-score, attempts by status and by mutator
 * over time, the front of score against each descriptor, the lineage of
 * the best program with its diffs, and the top programs next to the
 * baselines.  Inline CSS, SVG and a little JavaScript; no network.
 *
 * Everything taken from the archive (sources, messages, names, config) is
 * hostile text and reaches the page through one escaping function
 * (rpt_esc() in rpt_int.h); the script never parses or inserts markup,
 * and a Content-Security-Policy with a per-file nonce lets only the
 * page's own script run.
 *
 * It reads through the archive's query module (archive/query.h) only, on a
 * read-only connection, so it is safe while a campaign writes.  Plots are
 * downsampled (a fixed number of buckets over the attempts), so the page
 * stays small on a large archive.
 */
#ifndef DISCO_REPORT_H
#define DISCO_REPORT_H

#include <stddef.h>
#include <stdio.h>

struct arc;

struct rpt_opts {
	int top;          /* programs in the top table (default 20) */
	int buckets;      /* points of the curves (default 400) */
	int lineage;      /* lineage steps shown with their diffs (default 40) */
	const char *title; /* page title (default: evaluator and file name) */
	/* The evaluator's reference curve along descriptor ref_dim, drawn on
	 * the front (the caller has the evaluator; the archive does not):
	 * ref_n points (ref_value[i], ref_score[i]); ref_n 0: none. */
	const char *ref_dim, *ref_label;
	int ref_n;
	const double *ref_value, *ref_score;
};

/* Writes the report of the open archive a to f.  o may be NULL (defaults).
 * Returns 0, or -1 with a message in err. */
int rpt_write(struct arc *a, FILE *f, const struct rpt_opts *o, char *err, size_t errlen);

/* Opens db read-only, writes the report to out atomically (a temporary
 * file in out's folder, then rename()), closes.  A reader of out sees the
 * old page or the new one, never half of one.  Returns 0, or -1 with a
 * message in err naming the file. */
int rpt_write_file(const char *db, const char *out, char *err, size_t errlen);
/* The same with options (o may be NULL). */
int rpt_write_file_opts(const char *db, const char *out, const struct rpt_opts *o, char *err,
                        size_t errlen);

#endif
