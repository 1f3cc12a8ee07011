/*
 * test_config.c - the campaign file (engine/config.c): defaults, the example
 * campaigns, one message per problem (wrong type, out of range, unknown
 * field with a suggestion, bad JSON with line and column, missing file) and
 * the exact to_json -> parse -> to_json round trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/config.h"

/* examples/ relative to the repository root, found from this file's path
 * so the test runs from any directory make uses. */
static void example(char *buf, size_t n, const char *name)
{
	const char *me = __FILE__;
	const char *tail = strstr(me, "tests/unit/test_config.c");
	snprintf(buf, n, "%.*sexamples/%s", tail ? (int)(tail - me) : 0, me, name);
}

static int nlines(const char *s)
{
	int n = *s != '\0';
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Parse json over defaults; expect failure with exactly `lines` messages,
 * the first containing want. */
static void bad(const char *json, int lines, const char *want)
{
	struct campaign c, before;
	char err[CFG_ERR_MAX];
	cfg_default(&c);
	before = c;
	int rc = cfg_parse(&c, json, "camp.json", err, sizeof err);
	if (rc != -1 || !strstr(err, want) || nlines(err) != lines)
		print_message("input: %s\nmessages:\n%s\nwanted %d line(s) with: %s\n", json, err, lines,
		              want);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, want));
	assert_int_equal(nlines(err), lines);
	assert_memory_equal(&c, &before, sizeof c); /* unchanged on failure */
	/* every line names the file */
	for (const char *p = err; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		assert_int_equal(strncmp(p, "camp.json: ", 11), 0);
}

static void test_defaults(void **state)
{
	struct campaign c;
	cfg_default(&c);
	assert_int_equal(c.evaluator.kind, CFG_EV_BUILTIN);
	assert_string_equal(c.evaluator.text, "optim");
	assert_int_equal(c.nmutators, 1);
	assert_string_equal(c.mutators[0].name, "symbolic");
	assert_true(c.mutators[0].weight == 1);
	assert_int_equal(c.ndims, 0);
	assert_int_equal(c.islands.count, 2);
	assert_int_equal(c.islands.migration_interval, 500);
	assert_int_equal(c.islands.migrants, 2);
	assert_int_equal(c.selection, CFG_SEL_UNIFORM);
	assert_int_equal(c.inspirations, 2);
	assert_int_equal(c.budget.evaluations, 2000);
	assert_true(c.budget.wall_seconds == 0 && c.budget.cost_usd == 0);
	assert_int_equal(c.budget.llm_calls, 0);
	assert_int_equal(c.budget.tokens, 0);
	assert_int_equal(c.sandbox.timeout_ms, 2000);
	assert_int_equal(c.sandbox.memory_mb, 256);
	assert_int_equal(c.sandbox.max_source_bytes, 65536);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	assert_int_equal(c.workers, cpus < 1 ? 1 : cpus > 256 ? 256 : cpus);
	assert_int_equal(c.seed, 1);
	assert_string_equal(c.db, "disco.db");
	assert_true(c.hash.tolerance == 1e-15);
	assert_int_equal(c.hash.remeasure_after, 5);
	char err[CFG_ERR_MAX];
	assert_int_equal(cfg_validate(&c, "defaults", err, sizeof err), 0);
	/* "{}" and whitespace around it change nothing */
	struct campaign d;
	cfg_default(&d);
	assert_int_equal(cfg_parse(&d, " \n{ }\n", "empty.json", err, sizeof err), 0);
	assert_memory_equal(&c, &d, sizeof c);
	assert_int_equal(cfg_parse(&d, "\xEF\xBB\xBF{}", "bom.json", err, sizeof err), 0);
	assert_string_equal(cfg_selection_name(CFG_SEL_CURIOSITY), "curiosity");
	assert_int_equal(cfg_selection_parse("score"), CFG_SEL_SCORE);
	assert_int_equal(cfg_selection_parse("best"), -1);
}

static void test_examples(void **state)
{
	char path[1024], err[CFG_ERR_MAX];
	struct campaign c;

	example(path, sizeof path, "minimal.json");
	cfg_default(&c);
	assert_int_equal(cfg_load_file(&c, path, err, sizeof err), 0);
	assert_string_equal(c.evaluator.text, "expapprox");
	assert_int_equal(c.budget.evaluations, 500);
	assert_int_equal(c.islands.count, 2); /* default kept */

	example(path, sizeof path, "expapprox.json");
	cfg_default(&c);
	assert_int_equal(cfg_load_file(&c, path, err, sizeof err), 0);
	assert_int_equal(c.ndims, 1);
	assert_string_equal(c.dims[0].descriptor, "ops");
	assert_int_equal(c.dims[0].bins, 20);
	assert_int_equal(c.selection, CFG_SEL_CURIOSITY);
	assert_int_equal(c.seed, 42);
	assert_string_equal(c.db, "expapprox.db");
	assert_int_equal(c.sandbox.timeout_ms, 1000);

	example(path, sizeof path, "optim.json");
	cfg_default(&c);
	assert_int_equal(cfg_load_file(&c, path, err, sizeof err), 0);
	assert_string_equal(c.evaluator.text, "optim");
	assert_int_equal(c.ndims, 2);
	assert_string_equal(c.dims[1].descriptor, "ops");
	assert_true(c.dims[1].hi == 60);
	assert_int_equal(c.islands.count, 4);
	assert_int_equal(c.budget.evaluations, 20000);
	assert_true(c.budget.wall_seconds == 3600);
	assert_int_equal(c.selection, CFG_SEL_SCORE);
}

static void test_full_file(void **state)
{
	const char *json =
		"{\n"
		"  \"description\": \"everything set\",\n"
		"  \"evaluator\": {\"command\": \"python3 my_eval.py --fast\"},\n"
		"  \"mutators\": [\"literal\", {\"name\": \"llm\", \"weight\": 0.25}],\n"
		"  \"dims\": [{\"descriptor\": \"ops\", \"lo\": -1.5, \"hi\": 40, \"bins\": 8},\n"
		"           {\"descriptor\": \"slots\", \"lo\": 0, \"hi\": 4, \"bins\": 5}],\n"
		"  \"islands\": {\"count\": 3, \"migration_interval\": 0, \"migrants\": 0},\n"
		"  \"selection\": \"score\", \"inspirations\": 0,\n"
		"  \"budget\": {\"evaluations\": 0, \"wall_seconds\": 90.5, \"llm_calls\": 100,\n"
		"             \"tokens\": 1000000, \"cost_usd\": 2.5},\n"
		"  \"sandbox\": {\"timeout_ms\": 500, \"memory_mb\": 64, \"max_source_bytes\": 4096},\n"
		"  \"workers\": 3, \"seed\": \"18446744073709551615\", \"db\": \"/srv/x y.db\",\n"
		"  \"hash\": {\"tolerance\": 0, \"remeasure_after\": 0}\n"
		"}\n";
	struct campaign c;
	char err[CFG_ERR_MAX];
	cfg_default(&c);
	assert_int_equal(cfg_parse(&c, json, "full.json", err, sizeof err), 0);
	assert_string_equal(c.description, "everything set");
	assert_int_equal(c.evaluator.kind, CFG_EV_COMMAND);
	assert_string_equal(c.evaluator.text, "python3 my_eval.py --fast");
	assert_int_equal(c.nmutators, 2);
	assert_true(c.mutators[0].weight == 1 && c.mutators[1].weight == 0.25);
	assert_string_equal(c.mutators[1].name, "llm");
	assert_int_equal(c.ndims, 2);
	assert_true(c.dims[0].lo == -1.5);
	assert_int_equal(c.islands.count, 3);
	assert_int_equal(c.islands.migration_interval, 0);
	assert_int_equal(c.inspirations, 0);
	assert_int_equal(c.budget.evaluations, 0);
	assert_true(c.budget.wall_seconds == 90.5);
	assert_int_equal(c.budget.tokens, 1000000);
	assert_int_equal(c.sandbox.memory_mb, 64);
	assert_int_equal(c.workers, 3);
	assert_true(c.seed == UINT64_MAX);
	assert_string_equal(c.db, "/srv/x y.db");
	assert_true(c.hash.tolerance == 0);

	/* plug-in and builtin object forms */
	assert_int_equal(cfg_parse(&c, "{\"evaluator\": {\"plugin\": \"./my.so\"}}", "f", err, sizeof err), 0);
	assert_int_equal(c.evaluator.kind, CFG_EV_PLUGIN);
	assert_string_equal(c.evaluator.text, "./my.so");
	assert_int_equal(cfg_parse(&c, "{\"evaluator\": {\"builtin\": \"expapprox\"}}", "f", err, sizeof err), 0);
	assert_int_equal(c.evaluator.kind, CFG_EV_BUILTIN);
	assert_string_equal(c.evaluator.text, "expapprox");
	/* layering: a second file applies over the first */
	assert_int_equal(cfg_parse(&c, "{\"workers\": 1}", "f", err, sizeof err), 0);
	assert_int_equal(c.workers, 1);
	assert_int_equal(c.islands.count, 3);
}

static void test_bad_values(void **state)
{
	bad("{\"budget\": {\"evaluations\": -3}}", 1,
	    "camp.json: field 'budget.evaluations': expected a non-negative integer (0 = no limit), got -3");
	bad("{\"budget\": {\"evaluations\": 2.5}}", 1, "field 'budget.evaluations': expected a non-negative integer");
	bad("{\"budget\": {\"evaluations\": \"lots\"}}", 1, "got \"lots\"");
	bad("{\"budget\": {\"evaluations\": 1e300}}", 1, "got 1e+300");
	bad("{\"budget\": {\"evaluations\": 1e999}}", 1, "line 1, column 28: the number 1e999 is too large for a double");
	bad("{\"budget\": 5}", 1, "field 'budget': expected an object of budget settings, got 5");
	bad("{\"workers\": 0}", 1, "field 'workers': expected an integer from 1 to 256, got 0");
	/* below what the sandbox child itself takes: every candidate would fail */
	bad("{\"sandbox\": {\"memory_mb\": 16}}", 1,
	    "field 'sandbox.memory_mb': expected an integer from 24 to 65536 (MiB; the sandbox child itself takes about 20), got 16");
	bad("{\"workers\": true}", 1, "got true");
	bad("{\"workers\": null}", 1, "got null");
	bad("{\"islands\": {\"count\": 0}}", 1, "field 'islands.count': expected an integer from 1 to 64, got 0");
	bad("{\"sandbox\": {\"timeout_ms\": \"2s\"}}", 1, "field 'sandbox.timeout_ms'");
	bad("{\"hash\": {\"tolerance\": -1e-9}}", 1, "field 'hash.tolerance'");
	bad("{\"inspirations\": 9}", 1, "field 'inspirations': expected an integer from 0 to 8, got 9");
	bad("{\"seed\": -1}", 1, "field 'seed'");
	bad("{\"seed\": \"12abc\"}", 1, "field 'seed'");
	bad("{\"seed\": \"99999999999999999999999\"}", 1, "field 'seed'");
	bad("{\"seed\": 1e17}", 1, "field 'seed'"); /* beyond 2^53 as a number */
	bad("{\"db\": \"\"}", 1, "field 'db': expected a non-empty string");
	bad("{\"db\": [\"a\"]}", 1, "got an array");
	bad("{\"selection\": \"scor\"}", 1,
	    "field 'selection': expected one of \"uniform\", \"score\" or \"curiosity\", got \"scor\" (did you mean \"score\"?)");
	bad("{\"selection\": 1}", 1, "field 'selection'");
	bad("{\"evaluator\": 3}", 1, "field 'evaluator': expected a built-in name");
	bad("{\"evaluator\": \"\"}", 1, "field 'evaluator'");
	bad("{\"evaluator\": {}}", 1, "expected exactly one of 'builtin', 'plugin' or 'command', got 0");
	bad("{\"evaluator\": {\"plugin\": \"a.so\", \"command\": \"b\"}}", 1, "got 2");
	bad("{\"evaluator\": {\"plugn\": \"a.so\"}}", 2, "unknown field 'evaluator.plugn' (did you mean 'evaluator.plugin'?)");
	bad("{\"mutators\": []}", 1, "field 'mutators': expected 1 to 8 mutators, got 0");
	bad("{\"mutators\": \"literal\"}", 1, "field 'mutators': expected an array");
	bad("{\"mutators\": [{\"name\": \"literal\", \"weight\": 0}]}", 1, "field 'mutators[0].weight': expected a positive number, got 0");
	bad("{\"mutators\": [{\"weight\": 2}]}", 1, "field 'mutators[0].name': missing");
	bad("{\"mutators\": [\"literal\", \"literal\"]}", 1, "field 'mutators[1]': mutator \"literal\" is listed twice");
	bad("{\"mutators\": [{\"name\": \"literal\", \"wieght\": 2}]}", 1,
	    "unknown field 'mutators[0].wieght' (did you mean 'mutators[0].weight'?)");
	bad("{\"dims\": [{\"descriptor\": \"ops\", \"lo\": 5, \"hi\": 1, \"bins\": 4}]}", 1,
	    "field 'dims[0]': expected lo < hi, got lo 5 and hi 1");
	bad("{\"dims\": [{\"descriptor\": \"ops\", \"lo\": 0, \"hi\": 1}]}", 1, "field 'dims[0].bins': missing");
	bad("{\"dims\": [{\"descriptor\": \"ops\", \"lo\": 0, \"hi\": 1, \"bins\": 0}]}", 1,
	    "field 'dims[0].bins': expected an integer from 1 to 1000, got 0");
	bad("{\"dims\": [{\"descriptor\": \"a\", \"lo\": 0, \"hi\": 1, \"bins\": 1000},"
	    "{\"descriptor\": \"b\", \"lo\": 0, \"hi\": 1, \"bins\": 1000},"
	    "{\"descriptor\": \"c\", \"lo\": 0, \"hi\": 1, \"bins\": 2}]}", 1,
	    "expected at most 1000000 cells per island, got 2000000");
	bad("{\"dims\": [{\"descriptor\": \"a\", \"lo\": 0, \"hi\": 1, \"bins\": 2},"
	    "{\"descriptor\": \"a\", \"lo\": 0, \"hi\": 1, \"bins\": 2}]}", 1, "\"a\" is already dimension 0");
	bad("{\"dims\": [1,2,3,4,5]}", 1, "expected at most 4 dimensions, got 5");
	bad("{\"description\": 7}", 1, "field 'description'");
}

static void test_unknown_and_many(void **state)
{
	bad("{\"budgett\": {}}", 1, "camp.json: unknown field 'budgett' (did you mean 'budget'?)");
	bad("{\"sedes\": 3}", 1, "unknown field 'sedes' (did you mean 'seed'?)");
	bad("{\"seeds\": 3}", 1, "field 'seeds': expected a non-empty array of seed names");
	bad("{\"seeds\": [\"a b\"]}", 1, "field 'seeds': expected a non-empty array of seed names");
	bad("{\"Workers\": 3}", 1, "unknown field 'Workers' (did you mean 'workers'?)");
	bad("{\"budget\": {\"evaluation\": 3}}", 1,
	    "unknown field 'budget.evaluation' (did you mean 'budget.evaluations'?)");
	bad("{\"frobnicate\": 1}", 1, "unknown field 'frobnicate'");
	bad("{\"workers\": 2, \"workers\": 3}", 1, "field 'workers' appears more than once");
	/* all problems are reported, one line each */
	struct campaign c;
	char err[CFG_ERR_MAX];
	cfg_default(&c);
	const char *json = "{\"budgett\": 1, \"workers\": -1, \"islands\": {\"count\": \"two\", \"migrant\": 1},"
	                   " \"selection\": \"best\", \"seed\": 1.5}";
	assert_int_equal(cfg_parse(&c, json, "many.json", err, sizeof err), -1);
	assert_int_equal(nlines(err), 6);
	assert_non_null(strstr(err, "unknown field 'budgett'"));
	assert_non_null(strstr(err, "field 'workers'"));
	assert_non_null(strstr(err, "field 'islands.count'"));
	assert_non_null(strstr(err, "unknown field 'islands.migrant' (did you mean 'islands.migrants'?)"));
	assert_non_null(strstr(err, "field 'selection'"));
	assert_non_null(strstr(err, "field 'seed'"));
	/* a tiny buffer truncates safely */
	char small[16];
	assert_int_equal(cfg_parse(&c, json, "many.json", small, sizeof small), -1);
	assert_int_equal(strlen(small), 15);
	assert_int_equal(cfg_parse(&c, json, "many.json", NULL, 0), -1);
}

static void test_bad_json(void **state)
{
	bad("{\n  \"workers\": 2,\n  \"seed\": 3,\n}\n", 1, "camp.json: invalid JSON at line 4, column 1");
	bad("{\n  \"workers\": 2\n  \"seed\": 3\n}", 1, "invalid JSON at line 3, column 3");
	bad("{\"workers\": 2", 1, "unexpected end of file");
	bad("{\"workers\": 2} trailing", 1, "invalid JSON at line 1, column 16");
	bad("", 1, "the file is empty");
	bad("  \n ", 1, "the file is empty");
	bad("[1, 2]", 1, "expected a JSON object {...} at the top level, got an array");
	bad("\"optim\"", 1, "at the top level, got \"optim\"");
	/* deep nesting is refused by cJSON, not a crash */
	char deep[5000];
	size_t n = 0;
	deep[n++] = '{';
	memcpy(deep + n, "\"dims\":", 7);
	n += 7;
	for (int i = 0; i < 2000; i++)
		deep[n++] = '[';
	deep[n] = '\0';
	struct campaign c;
	char err[CFG_ERR_MAX];
	cfg_default(&c);
	assert_int_equal(cfg_parse(&c, deep, "deep.json", err, sizeof err), -1);
	assert_non_null(strstr(err, "invalid JSON"));
}

static void test_encoding_and_numbers(void **state)
{
	bad("{\"description\": \"caf\xe9\"}", 1, "camp.json: line 1, column 21: invalid UTF-8 (byte 0xe9)");
	bad("{\"description\": \"\xed\xa0\x80\"}", 1, "invalid UTF-8 (byte 0xed)"); /* a surrogate */
	bad("{\n\"seed\": 9007199254740993}", 1, "line 2, column 9: the number 9007199254740993 is an integer that a double cannot hold exactly");
	bad("{\"seed\": 18446744073709551617}", 1, "cannot hold exactly");
	bad("{\"budget\": {\"evaluations\": 1e400}}", 1, "the number 1e400 is too large for a double");
	bad("{\"workers\": 1e-400}", 1, "the number 1e-400 is too small for a double");
	bad("{\"workers\": 4.9e-324}", 1, "too small for a double");
	/* in strings, digits and escapes are text */
	struct campaign c;
	char err[CFG_ERR_MAX];
	cfg_default(&c);
	if (cfg_parse(&c, "{\"description\": \"1e400 \\\" 9007199254740993 caf\xc3\xa9\"}", "ok.json", err, sizeof err))
		fail_msg("%s", err);
	int rc = cfg_parse(&c, "{\"seed\": 9007199254740991, \"workers\": 2}", "ok.json", err, sizeof err);
	if (rc)
		fail_msg("%s", err);
}

static void test_many_messages_capped(void **state)
{
	/* 50,000 unknown keys: 20 lines and a count, not 50,000 lines */
	size_t cap = 50000 * 16 + 16, n = 0;
	char *json = malloc(cap);
	assert_non_null(json);
	json[n++] = '{';
	for (int i = 0; i < 50000; i++)
		n += (size_t)snprintf(json + n, cap - n, "%s\"k%d\": 1", i ? "," : "", i);
	json[n++] = '}';
	json[n] = 0;
	struct campaign c;
	char err[CFG_ERR_MAX];
	cfg_default(&c);
	assert_int_equal(cfg_parse(&c, json, "many.json", err, sizeof err), -1);
	assert_int_equal(nlines(err), 21);
	assert_non_null(strstr(err, "many.json: ... and 49980 more problems"));
	free(json);
}

static void test_files(void **state)
{
	struct campaign c;
	char err[CFG_ERR_MAX];
	cfg_default(&c);
	assert_int_equal(cfg_load_file(&c, "/nonexistent/camp.json", err, sizeof err), -1);
	assert_string_equal(err, "/nonexistent/camp.json: cannot open the campaign file: No such file or directory");
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	assert_int_equal(cfg_load_file(&c, tmp, err, sizeof err), -1);
	char want[600];
	snprintf(want, sizeof want, "%s: is a directory", tmp);
	assert_non_null(strstr(err, want));
	char path[600];
	snprintf(path, sizeof path, "%s/disco-cfg-XXXXXX", tmp);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"workers\": 2}\0", 15), 15);
	close(fd);
	assert_int_equal(cfg_load_file(&c, path, err, sizeof err), -1);
	assert_non_null(strstr(err, "NUL byte"));
	FILE *f = fopen(path, "w");
	fputs("{\n\"workers\": \"x\"\n}\n", f);
	fclose(f);
	assert_int_equal(cfg_load_file(&c, path, err, sizeof err), -1);
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
	assert_non_null(strstr(err, "field 'workers'"));
	unlink(path);
}

static void roundtrip(const struct campaign *c)
{
	char *a = cfg_to_json(c);
	assert_non_null(a);
	struct campaign d;
	char err[CFG_ERR_MAX];
	cfg_default(&d);
	d.workers = 77; /* must be overwritten: every field is written */
	d.seed = 999;
	if (cfg_parse(&d, a, "roundtrip", err, sizeof err) != 0)
		print_message("%s\n%s\n", a, err);
	assert_int_equal(cfg_parse(&d, a, "roundtrip", err, sizeof err), 0);
	char *b = cfg_to_json(&d);
	assert_string_equal(a, b);
	/* the structs agree field by field too (doubles bit-exact) */
	assert_int_equal(d.workers, c->workers);
	assert_true(d.seed == c->seed);
	assert_true(d.hash.tolerance == c->hash.tolerance);
	assert_true(d.budget.wall_seconds == c->budget.wall_seconds);
	for (int i = 0; i < c->ndims; i++)
		assert_true(d.dims[i].lo == c->dims[i].lo && d.dims[i].hi == c->dims[i].hi);
	for (int i = 0; i < c->nmutators; i++)
		assert_true(d.mutators[i].weight == c->mutators[i].weight);
	free(a);
	free(b);
}

static void test_roundtrip(void **state)
{
	struct campaign c;
	cfg_default(&c);
	roundtrip(&c);
	/* awkward values: non-short doubles, large seed, quotes, command */
	c.evaluator.kind = CFG_EV_COMMAND;
	snprintf(c.evaluator.text, sizeof c.evaluator.text, "python3 \"my eval.py\" --x=\\1");
	snprintf(c.description, sizeof c.description, "tabs\tand \"quotes\" and unicode \xC3\xA9");
	c.nmutators = 2;
	snprintf(c.mutators[1].name, sizeof c.mutators[1].name, "llm");
	c.mutators[1].weight = 0.1 + 0.2; /* 0.30000000000000004 */
	c.ndims = 1;
	snprintf(c.dims[0].descriptor, sizeof c.dims[0].descriptor, "ops");
	c.dims[0].lo = -1.0 / 3;
	c.dims[0].hi = 1e-300;
	c.dims[0].bins = 7;
	c.hash.tolerance = 1.0 / 7e9;
	c.budget.wall_seconds = 12345.678901234567;
	c.budget.evaluations = 9007199254740992LL; /* 2^53 */
	c.seed = UINT64_MAX - 12;
	c.selection = CFG_SEL_CURIOSITY;
	char err[CFG_ERR_MAX];
	assert_int_equal(cfg_validate(&c, "test", err, sizeof err), 0);
	roundtrip(&c);
	c.evaluator.kind = CFG_EV_PLUGIN;
	c.seed = (1ull << 53) + 1; /* first seed that needs the string form */
	roundtrip(&c);
	/* the examples round-trip too */
	char path[1024];
	example(path, sizeof path, "optim.json");
	cfg_default(&c);
	assert_int_equal(cfg_load_file(&c, path, err, sizeof err), 0);
	roundtrip(&c);
	/* key order is stable and complete */
	char *j = cfg_to_json(&c);
	const char *keys[] = { "\"description\"", "\"evaluator\"", "\"mutators\"", "\"dims\"",
		               "\"islands\"", "\"selection\"", "\"inspirations\"", "\"budget\"",
		               "\"sandbox\"", "\"workers\"", "\"seed\"", "\"db\"", "\"hash\"" };
	const char *prev = j;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *p = strstr(prev, keys[i]);
		assert_non_null(p);
		prev = p;
	}
	free(j);
}

static void test_validate(void **state)
{
	struct campaign c;
	char err[CFG_ERR_MAX];
	cfg_default(&c);
	c.workers = 0;
	c.budget.evaluations = -5;
	c.hash.tolerance = 2;
	assert_int_equal(cfg_validate(&c, "command line", err, sizeof err), -1);
	assert_int_equal(nlines(err), 3);
	assert_non_null(strstr(err, "command line: field 'workers': expected an integer from 1 to 256, got 0"));
	assert_non_null(strstr(err, "field 'budget.evaluations': expected a non-negative integer (0 = no limit), got -5"));
	assert_non_null(strstr(err, "field 'hash.tolerance'"));
	cfg_default(&c);
	c.nmutators = 0;
	c.db[0] = '\0';
	assert_int_equal(cfg_validate(&c, "x", err, sizeof err), -1);
	assert_int_equal(nlines(err), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_unknown_and_many),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_encoding_and_numbers),
		cmocka_unit_test(test_many_messages_capped),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_validate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
