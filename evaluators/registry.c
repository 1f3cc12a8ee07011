/*
 * registry.c - the built-in evaluators, in a fixed order.
 *
 * The order is part of the interface: ev_builtin(i) and ev_builtin_index()
 * are stable, so a new evaluator is appended, never inserted.  Each entry is
 * defined in its own file (optim.c, numeric.c); this table only lists them.
 * Plug-ins are not here: evaluators/plugin.c owns those.
 */
#include "evaluators/evaluator.h"

#include <string.h>

extern const struct ev_evaluator ev_optim;
extern const struct ev_evaluator ev_expapprox;
extern const struct ev_evaluator ev_expapprox_wide;
extern const struct ev_evaluator ev_logapprox;

static const struct ev_evaluator *const ev_builtins[] = {
	&ev_optim,
	&ev_expapprox,
	&ev_expapprox_wide,
	&ev_logapprox,
	NULL,
};

const struct ev_evaluator *ev_builtin(int i)
{
	if (i < 0 || i >= (int)(sizeof ev_builtins / sizeof ev_builtins[0]) - 1)
		return NULL;
	return ev_builtins[i];
}

const struct ev_evaluator *ev_find(const char *name)
{
	if (!name)
		return NULL;
	for (int i = 0; ev_builtins[i]; i++)
		if (strcmp(ev_builtins[i]->name, name) == 0)
			return ev_builtins[i];
	return NULL;
}

int ev_builtin_index(const struct ev_evaluator *ev)
{
	if (!ev)
		return -1;
	for (int i = 0; ev_builtins[i]; i++)
		if (ev_builtins[i] == ev)
			return i;
	return -1;
}
