/*
 * query.c - the archive's read-only queries (list, top, one program,
 * lineage, cells, statistics, the campaign, LLM spend, time series, the
 * front, export) and the UTF-8 repair every string goes through.  See
 * query.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "archive/arc.h"
#include "archive/arc_int.h"
#include "archive/query.h"

/* --- text ------------------------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at s (n bytes left), 0 if none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	if (c >= 0x01 && c < 0x80)
		return 1;
	size_t len;
	unsigned min;
	if (c >= 0xc2 && c <= 0xdf) len = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef) len = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4) len = 4, min = 0x10000;
	else return 0;
	if (n < len)
		return 0;
	unsigned v = c & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	return len;
}

int arc_utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq(u + i, n - i);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

char *arc_utf8(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	if (!s)
		n = 0;
	if (arc_utf8_valid(s ? s : "", n)) {
		char *r = malloc(n + 1);
		if (r) {
			memcpy(r, u, n);
			r[n] = 0;
		}
		return r;
	}
	char *r = malloc(3 * n + 1), *o = r;
	if (!r)
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq(u + i, n - i);
		if (k) {
			memcpy(o, u + i, k);
			o += k;
			i += k;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	*o = 0;
	return r;
}

/* A text column, repaired; "" for NULL. */
static char *col_str(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);
	return arc_utf8(t, t ? (size_t)sqlite3_column_bytes(s, i) : 0);
}

/* A text column into a fixed buffer (names: mutator, status, outcome). */
static void col_name(sqlite3_stmt *s, int i, char *buf, size_t n)
{
	char *t = col_str(s, i);
	snprintf(buf, n, "%s", t ? t : "");
	free(t);
}

static double col_num(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? NAN : sqlite3_column_double(s, i);
}

/* --- statements --------------------------------------------------------------------- */

static int prep(struct arc *a, const char *sql, sqlite3_stmt **s, const char *what)
{
	if (sqlite3_prepare_v2(arc_db(a), sql, -1, s, NULL) != SQLITE_OK) {
		*s = NULL;
		return arc_sqlerr(a, what);
	}
	return ARC_OK;
}

/* Finalizes s; ARC_ERR with a message unless rc is SQLITE_DONE. */
static int done(struct arc *a, sqlite3_stmt *s, int rc, const char *what)
{
	int r = ARC_OK;
	if (rc != SQLITE_DONE)
		r = arc_sqlerr(a, what);
	sqlite3_finalize(s);
	return r;
}

static int oom(struct arc *a)
{
	arc_seterr(a, "%s: out of memory", arc_path(a));
	return ARC_ERR;
}

/* Grows *p (element size sz) to hold at least n + 1 elements. */
static int grow(void *pp, size_t *cap, size_t n, size_t sz)
{
	void **p = pp;
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 32;
	void *q = realloc(*p, nc * sz);
	if (!q)
		return -1;
	*p = q;
	*cap = nc;
	return 0;
}

int arc_q_dims(struct arc *a, struct arc_dim *dims, int *n)
{
	if (arc_get_dims(a, dims, ARC_MAX_DIMS, n))
		return ARC_ERR;
	for (int i = 0; i < *n; i++) {
		char *t = arc_utf8(dims[i].name, strnlen(dims[i].name, sizeof dims[i].name));
		if (!t)
			return oom(a);
		/* cut at a character boundary */
		size_t len = strlen(t);
		if (len >= sizeof dims[i].name) {
			len = sizeof dims[i].name - 1;
			while (len > 0 && ((unsigned char)t[len] & 0xc0) == 0x80)
				len--;
		}
		memcpy(dims[i].name, t, len);
		dims[i].name[len] = 0;
		free(t);
	}
	return ARC_OK;
}

/* The program's best train score. */
#define BEST_SCORE_SQL(p) \
	"(SELECT max(e.score) FROM evaluations e INDEXED BY evaluations_program WHERE e.program_id=" p " AND e.split=0)"

/* --- list and top --------------------------------------------------------------------- */

void arc_prog_list_clear(struct arc_prog_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->row[i].elite_cells);
	free(l->row);
	l->row = NULL;
	l->n = 0;
}

static int fill_rows(struct arc *a, sqlite3_stmt *s, struct arc_prog_list *out,
                     const char *what)
{
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (grow(&out->row, &cap, out->n, sizeof *out->row)) {
			sqlite3_finalize(s);
			return oom(a);
		}
		struct arc_prog_row *r = &out->row[out->n++];
		memset(r, 0, sizeof *r);
		r->id = sqlite3_column_int64(s, 0);
		r->island = sqlite3_column_int(s, 1);
		r->parent_id = sqlite3_column_int64(s, 2);
		col_name(s, 3, r->mutator, sizeof r->mutator);
		r->score = col_num(s, 4);
		r->source_len = sqlite3_column_int64(s, 5);
		col_name(s, 6, r->outcome, sizeof r->outcome);
		r->created = sqlite3_column_double(s, 7);
		r->heldout = col_num(s, 8);
	}
	return done(a, s, rc, what);
}

#define PROG_COLS                                                                        \
	"p.id, p.island, coalesce(p.parent_id,0), p.mutator, " BEST_SCORE_SQL("p.id") \
	", p.source_len,"                                                                   \
	" (SELECT a.outcome FROM attempts a WHERE a.program_id=p.id ORDER BY a.seq LIMIT 1),"  \
	" p.created,"                                                                      \
	" (SELECT max(e.score) FROM evaluations e INDEXED BY evaluations_program WHERE e.program_id=p.id AND e.split=1)"

int arc_q_list(struct arc *a, int island, long limit, struct arc_prog_list *out)
{
	sqlite3_stmt *s;
	memset(out, 0, sizeof *out);
	if (prep(a, "SELECT " PROG_COLS " FROM programs p WHERE (?1 < 0 OR p.island=?1)"
	         " ORDER BY p.id DESC LIMIT ?2", &s, "listing programs"))
		return ARC_ERR;
	sqlite3_bind_int(s, 1, island);
	sqlite3_bind_int64(s, 2, limit <= 0 ? -1 : limit);
	return fill_rows(a, s, out, "listing programs");
}

int arc_q_seeds(struct arc *a, struct arc_prog_list *out)
{
	sqlite3_stmt *s;
	memset(out, 0, sizeof *out);
	if (prep(a, "SELECT " PROG_COLS " FROM programs p WHERE p.mutator='seed' AND"
	         " p.parent_id IS NULL ORDER BY p.id", &s, "listing the seeds"))
		return ARC_ERR;
	return fill_rows(a, s, out, "listing the seeds");
}

struct scored {
	int64_t id;
	double score;
};

static int by_score(const void *x, const void *y)
{
	const struct scored *p = x, *q = y;
	if (p->score != q->score)
		return p->score > q->score ? -1 : 1;
	return (p->id > q->id) - (p->id < q->id);
}

/* Program ids with the best train scores: walks the score index best first
 * and stops once `limit` distinct programs are found and the score drops
 * below the last one taken (so ties at the cut are all seen, then ordered
 * by id). */
static int top_ids(struct arc *a, int island, long limit, struct scored **ids, size_t *n)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;
	const char *sql =
		island < 0
		? "SELECT program_id, score FROM evaluations WHERE split=0 AND score IS NOT NULL"
		  " ORDER BY score DESC"
		: "SELECT e.program_id, e.score FROM evaluations e JOIN programs p"
		  " ON p.id=e.program_id WHERE e.split=0 AND e.score IS NOT NULL"
		  " AND p.island=?1 ORDER BY e.score DESC";
	*ids = NULL;
	*n = 0;
	if (prep(a, sql, &s, "ranking programs"))
		return ARC_ERR;
	if (island >= 0)
		sqlite3_bind_int(s, 1, island);
	/* A program may have several train evaluations: the first seen is its
	 * best.  The seen-set is a small open-addressing table. */
	size_t hcap = 1024;
	int64_t *h = calloc(hcap, sizeof *h);
	if (!h) {
		sqlite3_finalize(s);
		return oom(a);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		double sc = sqlite3_column_double(s, 1);
		if (limit > 0 && (long)*n >= limit && sc < (*ids)[*n - 1].score)
			break;
		size_t k = (size_t)id * 0x9e3779b97f4a7c15ull % hcap;
		while (h[k] && h[k] != id)
			k = (k + 1) % hcap;
		if (h[k] == id)
			continue;
		h[k] = id;
		if (grow(ids, &cap, *n, sizeof **ids)) {
			rc = SQLITE_NOMEM;
			break;
		}
		(*ids)[(*n)++] = (struct scored){ id, sc };
		if (*n * 2 > hcap) { /* rehash */
			int64_t *nh = calloc(hcap * 2, sizeof *nh);
			if (!nh) {
				rc = SQLITE_NOMEM;
				break;
			}
			for (size_t i = 0; i < hcap; i++)
				if (h[i]) {
					size_t j = (size_t)h[i] * 0x9e3779b97f4a7c15ull % (hcap * 2);
					while (nh[j])
						j = (j + 1) % (hcap * 2);
					nh[j] = h[i];
				}
			free(h);
			h = nh;
			hcap *= 2;
		}
	}
	free(h);
	if (rc == SQLITE_ROW)
		rc = SQLITE_DONE; /* stopped early on purpose */
	if (rc == SQLITE_NOMEM) {
		sqlite3_finalize(s);
		free(*ids);
		*ids = NULL;
		return oom(a);
	}
	if (done(a, s, rc, "ranking programs")) {
		free(*ids);
		*ids = NULL;
		return ARC_ERR;
	}
	qsort(*ids, *n, sizeof **ids, by_score);
	if (limit > 0 && (long)*n > limit)
		*n = (size_t)limit;
	return ARC_OK;
}

int arc_q_top(struct arc *a, int island, long limit, struct arc_prog_list *out)
{
	struct scored *ids;
	size_t n;
	sqlite3_stmt *d;
	memset(out, 0, sizeof *out);
	if (top_ids(a, island, limit, &ids, &n))
		return ARC_ERR;
	if (prep(a, "SELECT " PROG_COLS ", (SELECT group_concat(l.island || ':' || l.cell, ' ')"
	         " FROM elites l WHERE l.program_id=p.id) FROM programs p WHERE p.id=?1", &d,
	         "reading the top programs")) {
		free(ids);
		return ARC_ERR;
	}
	size_t cap = 0;
	int rc = ARC_OK;
	for (size_t i = 0; i < n && rc == ARC_OK; i++) {
		sqlite3_bind_int64(d, 1, ids[i].id);
		int st = sqlite3_step(d);
		if (st == SQLITE_ROW) {
			if (grow(&out->row, &cap, out->n, sizeof *out->row)) {
				rc = oom(a);
				break;
			}
			struct arc_prog_row *r = &out->row[out->n++];
			memset(r, 0, sizeof *r);
			r->id = sqlite3_column_int64(d, 0);
			r->island = sqlite3_column_int(d, 1);
			r->parent_id = sqlite3_column_int64(d, 2);
			col_name(d, 3, r->mutator, sizeof r->mutator);
			r->score = col_num(d, 4);
			r->source_len = sqlite3_column_int64(d, 5);
			col_name(d, 6, r->outcome, sizeof r->outcome);
			r->created = sqlite3_column_double(d, 7);
			r->heldout = col_num(d, 8);
			if (sqlite3_column_type(d, 9) != SQLITE_NULL)
				r->elite_cells = col_str(d, 9);
		} else if (st != SQLITE_DONE) {
			rc = arc_sqlerr(a, "reading the top programs");
		}
		sqlite3_reset(d);
	}
	sqlite3_finalize(d);
	free(ids);
	if (rc)
		arc_prog_list_clear(out);
	return rc;
}

/* --- one program ------------------------------------------------------------------------- */

void arc_detail_clear(struct arc_detail *d)
{
	if (!d)
		return;
	arc_program_clear(&d->prog);
	for (size_t i = 0; i < d->natt; i++)
		free(d->att[i].message);
	for (size_t i = 0; i < d->nev; i++)
		free(d->ev[i].metrics);
	free(d->att);
	free(d->ev);
	free(d->cells);
	memset(d, 0, sizeof *d);
}

static int repair(char **s)
{
	if (!*s)
		return 0;
	char *r = arc_utf8(*s, strlen(*s));
	if (!r)
		return -1;
	free(*s);
	*s = r;
	return 0;
}

int arc_q_program(struct arc *a, int64_t id, struct arc_detail *d)
{
	sqlite3_stmt *s;
	size_t cap;
	int rc;
	memset(d, 0, sizeof *d);
	rc = arc_get_program(a, id, &d->prog);
	if (rc) {
		if (rc == ARC_NOTFOUND)
			arc_seterr(a, "%s: no program %lld in this archive", arc_path(a), (long long)id);
		return rc;
	}
	if (repair(&d->prog.source) || repair(&d->prog.ir) || repair(&d->prog.mutator)) {
		arc_detail_clear(d);
		return oom(a);
	}
	if (arc_q_dims(a, d->dims, &d->ndims))
		goto fail;

	if (prep(a, "SELECT seq, status, outcome, message, compile_ms, run_ms, score_ms,"
	         " total_ms, stage FROM attempts WHERE program_id=?1 ORDER BY seq", &s,
	         "reading the program's attempts"))
		goto fail;
	sqlite3_bind_int64(s, 1, id);
	cap = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (grow(&d->att, &cap, d->natt, sizeof *d->att)) {
			sqlite3_finalize(s);
			oom(a);
			goto fail;
		}
		struct arc_attempt_row *t = &d->att[d->natt++];
		memset(t, 0, sizeof *t);
		t->seq = sqlite3_column_int64(s, 0);
		col_name(s, 1, t->status, sizeof t->status);
		col_name(s, 2, t->outcome, sizeof t->outcome);
		t->message = col_str(s, 3);
		t->compile_ms = col_num(s, 4);
		t->run_ms = col_num(s, 5);
		t->score_ms = col_num(s, 6);
		t->total_ms = col_num(s, 7);
		t->stage = sqlite3_column_int(s, 8);
	}
	if (done(a, s, rc, "reading the program's attempts"))
		goto fail;

	if (prep(a, "SELECT stage, split, score, descriptors, metrics FROM evaluations"
	         " WHERE program_id=?1 ORDER BY split, stage, id", &s,
	         "reading the program's evaluations"))
		goto fail;
	sqlite3_bind_int64(s, 1, id);
	cap = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (grow(&d->ev, &cap, d->nev, sizeof *d->ev)) {
			sqlite3_finalize(s);
			oom(a);
			goto fail;
		}
		struct arc_eval_row *e = &d->ev[d->nev++];
		memset(e, 0, sizeof *e);
		e->stage = sqlite3_column_int(s, 0);
		e->split = sqlite3_column_int(s, 1);
		e->score = col_num(s, 2);
		const char *dj = (const char *)sqlite3_column_text(s, 3);
		e->ndesc = dj ? arc_desc_parse(dj, e->desc, ARC_MAX_DIMS) : 0;
		e->metrics = col_str(s, 4);
	}
	if (done(a, s, rc, "reading the program's evaluations"))
		goto fail;

	if (prep(a, "SELECT island, cell, score FROM elites WHERE program_id=?1"
	         " ORDER BY island, cell", &s, "reading the program's cells"))
		goto fail;
	sqlite3_bind_int64(s, 1, id);
	cap = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (grow(&d->cells, &cap, d->ncells, sizeof *d->cells)) {
			sqlite3_finalize(s);
			oom(a);
			goto fail;
		}
		d->cells[d->ncells++] = (struct arc_cell_ref){ sqlite3_column_int(s, 0),
		                                               sqlite3_column_int64(s, 1),
		                                               col_num(s, 2) };
	}
	if (done(a, s, rc, "reading the program's cells"))
		goto fail;
	return ARC_OK;
fail:
	arc_detail_clear(d);
	return ARC_ERR;
}

/* --- lineage --------------------------------------------------------------------------------- */

int arc_q_lineage(struct arc *a, int64_t id, struct arc_step **steps, size_t *n)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	*steps = NULL;
	*n = 0;
	if (prep(a, "SELECT coalesce(parent_id,0), mutator, island, " BEST_SCORE_SQL("?1")
	         " FROM programs WHERE id=?1", &s, "following the lineage"))
		return ARC_ERR;
	while (id > 0) {
		if (grow(steps, &cap, *n, sizeof **steps)) {
			sqlite3_finalize(s);
			free(*steps);
			*steps = NULL;
			*n = 0;
			return oom(a);
		}
		sqlite3_bind_int64(s, 1, id);
		int st = sqlite3_step(s);
		if (st == SQLITE_DONE) {
			if (*n == 0) {
				sqlite3_finalize(s);
				free(*steps);
				*steps = NULL;
				arc_seterr(a, "%s: no program %lld in this archive", arc_path(a),
				           (long long)id);
				return ARC_NOTFOUND;
			}
			break; /* dangling parent: stop */
		}
		if (st != SQLITE_ROW) {
			arc_sqlerr(a, "following the lineage");
			sqlite3_finalize(s);
			free(*steps);
			*steps = NULL;
			*n = 0;
			return ARC_ERR;
		}
		struct arc_step *p = &(*steps)[(*n)++];
		p->id = id;
		p->score = col_num(s, 3);
		col_name(s, 1, p->mutator, sizeof p->mutator);
		p->island = sqlite3_column_int(s, 2);
		int64_t parent = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		/* Parents are older than children; anything else is a loop. */
		if (parent >= id || *n > 10000000)
			break;
		id = parent;
	}
	sqlite3_finalize(s);
	for (size_t i = 0; i < *n / 2; i++) { /* seed first */
		struct arc_step t = (*steps)[i];
		(*steps)[i] = (*steps)[*n - 1 - i];
		(*steps)[*n - 1 - i] = t;
	}
	return ARC_OK;
}

/* --- islands and cells ---------------------------------------------------------------------- */

int arc_q_islands(struct arc *a, int *n)
{
	sqlite3_stmt *s;
	*n = 1;
	if (prep(a, "SELECT coalesce((SELECT value FROM meta WHERE key='islands'), 0),"
	         " coalesce((SELECT max(island) FROM programs), -1),"
	         " coalesce((SELECT max(island) FROM elites), -1)", &s, "counting islands"))
		return ARC_ERR;
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		int64_t conf = sqlite3_column_int64(s, 0), hp = sqlite3_column_int64(s, 1),
		        he = sqlite3_column_int64(s, 2);
		int64_t m = conf > 0 ? conf : (hp > he ? hp : he) + 1;
		if (m > (int64_t)1 << 20)
			m = (int64_t)1 << 20;
		*n = m < 1 ? 1 : (int)m;
		rc = SQLITE_DONE;
	}
	return done(a, s, rc, "counting islands");
}

int arc_q_check_island(struct arc *a, int island)
{
	int n;
	if (arc_q_islands(a, &n))
		return ARC_ERR;
	if (island >= 0 && island < n)
		return ARC_OK;
	if (n == 1)
		arc_seterr(a, "%s: no island %d: this campaign has one island, 0", arc_path(a),
		           island);
	else
		arc_seterr(a, "%s: no island %d: this campaign has %d islands, 0 to %d",
		           arc_path(a), island, n, n - 1);
	return ARC_NOTFOUND;
}

void arc_cells_clear(struct arc_cells *c)
{
	if (!c)
		return;
	free(c->row);
	c->row = NULL;
	c->n = 0;
}

int arc_q_cells(struct arc *a, int island, struct arc_cells *out)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;
	memset(out, 0, sizeof *out);
	out->island = island;
	out->lo = out->hi = NAN;
	if (arc_q_dims(a, out->dims, &out->ndims))
		return ARC_ERR;
	out->total = arc_cell_count(out->dims, out->ndims);
	if (prep(a, "SELECT cell, score, program_id, descriptors FROM elites WHERE island=?1"
	         " ORDER BY cell", &s, "reading the grid"))
		return ARC_ERR;
	sqlite3_bind_int(s, 1, island);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t cell = sqlite3_column_int64(s, 0);
		if (cell < 0 || cell >= out->total)
			continue; /* binned by other dims: cannot place it */
		if (grow(&out->row, &cap, out->n, sizeof *out->row)) {
			sqlite3_finalize(s);
			arc_cells_clear(out);
			return oom(a);
		}
		struct arc_cell_row *r = &out->row[out->n++];
		memset(r, 0, sizeof *r);
		r->cell = cell;
		r->score = sqlite3_column_double(s, 1);
		r->program_id = sqlite3_column_int64(s, 2);
		for (int i = 0; i < ARC_MAX_DIMS; i++)
			r->desc[i] = NAN;
		const char *dj = (const char *)sqlite3_column_text(s, 3);
		if (dj)
			arc_desc_parse(dj, r->desc, ARC_MAX_DIMS);
		int64_t rest = cell;
		for (int i = out->ndims; i-- > 0;) {
			r->bins[i] = (int)(rest % out->dims[i].bins);
			rest /= out->dims[i].bins;
		}
		if (isnan(out->lo) || r->score < out->lo)
			out->lo = r->score;
		if (isnan(out->hi) || r->score > out->hi)
			out->hi = r->score;
	}
	if (done(a, s, rc, "reading the grid")) {
		arc_cells_clear(out);
		return ARC_ERR;
	}
	return ARC_OK;
}

/* --- statistics ------------------------------------------------------------------------------- */

int arc_q_qd_offset(struct arc *a, double *offset)
{
	sqlite3_stmt *s;
	*offset = 0;
	if (prep(a, "SELECT min(score) FROM evaluations WHERE split=0", &s,
	         "reading the lowest score"))
		return ARC_ERR;
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		double m = col_num(s, 0);
		if (isfinite(m) && m < 0)
			*offset = m;
		rc = SQLITE_DONE;
	}
	return done(a, s, rc, "reading the lowest score");
}

int arc_q_island_stats(struct arc *a, int island, struct arc_island_row **rows, size_t *n)
{
	struct arc_dim dims[ARC_MAX_DIMS];
	int nd;
	double off;
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;
	*rows = NULL;
	*n = 0;
	if (arc_get_dims(a, dims, ARC_MAX_DIMS, &nd) || arc_q_qd_offset(a, &off))
		return ARC_ERR;
	int64_t per = arc_cell_count(dims, nd);
	if (prep(a, "SELECT island, count(*), sum(score), max(score) FROM elites"
	         " WHERE (?1 < 0 OR island=?1) GROUP BY island ORDER BY island", &s,
	         "computing statistics per island"))
		return ARC_ERR;
	sqlite3_bind_int(s, 1, island);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (grow(rows, &cap, *n, sizeof **rows)) {
			sqlite3_finalize(s);
			free(*rows);
			*rows = NULL;
			*n = 0;
			return oom(a);
		}
		struct arc_island_row *r = &(*rows)[(*n)++];
		r->island = sqlite3_column_int(s, 0);
		r->occupied = sqlite3_column_int64(s, 1);
		r->coverage = (double)r->occupied / (double)per;
		r->qd_score = sqlite3_column_double(s, 2) - (double)r->occupied * off;
		r->best = col_num(s, 3);
	}
	if (done(a, s, rc, "computing statistics per island")) {
		free(*rows);
		*rows = NULL;
		*n = 0;
		return ARC_ERR;
	}
	return ARC_OK;
}

/* --- the campaign ------------------------------------------------------------------------------- */

void arc_campaign_info_clear(struct arc_campaign_info *ci)
{
	if (!ci)
		return;
	free(ci->config);
	free(ci->identity);
	ci->config = NULL;
	ci->identity = NULL;
}

int arc_q_campaign(struct arc *a, struct arc_campaign_info *ci)
{
	sqlite3_stmt *s;
	int rc;
	memset(ci, 0, sizeof *ci);
	if (prep(a, "SELECT config, seed, engine_version, started, coalesce(finished,0)"
	         " FROM campaigns ORDER BY id LIMIT 1", &s, "reading the campaign"))
		return ARC_ERR;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		ci->config = col_str(s, 0);
		ci->seed = (uint64_t)sqlite3_column_int64(s, 1);
		col_name(s, 2, ci->engine_version, sizeof ci->engine_version);
		ci->started = sqlite3_column_double(s, 3);
		ci->finished = sqlite3_column_double(s, 4);
		rc = SQLITE_DONE;
	} else if (rc == SQLITE_DONE) {
		ci->config = arc_utf8("", 0);
	}
	if (done(a, s, rc, "reading the campaign"))
		goto fail;
	if (!ci->config) {
		oom(a);
		goto fail;
	}
	if (prep(a, "SELECT coalesce((SELECT created FROM attempts ORDER BY seq LIMIT 1),0),"
	         " coalesce((SELECT created FROM attempts ORDER BY seq DESC LIMIT 1),0),"
	         " (SELECT count(*) FROM events WHERE kind='resume'),"
	         " (SELECT count(*) FROM events WHERE kind='migration'"
	         "  AND json_extract(detail, '$.migrants') IS NOT NULL),"
	         " (SELECT detail FROM events WHERE kind='evaluator' ORDER BY id DESC LIMIT 1)", &s,
	         "reading the campaign's times"))
		goto fail;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		ci->first_attempt = sqlite3_column_double(s, 0);
		ci->last_attempt = sqlite3_column_double(s, 1);
		ci->events_resume = sqlite3_column_int64(s, 2);
		ci->events_migration = sqlite3_column_int64(s, 3);
		ci->identity = col_str(s, 4);
		rc = SQLITE_DONE;
	}
	if (done(a, s, rc, "reading the campaign's times"))
		goto fail;
	if (!ci->identity && !(ci->identity = arc_utf8("", 0))) {
		oom(a);
		goto fail;
	}
	return ARC_OK;
fail:
	arc_campaign_info_clear(ci);
	return ARC_ERR;
}

void arc_kv_free(struct arc_kv *kv, size_t n)
{
	for (size_t i = 0; kv && i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

int arc_q_meta(struct arc *a, struct arc_kv **kv, size_t *n)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;
	*kv = NULL;
	*n = 0;
	if (prep(a, "SELECT key, value FROM meta ORDER BY key", &s, "reading meta"))
		return ARC_ERR;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (grow(kv, &cap, *n, sizeof **kv)) {
			rc = SQLITE_NOMEM;
			break;
		}
		struct arc_kv *e = &(*kv)[(*n)++];
		e->key = col_str(s, 0);
		e->value = col_str(s, 1);
		if (!e->key || !e->value) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	if (rc == SQLITE_NOMEM) {
		sqlite3_finalize(s);
		arc_kv_free(*kv, *n);
		*kv = NULL;
		*n = 0;
		return oom(a);
	}
	if (done(a, s, rc, "reading meta")) {
		arc_kv_free(*kv, *n);
		*kv = NULL;
		*n = 0;
		return ARC_ERR;
	}
	return ARC_OK;
}

int arc_q_llm(struct arc *a, struct arc_llm_row **rows, size_t *n)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;
	*rows = NULL;
	*n = 0;
	if (prep(a, "SELECT coalesce(model,''), count(*), sum(status <> 'ok'),"
	         " coalesce(sum(tokens_in),0), coalesce(sum(tokens_out),0),"
	         " coalesce(sum(cost),0), coalesce(avg(latency_ms),0) FROM llm_calls"
	         " GROUP BY 1 ORDER BY 2 DESC, 1", &s, "reading LLM calls"))
		return ARC_ERR;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (grow(rows, &cap, *n, sizeof **rows)) {
			sqlite3_finalize(s);
			free(*rows);
			*rows = NULL;
			*n = 0;
			return oom(a);
		}
		struct arc_llm_row *r = &(*rows)[(*n)++];
		col_name(s, 0, r->model, sizeof r->model);
		r->calls = sqlite3_column_int64(s, 1);
		r->failed = sqlite3_column_int64(s, 2);
		r->tokens_in = sqlite3_column_int64(s, 3);
		r->tokens_out = sqlite3_column_int64(s, 4);
		r->cost = sqlite3_column_double(s, 5);
		r->latency_ms = sqlite3_column_double(s, 6);
	}
	if (done(a, s, rc, "reading LLM calls")) {
		free(*rows);
		*rows = NULL;
		*n = 0;
		return ARC_ERR;
	}
	return ARC_OK;
}

/* --- time series ----------------------------------------------------------------------------------- */

void arc_series_clear(struct arc_series *s)
{
	if (!s)
		return;
	free(s->end_seq);
	free(s->best);
	free(s->coverage);
	free(s->qd);
	free(s->status);
	free(s->mut);
	free(s->mut_attempts);
	free(s->mut_improved);
	memset(s, 0, sizeof *s);
}

/* Open-addressing map (island, cell) -> current elite score. */
struct grid {
	int64_t *key; /* island * cells + cell + 1; 0 = empty */
	double *val;
	size_t cap, n;
};

static double *grid_slot(struct grid *g, int64_t key, int *fresh)
{
	if ((g->n + 1) * 2 > g->cap) {
		size_t nc = g->cap ? g->cap * 2 : 1024;
		int64_t *nk = calloc(nc, sizeof *nk);
		double *nv = malloc(nc * sizeof *nv);
		if (!nk || !nv) {
			free(nk);
			free(nv);
			return NULL;
		}
		for (size_t i = 0; i < g->cap; i++)
			if (g->key[i]) {
				size_t j = (size_t)g->key[i] * 0x9e3779b97f4a7c15ull % nc;
				while (nk[j])
					j = (j + 1) % nc;
				nk[j] = g->key[i];
				nv[j] = g->val[i];
			}
		free(g->key);
		free(g->val);
		g->key = nk;
		g->val = nv;
		g->cap = nc;
	}
	size_t j = (size_t)key * 0x9e3779b97f4a7c15ull % g->cap;
	while (g->key[j] && g->key[j] != key)
		j = (j + 1) % g->cap;
	*fresh = g->key[j] == 0;
	if (*fresh) {
		g->key[j] = key;
		g->n++;
	}
	return &g->val[j];
}

static int mut_index(struct arc_series *s, size_t *cap, const char *name)
{
	for (int i = 0; i < s->nmut; i++)
		if (!strcmp(s->mut[i], name))
			return i;
	if (grow(&s->mut, cap, (size_t)s->nmut, sizeof *s->mut))
		return -1;
	snprintf(s->mut[s->nmut], ARC_NAME_MAX, "%s", name);
	return s->nmut++;
}

int arc_q_series(struct arc *a, int nb, struct arc_series *s)
{
	struct arc_dim dims[ARC_MAX_DIMS];
	int nd, nisl;
	sqlite3_stmt *q = NULL, *ev = NULL;
	int rc;
	struct grid g = { 0 };
	int64_t (*mcount)[2] = NULL; /* per (bucket, mutator): attempts, improved */
	size_t mcap = 0, mcount_n = 0;
	memset(s, 0, sizeof *s);
	if (arc_get_dims(a, dims, ARC_MAX_DIMS, &nd) || arc_q_islands(a, &nisl) ||
	    arc_q_qd_offset(a, &s->qd_offset) || arc_next_seq(a, &s->max_seq))
		return ARC_ERR;
	s->max_seq--;
	if (nb < 1)
		nb = 1;
	if (s->max_seq < nb)
		nb = (int)(s->max_seq > 0 ? s->max_seq : 0);
	s->nb = nb;
	if (nb == 0)
		return ARC_OK;
	int64_t ncell = arc_cell_count(dims, nd), total = ncell * nisl;
	s->end_seq = calloc((size_t)nb, sizeof *s->end_seq);
	s->best = malloc((size_t)nb * sizeof *s->best);
	s->coverage = calloc((size_t)nb, sizeof *s->coverage);
	s->qd = calloc((size_t)nb, sizeof *s->qd);
	s->status = calloc((size_t)nb * ARC_NSTATUS, sizeof *s->status);
	if (!s->end_seq || !s->best || !s->coverage || !s->qd || !s->status)
		goto nomem;
	for (int b = 0; b < nb; b++)
		s->end_seq[b] = (int64_t)((double)s->max_seq * (b + 1) / nb);
	if (prep(a, "SELECT seq, status, mutator, outcome, island, program_id FROM attempts"
	         " ORDER BY seq", &q, "reading attempts") ||
	    prep(a, "SELECT score, descriptors FROM evaluations WHERE program_id=?1 AND split=0"
	         " ORDER BY stage DESC, id DESC LIMIT 1", &ev, "reading attempts"))
		goto fail;
	double best = NAN, qd = 0;
	int64_t occupied = 0;
	int b = 0;
	size_t namecap = 0;
	char last_mut[ARC_NAME_MAX] = "";
	int last_mi = -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(q, 0);
		while (b < nb - 1 && seq > s->end_seq[b]) {
			s->best[b] = best;
			s->coverage[b] = total ? (double)occupied / (double)total : 0;
			s->qd[b] = qd;
			b++;
		}
		int si = arc_status_index((const char *)sqlite3_column_text(q, 1));
		if (si >= 0)
			s->status[(size_t)b * ARC_NSTATUS + (size_t)si]++;
		const char *m = (const char *)sqlite3_column_text(q, 2);
		if (!m)
			m = "";
		if (last_mi < 0 || strncmp(m, last_mut, ARC_NAME_MAX - 1)) {
			char *fixed = arc_utf8(m, strlen(m));
			last_mi = fixed ? mut_index(s, &namecap, fixed) : -1;
			free(fixed);
			if (last_mi < 0)
				goto nomem;
			snprintf(last_mut, sizeof last_mut, "%s", m);
		}
		size_t need = (size_t)nb * (size_t)s->nmut;
		if (need > mcount_n) {
			/* A new mutator: widen the table (rows are buckets). */
			int64_t (*nm)[2] = calloc(need, sizeof *nm);
			if (!nm)
				goto nomem;
			int old = mcount_n ? (int)(mcount_n / (size_t)nb) : 0;
			for (int r = 0; r < nb; r++)
				for (int k = 0; k < old; k++) {
					nm[(size_t)r * (size_t)s->nmut + (size_t)k][0] = mcount[(size_t)r * (size_t)old + (size_t)k][0];
					nm[(size_t)r * (size_t)s->nmut + (size_t)k][1] = mcount[(size_t)r * (size_t)old + (size_t)k][1];
				}
			free(mcount);
			mcount = nm;
			mcount_n = need;
			mcap = (size_t)s->nmut;
		}
		size_t mi = (size_t)b * mcap + (size_t)last_mi;
		mcount[mi][0]++;
		const char *o = (const char *)sqlite3_column_text(q, 3);
		if (o && (!strcmp(o, "NEW") || !strcmp(o, "IMPROVED"))) {
			mcount[mi][1]++;
			/* Replay the grid: this program's score at its cell. */
			sqlite3_bind_int64(ev, 1, sqlite3_column_int64(q, 5));
			if (sqlite3_step(ev) == SQLITE_ROW && sqlite3_column_type(ev, 0) != SQLITE_NULL) {
				double sc = sqlite3_column_double(ev, 0), desc[ARC_MAX_DIMS] = { 0 };
				const char *dj = (const char *)sqlite3_column_text(ev, 1);
				if (dj)
					arc_desc_parse(dj, desc, ARC_MAX_DIMS);
				int64_t cell = arc_cell_of(dims, nd, desc);
				int isl = sqlite3_column_int(q, 4);
				int every = !strcmp(m, "seed");
				for (int i = every ? 0 : isl; i < (every ? nisl : isl + 1); i++) {
					int fresh;
					double *v = grid_slot(&g, (int64_t)i * ncell + cell + 1, &fresh);
					if (!v)
						goto nomem;
					if (fresh) {
						*v = sc;
						occupied++;
						qd += sc - s->qd_offset;
					} else if (sc > *v) {
						qd += sc - *v;
						*v = sc;
					}
				}
				if (isnan(best) || sc > best)
					best = sc;
			}
			sqlite3_reset(ev);
		}
	}
	if (rc != SQLITE_DONE) {
		arc_sqlerr(a, "reading attempts");
		goto fail;
	}
	for (; b < nb; b++) {
		s->best[b] = best;
		s->coverage[b] = total ? (double)occupied / (double)total : 0;
		s->qd[b] = qd;
	}
	s->mut_attempts = calloc(mcount_n ? mcount_n : 1, sizeof *s->mut_attempts);
	s->mut_improved = calloc(mcount_n ? mcount_n : 1, sizeof *s->mut_improved);
	if (!s->mut_attempts || !s->mut_improved)
		goto nomem;
	for (size_t i = 0; i < mcount_n; i++) {
		s->mut_attempts[i] = mcount[i][0];
		s->mut_improved[i] = mcount[i][1];
	}
	sqlite3_finalize(q);
	sqlite3_finalize(ev);
	free(mcount);
	free(g.key);
	free(g.val);
	return ARC_OK;
nomem:
	oom(a);
fail:
	sqlite3_finalize(q);
	sqlite3_finalize(ev);
	free(mcount);
	free(g.key);
	free(g.val);
	arc_series_clear(s);
	return ARC_ERR;
}

/* --- export --------------------------------------------------------------------------------------- */

const char *const arc_export_tables[] = { "programs", "attempts", "evaluations", "elites",
	                                       "llm_calls", "events", "campaigns", "dims", NULL };

struct arc_export {
	struct arc *a;
	sqlite3_stmt *s;
	char **text; /* per column, the repaired text of the current row */
};

int arc_export_open(struct arc *a, const char *table, struct arc_export **xp)
{
	char sql[128];
	int known = 0;
	*xp = NULL;
	for (int i = 0; arc_export_tables[i]; i++)
		known |= strcmp(table, arc_export_tables[i]) == 0;
	if (!known) {
		arc_seterr(a, "unknown table '%s' (expected programs, attempts, evaluations, elites,"
		           " llm_calls, events, campaigns or dims)", table);
		return ARC_NOTFOUND;
	}
	struct arc_export *x = calloc(1, sizeof *x);
	if (!x)
		return oom(a);
	x->a = a;
	snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY 1%s", table,
	         strcmp(table, "elites") == 0 ? ", 2" : "");
	if (prep(a, sql, &x->s, "exporting")) {
		free(x);
		return ARC_ERR;
	}
	x->text = calloc((size_t)sqlite3_column_count(x->s) + 1, sizeof *x->text);
	if (!x->text) {
		arc_export_close(&x);
		return oom(a);
	}
	*xp = x;
	return ARC_OK;
}

int arc_export_ncol(const struct arc_export *x)
{
	return sqlite3_column_count(x->s);
}

const char *arc_export_colname(const struct arc_export *x, int i)
{
	return sqlite3_column_name(x->s, i);
}

int arc_export_next(struct arc_export *x, struct arc_value *vals)
{
	int n = sqlite3_column_count(x->s);
	for (int i = 0; i < n; i++) {
		free(x->text[i]);
		x->text[i] = NULL;
	}
	int rc = sqlite3_step(x->s);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return arc_sqlerr(x->a, "exporting");
	for (int i = 0; i < n; i++) {
		struct arc_value *v = &vals[i];
		memset(v, 0, sizeof *v);
		switch (sqlite3_column_type(x->s, i)) {
		case SQLITE_NULL:
			v->type = ARC_V_NULL;
			break;
		case SQLITE_INTEGER:
			v->type = ARC_V_INT;
			v->i = sqlite3_column_int64(x->s, i);
			break;
		case SQLITE_FLOAT:
			v->type = ARC_V_REAL;
			v->d = sqlite3_column_double(x->s, i);
			break;
		default:
			v->type = ARC_V_TEXT;
			x->text[i] = col_str(x->s, i);
			if (!x->text[i])
				return oom(x->a);
			v->s = x->text[i];
		}
	}
	return 1;
}

void arc_export_close(struct arc_export **xp)
{
	struct arc_export *x;
	if (!xp || !(x = *xp))
		return;
	if (x->text) {
		int n = sqlite3_column_count(x->s);
		for (int i = 0; i < n; i++)
			free(x->text[i]);
		free(x->text);
	}
	sqlite3_finalize(x->s);
	free(x);
	*xp = NULL;
}
