/*
 * main.c - `disco`: dispatch from one table of subcommands.
 *
 * A new subcommand is one row here and one cmd_NAME() in its own file.
 */
#include <stdio.h>
#include <string.h>

#include "engine/cli/cli.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "run", cmd_run, "run a discovery campaign" },
	{ "resume", cmd_resume, "continue a stopped or killed campaign from its database" },
	{ "eval", cmd_eval, "evaluate one candidate file in the sandbox" },
	{ "baseline", cmd_baseline, "score an evaluator's seed programs: the bar to beat" },
	{ "evaluators", cmd_evaluators, "list the built-in evaluators" },
	{ "archive", cmd_archive, "browse a campaign's archive (list, top, show, cells...)" },
	{ "report", cmd_report, "write a campaign's HTML report (map of elites, curves, lineage)" },
	{ NULL, NULL, NULL },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: disco <command> [options]\n\n"
	             "disco evolves programs (optimizers, numeric routines) under a MAP-Elites\n"
	             "archive, compiling and running every candidate in a sandbox.\n\ncommands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(out, "  %-12s %s\n", c->name, c->summary);
	fprintf(out, "\n'disco help <command>' or 'disco <command> --help' for its options;\n"
	             "'disco --version' for the version.\n");
}

static const struct command *find(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(name, "--version") || !strcmp(name, "version")) {
		printf("disco %s\n", DISCO_VERSION);
		return 0;
	}
	if (!strcmp(name, "help")) {
		if (argc < 3) {
			usage(stdout);
			return 0;
		}
		const struct command *c = find(argv[2]);
		if (!c) {
			fprintf(stderr, "disco help: unknown command '%s'; see 'disco --help'\n", argv[2]);
			return 2;
		}
		/* `disco help archive show`: the subcommand's own help. */
		char *hargv[] = { argv[2], argc > 3 ? argv[3] : "--help", "--help", NULL };
		return c->fn(argc > 3 ? 3 : 2, hargv);
	}
	const struct command *c = find(name);
	if (!c) {
		fprintf(stderr, "disco: unknown command '%s'; see 'disco --help'\n", name);
		return 2;
	}
	return c->fn(argc - 1, argv + 1);
}
