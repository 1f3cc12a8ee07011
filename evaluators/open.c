/* open.c - opening and closing any evaluator (see open.h). */
#include <stdio.h>
#include <string.h>

#include "evaluators/external.h"
#include "evaluators/open.h"
#include "evaluators/plugin.h"

const struct ev_evaluator *ev_open(const char *spec, const struct sbx_limits *lim, char *err,
                                   size_t errlen)
{
	size_t n = strlen(spec);
	if (n > 2 && !strcmp(spec + n - 2, ".c"))
		return plugin_load(spec, lim, err, errlen);
	const struct ev_evaluator *ev = ev_find(spec);
	if (!ev)
		snprintf(err, errlen, "unknown evaluator '%s'; see 'disco evaluators' (or give a plug-in file ending in .c)", spec);
	return ev;
}

void ev_close(const struct ev_evaluator **ev)
{
	if (!ev || !*ev)
		return;
	if (ext_of(*ev)) {
		ext_evaluator_free(*ev);
		*ev = NULL;
		return;
	}
	plugin_free(ev); /* a no-op for built-ins */
}
