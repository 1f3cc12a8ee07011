/* progress.c - see progress.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/progress.h"
#include "evaluators/mono.h"
#include "sandbox/sbx.h"

struct progress {
	int quiet, tty, shown;
	int64_t budget, done_before, attempts, dups;
	int64_t by_status[SBX_NSTATUS];
	double wall, t0, last;
};

struct progress *progress_new(int quiet, int64_t budget_evals, double budget_wall_s,
                              int64_t done_before)
{
	struct progress *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->quiet = quiet;
	p->tty = isatty(2);
	p->budget = budget_evals;
	p->wall = budget_wall_s;
	p->done_before = done_before;
	p->t0 = p->last = mono_s();
	return p;
}

void progress_free(struct progress **p)
{
	if (p && *p) {
		free(*p);
		*p = NULL;
	}
}

void progress_attempt(struct progress *p, int status, double score, int outcome)
{
	(void)score; (void)outcome;
	p->attempts++;
	if (status < 0) p->dups++;
	else if (status < SBX_NSTATUS) p->by_status[status]++;
}

int progress_due(struct progress *p)
{
	if (p->quiet)
		return 0;
	double t = mono_s();
	if (t - p->last < (p->tty ? 0.25 : 5.0))
		return 0;
	p->last = t;
	return 1;
}

void progress_show(struct progress *p, const struct arc_stats *st, double hit_rate)
{
	double el = mono_s() - p->t0, rate = el > 0 ? p->attempts / el : 0;
	char fails[256] = "";
	size_t o = 0;
	for (int s = 1; s < SBX_NSTATUS; s++)
		if (p->by_status[s] && o < sizeof fails)
			o += (size_t)snprintf(fails + o, sizeof fails - o, " %s %lld", sbx_status_name(s),
			                      (long long)p->by_status[s]);
	char budget[96] = "";
	int64_t total = p->done_before + p->attempts;
	if (p->budget > 0) {
		double left = rate > 0 ? (p->budget - total) / rate : 0;
		snprintf(budget, sizeof budget, "  budget %.0f%% (%.0fs left)", 100.0 * total / p->budget,
		         left > 0 ? left : 0);
	} else if (p->wall > 0) {
		snprintf(budget, sizeof budget, "  time %.0f/%.0fs", el, p->wall);
	}
	char best[32] = "-";
	if (isfinite(st->best_score))
		snprintf(best, sizeof best, "%.6g", st->best_score);
	char llm[128] = ""; /* spend, when an LLM is used */
	if (st->llm_calls) {
		double ktok = (double)(st->tokens_in + st->tokens_out) / 1000;
		snprintf(llm, sizeof llm, "  llm %lld calls %.1fk tok $%.4f %.2f impr/1k tok%s",
		         (long long)st->llm_calls, ktok, st->llm_cost,
		         ktok > 0 ? st->llm_improvements / ktok : 0.0, st->llm_usage_unknown ? " (some usage unknown)" : "");
	}
	fprintf(stderr, "%s%lld attempts  %.0f/s  best %s  coverage %.1f%%  QD %.4g  hash hits %.1f%%%s%s%s%s%s",
	        p->tty ? "\r\033[K" : "", (long long)total, rate, best, 100 * st->coverage, st->qd_score,
	        100 * hit_rate, fails[0] ? "  failed:" : "", fails, llm, budget, p->tty ? "" : "\n");
	fflush(stderr);
	p->shown = 1;
}

void progress_end(struct progress *p)
{
	if (p && p->tty && p->shown)
		fputc('\n', stderr);
}
