/* cmd_baseline.c - `disco evaluators` and `disco baseline NAME`. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cli/cli.h"
#include "archive/arc.h"
#include "engine/pipeline.h"
#include "engine/sym/sym.h"
#include "engine/tune.h"
#include "evaluators/open.h"
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

enum { B_JSON, B_TIMEOUT, B_CMD, B_TUNE, B_SEED, B_DB };
static const struct cli_opt base_opts[] = {
	[B_JSON] = { "json", NULL, "print a JSON array, one object per seed" },
	[B_TIMEOUT] = { "timeout-ms", "N", "deadline per program (default 2000)" },
	[B_CMD] = { "evaluator-cmd", "CMD", "an external evaluator command instead of NAME" },
	[B_TUNE] = { "tune", "N", "also tune each seed's float constants with N evaluations (engine/tune.h)" },
	[B_SEED] = { "seed", "S", "rng seed of the tuner (default 1): the same seed gives the same tuning" },
	[B_DB] = { "db", "FILE", "store the tuned figures in this archive (created if missing), so\n"
	                          "'disco run --db FILE' compares with the best tuned baseline" },
	{ NULL, NULL, NULL },
};
static const struct cli_spec base_spec = {
	"baseline", "NAME|FILE.c | --evaluator-cmd CMD [--json] [--tune N [--seed S] [--db FILE]]",
	"Score every seed program of evaluator NAME on the train and held-out splits:\n"
	"the bar discovered programs have to beat.  Seeds run through the same sandbox\n"
	"and scoring as any candidate.  With --tune N, each seed's float constants are\n"
	"tuned on the train split with N more evaluations (a (1+1) evolution strategy,\n"
	"reproducible by --seed) and the tuned program is scored on both splits too:\n"
	"a discovered program should beat the tuned figures, not just the defaults.\n"
	"A seed with an IR form of the same name (built-in evaluators) is tuned by the\n"
	"symbolic search's own constant fitter instead (optim: step size first).",
	base_opts, 0, 1,
};

/* The first line of a message, escaped. */
static void first_line(FILE *f, const char *m)
{
	const char *nl = strchr(m, '\n');
	text_put(f, m, nl ? (size_t)(nl - m) : strlen(m), 0);
}

static void cell(char *buf, size_t n, const struct pl_outcome *o)
{
	if (o->status == SBX_OK)
		snprintf(buf, n, "%.4f", o->score);
	else
		snprintf(buf, n, "-");
}

static void json_score(cJSON *j, const char *key, const struct pl_outcome *o)
{
	if (o->status == SBX_OK)
		cJSON_AddNumberToObject(j, key, o->score);
	else
		cJSON_AddNullToObject(j, key);
}

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
	double tune = 0, seed = 1;
	if (cli_number(&base_spec, &a, B_TUNE, 1, 1e6, &tune) ||
	    cli_number(&base_spec, &a, B_SEED, 0, 9007199254740992.0, &seed))
		return 2;
	if (tune != floor(tune) || seed != floor(seed)) {
		fprintf(stderr, "disco baseline: --tune and --seed expect whole numbers\n");
		return 2;
	}
	if ((a.val[B_DB] || a.val[B_SEED]) && !a.val[B_TUNE]) {
		fprintf(stderr, "disco baseline: --db and --seed go with --tune N\n");
		return 2;
	}
	struct sbx_limits lim;
	if (cli_limits(&base_spec, &a, B_TIMEOUT, -1, -1, &lim))
		return 2;
	char err[512];
	struct sbx *sb = sbx_open(1, &lim, err, sizeof err);
	if (!sb) {
		cli_fail("baseline", err);
		return 1;
	}
	const struct ev_evaluator *ev = a.val[B_CMD] ? ev_open_cmd(a.val[B_CMD], &lim, err, sizeof err)
	                                             : ev_open(a.pos[0], &lim, err, sizeof err);
	if (!ev) {
		cli_fail("baseline", err);
		sbx_close(&sb);
		return 1;
	}
	struct arc *db = NULL;
	if (a.val[B_DB] && !(db = arc_open(a.val[B_DB], ARC_CREATE, err, sizeof err))) {
		cli_fail("baseline", err);
		ev_close(&ev);
		sbx_close(&sb);
		return 1;
	}
	struct pl_outcome *o = malloc(4 * sizeof *o); /* train, held-out; tuned train, held-out */
	cJSON *arr = a.val[B_JSON] ? cJSON_CreateArray() : NULL;
	if (!arr && tune)
		printf("%-24s %12s %12s %13s %13s  %s\n", "seed", "train", "heldout", "tuned train", "tuned heldout",
		       "status");
	else if (!arr)
		printf("%-24s %12s %12s  %s\n", "seed", "train", "heldout", "status");
	int idx = 0;
	for (const struct ev_seed *s = ev->seeds; o && s && s->name; s++, idx++) {
		size_t len = strlen(s->source);
		if (pl_eval(sb, ev, s->source, len, EV_TRAIN, 0, &o[0], err, sizeof err) ||
		    pl_eval(sb, ev, s->source, len, EV_HELDOUT, 0, &o[1], err, sizeof err)) {
			cli_fail("baseline", err);
			rc = 1;
			break;
		}
		struct tune_result tr = { 0 };
		int tuned = 0;
		if (tune) {
			/* each seed its own stream: adding a seed never changes another's tuning */
			struct tune_opts to = { (int)tune, (uint64_t)seed * 0x9e3779b97f4a7c15ULL + (uint64_t)idx, 0, NULL };
			/* the IR seed of the same name, if any: tuned by the search's own fitter (tune.h) */
			struct sym_prog ip;
			const char *nm;
			char ierr[256], *irt = NULL;
			if (ev->version >= 2 && ev->ir && sym_seeds(ev, s->name, &nm, &ip, 1, ierr, sizeof ierr) == 1)
				to.ir = irt = sym_print(&ip);
			int trc = tune_program(sb, ev, s->source, &to, &tr, err, sizeof err);
			free(irt);
			if (trc ||
			    pl_eval(sb, ev, tr.source, strlen(tr.source), EV_TRAIN, 0, &o[2], err, sizeof err) ||
			    pl_eval(sb, ev, tr.source, strlen(tr.source), EV_HELDOUT, 0, &o[3], err, sizeof err)) {
				cli_fail("baseline", err);
				tune_result_release(&tr);
				rc = 1;
				break;
			}
			tuned = 1;
			if (db && o[2].status == SBX_OK) {
				struct arc_tuned t = { .evals = tr.evals, .tune_seed = to.seed,
				                       .train = o[2].score, .heldout = o[3].status == SBX_OK ? o[3].score : NAN,
				                       .default_train = o[0].status == SBX_OK ? o[0].score : NAN,
				                       .default_heldout = o[1].status == SBX_OK ? o[1].score : NAN,
				                       .source = tr.source };
				snprintf(t.seed, sizeof t.seed, "%s", s->name);
				if (arc_tuned_put(db, ev->name, &t) != ARC_OK) {
					fprintf(stderr, "disco baseline: %s\n", arc_errmsg(db));
					tune_result_release(&tr);
					rc = 1;
					break;
				}
			}
		}
		const char *st = sbx_status_name(o[0].status != SBX_OK ? o[0].status : o[1].status);
		if (arr) {
			cJSON *j = cJSON_CreateObject();
			text_json_add(j, "seed", s->name);
			cJSON_AddStringToObject(j, "status", st);
			json_score(j, "train", &o[0]);
			json_score(j, "heldout", &o[1]);
			if (tuned) {
				cJSON *t = cJSON_AddObjectToObject(j, "tuned");
				json_score(t, "train", &o[2]);
				json_score(t, "heldout", &o[3]);
				cJSON_AddNumberToObject(t, "evals", tr.evals);
				cJSON_AddNumberToObject(t, "improved", tr.improved);
				cJSON_AddNumberToObject(t, "constants", tr.nconst);
				text_json_add(t, "source", tr.source);
			}
			cJSON_AddItemToArray(arr, j);
		} else {
			char tr0[32], ho0[32], tr1[32] = "-", ho1[32] = "-";
			cell(tr0, sizeof tr0, &o[0]);
			cell(ho0, sizeof ho0, &o[1]);
			text_puts(stdout, s->name, 0);
			size_t nl = strlen(s->name);
			printf("%*s %12s %12s", nl < 24 ? 24 - (int)nl : 0, "", tr0, ho0);
			if (tuned) {
				cell(tr1, sizeof tr1, &o[2]);
				cell(ho1, sizeof ho1, &o[3]);
				printf(" %13s %13s", tr1, ho1);
			}
			printf("  %s", st);
			if (o[0].status != SBX_OK) {
				printf(": ");
				first_line(stdout, o[0].message);
			} else if (tuned && tr.nconst == 0) {
				printf(" (no float constant to tune)");
			}
			printf("\n");
		}
		tune_result_release(&tr);
	}
	if (arr) {
		char *js = cJSON_Print(arr);
		printf("%s\n", js);
		free(js);
		cJSON_Delete(arr);
	}
	if (db && rc != 1 && !arr)
		printf("tuned figures stored in %s\n", a.val[B_DB]);
	arc_close(&db);
	free(o);
	ev_close(&ev);
	sbx_close(&sb);
	return rc < 0 ? 0 : rc;
}
