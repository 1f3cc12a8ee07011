/* front.c - the best score at each descriptor value; see front.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "archive/arc_int.h"
#include "archive/front.h"

int arc_front(struct arc *a, int dim, struct arc_front_row **rows, int *n)
{
	*rows = NULL;
	*n = 0;
	char path[32];
	snprintf(path, sizeof path, "$[%d]", dim);
	/* Best score per program first, then per value; ties: lowest id. */
	static const char sql[] =
		"WITH best AS (SELECT program_id, json_extract(descriptors, ?1) AS v, MAX(score) AS s"
		"  FROM evaluations WHERE split = 0 AND score IS NOT NULL GROUP BY program_id),"
		" top AS (SELECT v, MAX(s) AS s, COUNT(*) AS c FROM best WHERE v IS NOT NULL GROUP BY v)"
		" SELECT top.v, top.s, (SELECT MIN(program_id) FROM best WHERE best.v = top.v AND best.s = top.s),"
		"  top.c FROM top ORDER BY top.v";
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(arc_db(a), sql, -1, &s, NULL) != SQLITE_OK)
		return arc_sqlerr(a, "reading the front");
	sqlite3_bind_text(s, 1, path, -1, SQLITE_TRANSIENT);
	int cap = 0, rc;
	struct arc_front_row *r = NULL;
	double best = -INFINITY;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			struct arc_front_row *nr = realloc(r, (size_t)cap * sizeof *nr);
			if (!nr) {
				free(r);
				sqlite3_finalize(s);
				arc_seterr(a, "out of memory reading the front");
				return ARC_ERR;
			}
			r = nr;
		}
		struct arc_front_row *x = &r[(*n)++];
		x->value = sqlite3_column_double(s, 0);
		x->score = sqlite3_column_double(s, 1);
		x->program_id = sqlite3_column_int64(s, 2);
		x->programs = sqlite3_column_int64(s, 3);
		x->dominated = !(x->score > best);
		if (x->score > best)
			best = x->score;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(r);
		*n = 0;
		return arc_sqlerr(a, "reading the front");
	}
	*rows = r;
	return ARC_OK;
}
