/* cmd_report.c - `disco report --db FILE [--out report.html]`: the HTML
 * report of a campaign (archive/report/report.h). */
#include <stdio.h>

#include "archive/arc.h"
#include "archive/report/report.h"
#include "engine/cli/cli.h"
#include "evaluators/evaluator.h"

enum { R_DB, R_OUT, R_TOP };
static const struct cli_opt report_opts[] = {
	[R_DB] = { "db", "FILE", "the campaign archive (opened read-only; a running campaign's too)" },
	[R_OUT] = { "out", "FILE", "where to write the page (default report.html; replaced atomically)" },
	[R_TOP] = { "top", "N", "programs in the top table (default 20)" },
	{ NULL, NULL, NULL },
};
static const struct cli_spec report_spec = {
	"report", "--db FILE [--out report.html] [--top N]",
	"Writes one self-contained HTML page about a campaign: its summary (evaluator,\n"
	"config, seed, budget used, duration, rates, LLM spend), the map of elites of\n"
	"each island (click a cell for its elite's code, score, descriptors and\n"
	"metrics), best score, coverage and QD-score over the attempts, attempts by\n"
	"status and by mutator, the front of score against each descriptor, the\n"
	"lineage of the best program with its diffs, and the top programs next to the\n"
	"baselines.  No network: CSS, SVG and a little JavaScript are inline.\n"
	"'disco run --report FILE' keeps such a page up to date during a campaign.",
	report_opts, 0, 0,
};

void cli_report_reference(struct rpt_opts *o, const struct ev_evaluator *ev)
{
	const struct ev_reference *r = ev && ev->version >= 2 ? ev->reference : NULL;
	if (!r)
		return;
	o->ref_dim = r->dim;
	o->ref_label = r->label;
	o->ref_n = r->n;
	o->ref_value = r->value;
	o->ref_score = r->score;
}

int cmd_report(int argc, char **argv)
{
	struct cli_args a;
	int rc = cli_parse(&report_spec, argc, argv, &a);
	if (rc >= 0)
		return rc;
	if (!a.val[R_DB] || !*a.val[R_DB]) {
		fprintf(stderr, "disco report: missing --db FILE (the campaign archive)\n");
		return 2;
	}
	double top = 20;
	if (cli_number(&report_spec, &a, R_TOP, 1, 10000, &top))
		return 2;
	const char *out = a.val[R_OUT] && *a.val[R_OUT] ? a.val[R_OUT] : "report.html";
	struct rpt_opts o = { .top = (int)top };
	char err[1024];
	/* The front's reference curve, when the campaign's evaluator is a
	 * built-in that has one. */
	struct arc *arc = arc_open(a.val[R_DB], ARC_READONLY, err, sizeof err);
	const struct ev_evaluator *ev = arc ? cli_campaign_builtin(arc) : NULL;
	arc_close(&arc);
	cli_report_reference(&o, ev);
	if (rpt_write_file_opts(a.val[R_DB], out, &o, err, sizeof err)) {
		fprintf(stderr, "disco report: %s\n", err);
		return 1;
	}
	printf("report: %s\n", out);
	return 0;
}
