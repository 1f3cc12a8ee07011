/* report.c - see report.h. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "engine/cli/outcome.h"

void outcome_hash(uint64_t h, char out[17])
{
	snprintf(out, 17, "%016" PRIx64, h);
}

/* Split compiler messages into an array of lines. */
static cJSON *message_lines(const char *msg)
{
	cJSON *arr = cJSON_CreateArray();
	const char *p = msg;
	while (p && *p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char line[SBX_MSG_MAX];
		snprintf(line, sizeof line, "%.*s", (int)n, p);
		cJSON_AddItemToArray(arr, cJSON_CreateString(line));
		p = e ? e + 1 : NULL;
	}
	return arr;
}

static void add_num(cJSON *o, const char *k, double v)
{
	if (isfinite(v)) cJSON_AddNumberToObject(o, k, v);
	else cJSON_AddNullToObject(o, k);
}

cJSON *outcome_json(const struct ev_evaluator *ev, const struct pl_outcome *o)
{
	cJSON *j = cJSON_CreateObject();
	int ok = o->status == SBX_OK;
	cJSON_AddStringToObject(j, "evaluator", ev->name);
	cJSON_AddStringToObject(j, "status", sbx_status_name(o->status));
	if (o->status == SBX_CRASH && o->signal) cJSON_AddStringToObject(j, "signal", sbx_signal_name(o->signal));
	else cJSON_AddNullToObject(j, "signal");
	add_num(j, "score", ok ? o->score : NAN);
	cJSON_AddBoolToObject(j, "passed_all_stages", ok && o->passed);
	if (o->stage >= 0) cJSON_AddStringToObject(j, "stage", ev->stages[o->stage].name ? ev->stages[o->stage].name : "");
	else cJSON_AddNullToObject(j, "stage");
	const char *nl = strchr(o->message, '\n');
	char first[512];
	snprintf(first, sizeof first, "%.*s", nl ? (int)(nl - o->message) : (int)strlen(o->message), o->message);
	cJSON_AddStringToObject(j, "message", first);
	cJSON_AddItemToObject(j, "messages", message_lines(o->message));
	cJSON *m = cJSON_AddObjectToObject(j, "metrics");
	cJSON *d = cJSON_AddObjectToObject(j, "descriptors");
	if (ok) {
		for (int i = 0; i < o->ev.nmetrics; i++)
			add_num(m, o->ev.metrics[i].name, o->ev.metrics[i].value);
		for (int i = 0; i < ev->ndims; i++)
			add_num(d, ev->dims[i].name, o->ev.desc[i]);
	}
	if (o->has_fhash) {
		char h[17];
		outcome_hash(o->fhash, h);
		cJSON_AddStringToObject(j, "functional_hash", h);
	} else {
		cJSON_AddNullToObject(j, "functional_hash");
	}
	cJSON *t = cJSON_AddObjectToObject(j, "time_ms");
	add_num(t, "compile", o->t_compile_ms);
	add_num(t, "run", o->t_run_ms);
	add_num(t, "score", o->t_score_ms);
	add_num(t, "total", o->t_total_ms);
	return j;
}

void outcome_text(FILE *out, const struct ev_evaluator *ev, const char *name,
                         const struct pl_outcome *o)
{
	fprintf(out, "%s (%s)\n", name, ev->name);
	fprintf(out, "  status      %s", sbx_status_name(o->status));
	if (o->status == SBX_CRASH && o->signal) fprintf(out, " (%s)", sbx_signal_name(o->signal));
	fprintf(out, "\n");
	if (o->status == SBX_OK) {
		fprintf(out, "  score       %.6g%s\n", o->score + 0.0,
		        o->passed ? "" : "  (stopped below a stage threshold)");
		if (o->stage >= 0) fprintf(out, "  stage       %s\n", ev->stages[o->stage].name);
		for (int i = 0; i < ev->ndims; i++)
			fprintf(out, "  %-11s %g (descriptor)\n", ev->dims[i].name, o->ev.desc[i]);
		for (int i = 0; i < o->ev.nmetrics; i++)
			fprintf(out, "  %-11s %.6g\n", o->ev.metrics[i].name, o->ev.metrics[i].value);
	} else {
		fprintf(out, "  score       -\n");
	}
	if (o->has_fhash) {
		char h[17];
		outcome_hash(o->fhash, h);
		fprintf(out, "  hash        %s (functional, probe outputs)\n", h);
	}
	fprintf(out, "  time        compile %.3f ms, run %.3f ms, score %.3f ms, total %.3f ms\n",
	        o->t_compile_ms, o->t_run_ms, o->t_score_ms, o->t_total_ms);
	if (o->message[0]) {
		fprintf(out, "  messages\n");
		const char *p = o->message;
		while (*p) {
			const char *e = strchr(p, '\n');
			int n = e ? (int)(e - p) : (int)strlen(p);
			fprintf(out, "    %.*s\n", n, p);
			if (!e) break;
			p = e + 1;
		}
	}
}
