/* plot.c - the report's SVG plots: line plots and 100%-stacked bars.
 * Coordinates are computed here; only names pass through rpt_esc(). */
#include <math.h>
#include <stdio.h>

#include "archive/report/rpt_int.h"

enum { W = 400, H = 200, ML = 64, MR = 12, MT = 14, MB = 30 };

static void axis_label(struct rpt_out *o, double v, int percent)
{
	if (percent)
		rpt_fmt(o, "%.3g%%", 100 * v);
	else
		rpt_num(o, v);
}

void rpt_line_plot(struct rpt_out *o, const char *title, const char *ylabel,
                   const int64_t *x, const double *y, int n, int percent)
{
	double lo = INFINITY, hi = -INFINITY, xmax = 1;
	for (int i = 0; i < n; i++) {
		if (isfinite(y[i])) {
			lo = fmin(lo, y[i]);
			hi = fmax(hi, y[i]);
		}
		if ((double)x[i] > xmax)
			xmax = (double)x[i];
	}
	rpt_fmt(o, "<figure class=\"plot\"><figcaption>");
	rpt_esc(o, title);
	rpt_fmt(o, "</figcaption><svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">", W, H, W, H);
	int pw = W - ML - MR, ph = H - MT - MB;
	rpt_fmt(o, "<rect class=\"frame\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>", ML, MT, pw, ph);
	if (!(lo <= hi)) {
		rpt_fmt(o, "<text x=\"%d\" y=\"%d\" class=\"none\">no data yet</text></svg></figure>",
		        ML + 10, MT + ph / 2);
		return;
	}
	if (hi == lo) {
		double d = fabs(hi) > 0 ? fabs(hi) * 0.05 : 1;
		lo -= d;
		hi += d;
	}
	/* y ticks: lo, middle, hi */
	for (int k = 0; k <= 2; k++) {
		double v = lo + (hi - lo) * k / 2;
		double py = MT + ph - (double)ph * k / 2;
		rpt_fmt(o, "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>", ML, ML + pw, py, py);
		rpt_fmt(o, "<text class=\"tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", ML - 4, py + 4);
		axis_label(o, v, percent);
		rpt_lit(o, "</text>");
	}
	rpt_fmt(o, "<text class=\"tick\" x=\"%d\" y=\"%d\">0</text>", ML, H - 10);
	rpt_fmt(o, "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%.0f</text>", ML + pw, H - 10, xmax);
	rpt_fmt(o, "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">attempts</text>", ML + pw / 2, H - 10);
	rpt_fmt(o, "<text class=\"tick\" x=\"12\" y=\"%d\" transform=\"rotate(-90 12 %d)\" text-anchor=\"middle\">",
	        MT + ph / 2, MT + ph / 2);
	rpt_esc(o, ylabel);
	rpt_lit(o, "</text><polyline class=\"line\" points=\"");
	for (int i = 0; i < n; i++) {
		if (!isfinite(y[i]))
			continue;
		double px = ML + (double)pw * (double)x[i] / xmax;
		double py = MT + ph - (double)ph * (y[i] - lo) / (hi - lo);
		rpt_fmt(o, "%.1f,%.1f ", px, py);
	}
	rpt_lit(o, "\"/></svg></figure>\n");
}

void rpt_stacked(struct rpt_out *o, const char *title, const int64_t *end_seq, int nb,
                 int nser, const int64_t *count, const char *const *names,
                 const char *const *colors, int percent)
{
	int pw = W - ML - MR, ph = H - MT - MB;
	int64_t top = 1; /* absolute bars: the tallest bar's total */
	for (int b = 0; b < nb; b++) {
		int64_t tot = 0;
		for (int k = 0; k < nser; k++)
			tot += count[(size_t)b * (size_t)nser + (size_t)k];
		if (tot > top)
			top = tot;
	}
	rpt_fmt(o, "<figure class=\"plot\"><figcaption>");
	rpt_esc(o, title);
	rpt_fmt(o, "</figcaption><svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">", W, H, W, H);
	rpt_fmt(o, "<rect class=\"frame\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>", ML, MT, pw, ph);
	double bw = nb ? (double)pw / nb : pw;
	for (int b = 0; b < nb; b++) {
		int64_t tot = 0;
		for (int k = 0; k < nser; k++)
			tot += count[(size_t)b * (size_t)nser + (size_t)k];
		if (!tot)
			continue;
		double scale = percent ? (double)tot : (double)top;
		double y = MT + ph;
		for (int k = 0; k < nser; k++) {
			int64_t c = count[(size_t)b * (size_t)nser + (size_t)k];
			if (!c)
				continue;
			double h = (double)ph * (double)c / scale;
			y -= h;
			rpt_fmt(o, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\">",
			        ML + bw * b, y, bw + 0.3, h, colors[k]);
			rpt_fmt(o, "<title>attempts %lld-%lld: ", b ? (long long)end_seq[b - 1] + 1 : 1LL,
			        (long long)end_seq[b]);
			rpt_esc(o, names[k]);
			rpt_fmt(o, " %lld of %lld</title></rect>", (long long)c, (long long)tot);
		}
	}
	for (int k = 0; k <= 2; k++) {
		double py = MT + ph - (double)ph * k / 2;
		if (percent)
			rpt_fmt(o, "<text class=\"tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d%%</text>", ML - 4, py + 4, 50 * k);
		else
			rpt_fmt(o, "<text class=\"tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>", ML - 4, py + 4,
			        (double)top * k / 2);
	}
	rpt_fmt(o, "<text class=\"tick\" x=\"%d\" y=\"%d\">0</text>", ML, H - 10);
	rpt_fmt(o, "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%lld</text>", ML + pw, H - 10,
	        nb ? (long long)end_seq[nb - 1] : 0LL);
	rpt_fmt(o, "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">attempts</text>", ML + pw / 2, H - 10);
	rpt_lit(o, "</svg><ul class=\"legend\">");
	for (int k = 0; k < nser; k++) {
		int64_t tot = 0;
		for (int b = 0; b < nb; b++)
			tot += count[(size_t)b * (size_t)nser + (size_t)k];
		rpt_fmt(o, "<li><span class=\"sw\" style=\"background:%s\"></span>", colors[k]);
		rpt_esc(o, names[k]);
		rpt_fmt(o, " <span class=\"n\">%lld</span></li>", (long long)tot);
	}
	rpt_lit(o, "</ul></figure>\n");
}
