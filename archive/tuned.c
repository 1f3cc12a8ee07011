/*
 * tuned.c - tuned baselines in the archive (see arc.h, "tuned baselines").
 *
 * `disco baseline NAME --tune N --db FILE` stores, per seed, what tuning its
 * constants with N evaluations gave; `disco run`/`resume` on that file
 * compare their best program with the best tuned baseline.  The figures
 * live in the meta table (key "tuned/EVALUATOR/SEED", value a JSON object),
 * so they need no schema change and never touch the campaign's tables.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/arc_int.h"

static void num(cJSON *o, const char *k, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

int arc_tuned_put(struct arc *a, const char *evaluator, const struct arc_tuned *t)
{
	char key[256];
	snprintf(key, sizeof key, "tuned/%s/%s", evaluator, t->seed);
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "evaluator", evaluator);
	cJSON_AddStringToObject(j, "seed", t->seed);
	cJSON_AddNumberToObject(j, "evals", t->evals);
	char ts[32];
	snprintf(ts, sizeof ts, "%llu", (unsigned long long)t->tune_seed);
	cJSON_AddStringToObject(j, "tune_seed", ts);
	num(j, "train", t->train);
	num(j, "heldout", t->heldout);
	num(j, "default_train", t->default_train);
	num(j, "default_heldout", t->default_heldout);
	cJSON_AddStringToObject(j, "source", t->source ? t->source : "");
	char *txt = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (!txt) {
		arc_seterr(a, "%s: out of memory storing a tuned baseline", arc_path(a));
		return ARC_ERR;
	}
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(arc_db(a), "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", -1,
	                            &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, txt, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
	}
	sqlite3_finalize(s);
	free(txt);
	return rc == SQLITE_OK ? ARC_OK : arc_sqlerr(a, "storing a tuned baseline");
}

static double jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

int arc_tuned_best(struct arc *a, const char *evaluator, struct arc_tuned *t)
{
	memset(t, 0, sizeof *t);
	t->train = t->heldout = t->default_train = t->default_heldout = NAN;
	char pat[256];
	snprintf(pat, sizeof pat, "tuned/%s/", evaluator);
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(arc_db(a), "SELECT value FROM meta WHERE substr(key, 1, length(?1)) = ?1", -1,
	                       &s, NULL) != SQLITE_OK)
		return arc_sqlerr(a, "reading tuned baselines");
	sqlite3_bind_text(s, 1, pat, -1, SQLITE_TRANSIENT);
	int found = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		cJSON *j = cJSON_Parse((const char *)sqlite3_column_text(s, 0));
		const cJSON *seed = cJSON_GetObjectItemCaseSensitive(j, "seed");
		const cJSON *src = cJSON_GetObjectItemCaseSensitive(j, "source");
		const cJSON *ts = cJSON_GetObjectItemCaseSensitive(j, "tune_seed");
		double tr = jnum(j, "train");
		if (j && cJSON_IsString(seed) && isfinite(tr) && (!found || tr > t->train)) {
			free(t->source);
			snprintf(t->seed, sizeof t->seed, "%s", seed->valuestring);
			t->evals = (int)jnum(j, "evals");
			t->tune_seed = cJSON_IsString(ts) ? strtoull(ts->valuestring, NULL, 10) : 0;
			t->train = tr;
			t->heldout = jnum(j, "heldout");
			t->default_train = jnum(j, "default_train");
			t->default_heldout = jnum(j, "default_heldout");
			t->source = strdup(cJSON_IsString(src) ? src->valuestring : "");
			found = 1;
		}
		cJSON_Delete(j);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		arc_tuned_clear(t);
		return arc_sqlerr(a, "reading tuned baselines");
	}
	return found ? ARC_OK : ARC_NOTFOUND;
}

void arc_tuned_clear(struct arc_tuned *t)
{
	free(t->source);
	t->source = NULL;
}
