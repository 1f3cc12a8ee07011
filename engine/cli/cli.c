/* cli.c - option parsing and help from tables; see cli.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/cli/cli.h"
#include "evaluators/text.h"
#include "sandbox/sbx.h"

void cli_help(const struct cli_spec *spec, FILE *out)
{
	fprintf(out, "usage: disco %s %s\n", spec->cmd, spec->usage);
	if (spec->about)
		fprintf(out, "\n%s\n", spec->about);
	if (spec->opts && spec->opts[0].name) {
		fprintf(out, "\noptions:\n");
		for (const struct cli_opt *o = spec->opts; o->name; o++) {
			char left[64];
			snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
			fprintf(out, "  %-24s %s\n", left, o->help);
		}
	}
	fprintf(out, "  %-24s %s\n", "--help", "show this help");
}

int cli_parse(const struct cli_spec *spec, int argc, char **argv, struct cli_args *a)
{
	memset(a, 0, sizeof *a);
	int only_pos = 0;
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (only_pos || s[0] != '-' || !s[1]) {
			if (a->npos >= (int)(sizeof a->pos / sizeof *a->pos) ||
			    (spec->max_pos >= 0 && a->npos >= spec->max_pos)) {
				fprintf(stderr, "disco %s: unexpected argument '%s'; see 'disco help %s'\n",
				        spec->cmd, s, spec->cmd);
				return 2;
			}
			a->pos[a->npos++] = s;
			continue;
		}
		if (!strcmp(s, "--")) { only_pos = 1; continue; }
		if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
			cli_help(spec, stdout);
			return 0;
		}
		const char *name = s + (s[1] == '-' ? 2 : 1), *eq = strchr(name, '=');
		size_t nl = eq ? (size_t)(eq - name) : strlen(name);
		int found = -1;
		for (int k = 0; spec->opts && spec->opts[k].name; k++)
			if (strlen(spec->opts[k].name) == nl && !strncmp(spec->opts[k].name, name, nl))
				found = k;
		if (found < 0 || s[1] != '-') {
			fprintf(stderr, "disco %s: unknown option '%.*s'; see 'disco help %s'\n", spec->cmd,
			        (int)(eq ? (size_t)(eq - s) : strlen(s)), s, spec->cmd);
			return 2;
		}
		const struct cli_opt *o = &spec->opts[found];
		if (o->arg) {
			if (eq) a->val[found] = eq + 1;
			else if (i + 1 < argc) a->val[found] = argv[++i];
			else {
				fprintf(stderr, "disco %s: option '--%s' needs a value (%s)\n", spec->cmd, o->name, o->arg);
				return 2;
			}
		} else if (eq) {
			fprintf(stderr, "disco %s: option '--%s' takes no value\n", spec->cmd, o->name);
			return 2;
		} else {
			a->val[found] = "";
		}
	}
	if (a->npos < spec->min_pos) {
		fprintf(stderr, "disco %s: missing argument; usage: disco %s %s\n", spec->cmd, spec->cmd, spec->usage);
		return 2;
	}
	return -1;
}

int cli_number(const struct cli_spec *spec, const struct cli_args *a, int i, double lo,
               double hi, double *out)
{
	const char *v = a->val[i];
	if (!v)
		return 0;
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (!*v || *end || errno || !isfinite(d) || d < lo || d > hi) {
		fprintf(stderr, "disco %s: --%s expects a number from %g to %g, got '%s'\n", spec->cmd,
		        spec->opts[i].name, lo, hi, v);
		return -1;
	}
	*out = d;
	return 0;
}

char *cli_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
	return text_read_file(path, max, 0, len, err, errlen);
}

void cli_fail(const char *cmd, const char *msg)
{
	fprintf(stderr, "disco %s: ", cmd);
	text_puts(stderr, msg, 0);
	fputc('\n', stderr);
}

int cli_tty(void)
{
	return isatty(1);
}

int cli_limits(const struct cli_spec *sp, const struct cli_args *a, int o_timeout,
                          int o_mem, int o_maxsrc, struct sbx_limits *lim)
{
	double v;
	sbx_limits_default(lim);
	v = lim->wall_ms;
	if (o_timeout >= 0 && cli_number(sp, a, o_timeout, 1, 3600e3, &v)) return -1;
	lim->wall_ms = (unsigned)v;
	v = (double)(lim->mem_bytes >> 20);
	if (o_mem >= 0 && cli_number(sp, a, o_mem, 24, 65536, &v)) return -1; /* the child itself takes ~20 MiB */
	lim->mem_bytes = (size_t)v << 20;
	v = (double)lim->max_source;
	if (o_maxsrc >= 0 && cli_number(sp, a, o_maxsrc, 16, 16 << 20, &v)) return -1;
	lim->max_source = (size_t)v;
	return 0;
}

