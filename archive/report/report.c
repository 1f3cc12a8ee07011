/*
 * report.c - the HTML report's sections, from the archive's queries.  See
 * report.h.  Archive text goes through rpt_esc() only (rpt_int.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "archive/arc.h"
#include "archive/arc_int.h"
#include "archive/front.h"
#include "archive/query.h"
#include "archive/report/report.h"
#include "archive/report/rpt_int.h"

#define MAX_ISLANDS_SHOWN 32
#define SOURCE_BUDGET (3 << 20) /* bytes of embedded sources per page */
#define DIFF_MAX (32 << 10)     /* bytes of one lineage diff */

struct ctx {
	struct arc *a;
	struct rpt_out o;
	struct rpt_opts opt;
	struct arc_stats st;
	struct arc_dim dims[ARC_MAX_DIMS];
	int ndims, islands;
	int64_t *embed; /* programs the panel must hold, in order */
	size_t nembed, cap;
	int64_t *hset;  /* the same ids, as a set */
	size_t hcap;
	size_t src_bytes;
	char err[512];
};

static const char *const status_color[] = {
	"#3a9d5d", "#9aa1ad", "#e08a2e", "#8a5cc7", "#d2453d",
	"#8b5a2b", "#d665a8", "#d6b52a", "#6fb7e0", "#4a4f5c",
};
_Static_assert(sizeof status_color / sizeof *status_color == ARC_NSTATUS,
               "one colour per attempt status");
static const char *const mut_color[8] = {
	"#2d6cdf", "#e07b39", "#3a9d5d", "#b04fc4", "#c9a227", "#d2453d", "#4cb3b3", "#7a7f8c",
};

static int fail(struct ctx *c)
{
	snprintf(c->err, sizeof c->err, "%s", arc_errmsg(c->a));
	return -1;
}

/* Remembers a program for the panel, once, in the order first asked for
 * (which is also the order the source budget is spent in); the set is an
 * open-addressing table of ids. */
static void want(struct ctx *c, int64_t id)
{
	if (id <= 0)
		return;
	if ((c->nembed + 1) * 2 > c->hcap) {
		size_t nc = c->hcap ? c->hcap * 2 : 1024;
		int64_t *nh = calloc(nc, sizeof *nh);
		if (!nh)
			return;
		for (size_t i = 0; i < c->nembed; i++) {
			size_t j = (size_t)c->embed[i] * 0x9e3779b97f4a7c15ull % nc;
			while (nh[j])
				j = (j + 1) % nc;
			nh[j] = c->embed[i];
		}
		free(c->hset);
		c->hset = nh;
		c->hcap = nc;
	}
	size_t j = (size_t)id * 0x9e3779b97f4a7c15ull % c->hcap;
	while (c->hset[j] && c->hset[j] != id)
		j = (j + 1) % c->hcap;
	if (c->hset[j] == id)
		return;
	if (c->nembed == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 256;
		int64_t *n = realloc(c->embed, nc * sizeof *n);
		if (!n)
			return;
		c->embed = n;
		c->cap = nc;
	}
	c->hset[j] = id;
	c->embed[c->nembed++] = id;
}

static void fmt_utc(char *buf, size_t n, double t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (t <= 0 || !gmtime_r(&tt, &tm))
		snprintf(buf, n, "-");
	else
		strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static void fmt_dur(char *buf, size_t n, double s)
{
	if (!(s >= 0))
		snprintf(buf, n, "-");
	else if (s < 120)
		snprintf(buf, n, "%.1f s", s);
	else if (s < 7200)
		snprintf(buf, n, "%.1f min", s / 60);
	else
		snprintf(buf, n, "%.1f h", s / 3600);
}

/* A row of the key/value table: key is this program's text, value
 * archive text. */
static void kv_text(struct ctx *c, const char *k, const char *v)
{
	rpt_fmt(&c->o, "<tr><td>%s</td><td>", k);
	rpt_esc(&c->o, v);
	rpt_lit(&c->o, "</td></tr>\n");
}

static void prog_link(struct ctx *c, int64_t id)
{
	if (id > 0) {
		want(c, id);
		rpt_fmt(&c->o, "<a href=\"#\" data-p=\"%lld\">%lld</a>", (long long)id, (long long)id);
	} else {
		rpt_lit(&c->o, "\xe2\x80\x93");
	}
}

/* --- summary ------------------------------------------------------------------------ */

static int summary(struct ctx *c, const char *db)
{
	struct arc_campaign_info ci;
	struct arc_kv *kv = NULL;
	struct arc_llm_row *llm = NULL;
	size_t nkv = 0, nllm = 0;
	char b1[64], b2[64];
	if (arc_q_campaign(c->a, &ci))
		return fail(c);
	if (arc_q_meta(c->a, &kv, &nkv) || arc_q_llm(c->a, &llm, &nllm)) {
		arc_campaign_info_clear(&ci);
		return fail(c);
	}
	cJSON *cfg = cJSON_Parse(ci.config);
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(cfg, "evaluator");
	const cJSON *budget = cJSON_GetObjectItemCaseSensitive(cfg, "budget");
	double bevals = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(budget, "evaluations"));
	double bwall = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(budget, "wall_seconds"));
	double bcost = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(budget, "cost_usd"));
	const cJSON *workers = cJSON_GetObjectItemCaseSensitive(cfg, "workers");

	rpt_lit(&c->o, "<section id=\"summary\"><h2>Campaign</h2><table class=\"kv\">\n");
	if (cJSON_IsString(ev)) {
		kv_text(c, "evaluator", ev->valuestring);
	} else if (ev) {
		char *t = cJSON_PrintUnformatted(ev);
		kv_text(c, "evaluator", t ? t : "?");
		free(t);
	}
	if (*ci.identity) {
		/* {"kind":..., "name":..., "hash":...}: shown as key value pairs */
		cJSON *id = cJSON_Parse(ci.identity);
		const cJSON *it;
		rpt_lit(&c->o, "<tr><td>evaluator identity</td><td>");
		int first = 1;
		cJSON_ArrayForEach(it, id)
		{
			rpt_lit(&c->o, first ? "" : ", ");
			first = 0;
			rpt_esc(&c->o, it->string);
			rpt_lit(&c->o, " ");
			if (cJSON_IsString(it))
				rpt_esc(&c->o, it->valuestring);
			else if (cJSON_IsNumber(it))
				rpt_num(&c->o, it->valuedouble);
		}
		if (!id)
			rpt_esc(&c->o, ci.identity);
		cJSON_Delete(id);
		rpt_lit(&c->o, "</td></tr>\n");
	}
	for (size_t i = 0; i < nkv; i++)
		if (!strncmp(kv[i].key, "evaluator", 9)) {
			rpt_lit(&c->o, "<tr><td>");
			rpt_esc(&c->o, kv[i].key);
			rpt_lit(&c->o, "</td><td>");
			rpt_esc(&c->o, kv[i].value);
			rpt_lit(&c->o, "</td></tr>\n");
		}
	kv_text(c, "archive", db);
	kv_text(c, "disco version", ci.engine_version);
	rpt_fmt(&c->o, "<tr><td>seed</td><td>%llu</td></tr>\n", (unsigned long long)ci.seed);
	if (cJSON_IsNumber(workers))
		rpt_fmt(&c->o, "<tr><td>workers</td><td>%d</td></tr>\n", workers->valueint);
	fmt_utc(b1, sizeof b1, ci.started);
	rpt_fmt(&c->o, "<tr><td>started</td><td>%s</td></tr>\n", b1);
	double end = ci.finished > 0 ? ci.finished : ci.last_attempt;
	fmt_utc(b1, sizeof b1, ci.finished);
	rpt_fmt(&c->o, "<tr><td>finished</td><td>%s</td></tr>\n",
	        ci.finished > 0 ? b1 : "not finished (running, or stopped without a summary)");
	fmt_dur(b1, sizeof b1, end > 0 && ci.started > 0 ? end - ci.started : -1);
	rpt_fmt(&c->o, "<tr><td>duration</td><td>%s", b1);
	if (bwall > 0)
		rpt_fmt(&c->o, " (budget %.0f s)", bwall);
	rpt_lit(&c->o, "</td></tr>\n");
	rpt_fmt(&c->o, "<tr><td>attempts</td><td>%lld", (long long)c->st.attempts);
	if (bevals > 0)
		rpt_fmt(&c->o, " of a budget of %.0f (%.0f%%)", bevals, 100.0 * (double)c->st.attempts / bevals);
	rpt_lit(&c->o, "</td></tr>\n");
	double span = ci.last_attempt - ci.first_attempt;
	if (c->st.attempts > 1 && span > 0)
		rpt_fmt(&c->o, "<tr><td>rate</td><td>%.1f attempts/s, %.2f accepted programs/s</td></tr>\n",
		        (double)(c->st.attempts - 1) / span, (double)c->st.programs / span);
	rpt_fmt(&c->o, "<tr><td>programs</td><td>%lld accepted (%.1f%% of attempts)</td></tr>\n",
	        (long long)c->st.programs,
	        c->st.attempts ? 100.0 * (double)c->st.programs / (double)c->st.attempts : 0);
	rpt_fmt(&c->o, "<tr><td>coverage</td><td>%.1f%% (%lld of %lld cells, %d island%s)</td></tr>\n",
	        100 * c->st.coverage, (long long)c->st.occupied, (long long)c->st.cells, c->islands,
	        c->islands == 1 ? "" : "s");
	rpt_lit(&c->o, "<tr><td>QD-score</td><td>");
	rpt_num(&c->o, c->st.qd_score);
	if (c->st.qd_offset != 0) {
		rpt_lit(&c->o, " (offset ");
		rpt_num(&c->o, c->st.qd_offset);
		rpt_lit(&c->o, ")");
	}
	rpt_lit(&c->o, "</td></tr>\n<tr><td>best score</td><td>");
	rpt_num(&c->o, c->st.best_score);
	if (c->st.best_program_id) {
		rpt_lit(&c->o, " (program ");
		prog_link(c, c->st.best_program_id);
		rpt_lit(&c->o, ")");
	}
	rpt_lit(&c->o, "</td></tr>\n");
	if (ci.events_resume || ci.events_migration)
		rpt_fmt(&c->o, "<tr><td>events</td><td>%lld resume%s, %lld migration%s</td></tr>\n",
		        (long long)ci.events_resume, ci.events_resume == 1 ? "" : "s",
		        (long long)ci.events_migration, ci.events_migration == 1 ? "" : "s");
	if (nllm) {
		rpt_fmt(&c->o, "<tr><td>LLM spend</td><td>%lld calls, %lld tokens in, %lld out, cost %.4f",
		        (long long)c->st.llm_calls, (long long)c->st.tokens_in,
		        (long long)c->st.tokens_out, c->st.llm_cost);
		if (bcost > 0)
			rpt_fmt(&c->o, " of a budget of %.4f", bcost);
		rpt_lit(&c->o, "</td></tr>\n");
	}
	rpt_lit(&c->o, "</table>\n");
	if (nllm) {
		rpt_lit(&c->o, "<h3>LLM calls by model</h3><table><tr><th>model</th><th class=r>calls</th>"
		        "<th class=r>failed</th><th class=r>tokens in</th><th class=r>tokens out</th>"
		        "<th class=r>cost</th><th class=r>mean latency</th></tr>\n");
		for (size_t i = 0; i < nllm; i++) {
			rpt_lit(&c->o, "<tr><td>");
			rpt_esc(&c->o, llm[i].model);
			rpt_fmt(&c->o, "</td><td class=r>%lld</td><td class=r>%lld</td><td class=r>%lld</td>"
			        "<td class=r>%lld</td><td class=r>%.4f</td><td class=r>%.0f ms</td></tr>\n",
			        (long long)llm[i].calls, (long long)llm[i].failed, (long long)llm[i].tokens_in,
			        (long long)llm[i].tokens_out, llm[i].cost, llm[i].latency_ms);
		}
		rpt_lit(&c->o, "</table>\n");
	}
	rpt_lit(&c->o, "<details><summary>configuration</summary><pre>\n");
	char *pretty = cfg ? cJSON_Print(cfg) : NULL;
	rpt_esc(&c->o, pretty ? pretty : ci.config);
	free(pretty);
	rpt_lit(&c->o, "</pre>");
	if (nkv) {
		rpt_lit(&c->o, "<table class=\"kv\">");
		for (size_t i = 0; i < nkv; i++) {
			if (!strncmp(kv[i].key, "tuned/", 6))
				continue; /* shown with the baselines */
			rpt_lit(&c->o, "<tr><td>");
			rpt_esc(&c->o, kv[i].key);
			rpt_lit(&c->o, "</td><td>");
			rpt_esc(&c->o, kv[i].value);
			rpt_lit(&c->o, "</td></tr>");
		}
		rpt_lit(&c->o, "</table>");
	}
	rpt_lit(&c->o, "</details></section>\n");
	(void)b2;
	cJSON_Delete(cfg);
	arc_campaign_info_clear(&ci);
	arc_kv_free(kv, nkv);
	free(llm);
	return 0;
}

/* --- the map of elites -------------------------------------------------------------------- */

static int heatmaps(struct ctx *c)
{
	int nd = c->ndims;
	int rows = nd >= 2 ? c->dims[0].bins : 1;
	int cols = nd >= 2 ? c->dims[1].bins : nd == 1 ? c->dims[0].bins : 1;
	int shown = c->islands < MAX_ISLANDS_SHOWN ? c->islands : MAX_ISLANDS_SHOWN;
	struct arc_cells *g = calloc((size_t)shown, sizeof *g);
	double lo = NAN, hi = NAN;
	size_t ncell = (size_t)rows * (size_t)cols;
	double *best = malloc(ncell * sizeof *best);
	int64_t *who = malloc(ncell * sizeof *who);
	if (!g || !best || !who) {
		free(g);
		free(best);
		free(who);
		snprintf(c->err, sizeof c->err, "out of memory for a %dx%d grid", rows, cols);
		return -1;
	}
	for (int i = 0; i < shown; i++) {
		if (arc_q_cells(c->a, i, &g[i])) {
			for (int k = 0; k < i; k++)
				arc_cells_clear(&g[k]);
			free(g);
			free(best);
			free(who);
			return fail(c);
		}
		if (!isnan(g[i].lo) && (isnan(lo) || g[i].lo < lo))
			lo = g[i].lo;
		if (!isnan(g[i].hi) && (isnan(hi) || g[i].hi > hi))
			hi = g[i].hi;
	}
	int cs = cols ? 520 / cols : 28;
	if (cs > 28)
		cs = 28;
	if (rows && cs * rows > 520)
		cs = 520 / rows;
	if (cs < 3)
		cs = 3;
	rpt_lit(&c->o, "<section id=\"map\"><h2>Map of elites</h2>\n<p class=\"muted\">");
	if (nd == 0)
		rpt_lit(&c->o, "No descriptor dimensions: one cell per island.");
	else if (nd == 1)
		rpt_lit(&c->o, "One dimension: a single row of bins.");
	else if (nd > 2)
		rpt_lit(&c->o, "Dimensions 3 and more are folded: each cell shows the best elite over them.");
	rpt_lit(&c->o, " Click a cell to see its elite.</p>\n<div class=\"scale\">");
	rpt_num(&c->o, lo);
	rpt_lit(&c->o, "<span class=\"bar\"></span>");
	rpt_num(&c->o, hi);
	rpt_lit(&c->o, "<span>score</span></div>\n<div class=\"grids\">\n");
	int ml = nd >= 2 ? 70 : 10, mt = 8, mb = 40;
	int w = ml + cols * cs + 10, h = mt + rows * cs + mb;
	for (int i = 0; i < shown; i++) {
		for (size_t k = 0; k < ncell; k++)
			best[k] = NAN, who[k] = 0;
		for (size_t k = 0; k < g[i].n; k++) {
			const struct arc_cell_row *r = &g[i].row[k];
			int rr = nd >= 2 ? r->bins[0] : 0;
			int cc = nd >= 2 ? r->bins[1] : nd == 1 ? r->bins[0] : 0;
			size_t j = (size_t)rr * (size_t)cols + (size_t)cc;
			if (isnan(best[j]) || r->score > best[j] ||
			    (r->score == best[j] && r->program_id < who[j]))
				best[j] = r->score, who[j] = r->program_id;
		}
		rpt_fmt(&c->o, "<figure><figcaption>island %d: %zu of %lld cells</figcaption>"
		        "<svg class=\"heat\" data-island=\"%d\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\">\n",
		        i, g[i].n, (long long)g[i].total, i, w, h, w, h);
		for (int rr = 0; rr < rows; rr++)
			for (int cc = 0; cc < cols; cc++) {
				size_t j = (size_t)rr * (size_t)cols + (size_t)cc;
				int x = ml + cc * cs, y = mt + rr * cs;
				if (isnan(best[j])) {
					rpt_fmt(&c->o, "<rect class=\"e\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>",
					        x, y, cs, cs);
					continue;
				}
				char col[8];
				rpt_color(hi > lo ? (best[j] - lo) / (hi - lo) : 1, col);
				want(c, who[j]);
				rpt_fmt(&c->o, "<rect class=\"c\" data-p=\"%lld\" x=\"%d\" y=\"%d\" width=\"%d\""
				        " height=\"%d\" fill=\"%s\"><title>program %lld, score %.6g</title></rect>",
				        (long long)who[j], x, y, cs, cs, col, (long long)who[j], best[j]);
			}
		/* axes: columns along the bottom, rows on the left */
		if (nd >= 1) {
			const struct arc_dim *dx = &c->dims[nd >= 2 ? 1 : 0];
			rpt_fmt(&c->o, "<text x=\"%d\" y=\"%d\">%g</text>", ml, mt + rows * cs + 13, dx->lo);
			rpt_fmt(&c->o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%g</text>", ml + cols * cs,
			        mt + rows * cs + 13, dx->hi);
			rpt_fmt(&c->o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", ml + cols * cs / 2,
			        mt + rows * cs + 30);
			rpt_esc(&c->o, dx->name);
			rpt_fmt(&c->o, " (%d bins) &#8594;</text>", dx->bins);
		}
		if (nd >= 2) {
			const struct arc_dim *dy = &c->dims[0];
			rpt_fmt(&c->o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%g</text>", ml - 4, mt + 10, dy->lo);
			rpt_fmt(&c->o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%g</text>", ml - 4,
			        mt + rows * cs, dy->hi);
			rpt_fmt(&c->o, "<text x=\"12\" y=\"%d\" transform=\"rotate(-90 12 %d)\" text-anchor=\"middle\">",
			        mt + rows * cs / 2, mt + rows * cs / 2);
			rpt_esc(&c->o, dy->name);
			rpt_fmt(&c->o, " (%d bins) &#8595;</text>", dy->bins);
		}
		rpt_lit(&c->o, "</svg></figure>\n");
		arc_cells_clear(&g[i]);
	}
	rpt_lit(&c->o, "</div>");
	if (shown < c->islands)
		rpt_fmt(&c->o, "<p class=\"muted\">Islands %d to %d are not drawn.</p>", shown, c->islands - 1);
	rpt_lit(&c->o, "</section>\n");
	free(g);
	free(best);
	free(who);
	return 0;
}

/* --- curves, statuses, mutators --------------------------------------------------------------- */

static int curves(struct ctx *c)
{
	struct arc_series s;
	if (arc_q_series(c->a, c->opt.buckets, &s))
		return fail(c);
	rpt_lit(&c->o, "<section id=\"curves\"><h2>Progress</h2><div class=\"plots\">\n");
	rpt_line_plot(&c->o, "best score", "score", s.end_seq, s.best, s.nb, 0);
	rpt_line_plot(&c->o, "coverage", "occupied cells", s.end_seq, s.coverage, s.nb, 1);
	rpt_line_plot(&c->o, s.qd_offset != 0 ? "QD-score (with offset)" : "QD-score", "QD-score",
	              s.end_seq, s.qd, s.nb, 0);
	rpt_lit(&c->o, "</div><p class=\"muted\">Replayed from the attempts that filled or improved a cell"
	        " (seeds fill their cell on every island; migrations are not replayed).");
	if (s.qd_offset != 0) {
		rpt_lit(&c->o, " QD-score = sum over elites of (score &#8722; offset), offset = ");
		rpt_num(&c->o, s.qd_offset);
		rpt_lit(&c->o, ", the lowest score: it never falls as coverage grows.");
	}
	rpt_lit(&c->o, "</p></section>\n");

	/* Bars: at most 100, each a group of buckets. */
	int group = s.nb > 100 ? (s.nb + 99) / 100 : 1;
	int nbar = s.nb ? (s.nb + group - 1) / group : 0;
	int nm = s.nmut;
	int64_t *st = calloc((size_t)nbar * ARC_NSTATUS + 1, sizeof *st);
	int64_t *mu = calloc((size_t)nbar * (size_t)(nm ? nm : 1) + 1, sizeof *mu);
	int64_t *mi = calloc((size_t)nbar * (size_t)(nm ? nm : 1) + 1, sizeof *mi);
	int64_t *end = calloc((size_t)nbar + 1, sizeof *end);
	const char **mnames = calloc((size_t)nm + 1, sizeof *mnames);
	const char **mcol = calloc((size_t)nm + 1, sizeof *mcol);
	if (!st || !mu || !mi || !end || !mnames || !mcol) {
		free(st), free(mu), free(mi), free(end), free(mnames), free(mcol);
		arc_series_clear(&s);
		snprintf(c->err, sizeof c->err, "out of memory");
		return -1;
	}
	for (int b = 0; b < s.nb; b++) {
		int g = b / group;
		end[g] = s.end_seq[b];
		for (int k = 0; k < ARC_NSTATUS; k++)
			st[(size_t)g * ARC_NSTATUS + (size_t)k] += s.status[(size_t)b * ARC_NSTATUS + (size_t)k];
		for (int k = 0; k < nm; k++) {
			mu[(size_t)g * (size_t)nm + (size_t)k] += s.mut_attempts[(size_t)b * (size_t)nm + (size_t)k];
			mi[(size_t)g * (size_t)nm + (size_t)k] += s.mut_improved[(size_t)b * (size_t)nm + (size_t)k];
		}
	}
	for (int k = 0; k < nm; k++) {
		mnames[k] = *s.mut[k] ? s.mut[k] : "(unknown)";
		mcol[k] = mut_color[k % 8];
	}
	rpt_lit(&c->o, "<section id=\"attempts\"><h2>Where the attempts went</h2><div class=\"plots\">\n");
	rpt_stacked(&c->o, "attempts by status", end, nbar, ARC_NSTATUS, st,
	            (const char *const *)arc_status_names, status_color, 1);
	rpt_stacked(&c->o, "attempts by mutator", end, nbar, nm, mu, mnames, mcol, 1);
	rpt_stacked(&c->o, "cells filled or improved, by mutator", end, nbar, nm, mi, mnames, mcol, 0);
	rpt_lit(&c->o, "</div>\n<h3>Which mutator made the improvements</h3><table><tr><th>mutator</th>"
	        "<th class=r>attempts</th><th class=r>filled or improved a cell</th>"
	        "<th class=r>per attempt</th><th class=r>share of improvements</th></tr>\n");
	int64_t all_imp = 0;
	for (size_t i = 0; i < (size_t)s.nb * (size_t)nm; i++)
		all_imp += s.mut_improved[i];
	for (int k = 0; k < nm; k++) {
		int64_t att = 0, imp = 0;
		for (int b = 0; b < s.nb; b++) {
			att += s.mut_attempts[(size_t)b * (size_t)nm + (size_t)k];
			imp += s.mut_improved[(size_t)b * (size_t)nm + (size_t)k];
		}
		rpt_fmt(&c->o, "<tr><td><span class=\"sw\" style=\"background:%s\"></span>", mcol[k]);
		rpt_esc(&c->o, mnames[k]);
		rpt_fmt(&c->o, "</td><td class=r>%lld</td><td class=r>%lld</td><td class=r>%.2f%%</td>"
		        "<td class=r>%.1f%%</td></tr>\n", (long long)att, (long long)imp,
		        att ? 100.0 * (double)imp / (double)att : 0,
		        all_imp ? 100.0 * (double)imp / (double)all_imp : 0);
	}
	rpt_lit(&c->o, "</table></section>\n");
	free(st), free(mu), free(mi), free(end), free(mnames), free(mcol);
	arc_series_clear(&s);
	return 0;
}

/* --- the front --------------------------------------------------------------------------------- */

static int fronts(struct ctx *c)
{
	enum { W = 600, H = 240, ML = 64, MR = 12, MT = 14, MB = 36 };
	int pw = W - ML - MR, ph = H - MT - MB;
	rpt_lit(&c->o, "<section id=\"front\"><h2>Front: best score against a descriptor</h2>\n");
	if (c->ndims == 0) {
		rpt_lit(&c->o, "<p class=\"muted\">The campaign has no descriptor dimensions.</p></section>\n");
		return 0;
	}
	rpt_lit(&c->o, "<label>descriptor <select id=\"front-dim\">");
	for (int d = 0; d < c->ndims; d++) {
		rpt_fmt(&c->o, "<option value=\"%d\">", d);
		rpt_esc(&c->o, c->dims[d].name);
		rpt_lit(&c->o, "</option>");
	}
	rpt_lit(&c->o, "</select></label>\n<p class=\"muted\">Dots: the best train score at each value of the"
	        " descriptor (over every program evaluated); filled: on the front (no smaller value scores as"
	        " high). Click a dot for its program.</p>\n");
	for (int d = 0; d < c->ndims; d++) {
		struct arc_front_row *r;
		int n;
		if (arc_front(c->a, d, &r, &n))
			return fail(c);
		const struct rpt_opts *o = &c->opt;
		int ref = o->ref_n > 0 && o->ref_dim && !strcmp(o->ref_dim, c->dims[d].name);
		double xlo = INFINITY, xhi = -INFINITY, lo = INFINITY, hi = -INFINITY;
		for (int i = 0; i < n; i++) {
			xlo = fmin(xlo, r[i].value), xhi = fmax(xhi, r[i].value);
			lo = fmin(lo, r[i].score), hi = fmax(hi, r[i].score);
		}
		for (int i = 0; ref && i < o->ref_n; i++)
			if (isfinite(o->ref_value[i]) && isfinite(o->ref_score[i])) {
				xlo = fmin(xlo, o->ref_value[i]), xhi = fmax(xhi, o->ref_value[i]);
				lo = fmin(lo, o->ref_score[i]), hi = fmax(hi, o->ref_score[i]);
			}
		rpt_fmt(&c->o, "<div class=\"front\" data-d=\"%d\"%s><svg viewBox=\"0 0 %d %d\" width=\"%d\""
		        " height=\"%d\"><rect class=\"frame\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>",
		        d, d ? " hidden" : "", W, H, W, H, ML, MT, pw, ph);
		if (lo <= hi && xlo <= xhi) {
			if (hi == lo)
				lo -= 1, hi += 1;
			if (xhi == xlo)
				xlo -= 1, xhi += 1;
#define PX(v) (ML + pw * ((v) - xlo) / (xhi - xlo))
#define PY(v) (MT + ph - ph * ((v) - lo) / (hi - lo))
			if (ref) {
				rpt_lit(&c->o, "<polyline class=\"refline\" points=\"");
				for (int i = 0; i < o->ref_n; i++)
					if (isfinite(o->ref_value[i]) && isfinite(o->ref_score[i]))
						rpt_fmt(&c->o, "%.1f,%.1f ", PX(o->ref_value[i]), PY(o->ref_score[i]));
				rpt_lit(&c->o, "\"/>");
			}
			rpt_lit(&c->o, "<polyline class=\"frontline\" points=\"");
			for (int i = 0; i < n; i++)
				if (!r[i].dominated)
					rpt_fmt(&c->o, "%.1f,%.1f ", PX(r[i].value), PY(r[i].score));
			rpt_lit(&c->o, "\"/>");
			for (int i = 0; i < n; i++) {
				want(c, r[i].program_id);
				rpt_fmt(&c->o, "<circle data-p=\"%lld\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" class=\"%s\">"
				        "<title>%g: program %lld, score %.6g (%lld programs at this value)</title></circle>",
				        (long long)r[i].program_id, PX(r[i].value), PY(r[i].score),
				        r[i].dominated ? "dom" : "on", r[i].value, (long long)r[i].program_id, r[i].score,
				        (long long)r[i].programs);
			}
#undef PX
#undef PY
			rpt_fmt(&c->o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.6g</text>", ML - 4, MT + 10, hi);
			rpt_fmt(&c->o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.6g</text>", ML - 4, MT + ph, lo);
			rpt_fmt(&c->o, "<text x=\"%d\" y=\"%d\">%g</text>", ML, H - 20, xlo);
			rpt_fmt(&c->o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%g</text>", ML + pw, H - 20, xhi);
		} else {
			rpt_fmt(&c->o, "<text x=\"%d\" y=\"%d\">no scored program yet</text>", ML + 10, MT + ph / 2);
		}
		rpt_fmt(&c->o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", ML + pw / 2, H - 6);
		rpt_esc(&c->o, c->dims[d].name);
		rpt_lit(&c->o, "</text></svg>");
		if (ref) {
			rpt_lit(&c->o, "<p class=\"legend\"><span class=\"sw\" style=\"background:#9aa1ad\"></span>reference: ");
			rpt_esc(&c->o, o->ref_label ? o->ref_label : "");
			rpt_lit(&c->o, "</p>");
		}
		rpt_lit(&c->o, "</div>\n");
		free(r);
	}
	rpt_lit(&c->o, "</section>\n");
	return 0;
}

/* --- lineage ------------------------------------------------------------------------------------ */

static void diff_block(struct ctx *c, const char *d)
{
	rpt_lit(&c->o, "<pre class=\"diff\">\n");
	size_t used = 0;
	while (*d) {
		const char *e = strchr(d, '\n');
		size_t n = e ? (size_t)(e - d) : strlen(d);
		if (used + n > DIFF_MAX) {
			rpt_lit(&c->o, "<span class=\"hunk\">[diff cut at 32 KiB]</span>\n");
			break;
		}
		used += n + 1;
		char *line = strndup(d, n);
		const char *cls = !line ? NULL
		                  : !strncmp(line, "@@", 2) ? "hunk"
		                  : !strncmp(line, "+++", 3) || !strncmp(line, "---", 3) ? "hunk"
		                  : line[0] == '+' ? "add"
		                  : line[0] == '-' ? "del" : NULL;
		if (cls)
			rpt_fmt(&c->o, "<span class=\"%s\">", cls);
		rpt_esc(&c->o, line);
		rpt_lit(&c->o, cls ? "</span>\n" : "\n");
		free(line);
		d = e ? e + 1 : d + n;
	}
	rpt_lit(&c->o, "</pre>");
}

static int lineage(struct ctx *c)
{
	rpt_lit(&c->o, "<section id=\"lineage\"><h2>Lineage of the best program</h2>\n");
	if (!c->st.best_program_id) {
		rpt_lit(&c->o, "<p class=\"muted\">No elite yet.</p></section>\n");
		return 0;
	}
	struct arc_step *s;
	size_t n;
	if (arc_q_lineage(c->a, c->st.best_program_id, &s, &n))
		return fail(c);
	size_t keep = (size_t)c->opt.lineage, skip_from = n, skip_to = n;
	if (n > keep && keep >= 2) {
		skip_from = 1; /* the seed, then the last keep-1 steps */
		skip_to = n - (keep - 1);
	}
	rpt_fmt(&c->o, "<p class=\"muted\">%zu generation%s from the seed.</p>", n - 1, n == 2 ? "" : "s");
	rpt_lit(&c->o, "<table><tr><th class=r>gen</th><th class=r>program</th><th>mutator</th>"
	        "<th class=r>island</th><th class=r>score</th><th class=r>change</th><th>diff against the parent</th></tr>\n");
	struct arc_detail prev = { 0 };
	int have_prev = 0;
	for (size_t k = 0; k < n; k++) {
		if (k >= skip_from && k < skip_to) {
			if (k == skip_from)
				rpt_fmt(&c->o, "<tr><td></td><td colspan=6 class=\"muted\">&#8230; %zu steps not shown"
				        " (disco archive lineage %lld lists them)</td></tr>\n", skip_to - skip_from,
				        (long long)c->st.best_program_id);
			continue;
		}
		struct arc_detail cur;
		if (arc_q_program(c->a, s[k].id, &cur)) {
			if (have_prev)
				arc_detail_clear(&prev);
			free(s);
			return fail(c);
		}
		want(c, s[k].id);
		rpt_fmt(&c->o, "<tr data-p=\"%lld\"><td class=r>%zu</td><td class=r>%lld</td><td>",
		        (long long)s[k].id, k, (long long)s[k].id);
		rpt_esc(&c->o, s[k].mutator);
		rpt_fmt(&c->o, "</td><td class=r>%d</td><td class=r>", s[k].island);
		rpt_num(&c->o, s[k].score);
		rpt_lit(&c->o, "</td><td class=r>");
		if (k > 0 && isfinite(s[k].score) && isfinite(s[k - 1].score))
			rpt_fmt(&c->o, "%+.3g", s[k].score - s[k - 1].score);
		rpt_lit(&c->o, "</td><td>");
		if (k == 0) {
			rpt_lit(&c->o, "<span class=\"muted\">seed</span>");
		} else if (have_prev && prev.prog.id == s[k - 1].id) {
			char na[48], nb[48];
			int same;
			snprintf(na, sizeof na, "program %lld", (long long)s[k - 1].id);
			snprintf(nb, sizeof nb, "program %lld", (long long)s[k].id);
			char *d = arc_diff_text(prev.prog.source, cur.prog.source, na, nb, 2, &same);
			if (!d || same) {
				rpt_lit(&c->o, d ? "<span class=\"muted\">same source</span>" : "?");
			} else {
				rpt_lit(&c->o, "<details><summary>diff</summary>");
				diff_block(c, d);
				rpt_lit(&c->o, "</details>");
			}
			free(d);
		} else {
			/* the parent's row was not shown: diff against it anyway */
			struct arc_detail par;
			if (arc_q_program(c->a, s[k - 1].id, &par) == ARC_OK) {
				int same;
				char *d = arc_diff_text(par.prog.source, cur.prog.source, "parent", "child", 2, &same);
				if (d && !same) {
					rpt_lit(&c->o, "<details><summary>diff</summary>");
					diff_block(c, d);
					rpt_lit(&c->o, "</details>");
				}
				free(d);
				arc_detail_clear(&par);
			}
		}
		rpt_lit(&c->o, "</td></tr>\n");
		if (have_prev)
			arc_detail_clear(&prev);
		prev = cur;
		have_prev = 1;
	}
	if (have_prev)
		arc_detail_clear(&prev);
	rpt_lit(&c->o, "</table></section>\n");
	free(s);
	return 0;
}

/* --- top programs and baselines ------------------------------------------------------------------- */

static void prog_row(struct ctx *c, const struct arc_prog_row *r, const char *rank, int base)
{
	want(c, r->id);
	rpt_fmt(&c->o, "<tr data-p=\"%lld\"%s><td class=r>%s</td><td class=r>%lld</td><td>",
	        (long long)r->id, base ? " class=\"base\"" : "", rank, (long long)r->id);
	rpt_esc(&c->o, r->mutator);
	rpt_fmt(&c->o, "</td><td class=r>%d</td><td class=r>", r->island);
	rpt_num(&c->o, r->score);
	rpt_lit(&c->o, "</td><td class=r>");
	rpt_num(&c->o, r->heldout);
	rpt_fmt(&c->o, "</td><td class=r>%lld</td></tr>\n", (long long)r->source_len);
}

static int top(struct ctx *c)
{
	struct arc_prog_list t, s;
	if (arc_q_top(c->a, -1, c->opt.top, &t))
		return fail(c);
	if (arc_q_seeds(c->a, &s)) {
		arc_prog_list_clear(&t);
		return fail(c);
	}
	rpt_fmt(&c->o, "<section id=\"top\"><h2>Top %zu programs and the baselines</h2>\n"
	        "<table><tr><th class=r>rank</th><th class=r>program</th><th>mutator</th><th class=r>island</th>"
	        "<th class=r>train score</th><th class=r>held-out score</th><th class=r>length</th></tr>\n", t.n);
	for (size_t i = 0; i < t.n; i++) {
		char rank[24];
		snprintf(rank, sizeof rank, "%zu", i + 1);
		prog_row(c, &t.row[i], rank, 0);
	}
	if (s.n)
		rpt_lit(&c->o, "<tr><th colspan=7>baselines: the evaluator's seed programs</th></tr>\n");
	for (size_t i = 0; i < s.n; i++)
		prog_row(c, &s.row[i], "seed", 1);
	rpt_lit(&c->o, "</table><p class=\"muted\">Held-out scores exist where they were measured (at the"
	        " end of <code>disco run</code>: the best program and the best baseline).</p>\n");
	arc_prog_list_clear(&t);
	arc_prog_list_clear(&s);
	/* Tuned baselines (disco baseline --tune N --db FILE), in meta. */
	struct arc_kv *kv;
	size_t nkv;
	if (arc_q_meta(c->a, &kv, &nkv))
		return fail(c);
	int header = 0;
	for (size_t i = 0; i < nkv; i++) {
		if (strncmp(kv[i].key, "tuned/", 6))
			continue;
		cJSON *j = cJSON_Parse(kv[i].value);
		if (!j)
			continue;
		if (!header++)
			rpt_lit(&c->o, "<h3>Baselines, default and tuned</h3><table><tr><th>seed</th>"
			        "<th class=r>default train</th><th class=r>default held-out</th>"
			        "<th class=r>tuned train</th><th class=r>tuned held-out</th>"
			        "<th class=r>tuning evaluations</th></tr>\n");
		static const char *const k[] = { "default_train", "default_heldout", "train", "heldout" };
		const cJSON *sd = cJSON_GetObjectItemCaseSensitive(j, "seed");
		rpt_lit(&c->o, "<tr class=\"base\"><td>");
		rpt_esc(&c->o, cJSON_IsString(sd) ? sd->valuestring : kv[i].key + 6);
		rpt_lit(&c->o, "</td>");
		for (int q = 0; q < 4; q++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k[q]);
			rpt_lit(&c->o, "<td class=r>");
			rpt_num(&c->o, cJSON_IsNumber(v) ? v->valuedouble : NAN);
			rpt_lit(&c->o, "</td>");
		}
		const cJSON *ev = cJSON_GetObjectItemCaseSensitive(j, "evals");
		rpt_fmt(&c->o, "<td class=r>%.0f</td></tr>\n", cJSON_IsNumber(ev) ? ev->valuedouble : 0.0);
		cJSON_Delete(j);
	}
	if (header)
		rpt_lit(&c->o, "</table><p class=\"muted\">From <code>disco baseline NAME --tune N --db FILE</code>:"
		        " each seed's constants tuned with N evaluations.</p>\n");
	arc_kv_free(kv, nkv);
	rpt_lit(&c->o, "</section>\n");
	return 0;
}

/* --- the panel: one hidden block per program a click can show ------------------------------------------ */

static int panel(struct ctx *c)
{
	rpt_lit(&c->o, "<aside id=\"panel\"><p id=\"panel-hint\" class=\"muted\">Click a cell of the map,"
	        " a dot of the front or a row of a table to see that program here.</p>\n");
	for (size_t i = 0; i < c->nembed; i++) {
		struct arc_detail d;
		if (arc_q_program(c->a, c->embed[i], &d) != ARC_OK)
			continue;
		const struct arc_program *p = &d.prog;
		rpt_fmt(&c->o, "<div class=\"prog\" id=\"p-%lld\" hidden><h2>program %lld</h2><table class=\"kv\">",
		        (long long)p->id, (long long)p->id);
		const struct arc_eval_row *tr = NULL, *ho = NULL;
		for (size_t k = 0; k < d.nev; k++) {
			if (d.ev[k].split == 0)
				tr = &d.ev[k]; /* highest stage, latest */
			else
				ho = &d.ev[k];
		}
		rpt_lit(&c->o, "<tr><td>score</td><td class=\"score\">");
		rpt_num(&c->o, tr ? tr->score : NAN);
		if (tr)
			rpt_fmt(&c->o, " (train, stage %d)", tr->stage);
		rpt_lit(&c->o, "</td></tr>");
		if (ho) {
			rpt_lit(&c->o, "<tr><td>held-out</td><td>");
			rpt_num(&c->o, ho->score);
			rpt_lit(&c->o, "</td></tr>");
		}
		rpt_lit(&c->o, "<tr><td>mutator</td><td>");
		rpt_esc(&c->o, p->mutator ? p->mutator : "");
		rpt_fmt(&c->o, "</td></tr><tr><td>island</td><td>%d</td></tr><tr><td>parent</td><td>", p->island);
		if (p->parent_id)
			rpt_fmt(&c->o, "<a href=\"#\" data-p=\"%lld\">%lld</a>", (long long)p->parent_id,
			        (long long)p->parent_id);
		else
			rpt_lit(&c->o, "none (a seed)");
		rpt_lit(&c->o, "</td></tr>");
		if (tr && tr->ndesc) {
			rpt_lit(&c->o, "<tr><td>descriptors</td><td class=\"desc\">");
			for (int k = 0; k < tr->ndesc; k++) {
				if (k)
					rpt_lit(&c->o, ", ");
				rpt_esc(&c->o, k < d.ndims ? d.dims[k].name : "?");
				rpt_lit(&c->o, " = ");
				rpt_num(&c->o, tr->desc[k]);
				if (k < d.ndims)
					rpt_fmt(&c->o, " (bin %d)", arc_bin_of(&d.dims[k], tr->desc[k]));
			}
			rpt_lit(&c->o, "</td></tr>");
		}
		if (tr && tr->metrics && *tr->metrics) {
			rpt_lit(&c->o, "<tr><td>metrics</td><td class=\"metrics\">");
			cJSON *m = cJSON_Parse(tr->metrics);
			const cJSON *it;
			int first = 1;
			cJSON_ArrayForEach(it, m)
			{
				if (!first)
					rpt_lit(&c->o, "<br>");
				first = 0;
				rpt_esc(&c->o, it->string);
				rpt_lit(&c->o, " = ");
				if (cJSON_IsNumber(it))
					rpt_num(&c->o, it->valuedouble);
				else if (cJSON_IsString(it))
					rpt_esc(&c->o, it->valuestring);
				else {
					char *t = cJSON_PrintUnformatted(it);
					rpt_esc(&c->o, t);
					free(t);
				}
			}
			if (!m)
				rpt_esc(&c->o, tr->metrics);
			cJSON_Delete(m);
			rpt_lit(&c->o, "</td></tr>");
		}
		if (d.ncells) {
			rpt_lit(&c->o, "<tr><td>elite of</td><td>");
			for (size_t k = 0; k < d.ncells && k < 16; k++)
				rpt_fmt(&c->o, "%sisland %d cell %lld", k ? ", " : "", d.cells[k].island,
				        (long long)d.cells[k].cell);
			if (d.ncells > 16)
				rpt_fmt(&c->o, " and %zu more", d.ncells - 16);
			rpt_lit(&c->o, "</td></tr>");
		}
		for (size_t k = 0; k < d.natt && k < 1; k++) {
			const struct arc_attempt_row *t = &d.att[k];
			rpt_fmt(&c->o, "<tr><td>made by</td><td>attempt %lld: ", (long long)t->seq);
			rpt_esc(&c->o, t->status);
			rpt_lit(&c->o, ", ");
			rpt_esc(&c->o, t->outcome);
			rpt_fmt(&c->o, "; %.3g ms in total</td></tr>", t->total_ms);
			if (t->message && *t->message) {
				rpt_lit(&c->o, "<tr><td>message</td><td><pre class=\"msg\">\n");
				rpt_esc(&c->o, t->message);
				rpt_lit(&c->o, "</pre></td></tr>");
			}
		}
		size_t len = strlen(p->source);
		rpt_fmt(&c->o, "</table><h3>source (%zu bytes)</h3>", len);
		if (c->src_bytes + len <= SOURCE_BUDGET) {
			c->src_bytes += len;
			rpt_lit(&c->o, "<pre class=\"src\">\n");
			rpt_esc(&c->o, p->source);
			rpt_lit(&c->o, "</pre>");
		} else {
			rpt_fmt(&c->o, "<p class=\"muted\">Not embedded (the page holds at most 3 MiB of sources):"
			        " <code>disco archive show %lld</code>.</p>", (long long)p->id);
		}
		if (p->ir) {
			rpt_lit(&c->o, "<h3>symbolic IR</h3><pre class=\"ir\">\n");
			rpt_esc(&c->o, p->ir);
			rpt_lit(&c->o, "</pre>");
		}
		rpt_lit(&c->o, "</div>\n");
		arc_detail_clear(&d);
	}
	rpt_lit(&c->o, "</aside>\n");
	return 0;
}

/* --- the page ------------------------------------------------------------------------------------------ */

int rpt_write(struct arc *a, FILE *f, const struct rpt_opts *o, char *err, size_t errlen)
{
	struct ctx c = { .a = a, .o = { f } };
	if (o)
		c.opt = *o;
	if (c.opt.top <= 0)
		c.opt.top = 20;
	if (c.opt.buckets <= 0)
		c.opt.buckets = 400;
	if (c.opt.lineage < 2)
		c.opt.lineage = 40;
	/* One read transaction: every query sees the same snapshot, even while
	 * a campaign commits. */
	if (sqlite3_exec(arc_db(a), "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", arc_path(a), sqlite3_errmsg(arc_db(a)));
		return -1;
	}
	int rc = -1;
	if (arc_stats(a, -1, &c.st) || arc_q_dims(a, c.dims, &c.ndims) ||
	    arc_q_islands(a, &c.islands)) {
		fail(&c);
		goto out;
	}
	/* A nonce for the Content-Security-Policy: only our script runs. */
	unsigned char rnd[16];
	char nonce[33];
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
		snprintf(c.err, sizeof c.err, "getrandom: %s", strerror(errno));
		goto out;
	}
	for (int i = 0; i < 16; i++)
		snprintf(nonce + 2 * i, 3, "%02x", rnd[i]);
	char title[256];
	struct arc_campaign_info ci;
	if (arc_q_campaign(a, &ci)) {
		fail(&c);
		goto out;
	}
	cJSON *cfg = cJSON_Parse(ci.config);
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(cfg, "evaluator");
	snprintf(title, sizeof title, "%s", c.opt.title ? c.opt.title
	         : cJSON_IsString(ev) ? ev->valuestring : "campaign");
	cJSON_Delete(cfg);
	arc_campaign_info_clear(&ci);
	char when[64];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);

	rpt_fmt(&c.o, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src"
	        " 'unsafe-inline'; script-src 'nonce-%s'; img-src 'none'; base-uri 'none'; form-action 'none'\">\n"
	        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>disco: ", nonce);
	rpt_esc(&c.o, title);
	rpt_lit(&c.o, "</title>\n<style>");
	rpt_lit(&c.o, rpt_css);
	rpt_lit(&c.o, "</style></head>\n<body>\n<header><h1>disco: ");
	rpt_esc(&c.o, title);
	rpt_lit(&c.o, "</h1><div class=\"sub\">");
	rpt_esc(&c.o, arc_path(a));
	rpt_fmt(&c.o, " &#183; report written %s &#183; %lld attempts</div></header>\n<div class=\"wrap\"><main>\n",
	        when, (long long)c.st.attempts);
	if (summary(&c, arc_path(a)) || heatmaps(&c) || curves(&c) || fronts(&c) || lineage(&c) ||
	    top(&c))
		goto out;
	rpt_lit(&c.o, "</main>\n");
	if (panel(&c))
		goto out;
	rpt_fmt(&c.o, "</div>\n<script nonce=\"%s\">%s</script>\n</body></html>\n", nonce, rpt_js);
	rc = 0;
out:
	sqlite3_exec(arc_db(a), "COMMIT", NULL, NULL, NULL);
	free(c.embed);
	free(c.hset);
	if (rc)
		snprintf(err, errlen, "%s", c.err);
	else if (ferror(f)) {
		snprintf(err, errlen, "writing the report: %s", strerror(errno));
		rc = -1;
	}
	return rc;
}

int rpt_write_file(const char *db, const char *out, char *err, size_t errlen)
{
	return rpt_write_file_opts(db, out, NULL, err, errlen);
}

int rpt_write_file_opts(const char *db, const char *out, const struct rpt_opts *o, char *err,
                        size_t errlen)
{
	char tmp[4096];
	struct arc *a = arc_open(db, ARC_READONLY, err, errlen);
	if (!a)
		return -1;
	if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", out, (long)getpid()) >= (int)sizeof tmp) {
		snprintf(err, errlen, "%s: path too long", out);
		arc_close(&a);
		return -1;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		snprintf(err, errlen, "%s: cannot write the report: %s", out, strerror(errno));
		if (fd >= 0)
			close(fd);
		arc_close(&a);
		return -1;
	}
	char e2[600];
	int rc = rpt_write(a, f, o, e2, sizeof e2);
	arc_close(&a);
	if (fflush(f) != 0 && rc == 0) {
		snprintf(e2, sizeof e2, "%s: %s", out, strerror(errno));
		rc = -1;
	}
	if (fclose(f) != 0 && rc == 0) {
		snprintf(e2, sizeof e2, "%s: %s", out, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && rename(tmp, out) != 0) {
		snprintf(e2, sizeof e2, "%s: cannot replace the report: %s", out, strerror(errno));
		rc = -1;
	}
	if (rc) {
		unlink(tmp);
		snprintf(err, errlen, "%s", e2);
	}
	return rc;
}
