/*
 * report.h - how a candidate's outcome is shown: one JSON object for
 * scripts, readable lines for people.  Used by eval, baseline and run.
 * report_outcome_json() returns a cJSON tree the caller deletes.
 */
#ifndef DISCO_REPORT_H
#define DISCO_REPORT_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "engine/pipeline.h"

cJSON *report_outcome_json(const struct ev_evaluator *ev, const struct pl_outcome *o);
void report_outcome_text(FILE *out, const struct ev_evaluator *ev, const char *name,
                         const struct pl_outcome *o);
/* "0123456789abcdef" */
void report_hash(uint64_t h, char out[17]);

#endif
