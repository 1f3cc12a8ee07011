/* cmd_report.c - `disco report --db FILE [--out report.html]`: the HTML
 * report of a campaign (archive/report/report.h). */
#include <stdio.h>

#include "archive/report/report.h"
#include "engine/cli/cli.h"

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
	if (rpt_write_file_opts(a.val[R_DB], out, &o, err, sizeof err)) {
		fprintf(stderr, "disco report: %s\n", err);
		return 1;
	}
	printf("report: %s\n", out);
	return 0;
}
