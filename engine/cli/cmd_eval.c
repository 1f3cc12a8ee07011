/* cmd_eval.c - `disco eval FILE --evaluator NAME`: one candidate, end to end. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cli/cli.h"
#include "engine/pipeline.h"
#include "engine/cli/outcome.h"
#include "evaluators/open.h"
#include "evaluators/plugin.h"
#include "evaluators/text.h"

enum { O_EVALUATOR, O_CMD, O_JSON, O_SPLIT, O_TIMEOUT, O_MEM, O_MAXSRC, O_TOL };
static const struct cli_opt opts[] = {
	[O_EVALUATOR] = { "evaluator", "NAME", "evaluator to use (see 'disco evaluators'); required" },
	[O_CMD] = { "evaluator-cmd", "CMD", "external evaluator command (JSON protocol, docs/EVALUATORS.md)" },
	[O_JSON] = { "json", NULL, "print exactly one JSON object on stdout" },
	[O_SPLIT] = { "split", "train|heldout", "workload split to score on (default train)" },
	[O_TIMEOUT] = { "timeout-ms", "N", "wall-clock deadline for compile + run (default 2000)" },
	[O_MEM] = { "mem-mb", "N", "address-space limit of the sandbox in MiB (default 256)" },
	[O_MAXSRC] = { "max-source-bytes", "N", "refuse larger sources (default 65536)" },
	[O_TOL] = { "hash-tolerance", "X", "relative tolerance of the functional hash (default 1e-15, a few ULPs)" },
	{ NULL, NULL, NULL },
};
static const struct cli_spec spec = {
	"eval", "FILE (--evaluator NAME|FILE.c | --evaluator-cmd CMD) [options]",
	"Compile FILE with libtcc and run it in the sandbox, then score its raw outputs\n"
	"outside the sandbox.  Prints the status (ok, rejected, compile_error, timeout,\n"
	"crash, memory, syscall, invalid_output), score, metrics, descriptors, the\n"
	"functional hash of the probe outputs, compiler messages and time per phase.\n"
	"Exits 0 whenever the evaluation ran, whatever the candidate did; 1 for setup\n"
	"errors (unreadable FILE, unknown evaluator); 2 for usage errors.",
	opts, 1, 1,
};

static void print_outcome(const struct cli_args *a, const struct ev_evaluator *ev,
                          const struct pl_outcome *o)
{
	if (a->val[O_JSON]) {
		cJSON *j = outcome_json(ev, o);
		text_json_add(j, "file", a->pos[0]);
		char *s = cJSON_PrintUnformatted(j);
		printf("%s\n", s);
		free(s);
		cJSON_Delete(j);
	} else {
		outcome_text(stdout, ev, a->pos[0], o);
	}
}

int cmd_eval(int argc, char **argv)
{
	struct cli_args a;
	int rc = cli_parse(&spec, argc, argv, &a);
	if (rc >= 0)
		return rc;
	if (!a.val[O_EVALUATOR] == !a.val[O_CMD]) {
		fprintf(stderr, "disco eval: give one of --evaluator NAME (see 'disco evaluators') or --evaluator-cmd CMD\n");
		return 2;
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
	/* Start the fork servers first, while this process is small. */
	struct sbx *sb = sbx_open(1, &lim, err, sizeof err);
	if (!sb) {
		cli_fail("eval", err);
		return 1;
	}
	const struct ev_evaluator *ev = a.val[O_CMD] ? ev_open_cmd(a.val[O_CMD], &lim, err, sizeof err)
	                                             : ev_open(a.val[O_EVALUATOR], &lim, err, sizeof err);
	if (!ev) {
		cli_fail("eval", err);
		sbx_close(&sb);
		return 1;
	}
	size_t len = 0;
	char *src = cli_read_file(a.pos[0], lim.max_source, &len, err, sizeof err);
	if (!src && len == SIZE_MAX) {
		/* Too large is the candidate's doing: an outcome (exit 0), after
		 * reading no more than the limit + 1 bytes. */
		struct pl_outcome *o = calloc(1, sizeof *o);
		int got = o != NULL;
		if (o) {
			o->status = SBX_REJECTED;
			o->stage = -1;
			o->score = NAN;
			snprintf(o->message, sizeof o->message,
			         "source is larger than %zu bytes, the limit (raise it with --max-source-bytes)",
			         lim.max_source);
			print_outcome(&a, ev, o);
		}
		free(o);
		plugin_free(&ev);
		sbx_close(&sb);
		if (!got)
			fprintf(stderr, "disco eval: out of memory\n");
		return got ? 0 : 1;
	}
	if (!src) {
		ev_close(&ev);
		sbx_close(&sb);
		fprintf(stderr, "disco eval: cannot read candidate ");
		text_puts(stderr, err, 0);
		fprintf(stderr, "%s\n", strstr(err, "larger than") ? " (raise the limit with --max-source-bytes)" : "");
		return 1;
	}
	struct pl_outcome *o = malloc(sizeof *o);
	if (!o || pl_eval(sb, ev, src, len, split, tol, o, err, sizeof err)) {
		cli_fail("eval", o ? err : "out of memory");
		free(o); free(src); ev_close(&ev); sbx_close(&sb);
		return 1;
	}
	print_outcome(&a, ev, o);
	free(o);
	free(src);
	ev_close(&ev);
	sbx_close(&sb);
	return 0;
}
