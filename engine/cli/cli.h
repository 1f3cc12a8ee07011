/*
 * cli.h - the command table's contract and option parsing from tables.
 *
 * Every subcommand is one row in engine/cli/main.c's table and one function
 * `int cmd_NAME(int argc, char **argv)` (argv[0] is the command name)
 * returning the process exit code: 0 success, 1 setup or input error
 * (one message on stderr), 2 usage error.  Options are declared once in a
 * `struct cli_opt` table; cli_parse() parses them and prints --help from
 * the same table, so help never drifts from the code.
 */
#ifndef DISCO_CLI_H
#define DISCO_CLI_H

#include <stddef.h>
#include <stdio.h>

struct cli_opt {
	const char *name; /* long name without "--" */
	const char *arg;  /* metavar if it takes a value ("N", "FILE"), else NULL */
	const char *help;
};

struct cli_spec {
	const char *cmd;     /* "eval", "archive list" */
	const char *usage;   /* after "disco CMD ": "FILE --evaluator NAME [options]" */
	const char *about;   /* paragraph printed by --help */
	const struct cli_opt *opts; /* ends with { NULL } */
	int min_pos, max_pos;       /* positional arguments allowed (-1: any) */
};

/* Parsed values: val[i] is the i-th option's value ("" for flags), NULL when
 * absent; pos[] are the positional arguments (pointers into argv). */
struct cli_args {
	const char *val[32];
	const char *pos[16];
	int npos;
};

/* Parse argv[1..].  Returns -1 to go on, or the exit code to return at once:
 * 0 after printing --help, 2 after one usage line on stderr. */
int cli_parse(const struct cli_spec *spec, int argc, char **argv, struct cli_args *a);
void cli_help(const struct cli_spec *spec, FILE *out);

/* Option i's value parsed as a number in [lo, hi]; prints one message and
 * returns -1 when it is not.  Absent: *out untouched, returns 0. */
int cli_number(const struct cli_spec *spec, const struct cli_args *a, int i, double lo,
               double hi, double *out);

/* Sandbox limits from the defaults and the options at indices o_timeout
 * (ms), o_mem (MiB), o_maxsrc (bytes); -1 skips one.  Returns -1 after one
 * message on a bad value. */
struct sbx_limits;
int cli_limits(const struct cli_spec *sp, const struct cli_args *a, int o_timeout,
               int o_mem, int o_maxsrc, struct sbx_limits *lim);

/* Read a whole file (binary-safe), at most max + 1 bytes
 * (evaluators/text.h, text_read_file: the one bounded reader).  Returns a
 * malloc'd buffer with a NUL after *len bytes, or NULL with err set ("FILE:
 * No such file...", "FILE: larger than N bytes" with *len = SIZE_MAX, "FILE:
 * is a directory"). */
char *cli_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen);

/* "disco CMD: MSG" on stderr, MSG escaped for the terminal (messages can
 * quote a plug-in's, an external command's or a candidate's text). */
void cli_fail(const char *cmd, const char *msg);

/* Is stdout a terminal (for aligned tables and live progress)? */
int cli_tty(void);

/* The built-in evaluator named by the campaign stored in a, or NULL (a
 * plug-in, a command, no campaign).  In cmd_archive.c. */
struct arc;
struct ev_evaluator;
const struct ev_evaluator *cli_campaign_builtin(struct arc *a);
/* The report's front shows ev's reference curve, when it has one (ev may
 * be NULL).  In cmd_report.c. */
struct rpt_opts;
void cli_report_reference(struct rpt_opts *o, const struct ev_evaluator *ev);

/* The end-of-campaign summary on stdout and, when log is given, its JSON
 * event (run_summary.c; used by cmd_run.c). */
struct evo_summary;
struct ev_seed;
struct sbx;
void run_summary(struct arc *a, const struct ev_evaluator *ev, const struct ev_seed *seeds,
                 const struct evo_summary *s, struct sbx *sb, const char *db, int show_src, FILE *log);

/* Every command (defined in its own file). */
int cmd_eval(int argc, char **argv);
int cmd_evaluators(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_archive(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_resume(int argc, char **argv);

#endif
