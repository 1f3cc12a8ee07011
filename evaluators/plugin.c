/* plugin.c - C plug-in evaluators; see plugin.h. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evaluators/plugin.h"
#include "sandbox/internal.h"

/* The text of evaluator.h, embedded at build time, is the plug-ins' header. */
__asm__(".section .rodata\n"
        ".global ev_header_text\n"
        ".type ev_header_text, @object\n"
        "ev_header_text:\n"
        ".incbin \"evaluators/evaluator.h\"\n"
        ".byte 0\n"
        ".previous\n");
extern const char ev_header_text[];

static const char *const host_headers[] = {
	"evaluator.h", "disco/evaluator.h", "math.h", "string.h", "stddef.h", "stdio.h", NULL,
};
static const char *const host_entries[] = { "disco_evaluator", NULL };

static const char host_extra[] =
	"void *memcpy(void *, const void *, size_t);\n"
	"void *memset(void *, int, size_t);\n"
	"size_t strlen(const char *);\n"
	"int strcmp(const char *, const char *);\n"
	"int strncmp(const char *, const char *, size_t);\n"
	"int snprintf(char *, size_t, const char *, ...);\n"
	"#define isnan(x) ((x) != (x))\n"
	"#define isfinite(x) (((x) - (x)) == 0)\n"
	"#define isinf(x) (!isnan(x) && !isfinite(x))\n";

static const struct ev_symbol host_libc[] = {
	{ "ev_metric", (const void *)ev_metric }, { "ev_count_ops", (const void *)ev_count_ops },
	{ "memcpy", (const void *)memcpy },       { "memset", (const void *)memset },
	{ "strlen", (const void *)strlen },       { "strcmp", (const void *)strcmp },
	{ "strncmp", (const void *)strncmp },     { "snprintf", (const void *)snprintf },
	{ NULL, NULL },
};

static long host_run(const struct ev_evaluator *ev, void *const *entry, int task, int split,
                     double *out, size_t cap, char *err, size_t errlen)
{
	return -1; /* never run: the host only compiles plug-ins */
}

const struct ev_evaluator *plugin_host(void)
{
	static struct ev_evaluator host;
	static char *prelude;
	static struct ev_symbol *symbols;
	if (host.version)
		return &host;
	size_t nmath = 0;
	while (ev_math_symbols[nmath].name)
		nmath++;
	symbols = calloc(nmath + sizeof host_libc / sizeof *host_libc, sizeof *symbols);
	static const char head[] = "typedef unsigned long size_t;\n#define NULL ((void *)0)\n";
	size_t hl = strlen(ev_header_text);
	prelude = malloc(sizeof head + hl + strlen(ev_math_prelude) + sizeof host_extra + 4);
	if (!symbols || !prelude)
		return NULL;
	memcpy(symbols, ev_math_symbols, nmath * sizeof *symbols);
	memcpy(symbols + nmath, host_libc, sizeof host_libc);
	char *p = prelude;
	p += sprintf(p, "%s", head);
	char *h = p;
	p += sprintf(p, "%s\n", ev_header_text);
	/* The header's own #include <stddef.h>: size_t is defined above. */
	for (char *inc; (inc = strstr(h, "#include <stddef.h>"));)
		memset(inc, ' ', strlen("#include <stddef.h>"));
	p += sprintf(p, "%s\n%s", ev_math_prelude, host_extra);
	host = (struct ev_evaluator){
		.version = EV_API_VERSION, .name = "plug-in host", .prelude = prelude,
		.headers = host_headers, .entries = host_entries, .symbols = symbols,
		.nstages = 1, .run = host_run,
	};
	return &host;
}

/* In the child, on the plug-in's freshly compiled struct. */
int plugin_check(const struct ev_evaluator *ev, char *msg, size_t msglen)
{
	size_t o = strlen(msg);
	const char *why = NULL;
	char buf[160];
	if (ev->version < 1 || ev->version > EV_API_VERSION) {
		snprintf(buf, sizeof buf, "disco_evaluator.version is %d; this disco speaks interface versions 1 to %d",
		         ev->version, EV_API_VERSION);
		why = buf;
	} else if (!ev->name || !ev->name[0]) why = "disco_evaluator.name is missing";
	else if (!ev->entries || !ev->entries[0]) why = "disco_evaluator.entries names no entry symbol";
	else if (!ev->run) why = "disco_evaluator.run is missing";
	else if (!ev->score) why = "disco_evaluator.score is missing";
	else if (ev->nstages < 1 || ev->nstages > EV_MAX_STAGES) {
		snprintf(buf, sizeof buf, "disco_evaluator.nstages is %d; expected 1..%d", ev->nstages, EV_MAX_STAGES);
		why = buf;
	} else if (ev->ndims < 0 || ev->ndims > EV_MAX_DIMS) {
		snprintf(buf, sizeof buf, "disco_evaluator.ndims is %d; expected 0..%d", ev->ndims, EV_MAX_DIMS);
		why = buf;
	} else if (!ev->seeds || !ev->seeds[0].name) why = "disco_evaluator.seeds has no seed program";
	if (why && o < msglen)
		snprintf(msg + o, msglen - o, "%s%s", o ? "\n" : "", why);
	return why ? -1 : 0;
}

size_t plugin_info_json(const struct ev_evaluator *ev, char *out, size_t cap)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "name", ev->name);
	cJSON_AddStringToObject(j, "summary", ev->summary ? ev->summary : "");
	cJSON_AddStringToObject(j, "prelude", ev->prelude ? ev->prelude : "");
	cJSON *a = cJSON_AddArrayToObject(j, "headers");
	for (int i = 0; ev->headers && ev->headers[i] && i < 32; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(ev->headers[i]));
	a = cJSON_AddArrayToObject(j, "entries");
	for (int i = 0; ev->entries[i] && i < EV_MAX_ENTRIES; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(ev->entries[i]));
	a = cJSON_AddArrayToObject(j, "symbols");
	for (int i = 0; ev->symbols && ev->symbols[i].name && i < 256; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(ev->symbols[i].name));
	a = cJSON_AddArrayToObject(j, "seeds");
	for (int i = 0; ev->seeds[i].name && i < 64; i++) {
		cJSON *s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "name", ev->seeds[i].name);
		cJSON_AddStringToObject(s, "source", ev->seeds[i].source ? ev->seeds[i].source : "");
		cJSON_AddItemToArray(a, s);
	}
	a = cJSON_AddArrayToObject(j, "stages");
	for (int i = 0; i < ev->nstages; i++) {
		cJSON *s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "name", ev->stages[i].name ? ev->stages[i].name : "stage");
		cJSON_AddNumberToObject(s, "threshold", ev->stages[i].threshold);
		cJSON_AddItemToArray(a, s);
	}
	a = cJSON_AddArrayToObject(j, "dims");
	for (int i = 0; i < ev->ndims; i++) {
		cJSON *s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "name", ev->dims[i].name ? ev->dims[i].name : "dim");
		cJSON_AddNumberToObject(s, "lo", ev->dims[i].lo);
		cJSON_AddNumberToObject(s, "hi", ev->dims[i].hi);
		cJSON_AddNumberToObject(s, "bins", ev->dims[i].bins);
		cJSON_AddItemToArray(a, s);
	}
	cJSON_AddBoolToObject(j, "noisy", ev->noisy != 0);
	cJSON_AddNumberToObject(j, "max_outputs", (double)ev->max_outputs);
	cJSON_AddBoolToObject(j, "describe", ev->describe != NULL);
	int ok = cJSON_PrintPreallocated(j, out, (int)(cap > (1u << 30) ? (1u << 30) : cap), 0);
	cJSON_Delete(j);
	return ok ? strlen(out) : 0;
}

/* ---- the engine's side ---------------------------------------------------- */

struct plugin {
	struct ev_evaluator ev; /* first: the evaluator pointer is the plugin pointer */
	char *path, *source;
	struct sbx *scorer;
	cJSON *info; /* owns every string the evaluator points to */
	const char **headers, **entries;
	struct ev_symbol *symbols;
	struct ev_seed *seeds;
	int has_describe;
};

static int plugin_score(const struct ev_evaluator *ev, int task, int split, const double *out,
                        size_t n, struct ev_result *res);
static void plugin_describe(const struct ev_evaluator *ev, const char *src, size_t len,
                            struct ev_result *res);

static long plugin_run_stub(const struct ev_evaluator *ev, void *const *entry, int task, int split,
                            double *out, size_t cap, char *err, size_t errlen)
{
	return -1; /* the child runs the plug-in's own run() */
}

const char *plugin_source(const struct ev_evaluator *ev)
{
	return ev && ev->score == plugin_score ? ((const struct plugin *)ev)->source : NULL;
}

const char *plugin_path(const struct ev_evaluator *ev)
{
	return ev && ev->score == plugin_score ? ((const struct plugin *)ev)->path : NULL;
}

static int sandboxed(struct plugin *pl, const struct sbx_job *job, struct sbx_result *res,
                     const char *what, char *err, size_t errlen)
{
	char serr[256];
	if (sbx_run(pl->scorer, job, res, serr, sizeof serr)) {
		snprintf(err, errlen, "evaluator plug-in %s: %s: %s", pl->path, what, serr);
		return -1;
	}
	if (res->status != SBX_OK) {
		const char *m = res->message;
		char why[48] = "";
		if (!strncmp(m, "evaluator plug-in: ", 19))
			m += 19; /* the plug-in's own error: no candidate status to show */
		else if (res->status == SBX_CRASH)
			snprintf(why, sizeof why, "%s (%s): ", sbx_status_name(res->status), sbx_signal_name(res->signal));
		else
			snprintf(why, sizeof why, "%s: ", sbx_status_name(res->status));
		snprintf(err, errlen, "evaluator plug-in %s: %s failed: %s%s", pl->path, what, why, m);
		return -1;
	}
	return 0;
}

static int plugin_score(const struct ev_evaluator *ev, int task, int split, const double *out,
                        size_t n, struct ev_result *res)
{
	struct plugin *pl = (struct plugin *)ev;
	struct sbx_job job = { .ev = ev, .source = "", .split = split, .plugin = pl->source,
	                       .kind = SBX_JOB_SCORE, .task = task, .in = out, .nin = n };
	struct sbx_result *r = malloc(sizeof *r);
	char err[EV_MSG_MAX];
	if (!r) {
		snprintf(res->message, sizeof res->message, "out of memory");
		return -1;
	}
	int rc = -1;
	if (sandboxed(pl, &job, r, "score()", err, sizeof err) == 0) {
		*res = r->scored;
		rc = r->score_rc;
	} else {
		snprintf(res->message, sizeof res->message, "%s", err);
	}
	free(r);
	return rc;
}

static void plugin_describe(const struct ev_evaluator *ev, const char *src, size_t len,
                            struct ev_result *res)
{
	struct plugin *pl = (struct plugin *)ev;
	if (!pl->has_describe)
		return;
	char *copy = strndup(src, len);
	struct sbx_job job = { .ev = ev, .source = copy, .plugin = pl->source, .kind = SBX_JOB_SCORE,
	                       .task = SBX_DESCRIBE, .scored_in = res };
	struct sbx_result *r = malloc(sizeof *r);
	char err[EV_MSG_MAX];
	if (copy && r && sandboxed(pl, &job, r, "describe()", err, sizeof err) == 0)
		*res = r->scored; /* describe() added to what score() filled */
	free(r);
	free(copy);
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static double jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* Fill pl->ev from the description JSON (made by plugin_info_json in the
 * child; bounded there, validated again here). */
static int from_info(struct plugin *pl, char *err, size_t errlen)
{
	cJSON *j = pl->info;
	struct ev_evaluator *ev = &pl->ev;
	const cJSON *h = cJSON_GetObjectItem(j, "headers"), *e = cJSON_GetObjectItem(j, "entries"),
	            *sy = cJSON_GetObjectItem(j, "symbols"), *se = cJSON_GetObjectItem(j, "seeds"),
	            *st = cJSON_GetObjectItem(j, "stages"), *di = cJSON_GetObjectItem(j, "dims");
	int nh = cJSON_GetArraySize(h), ne = cJSON_GetArraySize(e), nsy = cJSON_GetArraySize(sy),
	    nse = cJSON_GetArraySize(se), nst = cJSON_GetArraySize(st), ndi = cJSON_GetArraySize(di);
	pl->headers = calloc((size_t)nh + 1, sizeof *pl->headers);
	pl->entries = calloc((size_t)ne + 1, sizeof *pl->entries);
	pl->symbols = calloc((size_t)nsy + 1, sizeof *pl->symbols);
	pl->seeds = calloc((size_t)nse + 1, sizeof *pl->seeds);
	if (!pl->headers || !pl->entries || !pl->symbols || !pl->seeds) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int i = 0; i < nh; i++) pl->headers[i] = cJSON_GetArrayItem(h, i)->valuestring;
	for (int i = 0; i < ne && i < EV_MAX_ENTRIES; i++) pl->entries[i] = cJSON_GetArrayItem(e, i)->valuestring;
	for (int i = 0; i < nsy; i++) pl->symbols[i].name = cJSON_GetArrayItem(sy, i)->valuestring;
	for (int i = 0; i < nse; i++) {
		pl->seeds[i].name = jstr(cJSON_GetArrayItem(se, i), "name");
		pl->seeds[i].source = jstr(cJSON_GetArrayItem(se, i), "source");
	}
	*ev = (struct ev_evaluator){
		.version = EV_API_VERSION, .name = jstr(j, "name"), .summary = jstr(j, "summary"),
		.prelude = jstr(j, "prelude"), .headers = pl->headers, .entries = pl->entries,
		.symbols = pl->symbols, .seeds = pl->seeds,
		.nstages = nst < EV_MAX_STAGES ? nst : EV_MAX_STAGES,
		.ndims = ndi < EV_MAX_DIMS ? ndi : EV_MAX_DIMS,
		.noisy = cJSON_IsTrue(cJSON_GetObjectItem(j, "noisy")),
		.max_outputs = (size_t)jnum(j, "max_outputs"),
		.run = plugin_run_stub, .score = plugin_score, .describe = plugin_describe,
		.data = pl,
	};
	for (int i = 0; i < ev->nstages; i++) {
		const cJSON *s = cJSON_GetArrayItem(st, i);
		ev->stages[i] = (struct ev_stage){ jstr(s, "name"), jnum(s, "threshold") };
	}
	for (int i = 0; i < ev->ndims; i++) {
		const cJSON *d = cJSON_GetArrayItem(di, i);
		ev->dims[i] = (struct ev_dim){ jstr(d, "name"), jnum(d, "lo"), jnum(d, "hi"), (int)jnum(d, "bins") };
		if (!(ev->dims[i].lo < ev->dims[i].hi) || ev->dims[i].bins < 1 || ev->dims[i].bins > 10000) {
			snprintf(err, errlen, "evaluator plug-in %s: dimension '%s' needs lo < hi and 1..10000 bins",
			         pl->path, ev->dims[i].name);
			return -1;
		}
	}
	pl->has_describe = cJSON_IsTrue(cJSON_GetObjectItem(j, "describe"));
	return 0;
}

const struct ev_evaluator *plugin_load(const char *path, const struct sbx_limits *lim, char *err,
                                       size_t errlen)
{
	struct plugin *pl = calloc(1, sizeof *pl);
	if (pl)
		pl->ev.score = plugin_score; /* so plugin_free() knows it */
	FILE *f = pl ? fopen(path, "rb") : NULL;
	if (!f) {
		snprintf(err, errlen, "evaluator plug-in %s: cannot read it", path);
		free(pl);
		return NULL;
	}
	size_t cap = lim->max_source + 1;
	pl->path = strdup(path);
	pl->source = malloc(cap + 1);
	size_t n = pl->source ? fread(pl->source, 1, cap, f) : 0;
	fclose(f);
	const struct ev_evaluator *ev = &pl->ev;
	struct sbx_result *r = malloc(sizeof *r);
	char *clean = NULL;
	if (!pl->path || !pl->source || !r) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	pl->source[n] = 0;
	if (n >= cap) {
		snprintf(err, errlen, "evaluator plug-in %s: larger than %zu bytes (--max-source-bytes)", path, lim->max_source);
		goto fail;
	}
	char msg[512];
	if (sbx_prescan(pl->source, n, plugin_host(), lim->max_source, &clean, msg, sizeof msg)) {
		snprintf(err, errlen, "evaluator plug-in %s: %s", path, msg);
		goto fail;
	}
	free(pl->source);
	pl->source = clean;
	char serr[256];
	pl->scorer = sbx_open(1, lim, serr, sizeof serr);
	if (!pl->scorer) {
		snprintf(err, errlen, "evaluator plug-in %s: %s", path, serr);
		goto fail;
	}
	struct sbx_job job = { .ev = plugin_host(), .source = "", .plugin = pl->source, .kind = SBX_JOB_INFO };
	if (sandboxed(pl, &job, r, "loading", err, errlen))
		goto fail;
	pl->info = cJSON_Parse(r->info);
	if (!pl->info) {
		snprintf(err, errlen, "evaluator plug-in %s: its description could not be read", path);
		goto fail;
	}
	if (from_info(pl, err, errlen))
		goto fail;
	free(r);
	return ev;
fail:
	free(r);
	plugin_free(&ev);
	return NULL;
}

void plugin_free(const struct ev_evaluator **evp)
{
	if (evp && *evp && ext_of(*evp)) {
		ext_evaluator_free(*evp);
		*evp = NULL;
		return;
	}
	if (!evp || !*evp || (*evp)->score != plugin_score) {
		if (evp) *evp = NULL;
		return;
	}
	struct plugin *pl = (struct plugin *)*evp;
	sbx_close(&pl->scorer);
	cJSON_Delete(pl->info);
	free(pl->headers);
	free(pl->entries);
	free(pl->symbols);
	free(pl->seeds);
	free(pl->path);
	free(pl->source);
	free(pl);
	*evp = NULL;
}

const struct ev_evaluator *ev_open(const char *spec, const struct sbx_limits *lim, char *err,
                                   size_t errlen)
{
	size_t n = strlen(spec);
	if (n > 2 && !strcmp(spec + n - 2, ".c"))
		return plugin_load(spec, lim, err, errlen);
	const struct ev_evaluator *ev = ev_find(spec);
	if (!ev)
		snprintf(err, errlen, "unknown evaluator '%s'; see 'disco evaluators' (or give a plug-in file ending in .c)", spec);
	return ev;
}
