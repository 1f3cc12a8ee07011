/*
 * outcome.h - how a candidate's outcome is shown: one JSON object for
 * scripts, readable lines for people.  Used by eval, baseline and run.
 * outcome_json() returns a cJSON tree the caller deletes.
 */
#ifndef DISCO_OUTCOME_H
#define DISCO_OUTCOME_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "engine/pipeline.h"

cJSON *outcome_json(const struct ev_evaluator *ev, const struct pl_outcome *o);
void outcome_text(FILE *out, const struct ev_evaluator *ev, const char *name,
                         const struct pl_outcome *o);
/* "0123456789abcdef" */
void outcome_hash(uint64_t h, char out[17]);

#endif
