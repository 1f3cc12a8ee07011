/* outcome.c - see outcome.h.  Every string that a candidate, a plug-in or
 * an external command could have chosen goes through evaluators/text.h:
 * escaped for the terminal, valid UTF-8 in JSON. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "engine/cli/outcome.h"
#include "evaluators/text.h"

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
		cJSON_AddItemToArray(arr, text_json_string(line));
		p = e ? e + 1 : NULL;
	}
	return arr;
}

static void add_num(cJSON *o, const char *k, double v)
{
	text_json_add_number(o, k, v);
}

cJSON *outcome_json(const struct ev_evaluator *ev, const struct pl_outcome *o)
{
	cJSON *j = cJSON_CreateObject();
	int ok = o->status == SBX_OK;
	text_json_add(j, "evaluator", ev->name);
	cJSON_AddStringToObject(j, "status", sbx_status_name(o->status));
	if (o->status == SBX_CRASH && o->signal) cJSON_AddStringToObject(j, "signal", sbx_signal_name(o->signal));
	else cJSON_AddNullToObject(j, "signal");
	add_num(j, "score", ok ? o->score : NAN);
	cJSON_AddBoolToObject(j, "passed_all_stages", ok && o->passed);
	if (o->stage >= 0) text_json_add(j, "stage", ev->stages[o->stage].name ? ev->stages[o->stage].name : "");
	else cJSON_AddNullToObject(j, "stage");
	const char *nl = strchr(o->message, '\n');
	char first[512];
	snprintf(first, sizeof first, "%.*s", nl ? (int)(nl - o->message) : (int)strlen(o->message), o->message);
	text_json_add(j, "message", first);
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

/* A name padded to 11 columns, escaped. */
static void label(FILE *out, const char *name)
{
	size_t n = strlen(name ? name : "");
	text_puts(out, name, 0);
	for (; n < 11; n++)
		fputc(' ', out);
}

void outcome_text(FILE *out, const struct ev_evaluator *ev, const char *name,
                         const struct pl_outcome *o)
{
	text_puts(out, name, 0);
	fprintf(out, " (");
	text_puts(out, ev->name, 0);
	fprintf(out, ")\n");
	fprintf(out, "  status      %s", sbx_status_name(o->status));
	if (o->status == SBX_CRASH && o->signal) fprintf(out, " (%s)", sbx_signal_name(o->signal));
	fprintf(out, "\n");
	if (o->status == SBX_OK) {
		fprintf(out, "  score       %.6g%s\n", o->score + 0.0,
		        o->passed ? "" : "  (stopped below a stage threshold)");
		if (o->stage >= 0) {
			fprintf(out, "  stage       ");
			text_puts(out, ev->stages[o->stage].name, 0);
			fprintf(out, "\n");
		}
		for (int i = 0; i < ev->ndims; i++) {
			fprintf(out, "  ");
			label(out, ev->dims[i].name);
			fprintf(out, " %g (descriptor)\n", o->ev.desc[i]);
		}
		for (int i = 0; i < o->ev.nmetrics; i++) {
			fprintf(out, "  ");
			label(out, o->ev.metrics[i].name);
			fprintf(out, " %.6g\n", o->ev.metrics[i].value);
		}
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
			fprintf(out, "    ");
			text_put(out, p, (size_t)n, 0);
			fprintf(out, "\n");
			if (!e) break;
			p = e + 1;
		}
	}
}
