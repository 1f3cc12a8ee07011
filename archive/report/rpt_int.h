/*
 * rpt_int.h - internals of the HTML report (archive/report/ only).
 *
 * struct rpt_out wraps the output FILE.  Three ways to write, by trust:
 *   rpt_lit()  a literal of this program's own markup;
 *   rpt_fmt()  printf for markup around numbers this program computed;
 *              never pass archive text to it;
 *   rpt_esc()  THE escaping function: any text from the archive, for
 *              element content and for quoted attribute values alike.
 */
#ifndef DISCO_RPT_INT_H
#define DISCO_RPT_INT_H

#include <stdint.h>
#include <stdio.h>

struct rpt_out {
	FILE *f;
};

void rpt_lit(struct rpt_out *o, const char *s);
void rpt_fmt(struct rpt_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* HTML-escapes & < > " ' ; invalid UTF-8 becomes U+FFFD; control
 * characters other than newline and tab are shown as text (\xHH for C0 and
 * DEL, \u00HH for C1); CRLF becomes LF. */
void rpt_esc(struct rpt_out *o, const char *s);
/* A number as %.6g, or an en dash for NaN. */
void rpt_num(struct rpt_out *o, double v);

/* Colour of t in [0, 1] on a perceptual scale (viridis), "#rrggbb". */
void rpt_color(double t, char out[8]);

/* A line plot of y over x (n points; NaN points are skipped). */
void rpt_line_plot(struct rpt_out *o, const char *title, const char *ylabel,
                   const int64_t *x, const double *y, int n, int percent);
/* Stacked bars: nb bars of nser series, count[b * nser + k]; names
 * (archive text) and colours per series; percent: each bar 100%, else
 * heights in counts. */
void rpt_stacked(struct rpt_out *o, const char *title, const int64_t *end_seq, int nb,
                 int nser, const int64_t *count, const char *const *names,
                 const char *const *colors, int percent);

/* The stylesheet and the script (assets.c). */
extern const char rpt_css[];
extern const char rpt_js[];

#endif
