/*
 * plugin.h - C plug-in evaluators: one .c file written against
 * evaluators/evaluator.h, given as `--evaluator path/to/file.c`.
 *
 * The plug-in is untrusted code like any candidate: it is compiled with
 * libtcc inside the sandbox child (same rlimits, same seccomp filters,
 * -nostdlib with a whitelist: the math functions, ev_metric, ev_count_ops,
 * memcpy, memset, strlen, strcmp, strncmp, snprintf).  It must define
 *     const struct ev_evaluator disco_evaluator = { EV_API_VERSION, ... };
 * Its run() executes next to the candidate (as a built-in's does); its
 * score() and describe() run in separate sandbox children the candidate
 * never touched.  plugin_load() reads the description the plug-in gives
 * (name, prelude, seeds, stages, dims...) through one such child.
 *
 * Ownership: plugin_load() returns an evaluator owned by the loader;
 * release it with plugin_free(), which NULLs the pointer.
 */
#ifndef DISCO_PLUGIN_H
#define DISCO_PLUGIN_H

#include <stddef.h>

#include "evaluators/evaluator.h"
#include "evaluators/external.h"
#include "sandbox/sbx.h"

/* Load path (ending in .c).  Starts a one-slot sandbox of its own for
 * scoring, so call it early, while the process is small.  Returns NULL
 * with one message naming the file on any failure: unreadable, compile
 * error, missing disco_evaluator, wrong interface version, a crash. */
const struct ev_evaluator *plugin_load(const char *path, const struct sbx_limits *lim,
                                       char *err, size_t errlen);
/* Releases a plug-in evaluator; no-op for anything else (ev_close() in
 * evaluators/open.h releases any evaluator). */
void plugin_free(const struct ev_evaluator **ev);

/* The plug-in's source for sandbox jobs, or NULL when ev is not a plug-in. */
const char *plugin_source(const struct ev_evaluator *ev);

/* The plug-in's file name, or NULL when ev is not a plug-in. */
const char *plugin_path(const struct ev_evaluator *ev);

/* Open any evaluator (built-in, plug-in, command) through
 * evaluators/open.h: ev_open(), ev_open_cmd(), ev_close(). */

#endif
