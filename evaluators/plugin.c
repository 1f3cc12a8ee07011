/* plugin.c - C plug-in evaluators; see plugin.h. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evaluators/irjson.h"
#include "evaluators/plugin.h"
#include "evaluators/text.h"

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
	struct ev_ir_store *ir; /* the symbolic form, when the plug-in declares one */
};

static int plugin_score(const struct ev_evaluator *ev, int task, int split, const double *out,
                        size_t n, struct ev_result *res);
static void plugin_describe(const struct ev_evaluator *ev, const char *src, size_t len,
                            struct ev_result *res);

/* Marks a plug-in with serve(): the child runs the plug-in's own. */
static void plugin_serve_stub(const struct ev_evaluator *ev, void *const *entry, void *buf, size_t len)
{
}

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
	char err[EV_MSG_MAX] = "evaluator plug-in: describe(): out of memory";
	if (copy && r && sandboxed(pl, &job, r, "describe()", err, sizeof err) == 0) {
		*res = r->scored; /* describe() added to what score() filled */
	} else {
		/* A describe() that crashed, looped or made a system call: its
		 * descriptors are no numbers, which makes the candidate's result
		 * invalid_output with this message (engine/pipeline.c). */
		snprintf(res->message, sizeof res->message, "%s", err);
		for (int d = 0; d < EV_MAX_DIMS; d++)
			res->desc[d] = NAN;
	}
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

/* Fill pl->ev from the description JSON (made by sbx_plugin_info_json in the
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
	/* Names end up on terminals and in JSON: printable text only. */
	const char *bad = !text_is_clean(ev->name) ? "name" : !text_is_clean(ev->summary) ? "summary" : NULL;
	for (int i = 0; !bad && i < ev->nstages; i++)
		bad = text_is_clean(ev->stages[i].name) ? NULL : "stages[].name";
	for (int i = 0; !bad && i < ev->ndims; i++)
		bad = text_is_clean(ev->dims[i].name) ? NULL : "dims[].name";
	for (int i = 0; !bad && i < nse; i++)
		bad = text_is_clean(pl->seeds[i].name) ? NULL : "seeds[].name";
	if (bad) {
		snprintf(err, errlen, "evaluator plug-in %s: disco_evaluator.%s contains a control character or invalid UTF-8 (names are printed as they are)",
		         pl->path, bad);
		return -1;
	}
	pl->has_describe = cJSON_IsTrue(cJSON_GetObjectItem(j, "describe"));
	if (cJSON_IsTrue(cJSON_GetObjectItem(j, "serve")))
		ev->serve = plugin_serve_stub; /* the candidate in a process of its own */
	const cJSON *ir = cJSON_GetObjectItem(j, "ir");
	if (ir) {
		char why[200];
		ev->ir = ev_ir_from_json(ir, &pl->ir, why, sizeof why);
		if (!ev->ir) {
			snprintf(err, errlen, "evaluator plug-in %s: disco_evaluator.ir: %s", pl->path, why);
			return -1;
		}
	}
	return 0;
}

const struct ev_evaluator *plugin_load(const char *path, const struct sbx_limits *lim, char *err,
                                       size_t errlen)
{
	struct plugin *pl = calloc(1, sizeof *pl);
	if (pl)
		pl->ev.score = plugin_score; /* so plugin_free() knows it */
	char why[512] = "out of memory";
	size_t n = 0;
	/* The one bounded reader: a directory, an empty file or /dev/zero is
	 * a clear message, never a crash or an endless read. */
	char *src = pl ? text_read_file(path, lim->max_source, 1, &n, why, sizeof why) : NULL;
	if (!src) {
		snprintf(err, errlen, "evaluator plug-in %s%s", why,
		         strstr(why, "larger than") ? " (--max-source-bytes)" : "");
		free(pl);
		return NULL;
	}
	pl->source = src;
	pl->path = strdup(path);
	const struct ev_evaluator *ev = &pl->ev;
	struct sbx_result *r = malloc(sizeof *r);
	char *clean = NULL;
	if (!pl->path || !pl->source || !r) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	char msg[512];
	if (sbx_prescan(pl->source, n, sbx_plugin_host(), lim->max_source, &clean, msg, sizeof msg)) {
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
	struct sbx_job job = { .ev = sbx_plugin_host(), .source = "", .plugin = pl->source, .kind = SBX_JOB_INFO };
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
	ev_ir_store_free(&pl->ir);
	free(pl->path);
	free(pl->source);
	free(pl);
	*evp = NULL;
}

