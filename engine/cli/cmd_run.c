/* cmd_run.c - `disco run` and `disco resume`: campaigns from the CLI (the
 * options and campaign file into evo_params, paths, evaluator identity, the
 * archive lock, the derived deadline, the LLM and report set-up); the
 * end-of-campaign summary is run_summary.c. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive/report/report.h"
#include "engine/mutate/symbolic.h"
#include "engine/sym/sym.h"
#include "engine/cli/cli.h"
#include "engine/config.h"
#include "engine/evo.h"
#include "engine/fhash.h"
#include "engine/llm/llm.h"
#include "engine/loop.h"
#include "engine/pipeline.h"
#include "engine/evid.h"
#include "evaluators/external.h"
#include "evaluators/mono.h"
#include "evaluators/open.h"
#include "evaluators/plugin.h"
#include "evaluators/text.h"

/* The campaign file's limits and enums are copied into struct evo_params
 * here: tie the parallel definitions so they cannot drift apart. */
_Static_assert(CFG_MAX_MUTATORS <= EVO_MAX_MUTATORS, "campaign mutators fit the loop's table");
_Static_assert(CFG_MAX_DIMS <= ARC_MAX_DIMS && EV_MAX_DIMS <= ARC_MAX_DIMS,
               "campaign and evaluator dimensions fit the archive's");
_Static_assert((int)CFG_SEL_UNIFORM == (int)EVO_SEL_UNIFORM && (int)CFG_SEL_SCORE == (int)EVO_SEL_SCORE &&
               (int)CFG_SEL_CURIOSITY == (int)EVO_SEL_CURIOSITY,
               "selection names mean the same in the campaign file and the loop");

enum {
	R_EVALUATOR, R_CMD, R_DB, R_EVALS, R_SECONDS, R_WORKERS, R_SEED, R_ISLANDS, R_TIMEOUT,
	R_QUIET, R_LOG, R_NOSRC, R_REPORT,
};
static const struct cli_opt run_opts[] = {
	[R_EVALUATOR] = { "evaluator", "NAME|FILE.c", "built-in evaluator or C plug-in (overrides the file)" },
	[R_CMD] = { "evaluator-cmd", "CMD", "external evaluator command (JSON protocol; up to --workers evaluations at once)" },
	[R_DB] = { "db", "FILE", "archive database (default disco.db)" },
	[R_EVALS] = { "budget-evals", "N", "stop after N attempts in all (0 = no limit)" },
	[R_SECONDS] = { "budget-seconds", "S", "stop after S seconds of this run (0 = no limit)" },
	[R_WORKERS] = { "workers", "N", "sandboxes in flight at once (default: number of CPUs)" },
	[R_SEED] = { "seed", "N", "random seed (default 1)" },
	[R_ISLANDS] = { "islands", "N", "number of islands (default 2)" },
	[R_TIMEOUT] = { "timeout-ms", "N", "sandbox deadline per job (default: 20x the slowest seed, 250 to 2000)" },
	[R_QUIET] = { "quiet", NULL, "no progress lines (the summary is still printed)" },
	[R_LOG] = { "log-json", "FILE", "write machine-readable events (JSON lines) to FILE" },
	[R_NOSRC] = { "no-source", NULL, "do not print the best program's source in the summary" },
	[R_REPORT] = { "report", "FILE", "keep an HTML report of the campaign in FILE (rewritten every few seconds)" },
	{ NULL, NULL, NULL },
};
static const struct cli_spec run_spec = {
	"run", "[CAMPAIGN.json] [options]",
	"Run a discovery campaign.  With no file every field has its default\n"
	"(docs/CAMPAIGNS.md), so 'disco run --evaluator optim' needs nothing else.\n"
	"Options override the file.  Progress goes to stderr; Ctrl-C stops taking\n"
	"new work, commits, and prints the command that resumes; a second Ctrl-C\n"
	"exits at once (committed work is kept).",
	run_opts, 0, 1,
};
static const struct cli_spec resume_spec = {
	"resume", "DB [options]",
	"Continue a stopped or killed campaign from its database, with the\n"
	"configuration stored there, from any directory.  --budget-evals,\n"
	"--budget-seconds, --workers, --quiet, --log-json, --report and\n"
	"--timeout-ms may change; the rest comes from the database.\n"
	"--evaluator FILE.c or --evaluator-cmd CMD point at a moved evaluator: it\n"
	"must be the same one (a plug-in's source, a command's info answer, a\n"
	"built-in's definition are checked), or resume is refused.  Attempts that\n"
	"were in flight when it stopped are redone; nothing committed is lost or\n"
	"counted twice.",
	run_opts, 1, 1,
};

/* disco run --report FILE: the page is rewritten (atomically) every
 * REPORT_EVERY_S seconds, or less often when writing it takes longer than a
 * tenth of that, so a large archive does not slow the campaign down. */
#define REPORT_EVERY_S 3.0
struct live_report {
	const char *db, *out;
	struct rpt_opts opt;
	int failed;
};

static double live_report(void *ud)
{
	struct live_report *r = ud;
	char err[1024];
	double t0 = mono_s();
	if (rpt_write_file_opts(r->db, r->out, &r->opt, err, sizeof err) && !r->failed++)
		fprintf(stderr, "disco run: --report: %s\n", err);
	double took = mono_s() - t0;
	return 10 * took > REPORT_EVERY_S ? 10 * took : REPORT_EVERY_S;
}

static int set_int(const struct cli_spec *sp, const struct cli_args *a, int i, double lo, double hi,
                   int64_t *out)
{
	double v = (double)*out;
	if (cli_number(sp, a, i, lo, hi, &v))
		return -1;
	if (v != floor(v)) {
		fprintf(stderr, "disco %s: --%s expects a whole number, got '%s'\n", sp->cmd, sp->opts[i].name, a->val[i]);
		return -1;
	}
	*out = (int64_t)v;
	return 0;
}

/* Options that may change on resume, then the rest (run only). */
static int apply_options(const struct cli_spec *sp, const struct cli_args *a, struct campaign *c,
                         int resume)
{
	int64_t v;
	v = c->budget.evaluations;
	if (set_int(sp, a, R_EVALS, 0, 1e15, &v)) return -1;
	c->budget.evaluations = v;
	double d = c->budget.wall_seconds;
	if (cli_number(sp, a, R_SECONDS, 0, 1e9, &d)) return -1;
	c->budget.wall_seconds = d;
	v = c->workers;
	if (set_int(sp, a, R_WORKERS, 1, CFG_MAX_WORKERS, &v)) return -1;
	c->workers = (int)v;
	v = c->sandbox.timeout_ms;
	if (set_int(sp, a, R_TIMEOUT, 1, 3600e3, &v)) return -1;
	c->sandbox.timeout_ms = (int)v;
	if (a->val[R_TIMEOUT])
		c->sandbox.timeout_set = 1;
	if (resume) {
		for (int i = 0; i < R_TIMEOUT; i++)
			if (a->val[i] && i != R_EVALS && i != R_SECONDS && i != R_WORKERS && i != R_EVALUATOR &&
			    i != R_CMD) {
				fprintf(stderr, "disco resume: --%s cannot change on resume (the campaign's stored value is used)\n",
				        sp->opts[i].name);
				return -1;
			}
		return 0;
	}
	if (a->val[R_DB])
		snprintf(c->db, sizeof c->db, "%s", a->val[R_DB]);
	v = (int64_t)c->seed;
	if (set_int(sp, a, R_SEED, 0, 9007199254740992.0, &v)) return -1;
	c->seed = (uint64_t)v;
	v = c->islands.count;
	if (set_int(sp, a, R_ISLANDS, 1, CFG_MAX_ISLANDS, &v)) return -1;
	c->islands.count = (int)v;
	return 0;
}

/* Campaign + evaluator -> loop parameters.  Returns -1 after one message. */
static int make_params(const char *cmd, const struct campaign *c, const struct ev_evaluator *ev,
                       struct evo_params *p)
{
	memset(p, 0, sizeof *p);
	p->ev = ev;
	for (int i = 0; i < c->nmutators; i++) {
		p->mut[i] = mut_find(c->mutators[i].name);
		if (!p->mut[i]) {
			fprintf(stderr, "disco %s: mutators[%d]: unknown mutator '%s' (known: ", cmd, i, c->mutators[i].name);
			for (int k = 0; mut_at(k); k++)
				fprintf(stderr, "%s%s", k ? ", " : "", mut_at(k)->name);
			fprintf(stderr, ")\n");
			return -1;
		}
		p->mut_weight[i] = c->mutators[i].weight;
	}
	p->nmut = c->nmutators;
	if (c->ndims == 0) {
		p->ndims = ev->ndims < ARC_MAX_DIMS ? ev->ndims : ARC_MAX_DIMS;
		for (int d = 0; d < p->ndims; d++) {
			snprintf(p->dims[d].name, sizeof p->dims[d].name, "%s", ev->dims[d].name);
			p->dims[d].lo = ev->dims[d].lo;
			p->dims[d].hi = ev->dims[d].hi;
			p->dims[d].bins = ev->dims[d].bins;
			p->dim_src[d] = d;
		}
	} else {
		p->ndims = c->ndims;
		for (int d = 0; d < c->ndims; d++) {
			int k = 0;
			while (k < ev->ndims && strcmp(ev->dims[k].name, c->dims[d].descriptor))
				k++;
			if (k == ev->ndims) {
				fprintf(stderr, "disco %s: dims[%d].descriptor: '%s' is not a descriptor of evaluator '%s' (it has:",
				        cmd, d, c->dims[d].descriptor, ev->name);
				for (k = 0; k < ev->ndims; k++)
					fprintf(stderr, " %s", ev->dims[k].name);
				fprintf(stderr, ")\n");
				return -1;
			}
			snprintf(p->dims[d].name, sizeof p->dims[d].name, "%s", c->dims[d].descriptor);
			p->dims[d].lo = c->dims[d].lo;
			p->dims[d].hi = c->dims[d].hi;
			p->dims[d].bins = c->dims[d].bins;
			p->dim_src[d] = k;
		}
	}
	p->islands = c->islands.count;
	p->migration_interval = c->islands.migration_interval;
	p->migrants = c->islands.migrants;
	p->selection = (enum evo_selection)c->selection;
	p->inspirations = c->inspirations;
	p->budget_evals = c->budget.evaluations;
	p->budget_wall_s = c->budget.wall_seconds;
	p->workers = c->workers;
	p->batch = c->sandbox.batch;
	{
		static struct sym_weights w;
		for (int k = 0; k < SYM_NMUT && k < CFG_MUTATION_KINDS; k++)
			w.w[k] = c->symbolic.weights[k];
		struct sym_params sp = { .weights = &w, .fit_every = c->symbolic.fit_every,
		                         .fit_evals = c->symbolic.fit_evals, .tries = c->symbolic.tries };
		mut_symbolic_configure(&sp);
	}
	p->seed = c->seed;
	p->hash_tol = c->hash.tolerance;
	p->remeasure_after = c->hash.remeasure_after;
	return 0;
}

static void limits_of(const struct campaign *c, struct sbx_limits *lim)
{
	sbx_limits_default(lim);
	lim->wall_ms = (unsigned)c->sandbox.timeout_ms;
	lim->mem_bytes = (size_t)c->sandbox.memory_mb << 20;
	lim->max_source = (size_t)c->sandbox.max_source_bytes;
}

/* The best seed's train score, as stored in the archive. */
/* p made absolute against base (the current directory when base is NULL)
 * into out.  A path is not required to exist. */
static void abs_path(const char *p, const char *base, char *out, size_t n)
{
	char cwd[PATH_MAX];
	if (p[0] == '/' || (!base && !getcwd(cwd, sizeof cwd))) {
		snprintf(out, n, "%s", p);
		return;
	}
	if ((size_t)snprintf(out, n, "%s/%s", base ? base : cwd, p) >= n)
		snprintf(out, n, "%s", p); /* too long to join: leave it as given */
}

/* Where a campaign's evaluator is found: the plug-in file or the folder a
 * command runs in, and the identity stored with the archive (resume). */
struct where {
	char dir[PATH_MAX];   /* a command's working folder, or "" */
	int has_stored;
	struct evid stored;
};

/* The seeds' slowest run on the train split, in ms (probe and every
 * stage), or -1 when none ran ok. */
static double slowest_seed_ms(struct sbx *sb, const struct ev_evaluator *ev)
{
	struct pl_outcome *o = malloc(sizeof *o);
	double worst = -1;
	char err[256];
	for (const struct ev_seed *s = ev->seeds; o && s && s->name; s++)
		if (pl_eval(sb, ev, s->source, strlen(s->source), EV_TRAIN, 0, o, err, sizeof err) == 0 &&
		    o->status == SBX_OK && o->t_total_ms > worst)
			worst = o->t_total_ms;
	free(o);
	return worst;
}

/* The deadline per job when the campaign does not set one: a multiple of
 * the slowest seed's time with a floor, never above the configured limit,
 * so that a lineage of candidates waiting just under a generous deadline
 * cannot starve the campaign (AutoML-Zero discards programs slower than a
 * multiple of the baseline the same way). */
#define DEADLINE_FACTOR 20
#define DEADLINE_FLOOR_MS 250
static void derive_deadline(const char *cmd, struct sbx *sb, const struct ev_evaluator *ev, int quiet)
{
	if (ext_of(ev))
		return; /* an external command keeps its own deadline */
	struct sbx_limits lim = *sbx_get_limits(sb);
	double worst = slowest_seed_ms(sb, ev);
	if (worst < 0)
		return;
	double d = worst * DEADLINE_FACTOR;
	if (d < DEADLINE_FLOOR_MS)
		d = DEADLINE_FLOOR_MS;
	if (d < lim.wall_ms) {
		lim.wall_ms = (unsigned)d;
		sbx_set_limits(sb, &lim);
	}
	if (!quiet)
		fprintf(stderr,
		        "disco %s: deadline %u ms per job (%dx the slowest seed's %.1f ms, at least %d ms; set sandbox.timeout_ms or --timeout-ms to fix it)\n",
		        cmd, lim.wall_ms, DEADLINE_FACTOR, worst, DEADLINE_FLOOR_MS);
}

static const struct ev_evaluator *open_evaluator(const char *cmd, const struct campaign *c,
                                                 const struct where *w, const struct sbx_limits *lim,
                                                 char *err, size_t errlen)
{
	if (c->evaluator.kind != CFG_EV_COMMAND)
		return ev_open(c->evaluator.text, lim, err, errlen);
	char cwd[PATH_MAX];
	int moved = w->dir[0] && getcwd(cwd, sizeof cwd) && strcmp(cwd, w->dir);
	if (moved && chdir(w->dir) != 0) {
		snprintf(err, errlen, "the evaluator command runs in %.1024s, which is gone (%s); give the command again with --evaluator-cmd",
		         w->dir, strerror(errno));
		return NULL;
	}
	/* The command runs in its folder for the whole campaign; every path
	 * disco itself opens was made absolute before. */
	return ev_open_cmd(c->evaluator.text, lim, err, errlen);
}

static int campaign_main(const char *cmd, const struct cli_args *a, struct campaign *c,
                         const char *db_arg, int resume, struct where *w)
{
	char err[CFG_ERR_MAX], db[PATH_MAX], logpath[PATH_MAX];
	if (cfg_validate(c, resume ? db_arg : "command line", err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	abs_path(db_arg, NULL, db, sizeof db);
	if (a->val[R_LOG])
		abs_path(a->val[R_LOG], NULL, logpath, sizeof logpath);
	if (!resume && access(db, F_OK) == 0) {
		struct arc *old = arc_open(db, ARC_READONLY, err, sizeof err);
		char *cj = NULL;
		uint64_t seed;
		int has = old && arc_campaign_get(old, &cj, &seed) == ARC_OK;
		free(cj);
		arc_close(&old);
		if (has) {
			fprintf(stderr, "disco run: %s already holds a campaign; continue it with 'disco resume %s' or choose another --db\n",
			        db_arg, db_arg);
			return 1;
		}
	}
	struct sbx_limits lim;
	limits_of(c, &lim);
	/* LLM keys leave the environment before anything forks (engine/llm/llm.h). */
	int use_llm = 0;
	for (int i = 0; i < c->nmutators; i++)
		use_llm |= !strcmp(c->mutators[i].name, "llm");
	struct llm_keys keys = { 0 };
	if (use_llm && llm_keys_take(&c->llm, &keys, err, sizeof err)) {
		fprintf(stderr, "disco %s: %s\n", cmd, err);
		return 1;
	}
	/* The fork servers start first, while this process is small; with
	 * batches, each fills the evaluators' tables once for its children. */
	sbx_server_init(c->sandbox.batch > 1 ? sym_batch_warm : NULL);
	struct sbx *sb = sbx_open(c->workers, &lim, err, sizeof err);
	if (!sb) {
		fprintf(stderr, "disco %s: %s\n", cmd, err);
		llm_keys_free(&keys);
		return 1;
	}
	int rc = 1;
	struct arc *arc = NULL;
	FILE *log = NULL;
	struct ev_seed *seedtab = NULL;
	char **seedir = NULL;
	struct loop *loop = NULL;
	struct mut_mutator *llm = NULL;
	const struct ev_evaluator *ev = open_evaluator(cmd, c, w, &lim, err, sizeof err);
	if (!ev) {
		fprintf(stderr, "disco %s: %s\n", cmd, err);
		llm_keys_free(&keys);
		goto out;
	}
	if (!(loop = loop_new())) {
		fprintf(stderr, "disco %s: out of memory\n", cmd);
		llm_keys_free(&keys);
		goto out;
	}
	if (use_llm) {
		struct llm_budget b = { c->budget.llm_calls, c->budget.tokens, c->budget.cost_usd };
		llm = llm_mutator_new(&c->llm, &keys, &b, loop, ev, c->description, err, sizeof err);
		if (!llm || mut_register(llm)) {
			fprintf(stderr, "disco %s: %s\n", cmd, llm ? "mutator 'llm' is already registered" : err);
			goto out;
		}
		if (llm_mutator_set_sandbox(llm, &lim, err, sizeof err)) {
			fprintf(stderr, "disco %s: fitting sandbox: %s\n", cmd, err);
			goto out;
		}
	}
	struct evid id;
	evid_of(ev, c->evaluator.kind == CFG_EV_PLUGIN ? c->evaluator.text : NULL, w->dir, &id);
	if (w->has_stored && evid_same(&w->stored, &id, err, sizeof err)) {
		fprintf(stderr, "disco resume: %s: %s; resume refused: the archive's scores would mix two evaluators\n",
		        db_arg, err);
		goto out;
	}
	struct evo_params p;
	if (ev_builtin_index(ev) < 0)
		sym_use_evaluator(ev); /* a plug-in's or command's IR names it */
	if (make_params(cmd, c, ev, &p))
		goto out;
	int use_sym = 0; /* a symbolic mutator will vary the programs */
	for (int i = 0; i < p.nmut; i++)
		use_sym |= p.mut[i] == &mut_symbolic;
	{
		/* IR seeds when a symbolic mutator will vary them */
		if (sym_seed_table(ev, c->seeds, use_sym, &seedtab, &seedir, err, sizeof err) < 0) {
			fprintf(stderr, "disco %s: seeds: %s\n", cmd, err);
			goto out;
		}
		p.seeds = seedtab;
		p.seed_ir = (const char *const *)seedir;
	}
	p.loop = loop;
	/* The log is opened before the archive is made, so a bad --log-json
	 * path leaves nothing behind. */
	if (a->val[R_LOG] && !(log = fopen(logpath, "w"))) {
		fprintf(stderr, "disco %s: cannot write --log-json %s: %s\n", cmd, a->val[R_LOG], strerror(errno));
		goto out;
	}
	/* Likewise --report: its folder must take the page's temporary file. */
	char reportpath[PATH_MAX];
	if (a->val[R_REPORT]) {
		char probe[PATH_MAX + 32];
		abs_path(a->val[R_REPORT], NULL, reportpath, sizeof reportpath);
		snprintf(probe, sizeof probe, "%s.tmp.%ld", reportpath, (long)getpid());
		int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0) {
			fprintf(stderr, "disco %s: cannot write --report %s: %s\n", cmd, a->val[R_REPORT], strerror(errno));
			goto out;
		}
		close(fd);
		unlink(probe);
	}
	int created = !resume && access(db, F_OK) != 0;
	arc = arc_open(db, (resume ? 0 : ARC_CREATE) | ARC_WRITER, err, sizeof err);
	if (!arc) {
		fprintf(stderr, "disco %s: %s\n", cmd, err);
		if (created)
			unlink(db);
		goto out;
	}
	if (!resume) {
		/* One transaction: a kill leaves either no campaign or a whole one. */
		char *json = cfg_to_json(c), *idj = evid_json(&id);
		int64_t cid;
		int bad = !json || !idj || arc_begin(arc) || arc_campaign_create(arc, json, c->seed, &cid) ||
		          arc_set_dims(arc, p.dims, p.ndims) || arc_set_islands(arc, p.islands) ||
		          arc_add_event(arc, "evaluator", idj) || arc_commit(arc);
		free(json);
		free(idj);
		if (bad) {
			fprintf(stderr, "disco %s: %s\n", cmd, arc_errmsg(arc));
			arc_rollback(arc);
			goto out;
		}
	} else {
		int64_t n = 0;
		arc_attempt_count(arc, &n);
		char detail[96];
		snprintf(detail, sizeof detail, "{\"attempts_before\":%lld}", (long long)n);
		char *idj = w->has_stored ? NULL : evid_json(&id);
		/* An archive from before identities were stored adopts this one. */
		int bad = arc_add_event(arc, "resume", detail) || (idj && arc_add_event(arc, "evaluator", idj));
		free(idj);
		if (bad) {
			fprintf(stderr, "disco %s: %s\n", cmd, arc_errmsg(arc));
			goto out;
		}
	}
	if (llm && llm_mutator_set_archive(llm, arc, err, sizeof err)) {
		fprintf(stderr, "disco %s: %s\n", cmd, err);
		goto out;
	}
	struct live_report live = { db, a->val[R_REPORT] ? reportpath : NULL, { 0 }, 0 };
	cli_report_reference(&live.opt, ev);
	if (live.out) {
		/* A first page now (writes so far autocommitted): a bad path
		 * fails before any work. */
		if (rpt_write_file_opts(db, live.out, &live.opt, err, sizeof err)) {
			fprintf(stderr, "disco %s: --report: %s\n", cmd, err);
			goto out;
		}
		p.periodic = live_report;
		p.periodic_ud = &live;
		p.periodic_s = REPORT_EVERY_S;
	}
	p.quiet = a->val[R_QUIET] != NULL;
	p.log_json = log;
	p.db_path = db_arg;
	if (!c->sandbox.timeout_set)
		derive_deadline(cmd, sb, ev, p.quiet);
	/* Constant fitting, nearly all of a symbolic campaign's engine time,
	 * on threads of its own when several sandbox workers run anyway (one
	 * worker keeps a campaign reproducible: its children then come in a
	 * fixed order). */
	if (use_sym && p.workers >= 2 && ev_builtin_index(ev) >= 0 && ev->ir && ev->ir->residuals &&
	    c->symbolic.fit_every > 0 && c->symbolic.fit_threads != 0) {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		int nt = ncpu > 0 && ncpu < p.workers ? (int)ncpu : p.workers;
		if (c->symbolic.fit_threads > 0)
			nt = c->symbolic.fit_threads;
		if (mut_symbolic_pool(loop, nt, err, sizeof err)) {
			fprintf(stderr, "disco %s: %s\n", cmd, err);
			goto out;
		}
	}
	struct evo_summary sum;
	evo_install_signals();
	if (!p.quiet)
		fprintf(stderr, "disco %s: evaluator %s, %d worker%s, %d island%s, archive %s\n", cmd, ev->name,
		        p.workers, p.workers == 1 ? "" : "s", p.islands, p.islands == 1 ? "" : "s", db_arg);
	if (evo_run(&p, arc, sb, &sum, err, sizeof err)) {
		fprintf(stderr, "disco %s: ", cmd);
		text_puts(stderr, err, 0); /* may quote an external command's stderr */
		fprintf(stderr, "\n");
		fprintf(stderr, "committed work is kept; continue with: disco resume %s\n", db_arg);
		goto out;
	}
	if (sum.end == EVO_BUDGET)
		arc_campaign_finish(arc);
	run_summary(arc, ev, p.seeds, &sum, sb, db_arg, !a->val[R_NOSRC], log);
	rc = sum.end == EVO_INTERRUPTED ? 130 : 0;
	if (live.out) {
		/* after the summary, which records held-out scores */
		if (rpt_write_file_opts(db, live.out, &live.opt, err, sizeof err))
			fprintf(stderr, "disco %s: --report: %s\n", cmd, err);
		else if (!p.quiet)
			fprintf(stderr, "report: %s\n", live.out);
	}
out:
	mut_symbolic_pool_stop();
	sym_use_evaluator(NULL);
	sym_seed_table_free(&seedtab, &seedir);
	if (log)
		fclose(log);
	if (llm && arc)
		llm_mutator_flush(llm);
	llm_mutator_free(&llm);
	loop_free(&loop);
	arc_close(&arc);
	ev_close(&ev);
	sbx_close(&sb);
	return rc;
}

/* The evaluator named by --evaluator / --evaluator-cmd, made absolute
 * against base (NULL: the current directory) for a plug-in. */
static void set_evaluator(struct campaign *c, const char *plugin_or_name, const char *command,
                          const char *base, struct where *w)
{
	if (plugin_or_name) {
		size_t n = strlen(plugin_or_name);
		c->evaluator.kind = n > 2 && !strcmp(plugin_or_name + n - 2, ".c") ? CFG_EV_PLUGIN : CFG_EV_BUILTIN;
		if (c->evaluator.kind == CFG_EV_PLUGIN)
			abs_path(plugin_or_name, base, c->evaluator.text, sizeof c->evaluator.text);
		else
			snprintf(c->evaluator.text, sizeof c->evaluator.text, "%s", plugin_or_name);
	}
	if (command) {
		c->evaluator.kind = CFG_EV_COMMAND;
		snprintf(c->evaluator.text, sizeof c->evaluator.text, "%s", command);
		if (base)
			snprintf(w->dir, sizeof w->dir, "%s", base);
		else if (!getcwd(w->dir, sizeof w->dir))
			w->dir[0] = 0;
	}
}

int cmd_run(int argc, char **argv)
{
	struct cli_args a;
	int rc = cli_parse(&run_spec, argc, argv, &a);
	if (rc >= 0)
		return rc;
	struct campaign c;
	struct where w;
	memset(&w, 0, sizeof w);
	char err[CFG_ERR_MAX];
	cfg_default(&c);
	if (a.npos && cfg_load_file(&c, a.pos[0], err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	/* Paths in a campaign file are relative to the file's folder. */
	char base[PATH_MAX] = "";
	if (a.npos) {
		char real[PATH_MAX];
		if (realpath(a.pos[0], real)) {
			char *slash = strrchr(real, '/');
			if (slash)
				*slash = 0;
			snprintf(base, sizeof base, "%s", real[0] ? real : "/");
		}
		/* The LLM's prompt templates too. */
		char *llm_paths[] = { c.llm.prompts_dir, c.llm.system_prompt, c.llm.user_prompt };
		for (int i = 0; i < 3 && base[0]; i++)
			if (llm_paths[i][0]) {
				char t[LLM_PATH_MAX];
				snprintf(t, sizeof t, "%s", llm_paths[i]);
				abs_path(t, base, llm_paths[i], LLM_PATH_MAX);
			}
		if (c.evaluator.kind == CFG_EV_PLUGIN) {
			char t[CFG_TEXT_MAX];
			snprintf(t, sizeof t, "%s", c.evaluator.text);
			set_evaluator(&c, t, NULL, base[0] ? base : NULL, &w);
		} else if (c.evaluator.kind == CFG_EV_COMMAND) {
			char t[CFG_TEXT_MAX];
			snprintf(t, sizeof t, "%s", c.evaluator.text);
			set_evaluator(&c, NULL, t, base[0] ? base : NULL, &w);
		}
	}
	if (apply_options(&run_spec, &a, &c, 0))
		return 2;
	/* Options are relative to where disco runs. */
	set_evaluator(&c, a.val[R_EVALUATOR], a.val[R_CMD], NULL, &w);
	if (c.evaluator.kind == CFG_EV_COMMAND && !w.dir[0] && !getcwd(w.dir, sizeof w.dir))
		w.dir[0] = 0;
	return campaign_main("run", &a, &c, c.db, 0, &w);
}

int cmd_resume(int argc, char **argv)
{
	struct cli_args a;
	int rc = cli_parse(&resume_spec, argc, argv, &a);
	if (rc >= 0)
		return rc;
	const char *db = a.pos[0];
	char err[CFG_ERR_MAX];
	struct arc *arc = arc_open(db, ARC_READONLY, err, sizeof err);
	if (!arc) {
		fprintf(stderr, "disco resume: %s\n", err);
		return 1;
	}
	char *json = NULL, *idj = NULL;
	uint64_t seed;
	rc = arc_campaign_get(arc, &json, &seed);
	int idrc = rc == ARC_OK ? arc_event_first(arc, "evaluator", &idj) : ARC_NOTFOUND;
	arc_close(&arc);
	if (rc != ARC_OK) {
		fprintf(stderr, "disco resume: %s holds no campaign to resume\n", db);
		free(json);
		return 1;
	}
	struct where w;
	memset(&w, 0, sizeof w);
	if (idrc == ARC_OK) {
		if (evid_parse(idj, &w.stored, err, sizeof err)) {
			fprintf(stderr, "disco resume: %s: %s\n", db, err);
			free(idj);
			free(json);
			return 1;
		}
		w.has_stored = 1;
		snprintf(w.dir, sizeof w.dir, "%s", w.stored.dir);
	}
	free(idj);
	struct campaign c;
	cfg_default(&c);
	if (cfg_parse(&c, json, db, err, sizeof err)) {
		fprintf(stderr, "disco resume: the campaign stored in %s is not readable:\n%s\n", db, err);
		free(json);
		return 1;
	}
	free(json);
	if (apply_options(&resume_spec, &a, &c, 1))
		return 2;
	if (w.has_stored && !strcmp(w.stored.kind, "plugin") && w.stored.path[0])
		snprintf(c.evaluator.text, sizeof c.evaluator.text, "%.*s", (int)sizeof c.evaluator.text - 1,
		         w.stored.path);
	if (a.val[R_EVALUATOR] || a.val[R_CMD]) {
		/* A moved evaluator: accepted when it is the same one. */
		w.dir[0] = 0;
		set_evaluator(&c, a.val[R_EVALUATOR], a.val[R_CMD], NULL, &w);
	} else if (c.evaluator.kind == CFG_EV_PLUGIN && access(c.evaluator.text, R_OK) != 0) {
		fprintf(stderr, "disco resume: the campaign's plug-in %s is not there any more (%s); if it moved, give its new place with --evaluator FILE.c (its content must be unchanged)\n",
		        c.evaluator.text, strerror(errno));
		return 1;
	}
	return campaign_main("resume", &a, &c, db, 1, &w);
}
