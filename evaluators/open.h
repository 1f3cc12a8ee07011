/*
 * open.h - the one front door for opening any evaluator: a built-in by
 * name, a C plug-in (a path ending in .c, evaluators/plugin.h) or an
 * external command (evaluators/external.h), and ev_close() for whichever
 * it is.  The CLI and the engine open evaluators only through here.
 *
 * Ownership: an opened evaluator belongs to the caller until ev_close(),
 * which NULLs the pointer and is a no-op for built-ins and for NULL.
 * Open evaluators early, while the process is small: a plug-in starts a
 * sandbox of its own for scoring.
 */
#ifndef DISCO_EV_OPEN_H
#define DISCO_EV_OPEN_H

#include <stddef.h>

#include "evaluators/evaluator.h"
#include "sandbox/sbx.h"

/* A built-in by name, or a plug-in when spec ends in ".c".  Returns NULL
 * with one message (unknown name, or why the plug-in did not load). */
const struct ev_evaluator *ev_open(const char *spec, const struct sbx_limits *lim, char *err,
                                   size_t errlen);

/* An external evaluator command as an evaluator: seeds and dims from its
 * info answer (evaluators/external.c).  NULL with one message naming the
 * command on failure. */
const struct ev_evaluator *ev_open_cmd(const char *cmd, const struct sbx_limits *lim, char *err,
                                       size_t errlen);

/* Release what ev_open()/ev_open_cmd() returned. */
void ev_close(const struct ev_evaluator **ev);

#endif
