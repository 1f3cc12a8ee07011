/* cmd_eval.c - `disco eval FILE --evaluator NAME`: one candidate, end to end. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cli.h"
#include "engine/pipeline.h"
#include "engine/report.h"

enum { O_EVALUATOR, O_JSON, O_SPLIT, O_TIMEOUT, O_MEM, O_MAXSRC, O_TOL };
static const struct cli_opt opts[] = {
	[O_EVALUATOR] = { "evaluator", "NAME", "evaluator to use (see 'disco evaluators'); required" },
	[O_JSON] = { "json", NULL, "print exactly one JSON object on stdout" },
	[O_SPLIT] = { "split", "train|heldout", "workload split to score on (default train)" },
	[O_TIMEOUT] = { "timeout-ms", "N", "wall-clock deadline for compile + run (default 2000)" },
	[O_MEM] = { "mem-mb", "N", "address-space limit of the sandbox in MiB (default 256)" },
	[O_MAXSRC] = { "max-source-bytes", "N", "refuse larger sources (default 65536)" },
	[O_TOL] = { "hash-tolerance", "X", "relative tolerance of the functional hash (default 1e-15, a few ULPs)" },
	{ NULL, NULL, NULL },
};
static const struct cli_spec spec = {
	"eval", "FILE --evaluator NAME [options]",
	"Compile FILE with libtcc and run it in the sandbox, then score its raw outputs\n"
	"outside the sandbox.  Prints the status (ok, rejected, compile_error, timeout,\n"
	"crash, memory, syscall, invalid_output), score, metrics, descriptors, the\n"
	"functional hash of the probe outputs, compiler messages and time per phase.\n"
	"Exits 0 whenever the evaluation ran, whatever the candidate did; 1 for setup\n"
	"errors (unreadable FILE, unknown evaluator); 2 for usage errors.",
	opts, 1, 1,
};

int cmd_eval(int argc, char **argv)
{
	struct cli_args a;
	int rc = cli_parse(&spec, argc, argv, &a);
	if (rc >= 0)
		return rc;
	if (!a.val[O_EVALUATOR]) {
		fprintf(stderr, "disco eval: --evaluator NAME is required; see 'disco evaluators'\n");
		return 2;
	}
	const struct ev_evaluator *ev = ev_find(a.val[O_EVALUATOR]);
	if (!ev) {
		fprintf(stderr, "disco eval: unknown evaluator '%s'; see 'disco evaluators'\n", a.val[O_EVALUATOR]);
		return 1;
	}
	int split = EV_TRAIN;
	if (a.val[O_SPLIT]) {
		if (!strcmp(a.val[O_SPLIT], "heldout")) split = EV_HELDOUT;
		else if (strcmp(a.val[O_SPLIT], "train")) {
			fprintf(stderr, "disco eval: --split expects train or heldout, got '%s'\n", a.val[O_SPLIT]);
			return 2;
		}
	}
	struct sbx_limits lim;
	double tol = 1e-15;
	if (cli_limits(&spec, &a, O_TIMEOUT, O_MEM, O_MAXSRC, &lim) ||
	    cli_number(&spec, &a, O_TOL, 0, 1, &tol))
		return 2;

	char err[512];
	/* Start the fork server first, while this process is small. */
	struct sbx *sb = sbx_open(1, &lim, err, sizeof err);
	if (!sb) {
		fprintf(stderr, "disco eval: %s\n", err);
		return 1;
	}
	size_t len;
	char *src = cli_read_file(a.pos[0], &len, err, sizeof err);
	if (!src) {
		sbx_close(&sb);
		fprintf(stderr, "disco eval: cannot read candidate %s\n", err);
		return 1;
	}
	struct pl_outcome *o = malloc(sizeof *o);
	if (!o || pl_eval(sb, ev, src, len, split, tol, o, err, sizeof err)) {
		fprintf(stderr, "disco eval: %s\n", o ? err : "out of memory");
		free(o); free(src); sbx_close(&sb);
		return 1;
	}
	if (a.val[O_JSON]) {
		cJSON *j = report_outcome_json(ev, o);
		cJSON_AddStringToObject(j, "file", a.pos[0]);
		char *s = cJSON_PrintUnformatted(j);
		printf("%s\n", s);
		free(s);
		cJSON_Delete(j);
	} else {
		report_outcome_text(stdout, ev, a.pos[0], o);
	}
	free(o);
	free(src);
	sbx_close(&sb);
	return 0;
}
