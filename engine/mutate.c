/*
 * mutate.c - the mutator registry: built-ins in a fixed order, then the
 * ones registered at run time.  A new built-in is appended to `builtins`.
 */
#include <string.h>

#include "engine/mutate.h"

static const struct mut_mutator *const builtins[] = {
	&mut_literal,
	NULL,
};

/* Module-owned registry state: filled during start-up by mut_register(). */
static const struct mut_mutator *registered[MUT_MAX_REGISTERED];
static int nregistered;

const struct mut_mutator *mut_at(int i)
{
	int nb = (int)(sizeof builtins / sizeof builtins[0]) - 1;
	if (i < 0)
		return NULL;
	if (i < nb)
		return builtins[i];
	i -= nb;
	return i < nregistered ? registered[i] : NULL;
}

const struct mut_mutator *mut_find(const char *name)
{
	if (!name)
		return NULL;
	const struct mut_mutator *m;
	for (int i = 0; (m = mut_at(i)); i++)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

int mut_register(const struct mut_mutator *m)
{
	if (!m || m->version != MUT_API_VERSION || !m->name || !m->name[0] || !m->mutate)
		return -1;
	if (mut_find(m->name) || nregistered >= MUT_MAX_REGISTERED)
		return -1;
	registered[nregistered++] = m;
	return 0;
}
