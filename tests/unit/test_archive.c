/*
 * test_archive.c - unit tests for archive/: binning and clamping, the
 * MAP-Elites rule, counts, transactions, lookups, bad input, and files that
 * are missing, corrupt, foreign or too new.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "archive/arc.h"
#include "archive/arc_int.h"
#include "archive/front.h"
#include "archive/query.h"
#include "archive/report/report.h"
#include "engine/cli/cli.h"
#include "tests/tools/arc_gen.h"

static char dir[512];
static char path[640];
static int counter;

static int setup(void **state)
{
	snprintf(path, sizeof path, "%s/t%d.db", dir, counter++);
	return 0;
}

static struct arc *fresh(void)
{
	char err[512] = "";
	struct arc *a = arc_open(path, ARC_CREATE, err, sizeof err);
	if (!a)
		fprintf(stderr, "%s\n", err);
	assert_non_null(a);
	return a;
}

static int64_t add_prog(struct arc *a, const char *src, int island)
{
	struct arc_program p = {0};
	int64_t id = 0;
	p.source = (char *)src;
	p.text_hash = XXH64(src, strlen(src), 0);
	p.island = island;
	p.mutator = "seed";
	assert_int_equal(arc_add_program(a, &p, &id), ARC_OK);
	assert_true(id > 0);
	return id;
}

/* --- binning -------------------------------------------------------------------- */

static void test_bin_clamps_and_nan(void **state)
{
	struct arc_dim d = {"x", 0, 10, 5};
	assert_int_equal(arc_bin_of(&d, 0), 0);
	assert_int_equal(arc_bin_of(&d, 1.99), 0);
	assert_int_equal(arc_bin_of(&d, 2), 1);
	assert_int_equal(arc_bin_of(&d, 9.99), 4);
	assert_int_equal(arc_bin_of(&d, 10), 4);     /* hi is in the last bin */
	assert_int_equal(arc_bin_of(&d, 1e300), 4);  /* above: clamps */
	assert_int_equal(arc_bin_of(&d, -5), 0);     /* below: clamps */
	assert_int_equal(arc_bin_of(&d, INFINITY), 4);
	assert_int_equal(arc_bin_of(&d, -INFINITY), 0);
	assert_int_equal(arc_bin_of(&d, NAN), 0);    /* NaN -> bin 0 */
	struct arc_dim one = {"y", -1, 1, 1};
	assert_int_equal(arc_bin_of(&one, 0.5), 0);
}

static void test_cell_row_major(void **state)
{
	struct arc_dim d[3] = {{"a", 0, 4, 4}, {"b", 0, 3, 3}, {"c", 0, 2, 2}};
	double v[3] = {2.5, 1.5, 1.5}; /* bins 2, 1, 1 */
	assert_int_equal(arc_cell_of(d, 3, v), (2 * 3 + 1) * 2 + 1);
	assert_int_equal(arc_cell_count(d, 3), 24);
	assert_int_equal(arc_cell_of(d, 0, NULL), 0);
	assert_int_equal(arc_cell_count(d, 0), 1);
	double out[3] = {99, -99, NAN};
	assert_int_equal(arc_cell_of(d, 3, out), (3 * 3 + 0) * 2 + 0);
}

/* --- MAP-Elites rule ------------------------------------------------------------- */

static void test_elite_rules(void **state)
{
	struct arc *a = fresh();
	struct arc_dim d[2] = {{"len", 0, 100, 10}, {"ops", 0, 10, 10}};
	double desc[2] = {15, 3};
	int out = -1;
	int64_t cell, pid, p1, p2, p3, p4, p5;
	double sc;
	assert_int_equal(arc_set_dims(a, d, 2), ARC_OK);
	p1 = add_prog(a, "aaaaaaaaaa", 0);
	p2 = add_prog(a, "bbbbbbbbbb", 0);
	p3 = add_prog(a, "cc", 0);
	p4 = add_prog(a, "dddddddddddddddddddd", 0);
	p5 = add_prog(a, "e", 0);

	assert_int_equal(arc_insert_elite_cell(a, 0, desc, p1, 1.0, 10, &out, &cell), ARC_OK);
	assert_int_equal(out, ARC_NEW);
	assert_int_equal(cell, 1 * 10 + 3);
	/* equal score, equal length: the incumbent stays */
	assert_int_equal(arc_insert_elite(a, 0, desc, p2, 1.0, 10, &out), ARC_OK);
	assert_int_equal(out, ARC_NOT_ADDED);
	/* equal score, longer: stays */
	assert_int_equal(arc_insert_elite(a, 0, desc, p4, 1.0, 20, &out), ARC_OK);
	assert_int_equal(out, ARC_NOT_ADDED);
	/* equal score, shorter: replaces */
	assert_int_equal(arc_insert_elite(a, 0, desc, p3, 1.0, 2, &out), ARC_OK);
	assert_int_equal(out, ARC_IMPROVED);
	/* worse: not added, even if shorter */
	assert_int_equal(arc_insert_elite(a, 0, desc, p5, 0.5, 1, &out), ARC_OK);
	assert_int_equal(out, ARC_NOT_ADDED);
	/* NaN score: never enters */
	assert_int_equal(arc_insert_elite(a, 0, desc, p5, NAN, 1, &out), ARC_OK);
	assert_int_equal(out, ARC_NOT_ADDED);
	assert_int_equal(arc_elite_at(a, 0, cell, &pid, &sc), ARC_OK);
	assert_int_equal(pid, p3);
	/* strictly better, longer: replaces */
	assert_int_equal(arc_insert_elite(a, 0, desc, p4, 1.5, 20, &out), ARC_OK);
	assert_int_equal(out, ARC_IMPROVED);
	assert_int_equal(arc_elite_at(a, 0, cell, &pid, &sc), ARC_OK);
	assert_int_equal(pid, p4);
	assert_true(sc == 1.5);
	/* same descriptors on another island: a new cell there */
	assert_int_equal(arc_insert_elite(a, 1, desc, p1, -3, 10, &out), ARC_OK);
	assert_int_equal(out, ARC_NEW);
	/* out of range descriptors clamp into the corner cell */
	double far[2] = {1e9, -1e9};
	assert_int_equal(arc_insert_elite_cell(a, 0, far, p5, 0.1, 1, &out, &cell), ARC_OK);
	assert_int_equal(out, ARC_NEW);
	assert_int_equal(cell, 9 * 10 + 0);
	/* no descriptors although dims are set: an error, not a crash */
	assert_int_equal(arc_insert_elite(a, 0, NULL, p5, 0.1, 1, &out), ARC_ERR);
	/* unknown program id: refused by the foreign key */
	double d3[2] = {55, 5};
	assert_int_equal(arc_insert_elite(a, 0, d3, 9999, 1, 1, &out), ARC_ERR);
	assert_non_null(strstr(arc_errmsg(a), path));

	int64_t n;
	assert_int_equal(arc_elite_count(a, 0, &n), ARC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(arc_elite_count(a, -1, &n), ARC_OK);
	assert_int_equal(n, 3);
	assert_int_equal(arc_elite_best(a, -1, &pid, &sc), ARC_OK);
	assert_int_equal(pid, p4);
	assert_int_equal(arc_elite_best(a, 1, &pid, &sc), ARC_OK);
	assert_int_equal(pid, p1);
	assert_int_equal(arc_elite_best(a, 7, &pid, &sc), ARC_NOTFOUND);
	arc_close(&a);
	assert_null(a);
}

static void test_random_elite_uniform_and_deterministic(void **state)
{
	struct arc *a = fresh();
	struct arc_dim d = {"x", 0, 4, 4};
	int64_t ids[4], pid;
	int out;
	assert_int_equal(arc_set_dims(a, &d, 1), ARC_OK);
	assert_int_equal(arc_random_elite(a, 0, 5, &pid), ARC_NOTFOUND);
	for (int i = 0; i < 4; i++) {
		char src[16];
		double v = i + 0.5;
		snprintf(src, sizeof src, "p%d", i);
		ids[i] = add_prog(a, src, 0);
		/* insert in reverse cell order: selection must follow cells */
		double w = 3.5 - i;
		(void)v;
		assert_int_equal(arc_insert_elite(a, 0, &w, ids[i], 1, 2, &out), ARC_OK);
	}
	/* r mod 4 picks the cells in order 0..3 = ids[3], ids[2], ... */
	for (uint64_t r = 0; r < 8; r++) {
		assert_int_equal(arc_random_elite(a, 0, r, &pid), ARC_OK);
		assert_int_equal(pid, ids[3 - r % 4]);
	}
	assert_int_equal(arc_random_elite(a, 0, UINT64_MAX, &pid), ARC_OK);
	assert_int_equal(pid, ids[3 - UINT64_MAX % 4]);
	arc_close(&a);
}

/* --- counts and statistics ----------------------------------------------------------- */

static void test_counts_agree(void **state)
{
	struct arc *a = fresh();
	struct arc_stats st;
	int64_t last = 0, n, next;
	assert_int_equal(arc_begin(a), ARC_OK);
	assert_int_equal(gen_campaign(a, 7), ARC_OK);
	assert_int_equal(gen_attempts(a, 7, 1, 3000, 250, &last, NULL, NULL), ARC_OK);
	assert_int_equal(arc_commit(a), ARC_OK);
	assert_int_equal(arc_stats(a, -1, &st), ARC_OK);
	assert_int_equal(st.attempts, 3000);
	assert_int_equal(st.programs, last);
	assert_int_equal(st.by_status[0], st.programs); /* each ok attempt made one */
	int64_t sum = 0, sumo = 0;
	for (int i = 0; i < ARC_NSTATUS; i++)
		sum += st.by_status[i];
	for (int i = 0; i < ARC_NOUTCOMES; i++)
		sumo += st.by_outcome[i];
	assert_int_equal(sum, 3000);
	assert_int_equal(sumo, 3000);
	assert_int_equal(st.by_outcome[ARC_NEW], st.occupied);
	assert_int_equal(st.cells, 80 * GEN_ISLANDS);
	assert_true(fabs(st.coverage - (double)st.occupied / (double)st.cells) < 1e-12);
	assert_int_equal(arc_attempt_count(a, &n), ARC_OK);
	assert_int_equal(n, 3000);
	assert_int_equal(arc_next_seq(a, &next), ARC_OK);
	assert_int_equal(next, 3001);

	/* per island figures add up to the whole */
	struct arc_stats s0, s1;
	assert_int_equal(arc_stats(a, 0, &s0), ARC_OK);
	assert_int_equal(arc_stats(a, 1, &s1), ARC_OK);
	assert_int_equal(s0.attempts + s1.attempts, st.attempts);
	assert_int_equal(s0.programs + s1.programs, st.programs);
	assert_int_equal(s0.occupied + s1.occupied, st.occupied);
	assert_true(fabs(s0.qd_score + s1.qd_score - st.qd_score) < 1e-6);
	assert_true(st.best_score == fmax(s0.best_score, s1.best_score));

	/* qd_score is the sum of elite scores, from SQL independently */
	sqlite3 *db;
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT sum(score), max(score) FROM elites",
	                                    -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_true(fabs(sqlite3_column_double(s, 0) - st.qd_score) < 1e-6);
	assert_true(sqlite3_column_double(s, 1) == st.best_score);
	sqlite3_finalize(s);
	sqlite3_close(db);
	arc_close(&a);
}

static void test_empty_stats(void **state)
{
	struct arc *a = fresh();
	struct arc_stats st;
	assert_int_equal(arc_stats(a, -1, &st), ARC_OK);
	assert_int_equal(st.attempts, 0);
	assert_int_equal(st.occupied, 0);
	assert_int_equal(st.cells, 1);
	assert_true(isnan(st.best_score));
	assert_int_equal(st.best_program_id, 0);
	arc_close(&a);
}

/* --- campaign, programs, lookups -------------------------------------------------------- */

static void test_campaign_and_program_roundtrip(void **state)
{
	struct arc *a = fresh();
	char *cfg = NULL;
	uint64_t seed = 0;
	int64_t cid, pid, pid2, found;
	double sc;
	assert_int_equal(arc_campaign_get(a, &cfg, &seed), ARC_NOTFOUND);
	assert_int_equal(arc_campaign_create(a, "{\"budget\":10}", UINT64_MAX - 1, &cid), ARC_OK);
	assert_int_equal(arc_campaign_create(a, "{}", 1, NULL), ARC_ERR); /* one per file */
	assert_non_null(strstr(arc_errmsg(a), "already holds a campaign"));
	assert_int_equal(arc_campaign_get(a, &cfg, &seed), ARC_OK);
	assert_string_equal(cfg, "{\"budget\":10}");
	assert_true(seed == UINT64_MAX - 1);
	free(cfg);
	assert_int_equal(arc_campaign_finish(a), ARC_OK);

	struct arc_program p = {0}, q;
	p.source = "double f(double x) { return x; }";
	p.ir = "r0 = x\nret r0";
	p.mutator = "symbolic";
	p.text_hash = 0xfedcba9876543210ULL; /* above INT64_MAX: stored cast */
	p.func_hash = 0x8000000000000001ULL;
	p.island = 3;
	pid = add_prog(a, "seed()", 0);
	p.parent_id = pid;
	p.ninspirations = 2;
	p.inspirations[0] = pid;
	p.inspirations[1] = pid;
	p.created = 1700000000.5;
	assert_int_equal(arc_add_program(a, &p, &pid2), ARC_OK);
	assert_int_equal(arc_get_program(a, pid2, &q), ARC_OK);
	assert_string_equal(q.source, p.source);
	assert_string_equal(q.ir, p.ir);
	assert_string_equal(q.mutator, "symbolic");
	assert_true(q.text_hash == p.text_hash);
	assert_true(q.func_hash == p.func_hash);
	assert_int_equal(q.parent_id, pid);
	assert_int_equal(q.parent2_id, 0);
	assert_int_equal(q.ninspirations, 2);
	assert_int_equal(q.inspirations[1], pid);
	assert_int_equal(q.island, 3);
	assert_true(q.created == 1700000000.5);
	arc_program_clear(&q);
	assert_null(q.source);
	assert_int_equal(arc_get_program(a, 424242, &q), ARC_NOTFOUND);

	assert_int_equal(arc_find_text_hash(a, 0xfedcba9876543210ULL, &found), ARC_OK);
	assert_int_equal(found, pid2);
	assert_int_equal(arc_find_text_hash(a, 12345, &found), ARC_NOTFOUND);
	/* unscored program: found, score NaN */
	assert_int_equal(arc_find_func_hash(a, 0x8000000000000001ULL, &found, &sc), ARC_OK);
	assert_int_equal(found, pid2);
	assert_true(isnan(sc));
	double desc[2] = {1, NAN};
	assert_int_equal(arc_add_evaluation(a, pid2, 0.25, NULL, desc, 2, 0, 0, NULL), ARC_OK);
	assert_int_equal(arc_add_evaluation(a, pid2, 0.75, "{\"k\":1}", desc, 2, 1, 0, NULL), ARC_OK);
	assert_int_equal(arc_add_evaluation(a, pid2, 0.5, NULL, desc, 2, 1, 1, NULL), ARC_OK);
	assert_int_equal(arc_find_func_hash(a, 0x8000000000000001ULL, &found, &sc), ARC_OK);
	assert_true(sc == 0.75); /* train split, highest stage */
	struct arc_eval e;
	assert_int_equal(arc_get_evaluation(a, pid2, 1, &e), ARC_OK);
	assert_true(e.score == 0.5);
	assert_int_equal(e.ndesc, 2);
	assert_true(e.desc[0] == 1);
	assert_true(isnan(e.desc[1])); /* NaN stored as null, read back as NaN */
	arc_eval_clear(&e);
	assert_int_equal(arc_find_func_hash(a, 77, &found, NULL), ARC_NOTFOUND);

	struct arc_llm_call c = {.model = "m", .tokens_in = 10, .tokens_out = 5, .cost = 0.5,
	                         .status = "ok"};
	assert_int_equal(arc_add_llm_call(a, &c, NULL), ARC_OK);
	assert_int_equal(arc_add_event(a, "resume", "{\"at\":3}"), ARC_OK);
	struct arc_stats st;
	assert_int_equal(arc_stats(a, -1, &st), ARC_OK);
	assert_int_equal(st.llm_calls, 1);
	assert_int_equal(st.tokens_in, 10);
	assert_true(st.llm_cost == 0.5);
	arc_close(&a);
}

/* --- bad input ----------------------------------------------------------------------------- */

static void test_bad_input(void **state)
{
	struct arc *a = fresh();
	int64_t pid = add_prog(a, "x", 0);
	struct arc_attempt t = {.seq = 1, .status = "exploded", .outcome = ARC_NOT_ADDED};
	assert_int_equal(arc_add_attempt(a, &t, NULL), ARC_ERR);
	assert_non_null(strstr(arc_errmsg(a), "exploded"));
	t.status = NULL;
	assert_int_equal(arc_add_attempt(a, &t, NULL), ARC_ERR);
	t.status = "ok";
	t.outcome = 9;
	assert_int_equal(arc_add_attempt(a, &t, NULL), ARC_ERR);
	t.outcome = ARC_NEW;
	t.seq = 0;
	assert_int_equal(arc_add_attempt(a, &t, NULL), ARC_ERR);
	t.seq = 1;
	t.program_id = pid;
	assert_int_equal(arc_add_attempt(a, &t, NULL), ARC_OK);
	assert_int_equal(arc_add_attempt(a, &t, NULL), ARC_ERR); /* seq used twice */
	assert_non_null(strstr(arc_errmsg(a), "UNIQUE"));
	t.seq = 2;
	t.program_id = 999; /* no such program */
	assert_int_equal(arc_add_attempt(a, &t, NULL), ARC_ERR);
	assert_non_null(strstr(arc_errmsg(a), "FOREIGN KEY"));

	assert_int_equal(arc_add_evaluation(a, pid, 1, "{not json", NULL, 0, 0, 0, NULL), ARC_ERR);
	assert_int_equal(arc_add_evaluation(a, pid, 1, NULL, NULL, 5, 0, 0, NULL), ARC_ERR);
	assert_int_equal(arc_add_evaluation(a, 999, 1, NULL, NULL, 0, 0, 0, NULL), ARC_ERR);
	assert_int_equal(arc_add_event(a, "", NULL), ARC_ERR);
	assert_int_equal(arc_add_event(a, "x", "[1,"), ARC_ERR);
	assert_int_equal(arc_campaign_create(a, "not json", 1, NULL), ARC_ERR);

	struct arc_program p = {0};
	assert_int_equal(arc_add_program(a, &p, NULL), ARC_ERR); /* no source */
	p.source = "y";
	p.parent_id = 12345;
	assert_int_equal(arc_add_program(a, &p, NULL), ARC_ERR); /* dangling parent */
	p.parent_id = 0;
	p.ninspirations = ARC_MAX_INSPIRATIONS + 1;
	assert_int_equal(arc_add_program(a, &p, NULL), ARC_ERR);

	struct arc_dim bad[2] = {{"a", 1, 1, 3}, {"b", 0, 1, 0}};
	assert_int_equal(arc_set_dims(a, bad, 1), ARC_ERR);
	assert_non_null(strstr(arc_errmsg(a), "'a'"));
	assert_int_equal(arc_set_dims(a, bad + 1, 1), ARC_ERR);
	struct arc_dim nan_dim = {"n", NAN, 1, 2};
	assert_int_equal(arc_set_dims(a, &nan_dim, 1), ARC_ERR);
	assert_int_equal(arc_set_dims(a, bad, ARC_MAX_DIMS + 1), ARC_ERR);

	/* dims: same again is fine, different after elites is refused */
	struct arc_dim d = {"x", 0, 1, 4}, d2 = {"x", 0, 2, 4};
	int out;
	double v = 0.3;
	assert_int_equal(arc_set_dims(a, &d, 1), ARC_OK);
	assert_int_equal(arc_set_dims(a, &d2, 1), ARC_OK); /* no elites yet */
	assert_int_equal(arc_insert_elite(a, 0, &v, pid, 1, 1, &out), ARC_OK);
	assert_int_equal(arc_set_dims(a, &d2, 1), ARC_OK);
	assert_int_equal(arc_set_dims(a, &d, 1), ARC_ERR);
	assert_non_null(strstr(arc_errmsg(a), "cannot change"));
	struct arc_dim got[ARC_MAX_DIMS];
	int n;
	assert_int_equal(arc_get_dims(a, got, ARC_MAX_DIMS, &n), ARC_OK);
	assert_int_equal(n, 1);
	assert_true(got[0].hi == 2);
	assert_int_equal(arc_commit(a), ARC_ERR); /* commit without begin */
	arc_close(&a);
}

/* --- transactions ---------------------------------------------------------------------------- */

static void test_transactions(void **state)
{
	struct arc *a = fresh();
	int64_t n;
	int committed;
	assert_int_equal(arc_begin(a), ARC_OK);
	assert_int_equal(arc_begin(a), ARC_OK); /* nested */
	add_prog(a, "one", 0);
	assert_int_equal(arc_commit(a), ARC_OK); /* inner: nothing yet */
	assert_int_equal(arc_rollback(a), ARC_OK);
	struct arc_stats st;
	assert_int_equal(arc_stats(a, -1, &st), ARC_OK);
	assert_int_equal(st.programs, 0);

	assert_int_equal(arc_begin(a), ARC_OK);
	add_prog(a, "two", 0);
	assert_int_equal(arc_checkpoint(a, 5, 1e9, &committed), ARC_OK);
	assert_int_equal(committed, 0);
	for (int i = 0; i < 5; i++)
		add_prog(a, "more", 0);
	assert_int_equal(arc_checkpoint(a, 5, 1e9, &committed), ARC_OK);
	assert_int_equal(committed, 1);
	/* another connection sees the committed rows */
	sqlite3 *db;
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_prepare_v2(db, "SELECT count(*) FROM programs", -1, &s, NULL);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 6);
	sqlite3_finalize(s);
	add_prog(a, "pending", 0);
	assert_int_equal(arc_checkpoint(a, 1000, 0, &committed), ARC_OK); /* age limit */
	assert_int_equal(committed, 1);
	add_prog(a, "closed", 0);
	arc_close(&a); /* commits the open batch */
	sqlite3_prepare_v2(db, "SELECT count(*) FROM programs", -1, &s, NULL);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 8);
	sqlite3_finalize(s);
	sqlite3_close(db);

	a = fresh();
	assert_int_equal(arc_attempt_count(a, &n), ARC_OK);
	assert_int_equal(n, 0);
	arc_close(&a);
	arc_close(&a); /* NULL-safe */
	arc_close(NULL);
}

/* A writer caches elite counts: they follow every insertion and every
 * rollback, and random picks stay within the elites there are. */
static void test_elite_count_cache(void **state)
{
	char err[512] = "";
	struct arc *a = arc_open(path, ARC_CREATE | ARC_WRITER, err, sizeof err);
	assert_non_null(a);
	struct arc_dim d = { "x", 0, 10, 10 };
	assert_int_equal(arc_set_dims(a, &d, 1), ARC_OK);
	int64_t n, id;
	int out;
	assert_int_equal(arc_elite_count(a, 0, &n), ARC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(arc_random_elite(a, 0, 7, &id), ARC_NOTFOUND);
	assert_int_equal(arc_begin(a), ARC_OK);
	int64_t p1 = add_prog(a, "a", 0), p2 = add_prog(a, "b", 0);
	double x = 1.5;
	assert_int_equal(arc_insert_elite(a, 0, &x, p1, 1.0, 1, &out), ARC_OK);
	assert_int_equal(arc_elite_count(a, 0, &n), ARC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(arc_elite_count(a, -1, &n), ARC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(arc_commit(a), ARC_OK);
	assert_int_equal(arc_begin(a), ARC_OK);
	x = 7.5;
	assert_int_equal(arc_insert_elite(a, 0, &x, p2, 1.0, 1, &out), ARC_OK);
	assert_int_equal(arc_elite_count(a, 0, &n), ARC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(arc_rollback(a), ARC_OK);
	assert_int_equal(arc_elite_count(a, 0, &n), ARC_OK);
	assert_int_equal(n, 1);
	for (uint64_t r = 0; r < 8; r++) {
		assert_int_equal(arc_random_elite(a, 0, r, &id), ARC_OK);
		assert_int_equal(id, p1);
	}
	arc_close(&a);
}

/* A writer answers parent draws, counts and the MAP-Elites comparison from
 * its own table of each island's elites: after every kind of write
 * (new cell, better score, shorter source on a tie, worse score refused,
 * NaN refused, a rollback, a commit) its answers are the file's, as a
 * read-only handle (which always asks SQLite) gives them. */
static void test_elite_table_matches_file(void **state)
{
	char err[512] = "";
	struct arc *a = arc_open(path, ARC_CREATE | ARC_WRITER, err, sizeof err);
	assert_non_null(a);
	struct arc_dim d = { "x", 0, 20, 20 };
	assert_int_equal(arc_set_dims(a, &d, 1), ARC_OK);
	assert_int_equal(arc_begin(a), ARC_OK);
	int64_t ids[64];
	for (int i = 0; i < 64; i++) {
		char src[32];
		snprintf(src, sizeof src, "p%d", i);
		ids[i] = add_prog(a, src, i % 3);
	}
	assert_int_equal(arc_commit(a), ARC_OK);
	uint64_t st = 12345;
	for (int round = 0; round < 30; round++) {
		assert_int_equal(arc_begin(a), ARC_OK);
		for (int k = 0; k < 25; k++) {
			st = st * 6364136223846793005ull + 1442695040888963407ull;
			int island = (int)(st >> 60) % 3;
			double x = (double)((st >> 40) % 20);
			double score = (double)((st >> 20) % 7) - 1;
			if ((st >> 10) % 13 == 0)
				score = NAN;
			size_t len = (size_t)((st >> 5) % 4);
			int out, want;
			/* what the rule says, from the file */
			int64_t cell = arc_cell_of(&d, 1, &x), oid;
			double osc;
			int have = arc_elite_at(a, island, cell, &oid, &osc);
			want = isnan(score) ? ARC_NOT_ADDED : have == ARC_NOTFOUND ? ARC_NEW : ARC_NOT_ADDED;
			assert_int_equal(arc_insert_elite(a, island, &x, ids[(st >> 2) % 64], score, len, &out), ARC_OK);
			if (want == ARC_NEW)
				assert_int_equal(out, ARC_NEW);
			else if (isnan(score) || score < osc)
				assert_int_equal(out, ARC_NOT_ADDED);
			else if (score > osc)
				assert_int_equal(out, ARC_IMPROVED);
		}
		if (round % 4 == 3)
			assert_int_equal(arc_rollback(a), ARC_OK);
		else
			assert_int_equal(arc_commit(a), ARC_OK);
		struct arc *r = arc_open(path, ARC_READONLY, err, sizeof err);
		assert_non_null(r);
		for (int island = 0; island < 4; island++) {
			int64_t nw, nr;
			assert_int_equal(arc_elite_count(a, island, &nw), ARC_OK);
			assert_int_equal(arc_elite_count(r, island, &nr), ARC_OK);
			assert_int_equal(nw, nr);
			for (uint64_t k = 0; k < (uint64_t)nr + 3; k++) {
				int64_t iw = -1, ir = -2;
				int rw = arc_random_elite(a, island, k * 0x9e3779b97f4a7c15ull, &iw);
				int rr = arc_random_elite(r, island, k * 0x9e3779b97f4a7c15ull, &ir);
				assert_int_equal(rw, rr);
				if (rw == ARC_OK)
					assert_int_equal(iw, ir);
			}
		}
		int64_t nw, nr;
		assert_int_equal(arc_elite_count(a, -1, &nw), ARC_OK);
		assert_int_equal(arc_elite_count(r, -1, &nr), ARC_OK);
		assert_int_equal(nw, nr);
		arc_close(&r);
	}
	arc_close(&a);
}

/* Descriptors are stored as a JSON array of %.17g numbers (null for NaN
 * and Inf); integral ones are written without printf, to the same text. */
static void test_desc_json_text(void **state)
{
	static const double v[] = { 0, -0.0, 1, -1, 4, 40, 123456789, 999999999999999.0, 1e15, -1e15,
	                            1e16, 2.5, -0.125, 1e-300, 0.1, NAN, INFINITY, -INFINITY, 3.0000000000000004 };
	size_t nv = sizeof v / sizeof v[0];
	for (size_t i = 0; i < nv; i++)
		for (size_t j = 0; j < nv; j++) {
			double d[3] = { v[i], v[j], v[(i + j) % nv] };
			for (int k = 0; k <= 3; k++) {
				char got[ARC_MAX_DIMS * 28 + 4], want[256];
				arc_desc_json(got, sizeof got, d, k);
				size_t u = (size_t)snprintf(want, sizeof want, "[");
				for (int m = 0; m < k; m++)
					u += (size_t)(isfinite(d[m]) ? snprintf(want + u, sizeof want - u, "%s%.17g", m ? "," : "", d[m])
					                             : snprintf(want + u, sizeof want - u, "%snull", m ? "," : ""));
				snprintf(want + u, sizeof want - u, "]");
				assert_string_equal(got, want);
			}
		}
}

/* --- files ------------------------------------------------------------------------------------- */

static void write_file(const char *p, const void *data, size_t n)
{
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
}

static void expect_open_fails(int flags, const char *needle)
{
	char err[512] = "";
	struct arc *a = arc_open(path, flags, err, sizeof err);
	if (a)
		arc_close(&a);
	assert_null(a);
	assert_non_null(strstr(err, path));
	if (!strstr(err, needle))
		fail_msg("message '%s' lacks '%s'", err, needle);
}

static void test_missing_file(void **state)
{
	expect_open_fails(ARC_READONLY, "No such file");
	expect_open_fails(0, "No such file");
	expect_open_fails(ARC_READONLY | ARC_CREATE, "No such file");
	assert_int_equal(access(path, F_OK), -1); /* browsing never creates */
	char err[64];
	assert_null(arc_open("", ARC_CREATE, err, sizeof err));
	snprintf(path, sizeof path, "%s", dir);
	expect_open_fails(ARC_READONLY, "not a regular file");
}

static void test_garbage_file(void **state)
{
	char junk[4096];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (char)(i * 7 + 3);
	write_file(path, junk, sizeof junk);
	expect_open_fails(ARC_READONLY, "not a database");
	expect_open_fails(ARC_CREATE, "not a database");
}

static void test_corrupt_archive(void **state)
{
	/* A real archive with its pages overwritten past the header. */
	struct arc *a = fresh();
	int64_t last = 0;
	assert_int_equal(arc_begin(a), ARC_OK);
	assert_int_equal(gen_campaign(a, 1), ARC_OK);
	assert_int_equal(gen_attempts(a, 1, 1, 500, 0, &last, NULL, NULL), ARC_OK);
	assert_int_equal(arc_commit(a), ARC_OK);
	arc_close(&a);
	FILE *f = fopen(path, "r+b");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 4096, SEEK_SET); /* page 2 onward: every table's pages */
	char junk[4096];
	memset(junk, 0xA5, sizeof junk);
	for (long off = 4096; off < size; off += 4096)
		assert_int_equal(fwrite(junk, 1, sizeof junk, f), sizeof junk);
	fclose(f);
	char err[512] = "";
	a = arc_open(path, ARC_READONLY, err, sizeof err);
	if (!a) {
		assert_non_null(strstr(err, path));
		return;
	}
	/* Opening may succeed (the header is intact); queries must fail cleanly. */
	struct arc_stats st;
	int rc = arc_stats(a, -1, &st);
	assert_int_equal(rc, ARC_ERR);
	assert_non_null(strstr(arc_errmsg(a), path));
	arc_close(&a);
}

static void test_truncated_header(void **state)
{
	write_file(path, "SQLite format 3", 15);
	expect_open_fails(ARC_READONLY, path);
}

static void test_foreign_sqlite(void **state)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE songs(title TEXT)", NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	expect_open_fails(ARC_READONLY, "not a disco archive");
	expect_open_fails(ARC_CREATE, "not a disco archive"); /* never adopted */

	snprintf(path, sizeof path, "%s/t%d.db", dir, counter++);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA application_id=1234; CREATE TABLE x(y)",
	                              NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	expect_open_fails(ARC_READONLY, "application_id 0x4d2");

	/* an empty (0-byte) file: created with ARC_CREATE, refused for browsing */
	snprintf(path, sizeof path, "%s/t%d.db", dir, counter++);
	write_file(path, "", 0);
	expect_open_fails(ARC_READONLY, "empty database");
	struct arc *a = fresh();
	arc_close(&a);
}

static void test_schema_versions(void **state)
{
	struct arc *a = fresh();
	arc_close(&a);
	sqlite3 *db;
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_prepare_v2(db, "PRAGMA application_id", -1, &s, NULL);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), ARC_APPLICATION_ID);
	sqlite3_finalize(s);
	sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_prepare_v2(db, "SELECT count(*) FROM events WHERE kind='migration'", -1, &s, NULL);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), ARC_SCHEMA_VERSION);
	sqlite3_finalize(s);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	expect_open_fails(ARC_READONLY, "newer");
	expect_open_fails(ARC_CREATE, "newer");
}

/* sqlite3_exec on path; returns its result code. */
static int sql_on(const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static int64_t int_on(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* 2 -> 3 respells the attempts' outcome check (IN -> = ... OR): an archive
 * written by schema 2 is migrated when opened for writing, keeps its rows,
 * passes integrity_check and still refuses an unknown outcome; read-only,
 * schema 2 opens as it is. */
static void test_migration_2_to_3(void **state)
{
	struct arc *a = fresh();
	int64_t p = add_prog(a, "double f(double x) { return x; }", 0);
	struct arc_attempt t = { .seq = 1, .program_id = p, .status = "ok", .outcome = ARC_NEW,
	                         .compile_ms = NAN, .run_ms = NAN, .score_ms = NAN, .total_ms = NAN };
	assert_int_equal(arc_add_attempt(a, &t, NULL), ARC_OK);
	arc_close(&a);
	/* back to what schema 2 wrote */
	int64_t cookie = int_on("PRAGMA schema_version");
	char sql[1024];
	snprintf(sql, sizeof sql,
	         "PRAGMA writable_schema=ON;"
	         "UPDATE sqlite_schema SET sql=replace(sql, 'CHECK (outcome = ''NEW'' OR outcome = ''IMPROVED''"
	         " OR outcome = ''NOT_ADDED'' OR outcome = ''DUPLICATE'')',"
	         " 'CHECK (outcome IN (''NEW'',''IMPROVED'',''NOT_ADDED'',''DUPLICATE''))') WHERE name='attempts';"
	         "PRAGMA writable_schema=OFF; PRAGMA schema_version=%lld; PRAGMA user_version=2;"
	         "DELETE FROM events WHERE kind='migration' AND detail LIKE '%%\"to\":3%%';",
	         (long long)cookie + 1);
	assert_int_equal(sql_on(sql), SQLITE_OK);
	assert_int_equal(int_on("SELECT count(*) FROM sqlite_schema WHERE name='attempts' AND sql LIKE"
	                        " '%outcome IN (''NEW'',''IMPROVED'',''NOT_ADDED'',''DUPLICATE'')%'"), 1);
	/* read-only: opened as it is, not migrated */
	char err[512] = "";
	a = arc_open(path, ARC_READONLY, err, sizeof err);
	assert_non_null(a);
	int64_t n = 0;
	assert_int_equal(arc_attempt_count(a, &n), ARC_OK);
	assert_int_equal(n, 1);
	arc_close(&a);
	assert_int_equal(int_on("PRAGMA user_version"), 2);
	/* for writing: migrated */
	a = fresh();
	arc_close(&a);
	assert_int_equal(int_on("PRAGMA user_version"), ARC_SCHEMA_VERSION);
	assert_int_equal(int_on("SELECT count(*) FROM sqlite_schema WHERE name='attempts' AND sql LIKE '%outcome IN%'"), 0);
	assert_int_equal(int_on("SELECT count(*) FROM events WHERE kind='migration'"), ARC_SCHEMA_VERSION);
	assert_int_equal(int_on("SELECT count(*) FROM attempts WHERE program_id IS NOT NULL"), 1);
	assert_int_equal(int_on("SELECT count(*) FROM pragma_integrity_check WHERE integrity_check='ok'"), 1);
	/* the check itself: every outcome name, and nothing else */
	assert_int_equal(sql_on("INSERT INTO attempts(seq, status, outcome, island, stage, created)"
	                        " VALUES(2,'ok','NEW',0,0,0),(3,'ok','IMPROVED',0,0,0),"
	                        "(4,'ok','NOT_ADDED',0,0,0),(5,'ok','DUPLICATE',0,0,0)"), SQLITE_OK);
	assert_int_equal(sql_on("INSERT INTO attempts(seq, status, outcome, island, stage, created)"
	                        " VALUES(6,'ok','new',0,0,0)"), SQLITE_CONSTRAINT);
	assert_int_equal(sql_on("INSERT INTO attempts(seq, status, outcome, island, stage, created)"
	                        " VALUES(7,'ok','NEW ',0,0,0)"), SQLITE_CONSTRAINT);
	/* schema 1 is still refused read-only (2 added columns) */
	assert_int_equal(sql_on("PRAGMA user_version=1"), SQLITE_OK);
	expect_open_fails(ARC_READONLY, "older");
}

static void test_readonly_refuses_writes(void **state)
{
	struct arc *a = fresh();
	add_prog(a, "x", 0);
	arc_close(&a);
	char err[512];
	a = arc_open(path, ARC_READONLY, err, sizeof err);
	assert_non_null(a);
	struct arc_program p = {0};
	p.source = "y";
	assert_int_equal(arc_add_program(a, &p, NULL), ARC_ERR);
	assert_non_null(strstr(arc_errmsg(a), "readonly"));
	struct arc_stats st;
	assert_int_equal(arc_stats(a, -1, &st), ARC_OK);
	assert_int_equal(st.programs, 1);
	arc_close(&a);
}


/* --- the query module ----------------------------------------------------------------- */

static void test_utf8_repair(void **state)
{
	static const struct { const char *in; size_t n; const char *out; } cases[] = {
		{ "plain", 5, "plain" },
		{ "caf\xc3\xa9", 5, "caf\xc3\xa9" },
		{ "a\xff" "b", 3, "a\xef\xbf\xbd" "b" },
		{ "\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd" },           /* overlong '/' */
		{ "\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* surrogate */
		{ "\xf4\x90\x80\x80", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "x\xe2\x82", 3, "x\xef\xbf\xbd\xef\xbf\xbd" },          /* truncated */
		{ "a\0b", 3, "a\xef\xbf\xbd" "b" },
		{ "\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *r = arc_utf8(cases[i].in, cases[i].n);
		assert_non_null(r);
		assert_string_equal(r, cases[i].out);
		assert_true(arc_utf8_valid(r, strlen(r)));
		free(r);
	}
	assert_false(arc_utf8_valid("\xff", 1));
}

/* Hostile text stored in the archive comes back valid UTF-8 from every
 * query. */
static void test_queries_repair_text(void **state)
{
	struct arc *a = fresh();
	const char *src = "double f(double x) { return x; } /* \xff\xfe </script> */";
	int64_t id = add_prog(a, src, 0);
	struct arc_attempt t = { .seq = 1, .program_id = id, .status = "ok",
	                         .message = "bad \xc3 byte", .mutator = "seed" };
	assert_int_equal(arc_add_attempt(a, &t, NULL), ARC_OK);
	assert_int_equal(arc_add_evaluation(a, id, 1.0, NULL, NULL, 0, 0, 0, NULL), ARC_OK);
	struct arc_detail d;
	assert_int_equal(arc_q_program(a, id, &d), ARC_OK);
	assert_true(arc_utf8_valid(d.prog.source, strlen(d.prog.source)));
	assert_non_null(strstr(d.prog.source, "\xef\xbf\xbd\xef\xbf\xbd </script>"));
	assert_int_equal(d.natt, 1);
	assert_string_equal(d.att[0].message, "bad \xef\xbf\xbd byte");
	arc_detail_clear(&d);
	arc_detail_clear(&d); /* twice is fine */
	struct arc_export *x;
	struct arc_value v[32];
	assert_int_equal(arc_export_open(a, "programs", &x), ARC_OK);
	assert_int_equal(arc_export_next(x, v), 1);
	int texts = 0;
	for (int i = 0; i < arc_export_ncol(x); i++)
		if (v[i].type == ARC_V_TEXT) {
			texts++;
			assert_true(arc_utf8_valid(v[i].s, strlen(v[i].s)));
		}
	assert_true(texts >= 2);
	assert_int_equal(arc_export_next(x, v), 0);
	arc_export_close(&x);
	assert_null(x);
	assert_int_equal(arc_export_open(a, "sqlite_master", &x), ARC_NOTFOUND);
	assert_non_null(strstr(arc_errmsg(a), "unknown table 'sqlite_master'"));
	arc_close(&a);
}

/* QD-score with negative scores: the offset keeps every elite's share
 * non-negative, so filling a new cell never lowers it. */
static void test_qd_offset_negative_scores(void **state)
{
	struct arc *a = fresh();
	struct arc_dim d = { "x", 0, 10, 10 };
	assert_int_equal(arc_set_dims(a, &d, 1), ARC_OK);
	double prev = -INFINITY;
	const double scores[] = { -5, -8, -2, -9.5, -1 };
	for (int i = 0; i < 5; i++) {
		char src[32];
		snprintf(src, sizeof src, "p%d", i);
		int64_t id = add_prog(a, src, 0);
		double desc = i + 0.5;
		int out;
		assert_int_equal(arc_add_evaluation(a, id, scores[i], NULL, &desc, 1, 0, 0, NULL), ARC_OK);
		assert_int_equal(arc_insert_elite(a, 0, &desc, id, scores[i], strlen(src), &out), ARC_OK);
		assert_int_equal(out, ARC_NEW);
		struct arc_stats st;
		assert_int_equal(arc_stats(a, -1, &st), ARC_OK);
		/* the offset is the lowest score so far: never above any elite */
		assert_true(st.qd_offset <= scores[i]);
		double sum = 0;
		for (int k = 0; k <= i; k++)
			sum += scores[k] - st.qd_offset;
		assert_true(fabs(st.qd_score - sum) < 1e-9);
		assert_true(st.qd_score >= 0);
		(void)prev;
		prev = st.qd_score;
	}
	/* replayed over attempts, the curve never falls */
	arc_close(&a);
	setup(state); /* a new file */
	a = fresh();
	assert_int_equal(arc_set_dims(a, &d, 1), ARC_OK);
	for (int i = 0; i < 5; i++) {
		char src[32];
		snprintf(src, sizeof src, "q%d", i);
		int64_t id = add_prog(a, src, 0);
		double desc = i + 0.5;
		int out;
		assert_int_equal(arc_add_evaluation(a, id, scores[i], NULL, &desc, 1, 0, 0, NULL), ARC_OK);
		assert_int_equal(arc_insert_elite(a, 0, &desc, id, scores[i], strlen(src), &out), ARC_OK);
		struct arc_attempt t = { .seq = i + 1, .program_id = id, .status = "ok",
		                         .outcome = out, .mutator = "m" };
		assert_int_equal(arc_add_attempt(a, &t, NULL), ARC_OK);
	}
	struct arc_series s;
	assert_int_equal(arc_q_series(a, 100, &s), ARC_OK);
	assert_int_equal(s.nb, 5);
	assert_true(s.qd_offset == -9.5);
	for (int b = 1; b < s.nb; b++)
		assert_true(s.qd[b] >= s.qd[b - 1]);
	struct arc_stats st;
	assert_int_equal(arc_stats(a, -1, &st), ARC_OK);
	assert_true(fabs(s.qd[s.nb - 1] - st.qd_score) < 1e-9);
	assert_true(fabs(s.coverage[s.nb - 1] - st.coverage) < 1e-12);
	assert_true(s.best[s.nb - 1] == st.best_score);
	arc_series_clear(&s);
	arc_close(&a);
}

/* The time series of a generated campaign ends where the archive is, counts
 * add up, and best and coverage never fall. */
static void test_series_and_front(void **state)
{
	struct arc *a = fresh();
	int64_t last = 0;
	assert_int_equal(arc_begin(a), ARC_OK);
	assert_int_equal(gen_campaign(a, 3), ARC_OK);
	assert_int_equal(gen_attempts(a, 3, 1, 5000, 500, &last, NULL, NULL), ARC_OK);
	assert_int_equal(arc_commit(a), ARC_OK);
	struct arc_series s;
	struct arc_stats st;
	assert_int_equal(arc_q_series(a, 37, &s), ARC_OK);
	assert_int_equal(arc_stats(a, -1, &st), ARC_OK);
	assert_int_equal(s.nb, 37);
	assert_int_equal(s.end_seq[s.nb - 1], 5000);
	int64_t total = 0, per_status[ARC_NSTATUS] = { 0 }, mut_total = 0, imp = 0;
	for (int b = 0; b < s.nb; b++) {
		for (int k = 0; k < ARC_NSTATUS; k++) {
			total += s.status[b * ARC_NSTATUS + k];
			per_status[k] += s.status[b * ARC_NSTATUS + k];
		}
		for (int m = 0; m < s.nmut; m++) {
			mut_total += s.mut_attempts[b * s.nmut + m];
			imp += s.mut_improved[b * s.nmut + m];
		}
		if (b) {
			assert_true(s.best[b] >= s.best[b - 1]);
			assert_true(s.coverage[b] >= s.coverage[b - 1]);
			assert_true(s.qd[b] >= s.qd[b - 1] - 1e-9);
		}
	}
	assert_int_equal(total, 5000);
	assert_int_equal(mut_total, 5000);
	assert_int_equal(imp, st.by_outcome[ARC_NEW] + st.by_outcome[ARC_IMPROVED]);
	for (int k = 0; k < ARC_NSTATUS; k++)
		assert_int_equal(per_status[k], st.by_status[k]);
	assert_int_equal(s.nmut, 3); /* seed, symbolic, llm */
	/* (the generator puts seeds on one island, the engine and the replay on
	 * every island: only the best score must agree here; test_series_islands
	 * checks the end state) */
	assert_true(s.best[s.nb - 1] == st.best_score);
	arc_series_clear(&s);

	/* the front: best train score per value of "ops", from SQL independently */
	struct arc_front_row *fr;
	int nfr;
	assert_int_equal(arc_front(a, 1, &fr, &nfr), ARC_OK);
	sqlite3 *db;
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT json_extract(descriptors, '$[1]') v, max(score),"
	                                    " count(DISTINCT program_id) FROM evaluations WHERE split=0"
	                                    " GROUP BY v ORDER BY v", -1, &q, NULL), SQLITE_OK);
	int rows = 0;
	double run = -INFINITY;
	while (sqlite3_step(q) == SQLITE_ROW) {
		assert_true(rows < nfr);
		assert_true(fr[rows].value == sqlite3_column_double(q, 0));
		assert_true(fr[rows].score == sqlite3_column_double(q, 1));
		assert_int_equal(fr[rows].programs, sqlite3_column_int64(q, 2));
		assert_int_equal(fr[rows].dominated, !(fr[rows].score > run));
		run = fmax(run, fr[rows].score);
		rows++;
	}
	assert_int_equal(rows, nfr);
	assert_true(rows > 10);
	sqlite3_finalize(q);
	sqlite3_close(db);
	free(fr);
	arc_close(&a);
}


/* Seeds fill their cell on every island, other programs on their own: the
 * replay ends at the archive's state. */
static void test_series_islands(void **state)
{
	struct arc *a = fresh();
	struct arc_dim d = { "x", 0, 4, 4 };
	assert_int_equal(arc_set_dims(a, &d, 1), ARC_OK);
	assert_int_equal(arc_set_islands(a, 3), ARC_OK);
	struct { const char *mut; int island; double x, score; } p[] = {
		{ "seed", 0, 0.5, 1 }, { "seed", 0, 2.5, 2 }, { "llm", 1, 0.5, 3 },
		{ "llm", 2, 3.5, 0.5 }, { "sym", 2, 3.5, 0.25 }, { "sym", 0, 1.5, 7 },
	};
	for (int i = 0; i < 6; i++) {
		char src[16];
		snprintf(src, sizeof src, "s%d", i);
		int64_t id = add_prog(a, src, p[i].island);
		int out = ARC_NOT_ADDED, o2;
		assert_int_equal(arc_add_evaluation(a, id, p[i].score, NULL, &p[i].x, 1, 0, 0, NULL), ARC_OK);
		assert_int_equal(arc_insert_elite(a, p[i].island, &p[i].x, id, p[i].score, 2, &out), ARC_OK);
		for (int k = 0; k < 3 && !strcmp(p[i].mut, "seed"); k++)
			if (k != p[i].island)
				assert_int_equal(arc_insert_elite(a, k, &p[i].x, id, p[i].score, 2, &o2), ARC_OK);
		struct arc_attempt t = { .seq = i + 1, .program_id = id, .status = "ok",
		                         .outcome = out, .mutator = p[i].mut, .island = p[i].island };
		assert_int_equal(arc_add_attempt(a, &t, NULL), ARC_OK);
	}
	struct arc_series s;
	struct arc_stats st;
	assert_int_equal(arc_q_series(a, 3, &s), ARC_OK);
	assert_int_equal(arc_stats(a, -1, &st), ARC_OK);
	assert_int_equal(st.occupied, 8);
	assert_int_equal(s.nb, 3);
	assert_true(fabs(s.coverage[0] - 6.0 / 12) < 1e-12); /* two seeds x three islands */
	assert_true(fabs(s.coverage[2] - st.coverage) < 1e-12);
	assert_true(fabs(s.qd[2] - st.qd_score) < 1e-9);
	assert_true(s.best[2] == 7);
	assert_int_equal(s.nmut, 3);
	assert_string_equal(s.mut[0], "seed");
	arc_series_clear(&s);
	arc_close(&a);
}

/* top: best first, ties by lower id, each program once. */
static void test_top_ties_and_islands(void **state)
{
	struct arc *a = fresh();
	const double sc[] = { 3, 5, 5, 1, 5, 4 };
	int64_t ids[6];
	for (int i = 0; i < 6; i++) {
		char src[16];
		snprintf(src, sizeof src, "t%d", i);
		ids[i] = add_prog(a, src, i % 2);
		assert_int_equal(arc_add_evaluation(a, ids[i], sc[i], NULL, NULL, 0, 0, 0, NULL), ARC_OK);
		/* a second, worse train evaluation must not list it twice */
		assert_int_equal(arc_add_evaluation(a, ids[i], sc[i] - 10, NULL, NULL, 0, 1, 0, NULL), ARC_OK);
	}
	struct arc_prog_list l;
	assert_int_equal(arc_q_top(a, -1, 2, &l), ARC_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.row[0].id, ids[1]);
	assert_int_equal(l.row[1].id, ids[2]);
	arc_prog_list_clear(&l);
	assert_int_equal(arc_q_top(a, -1, 0, &l), ARC_OK);
	assert_int_equal(l.n, 6);
	assert_true(l.row[2].id == ids[4] && l.row[3].id == ids[5] && l.row[5].id == ids[3]);
	arc_prog_list_clear(&l);
	assert_int_equal(arc_q_top(a, 1, 0, &l), ARC_OK);
	assert_int_equal(l.n, 3);
	for (size_t i = 0; i < l.n; i++)
		assert_int_equal(l.row[i].island, 1);
	arc_prog_list_clear(&l);
	/* islands: two seen; 2 and beyond do not exist */
	int n;
	assert_int_equal(arc_q_islands(a, &n), ARC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(arc_q_check_island(a, 1), ARC_OK);
	assert_int_equal(arc_q_check_island(a, 99), ARC_NOTFOUND);
	assert_non_null(strstr(arc_errmsg(a), "no island 99: this campaign has 2 islands, 0 to 1"));
	assert_int_equal(arc_set_islands(a, 4), ARC_OK);
	assert_int_equal(arc_q_check_island(a, 3), ARC_OK);
	/* lineage of a program without parent: itself */
	struct arc_step *st;
	size_t ns;
	assert_int_equal(arc_q_lineage(a, ids[3], &st, &ns), ARC_OK);
	assert_int_equal(ns, 1);
	assert_true(st[0].score == 1);
	free(st);
	assert_int_equal(arc_q_lineage(a, 999, &st, &ns), ARC_NOTFOUND);
	arc_close(&a);
}

/* The whole is never smaller than its parts. */
static void test_attempt_total_time(void **state)
{
	struct arc *a = fresh();
	struct arc_attempt t = { .seq = 1, .status = "timeout", .compile_ms = 2, .run_ms = 5,
	                         .score_ms = 1, .total_ms = 6 };
	assert_int_equal(arc_add_attempt(a, &t, NULL), ARC_OK);
	t.seq = 2;
	t.total_ms = 20;
	assert_int_equal(arc_add_attempt(a, &t, NULL), ARC_OK);
	sqlite3 *db;
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT total_ms FROM attempts ORDER BY seq", -1,
	                                    &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_true(sqlite3_column_double(q, 0) == 8);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_true(sqlite3_column_double(q, 0) == 20);
	sqlite3_finalize(q);
	sqlite3_close(db);
	arc_close(&a);
}


/* The report of an archive holding hostile text: everything from the
 * archive arrives escaped, one script (ours), valid UTF-8. */
static void test_report_escapes(void **state)
{
	struct arc *a = fresh();
	struct arc_dim d = { "x<y>", 0, 10, 5 };
	assert_int_equal(arc_campaign_create(a, "{\"evaluator\":\"e</title><script>x()</script>\"}", 1, NULL), ARC_OK);
	assert_int_equal(arc_set_dims(a, &d, 1), ARC_OK);
	const char *src = "/* </script><img src=x onerror=alert(1)> \x1b[2J \xff */\ndouble f(double x) { return x; }\n";
	int64_t id = add_prog(a, src, 0);
	double desc = 3;
	int out;
	assert_int_equal(arc_add_evaluation(a, id, 2.5, "{\"m\":\"<b>\"}", &desc, 1, 0, 0, NULL), ARC_OK);
	assert_int_equal(arc_insert_elite(a, 0, &desc, id, 2.5, strlen(src), &out), ARC_OK);
	struct arc_attempt t = { .seq = 1, .program_id = id, .status = "ok", .outcome = out,
	                         .mutator = "seed", .message = "<svg onload=alert(2)>" };
	assert_int_equal(arc_add_attempt(a, &t, NULL), ARC_OK);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	char err[256];
	assert_int_equal(rpt_write(a, f, NULL, err, sizeof err), 0);
	fclose(f);
	assert_true(arc_utf8_valid(buf, len));
	int scripts = 0;
	for (const char *p = buf; (p = strstr(p, "<script")); p++)
		scripts++;
	assert_int_equal(scripts, 1);
	assert_null(strstr(buf, "<img"));
	assert_null(strstr(buf, "<svg onload"));
	assert_null(strstr(buf, "<b>"));
	assert_null(strstr(buf, "\x1b"));
	assert_non_null(strstr(buf, "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; \\x1b[2J \xef\xbf\xbd"));
	assert_non_null(strstr(buf, "e&lt;/title&gt;&lt;script&gt;x()&lt;/script&gt;"));
	assert_non_null(strstr(buf, "x&lt;y&gt;"));
	assert_non_null(strstr(buf, "&lt;svg onload=alert(2)&gt;"));
	/* one cell per bin of the single row, one of them the elite */
	int cells = 0, full = 0;
	for (const char *p = buf; (p = strstr(p, "<rect class=\"")); p++) {
		cells += p[13] == 'c' || p[13] == 'e';
		full += p[13] == 'c';
	}
	assert_int_equal(cells, 5);
	assert_int_equal(full, 1);
	free(buf);
	arc_close(&a);
	/* a bad output path: an error naming it, nothing left behind */
	char html[700];
	snprintf(html, sizeof html, "%s/no/such/dir/r.html", dir);
	assert_int_equal(rpt_write_file(path, html, err, sizeof err), -1);
	assert_non_null(strstr(err, "no/such/dir/r.html"));
}

/* --- CLI argument errors (output checked by tests/e2e/t0400) ---------------------------- */

static int run_cli(int n, ...)
{
	char *argv[8];
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[n] = NULL;
	/* silence the command's stdout/stderr, then restore them */
	fflush(stdout);
	fflush(stderr);
	int out = dup(1), err = dup(2), null = open("/dev/null", O_WRONLY);
	dup2(null, 1);
	dup2(null, 2);
	int rc = cmd_archive(n, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(out, 1);
	dup2(err, 2);
	close(out);
	close(err);
	close(null);
	return rc;
}

static void test_cli_exit_codes(void **state)
{
	struct arc *a = fresh();
	add_prog(a, "x", 0);
	arc_close(&a);
	assert_int_equal(run_cli(2, "archive", "frobnicate"), 2);
	assert_int_equal(run_cli(1, "archive"), 2);
	assert_int_equal(run_cli(4, "archive", "list", "--db", path), 0);
	assert_int_equal(run_cli(5, "archive", "list", "--db", path, "--bogus"), 2);
	assert_int_equal(run_cli(2, "archive", "list"), 2); /* no --db */
	assert_int_equal(run_cli(4, "archive", "show", "--db", path), 2); /* no ID */
	assert_int_equal(run_cli(5, "archive", "show", "abc", "--db", path), 2);
	assert_int_equal(run_cli(5, "archive", "show", "77", "--db", path), 1);
	assert_int_equal(run_cli(4, "archive", "list", "--db", "/nonexistent/x.db"), 1);
	assert_int_equal(run_cli(6, "archive", "list", "--db", path, "--limit", "-3"), 2);
	assert_int_equal(run_cli(6, "archive", "export", "--db", path, "--format", "xml"), 2);
	assert_int_equal(run_cli(5, "archive", "export", "--db", path, "--json"), 2);
	assert_int_equal(run_cli(6, "archive", "list", "--db", path, "--island", "99"), 1);
	assert_int_equal(run_cli(6, "archive", "list", "--db", path, "--island", "0"), 0);
}

int main(void)
{
	snprintf(dir, sizeof dir, "%s/disco-arc-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_bin_clamps_and_nan, setup),
		cmocka_unit_test_setup(test_cell_row_major, setup),
		cmocka_unit_test_setup(test_elite_rules, setup),
		cmocka_unit_test_setup(test_random_elite_uniform_and_deterministic, setup),
		cmocka_unit_test_setup(test_counts_agree, setup),
		cmocka_unit_test_setup(test_empty_stats, setup),
		cmocka_unit_test_setup(test_campaign_and_program_roundtrip, setup),
		cmocka_unit_test_setup(test_bad_input, setup),
		cmocka_unit_test_setup(test_transactions, setup),
		cmocka_unit_test_setup(test_elite_count_cache, setup),
		cmocka_unit_test_setup(test_missing_file, setup),
		cmocka_unit_test_setup(test_garbage_file, setup),
		cmocka_unit_test_setup(test_corrupt_archive, setup),
		cmocka_unit_test_setup(test_truncated_header, setup),
		cmocka_unit_test_setup(test_foreign_sqlite, setup),
		cmocka_unit_test_setup(test_schema_versions, setup),
		cmocka_unit_test_setup(test_migration_2_to_3, setup),
		cmocka_unit_test_setup(test_elite_table_matches_file, setup),
		cmocka_unit_test(test_desc_json_text),
		cmocka_unit_test_setup(test_readonly_refuses_writes, setup),
		cmocka_unit_test_setup(test_cli_exit_codes, setup),
		cmocka_unit_test_setup(test_utf8_repair, setup),
		cmocka_unit_test_setup(test_queries_repair_text, setup),
		cmocka_unit_test_setup(test_qd_offset_negative_scores, setup),
		cmocka_unit_test_setup(test_series_and_front, setup),
		cmocka_unit_test_setup(test_series_islands, setup),
		cmocka_unit_test_setup(test_top_ties_and_islands, setup),
		cmocka_unit_test_setup(test_attempt_total_time, setup),
		cmocka_unit_test_setup(test_report_escapes, setup),
	};
	int rc = cmocka_run_group_tests_name("archive", tests, NULL, NULL);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = rc ? rc : 1;
	return rc;
}
