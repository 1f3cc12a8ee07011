/*
 * pcache.c - recorded programs and their train evaluations, read through
 * a small cache in front of the archive.  Private to the evolution loop
 * (see evo_int.h).
 *
 * Every proposal reads its parent (program and train evaluation), its
 * inspirations, and the tournament's contenders; they are elites, picked
 * again and again.  A program row never changes once recorded, and a
 * program's train evaluation is written once with it (held-out scores
 * are another split), so an entry stays valid for the whole run: the
 * cache only bounds memory (direct-mapped by id, PC_SLOTS entries).
 * Readers get their own copies, freed as from the archive
 * (arc_program_clear, arc_eval_clear).
 */
#include <stdlib.h>
#include <string.h>

#include "engine/evo_int.h"

#define PC_SLOTS 1024

struct pc_entry {
	int64_t id; /* 0: empty */
	int have_prog, have_eval;
	struct arc_program prog;
	struct arc_eval ev;
};

struct evo_pcache {
	struct pc_entry e[PC_SLOTS];
};

static struct pc_entry *slot_of(struct evo *E, int64_t id)
{
	if (!E->pc && !(E->pc = calloc(1, sizeof *E->pc)))
		return NULL;
	struct pc_entry *e = &E->pc->e[(uint64_t)id % PC_SLOTS];
	if (e->id != id) {
		arc_program_clear(&e->prog);
		arc_eval_clear(&e->ev);
		memset(e, 0, sizeof *e);
		e->id = id;
	}
	return e;
}

static char *dup_or_null(const char *s, int *oom)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		*oom = 1;
	return d;
}

static int copy_prog(const struct arc_program *from, struct arc_program *to)
{
	int oom = 0;
	*to = *from;
	to->source = dup_or_null(from->source, &oom);
	to->ir = dup_or_null(from->ir, &oom);
	to->mutator = dup_or_null(from->mutator, &oom);
	if (oom) {
		arc_program_clear(to);
		return -1;
	}
	return 0;
}

int evo_get_program(struct evo *E, int64_t id, struct arc_program *out)
{
	struct pc_entry *e = id > 0 ? slot_of(E, id) : NULL;
	if (e && e->have_prog)
		return copy_prog(&e->prog, out) ? ARC_ERR : ARC_OK;
	int rc = arc_get_program(E->a, id, out);
	if (rc == ARC_OK && e)
		e->have_prog = copy_prog(out, &e->prog) == 0;
	return rc;
}

static int copy_eval(const struct arc_eval *from, struct arc_eval *to)
{
	int oom = 0;
	*to = *from;
	to->metrics_json = dup_or_null(from->metrics_json, &oom);
	return oom ? -1 : 0;
}

int evo_get_train_eval(struct evo *E, int64_t id, struct arc_eval *out)
{
	struct pc_entry *e = id > 0 ? slot_of(E, id) : NULL;
	if (e && e->have_eval)
		return copy_eval(&e->ev, out) ? ARC_ERR : ARC_OK;
	int rc = arc_get_evaluation(E->a, id, EV_TRAIN, out);
	if (rc == ARC_OK && e)
		e->have_eval = copy_eval(out, &e->ev) == 0;
	return rc;
}

void evo_pcache_free(struct evo *E)
{
	if (!E->pc)
		return;
	for (int i = 0; i < PC_SLOTS; i++) {
		arc_program_clear(&E->pc->e[i].prog);
		arc_eval_clear(&E->pc->e[i].ev);
	}
	free(E->pc);
	E->pc = NULL;
}
