/*
 * arc_writer - test helper for the archive's end-to-end tests (built by
 * `make tools` into build/tools/).
 *
 *   arc_writer gen DB N [SEED]     write a synthetic campaign of N attempts
 *   arc_writer write DB LOG SEED   create or resume DB and write attempts
 *                                  until killed; after each commit append
 *                                  the last committed seq to LOG
 *   arc_writer check DB LOG SEED   after a kill: integrity, every logged
 *                                  commit present, counts agree, content
 *                                  matches what the seed determines
 *   arc_writer hostile DB          a small campaign whose sources, messages
 *                                  and names carry markup, script, terminal
 *                                  escapes and invalid UTF-8, with negative
 *                                  scores (for the report and archive CLI)
 */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "archive/arc.h"
#include "tests/tools/arc_gen.h"

static int die(const char *msg)
{
	fprintf(stderr, "arc_writer: %s\n", msg);
	return 1;
}

static int cmd_gen(const char *db, int64_t n, uint64_t seed)
{
	char err[512];
	int64_t last = 0;
	struct arc *a = arc_open(db, ARC_CREATE, err, sizeof err);
	if (!a)
		return die(err);
	struct arc_llm_call call = {.model = "test-model", .tokens_in = 1200, .tokens_out = 300,
	                            .latency_ms = 850, .cost = 0.002, .status = "ok",
	                            .attempt_seq = 5};
	if (arc_begin(a) || gen_campaign(a, seed) ||
	    gen_attempts(a, seed, 1, n, 5000, &last, NULL, NULL) ||
	    arc_add_llm_call(a, &call, NULL) ||
	    arc_add_event(a, "budget_stop", "{\"reason\":\"attempts\"}") ||
	    arc_campaign_finish(a) || arc_commit(a)) {
		fprintf(stderr, "arc_writer: %s\n", arc_errmsg(a));
		arc_close(&a);
		return 1;
	}
	arc_close(&a);
	return 0;
}

static int log_fd = -1;

static void on_commit(int64_t seq, void *ctx)
{
	char line[32];
	int n = snprintf(line, sizeof line, "%lld\n", (long long)seq);
	if (write(log_fd, line, (size_t)n) != n)
		_exit(3);
}

static int cmd_write(const char *db, const char *logpath, uint64_t seed)
{
	char err[512];
	int64_t next, last;
	struct arc_stats st;
	struct arc *a = arc_open(db, ARC_CREATE, err, sizeof err);
	if (!a)
		return die(err);
	log_fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (log_fd < 0)
		return die("cannot open the log");
	int rc = arc_campaign_get(a, NULL, NULL);
	if (rc == ARC_NOTFOUND) {
		if (arc_begin(a) || gen_campaign(a, seed) || arc_commit(a))
			goto fail;
	} else if (rc == ARC_OK) {
		if (arc_add_event(a, "resume", NULL))
			goto fail;
	} else {
		goto fail;
	}
	if (arc_next_seq(a, &next) || arc_stats(a, -1, &st))
		goto fail;
	last = st.programs; /* ids are dense: nothing is ever deleted */
	/* Batch sizes vary so kills land at many different points. */
	int batch = 1 + (int)(gen_mix(seed ^ (uint64_t)next) % 400);
	if (arc_begin(a) || gen_attempts(a, seed, next, 50000000, batch, &last, on_commit, NULL))
		goto fail;
	arc_close(&a);
	return 0;
fail:
	fprintf(stderr, "arc_writer: %s\n", arc_errmsg(a));
	arc_close(&a);
	return 1;
}

static int problems;

static void bad(const char *fmt, long long x, long long y)
{
	fprintf(stderr, "check: ");
	fprintf(stderr, fmt, x, y);
	fputc('\n', stderr);
	problems++;
}

static long long one(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	long long v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	else
		fprintf(stderr, "check: %s: %s\n", sql, sqlite3_errmsg(db));
	sqlite3_finalize(s);
	return v;
}

static int cmd_check(const char *path, const char *logpath, uint64_t seed)
{
	char err[512], src[1024];
	long long logged = 0;
	FILE *lf = fopen(logpath, "r");
	if (lf) {
		long long v;
		while (fscanf(lf, "%lld", &v) == 1)
			if (v > logged)
				logged = v;
		fclose(lf);
	}
	/* Opening for writing replays the WAL like a resuming engine would. */
	struct arc *a = arc_open(path, 0, err, sizeof err);
	if (!a && logged == 0 && strstr(err, "(empty database)")) {
		/* Killed before its first commit (a slow start on a busy machine):
		 * nothing was committed, so nothing can be missing. */
		printf("killed before the first commit\n");
		return 0;
	}
	if (!a)
		return die(err);
	arc_close(&a);
	sqlite3 *db;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return die("sqlite3_open failed");
	sqlite3_stmt *s;
	sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL);
	if (sqlite3_step(s) != SQLITE_ROW || strcmp((const char *)sqlite3_column_text(s, 0), "ok"))
		bad("integrity_check failed%lld%lld", 0, 0);
	sqlite3_finalize(s);
	sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &s, NULL);
	if (sqlite3_step(s) == SQLITE_ROW)
		bad("foreign_key_check reports dangling references%lld%lld", 0, 0);
	sqlite3_finalize(s);

	long long maxseq = one(db, "SELECT coalesce(max(seq),0) FROM attempts");
	long long natt = one(db, "SELECT count(*) FROM attempts");
	long long nprog = one(db, "SELECT count(*) FROM programs");
	long long nprog_att = one(db, "SELECT count(*) FROM attempts WHERE program_id IS NOT NULL");
	long long nok = one(db, "SELECT count(*) FROM attempts WHERE status='ok'");
	long long nevals = one(db, "SELECT count(*) FROM evaluations");
	long long nelite = one(db, "SELECT count(*) FROM elites");
	long long nnew = one(db, "SELECT count(*) FROM attempts WHERE outcome='NEW'");
	long long maxpid = one(db, "SELECT coalesce(max(id),0) FROM programs");
	if (maxseq < logged)
		bad("committed attempt %lld is missing (max seq %lld)", logged, maxseq);
	if (natt != maxseq)
		bad("%lld attempts but max seq %lld (lost or doubled)", natt, maxseq);
	if (nprog != nprog_att || nprog != nok || nprog != maxpid)
		bad("%lld programs but %lld attempts made one", nprog, nprog_att);
	if (nevals != nprog)
		bad("%lld evaluations for %lld programs", nevals, nprog);
	if (nelite != nnew)
		bad("%lld elites but %lld NEW outcomes", nelite, nnew);

	/* Every attempt's content is what its seq determines. */
	sqlite3_prepare_v2(db, "SELECT a.seq, a.status, p.source, p.text_hash FROM attempts a"
	                   " LEFT JOIN programs p ON p.id=a.program_id ORDER BY a.seq", -1, &s, NULL);
	while (sqlite3_step(s) == SQLITE_ROW) {
		long long seq = sqlite3_column_int64(s, 0);
		int st = gen_status(seed, seq);
		if (strcmp((const char *)sqlite3_column_text(s, 1), arc_status_names[st]))
			bad("attempt %lld has the wrong status%lld", seq, 0);
		if (st == 0) {
			size_t len = gen_source(src, sizeof src, seed, seq);
			const char *got = (const char *)sqlite3_column_text(s, 2);
			if (!got || strcmp(got, src) ||
			    (uint64_t)sqlite3_column_int64(s, 3) != XXH64(src, len, 0))
				bad("program of attempt %lld has the wrong source or hash%lld", seq, 0);
		}
	}
	sqlite3_finalize(s);

	/* Each elite is the best of its cell (ties: shorter, then first). */
	sqlite3_prepare_v2(db, "SELECT p.island, e.descriptors, e.score, p.source_len, p.id,"
	                   " (SELECT program_id FROM elites l WHERE l.island=p.island AND"
	                   "  l.program_id=p.id) FROM programs p JOIN evaluations e"
	                   " ON e.program_id=p.id ORDER BY p.id", -1, &s, NULL);
	enum { NC = 80 * GEN_ISLANDS };
	double best[NC];
	long long bestlen[NC], bestid[NC];
	for (int i = 0; i < NC; i++)
		best[i] = -INFINITY, bestid[i] = 0, bestlen[i] = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		double d[2] = {NAN, NAN};
		const char *dj = (const char *)sqlite3_column_text(s, 1);
		sscanf(dj, "[%lf,%lf]", &d[0], &d[1]);
		int isl = sqlite3_column_int(s, 0);
		int cell = isl * 80 + (int)arc_cell_of(gen_dims, 2, d);
		double sc = sqlite3_column_double(s, 2);
		long long len = sqlite3_column_int64(s, 3);
		if (sc > best[cell] || (sc == best[cell] && len < bestlen[cell]))
			best[cell] = sc, bestlen[cell] = len, bestid[cell] = sqlite3_column_int64(s, 4);
	}
	sqlite3_finalize(s);
	sqlite3_prepare_v2(db, "SELECT island, cell, program_id FROM elites", -1, &s, NULL);
	long long nel = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		int cell = sqlite3_column_int(s, 0) * 80 + sqlite3_column_int(s, 1);
		nel++;
		if (cell < 0 || cell >= NC || bestid[cell] != sqlite3_column_int64(s, 2))
			bad("elite of cell %lld is program %lld, not the best", cell,
			    sqlite3_column_int64(s, 2));
	}
	sqlite3_finalize(s);
	long long expect = 0;
	for (int i = 0; i < NC; i++)
		expect += bestid[i] != 0;
	if (expect != nel)
		bad("%lld occupied cells expected, %lld found", expect, nel);
	sqlite3_close(db);
	if (problems)
		return 1;
	printf("consistent: %lld attempts (logged %lld), %lld programs, %lld elites\n", natt,
	       logged, nprog, nel);
	return 0;
}


/* Every text field a campaign stores, made hostile.  Program 2 is the one
 * the tests look for: its source holds a closing script tag, an img with
 * onerror, ESC/OSC/C1 sequences, a carriage return and invalid UTF-8. */
static const char hostile_src[] =
	"/* </script><script>window.__pwned=1</script> */\n"
	"/* <img src=x onerror=\"window.__pwned=2\"> &amp; &lt;b&gt; */\n"
	"/* \x1b]0;pwned-title\x07 \x1b[2J\x1b[31mred \xc2\x9b" "31m \r overwritten */\n"
	"/* bad bytes: \xff\xfe \xc3( \xed\xa0\x80 */\n"
	"double f(double x) { return x; }\n";

static int cmd_hostile(const char *db)
{
	char err[512];
	static const struct arc_dim dims[2] = {
		{ "<b>len</b>\x1b[1m", 0, 400, 4 },
		{ "ops\xff<i>", 0, 40, 3 },
	};
	struct arc *a = arc_open(db, ARC_CREATE, err, sizeof err);
	if (!a)
		return die(err);
	int rc = arc_begin(a) ||
	         arc_campaign_create(a, "{\"evaluator\":\"hostile</title><script>window.__pwned=3</script>\","
	                             "\"budget\":{\"evaluations\":9}}", 5, NULL) ||
	         arc_set_dims(a, dims, 2) || arc_set_islands(a, 2);
	int64_t last = 0;
	for (int i = 0; i < 8 && !rc; i++) {
		char src[1024];
		const char *text = src;
		if (i == 1)
			text = hostile_src;
		else
			snprintf(src, sizeof src, "double f(double x) { return x * %d; }\n", i + 1);
		struct arc_program p = { 0 };
		p.source = (char *)text;
		p.text_hash = XXH64(text, strlen(text), 0);
		p.parent_id = last;
		p.mutator = i == 0 ? "seed" : "<img src=x onerror=\"window.__pwned=4\">";
		p.island = i % 2;
		int64_t id;
		double desc[2] = { (double)(40 * i + 20), (double)(5 * i + 1) };
		double score = -10.0 + i;
		int out;
		const char *metrics = "{\"note\":\"</script><img src=x onerror=window.__pwned=5>\",\"loss\":-2.5}";
		rc = arc_add_program(a, &p, &id) ||
		     arc_add_evaluation(a, id, score, metrics, desc, 2, 0, 0, NULL) ||
		     arc_insert_elite(a, p.island, desc, id, score, strlen(text), &out);
		if (rc)
			break;
		struct arc_attempt t = { .seq = i + 1, .program_id = id, .parent_id = p.parent_id,
		                         .status = "ok", .outcome = out, .island = p.island,
		                         .mutator = p.mutator, .stage = 0,
		                         .message = "warning: \x1b]52;c;cGF5bG9hZA==\x07 <script>window.__pwned=6</script> \xff",
		                         .compile_ms = 1, .run_ms = 2, .score_ms = 0.5, .total_ms = 3.5 };
		rc = arc_add_attempt(a, &t, NULL);
		last = id;
	}
	struct arc_attempt f = { .seq = 9, .status = "compile_error", .island = 0,
	                         .mutator = "llm", .stage = -1,
	                         .message = "1: error: '\x1b[2J' <svg onload=window.__pwned=7>" };
	struct arc_llm_call call = { .model = "<script>window.__pwned=8</script>", .tokens_in = 100,
	                             .tokens_out = 50, .latency_ms = 300, .cost = 0.01,
	                             .status = "ok", .attempt_seq = 9 };
	if (!rc)
		rc = arc_add_attempt(a, &f, NULL) || arc_add_llm_call(a, &call, NULL) ||
		     arc_add_event(a, "budget_stop", NULL) || arc_campaign_finish(a) || arc_commit(a);
	if (rc) {
		fprintf(stderr, "arc_writer: %s\n", arc_errmsg(a));
		arc_close(&a);
		return 1;
	}
	arc_close(&a);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "gen"))
		return cmd_gen(argv[2], atoll(argv[3]), argc > 4 ? strtoull(argv[4], NULL, 10) : 42);
	if (argc == 5 && !strcmp(argv[1], "write"))
		return cmd_write(argv[2], argv[3], strtoull(argv[4], NULL, 10));
	if (argc == 3 && !strcmp(argv[1], "hostile"))
		return cmd_hostile(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "check"))
		return cmd_check(argv[2], argv[3], strtoull(argv[4], NULL, 10));
	fprintf(stderr, "usage: arc_writer gen DB N [SEED] | write DB LOG SEED |"
	                " check DB LOG SEED | hostile DB\n");
	return 2;
}
