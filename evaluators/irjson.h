/*
 * irjson.h - an evaluator's symbolic form (struct ev_ir) read from JSON:
 * the "ir" object of a C plug-in's description and of an external
 * command's info answer (docs/EVALUATORS.md, "The symbolic form"):
 *
 *   "ir": {"shape": "func" | "update", "template": "...{body}...",
 *          "regs": [{"name": "x", "c": "x", "vector": false,
 *                    "access": "in" | "inout" | "out" | "state"}, ...],
 *          "ops": "add sub mul div", "seeds": [{"name": ..., "source": ...}],
 *          "default_seeds": "taylor2"}
 *
 * Ownership: ev_ir_from_json() deep-copies everything into one struct
 * ev_ir_store the caller releases with ev_ir_store_free() (NULL-safe, NULLs
 * the pointer); the returned struct ev_ir lives inside it.  Residuals
 * cannot cross a process boundary: the form has none.
 */
#ifndef DISCO_IRJSON_H
#define DISCO_IRJSON_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "evaluators/evaluator.h"

struct ev_ir_store;

/* NULL with a message naming the field when j is not a valid "ir" object. */
const struct ev_ir *ev_ir_from_json(const cJSON *j, struct ev_ir_store **store, char *err,
                                    size_t errlen);
void ev_ir_store_free(struct ev_ir_store **store);

#endif
