/* evid.c - evaluator identity (see evid.h). */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "engine/evid.h"
#include "evaluators/external.h"
#include "evaluators/plugin.h"

#ifndef DISCO_VERSION
#define DISCO_VERSION "unknown"
#endif

static void feed(XXH3_state_t *st, const char *s)
{
	if (!s)
		s = "";
	/* The terminating NUL separates fields: "ab"+"c" != "a"+"bc". */
	XXH3_64bits_update(st, s, strlen(s) + 1);
}

static void feed_num(XXH3_state_t *st, double v)
{
	char b[64];
	snprintf(b, sizeof b, "%.17g", v);
	feed(st, b);
}

static void feed_decl(XXH3_state_t *st, const struct ev_evaluator *ev)
{
	feed(st, ev->name);
	for (const struct ev_seed *s = ev->seeds; s && s->name; s++) {
		feed(st, s->name);
		feed(st, s->source);
	}
	feed(st, "dims");
	for (int d = 0; d < ev->ndims && d < EV_MAX_DIMS; d++) {
		feed(st, ev->dims[d].name);
		feed_num(st, ev->dims[d].lo);
		feed_num(st, ev->dims[d].hi);
		feed_num(st, ev->dims[d].bins);
	}
	feed_num(st, ev->noisy);
}

void evid_of(const struct ev_evaluator *ev, const char *path, const char *dir, struct evid *id)
{
	memset(id, 0, sizeof *id);
	snprintf(id->name, sizeof id->name, "%s", ev->name ? ev->name : "");
	snprintf(id->engine, sizeof id->engine, "%s", DISCO_VERSION);
	id->api = ev->version;
	XXH3_state_t *st = XXH3_createState();
	if (!st)
		return;
	XXH3_64bits_reset(st);
	const char *psrc = plugin_source(ev);
	if (psrc) {
		snprintf(id->kind, sizeof id->kind, "plugin");
		feed(st, psrc);
		char abs[PATH_MAX];
		if (path && realpath(path, abs))
			snprintf(id->path, sizeof id->path, "%s", abs);
		else if (path)
			snprintf(id->path, sizeof id->path, "%s", path);
	} else if (ext_of(ev)) {
		snprintf(id->kind, sizeof id->kind, "command");
		feed_decl(st, ev);
		if (dir)
			snprintf(id->dir, sizeof id->dir, "%s", dir);
	} else {
		snprintf(id->kind, sizeof id->kind, "builtin");
		feed(st, DISCO_VERSION);
		feed_decl(st, ev);
		feed(st, ev->prelude);
		for (const char *const *e = ev->entries; e && *e; e++)
			feed(st, *e);
		for (int k = 0; k < ev->nstages && k < EV_MAX_STAGES; k++) {
			feed(st, ev->stages[k].name);
			feed_num(st, ev->stages[k].threshold);
		}
		feed_num(st, (double)ev->max_outputs);
	}
	snprintf(id->hash, sizeof id->hash, "%016" PRIx64, (uint64_t)XXH3_64bits_digest(st));
	XXH3_freeState(st);
}

char *evid_json(const struct evid *id)
{
	cJSON *j = cJSON_CreateObject();
	if (!j)
		return NULL;
	cJSON_AddStringToObject(j, "kind", id->kind);
	cJSON_AddStringToObject(j, "name", id->name);
	cJSON_AddNumberToObject(j, "api", id->api);
	cJSON_AddStringToObject(j, "hash", id->hash);
	cJSON_AddStringToObject(j, "engine", id->engine);
	if (id->path[0])
		cJSON_AddStringToObject(j, "path", id->path);
	if (id->dir[0])
		cJSON_AddStringToObject(j, "dir", id->dir);
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return s;
}

static int get_str(const cJSON *j, const char *k, char *out, size_t n, int required)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
	if (!v)
		return required ? -1 : 0;
	if (!cJSON_IsString(v) || strlen(v->valuestring) >= n)
		return -1;
	snprintf(out, n, "%s", v->valuestring);
	return 0;
}

int evid_parse(const char *json, struct evid *id, char *err, size_t errlen)
{
	memset(id, 0, sizeof *id);
	cJSON *j = json ? cJSON_Parse(json) : NULL;
	const cJSON *api = j ? cJSON_GetObjectItemCaseSensitive(j, "api") : NULL;
	int bad = !cJSON_IsObject(j) || get_str(j, "kind", id->kind, sizeof id->kind, 1) ||
	          get_str(j, "name", id->name, sizeof id->name, 1) ||
	          get_str(j, "hash", id->hash, sizeof id->hash, 1) ||
	          get_str(j, "engine", id->engine, sizeof id->engine, 0) ||
	          get_str(j, "path", id->path, sizeof id->path, 0) ||
	          get_str(j, "dir", id->dir, sizeof id->dir, 0) || !cJSON_IsNumber(api);
	if (!bad)
		id->api = api->valueint;
	cJSON_Delete(j);
	if (bad) {
		snprintf(err, errlen, "the stored evaluator identity is not readable");
		return -1;
	}
	return 0;
}

int evid_same(const struct evid *stored, const struct evid *now, char *err, size_t errlen)
{
	if (strcmp(stored->kind, now->kind)) {
		snprintf(err, errlen, "the campaign was run with a %s evaluator ('%s'); this is a %s evaluator ('%s')",
		         stored->kind, stored->name, now->kind, now->name);
		return -1;
	}
	if (strcmp(stored->name, now->name)) {
		snprintf(err, errlen, "the campaign was run with evaluator '%s'; this one is '%s'", stored->name,
		         now->name);
		return -1;
	}
	if (stored->api != now->api) {
		snprintf(err, errlen, "evaluator '%s' had interface version %d; it now has %d", now->name,
		         stored->api, now->api);
		return -1;
	}
	if (strcmp(stored->hash, now->hash)) {
		if (!strcmp(now->kind, "plugin"))
			snprintf(err, errlen, "the plug-in '%s' changed since the campaign started (its source differs)",
			         now->name);
		else if (!strcmp(now->kind, "command"))
			snprintf(err, errlen, "the evaluator command '%s' declares something else than when the campaign started (name, seeds or dimensions in its info answer)",
			         now->name);
		else
			snprintf(err, errlen, "built-in evaluator '%s' of disco %s differs from this disco's (%s)", now->name,
			         stored->engine, now->engine);
		return -1;
	}
	return 0;
}
