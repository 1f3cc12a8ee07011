/* front.c - the best score at each descriptor value; see front.h.
 *
 * One pass over the train evaluations in program order (each program's
 * best evaluation, the descriptor value it had there), then a sort by
 * value: linear in the evaluations, about half a second on 1,000,000
 * attempts, where grouping in SQL with a correlated lookup took minutes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "archive/arc_int.h"
#include "archive/front.h"

struct best {
	double v, s;
	int64_t id;
};

static int by_value(const void *x, const void *y)
{
	const struct best *a = x, *b = y;
	if (a->v != b->v)
		return a->v < b->v ? -1 : 1;
	if (a->s != b->s)
		return a->s > b->s ? -1 : 1; /* best first */
	return (a->id > b->id) - (a->id < b->id);
}

int arc_front(struct arc *a, int dim, struct arc_front_row **rows, int *n)
{
	*rows = NULL;
	*n = 0;
	char path[32];
	snprintf(path, sizeof path, "$[%d]", dim);
	static const char sql[] =
		"SELECT program_id, json_extract(descriptors, ?1), score FROM evaluations"
		" INDEXED BY evaluations_program WHERE split = 0 AND score IS NOT NULL"
		" ORDER BY program_id";
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(arc_db(a), sql, -1, &s, NULL) != SQLITE_OK)
		return arc_sqlerr(a, "reading the front");
	sqlite3_bind_text(s, 1, path, -1, SQLITE_TRANSIENT);
	struct best *b = NULL, cur = { 0, 0, 0 };
	size_t nb = 0, cap = 0;
	int have = 0, cur_ok = 0, rc;
	for (;;) {
		rc = sqlite3_step(s);
		int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
		if (have && id != cur.id && cur_ok) { /* the previous program is complete */
			if (nb == cap) {
				size_t nc = cap ? cap * 2 : 1024;
				struct best *q = realloc(b, nc * sizeof *q);
				if (!q) {
					free(b);
					sqlite3_finalize(s);
					arc_seterr(a, "out of memory reading the front");
					return ARC_ERR;
				}
				b = q;
				cap = nc;
			}
			b[nb++] = cur;
		}
		if (rc != SQLITE_ROW)
			break;
		double sc = sqlite3_column_double(s, 2);
		int vnull = sqlite3_column_type(s, 1) == SQLITE_NULL;
		double v = sqlite3_column_double(s, 1);
		if (!have || id != cur.id) {
			cur = (struct best){ v, sc, id };
			cur_ok = !vnull;
			have = 1;
		} else if (sc > cur.s) { /* a better evaluation of the same program */
			cur.s = sc;
			cur.v = v;
			cur_ok = !vnull;
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(b);
		return arc_sqlerr(a, "reading the front");
	}
	qsort(b, nb, sizeof *b, by_value);
	struct arc_front_row *r = NULL;
	int nr = 0, rcap = 0;
	double best = -INFINITY;
	for (size_t i = 0; i < nb;) {
		size_t j = i;
		while (j < nb && b[j].v == b[i].v)
			j++;
		if (nr == rcap) {
			rcap = rcap ? rcap * 2 : 64;
			struct arc_front_row *q = realloc(r, (size_t)rcap * sizeof *q);
			if (!q) {
				free(r);
				free(b);
				arc_seterr(a, "out of memory reading the front");
				return ARC_ERR;
			}
			r = q;
		}
		/* b[i] is the value's best (ties: lowest id) */
		struct arc_front_row *x = &r[nr++];
		x->value = b[i].v;
		x->score = b[i].s;
		x->program_id = b[i].id;
		x->programs = (int64_t)(j - i);
		x->dominated = !(x->score > best);
		if (x->score > best)
			best = x->score;
		i = j;
	}
	free(b);
	*rows = r;
	*n = nr;
	return ARC_OK;
}
