/*
 * cmd_archive.c - `disco archive SUB`: browse a campaign archive read-only.
 *
 * One row per subcommand in subs[], each with its own cli option table
 * (parsed and --help printed by cli_parse(), as every other command).
 * The data comes from the archive's query module (archive/query.h); this
 * file only presents it: an aligned table, text, or one JSON document with
 * --json.  Text from the archive is escaped for the terminal (text.h).
 * Exit codes: 0 ok, 1 bad file, unknown id or island, 2 usage error.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "archive/arc.h"
#include "archive/front.h"
#include "archive/query.h"
#include "evaluators/evaluator.h"
#include "engine/cli/cli.h"
#include "engine/cli/text.h"

#define EXIT_BAD 1
#define EXIT_USAGE 2

struct ctx {
	const struct cli_spec *spec;
	struct cli_args args;
	const char *db_path;
	int json;
	int island;     /* -1: all */
	long limit;     /* -1: subcommand default */
	const char *format, *table;
	int64_t ids[2];
	struct arc *a;
};

struct sub {
	const char *name;
	int (*fn)(struct ctx *c);
	int nids;           /* program ids expected */
	const char *ids;    /* "ID", "ID1 ID2" */
	const char *summary;
	struct cli_spec spec;
};

#define O_DB { "db", "FILE", "the archive to read (an SQLite file written by disco run)" }
#define O_JSON { "json", NULL, "print one JSON document instead of a table" }
#define O_ISLAND(h) { "island", "N", h }
#define O_LIMIT(d) { "limit", "N", "at most N rows (0 = all; default " d ")" }
#define O_END { NULL, NULL, NULL }

static const struct cli_opt opts_list[] = { O_DB, O_JSON, O_ISLAND("only programs of island N"),
	                                    O_LIMIT("50"), O_END };
static const struct cli_opt opts_top[] = { O_DB, O_JSON, O_ISLAND("only programs of island N"),
	                                   O_LIMIT("10"), O_END };
static const struct cli_opt opts_one[] = { O_DB, O_JSON, O_END };
static const struct cli_opt opts_cells[] = { O_DB, O_JSON,
	                                     O_ISLAND("the island to draw (default 0)"), O_END };
static const struct cli_opt opts_stats[] = { O_DB, O_JSON, O_ISLAND("only island N"), O_END };
static const struct cli_opt opts_export[] = {
	O_DB,
	{ "format", "jsonl|csv", "export format (default jsonl)" },
	{ "table", "NAME", "table to export: programs (default), attempts, evaluations,"
	  " elites, llm_calls, events, campaigns, dims" },
	O_END,
};

static const struct cli_opt opts_front[] = {
	O_DB, O_JSON, { "dim", "NAME", "the descriptor (default: the first dimension)" }, O_END,
};

static int do_list(struct ctx *c);
static int do_front(struct ctx *c);
static int do_top(struct ctx *c);
static int do_show(struct ctx *c);
static int do_lineage(struct ctx *c);
static int do_diff(struct ctx *c);
static int do_cells(struct ctx *c);
static int do_stats(struct ctx *c);
static int do_export(struct ctx *c);

static const struct sub subs[] = {
	{ "list", do_list, 0, "", "list programs, newest first",
	  { "archive list", "--db FILE [--json] [--island N] [--limit N]",
	    "Lists accepted programs, newest first: id, island, parent, mutator, best\n"
	    "train score, source length and the outcome of the attempt that made it.",
	    opts_list, 0, 0 } },
	{ "top", do_top, 0, "", "best programs by score",
	  { "archive top", "--db FILE [--json] [--island N] [--limit N]",
	    "Lists the programs with the highest train score (the best score any of\n"
	    "their train evaluations gave), best first (ties: lower id first), with the\n"
	    "elite cells each holds.",
	    opts_top, 0, 0 } },
	{ "show", do_show, 1, "ID", "one program: code, scores, descriptors, parent, how it was made",
	  { "archive show", "ID --db FILE [--json]",
	    "Prints program ID: how it was made (mutator, parents, inspirations, the\n"
	    "attempt's status, outcome and timings), its evaluations, descriptors with\n"
	    "their bins, the elite cells it holds, and its source code.",
	    opts_one, 0, 1 } },
	{ "lineage", do_lineage, 1, "ID", "ancestors of a program, from the seed down",
	  { "archive lineage", "ID --db FILE [--json]",
	    "Follows parent links from program ID back to its seed and prints the\n"
	    "chain from the seed down, with each step's score change.",
	    opts_one, 0, 1 } },
	{ "diff", do_diff, 2, "ID1 ID2", "unified diff of two programs' sources",
	  { "archive diff", "ID1 ID2 --db FILE [--json]",
	    "Prints a unified diff (3 lines of context) from program ID1 to ID2.",
	    opts_one, 0, 2 } },
	{ "cells", do_cells, 0, "", "MAP-Elites grid of an island as a text heatmap",
	  { "archive cells", "--db FILE [--json] [--island N]",
	    "Draws the elite grid of one island (--island N, default 0): rows are the\n"
	    "bins of the first dimension, columns the bins of the second (more\n"
	    "dimensions: the best score over them); one dimension draws a single row.\n"
	    "Each occupied cell shows a digit 0-9 for its score between the lowest\n"
	    "(0) and highest (9) elite score of the island; '.' is an empty cell.",
	    opts_cells, 0, 0 } },
	{ "stats", do_stats, 0, "", "counts, coverage, QD-score and best score",
	  { "archive stats", "--db FILE [--json] [--island N]",
	    "Prints counts of attempts (by status and outcome), programs,\n"
	    "evaluations and LLM calls; coverage (occupied cells / cells), QD-score\n"
	    "(sum of elite scores minus an offset: min(0, lowest train score), so it\n"
	    "never falls as coverage grows) and the best score, overall and per island.",
	    opts_stats, 0, 0 } },
	{ "export", do_export, 0, "", "dump a table as JSON lines or CSV",
	  { "archive export", "--db FILE [--format jsonl|csv] [--table NAME]",
	    "Writes every row of one table (--table, default programs) to stdout, as\n"
	    "JSON lines (one object per row) or CSV with a header line (RFC 4180\n"
	    "quoting).  Integers are exact (64-bit hashes are signed integers).  Text\n"
	    "is valid UTF-8: bytes that are not are written as U+FFFD.",
	    opts_export, 0, 0 } },
	{ "front", do_front, 0, "", "best score at each value of a descriptor, with the evaluator's reference",
	  { "archive front", "--db FILE [--json] [--dim NAME]",
	    "The Pareto front along one descriptor (--dim NAME, default the first\n"
	    "dimension): for each value the best train score, the program reaching it\n"
	    "and how many programs have that value; '*' marks values no smaller value\n"
	    "beats.  When the campaign's evaluator has a reference curve for the\n"
	    "descriptor (expapprox: the minimax polynomial's digits at each operation\n"
	    "count), it is shown next to the front with the difference.",
	    opts_front, 0, 0 } },
	{ NULL, NULL, 0, NULL, NULL, { 0 } },
};

/* --- messages --------------------------------------------------------------------------- */

static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int code, const char *fmt, ...)
{
	va_list ap;
	char buf[1024];
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	fputs("disco archive: ", stderr);
	txt_put(stderr, buf, 0);
	fputc('\n', stderr);
	return code;
}

static int arc_fail(struct ctx *c)
{
	return fail(EXIT_BAD, "%s", arc_errmsg(c->a));
}

static void usage_main(FILE *f)
{
	fprintf(f, "usage: disco archive SUBCOMMAND [ARGS] --db FILE [options]\n\n"
	           "Browse a campaign archive (opened read-only; a running campaign's too).\n\n"
	           "subcommands:\n");
	for (const struct sub *s = subs; s->name; s++) {
		char lhs[32];
		snprintf(lhs, sizeof lhs, "%s %s", s->name, s->ids);
		fprintf(f, "  %-16s %s\n", lhs, s->summary);
	}
	fprintf(f, "\nRun 'disco archive SUBCOMMAND --help' for its options.\n"
	           "Exit status: 0 ok, 1 unreadable archive, unknown id or island, 2 usage error.\n");
}

/* --- small formatting helpers ------------------------------------------------------------- */

static const char *fmt_num(char *buf, size_t n, double v)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.6g", v);
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

static cJSON *num_or_null(double v)
{
	return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static cJSON *str_or_null(const char *s)
{
	return s && *s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static int print_json(cJSON *j)
{
	char *s = j ? cJSON_Print(j) : NULL;
	cJSON_Delete(j);
	if (!s)
		return fail(EXIT_BAD, "out of memory printing JSON");
	puts(s);
	free(s);
	return 0;
}

/* --- list / top ---------------------------------------------------------------------------- */

static int print_progs(struct ctx *c, const struct arc_prog_list *l, int top)
{
	char b1[32], b2[32];
	if (c->json) {
		cJSON *arr = cJSON_CreateArray();
		for (size_t i = 0; i < l->n; i++) {
			const struct arc_prog_row *r = &l->row[i];
			cJSON *o = cJSON_CreateObject();
			if (top)
				cJSON_AddNumberToObject(o, "rank", (double)(i + 1));
			cJSON_AddNumberToObject(o, "id", (double)r->id);
			if (top)
				cJSON_AddItemToObject(o, "score", num_or_null(r->score));
			cJSON_AddNumberToObject(o, "island", r->island);
			if (!top)
				cJSON_AddNumberToObject(o, "parent_id", (double)r->parent_id);
			cJSON_AddStringToObject(o, "mutator", r->mutator);
			if (top)
				cJSON_AddNumberToObject(o, "parent_id", (double)r->parent_id);
			else
				cJSON_AddItemToObject(o, "score", num_or_null(r->score));
			cJSON_AddNumberToObject(o, "source_len", (double)r->source_len);
			if (top) {
				cJSON_AddItemToObject(o, "elite_cells", str_or_null(r->elite_cells));
			} else {
				cJSON_AddItemToObject(o, "outcome", str_or_null(r->outcome));
				cJSON_AddNumberToObject(o, "created", r->created);
			}
			cJSON_AddItemToArray(arr, o);
		}
		return print_json(arr);
	}
	struct txt_table t;
	if (top)
		txt_table_init(&t, 8, "rrrrlrrl", "rank", "id", "score", "island", "mutator",
		               "parent", "len", "elite");
	else
		txt_table_init(&t, 8, "rrrlrrll", "id", "island", "parent", "mutator", "score",
		               "len", "outcome", "created");
	for (size_t i = 0; i < l->n; i++) {
		const struct arc_prog_row *r = &l->row[i];
		if (top) {
			txt_table_add(&t, "%zu", i + 1);
			txt_table_add(&t, "%lld", (long long)r->id);
			txt_table_add(&t, "%s", fmt_num(b1, sizeof b1, r->score));
			txt_table_add(&t, "%d", r->island);
			txt_table_add(&t, "%s", r->mutator);
			if (r->parent_id)
				txt_table_add(&t, "%lld", (long long)r->parent_id);
			else
				txt_table_add(&t, "-");
			txt_table_add(&t, "%lld", (long long)r->source_len);
			txt_table_add(&t, "%s", r->elite_cells ? r->elite_cells : "-");
		} else {
			txt_table_add(&t, "%lld", (long long)r->id);
			txt_table_add(&t, "%d", r->island);
			if (r->parent_id)
				txt_table_add(&t, "%lld", (long long)r->parent_id);
			else
				txt_table_add(&t, "-");
			txt_table_add(&t, "%s", r->mutator);
			txt_table_add(&t, "%s", fmt_num(b1, sizeof b1, r->score));
			txt_table_add(&t, "%lld", (long long)r->source_len);
			txt_table_add(&t, "%s", *r->outcome ? r->outcome : "-");
			txt_table_add(&t, "%s", fmt_time(b2, sizeof b2, r->created));
		}
	}
	txt_table_print(&t, stdout);
	txt_table_free(&t);
	return 0;
}

static int do_list(struct ctx *c)
{
	struct arc_prog_list l;
	if (arc_q_list(c->a, c->island, c->limit < 0 ? 50 : c->limit, &l))
		return arc_fail(c);
	int rc = print_progs(c, &l, 0);
	arc_prog_list_clear(&l);
	return rc;
}

static int do_top(struct ctx *c)
{
	struct arc_prog_list l;
	if (arc_q_top(c->a, c->island, c->limit < 0 ? 10 : c->limit, &l))
		return arc_fail(c);
	int rc = print_progs(c, &l, 1);
	arc_prog_list_clear(&l);
	return rc;
}

/* --- show ---------------------------------------------------------------------------------- */

static cJSON *detail_json(const struct arc_detail *d)
{
	const struct arc_program *p = &d->prog;
	char buf[32];
	cJSON *j = cJSON_CreateObject(), *arr;
	cJSON_AddNumberToObject(j, "id", (double)p->id);
	cJSON_AddNumberToObject(j, "island", p->island);
	cJSON_AddStringToObject(j, "mutator", p->mutator ? p->mutator : "");
	cJSON_AddNumberToObject(j, "parent_id", (double)p->parent_id);
	cJSON_AddNumberToObject(j, "parent2_id", (double)p->parent2_id);
	arr = cJSON_AddArrayToObject(j, "inspirations");
	for (int i = 0; i < p->ninspirations; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)p->inspirations[i]));
	snprintf(buf, sizeof buf, "%016" PRIx64, p->text_hash);
	cJSON_AddStringToObject(j, "text_hash", buf);
	snprintf(buf, sizeof buf, "%016" PRIx64, p->func_hash);
	cJSON_AddStringToObject(j, "func_hash", buf);
	cJSON_AddNumberToObject(j, "created", p->created);
	cJSON_AddNumberToObject(j, "source_len", (double)strlen(p->source));
	arr = cJSON_AddArrayToObject(j, "attempts");
	for (size_t i = 0; i < d->natt; i++) {
		const struct arc_attempt_row *t = &d->att[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "seq", (double)t->seq);
		cJSON_AddStringToObject(o, "status", t->status);
		cJSON_AddStringToObject(o, "outcome", t->outcome);
		cJSON_AddStringToObject(o, "message", t->message ? t->message : "");
		cJSON_AddItemToObject(o, "compile_ms", num_or_null(t->compile_ms));
		cJSON_AddItemToObject(o, "run_ms", num_or_null(t->run_ms));
		cJSON_AddItemToObject(o, "score_ms", num_or_null(t->score_ms));
		cJSON_AddItemToObject(o, "total_ms", num_or_null(t->total_ms));
		cJSON_AddNumberToObject(o, "stage", t->stage);
		cJSON_AddItemToArray(arr, o);
	}
	arr = cJSON_AddArrayToObject(j, "evaluations");
	for (size_t i = 0; i < d->nev; i++) {
		const struct arc_eval_row *e = &d->ev[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "stage", e->stage);
		cJSON_AddStringToObject(o, "split", e->split ? "heldout" : "train");
		cJSON_AddItemToObject(o, "score", num_or_null(e->score));
		cJSON *da = cJSON_AddArrayToObject(o, "descriptors");
		for (int k = 0; k < e->ndesc; k++) {
			cJSON *dj = cJSON_CreateObject();
			cJSON_AddStringToObject(dj, "name", k < d->ndims ? d->dims[k].name : "");
			cJSON_AddItemToObject(dj, "value", num_or_null(e->desc[k]));
			if (k < d->ndims)
				cJSON_AddNumberToObject(dj, "bin", arc_bin_of(&d->dims[k], e->desc[k]));
			cJSON_AddItemToArray(da, dj);
		}
		cJSON *m = e->metrics && *e->metrics ? cJSON_Parse(e->metrics) : NULL;
		cJSON_AddItemToObject(o, "metrics", m ? m : cJSON_CreateNull());
		cJSON_AddItemToArray(arr, o);
	}
	arr = cJSON_AddArrayToObject(j, "elite_cells");
	for (size_t i = 0; i < d->ncells; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "island", d->cells[i].island);
		cJSON_AddNumberToObject(o, "cell", (double)d->cells[i].cell);
		cJSON_AddItemToObject(o, "score", num_or_null(d->cells[i].score));
		cJSON_AddItemToArray(arr, o);
	}
	cJSON_AddStringToObject(j, "source", p->source);
	if (p->ir)
		cJSON_AddStringToObject(j, "ir", p->ir);
	else
		cJSON_AddNullToObject(j, "ir");
	return j;
}

static void show_text(const struct arc_detail *d)
{
	const struct arc_program *p = &d->prog;
	char buf[64];
	printf("program %lld  island %d  mutator ", (long long)p->id, p->island);
	txt_put(stdout, p->mutator ? p->mutator : "-", 0);
	printf("\nparent  %s", p->parent_id ? "" : "- (seed)");
	if (p->parent_id)
		printf("%lld", (long long)p->parent_id);
	if (p->parent2_id)
		printf("  second parent %lld", (long long)p->parent2_id);
	if (p->ninspirations) {
		printf("  inspirations");
		for (int i = 0; i < p->ninspirations; i++)
			printf(" %lld", (long long)p->inspirations[i]);
	}
	printf("\ncreated %s  text hash %016" PRIx64 "  func hash ",
	       fmt_time(buf, sizeof buf, p->created), p->text_hash);
	if (p->func_hash)
		printf("%016" PRIx64 "\n", p->func_hash);
	else
		printf("-\n");
	for (size_t i = 0; i < d->natt; i++) {
		const struct arc_attempt_row *t = &d->att[i];
		printf("attempt %lld: %s, %s, stage %d; ms compile %.3g run %.3g score %.3g"
		       " total %.3g", (long long)t->seq, t->status, t->outcome, t->stage,
		       t->compile_ms, t->run_ms, t->score_ms, t->total_ms);
		if (t->message && *t->message) {
			printf("\n  message: ");
			txt_put(stdout, t->message, 0);
		}
		putchar('\n');
	}
	printf("\nevaluations:\n");
	for (size_t i = 0; i < d->nev; i++) {
		const struct arc_eval_row *e = &d->ev[i];
		char sc[32];
		printf("  stage %d %-7s score %s", e->stage, e->split ? "heldout" : "train",
		       fmt_num(sc, sizeof sc, e->score));
		for (int k = 0; k < e->ndesc; k++) {
			if (k < d->ndims) {
				printf("  ");
				txt_put(stdout, d->dims[k].name, 0);
				printf("=%.6g (bin %d)", e->desc[k], arc_bin_of(&d->dims[k], e->desc[k]));
			} else {
				printf("  d%d=%.6g", k, e->desc[k]);
			}
		}
		if (e->metrics && *e->metrics) {
			printf("\n    metrics ");
			txt_put(stdout, e->metrics, 0);
		}
		putchar('\n');
	}
	printf("elite of:");
	for (size_t i = 0; i < d->ncells; i++)
		printf(" island %d cell %lld;", d->cells[i].island, (long long)d->cells[i].cell);
	printf("%s\n\n--- source (%zu bytes) ---\n", d->ncells ? "" : " none", strlen(p->source));
	txt_put(stdout, p->source, 1);
	if (*p->source && p->source[strlen(p->source) - 1] != '\n')
		putchar('\n');
	if (p->ir) {
		printf("--- symbolic IR ---\n");
		txt_put(stdout, p->ir, 1);
		if (*p->ir && p->ir[strlen(p->ir) - 1] != '\n')
			putchar('\n');
	}
}

static int do_show(struct ctx *c)
{
	struct arc_detail d;
	if (arc_q_program(c->a, c->ids[0], &d))
		return arc_fail(c);
	int rc = 0;
	if (c->json)
		rc = print_json(detail_json(&d));
	else
		show_text(&d);
	arc_detail_clear(&d);
	return rc;
}

/* --- lineage ----------------------------------------------------------------------------------- */

static int do_lineage(struct ctx *c)
{
	struct arc_step *st;
	size_t n;
	if (arc_q_lineage(c->a, c->ids[0], &st, &n))
		return arc_fail(c);
	int rc = 0;
	if (c->json) {
		cJSON *arr = cJSON_CreateArray();
		for (size_t k = 0; k < n; k++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "generation", (double)k);
			cJSON_AddNumberToObject(o, "id", (double)st[k].id);
			cJSON_AddItemToObject(o, "score", num_or_null(st[k].score));
			cJSON_AddStringToObject(o, "mutator", st[k].mutator);
			cJSON_AddNumberToObject(o, "island", st[k].island);
			cJSON_AddItemToArray(arr, o);
		}
		rc = print_json(arr);
	} else {
		struct txt_table t;
		txt_table_init(&t, 6, "rrrrrl", "gen", "id", "score", "delta", "island", "mutator");
		for (size_t k = 0; k < n; k++) {
			txt_table_add(&t, "%zu", k);
			txt_table_add(&t, "%lld", (long long)st[k].id);
			if (isfinite(st[k].score))
				txt_table_add(&t, "%.6g", st[k].score);
			else
				txt_table_add(&t, "-");
			if (k > 0 && isfinite(st[k].score) && isfinite(st[k - 1].score))
				txt_table_add(&t, "%+.3g", st[k].score - st[k - 1].score);
			else
				txt_table_add(&t, "-");
			txt_table_add(&t, "%d", st[k].island);
			txt_table_add(&t, "%s", st[k].mutator);
		}
		txt_table_print(&t, stdout);
		txt_table_free(&t);
	}
	free(st);
	return rc;
}

/* --- diff ---------------------------------------------------------------------------------------- */

static int do_diff(struct ctx *c)
{
	struct arc_detail x, y;
	char nx[48], ny[48];
	int identical;
	if (arc_q_program(c->a, c->ids[0], &x))
		return arc_fail(c);
	if (arc_q_program(c->a, c->ids[1], &y)) {
		arc_detail_clear(&x);
		return arc_fail(c);
	}
	snprintf(nx, sizeof nx, "program %lld", (long long)c->ids[0]);
	snprintf(ny, sizeof ny, "program %lld", (long long)c->ids[1]);
	char *d = arc_diff_text(x.prog.source, y.prog.source, nx, ny, 3, &identical);
	arc_detail_clear(&x);
	arc_detail_clear(&y);
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
		printf("programs %lld and %lld have identical sources\n", (long long)c->ids[0],
		       (long long)c->ids[1]);
	} else {
		txt_put(stdout, d, 1);
	}
	free(d);
	return rc;
}

/* --- cells ------------------------------------------------------------------------------------------ */

static int do_cells(struct ctx *c)
{
	struct arc_cells g;
	int island = c->island < 0 ? 0 : c->island;
	if (arc_q_cells(c->a, island, &g))
		return arc_fail(c);
	int nd = g.ndims;
	if (c->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "island", island);
		cJSON *dj = cJSON_AddArrayToObject(j, "dims");
		for (int i = 0; i < nd; i++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "name", g.dims[i].name);
			cJSON_AddNumberToObject(o, "lo", g.dims[i].lo);
			cJSON_AddNumberToObject(o, "hi", g.dims[i].hi);
			cJSON_AddNumberToObject(o, "bins", g.dims[i].bins);
			cJSON_AddItemToArray(dj, o);
		}
		cJSON *arr = cJSON_AddArrayToObject(j, "cells");
		for (size_t k = 0; k < g.n; k++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "cell", (double)g.row[k].cell);
			cJSON *b = cJSON_AddArrayToObject(o, "bins");
			for (int i = 0; i < nd; i++)
				cJSON_AddItemToArray(b, cJSON_CreateNumber(g.row[k].bins[i]));
			cJSON_AddNumberToObject(o, "program_id", (double)g.row[k].program_id);
			cJSON_AddItemToObject(o, "score", num_or_null(g.row[k].score));
			cJSON_AddItemToArray(arr, o);
		}
		cJSON_AddNumberToObject(j, "occupied", (double)g.n);
		cJSON_AddNumberToObject(j, "total", (double)g.total);
		arc_cells_clear(&g);
		return print_json(j);
	}
	int rows = nd >= 2 ? g.dims[0].bins : 1;
	int cols = nd >= 2 ? g.dims[1].bins : nd == 1 ? g.dims[0].bins : 1;
	double *grid = malloc((size_t)rows * (size_t)cols * sizeof *grid);
	if (!grid) {
		arc_cells_clear(&g);
		return fail(EXIT_BAD, "out of memory for a %dx%d grid", rows, cols);
	}
	for (int i = 0; i < rows * cols; i++)
		grid[i] = NAN;
	for (size_t k = 0; k < g.n; k++) {
		int r = nd >= 2 ? g.row[k].bins[0] : 0;
		int col = nd >= 2 ? g.row[k].bins[1] : nd == 1 ? g.row[k].bins[0] : 0;
		double *v = &grid[r * cols + col];
		if (isnan(*v) || g.row[k].score > *v)
			*v = g.row[k].score;
	}
	printf("island %d: %lld of %lld cells occupied", island, (long long)g.n, (long long)g.total);
	if (g.n)
		printf(", scores %.6g (0) .. %.6g (9)", g.lo, g.hi);
	printf("; '.' = empty\n");
	if (nd == 0) {
		printf("(no descriptor dimensions: a single cell)\n");
	} else if (nd == 1) {
		txt_put(stdout, g.dims[0].name, 0);
		printf(": %d bins over [%g, %g], left to right\n", g.dims[0].bins, g.dims[0].lo,
		       g.dims[0].hi);
	} else {
		printf("rows: ");
		txt_put(stdout, g.dims[0].name, 0);
		printf(", %d bins over [%g, %g], top to bottom\n", g.dims[0].bins, g.dims[0].lo,
		       g.dims[0].hi);
		printf("cols: ");
		txt_put(stdout, g.dims[1].name, 0);
		printf(", %d bins over [%g, %g], left to right\n", g.dims[1].bins, g.dims[1].lo,
		       g.dims[1].hi);
		if (nd > 2)
			printf("(dimensions 3+ folded: each cell shows the best over them)\n");
	}
	for (int r = 0; r < rows; r++) {
		if (nd >= 2)
			printf("%10.4g |", g.dims[0].lo + (g.dims[0].hi - g.dims[0].lo) * r / g.dims[0].bins);
		for (int col = 0; col < cols; col++) {
			double v = grid[r * cols + col];
			int ch = '.';
			if (!isnan(v))
				ch = '0' + (g.hi > g.lo ? (int)floor((v - g.lo) / (g.hi - g.lo) * 9.0 + 0.5) : 9);
			putchar(ch);
		}
		putchar('\n');
	}
	free(grid);
	arc_cells_clear(&g);
	return 0;
}

/* --- stats ---------------------------------------------------------------------------------------------- */

static int do_stats(struct ctx *c)
{
	struct arc_stats st;
	struct arc_island_row *isl;
	size_t nisl;
	if (arc_stats(c->a, c->island, &st) || arc_q_island_stats(c->a, c->island, &isl, &nisl))
		return arc_fail(c);
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
		cJSON_AddNumberToObject(j, "qd_offset", st.qd_offset);
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
		cJSON *ia = cJSON_AddArrayToObject(j, "islands");
		for (size_t i = 0; i < nisl; i++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "island", isl[i].island);
			cJSON_AddNumberToObject(o, "occupied", (double)isl[i].occupied);
			cJSON_AddNumberToObject(o, "coverage", isl[i].coverage);
			cJSON_AddNumberToObject(o, "qd_score", isl[i].qd_score);
			cJSON_AddItemToObject(o, "best_score", num_or_null(isl[i].best));
			cJSON_AddItemToArray(ia, o);
		}
		free(isl);
		return print_json(j);
	}
	struct txt_table t;
	char b1[32], b2[32];
	txt_table_init(&t, 2, "ll", "figure", c->island >= 0 ? "value (one island)" : "value");
	txt_table_add(&t, "attempts");
	txt_table_add(&t, "%lld", (long long)st.attempts);
	for (int i = 0; i < ARC_NSTATUS; i++) {
		if (!st.by_status[i])
			continue;
		txt_table_add(&t, "  status %s", arc_status_names[i]);
		txt_table_add(&t, "%lld", (long long)st.by_status[i]);
	}
	for (int i = 0; i < ARC_NOUTCOMES; i++) {
		txt_table_add(&t, "  outcome %s", arc_outcome_name(i));
		txt_table_add(&t, "%lld", (long long)st.by_outcome[i]);
	}
	txt_table_add(&t, "programs");
	txt_table_add(&t, "%lld", (long long)st.programs);
	txt_table_add(&t, "evaluations");
	txt_table_add(&t, "%lld", (long long)st.evaluations);
	txt_table_add(&t, "cells occupied");
	txt_table_add(&t, "%lld / %lld", (long long)st.occupied, (long long)st.cells);
	txt_table_add(&t, "coverage");
	txt_table_add(&t, "%.2f%%", st.coverage * 100);
	txt_table_add(&t, "qd-score");
	if (st.qd_offset != 0)
		txt_table_add(&t, "%.6g (offset %.6g)", st.qd_score, st.qd_offset);
	else
		txt_table_add(&t, "%.6g", st.qd_score);
	txt_table_add(&t, "best score");
	if (st.best_program_id)
		txt_table_add(&t, "%.6g (program %lld)", st.best_score, (long long)st.best_program_id);
	else
		txt_table_add(&t, "-");
	txt_table_add(&t, "llm calls");
	txt_table_add(&t, "%lld", (long long)st.llm_calls);
	if (st.llm_calls) {
		txt_table_add(&t, "  tokens in / out");
		txt_table_add(&t, "%lld / %lld", (long long)st.tokens_in, (long long)st.tokens_out);
		txt_table_add(&t, "  cost (USD)");
		txt_table_add(&t, "%.4f", st.llm_cost);
		if (st.llm_usage_unknown) {
			txt_table_add(&t, "  calls without usage");
			txt_table_add(&t, "%lld (tokens and cost unknown, not counted)", (long long)st.llm_usage_unknown);
		}
		double ktok = (double)(st.tokens_in + st.tokens_out) / 1000;
		txt_table_add(&t, "  llm improvements");
		txt_table_add(&t, "%lld", (long long)st.llm_improvements);
		txt_table_add(&t, "  per 1k tokens");
		if (ktok > 0)
			txt_table_add(&t, "%.4g", st.llm_improvements / ktok);
		else
			txt_table_add(&t, "-");
		txt_table_add(&t, "  per USD");
		if (st.llm_cost > 0)
			txt_table_add(&t, "%.4g", st.llm_improvements / st.llm_cost);
		else
			txt_table_add(&t, "-");
	}
	txt_table_print(&t, stdout);
	txt_table_free(&t);
	if (nisl) {
		txt_table_init(&t, 5, "rrrrr", "island", "occupied", "coverage", "qd-score", "best");
		for (size_t i = 0; i < nisl; i++) {
			txt_table_add(&t, "%d", isl[i].island);
			txt_table_add(&t, "%lld", (long long)isl[i].occupied);
			txt_table_add(&t, "%.2f%%", 100.0 * isl[i].coverage);
			txt_table_add(&t, "%s", fmt_num(b1, sizeof b1, isl[i].qd_score));
			txt_table_add(&t, "%s", fmt_num(b2, sizeof b2, isl[i].best));
		}
		putchar('\n');
		txt_table_print(&t, stdout);
		txt_table_free(&t);
	}
	free(isl);
	/* LLM spend per model (the choice among models is in llm_calls.model). */
	struct arc_llm_row *lr = NULL;
	size_t nlr = 0;
	if (st.llm_calls && c->island < 0 && arc_q_llm(c->a, &lr, &nlr) == ARC_OK && nlr) {
		txt_table_init(&t, 7, "lrrrrrr", "model", "calls", "failed", "tokens in", "tokens out",
		               "cost (USD)", "mean latency");
		for (size_t i = 0; i < nlr; i++) {
			txt_table_add(&t, "%s", lr[i].model);
			txt_table_add(&t, "%lld", (long long)lr[i].calls);
			txt_table_add(&t, "%lld", (long long)lr[i].failed);
			txt_table_add(&t, "%lld", (long long)lr[i].tokens_in);
			txt_table_add(&t, "%lld", (long long)lr[i].tokens_out);
			txt_table_add(&t, "%.4f", lr[i].cost);
			txt_table_add(&t, "%.0f ms", lr[i].latency_ms);
		}
		putchar('\n');
		txt_table_print(&t, stdout);
		txt_table_free(&t);
	}
	free(lr);
	return 0;
}

/* --- export ------------------------------------------------------------------------------------------------ */

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

static int do_export(struct ctx *c)
{
	const char *table = c->table ? c->table : "programs";
	const char *format = c->format ? c->format : "jsonl";
	struct arc_export *x;
	if (strcmp(format, "jsonl") && strcmp(format, "csv"))
		return fail(EXIT_USAGE, "export: unknown --format '%s' (expected jsonl or csv)", format);
	int rc = arc_export_open(c->a, table, &x);
	if (rc == ARC_NOTFOUND)
		return fail(EXIT_USAGE, "export: %s", arc_errmsg(c->a));
	if (rc)
		return arc_fail(c);
	int csv = strcmp(format, "csv") == 0, ncol = arc_export_ncol(x);
	struct arc_value *v = calloc((size_t)ncol + 1, sizeof *v);
	if (!v) {
		arc_export_close(&x);
		return fail(EXIT_BAD, "out of memory");
	}
	if (csv) {
		for (int i = 0; i < ncol; i++) {
			if (i)
				putchar(',');
			csv_field(arc_export_colname(x, i));
		}
		putchar('\n');
	}
	while ((rc = arc_export_next(x, v)) == 1) {
		if (!csv)
			putchar('{');
		for (int i = 0; i < ncol; i++) {
			if (i)
				putchar(',');
			if (!csv) {
				jsonl_string(arc_export_colname(x, i));
				putchar(':');
			}
			switch (v[i].type) {
			case ARC_V_NULL:
				if (!csv)
					fputs("null", stdout);
				break;
			case ARC_V_INT:
				printf("%lld", (long long)v[i].i);
				break;
			case ARC_V_REAL:
				if (isfinite(v[i].d))
					print_double(v[i].d);
				else if (!csv)
					fputs("null", stdout);
				break;
			case ARC_V_TEXT:
				if (csv)
					csv_field(v[i].s);
				else
					jsonl_string(v[i].s);
				break;
			}
		}
		puts(csv ? "" : "}");
	}
	free(v);
	arc_export_close(&x);
	if (rc < 0)
		return arc_fail(c);
	return 0;
}

/* --- arguments --------------------------------------------------------------------------------------------- */

static const char *opt(const struct ctx *c, const char *name)
{
	for (int i = 0; c->spec->opts[i].name; i++)
		if (!strcmp(c->spec->opts[i].name, name))
			return c->args.val[i];
	return NULL;
}

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
	struct ctx c = { .island = -1, .limit = -1 };
	char err[600];
	long v;

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
		            " diff, cells, stats, export or front; see 'disco archive --help')", argv[1]);
	c.spec = &sub->spec;
	int rc = cli_parse(c.spec, argc - 1, argv + 1, &c.args);
	if (rc >= 0)
		return rc;
	for (int i = 0; i < c.args.npos; i++) {
		if (parse_long(c.args.pos[i], 1, 0x7fffffffffffffffL, &v))
			return fail(EXIT_USAGE, "%s: '%s' is not a program id (expected an integer >= 1)",
			            sub->name, c.args.pos[i]);
		c.ids[i] = v;
	}
	if (c.args.npos < sub->nids)
		return fail(EXIT_USAGE, "%s: expected %s (see 'disco archive %s --help')", sub->name,
		            sub->ids, sub->name);
	c.db_path = opt(&c, "db");
	c.json = opt(&c, "json") != NULL;
	c.format = opt(&c, "format");
	c.table = opt(&c, "table");
	const char *s;
	if ((s = opt(&c, "island"))) {
		if (parse_long(s, 0, 1000000, &v))
			return fail(EXIT_USAGE, "%s: --island '%s' is not an island number (expected an"
			            " integer >= 0)", sub->name, s);
		c.island = (int)v;
	}
	if ((s = opt(&c, "limit"))) {
		if (parse_long(s, 0, 1000000000L, &v))
			return fail(EXIT_USAGE, "%s: --limit '%s' is not a row count (expected an integer"
			            " >= 0)", sub->name, s);
		c.limit = v;
	}
	if (!c.db_path || !*c.db_path)
		return fail(EXIT_USAGE, "%s: missing --db FILE (the campaign archive)", sub->name);

	c.a = arc_open(c.db_path, ARC_READONLY, err, sizeof err);
	if (!c.a)
		return fail(EXIT_BAD, "%s", err);
	/* An island that does not exist is a mistake, not an empty answer. */
	if (c.island >= 0 && (rc = arc_q_check_island(c.a, c.island)) != ARC_OK) {
		rc = arc_fail(&c);
		arc_close(&c.a);
		return rc;
	}
	rc = sub->fn(&c);
	fflush(stdout);
	arc_close(&c.a);
	return rc;
}

/* --- front ------------------------------------------------------------------------------- */

const struct ev_evaluator *cli_campaign_builtin(struct arc *a)
{
	char *cfg = NULL;
	uint64_t seed;
	if (arc_campaign_get(a, &cfg, &seed) != ARC_OK)
		return NULL;
	cJSON *j = cJSON_Parse(cfg);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "evaluator");
	const struct ev_evaluator *ev = cJSON_IsString(e) ? ev_find(e->valuestring) : NULL;
	cJSON_Delete(j);
	free(cfg);
	return ev;
}

/* The reference curve of the campaign's built-in evaluator for dim, or NULL. */
static const struct ev_reference *front_reference(struct ctx *c, const char *dim)
{
	const struct ev_evaluator *ev = cli_campaign_builtin(c->a);
	if (ev && ev->version >= 2 && ev->reference && !strcmp(ev->reference->dim, dim))
		return ev->reference;
	return NULL;
}

static int do_front(struct ctx *c)
{
	struct arc_dim dims[ARC_MAX_DIMS];
	int nd = 0, k = 0;
	const char *want = opt(c, "dim");
	if (arc_get_dims(c->a, dims, ARC_MAX_DIMS, &nd))
		return fail(EXIT_BAD, "%s", arc_errmsg(c->a));
	if (!nd)
		return fail(EXIT_BAD, "%s: the archive has no descriptor dimensions", c->db_path);
	if (want) {
		while (k < nd && strcmp(dims[k].name, want))
			k++;
		if (k == nd) {
			char list[256] = "";
			size_t L = 0;
			for (int i = 0; i < nd && L < sizeof list - 40; i++)
				L += (size_t)snprintf(list + L, sizeof list - L, "%s%s", i ? ", " : "", dims[i].name);
			return fail(EXIT_USAGE, "front: --dim '%s' is not a dimension of this archive (it has: %s)",
			            want, list);
		}
	}
	struct arc_front_row *rows;
	int n;
	if (arc_front(c->a, k, &rows, &n))
		return fail(EXIT_BAD, "%s", arc_errmsg(c->a));
	const struct ev_reference *ref = front_reference(c, dims[k].name);
	cJSON *j = NULL, *arr = NULL;
	if (c->json) {
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "dim", dims[k].name);
		if (ref)
			cJSON_AddStringToObject(j, "reference", ref->label);
		arr = cJSON_AddArrayToObject(j, "front");
	} else {
		printf("%-8s %-12s %-9s %-9s%s\n", dims[k].name, "best score", "program", "programs",
		       ref ? "  reference (diff)" : "");
	}
	for (int i = 0; i < n; i++) {
		double rv = NAN;
		for (int q = 0; ref && q < ref->n; q++)
			if (ref->value[q] == rows[i].value)
				rv = ref->score[q];
		if (c->json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "value", rows[i].value);
			cJSON_AddItemToObject(o, "score", num_or_null(rows[i].score));
			cJSON_AddNumberToObject(o, "program_id", (double)rows[i].program_id);
			cJSON_AddNumberToObject(o, "programs", (double)rows[i].programs);
			cJSON_AddBoolToObject(o, "on_front", !rows[i].dominated);
			if (ref)
				cJSON_AddItemToObject(o, "reference", num_or_null(rv));
			cJSON_AddItemToArray(arr, o);
		} else {
			printf("%-8g %-11.6g%c #%-8lld %-9lld", rows[i].value, rows[i].score,
			       rows[i].dominated ? ' ' : '*', (long long)rows[i].program_id,
			       (long long)rows[i].programs);
			if (isfinite(rv))
				printf("  %.2f (%+.2f)", rv, rows[i].score - rv);
			printf("\n");
		}
	}
	free(rows);
	if (c->json)
		return print_json(j);
	if (ref)
		printf("reference: %s\n", ref->label);
	return 0;
}
