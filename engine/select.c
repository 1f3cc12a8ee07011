/*
 * select.c - where the next candidate comes from: parent selection
 * (uniform, score tournament, curiosity), the mutator by weight,
 * inspirations from other islands, and migration between islands.
 * Private to the evolution loop (see evo_int.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/evo_int.h"

int evo_select_parent(struct evo *E, int island, int64_t *pid)
{
	const struct evo_params *p = E->p;
	int tries = p->selection == EVO_SEL_UNIFORM ? 1 : 3;
	double best = -INFINITY;
	*pid = 0;
	for (int i = 0; i < tries; i++) {
		int64_t id;
		int rc = arc_random_elite(E->a, island, rng_u64(&E->rng), &id);
		if (rc == ARC_NOTFOUND)
			return ARC_NOTFOUND;
		if (rc)
			return evo_arc_fail(E, "selecting a parent");
		if (tries == 1) {
			*pid = id;
			return 0;
		}
		struct arc_eval e;
		if (evo_get_train_eval(E, id, &e) != ARC_OK)
			continue;
		double w = e.score;
		if (p->selection == EVO_SEL_CURIOSITY) {
			size_t k = (size_t)island * (size_t)E->ncells +
			           (size_t)arc_cell_of(p->dims, p->ndims, e.desc);
			w = (E->cur_wins[k] + 1.0) / (E->cur_tries[k] + 2.0);
		}
		arc_eval_clear(&e);
		if (!*pid || w > best) {
			best = w;
			*pid = id;
		}
	}
	return *pid ? 0 : ARC_NOTFOUND;
}

static enum mut_avail avail(const struct mut_mutator *m)
{
	return m->version >= 2 && m->avail ? m->avail(m) : MUT_AVAIL_NOW;
}

const struct mut_mutator *evo_pick_mutator(struct evo *E, int *exhausted)
{
	const struct evo_params *p = E->p;
	double total = 0, w[EVO_MAX_MUTATORS];
	int never = 0;
	for (int i = 0; i < p->nmut; i++) {
		enum mut_avail a = avail(p->mut[i]);
		w[i] = a == MUT_AVAIL_NOW ? p->mut_weight[i] : 0;
		never += a == MUT_AVAIL_NEVER;
		total += w[i];
	}
	*exhausted = never == p->nmut;
	if (total <= 0)
		return NULL;
	/* One draw whatever is available, so the stream of a campaign whose
	 * mutators are always available does not depend on availability. */
	double r = rng_double(&E->rng) * total;
	int last = -1;
	for (int i = 0; i < p->nmut; i++) {
		if (w[i] <= 0)
			continue;
		if (r < w[i])
			return p->mut[i];
		r -= w[i];
		last = i;
	}
	return p->mut[last];
}

void evo_pick_inspirations(struct evo *E, struct flight *f, int64_t pid, int want_src)
{
	const struct evo_params *p = E->p;
	f->ninsp = 0;
	f->ninsp_prog = 0;
	int want = p->inspirations < ARC_MAX_INSPIRATIONS ? p->inspirations : ARC_MAX_INSPIRATIONS;
	for (int i = 0; i < want; i++) {
		int64_t id;
		int other = (int)rng_below(&E->rng, (uint64_t)p->islands);
		if (arc_random_elite(E->a, other, rng_u64(&E->rng), &id) != ARC_OK || id == pid)
			continue;
		if (want_src) {
			struct arc_program *ip = &f->insp_prog[f->ninsp_prog];
			if (evo_get_program(E, id, ip) != ARC_OK)
				continue;
			struct arc_eval e;
			double sc = NAN;
			if (evo_get_train_eval(E, id, &e) == ARC_OK) {
				sc = e.score;
				arc_eval_clear(&e);
			}
			f->insp_view[f->ninsp_prog] = (struct mut_prog){
				.src = ip->source, .len = strlen(ip->source), .ir = ip->ir, .id = id, .score = sc,
				.island = ip->island,
			};
			f->ninsp_prog++;
		}
		f->insp[f->ninsp++] = id;
	}
}

void evo_curiosity_note(struct evo *E, const struct flight *f, int outcome)
{
	const struct evo_params *p = E->p;
	if (!E->cur_tries || f->parent <= 0)
		return;
	struct arc_eval pe;
	if (evo_get_train_eval(E, f->parent, &pe) != ARC_OK)
		return;
	int64_t pc = arc_cell_of(p->dims, p->ndims, pe.desc);
	size_t k = (size_t)f->island * (size_t)E->ncells + (size_t)pc;
	E->cur_tries[k]++;
	if (outcome == ARC_NEW || outcome == ARC_IMPROVED)
		E->cur_wins[k]++;
	arc_eval_clear(&pe);
}

void evo_migrate(struct evo *E, int from)
{
	const struct evo_params *p = E->p;
	int to = (from + 1) % p->islands;
	int moved = 0;
	for (int k = 0; k < p->migrants; k++) {
		int64_t id;
		int rc = k == 0 ? arc_elite_best(E->a, from, &id, NULL)
		                : arc_random_elite(E->a, from, rng_u64(&E->rng), &id);
		if (rc != ARC_OK)
			break;
		struct arc_eval e;
		struct arc_program prog;
		if (evo_get_train_eval(E, id, &e) != ARC_OK)
			continue;
		if (arc_get_program(E->a, id, &prog) == ARC_OK) {
			int oc;
			if (arc_insert_elite(E->a, to, e.desc, id, e.score, strlen(prog.source), &oc) == ARC_OK &&
			    oc != ARC_NOT_ADDED)
				moved++;
			arc_program_clear(&prog);
		}
		arc_eval_clear(&e);
	}
	char detail[128];
	snprintf(detail, sizeof detail, "{\"from\":%d,\"to\":%d,\"migrants\":%d,\"placed\":%d}", from, to,
	         p->migrants, moved);
	arc_add_event(E->a, "migration", detail);
}
