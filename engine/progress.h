/*
 * progress.h - what a running campaign shows: a live status line on a
 * terminal (stderr), a plain line every few seconds otherwise, nothing
 * with quiet.  Counters come from the loop; coverage, QD-score and best
 * score from the archive (arc_stats).  progress_new() allocates,
 * progress_free() releases and NULLs the pointer.
 */
#ifndef DISCO_PROGRESS_H
#define DISCO_PROGRESS_H

#include <stdint.h>

#include "archive/arc.h"

struct progress;

struct progress *progress_new(int quiet, int64_t budget_evals, double budget_wall_s,
                              int64_t done_before);
void progress_free(struct progress **p);
/* status: enum sbx_status, -1 for a duplicate, SBX_NSTATUS for an attempt
 * with no sandbox status (edit_failed). */
void progress_attempt(struct progress *p, int status, double score, int outcome);
/* Is it time to show a line? */
int progress_due(struct progress *p);
void progress_show(struct progress *p, const struct arc_stats *st, double hit_rate);
/* Finish the live line (newline on a terminal). */
void progress_end(struct progress *p);

#endif
