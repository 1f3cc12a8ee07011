/* cmd_baseline.c - `disco evaluators` and `disco baseline NAME`. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cli/cli.h"
#include "engine/pipeline.h"
#include "evaluators/plugin.h"
#include "evaluators/text.h"

static const struct cli_opt list_opts[] = { { "json", NULL, "print a JSON array" }, { NULL, NULL, NULL } };
static const struct cli_spec list_spec = {
	"evaluators", "[--json]", "List the built-in evaluators with one line each.", list_opts, 0, 0,
};

int cmd_evaluators(int argc, char **argv)
{
	struct cli_args a;
	int rc = cli_parse(&list_spec, argc, argv, &a);
	if (rc >= 0)
		return rc;
	cJSON *arr = a.val[0] ? cJSON_CreateArray() : NULL;
	for (int i = 0; ev_builtin(i); i++) {
		const struct ev_evaluator *ev = ev_builtin(i);
		int nseeds = 0;
		for (const struct ev_seed *s = ev->seeds; s && s->name; s++)
			nseeds++;
		if (arr) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "name", ev->name);
			cJSON_AddStringToObject(o, "summary", ev->summary ? ev->summary : "");
			cJSON_AddNumberToObject(o, "seeds", nseeds);
			cJSON_AddNumberToObject(o, "stages", ev->nstages);
			cJSON *d = cJSON_AddArrayToObject(o, "dims");
			for (int k = 0; k < ev->ndims; k++)
				cJSON_AddItemToArray(d, cJSON_CreateString(ev->dims[k].name));
			cJSON_AddItemToArray(arr, o);
		} else {
			printf("%-16s %s\n", ev->name, ev->summary ? ev->summary : "");
		}
	}
	if (arr) {
		char *s = cJSON_Print(arr);
		printf("%s\n", s);
		free(s);
		cJSON_Delete(arr);
	}
	return 0;
}

enum { B_JSON, B_TIMEOUT, B_CMD };
static const struct cli_opt base_opts[] = {
	[B_JSON] = { "json", NULL, "print a JSON array, one object per seed" },
	[B_TIMEOUT] = { "timeout-ms", "N", "deadline per program (default 2000)" },
	[B_CMD] = { "evaluator-cmd", "CMD", "an external evaluator command instead of NAME" },
	{ NULL, NULL, NULL },
};
static const struct cli_spec base_spec = {
	"baseline", "NAME|FILE.c | --evaluator-cmd CMD [--json]",
	"Score every seed program of evaluator NAME on the train and held-out splits:\n"
	"the bar discovered programs have to beat.  Seeds run through the same sandbox\n"
	"and scoring as any candidate.",
	base_opts, 0, 1,
};

int cmd_baseline(int argc, char **argv)
{
	struct cli_args a;
	int rc = cli_parse(&base_spec, argc, argv, &a);
	if (rc >= 0)
		return rc;
	if ((a.npos == 1) == (a.val[B_CMD] != NULL)) {
		fprintf(stderr, "disco baseline: give an evaluator NAME (see 'disco evaluators'), a plug-in FILE.c, or --evaluator-cmd CMD\n");
		return 2;
	}
	struct sbx_limits lim;
	if (cli_limits(&base_spec, &a, B_TIMEOUT, -1, -1, &lim))
		return 2;
	char err[512];
	struct sbx *sb = sbx_open(1, &lim, err, sizeof err);
	if (!sb) {
		fprintf(stderr, "disco baseline: %s\n", err);
		return 1;
	}
	const struct ev_evaluator *ev = a.val[B_CMD] ? ev_open_cmd(a.val[B_CMD], &lim, err, sizeof err)
	                                             : ev_open(a.pos[0], &lim, err, sizeof err);
	if (!ev) {
		fprintf(stderr, "disco baseline: %s\n", err);
		sbx_close(&sb);
		return 1;
	}
	struct pl_outcome *o = malloc(2 * sizeof *o);
	cJSON *arr = a.val[B_JSON] ? cJSON_CreateArray() : NULL;
	if (!arr)
		printf("%-24s %12s %12s  %s\n", "seed", "train", "heldout", "status");
	for (const struct ev_seed *s = ev->seeds; o && s && s->name; s++) {
		size_t len = strlen(s->source);
		if (pl_eval(sb, ev, s->source, len, EV_TRAIN, 0, &o[0], err, sizeof err) ||
		    pl_eval(sb, ev, s->source, len, EV_HELDOUT, 0, &o[1], err, sizeof err)) {
			fprintf(stderr, "disco baseline: %s\n", err);
			rc = 1;
			break;
		}
		const char *st = sbx_status_name(o[0].status != SBX_OK ? o[0].status : o[1].status);
		if (arr) {
			cJSON *j = cJSON_CreateObject();
			text_json_add(j, "seed", s->name);
			cJSON_AddStringToObject(j, "status", st);
			for (int k = 0; k < 2; k++) {
				const char *key = k ? "heldout" : "train";
				if (o[k].status == SBX_OK) cJSON_AddNumberToObject(j, key, o[k].score);
				else cJSON_AddNullToObject(j, key);
			}
			cJSON_AddItemToArray(arr, j);
		} else {
			char tr[32] = "-", ho[32] = "-";
			if (o[0].status == SBX_OK) snprintf(tr, sizeof tr, "%.4f", o[0].score);
			if (o[1].status == SBX_OK) snprintf(ho, sizeof ho, "%.4f", o[1].score);
			text_puts(stdout, s->name, 0);
			printf("%*s %12s %12s  %s", strlen(s->name) < 24 ? 24 - (int)strlen(s->name) : 0, "", tr, ho, st);
			if (o[0].status != SBX_OK) {
				/* the first line of the message, escaped */
				const char *m = o[0].message, *nl = strchr(m, '\n');
				printf(": ");
				text_put(stdout, m, nl ? (size_t)(nl - m) : strlen(m), 0);
			}
			printf("\n");
		}
	}
	if (arr) {
		char *s = cJSON_Print(arr);
		printf("%s\n", s);
		free(s);
		cJSON_Delete(arr);
	}
	free(o);
	plugin_free(&ev);
	sbx_close(&sb);
	return rc < 0 ? 0 : rc;
}
