/* config.c - the campaign file; see config.h and docs/CAMPAIGNS.md. */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/config.h"
#include "evaluators/text.h"

#define MAX_EXACT_INT 9007199254740992.0 /* 2^53: larger integers lose digits in JSON */

/* ---- messages ------------------------------------------------------------- */

struct errs {
	char *buf;
	size_t cap, len;
	int n;
	const char *file;
};

static void errs_init(struct errs *e, char *buf, size_t cap, const char *file)
{
	e->buf = cap ? buf : NULL;
	e->cap = cap;
	e->len = 0;
	e->n = 0;
	e->file = file && *file ? file : "campaign";
	if (e->buf)
		e->buf[0] = '\0';
}

/* At most this many problems are listed; the rest are counted
 * (50,000 unknown keys are one screen, not 50,000 lines). */
#define ERRS_SHOWN 20

__attribute__((format(printf, 2, 3))) static void add(struct errs *e, const char *fmt, ...)
{
	e->n++;
	if (!e->buf || e->len + 1 >= e->cap || e->n > ERRS_SHOWN)
		return;
	int w = snprintf(e->buf + e->len, e->cap - e->len, "%s%s: ", e->n > 1 ? "\n" : "", e->file);
	if (w < 0)
		return;
	e->len += (size_t)w;
	if (e->len >= e->cap) {
		e->len = e->cap - 1;
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	w = vsnprintf(e->buf + e->len, e->cap - e->len, fmt, ap);
	va_end(ap);
	if (w >= 0)
		e->len += (size_t)w;
	if (e->len >= e->cap)
		e->len = e->cap - 1;
}

/* The count of problems not listed, as one last line. */
static void errs_done(struct errs *e)
{
	if (e->n <= ERRS_SHOWN || !e->buf || e->len + 1 >= e->cap)
		return;
	int w = snprintf(e->buf + e->len, e->cap - e->len, "\n%s: ... and %d more problems", e->file,
	                 e->n - ERRS_SHOWN);
	if (w > 0)
		e->len += (size_t)w;
	if (e->len >= e->cap)
		e->len = e->cap - 1;
}

/* Shortest "%.Ng" that reads back as exactly d. */
static void fmt_num(double d, char *buf, size_t n)
{
	if (d == floor(d) && fabs(d) < 1e15) { /* 40, not 4e+01 */
		snprintf(buf, n, "%.0f", d);
		return;
	}
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, n, "%.*g", p, d);
		if (strtod(buf, NULL) == d)
			return;
	}
}

/* What the user wrote, for "got ...": -3, "abc", true, null, an array. */
static void describe(const cJSON *it, char *buf, size_t n)
{
	if (!it)
		snprintf(buf, n, "nothing");
	else if (cJSON_IsNumber(it))
		fmt_num(it->valuedouble, buf, n);
	else if (cJSON_IsString(it)) {
		char s[44];
		size_t k = 0;
		for (const char *p = it->valuestring; *p && k < 40; p++)
			s[k++] = isprint((unsigned char)*p) && *p != '"' ? *p : '?';
		s[k] = '\0';
		snprintf(buf, n, "\"%s%s\"", s, strlen(it->valuestring) > 40 ? "..." : "");
	} else if (cJSON_IsTrue(it))
		snprintf(buf, n, "true");
	else if (cJSON_IsFalse(it))
		snprintf(buf, n, "false");
	else if (cJSON_IsNull(it))
		snprintf(buf, n, "null");
	else if (cJSON_IsArray(it))
		snprintf(buf, n, "an array");
	else if (cJSON_IsObject(it))
		snprintf(buf, n, "an object");
	else
		snprintf(buf, n, "an unreadable value");
}

static void expected(struct errs *e, const char *path, const char *what, const cJSON *got)
{
	char g[64];
	describe(got, g, sizeof g);
	add(e, "field '%s': expected %s, got %s", path, what, g);
}

/* ---- suggestions for misspelled names -------------------------------------- */

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return 99;
	size_t d[64], prev;
	for (size_t j = 0; j <= lb; j++)
		d[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = d[0];
		d[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = d[j];
			size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			size_t best = prev + cost;
			if (d[j] + 1 < best)
				best = d[j] + 1;
			if (d[j - 1] + 1 < best)
				best = d[j - 1] + 1;
			d[j] = best;
			prev = cur;
		}
	}
	return d[lb];
}

/* The closest of names (NULL-terminated) to s, or NULL if none is close. */
static const char *suggest(const char *s, const char *const *names)
{
	const char *best = NULL;
	size_t bd = 99, ls = strlen(s);
	for (int i = 0; names[i]; i++) {
		size_t d = edit_distance(s, names[i]);
		size_t lim = strlen(names[i]) / 3 + 1;
		if (lim > 3)
			lim = 3;
		if (d < bd && d <= lim && d < ls + (ls == 0)) {
			bd = d;
			best = names[i];
		}
	}
	return best;
}

/* ---- field tables ------------------------------------------------------------ */

enum ftype { F_INT, F_I64, F_DBL };

/* Numeric fields: group (NULL = top level), key, type, where, range, and
 * the phrase used in messages. */
struct nfield {
	const char *group, *key;
	enum ftype t;
	size_t off;
	double lo, hi;
	const char *expect;
};

#define OFF(m) offsetof(struct campaign, m)

static const struct nfield nfields[] = {
	{ "islands", "count", F_INT, OFF(islands.count), 1, CFG_MAX_ISLANDS, "an integer from 1 to 64" },
	{ "islands", "migration_interval", F_INT, OFF(islands.migration_interval), 0, 1e9,
	  "a non-negative integer (evaluations per island between migrations; 0 = never)" },
	{ "islands", "migrants", F_INT, OFF(islands.migrants), 0, 1000, "an integer from 0 to 1000" },
	{ NULL, "inspirations", F_INT, OFF(inspirations), 0, CFG_MAX_INSPIRATIONS,
	  "an integer from 0 to 8" },
	{ "budget", "evaluations", F_I64, OFF(budget.evaluations), 0, MAX_EXACT_INT,
	  "a non-negative integer (0 = no limit)" },
	{ "budget", "wall_seconds", F_DBL, OFF(budget.wall_seconds), 0, 1e9,
	  "a non-negative number of seconds (0 = no limit)" },
	{ "budget", "llm_calls", F_I64, OFF(budget.llm_calls), 0, MAX_EXACT_INT,
	  "a non-negative integer (0 = no limit)" },
	{ "budget", "tokens", F_I64, OFF(budget.tokens), 0, MAX_EXACT_INT,
	  "a non-negative integer (0 = no limit)" },
	{ "budget", "cost_usd", F_DBL, OFF(budget.cost_usd), 0, 1e9,
	  "a non-negative number of US dollars (0 = no limit)" },
	{ "sandbox", "timeout_ms", F_INT, OFF(sandbox.timeout_ms), 1, 3600000,
	  "an integer from 1 to 3600000 (milliseconds)" },
	{ "sandbox", "memory_mb", F_INT, OFF(sandbox.memory_mb), 24, 65536,
	  "an integer from 24 to 65536 (MiB; the sandbox child itself takes about 20)" },
	{ "sandbox", "max_source_bytes", F_INT, OFF(sandbox.max_source_bytes), 256, 16777216,
	  "an integer from 256 to 16777216 (bytes)" },
	{ "sandbox", "batch", F_INT, OFF(sandbox.batch), 1, 128,
	  "an integer from 1 (one candidate per child) to 128" },
	{ NULL, "workers", F_INT, OFF(workers), 1, CFG_MAX_WORKERS, "an integer from 1 to 256" },
	{ "hash", "tolerance", F_DBL, OFF(hash.tolerance), 0, 0.5,
	  "a number from 0 (exact) to 0.5 (relative tolerance)" },
	{ "hash", "remeasure_after", F_INT, OFF(hash.remeasure_after), 0, 1000000,
	  "an integer from 0 (never) to 1000000" },
	{ "symbolic", "fit_every", F_INT, OFF(symbolic.fit_every), 0, 1000000,
	  "an integer from 0 (never fit constants) to 1000000" },
	{ "symbolic", "fit_evals", F_INT, OFF(symbolic.fit_evals), 1, 100000, "an integer from 1 to 100000" },
	{ "symbolic", "tries", F_INT, OFF(symbolic.tries), 1, 1000, "an integer from 1 to 1000" },
	{ "symbolic", "fit_threads", F_INT, OFF(symbolic.fit_threads), -1, 8,
	  "an integer from -1 (as many as cores) or 0 (fit on the engine's thread) to 8" },
	{ "mutation_weights", "insert", F_DBL, OFF(symbolic.weights[0]), 0, 1000, "a number from 0 to 1000" },
	{ "mutation_weights", "delete", F_DBL, OFF(symbolic.weights[1]), 0, 1000, "a number from 0 to 1000" },
	{ "mutation_weights", "change_op", F_DBL, OFF(symbolic.weights[2]), 0, 1000, "a number from 0 to 1000" },
	{ "mutation_weights", "change_arg", F_DBL, OFF(symbolic.weights[3]), 0, 1000, "a number from 0 to 1000" },
	{ "mutation_weights", "perturb", F_DBL, OFF(symbolic.weights[4]), 0, 1000, "a number from 0 to 1000" },
	{ "mutation_weights", "randomize", F_DBL, OFF(symbolic.weights[5]), 0, 1000, "a number from 0 to 1000" },
	{ "mutation_weights", "swap", F_DBL, OFF(symbolic.weights[6]), 0, 1000, "a number from 0 to 1000" },
	{ "mutation_weights", "crossover", F_DBL, OFF(symbolic.weights[7]), 0, 1000, "a number from 0 to 1000" },
	{ "mutation_weights", "extend", F_DBL, OFF(symbolic.weights[8]), 0, 1000, "a number from 0 to 1000" },
	{ "mutation_weights", "merge", F_DBL, OFF(symbolic.weights[9]), 0, 1000, "a number from 0 to 1000" },
	{ "mutation_weights", "wrap", F_DBL, OFF(symbolic.weights[10]), 0, 1000, "a number from 0 to 1000" },
};

/* The order of engine/sym/sym.h's SYM_MUTATIONS (checked by test_sym). */
const char *const cfg_mutation_weight_names[CFG_MUTATION_KINDS + 1] = {
	"insert", "delete", "change_op", "change_arg", "perturb", "randomize", "swap", "crossover", "extend", "merge", "wrap", NULL,
};
#define NNFIELDS (sizeof nfields / sizeof nfields[0])

static const char *const top_keys[] = {
	"description", "evaluator", "mutators", "dims", "islands", "selection", "inspirations",
	"budget", "sandbox", "workers", "seed", "db", "hash", "seeds", "symbolic", "mutation_weights", "llm", NULL,
};
static const char *const groups[] = { "islands", "budget", "sandbox", "hash", "symbolic", "mutation_weights", NULL };
static const char *const evaluator_keys[] = { "builtin", "plugin", "command", NULL };
static const char *const mutator_keys[] = { "name", "weight", NULL };
static const char *const dim_keys[] = { "descriptor", "lo", "hi", "bins", NULL };
static const char *const selection_names[] = { "uniform", "score", "curiosity", NULL };

static int in_list(const char *s, const char *const *list)
{
	for (int i = 0; list[i]; i++)
		if (!strcmp(s, list[i]))
			return 1;
	return 0;
}

static double nget(const struct campaign *c, const struct nfield *f)
{
	const char *p = (const char *)c + f->off;
	switch (f->t) {
	case F_INT:
		return *(const int *)p;
	case F_I64:
		return (double)*(const int64_t *)p;
	default:
		return *(const double *)p;
	}
}

static void nset(struct campaign *c, const struct nfield *f, double d)
{
	char *p = (char *)c + f->off;
	switch (f->t) {
	case F_INT:
		*(int *)p = (int)d;
		break;
	case F_I64:
		*(int64_t *)p = (int64_t)d;
		break;
	default:
		*(double *)p = d;
	}
}

static int nvalid(const struct nfield *f, double d)
{
	return isfinite(d) && (f->t == F_DBL || d == floor(d)) && d >= f->lo && d <= f->hi;
}

static void path_of(char *buf, size_t n, const char *group, const char *key)
{
	if (group)
		snprintf(buf, n, "%s.%s", group, key);
	else
		snprintf(buf, n, "%s", key);
}

/* ---- defaults ------------------------------------------------------------------ */

const char *cfg_selection_name(enum cfg_selection s)
{
	return (unsigned)s < 3 ? selection_names[s] : "?";
}

int cfg_selection_parse(const char *s)
{
	for (int i = 0; s && selection_names[i]; i++)
		if (!strcmp(s, selection_names[i]))
			return i;
	return -1;
}

const char *cfg_evaluator_kind_name(enum cfg_evaluator_kind k)
{
	return (unsigned)k < 3 ? evaluator_keys[k] : "?";
}

void cfg_default(struct campaign *c)
{
	memset(c, 0, sizeof *c);
	c->evaluator.kind = CFG_EV_BUILTIN;
	snprintf(c->evaluator.text, sizeof c->evaluator.text, "optim");
	c->nmutators = 1;
	/* symbolic varies the IR where the evaluator has one, literal otherwise */
	snprintf(c->mutators[0].name, sizeof c->mutators[0].name, "symbolic");
	c->mutators[0].weight = 1;
	c->ndims = 0;
	c->islands.count = 2;
	c->islands.migration_interval = 500;
	c->islands.migrants = 2;
	c->selection = CFG_SEL_UNIFORM;
	c->inspirations = 2;
	c->budget.evaluations = 2000;
	c->sandbox.timeout_ms = 2000;
	c->sandbox.memory_mb = 256;
	c->sandbox.max_source_bytes = 65536;
	c->sandbox.batch = 128; /* IR candidates per sandbox child (engine/sym/batch.c) */
	/* the symbolic mutator's defaults (engine/mutate/symbolic.c, engine/sym/vary.c) */
	c->symbolic.fit_every = 2;
	c->symbolic.fit_evals = 40;
	c->symbolic.fit_threads = -1; /* as many as cores, at most workers (cmd_run.c) */
	c->symbolic.tries = 24;
	static const double w[CFG_MUTATION_KINDS] = { 3, 2, 2, 2, 4, 1, 0.5, 0.5, 3, 1, 1 };
	memcpy(c->symbolic.weights, w, sizeof w);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	c->workers = n < 1 ? 1 : n > CFG_MAX_WORKERS ? CFG_MAX_WORKERS : (int)n;
	c->seed = 1;
	snprintf(c->db, sizeof c->db, "disco.db");
	c->hash.tolerance = 1e-15; /* a few ULPs: coarser merges programs whose precision differs */
	c->hash.remeasure_after = 5;
	llm_cfg_default(&c->llm);
}

/* engine/llm/cfg.c reports through this: one message per problem. */
static void report_llm(void *ctx, const char *msg)
{
	add(ctx, "%s", msg);
}

/* ---- parsing ------------------------------------------------------------------------ */

/* Is it the first child of obj with its key? */
static int first_of_key(const cJSON *obj, const cJSON *it)
{
	for (const cJSON *p = obj->child; p && p != it; p = p->next)
		if (p->string && !strcmp(p->string, it->string))
			return 0;
	return 1;
}

/* Report unknown and repeated keys of obj (prefix "" at the top level). */
static void check_keys(const cJSON *obj, const char *prefix, const char *const *known,
                       struct errs *e)
{
	for (const cJSON *it = obj->child; it; it = it->next) {
		char path[160];
		snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", it->string);
		if (!in_list(it->string, known)) {
			const char *s = suggest(it->string, known);
			if (s)
				add(e, "unknown field '%s' (did you mean '%s%s%s'?)", path, prefix,
				    *prefix ? "." : "", s);
			else
				add(e, "unknown field '%s'", path);
		} else if (!first_of_key(obj, it)) {
			add(e, "field '%s' appears more than once", path);
		}
	}
}

/* A child worth applying: known and the first of its name. */
static int usable(const cJSON *obj, const cJSON *it, const char *const *known)
{
	return in_list(it->string, known) && first_of_key(obj, it);
}

/* Copy a non-empty string of fewer than cap bytes; else report. */
static int get_str(const cJSON *it, const char *path, char *dst, size_t cap, int allow_empty,
                   struct errs *e)
{
	char what[96];
	snprintf(what, sizeof what, "a %sstring of at most %zu bytes", allow_empty ? "" : "non-empty ",
	         cap - 1);
	if (!cJSON_IsString(it) || !it->valuestring || (!allow_empty && !it->valuestring[0]) ||
	    strlen(it->valuestring) >= cap) {
		expected(e, path, what, it);
		return -1;
	}
	snprintf(dst, cap, "%s", it->valuestring);
	return 0;
}

static int get_num(const cJSON *it, const char *path, const char *what, int integral, double lo,
                   double hi, double *out, struct errs *e)
{
	double d = cJSON_IsNumber(it) ? it->valuedouble : NAN;
	if (!isfinite(d) || (integral && d != floor(d)) || d < lo || d > hi) {
		expected(e, path, what, it);
		return -1;
	}
	*out = d;
	return 0;
}

static void parse_evaluator(struct campaign *c, const cJSON *it, struct errs *e)
{
	if (cJSON_IsString(it)) {
		if (get_str(it, "evaluator", c->evaluator.text, CFG_NAME_MAX, 0, e) == 0)
			c->evaluator.kind = CFG_EV_BUILTIN;
		return;
	}
	if (!cJSON_IsObject(it)) {
		expected(e, "evaluator",
		         "a built-in name (\"optim\") or an object {\"plugin\": PATH} or {\"command\": CMD}",
		         it);
		return;
	}
	check_keys(it, "evaluator", evaluator_keys, e);
	const cJSON *which = NULL;
	int n = 0;
	for (const cJSON *k = it->child; k; k = k->next)
		if (usable(it, k, evaluator_keys)) {
			which = which ? which : k;
			n++;
		}
	if (n != 1) {
		add(e, "field 'evaluator': expected exactly one of 'builtin', 'plugin' or 'command', got %d",
		    n);
		return;
	}
	enum cfg_evaluator_kind kind = !strcmp(which->string, "builtin") ? CFG_EV_BUILTIN
	                               : !strcmp(which->string, "plugin") ? CFG_EV_PLUGIN
	                                                                   : CFG_EV_COMMAND;
	char path[64];
	snprintf(path, sizeof path, "evaluator.%s", which->string);
	if (get_str(which, path, c->evaluator.text, kind == CFG_EV_BUILTIN ? CFG_NAME_MAX : CFG_TEXT_MAX,
	            0, e) == 0)
		c->evaluator.kind = kind;
}

static void parse_mutators(struct campaign *c, const cJSON *it, struct errs *e)
{
	if (!cJSON_IsArray(it)) {
		expected(e, "mutators", "an array like [{\"name\": \"literal\", \"weight\": 1}]", it);
		return;
	}
	int n = cJSON_GetArraySize(it);
	if (n < 1 || n > CFG_MAX_MUTATORS) {
		add(e, "field 'mutators': expected 1 to %d mutators, got %d", CFG_MAX_MUTATORS, n);
		return;
	}
	struct cfg_mutator m[CFG_MAX_MUTATORS];
	int bad = 0, i = 0;
	for (const cJSON *el = it->child; el; el = el->next, i++) {
		char path[64], sub[80];
		snprintf(path, sizeof path, "mutators[%d]", i);
		m[i].weight = 1;
		m[i].name[0] = '\0';
		if (cJSON_IsString(el)) {
			bad |= get_str(el, path, m[i].name, CFG_NAME_MAX, 0, e);
		} else if (cJSON_IsObject(el)) {
			int nerr = e->n;
			check_keys(el, path, mutator_keys, e);
			const cJSON *nm = cJSON_GetObjectItemCaseSensitive(el, "name");
			const cJSON *w = cJSON_GetObjectItemCaseSensitive(el, "weight");
			snprintf(sub, sizeof sub, "%s.name", path);
			if (!nm)
				add(e, "field '%s': missing (expected a mutator name such as \"literal\")", sub);
			else
				get_str(nm, sub, m[i].name, CFG_NAME_MAX, 0, e);
			snprintf(sub, sizeof sub, "%s.weight", path);
			if (w && get_num(w, sub, "a positive number", 0, 0, 1e9, &m[i].weight, e) == 0 &&
			    m[i].weight <= 0) {
				expected(e, sub, "a positive number", w);
			}
			bad |= e->n != nerr;
		} else {
			expected(e, path, "a mutator name or an object {\"name\": NAME, \"weight\": W}", el);
			bad = 1;
		}
		for (int j = 0; j < i && m[i].name[0]; j++)
			if (!strcmp(m[j].name, m[i].name)) {
				add(e, "field '%s': mutator \"%s\" is listed twice", path, m[i].name);
				bad = 1;
			}
	}
	if (!bad) {
		c->nmutators = n;
		memcpy(c->mutators, m, sizeof m[0] * (size_t)n);
	}
}

static void parse_dims(struct campaign *c, const cJSON *it, struct errs *e)
{
	if (!cJSON_IsArray(it)) {
		expected(e, "dims",
		         "an array like [{\"descriptor\": \"ops\", \"lo\": 0, \"hi\": 40, \"bins\": 8}]", it);
		return;
	}
	int n = cJSON_GetArraySize(it);
	if (n > CFG_MAX_DIMS) {
		add(e, "field 'dims': expected at most %d dimensions, got %d", CFG_MAX_DIMS, n);
		return;
	}
	struct cfg_dim d[CFG_MAX_DIMS];
	int bad = 0, i = 0;
	for (const cJSON *el = it->child; el; el = el->next, i++) {
		char path[64], sub[80];
		snprintf(path, sizeof path, "dims[%d]", i);
		if (!cJSON_IsObject(el)) {
			expected(e, path, "an object {\"descriptor\": NAME, \"lo\": X, \"hi\": Y, \"bins\": N}",
			         el);
			bad = 1;
			continue;
		}
		int nerr = e->n;
		check_keys(el, path, dim_keys, e);
		static const char *const what[] = { "a descriptor name", "a number", "a number",
			                            "an integer from 1 to 1000" };
		const cJSON *f[4];
		for (int k = 0; k < 4; k++) {
			f[k] = cJSON_GetObjectItemCaseSensitive(el, dim_keys[k]);
			if (!f[k]) {
				snprintf(sub, sizeof sub, "%s.%s", path, dim_keys[k]);
				add(e, "field '%s': missing (expected %s)", sub, what[k]);
			}
		}
		double bins = 0;
		snprintf(sub, sizeof sub, "%s.descriptor", path);
		if (f[0])
			get_str(f[0], sub, d[i].descriptor, CFG_NAME_MAX, 0, e);
		snprintf(sub, sizeof sub, "%s.lo", path);
		if (f[1])
			get_num(f[1], sub, what[1], 0, -1e300, 1e300, &d[i].lo, e);
		snprintf(sub, sizeof sub, "%s.hi", path);
		if (f[2])
			get_num(f[2], sub, what[2], 0, -1e300, 1e300, &d[i].hi, e);
		snprintf(sub, sizeof sub, "%s.bins", path);
		if (f[3] && get_num(f[3], sub, what[3], 1, 1, 1000, &bins, e) == 0)
			d[i].bins = (int)bins;
		bad |= e->n != nerr;
	}
	if (!bad) {
		c->ndims = n;
		memcpy(c->dims, d, sizeof d[0] * (size_t)n);
	}
}

static void parse_seed(struct campaign *c, const cJSON *it, struct errs *e)
{
	static const char what[] =
		"a non-negative integer (or a decimal string for values above 2^53)";
	if (cJSON_IsNumber(it)) {
		double d;
		if (get_num(it, "seed", what, 1, 0, MAX_EXACT_INT, &d, e) == 0)
			c->seed = (uint64_t)d;
		return;
	}
	if (cJSON_IsString(it)) {
		const char *s = it->valuestring;
		size_t n = strlen(s);
		int ok = n >= 1 && n <= 20 && strspn(s, "0123456789") == n;
		unsigned long long v = 0;
		if (ok) {
			errno = 0;
			v = strtoull(s, NULL, 10);
			ok = errno == 0;
		}
		if (ok) {
			c->seed = v;
			return;
		}
	}
	expected(e, "seed", what, it);
}

static void parse_group(struct campaign *c, const char *group, const cJSON *obj, struct errs *e)
{
	if (!cJSON_IsObject(obj)) {
		char what[64];
		snprintf(what, sizeof what, "an object of %s settings", group);
		expected(e, group, what, obj);
		return;
	}
	const char *keys[24];
	int nk = 0;
	for (size_t i = 0; i < NNFIELDS; i++)
		if (nfields[i].group && !strcmp(nfields[i].group, group))
			keys[nk++] = nfields[i].key;
	keys[nk] = NULL;
	check_keys(obj, group, keys, e);
	for (const cJSON *it = obj->child; it; it = it->next) {
		if (!usable(obj, it, keys))
			continue;
		for (size_t i = 0; i < NNFIELDS; i++) {
			const struct nfield *f = &nfields[i];
			if (!f->group || strcmp(f->group, group) || strcmp(f->key, it->string))
				continue;
			char path[64];
			path_of(path, sizeof path, group, f->key);
			double d;
			if (get_num(it, path, f->expect, f->t != F_DBL, f->lo, f->hi, &d, e) == 0) {
				nset(c, f, d);
				if (f->off == OFF(sandbox.timeout_ms))
					c->sandbox.timeout_set = 1;
			}
		}
	}
}

static void apply(struct campaign *c, const cJSON *root, struct errs *e)
{
	check_keys(root, "", top_keys, e);
	for (const cJSON *it = root->child; it; it = it->next) {
		if (!usable(root, it, top_keys))
			continue;
		const char *k = it->string;
		if (!strcmp(k, "description")) {
			get_str(it, k, c->description, CFG_DESC_MAX, 1, e);
		} else if (!strcmp(k, "evaluator")) {
			parse_evaluator(c, it, e);
		} else if (!strcmp(k, "mutators")) {
			parse_mutators(c, it, e);
		} else if (!strcmp(k, "dims")) {
			parse_dims(c, it, e);
		} else if (!strcmp(k, "selection")) {
			int s = cJSON_IsString(it) ? cfg_selection_parse(it->valuestring) : -1;
			if (s >= 0) {
				c->selection = (enum cfg_selection)s;
			} else {
				const char *sg = cJSON_IsString(it) ? suggest(it->valuestring, selection_names) : NULL;
				char g[64];
				describe(it, g, sizeof g);
				add(e, "field 'selection': expected one of \"uniform\", \"score\" or \"curiosity\", got %s%s%s%s",
				    g, sg ? " (did you mean \"" : "", sg ? sg : "", sg ? "\"?)" : "");
			}
		} else if (!strcmp(k, "seed")) {
			parse_seed(c, it, e);
		} else if (!strcmp(k, "db")) {
			get_str(it, k, c->db, CFG_TEXT_MAX, 0, e);
		} else if (!strcmp(k, "seeds")) {
			/* names of the seeds to start from: ["taylor2", ...] */
			int n = cJSON_IsArray(it) ? cJSON_GetArraySize(it) : -1;
			char buf[CFG_TEXT_MAX] = "";
			size_t L = 0;
			for (int i = 0; i < n; i++) {
				const cJSON *s = cJSON_GetArrayItem(it, i);
				if (!cJSON_IsString(s) || !s->valuestring[0] || strpbrk(s->valuestring, ", ") ||
				    L + strlen(s->valuestring) + 2 >= sizeof buf) {
					n = -1;
					break;
				}
				L += (size_t)snprintf(buf + L, sizeof buf - L, "%s%s", i ? "," : "", s->valuestring);
			}
			if (n < 1)
				expected(e, k, "a non-empty array of seed names like [\"taylor2\"]", it);
			else
				snprintf(c->seeds, sizeof c->seeds, "%s", buf);
		} else if (!strcmp(k, "llm")) {
			llm_cfg_parse(&c->llm, it, report_llm, e);
		} else if (in_list(k, groups)) {
			parse_group(c, k, it, e);
		} else {
			for (size_t i = 0; i < NNFIELDS; i++) {
				const struct nfield *f = &nfields[i];
				double d;
				if (!f->group && !strcmp(f->key, k) &&
				    get_num(it, k, f->expect, f->t != F_DBL, f->lo, f->hi, &d, e) == 0)
					nset(c, f, d);
			}
		}
	}
}

/* Ranges and cross-field rules on a filled struct. */
static void validate(const struct campaign *c, struct errs *e)
{
	for (size_t i = 0; i < NNFIELDS; i++) {
		const struct nfield *f = &nfields[i];
		double d = nget(c, f);
		if (!nvalid(f, d)) {
			char path[64], g[40];
			path_of(path, sizeof path, f->group, f->key);
			fmt_num(d, g, sizeof g);
			add(e, "field '%s': expected %s, got %s", path, f->expect, g);
		}
	}
	size_t maxev = c->evaluator.kind == CFG_EV_BUILTIN ? CFG_NAME_MAX : CFG_TEXT_MAX;
	if ((unsigned)c->evaluator.kind > CFG_EV_COMMAND || !c->evaluator.text[0] ||
	    strnlen(c->evaluator.text, maxev) >= maxev)
		add(e, "field 'evaluator': expected an evaluator name, plug-in path or command");
	if (c->nmutators < 1 || c->nmutators > CFG_MAX_MUTATORS) {
		add(e, "field 'mutators': expected 1 to %d mutators, got %d", CFG_MAX_MUTATORS, c->nmutators);
	} else {
		for (int i = 0; i < c->nmutators; i++) {
			const struct cfg_mutator *m = &c->mutators[i];
			if (!m->name[0] || strnlen(m->name, CFG_NAME_MAX) >= CFG_NAME_MAX)
				add(e, "field 'mutators[%d].name': expected a mutator name", i);
			if (!(m->weight > 0 && m->weight <= 1e9))
				add(e, "field 'mutators[%d].weight': expected a positive number, got %g", i,
				    m->weight);
			for (int j = 0; j < i; j++)
				if (!strncmp(c->mutators[j].name, m->name, CFG_NAME_MAX))
					add(e, "field 'mutators[%d]': mutator \"%.63s\" is listed twice", i, m->name);
		}
	}
	if (c->ndims < 0 || c->ndims > CFG_MAX_DIMS) {
		add(e, "field 'dims': expected at most %d dimensions, got %d", CFG_MAX_DIMS, c->ndims);
		return;
	}
	double cells = 1;
	for (int i = 0; i < c->ndims; i++) {
		const struct cfg_dim *d = &c->dims[i];
		if (!d->descriptor[0] || strnlen(d->descriptor, CFG_NAME_MAX) >= CFG_NAME_MAX)
			add(e, "field 'dims[%d].descriptor': expected a descriptor name", i);
		if (!(d->lo < d->hi) || !isfinite(d->lo) || !isfinite(d->hi)) {
			char lo[40], hi[40];
			fmt_num(d->lo, lo, sizeof lo);
			fmt_num(d->hi, hi, sizeof hi);
			add(e, "field 'dims[%d]': expected lo < hi, got lo %s and hi %s", i, lo, hi);
		}
		if (d->bins < 1 || d->bins > 1000)
			add(e, "field 'dims[%d].bins': expected an integer from 1 to 1000, got %d", i, d->bins);
		cells *= d->bins;
		for (int j = 0; j < i; j++)
			if (!strncmp(c->dims[j].descriptor, d->descriptor, CFG_NAME_MAX))
				add(e, "field 'dims[%d].descriptor': \"%.63s\" is already dimension %d", i,
				    d->descriptor, j);
	}
	if (cells > CFG_MAX_CELLS)
		add(e, "field 'dims': expected at most %d cells per island, got %.0f (the product of the bins)",
		    CFG_MAX_CELLS, cells);
	if (!c->db[0] || strnlen(c->db, CFG_TEXT_MAX) >= CFG_TEXT_MAX)
		add(e, "field 'db': expected a non-empty path");
	if ((unsigned)c->selection > CFG_SEL_CURIOSITY)
		add(e, "field 'selection': expected one of \"uniform\", \"score\" or \"curiosity\"");
	llm_cfg_validate(&c->llm, report_llm, e);
}

/* Line and column (from 1) of pos in text. */
static void line_col(const char *text, const char *pos, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (const char *p = text; p < pos && *p; p++) {
		if (*p == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* Before cJSON sees the text (it checks neither): the file is UTF-8, and
 * every number means exactly what it says: no overflow to infinity, no
 * underflow to 0 or a subnormal, no integer that a double cannot hold (beyond
 * 2^53 doubles skip integers: 9007199254740993 would silently become ...992). */
static int check_text(const char *p, struct errs *e)
{
	const char *s = p;
	int in_str = 0;
	while (*s) {
		size_t l = text_utf8_len((const unsigned char *)s, strlen(s) < 4 ? strlen(s) : 4);
		if (!l) {
			int line, col;
			line_col(p, s, &line, &col);
			add(e, "line %d, column %d: invalid UTF-8 (byte 0x%02x); campaign files are UTF-8 text", line, col,
			    (unsigned char)*s);
			return -1;
		}
		if (l > 1) {
			s += l;
			continue;
		}
		if (in_str) {
			if (*s == '\\' && s[1])
				s++;
			else if (*s == '"')
				in_str = 0;
			s += *s ? 1 : 0;
			continue;
		}
		if (*s == '"') {
			in_str = 1;
			s++;
			continue;
		}
		if (*s == '-' || (*s >= '0' && *s <= '9')) {
			const char *b = s;
			int integer = 1;
			if (*s == '-')
				s++;
			while ((*s >= '0' && *s <= '9') || *s == '.' || *s == 'e' || *s == 'E' || *s == '+' || *s == '-') {
				if (*s == '.' || *s == 'e' || *s == 'E')
					integer = 0;
				s++;
			}
			char tok[64];
			size_t n = (size_t)(s - b);
			snprintf(tok, sizeof tok, "%.*s", (int)(n < 40 ? n : 40), b);
			errno = 0;
			char *end;
			double d = strtod(b, &end);
			const char *why = NULL;
			if (end != s)
				why = NULL; /* not a number: cJSON reports the syntax */
			else if (errno == ERANGE || !isfinite(d))
				why = fabs(d) > 1 ? "is too large for a double" : "is too small for a double (it would become 0 or lose precision)";
			else if (d != 0 && fabs(d) < 2.2250738585072014e-308)
				why = "is too small for a double (it would become 0 or lose precision)";
			else if (integer && fabs(d) >= 9007199254740992.0) {
				/* beyond 2^53 only some integers exist as doubles */
				char exact[400];
				snprintf(exact, sizeof exact, "%.0f", d);
				if (strlen(exact) != n || memcmp(exact, b, n))
					why = "is an integer that a double cannot hold exactly (beyond 2^53 doubles skip integers)";
			}
			if (why) {
				int line, col;
				line_col(p, b, &line, &col);
				add(e, "line %d, column %d: the number %s%s %s", line, col, tok, n > 40 ? "..." : "", why);
			}
			continue;
		}
		s++;
	}
	return e->n ? -1 : 0;
}

int cfg_parse(struct campaign *c, const char *json, const char *filename, char *err,
              size_t errlen)
{
	struct errs e;
	errs_init(&e, err, errlen, filename);
	if (!json) {
		add(&e, "no campaign text");
		return -1;
	}
	const char *p = json;
	if (!strncmp(p, "\xEF\xBB\xBF", 3)) /* UTF-8 byte order mark */
		p += 3;
	if (p[strspn(p, " \t\r\n")] == '\0') {
		add(&e, "invalid JSON: the file is empty (expected an object such as {})");
		return -1;
	}
	if (check_text(p, &e))
		return -1;
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithOpts(p, &end, 1);
	if (!root) {
		if (!end || end < p)
			end = p;
		/* cJSON may stop just past the offending token: point at it */
		while (end > p && *end && isspace((unsigned char)*end))
			end--;
		int line, col;
		line_col(p, end, &line, &col);
		if (!*end) {
			add(&e, "invalid JSON at line %d, column %d: unexpected end of file", line, col);
		} else {
			char near[24];
			size_t k = 0;
			for (const char *q = end; *q && *q != '\n' && k < 20; q++)
				near[k++] = isprint((unsigned char)*q) ? *q : '?';
			near[k] = '\0';
			add(&e, "invalid JSON at line %d, column %d, near '%s'", line, col, near);
		}
		return -1;
	}
	struct campaign tmp = *c;
	if (!cJSON_IsObject(root)) {
		char g[64];
		describe(root, g, sizeof g);
		add(&e, "expected a JSON object {...} at the top level, got %s", g);
	} else {
		apply(&tmp, root, &e);
		validate(&tmp, &e);
	}
	cJSON_Delete(root);
	errs_done(&e);
	if (e.n)
		return -1;
	*c = tmp;
	return 0;
}

int cfg_validate(const struct campaign *c, const char *origin, char *err, size_t errlen)
{
	struct errs e;
	errs_init(&e, err, errlen, origin);
	validate(c, &e);
	errs_done(&e);
	return e.n ? -1 : 0;
}

int cfg_load_file(struct campaign *c, const char *path, char *err, size_t errlen)
{
	struct errs e;
	errs_init(&e, err, errlen, path);
	size_t n = 0;
	char why[512];
	char *buf = text_read_file(path, CFG_FILE_MAX, 0, &n, why, sizeof why);
	if (!buf) {
		/* why is "PATH: reason"; the origin already names the file */
		const char *r = strncmp(why, path, strlen(path)) == 0 ? why + strlen(path) + 2 : why;
		if (strstr(r, "is a directory"))
			add(&e, "is a directory, expected a campaign file (JSON)");
		else if (strstr(r, "larger than"))
			add(&e, "the campaign file is larger than %d bytes", CFG_FILE_MAX);
		else
			add(&e, "cannot open the campaign file: %s", r);
		return -1;
	}
	int rc = -1;
	if (memchr(buf, '\0', n))
		add(&e, "the campaign file contains a NUL byte (expected JSON text)");
	else {
		buf[n] = '\0';
		rc = cfg_parse(c, buf, path, err, errlen);
	}
	free(buf);
	return rc;
}

/* ---- writing ------------------------------------------------------------------------- */

static void add_raw_num(cJSON *o, const char *key, double d)
{
	char b[40];
	fmt_num(d, b, sizeof b);
	cJSON_AddRawToObject(o, key, b);
}

static void add_raw_int(cJSON *o, const char *key, long long v)
{
	char b[32];
	snprintf(b, sizeof b, "%lld", v);
	cJSON_AddRawToObject(o, key, b);
}

char *cfg_to_json(const struct campaign *c)
{
	cJSON *r = cJSON_CreateObject();
	if (!r)
		return NULL;
	cJSON_AddStringToObject(r, "description", c->description);
	if (c->evaluator.kind == CFG_EV_BUILTIN) {
		cJSON_AddStringToObject(r, "evaluator", c->evaluator.text);
	} else {
		cJSON *ev = cJSON_AddObjectToObject(r, "evaluator");
		if (ev)
			cJSON_AddStringToObject(ev, cfg_evaluator_kind_name(c->evaluator.kind),
			                        c->evaluator.text);
	}
	cJSON *ms = cJSON_AddArrayToObject(r, "mutators");
	for (int i = 0; ms && i < c->nmutators && i < CFG_MAX_MUTATORS; i++) {
		cJSON *m = cJSON_CreateObject();
		if (!m)
			break;
		cJSON_AddStringToObject(m, "name", c->mutators[i].name);
		add_raw_num(m, "weight", c->mutators[i].weight);
		cJSON_AddItemToArray(ms, m);
	}
	cJSON *ds = cJSON_AddArrayToObject(r, "dims");
	for (int i = 0; ds && i < c->ndims && i < CFG_MAX_DIMS; i++) {
		cJSON *d = cJSON_CreateObject();
		if (!d)
			break;
		cJSON_AddStringToObject(d, "descriptor", c->dims[i].descriptor);
		add_raw_num(d, "lo", c->dims[i].lo);
		add_raw_num(d, "hi", c->dims[i].hi);
		add_raw_int(d, "bins", c->dims[i].bins);
		cJSON_AddItemToArray(ds, d);
	}
	/* Numeric fields in table order, grouped as in the file. */
	const char *open = NULL;
	cJSON *g = NULL;
	for (size_t i = 0; i < NNFIELDS; i++) {
		const struct nfield *f = &nfields[i];
		if (f->group && (!open || strcmp(open, f->group))) {
			g = cJSON_AddObjectToObject(r, f->group);
			open = f->group;
		}
		if (!f->group && !strcmp(f->key, "inspirations"))
			cJSON_AddStringToObject(r, "selection", cfg_selection_name(c->selection));
		cJSON *dst = f->group ? g : r;
		if (!dst || (f->off == OFF(sandbox.timeout_ms) && !c->sandbox.timeout_set))
			continue; /* derived at each start: stored only when given */
		if (f->t == F_DBL)
			add_raw_num(dst, f->key, nget(c, f));
		else
			add_raw_int(dst, f->key, (long long)nget(c, f));
		if (!f->group && !strcmp(f->key, "workers")) {
			if (c->seed <= (1ull << 53))
				add_raw_int(r, "seed", (long long)c->seed);
			else {
				char b[32];
				snprintf(b, sizeof b, "%llu", (unsigned long long)c->seed);
				cJSON_AddStringToObject(r, "seed", b);
			}
			cJSON_AddStringToObject(r, "db", c->db);
			if (c->seeds[0]) {
				cJSON *sa = cJSON_AddArrayToObject(r, "seeds");
				for (const char *o = c->seeds; sa && *o;) {
					size_t n = strcspn(o, ",");
					char nm[CFG_TEXT_MAX];
					snprintf(nm, sizeof nm, "%.*s", (int)n, o);
					cJSON_AddItemToArray(sa, cJSON_CreateString(nm));
					o += n + (o[n] == ',');
				}
			}
		}
	}
	cJSON *llm = llm_cfg_to_json(&c->llm);
	if (llm)
		cJSON_AddItemToObject(r, "llm", llm);
	char *text = cJSON_Print(r);
	cJSON_Delete(r);
	if (!text)
		return NULL;
	/* Hand back plain malloc'd memory whatever cJSON's hooks are. */
	size_t n = strlen(text);
	char *out = malloc(n + 1);
	if (out)
		memcpy(out, text, n + 1);
	cJSON_free(text);
	return out;
}
