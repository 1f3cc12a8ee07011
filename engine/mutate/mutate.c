/*
 * mutate.c - the mutator registry: built-ins in a fixed order, then the
 * ones registered at run time.  A new built-in is appended to `builtins`.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/mutate/mutate.h"
#include "engine/mutate/symbolic.h"

static const struct mut_mutator *const builtins[] = {
	&mut_literal,
	&mut_symbolic,
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
	if (!m || m->version < 1 || m->version > MUT_API_VERSION || !m->name || !m->name[0])
		return -1;
	if (m->version == 1 ? !m->mutate : (!m->mutate && !m->start))
		return -1;
	if (mut_find(m->name) || nregistered >= MUT_MAX_REGISTERED)
		return -1;
	registered[nregistered++] = m;
	return 0;
}

int mut_start(const struct mut_mutator *m, struct mut_req *req, struct mut_child *child, char *err,
              size_t errlen)
{
	*child = (struct mut_child){ 0 };
	if (m->version >= 2 && m->start)
		return m->start(m, req, child, err, errlen);
	const char *insp[16];
	int n = req->ninsp < 16 ? req->ninsp : 16;
	for (int i = 0; i < n; i++)
		insp[i] = req->insp[i].src;
	return m->mutate(m, req->rng, req->parent.src, req->parent.len, n ? insp : NULL, n,
	                 &child->src, err, errlen);
}

void mut_child_release(struct mut_child *c)
{
	if (!c)
		return;
	free(c->src);
	free(c->ir);
	free(c->prog);
	free(c->info);
	*c = (struct mut_child){ 0 };
}
