/*
 * cmd_archive.c - `disco archive`: browse a campaign archive read-only.
 *
 * Subcommands and options live in two tables (subs[], opts[]); --help text
 * is printed from them, and each subcommand row lists the options it takes.
 * Output is an aligned table, or one JSON document with --json.
 * Exit codes: 0 ok, 1 bad file or unknown id, 2 usage error.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "archive/arc.h"
#include "archive/arc_int.h"

#define EXIT_USAGE 2
#define EXIT_BAD 1

enum {
	O_DB = 1 << 0,
	O_JSON = 1 << 1,
	O_ISLAND = 1 << 2,
	O_LIMIT = 1 << 3,
	O_FORMAT = 1 << 4,
	O_TABLE = 1 << 5,
	O_HELP = 1 << 6,
};

struct opt {
	const char *name;
	int bit;
	const char *arg; /* NULL: a flag */
	const char *help;
};

static const struct opt opts[] = {
	{"--db", O_DB, "FILE", "the archive to read (an SQLite file written by disco run)"},
	{"--json", O_JSON, NULL, "print one JSON document instead of a table"},
	{"--island", O_ISLAND, "N", "only island N (cells: the island to draw, default 0)"},
	{"--limit", O_LIMIT, "N", "at most N rows (0 = all)"},
	{"--format", O_FORMAT, "jsonl|csv", "export format (default jsonl)"},
	{"--table", O_TABLE, "NAME", "table to export: programs (default), attempts,"
	 " evaluations, elites, llm_calls, events, campaigns, dims"},
	{"--help", O_HELP, NULL, "show this help"},
	{NULL, 0, NULL, NULL},
};

struct ctx {
	const char *sub;
	const char *db_path;
	int json;
	int island;     /* -1: all */
	int island_set;
	long limit;     /* -1: subcommand default */
	const char *format;
	const char *table;
	int nargs;
	int64_t ids[2];
	struct arc *a;
	sqlite3 *db;
};

struct sub {
	const char *name;
	int (*fn)(struct ctx *c);
	int nargs;         /* program ids expected */
	const char *args;  /* "ID", "ID1 ID2" */
	int opts;
	const char *summary;
	const char *detail;
};

static int cmd_list(struct ctx *c);
static int cmd_top(struct ctx *c);
static int cmd_show(struct ctx *c);
static int cmd_lineage(struct ctx *c);
static int cmd_diff(struct ctx *c);
static int cmd_cells(struct ctx *c);
static int cmd_stats(struct ctx *c);
static int cmd_export(struct ctx *c);

#define COMMON (O_DB | O_HELP)
static const struct sub subs[] = {
	{"list", cmd_list, 0, "", COMMON | O_JSON | O_ISLAND | O_LIMIT,
	 "list programs, newest first",
	 "Lists accepted programs, newest first: id, island, parent, mutator, best\n"
	 "train score, source length and the outcome of the attempt that made it.\n"
	 "Default --limit 50."},
	{"top", cmd_top, 0, "", COMMON | O_JSON | O_ISLAND | O_LIMIT,
	 "best programs by score",
	 "Lists the programs with the highest train score (the best score any of\n"
	 "their train evaluations gave), best first, with the elite cell each holds.\n"
	 "Default --limit 10."},
	{"show", cmd_show, 1, "ID", COMMON | O_JSON,
	 "one program: code, scores, descriptors, parent, how it was made",
	 "Prints program ID: how it was made (mutator, parents, inspirations, the\n"
	 "attempt's status, outcome and timings), its evaluations, descriptors with\n"
	 "their bins, the elite cells it holds, and its source code."},
	{"lineage", cmd_lineage, 1, "ID", COMMON | O_JSON,
	 "ancestors of a program, from the seed down",
	 "Follows parent links from program ID back to its seed and prints the\n"
	 "chain from the seed down, with each step's score change."},
	{"diff", cmd_diff, 2, "ID1 ID2", COMMON | O_JSON,
	 "unified diff of two programs' sources",
	 "Prints a unified diff (3 lines of context) from program ID1 to ID2."},
	{"cells", cmd_cells, 0, "", COMMON | O_JSON | O_ISLAND,
	 "MAP-Elites grid of an island as a text heatmap",
	 "Draws the elite grid of one island (--island N, default 0): rows are the\n"
	 "bins of the first dimension, columns the bins of the second (more\n"
	 "dimensions: the best score over them); one dimension draws a single row.\n"
	 "Each occupied cell shows a digit 0-9 for its score between the lowest\n"
	 "(0) and highest (9) elite score of the island; '.' is an empty cell."},
	{"stats", cmd_stats, 0, "", COMMON | O_JSON | O_ISLAND,
	 "counts, coverage, QD-score and best score",
	 "Prints counts of attempts (by status and outcome), programs,\n"
	 "evaluations and LLM calls; coverage (occupied cells / cells), QD-score\n"
	 "(sum of elite scores) and the best score, overall and per island."},
	{"export", cmd_export, 0, "", COMMON | O_FORMAT | O_TABLE,
	 "dump a table as JSON lines or CSV",
	 "Writes every row of one table (--table, default programs) to stdout, as\n"
	 "JSON lines (one object per row) or CSV with a header line (RFC 4180\n"
	 "quoting).  Integers are exact (64-bit hashes are signed integers)."},
	{NULL, NULL, 0, NULL, 0, NULL, NULL},
};

/* --- messages and help -------------------------------------------------------- */

static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int code, const char *fmt, ...)
{
	va_list ap;
	fputs("disco archive: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static void print_opts(FILE *f, int mask)
{
	for (const struct opt *o = opts; o->name; o++) {
		char lhs[48];
		if (!(o->bit & mask))
			continue;
		snprintf(lhs, sizeof lhs, "%s%s%s", o->name, o->arg ? " " : "",
		         o->arg ? o->arg : "");
		fprintf(f, "  %-20s %s\n", lhs, o->help);
	}
}

static void usage_main(FILE *f)
{
	fprintf(f, "usage: disco archive SUBCOMMAND [ARGS] --db FILE [options]\n\n"
	           "Browse a campaign archive (opened read-only).\n\nsubcommands:\n");
	for (const struct sub *s = subs; s->name; s++) {
		char lhs[32];
		snprintf(lhs, sizeof lhs, "%s %s", s->name, s->args);
		fprintf(f, "  %-16s %s\n", lhs, s->summary);
	}
	fprintf(f, "\noptions (which apply depends on the subcommand):\n");
	print_opts(f, ~0);
	fprintf(f, "\nRun 'disco archive SUBCOMMAND --help' for one subcommand.\n"
	           "Exit status: 0 ok, 1 unreadable archive or unknown id, 2 usage error.\n");
}

static void usage_sub(FILE *f, const struct sub *s)
{
	fprintf(f, "usage: disco archive %s%s%s --db FILE", s->name, *s->args ? " " : "",
	        s->args);
	for (const struct opt *o = opts; o->name; o++)
		if ((o->bit & s->opts) && o->bit != O_DB && o->bit != O_HELP)
			fprintf(f, " [%s%s%s]", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	fprintf(f, "\n\n%s\n\noptions:\n", s->detail);
	print_opts(f, s->opts);
}

/* --- aligned tables ------------------------------------------------------------- */

struct tbl {
	int ncol;
	const char *right; /* per column: 'r' right-aligned, else left */
	char **cell;
	size_t n, cap;
};

static void tbl_init(struct tbl *t, int ncol, const char *right, ...)
{
	va_list ap;
	memset(t, 0, sizeof *t);
	t->ncol = ncol;
	t->right = right;
	va_start(ap, right);
	for (int i = 0; i < ncol; i++) {
		const char *h = va_arg(ap, const char *);
		if (t->n == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 64;
			t->cell = realloc(t->cell, t->cap * sizeof *t->cell);
		}
		t->cell[t->n++] = strdup(h);
	}
	va_end(ap);
}

static void tbl_add(struct tbl *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tbl_add(struct tbl *t, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **nc = realloc(t->cell, cap * sizeof *nc);
		if (!nc) {
			free(s);
			return;
		}
		t->cell = nc;
		t->cap = cap;
	}
	/* Tables are single-line: newlines and tabs become spaces. */
	for (char *p = s; p && *p; p++)
		if (*p == '\n' || *p == '\t' || *p == '\r')
			*p = ' ';
	t->cell[t->n++] = s ? s : strdup("?");
}

static void tbl_print(struct tbl *t, FILE *f)
{
	int w[32] = {0};
	size_t rows = t->n / (size_t)t->ncol;
	for (size_t i = 0; i < rows * (size_t)t->ncol; i++) {
		int len = (int)strlen(t->cell[i]);
		if (len > w[i % (size_t)t->ncol])
			w[i % (size_t)t->ncol] = len;
	}
	for (size_t r = 0; r < rows; r++) {
		for (int c = 0; c < t->ncol; c++) {
			const char *s = t->cell[r * (size_t)t->ncol + (size_t)c];
			int last = c == t->ncol - 1;
			if (t->right[c] == 'r')
				fprintf(f, "%*s", w[c], s);
			else
				fprintf(f, "%-*s", last ? 0 : w[c], s);
			if (!last)
				fputs("  ", f);
		}
		fputc('\n', f);
	}
}

static void tbl_free(struct tbl *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->cell[i]);
	free(t->cell);
	memset(t, 0, sizeof *t);
}

/* --- small formatting helpers ------------------------------------------------------ */

static const char *fmt_score(char *buf, size_t n, sqlite3_stmt *s, int col)
{
	if (sqlite3_column_type(s, col) == SQLITE_NULL)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.6g", sqlite3_column_double(s, col));
	return buf;
}

static const char *fmt_time(char *buf, size_t n, double t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (t <= 0 || !gmtime_r(&tt, &tm))
		snprintf(buf, n, "-");
	else
		strftime(buf, n, "%Y-%m-%d %H:%M:%SZ", &tm);
	return buf;
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? (const char *)t : "";
}

/* A column as a JSON value: NULL -> null, integers exact when they fit a
 * double, text as string. */
static cJSON *col_json(sqlite3_stmt *s, int i)
{
	switch (sqlite3_column_type(s, i)) {
	case SQLITE_NULL:
		return cJSON_CreateNull();
	case SQLITE_INTEGER:
		return cJSON_CreateNumber((double)sqlite3_column_int64(s, i));
	case SQLITE_FLOAT:
		return cJSON_CreateNumber(sqlite3_column_double(s, i));
	default:
		return cJSON_CreateString(col_text(s, i));
	}
}

static cJSON *num_or_null(double v)
{
	return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static int print_json(cJSON *j)
{
	char *s = cJSON_Print(j);
	cJSON_Delete(j);
	if (!s)
		return fail(EXIT_BAD, "out of memory printing JSON");
	puts(s);
	free(s);
	return 0;
}

static int prep(struct ctx *c, const char *sql, sqlite3_stmt **s)
{
	if (sqlite3_prepare_v2(c->db, sql, -1, s, NULL) != SQLITE_OK)
		return fail(EXIT_BAD, "%s: %s", c->db_path, sqlite3_errmsg(c->db));
	return 0;
}

static int step_err(struct ctx *c, sqlite3_stmt *s)
{
	fail(EXIT_BAD, "%s: %s", c->db_path, sqlite3_errmsg(c->db));
	sqlite3_finalize(s);
	return EXIT_BAD;
}

/* The program's best train score, as used by list and top. */
#define BEST_SCORE_SQL(p) \
	"(SELECT max(e.score) FROM evaluations e WHERE e.program_id=" p " AND e.split=0)"

/* --- list ----------------------------------------------------------------------------- */

static int cmd_list(struct ctx *c)
{
	sqlite3_stmt *s;
	struct tbl t;
	cJSON *arr = NULL;
	char sc[32], tm[32];
	int rc;
	const char *sql =
		"SELECT p.id, p.island, coalesce(p.parent_id,0), coalesce(p.mutator,''),"
		" " BEST_SCORE_SQL("p.id") ", p.source_len,"
		" (SELECT a.outcome FROM attempts a WHERE a.program_id=p.id ORDER BY a.seq LIMIT 1),"
		" p.created FROM programs p WHERE (?1 < 0 OR p.island=?1)"
		" ORDER BY p.id DESC LIMIT ?2";
	if (prep(c, sql, &s))
		return EXIT_BAD;
	sqlite3_bind_int(s, 1, c->island);
	sqlite3_bind_int64(s, 2, c->limit < 0 ? 50 : c->limit == 0 ? -1 : c->limit);
	if (c->json)
		arr = cJSON_CreateArray();
	else
		tbl_init(&t, 8, "rrrlrrll", "id", "island", "parent", "mutator", "score", "len",
		         "outcome", "created");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (c->json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddItemToObject(o, "id", col_json(s, 0));
			cJSON_AddItemToObject(o, "island", col_json(s, 1));
			cJSON_AddItemToObject(o, "parent_id", col_json(s, 2));
			cJSON_AddItemToObject(o, "mutator", col_json(s, 3));
			cJSON_AddItemToObject(o, "score", col_json(s, 4));
			cJSON_AddItemToObject(o, "source_len", col_json(s, 5));
			cJSON_AddItemToObject(o, "outcome", col_json(s, 6));
			cJSON_AddItemToObject(o, "created", col_json(s, 7));
			cJSON_AddItemToArray(arr, o);
		} else {
			tbl_add(&t, "%lld", (long long)sqlite3_column_int64(s, 0));
			tbl_add(&t, "%d", sqlite3_column_int(s, 1));
			tbl_add(&t, "%s", sqlite3_column_int64(s, 2) ? col_text(s, 2) : "-");
			tbl_add(&t, "%s", col_text(s, 3));
			tbl_add(&t, "%s", fmt_score(sc, sizeof sc, s, 4));
			tbl_add(&t, "%lld", (long long)sqlite3_column_int64(s, 5));
			tbl_add(&t, "%s", *col_text(s, 6) ? col_text(s, 6) : "-");
			tbl_add(&t, "%s", fmt_time(tm, sizeof tm, sqlite3_column_double(s, 7)));
		}
	}
	if (rc != SQLITE_DONE) {
		if (c->json)
			cJSON_Delete(arr);
		else
			tbl_free(&t);
		return step_err(c, s);
	}
	sqlite3_finalize(s);
	if (c->json)
		return print_json(arr);
	tbl_print(&t, stdout);
	tbl_free(&t);
	return 0;
}

/* --- top ------------------------------------------------------------------------------- */

static int cmd_top(struct ctx *c)
{
	sqlite3_stmt *s, *d;
	long limit = c->limit < 0 ? 10 : c->limit == 0 ? 1000000000L : c->limit;
	int64_t *seen = NULL;
	long nseen = 0, cap = 0;
	int rc;
	/* Walk the score index best first; a program may have several
	 * evaluations, keep its first (best) one. */
	const char *sql =
		c->island < 0
		? "SELECT program_id, score FROM evaluations WHERE split=0 AND score IS NOT NULL"
		  " ORDER BY score DESC"
		: "SELECT e.program_id, e.score FROM evaluations e JOIN programs p"
		  " ON p.id=e.program_id WHERE e.split=0 AND e.score IS NOT NULL"
		  " AND p.island=?1 ORDER BY e.score DESC";
	if (prep(c, sql, &s))
		return EXIT_BAD;
	if (c->island >= 0)
		sqlite3_bind_int(s, 1, c->island);
	while (nseen < limit && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		int dup = 0;
		for (long i = 0; i < nseen && !dup; i++)
			dup = seen[i] == id;
		if (dup)
			continue;
		if (nseen == cap) {
			cap = cap ? cap * 2 : 64;
			int64_t *ns = realloc(seen, (size_t)cap * sizeof *seen);
			if (!ns) {
				free(seen);
				sqlite3_finalize(s);
				return fail(EXIT_BAD, "out of memory");
			}
			seen = ns;
		}
		seen[nseen++] = id;
	}
	if (nseen < limit && rc != SQLITE_DONE) {
		free(seen);
		return step_err(c, s);
	}
	sqlite3_finalize(s);

	if (prep(c, "SELECT p.id, " BEST_SCORE_SQL("p.id") ", p.island, coalesce(p.mutator,''),"
	         " coalesce(p.parent_id,0), p.source_len,"
	         " (SELECT group_concat(l.island || ':' || l.cell, ' ') FROM elites l"
	         "  WHERE l.program_id=p.id) FROM programs p WHERE p.id=?1", &d)) {
		free(seen);
		return EXIT_BAD;
	}
	struct tbl t;
	cJSON *arr = c->json ? cJSON_CreateArray() : NULL;
	char sc[32];
	if (!c->json)
		tbl_init(&t, 8, "rrrrlrrl", "rank", "id", "score", "island", "mutator", "parent",
		         "len", "elite");
	for (long i = 0; i < nseen; i++) {
		sqlite3_bind_int64(d, 1, seen[i]);
		if (sqlite3_step(d) != SQLITE_ROW) {
			sqlite3_reset(d);
			continue;
		}
		if (c->json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "rank", (double)(i + 1));
			cJSON_AddItemToObject(o, "id", col_json(d, 0));
			cJSON_AddItemToObject(o, "score", col_json(d, 1));
			cJSON_AddItemToObject(o, "island", col_json(d, 2));
			cJSON_AddItemToObject(o, "mutator", col_json(d, 3));
			cJSON_AddItemToObject(o, "parent_id", col_json(d, 4));
			cJSON_AddItemToObject(o, "source_len", col_json(d, 5));
			cJSON_AddItemToObject(o, "elite_cells", col_json(d, 6));
			cJSON_AddItemToArray(arr, o);
		} else {
			tbl_add(&t, "%ld", i + 1);
			tbl_add(&t, "%lld", (long long)seen[i]);
			tbl_add(&t, "%s", fmt_score(sc, sizeof sc, d, 1));
			tbl_add(&t, "%d", sqlite3_column_int(d, 2));
			tbl_add(&t, "%s", col_text(d, 3));
			tbl_add(&t, "%s", sqlite3_column_int64(d, 4) ? col_text(d, 4) : "-");
			tbl_add(&t, "%lld", (long long)sqlite3_column_int64(d, 5));
			tbl_add(&t, "%s", *col_text(d, 6) ? col_text(d, 6) : "-");
		}
		sqlite3_reset(d);
	}
	sqlite3_finalize(d);
	free(seen);
	if (c->json)
		return print_json(arr);
	tbl_print(&t, stdout);
	tbl_free(&t);
	return 0;
}

/* --- show ------------------------------------------------------------------------------ */

static int no_program(struct ctx *c, int64_t id)
{
	return fail(EXIT_BAD, "%s: no program %lld in this archive", c->db_path, (long long)id);
}

static int load_program(struct ctx *c, int64_t id, struct arc_program *p)
{
	int rc = arc_get_program(c->a, id, p);
	if (rc == ARC_NOTFOUND)
		return no_program(c, id);
	if (rc)
		return fail(EXIT_BAD, "%s", arc_errmsg(c->a));
	return 0;
}

static int cmd_show(struct ctx *c)
{
	struct arc_program p;
	struct arc_dim dims[ARC_MAX_DIMS];
	int ndims = 0, rc;
	int64_t id = c->ids[0];
	sqlite3_stmt *s;
	char buf[64];
	cJSON *j = NULL, *arr;

	if (load_program(c, id, &p))
		return EXIT_BAD;
	if (arc_get_dims(c->a, dims, ARC_MAX_DIMS, &ndims)) {
		arc_program_clear(&p);
		return fail(EXIT_BAD, "%s", arc_errmsg(c->a));
	}
	if (c->json) {
		j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "id", (double)p.id);
		cJSON_AddNumberToObject(j, "island", p.island);
		cJSON_AddStringToObject(j, "mutator", p.mutator ? p.mutator : "");
		cJSON_AddNumberToObject(j, "parent_id", (double)p.parent_id);
		cJSON_AddNumberToObject(j, "parent2_id", (double)p.parent2_id);
		arr = cJSON_AddArrayToObject(j, "inspirations");
		for (int i = 0; i < p.ninspirations; i++)
			cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)p.inspirations[i]));
		snprintf(buf, sizeof buf, "%016" PRIx64, p.text_hash);
		cJSON_AddStringToObject(j, "text_hash", buf);
		snprintf(buf, sizeof buf, "%016" PRIx64, p.func_hash);
		cJSON_AddStringToObject(j, "func_hash", buf);
		cJSON_AddNumberToObject(j, "created", p.created);
		cJSON_AddNumberToObject(j, "source_len", (double)strlen(p.source));
	} else {
		printf("program %lld  island %d  mutator %s\n", (long long)p.id, p.island,
		       p.mutator ? p.mutator : "-");
		printf("parent  %s", p.parent_id ? "" : "- (seed)");
		if (p.parent_id)
			printf("%lld", (long long)p.parent_id);
		if (p.parent2_id)
			printf("  second parent %lld", (long long)p.parent2_id);
		if (p.ninspirations) {
			printf("  inspirations");
			for (int i = 0; i < p.ninspirations; i++)
				printf(" %lld", (long long)p.inspirations[i]);
		}
		printf("\ncreated %s  text hash %016" PRIx64 "  func hash ",
		       fmt_time(buf, sizeof buf, p.created), p.text_hash);
		if (p.func_hash)
			printf("%016" PRIx64 "\n", p.func_hash);
		else
			printf("-\n");
	}

	/* How it was made: the attempt(s) that produced it. */
	if (prep(c, "SELECT seq, status, outcome, coalesce(message,''), compile_ms, run_ms,"
	         " score_ms, total_ms, stage FROM attempts WHERE program_id=?1 ORDER BY seq", &s))
		goto fail;
	sqlite3_bind_int64(s, 1, id);
	arr = c->json ? cJSON_AddArrayToObject(j, "attempts") : NULL;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (c->json) {
			cJSON *o = cJSON_CreateObject();
			static const char *const k[] = {"seq", "status", "outcome", "message",
			                                "compile_ms", "run_ms", "score_ms",
			                                "total_ms", "stage"};
			for (int i = 0; i < 9; i++)
				cJSON_AddItemToObject(o, k[i], col_json(s, i));
			cJSON_AddItemToArray(arr, o);
		} else {
			printf("attempt %lld: %s, %s, stage %d; ms compile %.3g run %.3g score %.3g"
			       " total %.3g%s%s\n", (long long)sqlite3_column_int64(s, 0),
			       col_text(s, 1), col_text(s, 2), sqlite3_column_int(s, 8),
			       sqlite3_column_double(s, 4), sqlite3_column_double(s, 5),
			       sqlite3_column_double(s, 6), sqlite3_column_double(s, 7),
			       *col_text(s, 3) ? "\n  message: " : "", col_text(s, 3));
		}
	}
	if (rc != SQLITE_DONE) {
		step_err(c, s);
		goto fail;
	}
	sqlite3_finalize(s);

	/* Scores and descriptors. */
	if (prep(c, "SELECT stage, split, score, descriptors, coalesce(metrics,'')"
	         " FROM evaluations WHERE program_id=?1 ORDER BY split, stage, id", &s))
		goto fail;
	sqlite3_bind_int64(s, 1, id);
	arr = c->json ? cJSON_AddArrayToObject(j, "evaluations") : NULL;
	if (!c->json)
		printf("\nevaluations:\n");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		double desc[ARC_MAX_DIMS];
		int nd = arc_desc_parse(col_text(s, 3), desc, ARC_MAX_DIMS);
		if (c->json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddItemToObject(o, "stage", col_json(s, 0));
			cJSON_AddStringToObject(o, "split", sqlite3_column_int(s, 1) ? "heldout" : "train");
			cJSON_AddItemToObject(o, "score", col_json(s, 2));
			cJSON *da = cJSON_AddArrayToObject(o, "descriptors");
			for (int i = 0; i < nd; i++) {
				cJSON *dj = cJSON_CreateObject();
				cJSON_AddStringToObject(dj, "name", i < ndims ? dims[i].name : "");
				cJSON_AddItemToObject(dj, "value", num_or_null(desc[i]));
				if (i < ndims)
					cJSON_AddNumberToObject(dj, "bin", arc_bin_of(&dims[i], desc[i]));
				cJSON_AddItemToArray(da, dj);
			}
			cJSON *m = *col_text(s, 4) ? cJSON_Parse(col_text(s, 4)) : NULL;
			cJSON_AddItemToObject(o, "metrics", m ? m : cJSON_CreateNull());
			cJSON_AddItemToArray(arr, o);
		} else {
			char sc[32];
			printf("  stage %d %-7s score %s", sqlite3_column_int(s, 0),
			       sqlite3_column_int(s, 1) ? "heldout" : "train",
			       fmt_score(sc, sizeof sc, s, 2));
			for (int i = 0; i < nd; i++) {
				if (i < ndims)
					printf("  %s=%.6g (bin %d)", dims[i].name, desc[i],
					       arc_bin_of(&dims[i], desc[i]));
				else
					printf("  d%d=%.6g", i, desc[i]);
			}
			if (*col_text(s, 4))
				printf("\n    metrics %s", col_text(s, 4));
			putchar('\n');
		}
	}
	if (rc != SQLITE_DONE) {
		step_err(c, s);
		goto fail;
	}
	sqlite3_finalize(s);

	/* Elite cells it holds. */
	if (prep(c, "SELECT island, cell, score FROM elites WHERE program_id=?1"
	         " ORDER BY island, cell", &s))
		goto fail;
	sqlite3_bind_int64(s, 1, id);
	arr = c->json ? cJSON_AddArrayToObject(j, "elite_cells") : NULL;
	if (!c->json)
		printf("elite of:");
	int nel = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		nel++;
		if (c->json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddItemToObject(o, "island", col_json(s, 0));
			cJSON_AddItemToObject(o, "cell", col_json(s, 1));
			cJSON_AddItemToObject(o, "score", col_json(s, 2));
			cJSON_AddItemToArray(arr, o);
		} else {
			printf(" island %d cell %lld;", sqlite3_column_int(s, 0),
			       (long long)sqlite3_column_int64(s, 1));
		}
	}
	if (rc != SQLITE_DONE) {
		step_err(c, s);
		goto fail;
	}
	sqlite3_finalize(s);

	if (c->json) {
		cJSON_AddStringToObject(j, "source", p.source);
		if (p.ir)
			cJSON_AddStringToObject(j, "ir", p.ir);
		else
			cJSON_AddNullToObject(j, "ir");
		arc_program_clear(&p);
		return print_json(j);
	}
	printf("%s\n\n--- source (%zu bytes) ---\n%s", nel ? "" : " none", strlen(p.source),
	       p.source);
	if (*p.source && p.source[strlen(p.source) - 1] != '\n')
		putchar('\n');
	if (p.ir)
		printf("--- symbolic IR ---\n%s%s", p.ir,
		       *p.ir && p.ir[strlen(p.ir) - 1] != '\n' ? "\n" : "");
	arc_program_clear(&p);
	return 0;
fail:
	cJSON_Delete(j);
	arc_program_clear(&p);
	return EXIT_BAD;
}

/* --- lineage ---------------------------------------------------------------------------- */

static int cmd_lineage(struct ctx *c)
{
	sqlite3_stmt *s;
	int64_t *chain = NULL;
	double *score = NULL;
	char (*mut)[ARC_NAME_MAX] = NULL;
	int *isl = NULL;
	size_t n = 0, cap = 0;
	int64_t id = c->ids[0];
	int rc = EXIT_BAD;

	if (prep(c, "SELECT coalesce(parent_id,0), coalesce(mutator,''), island, "
	         BEST_SCORE_SQL("?1") " FROM programs WHERE id=?1", &s))
		return EXIT_BAD;
	while (id > 0) {
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			int64_t *nc = realloc(chain, cap * sizeof *chain);
			double *nsc = nc ? realloc(score, cap * sizeof *score) : NULL;
			void *nm = nc ? realloc(mut, cap * sizeof *mut) : NULL;
			int *ni = nc ? realloc(isl, cap * sizeof *isl) : NULL;
			if (nc) chain = nc;
			if (nsc) score = nsc;
			if (nm) mut = nm;
			if (ni) isl = ni;
			if (!nc || !nsc || !nm || !ni) {
				fail(EXIT_BAD, "out of memory");
				goto done;
			}
		}
		sqlite3_bind_int64(s, 1, id);
		int st = sqlite3_step(s);
		if (st == SQLITE_DONE) {
			if (n == 0) {
				no_program(c, id);
				goto done;
			}
			break; /* dangling parent: stop */
		}
		if (st != SQLITE_ROW) {
			fail(EXIT_BAD, "%s: %s", c->db_path, sqlite3_errmsg(c->db));
			goto done;
		}
		chain[n] = id;
		score[n] = sqlite3_column_type(s, 3) == SQLITE_NULL ? NAN : sqlite3_column_double(s, 3);
		snprintf(mut[n], ARC_NAME_MAX, "%s", col_text(s, 1));
		isl[n] = sqlite3_column_int(s, 2);
		n++;
		int64_t parent = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		/* Parents are older than children; anything else is a loop. */
		if (parent >= id || n > 10000000)
			break;
		id = parent;
	}
	if (c->json) {
		cJSON *arr = cJSON_CreateArray();
		for (size_t k = n; k-- > 0;) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "generation", (double)(n - 1 - k));
			cJSON_AddNumberToObject(o, "id", (double)chain[k]);
			cJSON_AddItemToObject(o, "score", num_or_null(score[k]));
			cJSON_AddStringToObject(o, "mutator", mut[k]);
			cJSON_AddNumberToObject(o, "island", isl[k]);
			cJSON_AddItemToArray(arr, o);
		}
		rc = print_json(arr);
	} else {
		struct tbl t;
		tbl_init(&t, 6, "rrrrrl", "gen", "id", "score", "delta", "island", "mutator");
		for (size_t k = n; k-- > 0;) {
			tbl_add(&t, "%zu", n - 1 - k);
			tbl_add(&t, "%lld", (long long)chain[k]);
			if (isfinite(score[k]))
				tbl_add(&t, "%.6g", score[k]);
			else
				tbl_add(&t, "-");
			if (k + 1 < n && isfinite(score[k]) && isfinite(score[k + 1]))
				tbl_add(&t, "%+.3g", score[k] - score[k + 1]);
			else
				tbl_add(&t, "-");
			tbl_add(&t, "%d", isl[k]);
			tbl_add(&t, "%s", mut[k]);
		}
		tbl_print(&t, stdout);
		tbl_free(&t);
		rc = 0;
	}
done:
	sqlite3_finalize(s);
	free(chain);
	free(score);
	free(mut);
	free(isl);
	return rc;
}

/* --- diff ------------------------------------------------------------------------------- */

static int cmd_diff(struct ctx *c)
{
	struct arc_program x, y;
	char nx[48], ny[48];
	int identical;
	if (load_program(c, c->ids[0], &x))
		return EXIT_BAD;
	if (load_program(c, c->ids[1], &y)) {
		arc_program_clear(&x);
		return EXIT_BAD;
	}
	snprintf(nx, sizeof nx, "program %lld", (long long)x.id);
	snprintf(ny, sizeof ny, "program %lld", (long long)y.id);
	char *d = arc_diff_text(x.source, y.source, nx, ny, 3, &identical);
	arc_program_clear(&x);
	arc_program_clear(&y);
	if (!d)
		return fail(EXIT_BAD, "out of memory computing the diff");
	int rc = 0;
	if (c->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "a", (double)c->ids[0]);
		cJSON_AddNumberToObject(j, "b", (double)c->ids[1]);
		cJSON_AddBoolToObject(j, "identical", identical);
		cJSON_AddStringToObject(j, "diff", identical ? "" : d);
		rc = print_json(j);
	} else if (identical) {
		printf("programs %lld and %lld have identical sources\n",
		       (long long)c->ids[0], (long long)c->ids[1]);
	} else {
		fputs(d, stdout);
	}
	free(d);
	return rc;
}

/* --- cells ------------------------------------------------------------------------------ */

static int cmd_cells(struct ctx *c)
{
	struct arc_dim dims[ARC_MAX_DIMS];
	int nd = 0, rc;
	int island = c->island < 0 ? 0 : c->island;
	sqlite3_stmt *s;

	if (arc_get_dims(c->a, dims, ARC_MAX_DIMS, &nd))
		return fail(EXIT_BAD, "%s", arc_errmsg(c->a));
	int rows = nd >= 2 ? dims[0].bins : 1;
	int cols = nd >= 2 ? dims[1].bins : nd == 1 ? dims[0].bins : 1;
	int64_t inner = 1; /* cells per (row, col) pair */
	for (int i = 2; i < nd; i++)
		inner *= dims[i].bins;
	int64_t total = arc_cell_count(dims, nd);
	double *grid = malloc((size_t)rows * (size_t)cols * sizeof *grid);
	if (!grid)
		return fail(EXIT_BAD, "out of memory for a %dx%d grid", rows, cols);
	for (int i = 0; i < rows * cols; i++)
		grid[i] = NAN;

	if (prep(c, "SELECT cell, score, program_id, descriptors FROM elites WHERE island=?1"
	         " ORDER BY cell", &s)) {
		free(grid);
		return EXIT_BAD;
	}
	sqlite3_bind_int(s, 1, island);
	cJSON *j = NULL, *arr = NULL;
	if (c->json) {
		j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "island", island);
		cJSON *dj = cJSON_AddArrayToObject(j, "dims");
		for (int i = 0; i < nd; i++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "name", dims[i].name);
			cJSON_AddNumberToObject(o, "lo", dims[i].lo);
			cJSON_AddNumberToObject(o, "hi", dims[i].hi);
			cJSON_AddNumberToObject(o, "bins", dims[i].bins);
			cJSON_AddItemToArray(dj, o);
		}
		arr = cJSON_AddArrayToObject(j, "cells");
	}
	int64_t occupied = 0;
	double lo = INFINITY, hi = -INFINITY;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t cell = sqlite3_column_int64(s, 0);
		double sc = sqlite3_column_double(s, 1);
		if (cell < 0 || cell >= total)
			continue; /* binned by other dims: cannot place it */
		occupied++;
		int64_t rc2 = cell / inner;
		int r = (int)(rc2 / cols), col = (int)(rc2 % cols);
		double *g = &grid[r * cols + col];
		if (isnan(*g) || sc > *g)
			*g = sc;
		if (sc < lo)
			lo = sc;
		if (sc > hi)
			hi = sc;
		if (c->json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "cell", (double)cell);
			cJSON *b = cJSON_AddArrayToObject(o, "bins");
			int64_t rest = cell;
			int bins[ARC_MAX_DIMS];
			for (int i = nd; i-- > 0;) {
				bins[i] = (int)(rest % dims[i].bins);
				rest /= dims[i].bins;
			}
			for (int i = 0; i < nd; i++)
				cJSON_AddItemToArray(b, cJSON_CreateNumber(bins[i]));
			cJSON_AddItemToObject(o, "program_id", col_json(s, 2));
			cJSON_AddItemToObject(o, "score", col_json(s, 1));
			cJSON_AddItemToArray(arr, o);
		}
	}
	if (rc != SQLITE_DONE) {
		cJSON_Delete(j);
		free(grid);
		return step_err(c, s);
	}
	sqlite3_finalize(s);
	if (c->json) {
		cJSON_AddNumberToObject(j, "occupied", (double)occupied);
		cJSON_AddNumberToObject(j, "total", (double)total);
		free(grid);
		return print_json(j);
	}

	printf("island %d: %lld of %lld cells occupied", island, (long long)occupied,
	       (long long)total);
	if (occupied)
		printf(", scores %.6g (0) .. %.6g (9)", lo, hi);
	printf("; '.' = empty\n");
	if (nd == 0) {
		printf("(no descriptor dimensions: a single cell)\n");
	} else if (nd == 1) {
		printf("%s: %d bins over [%g, %g], left to right\n", dims[0].name, dims[0].bins,
		       dims[0].lo, dims[0].hi);
	} else {
		printf("rows: %s, %d bins over [%g, %g], top to bottom\n", dims[0].name,
		       dims[0].bins, dims[0].lo, dims[0].hi);
		printf("cols: %s, %d bins over [%g, %g], left to right\n", dims[1].name,
		       dims[1].bins, dims[1].lo, dims[1].hi);
		if (nd > 2)
			printf("(dimensions 3+ folded: each cell shows the best over them)\n");
	}
	for (int r = 0; r < rows; r++) {
		if (nd >= 2)
			printf("%10.4g |", dims[0].lo + (dims[0].hi - dims[0].lo) * r / dims[0].bins);
		for (int col = 0; col < cols; col++) {
			double g = grid[r * cols + col];
			int ch = '.';
			if (!isnan(g))
				ch = '0' + (hi > lo ? (int)floor((g - lo) / (hi - lo) * 9.0 + 0.5) : 9);
			putchar(ch);
		}
		putchar('\n');
	}
	free(grid);
	return 0;
}

/* --- stats ------------------------------------------------------------------------------- */

static int cmd_stats(struct ctx *c)
{
	struct arc_stats st;
	sqlite3_stmt *s;
	int rc;
	if (arc_stats(c->a, c->island, &st))
		return fail(EXIT_BAD, "%s", arc_errmsg(c->a));
	/* Per island, from the elites table. */
	struct arc_dim dims[ARC_MAX_DIMS];
	int nd = 0;
	if (arc_get_dims(c->a, dims, ARC_MAX_DIMS, &nd))
		return fail(EXIT_BAD, "%s", arc_errmsg(c->a));
	int64_t per = arc_cell_count(dims, nd);
	if (prep(c, "SELECT island, count(*), sum(score), max(score) FROM elites"
	         " WHERE (?1 < 0 OR island=?1) GROUP BY island ORDER BY island", &s))
		return EXIT_BAD;
	sqlite3_bind_int(s, 1, c->island);

	if (c->json) {
		cJSON *j = cJSON_CreateObject();
		if (c->island >= 0)
			cJSON_AddNumberToObject(j, "island", c->island);
		cJSON_AddNumberToObject(j, "attempts", (double)st.attempts);
		cJSON_AddNumberToObject(j, "programs", (double)st.programs);
		cJSON_AddNumberToObject(j, "evaluations", (double)st.evaluations);
		cJSON *bs = cJSON_AddObjectToObject(j, "by_status");
		for (int i = 0; i < ARC_NSTATUS; i++)
			cJSON_AddNumberToObject(bs, arc_status_names[i], (double)st.by_status[i]);
		cJSON *bo = cJSON_AddObjectToObject(j, "by_outcome");
		for (int i = 0; i < ARC_NOUTCOMES; i++)
			cJSON_AddNumberToObject(bo, arc_outcome_name(i), (double)st.by_outcome[i]);
		cJSON_AddNumberToObject(j, "occupied", (double)st.occupied);
		cJSON_AddNumberToObject(j, "cells", (double)st.cells);
		cJSON_AddNumberToObject(j, "coverage", st.coverage);
		cJSON_AddNumberToObject(j, "qd_score", st.qd_score);
		cJSON_AddItemToObject(j, "best_score", num_or_null(st.best_score));
		cJSON_AddNumberToObject(j, "best_program_id", (double)st.best_program_id);
		cJSON_AddNumberToObject(j, "llm_calls", (double)st.llm_calls);
		cJSON_AddNumberToObject(j, "tokens_in", (double)st.tokens_in);
		cJSON_AddNumberToObject(j, "tokens_out", (double)st.tokens_out);
		cJSON_AddNumberToObject(j, "llm_cost", st.llm_cost);
		cJSON_AddNumberToObject(j, "llm_usage_unknown", (double)st.llm_usage_unknown);
		cJSON_AddNumberToObject(j, "llm_improvements", (double)st.llm_improvements);
		double ktok = (double)(st.tokens_in + st.tokens_out) / 1000;
		cJSON_AddItemToObject(j, "improvements_per_1k_tokens",
		                      num_or_null(ktok > 0 ? st.llm_improvements / ktok : NAN));
		cJSON_AddItemToObject(j, "improvements_per_usd",
		                      num_or_null(st.llm_cost > 0 ? st.llm_improvements / st.llm_cost : NAN));
		cJSON *isl = cJSON_AddArrayToObject(j, "islands");
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			cJSON *o = cJSON_CreateObject();
			int64_t occ = sqlite3_column_int64(s, 1);
			cJSON_AddItemToObject(o, "island", col_json(s, 0));
			cJSON_AddNumberToObject(o, "occupied", (double)occ);
			cJSON_AddNumberToObject(o, "coverage", (double)occ / (double)per);
			cJSON_AddItemToObject(o, "qd_score", col_json(s, 2));
			cJSON_AddItemToObject(o, "best_score", col_json(s, 3));
			cJSON_AddItemToArray(isl, o);
		}
		if (rc != SQLITE_DONE) {
			cJSON_Delete(j);
			return step_err(c, s);
		}
		sqlite3_finalize(s);
		return print_json(j);
	}

	struct tbl t;
	tbl_init(&t, 2, "ll", "figure", c->island >= 0 ? "value (one island)" : "value");
	tbl_add(&t, "attempts");
	tbl_add(&t, "%lld", (long long)st.attempts);
	for (int i = 0; i < ARC_NSTATUS; i++) {
		if (!st.by_status[i])
			continue;
		tbl_add(&t, "  status %s", arc_status_names[i]);
		tbl_add(&t, "%lld", (long long)st.by_status[i]);
	}
	for (int i = 0; i < ARC_NOUTCOMES; i++) {
		tbl_add(&t, "  outcome %s", arc_outcome_name(i));
		tbl_add(&t, "%lld", (long long)st.by_outcome[i]);
	}
	tbl_add(&t, "programs");
	tbl_add(&t, "%lld", (long long)st.programs);
	tbl_add(&t, "evaluations");
	tbl_add(&t, "%lld", (long long)st.evaluations);
	tbl_add(&t, "cells occupied");
	tbl_add(&t, "%lld / %lld", (long long)st.occupied, (long long)st.cells);
	tbl_add(&t, "coverage");
	tbl_add(&t, "%.2f%%", st.coverage * 100);
	tbl_add(&t, "qd-score");
	tbl_add(&t, "%.6g", st.qd_score);
	tbl_add(&t, "best score");
	if (st.best_program_id)
		tbl_add(&t, "%.6g (program %lld)", st.best_score, (long long)st.best_program_id);
	else
		tbl_add(&t, "-");
	tbl_add(&t, "llm calls");
	tbl_add(&t, "%lld", (long long)st.llm_calls);
	if (st.llm_calls) {
		tbl_add(&t, "  tokens in / out");
		tbl_add(&t, "%lld / %lld", (long long)st.tokens_in, (long long)st.tokens_out);
		tbl_add(&t, "  cost (USD)");
		tbl_add(&t, "%.4f", st.llm_cost);
		if (st.llm_usage_unknown) {
			tbl_add(&t, "  calls without usage");
			tbl_add(&t, "%lld (tokens and cost unknown, not counted)", (long long)st.llm_usage_unknown);
		}
		double ktok = (double)(st.tokens_in + st.tokens_out) / 1000;
		tbl_add(&t, "  llm improvements");
		tbl_add(&t, "%lld", (long long)st.llm_improvements);
		tbl_add(&t, "  per 1k tokens");
		if (ktok > 0) tbl_add(&t, "%.4g", st.llm_improvements / ktok);
		else tbl_add(&t, "-");
		tbl_add(&t, "  per USD");
		if (st.llm_cost > 0) tbl_add(&t, "%.4g", st.llm_improvements / st.llm_cost);
		else tbl_add(&t, "-");
	}
	tbl_print(&t, stdout);
	tbl_free(&t);

	tbl_init(&t, 5, "rrrrr", "island", "occupied", "coverage", "qd-score", "best");
	int nrow = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char sc[32];
		int64_t occ = sqlite3_column_int64(s, 1);
		tbl_add(&t, "%d", sqlite3_column_int(s, 0));
		tbl_add(&t, "%lld", (long long)occ);
		tbl_add(&t, "%.2f%%", 100.0 * (double)occ / (double)per);
		tbl_add(&t, "%s", fmt_score(sc, sizeof sc, s, 2));
		tbl_add(&t, "%s", fmt_score(sc, sizeof sc, s, 3));
		nrow++;
	}
	if (rc != SQLITE_DONE) {
		tbl_free(&t);
		return step_err(c, s);
	}
	sqlite3_finalize(s);
	if (nrow) {
		putchar('\n');
		tbl_print(&t, stdout);
	}
	tbl_free(&t);
	return 0;
}

/* --- export ------------------------------------------------------------------------------ */

/* Shortest of %.15g/%.16g/%.17g that reads back exactly. */
static void print_double(double v)
{
	char buf[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	fputs(buf, stdout);
}

static void csv_field(const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static void jsonl_string(const char *s)
{
	cJSON *j = cJSON_CreateString(s);
	char *t = j ? cJSON_PrintUnformatted(j) : NULL;
	fputs(t ? t : "null", stdout);
	free(t);
	cJSON_Delete(j);
}

static int cmd_export(struct ctx *c)
{
	static const char *const tables[] = {"programs", "attempts", "evaluations", "elites",
	                                     "llm_calls", "events", "campaigns", "dims", NULL};
	const char *table = c->table ? c->table : "programs";
	const char *format = c->format ? c->format : "jsonl";
	int csv, known = 0, rc;
	char sql[128];
	sqlite3_stmt *s;

	for (int i = 0; tables[i]; i++)
		known |= strcmp(table, tables[i]) == 0;
	if (!known)
		return fail(EXIT_USAGE, "export: unknown --table '%s' (expected programs, attempts,"
		            " evaluations, elites, llm_calls, events, campaigns or dims)", table);
	if (strcmp(format, "jsonl") && strcmp(format, "csv"))
		return fail(EXIT_USAGE, "export: unknown --format '%s' (expected jsonl or csv)",
		            format);
	csv = strcmp(format, "csv") == 0;
	snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY 1%s", table,
	         strcmp(table, "elites") == 0 ? ", 2" : "");
	if (prep(c, sql, &s))
		return EXIT_BAD;
	int ncol = sqlite3_column_count(s);
	if (csv) {
		for (int i = 0; i < ncol; i++) {
			if (i)
				putchar(',');
			csv_field(sqlite3_column_name(s, i));
		}
		putchar('\n');
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (!csv)
			putchar('{');
		for (int i = 0; i < ncol; i++) {
			int type = sqlite3_column_type(s, i);
			if (csv) {
				if (i)
					putchar(',');
				if (type == SQLITE_FLOAT)
					print_double(sqlite3_column_double(s, i));
				else if (type != SQLITE_NULL)
					csv_field(col_text(s, i));
				continue;
			}
			if (i)
				putchar(',');
			jsonl_string(sqlite3_column_name(s, i));
			putchar(':');
			if (type == SQLITE_NULL)
				fputs("null", stdout);
			else if (type == SQLITE_INTEGER)
				printf("%lld", (long long)sqlite3_column_int64(s, i));
			else if (type == SQLITE_FLOAT) {
				double v = sqlite3_column_double(s, i);
				if (isfinite(v))
					print_double(v);
				else
					fputs("null", stdout);
			} else
				jsonl_string(col_text(s, i));
		}
		puts(csv ? "" : "}");
	}
	if (rc != SQLITE_DONE)
		return step_err(c, s);
	sqlite3_finalize(s);
	return 0;
}

/* --- argument parsing -------------------------------------------------------------------- */

static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int cmd_archive(int argc, char **argv)
{
	const struct sub *sub = NULL;
	struct ctx c = {.island = -1, .limit = -1};
	char err[600];
	int rc;

	if (argc < 2) {
		usage_main(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage_main(stdout);
		return 0;
	}
	for (const struct sub *s = subs; s->name; s++)
		if (!strcmp(argv[1], s->name))
			sub = s;
	if (!sub)
		return fail(EXIT_USAGE, "unknown subcommand '%s' (expected list, top, show, lineage,"
		            " diff, cells, stats or export; see 'disco archive --help')", argv[1]);
	c.sub = sub->name;

	for (int i = 2; i < argc; i++) {
		const char *arg = argv[i];
		if (arg[0] == '-' && arg[1] && !(arg[1] >= '0' && arg[1] <= '9')) {
			const struct opt *o = NULL;
			const char *val = NULL;
			size_t nlen = strcspn(arg, "=");
			if (!strcmp(arg, "-h"))
				arg = "--help", nlen = 6;
			for (const struct opt *q = opts; q->name; q++)
				if (strlen(q->name) == nlen && !strncmp(arg, q->name, nlen))
					o = q;
			if (!o || !(o->bit & sub->opts))
				return fail(EXIT_USAGE, "%s: unknown option '%.*s' (see 'disco archive %s"
				            " --help')", sub->name, (int)nlen, arg, sub->name);
			if (o->bit == O_HELP) {
				usage_sub(stdout, sub);
				return 0;
			}
			if (o->arg) {
				if (arg[nlen] == '=')
					val = arg + nlen + 1;
				else if (i + 1 < argc)
					val = argv[++i];
				else
					return fail(EXIT_USAGE, "%s: option %s needs a value (%s)", sub->name,
					            o->name, o->arg);
			} else if (arg[nlen] == '=') {
				return fail(EXIT_USAGE, "%s: option %s takes no value", sub->name, o->name);
			}
			long v;
			switch (o->bit) {
			case O_DB: c.db_path = val; break;
			case O_JSON: c.json = 1; break;
			case O_FORMAT: c.format = val; break;
			case O_TABLE: c.table = val; break;
			case O_ISLAND:
				if (parse_long(val, 0, 1000000, &v))
					return fail(EXIT_USAGE, "%s: --island '%s' is not an island number"
					            " (expected an integer >= 0)", sub->name, val);
				c.island = (int)v;
				c.island_set = 1;
				break;
			case O_LIMIT:
				if (parse_long(val, 0, 1000000000L, &v))
					return fail(EXIT_USAGE, "%s: --limit '%s' is not a row count"
					            " (expected an integer >= 0)", sub->name, val);
				c.limit = v;
				break;
			}
			continue;
		}
		if (c.nargs >= sub->nargs)
			return fail(EXIT_USAGE, "%s: unexpected argument '%s' (see 'disco archive %s"
			            " --help')", sub->name, arg, sub->name);
		long v;
		if (parse_long(arg, 1, 0x7fffffffffffffffL, &v))
			return fail(EXIT_USAGE, "%s: '%s' is not a program id (expected an integer"
			            " >= 1)", sub->name, arg);
		c.ids[c.nargs++] = v;
	}
	if (c.nargs < sub->nargs)
		return fail(EXIT_USAGE, "%s: expected %s (see 'disco archive %s --help')",
		            sub->name, sub->args, sub->name);
	if (!c.db_path || !*c.db_path)
		return fail(EXIT_USAGE, "%s: missing --db FILE (the campaign archive)", sub->name);

	c.a = arc_open(c.db_path, ARC_READONLY, err, sizeof err);
	if (!c.a)
		return fail(EXIT_BAD, "%s", err);
	c.db = arc_db(c.a);
	rc = sub->fn(&c);
	fflush(stdout);
	arc_close(&c.a);
	return rc;
}
