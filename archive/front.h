/*
 * front.h - the Pareto front of an archive along one descriptor (PySR's
 * hall of fame by complexity): the best train score at each distinct
 * value of the descriptor, read-only, no printing (archive/front.c).
 *
 * Ownership: arc_front() returns a malloc'd array the caller free()s.
 */
#ifndef DISCO_ARC_FRONT_H
#define DISCO_ARC_FRONT_H

#include <stdint.h>

#include "archive/arc.h"

struct arc_front_row {
	double value;        /* the descriptor's value */
	double score;        /* the best train score of any program with that value */
	int64_t program_id;  /* a program reaching it (the lowest id on ties) */
	int64_t programs;    /* programs evaluated at that value */
	int dominated;       /* 1 when a smaller value scores at least as high */
};

/* Rows in increasing descriptor value, for descriptor index dim (0-based,
 * as stored in evaluations.descriptors); train split, each program's best
 * evaluation.  Returns ARC_OK with *rows (NULL when *n is 0), or ARC_ERR. */
int arc_front(struct arc *a, int dim, struct arc_front_row **rows, int *n);

#endif
