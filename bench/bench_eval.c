/*
 * bench_eval.c - speed of one candidate through `disco eval`'s code path
 * (pl_eval: prescan, fork server, libtcc compile, sandboxed run, trusted
 * scoring), in-process, no process start-up.  Prints "key value" lines:
 * medians over ROUNDS rounds of N candidates each.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/pipeline.h"
#include "evaluators/mono.h"

#define ROUNDS 5

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One-at-a-time evaluations; per-candidate medians of the phases. */
static int bench_serial(struct sbx *sb, const struct ev_evaluator *ev, const char *src, int n,
                        const char *prefix)
{
	double *compile = malloc(sizeof(double) * n),
	       *total = malloc(sizeof(double) * n), rate[ROUNDS];
	struct pl_outcome *o = malloc(sizeof *o);
	char err[256];
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = mono_ms();
		for (int i = 0; i < n; i++) {
			if (pl_eval(sb, ev, src, strlen(src), EV_TRAIN, 1e-9, o, err, sizeof err) ||
			    o->status != SBX_OK) {
				fprintf(stderr, "bench: %s: %s %s\n", ev->name, err, o->message);
				return -1;
			}
			compile[i] = o->t_compile_ms;
			total[i] = o->t_total_ms;
		}
		rate[r] = n / ((mono_ms() - t0) / 1e3);
	}
	printf("%s_compile_ms %.4f\n", prefix, median(compile, n));
	printf("%s_eval_ms %.4f\n", prefix, median(total, n));
	printf("%s_per_s %.0f\n", prefix, median(rate, ROUNDS));
	free(compile); free(total); free(o);
	return 0;
}

/* `slots` candidates in flight at once (what the engine does with workers). */
static int bench_parallel(const struct ev_evaluator *ev, const char *src, int n, int slots)
{
	struct sbx_limits lim;
	sbx_limits_default(&lim);
	char err[256];
	struct sbx *sb = sbx_open(slots, &lim, err, sizeof err);
	if (!sb) { fprintf(stderr, "bench: %s\n", err); return -1; }
	struct pl_outcome *o = calloc((size_t)slots, sizeof *o);
	struct sbx_result *res = malloc(sizeof *res);
	double rate[ROUNDS];
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = mono_ms();
		int started = 0, done = 0;
		for (int s = 0; s < slots && started < n; s++, started++)
			pl_start(sb, s, ev, src, strlen(src), SBX_TASK_PROBE | pl_stage_tasks(ev, 0), EV_TRAIN, &o[s], err, sizeof err);
		while (done < n) {
			int slot;
			int c = sbx_collect(sb, &slot, res, err, sizeof err);
			if (c < 0) { fprintf(stderr, "bench: %s\n", err); return -1; }
			if (c == 0) {
				struct pollfd pf = { sbx_fd(sb), POLLIN, 0 };
				poll(&pf, 1, 1000);
				continue;
			}
			pl_finish(ev, res, EV_TRAIN, 1e-9, src, strlen(src), &o[slot]);
			if (o[slot].status != SBX_OK) { fprintf(stderr, "bench: %s\n", o[slot].message); return -1; }
			done++;
			if (started < n) {
				memset(&o[slot], 0, sizeof o[slot]);
				pl_start(sb, slot, ev, src, strlen(src), SBX_TASK_PROBE | pl_stage_tasks(ev, 0), EV_TRAIN, &o[slot], err, sizeof err);
				started++;
			}
		}
		rate[r] = n / ((mono_ms() - t0) / 1e3);
	}
	printf("expapprox_per_s_%dslots %.0f\n", slots, median(rate, ROUNDS));
	free(o); free(res);
	sbx_close(&sb);
	return 0;
}

/* optim with the candidate in run()'s own process (no serve()): what the
 * separate candidate process costs.  Static, so the fork server has it. */
static struct ev_evaluator opt_inproc;

int main(void)
{
	opt_inproc = *ev_find("optim");
	opt_inproc.serve = NULL;
	struct sbx_limits lim;
	sbx_limits_default(&lim);
	char err[256];
	struct sbx *sb = sbx_open(1, &lim, err, sizeof err);
	if (!sb) { fprintf(stderr, "bench: %s\n", err); return 1; }
	const struct ev_evaluator *exp = ev_find("expapprox"), *opt = ev_find("optim");
	static const char trivial[] = "double f(double x) { return 1.0 + x; }\n";
	if (bench_serial(sb, exp, trivial, 2000, "expapprox") ||
	    bench_serial(sb, opt, opt->seeds[0].source, 40, "optim") ||
	    bench_serial(sb, &opt_inproc, opt->seeds[0].source, 40, "optim_inprocess"))
		return 1;
	sbx_close(&sb);
	if (bench_parallel(exp, trivial, 4000, 2))
		return 1;
	return 0;
}
