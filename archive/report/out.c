/* out.c - the report's writer: literals, numbers, the one escaping
 * function, colours.  See rpt_int.h. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/query.h"
#include "archive/report/rpt_int.h"

void rpt_lit(struct rpt_out *o, const char *s)
{
	fputs(s, o->f);
}

void rpt_fmt(struct rpt_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
}

void rpt_esc(struct rpt_out *o, const char *s)
{
	if (!s)
		return;
	size_t n = strlen(s);
	char *fixed = NULL;
	if (!arc_utf8_valid(s, n)) {
		fixed = arc_utf8(s, n);
		if (!fixed)
			return;
		s = fixed;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", o->f); break;
		case '<': fputs("&lt;", o->f); break;
		case '>': fputs("&gt;", o->f); break;
		case '"': fputs("&quot;", o->f); break;
		case '\'': fputs("&#39;", o->f); break;
		case '\n':
		case '\t': fputc(*p, o->f); break;
		case '\r': /* CRLF line ends read as LF; a lone CR is shown */
			if (p[1] != '\n')
				fputs("\\x0d", o->f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				fprintf(o->f, "\\x%02x", *p);
			} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
				fprintf(o->f, "\\u%04x", p[1]); /* a C1 control */
				p++;
			} else {
				fputc(*p, o->f);
			}
		}
	}
	free(fixed);
}

void rpt_num(struct rpt_out *o, double v)
{
	if (isnan(v))
		fputs("\xe2\x80\x93", o->f);
	else
		fprintf(o->f, "%.6g", v);
}

void rpt_color(double t, char out[8])
{
	/* viridis at 0, .25, .5, .75, 1 */
	static const double stop[5][3] = {
		{ 68, 1, 84 }, { 59, 82, 139 }, { 33, 145, 140 }, { 94, 201, 98 }, { 253, 231, 37 },
	};
	if (!(t >= 0))
		t = 0;
	if (t > 1)
		t = 1;
	double u = t * 4;
	int i = (int)u;
	if (i > 3)
		i = 3;
	double f = u - i;
	int c[3];
	for (int k = 0; k < 3; k++)
		c[k] = (int)lround(stop[i][k] + (stop[i + 1][k] - stop[i][k]) * f);
	snprintf(out, 8, "#%02x%02x%02x", c[0], c[1], c[2]);
}
