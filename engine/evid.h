/*
 * evid.h - an evaluator's identity, so that an archive belongs to one
 * evaluator: what `disco run` stores when it creates a campaign and what
 * `disco resume` must find again before it adds a single score.
 *
 * The identity is the evaluator's kind (builtin, plugin, command), name,
 * interface version and a content hash:
 *   builtin  the engine version and everything the built-in declares
 *            (prelude, entries, seeds, stages, dimensions): a different
 *            disco may score differently;
 *   plugin   the plug-in's source text (its path may change: a moved,
 *            unchanged file is the same evaluator);
 *   command  what its info answer declared (name, seeds, dimensions, noisy):
 *            the command line may change, the answer may not.
 * Stored as the detail of an "evaluator" event (JSON), with where it was
 * found (`path` of a plug-in, made absolute; `dir`, the folder a command
 * runs in), so resume works from any directory.
 *
 * Plain data; nothing to free.
 */
#ifndef DISCO_EVID_H
#define DISCO_EVID_H

#include <stddef.h>

#include "evaluators/evaluator.h"

#define EVID_TEXT_MAX 4096 /* PATH_MAX */

struct evid {
	char kind[16];           /* "builtin", "plugin", "command" */
	char name[EV_NAME_MAX * 2];
	int api;                 /* the evaluator's interface version */
	char hash[17];           /* XXH3-64, hex */
	char engine[32];         /* disco version (informative except for builtins) */
	char path[EVID_TEXT_MAX]; /* plug-in file (absolute), or "" */
	char dir[EVID_TEXT_MAX];  /* the folder a command runs in, or "" */
};

/* The identity of an opened evaluator.  path: the plug-in file as opened
 * (made absolute here), or NULL; dir: a command's working folder, or NULL. */
void evid_of(const struct ev_evaluator *ev, const char *path, const char *dir, struct evid *id);

/* As JSON (malloc'd; NULL when out of memory) and back.  evid_parse
 * returns 0, or -1 with a message when the text is not an identity. */
char *evid_json(const struct evid *id);
int evid_parse(const char *json, struct evid *id, char *err, size_t errlen);

/* 0 when `now` is the same evaluator as `stored`; otherwise -1 with one
 * sentence saying what changed (kind, name, version, content). */
int evid_same(const struct evid *stored, const struct evid *now, char *err, size_t errlen);

#endif
