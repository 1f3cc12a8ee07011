/*
 * run_summary.c - the summary `disco run` and `disco resume` print when a
 * campaign ends: attempts and rate, coverage, hash hits, the symbolic
 * counters, the best program against the best (tuned) baseline on train
 * and held-out (scoring the held-out split here, recorded in the
 * archive), memory, and the JSON summary event for --log-json.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "archive/arc.h"
#include "archive/query.h"
#include "engine/cli/cli.h"
#include "engine/evo.h"
#include "engine/fhash.h"
#include "engine/mutate/symbolic.h"
#include "engine/pipeline.h"
#include "evaluators/text.h"

static double best_baseline(struct arc *a, const struct ev_seed *seeds, const char **name)
{
	double best = NAN;
	*name = NULL;
	for (const struct ev_seed *s = seeds; s && s->name; s++) {
		int64_t id;
		struct arc_eval e;
		if (arc_find_text_hash(a, fh_text(s->source, strlen(s->source)), &id) != ARC_OK)
			continue;
		if (arc_get_evaluation(a, id, EV_TRAIN, &e) == ARC_OK) {
			if (isfinite(e.score) && (isnan(best) || e.score > best)) {
				best = e.score;
				*name = s->name;
			}
			arc_eval_clear(&e);
		}
	}
	return best;
}

/* Score src on the held-out split; record it for program id when a is
 * given.  NaN when it does not evaluate ok. */
static double heldout(struct sbx *sb, const struct ev_evaluator *ev, const char *src, int64_t id,
                      struct arc *a)
{
	struct pl_outcome *o = malloc(sizeof *o);
	char err[256];
	double score = NAN;
	if (o && pl_eval(sb, ev, src, strlen(src), EV_HELDOUT, 0, o, err, sizeof err) == 0 &&
	    o->status == SBX_OK) {
		score = o->score;
		if (a)
			arc_add_evaluation(a, id, score, NULL, NULL, 0, o->stage, EV_HELDOUT, NULL);
	}
	free(o);
	return score;
}

void run_summary(struct arc *a, const struct ev_evaluator *ev, const struct ev_seed *seeds,
                 const struct evo_summary *s, struct sbx *sb, const char *db, int show_src, FILE *log)
{
	struct arc_stats st;
	memset(&st, 0, sizeof st);
	arc_stats(a, -1, &st);
	printf("\n%s: %s after %lld attempts this run (%.1f s, %.0f/s); %lld attempts in the archive\n",
	       ev->name,
	       s->end == EVO_INTERRUPTED ? "interrupted" : s->end == EVO_EXHAUSTED ? "every mutator exhausted" : "budget reached",
	       (long long)s->attempts, s->wall_s, s->per_s, (long long)st.attempts);
	printf("  programs %lld, coverage %.1f%% (%lld cells), QD-score %.4g\n", (long long)st.programs,
	       100 * st.coverage, (long long)st.occupied, st.qd_score);
	printf("  hash hits: text %.1f%%, functional %.1f%% (duplicates skipped: %lld)\n",
	       100 * s->text_hit_rate, 100 * s->func_hit_rate, (long long)s->duplicates);
	struct sym_counters sc;
	sym_counters_get(&sc);
	if (sc.proposals) {
		/* fitting runs are in-process scorings, not candidates */
		printf("  symbolic: %lld children (%lld mutations tried, %lld invalid, %lld back to the parent), "
		       "%lld found duplicate by the interpreter before compiling (%.1f%% of attempts never compiled); "
		       "constant fitting: %lld children, %lld fitting evaluations\n",
		       (long long)sc.proposals, (long long)sc.tries, (long long)sc.invalid,
		       (long long)(sc.same_text + sc.same_function), (long long)s->interp_hits,
		       s->attempts ? 100.0 * (double)(s->interp_hits + s->text_hits) / (double)s->attempts : 0.0,
		       (long long)sc.fitted, (long long)sc.fit_evals);
	}
	if (s->batches || s->batch_fallbacks)
		printf("  batches: %lld sandbox children ran %lld candidates (%.1f each); %lld batches re-run one by one\n",
		       (long long)s->batches, (long long)s->batched,
		       s->batches ? (double)s->batched / (double)s->batches : 0.0, (long long)s->batch_fallbacks);
	if (s->later_batches)
		printf("  later stages: %lld sandbox children ran %lld candidates (%.1f each)\n", (long long)s->later_batches,
		       (long long)s->later_batched, (double)s->later_batched / (double)s->later_batches);
	int any = 0;
	for (int i = 1; i < SBX_NSTATUS; i++)
		if (s->by_status[i]) {
			printf("%s%s %lld", any ? ", " : "  failures: ", sbx_status_name(i), (long long)s->by_status[i]);
			any = 1;
		}
	if (any)
		printf("\n");
	if (st.llm_calls) {
		double ktok = (double)(st.tokens_in + st.tokens_out) / 1000;
		printf("  llm: %lld calls, tokens in %lld / out %lld, cost $%.4f%s; improvements %lld (%.3g per 1k tokens",
		       (long long)st.llm_calls, (long long)st.tokens_in, (long long)st.tokens_out, st.llm_cost,
		       st.llm_usage_unknown ? " (some calls sent no usage: their tokens and cost are unknown)" : "",
		       (long long)st.llm_improvements, ktok > 0 ? st.llm_improvements / ktok : 0.0);
		if (st.llm_cost > 0)
			printf(", %.3g per USD", st.llm_improvements / st.llm_cost);
		printf(")\n");
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("  memory: engine peak RSS %.1f MiB, fork server peak RSS %.1f MiB\n", ru.ru_maxrss / 1024.0,
	       sbx_server_peak_kb(sb) / 1024.0);
	const char *bname;
	double base = best_baseline(a, seeds, &bname), hb = NAN, hs = NAN;
	/* Tuned baselines (disco baseline NAME --tune N --db DB): the fair bar. */
	struct arc_tuned tb;
	int has_tuned = arc_tuned_best(a, ev->name, &tb) == ARC_OK;
	/* The best program is `disco archive top`'s first row (ties: lower id
	 * first), whether or not a shorter tie holds its cell. */
	struct arc_prog_list top1 = { 0 };
	if (arc_q_top(a, -1, 1, &top1) == ARC_OK && top1.n == 1 && isfinite(top1.row[0].score)) {
		st.best_program_id = top1.row[0].id;
		st.best_score = top1.row[0].score;
	}
	arc_prog_list_clear(&top1);
	if (st.best_program_id) {
		struct arc_program prog;
		printf("  best program #%lld: score %.6g", (long long)st.best_program_id, st.best_score);
		if (bname)
			printf("; best baseline %s: %.6g (%+.6g)", bname, base, st.best_score - base);
		printf("\n");
		if (s->end == EVO_INTERRUPTED) {
			/* Ctrl-C means now: no re-scoring, which may take a deadline each. */
			printf("  held-out split: skipped (interrupted); later: disco archive show %lld --db %s, then disco eval FILE --split heldout\n",
			       (long long)st.best_program_id, db);
		} else if (arc_get_program(a, st.best_program_id, &prog) == ARC_OK) {
			/* Held-out: reported here, never used for selection. */
			const char *bsrc = NULL;
			for (const struct ev_seed *sd = seeds; bname && sd->name; sd++)
				if (!strcmp(sd->name, bname))
					bsrc = sd->source;
			hb = heldout(sb, ev, prog.source, st.best_program_id, a);
			/* recorded too (once per program), so the report shows it */
			int64_t bid = 0;
			if (bsrc && arc_find_text_hash(a, fh_text(bsrc, strlen(bsrc)), &bid) != ARC_OK)
				bid = 0;
			hs = bsrc ? heldout(sb, ev, bsrc, bid, bid && bid != st.best_program_id ? a : NULL) : NAN;
			if (isfinite(hb)) {
				printf("  held-out split: best program %.6g", hb);
				if (isfinite(hs))
					printf(", %s %.6g (%+.6g)", bname, hs, hb - hs);
				printf("\n");
			}
			arc_program_clear(&prog);
		}
		if (has_tuned) {
			printf("  best tuned baseline ");
			text_puts(stdout, tb.seed, 0); /* read back from the file: escaped */
			printf(" (%d evaluations): train %.6g (%+.6g)", tb.evals, tb.train, st.best_score - tb.train);
			if (isfinite(tb.heldout) && isfinite(hb))
				printf(", held-out %.6g (%+.6g)", tb.heldout, hb - tb.heldout);
			printf("\n");
		}
		if (show_src && arc_get_program(a, st.best_program_id, &prog) == ARC_OK) {
			printf("\n");
			text_puts(stdout, prog.source, 1); /* candidate text: escaped */
			printf("%s", prog.source[0] && prog.source[strlen(prog.source) - 1] == '\n' ? "" : "\n");
			arc_program_clear(&prog);
		}
	}
	printf("\narchive: %s  (browse: disco archive top --db %s)\n", db, db);
	if (s->end == EVO_INTERRUPTED || s->end == EVO_EXHAUSTED)
		printf("resume with: disco resume %s\n", db);
	if (log) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "event", "summary");
		cJSON_AddNumberToObject(j, "attempts", (double)s->attempts);
		cJSON_AddNumberToObject(j, "per_s", s->per_s);
		const char *keys[] = { "best", "baseline", "best_heldout", "baseline_heldout" };
		double vals[] = { st.best_score, base, hb, hs };
		for (int i = 0; i < 4; i++) {
			if (isfinite(vals[i])) cJSON_AddNumberToObject(j, keys[i], vals[i]);
			else cJSON_AddNullToObject(j, keys[i]);
		}
		if (has_tuned) {
			cJSON_AddStringToObject(j, "tuned_baseline_seed", tb.seed);
			cJSON_AddNumberToObject(j, "tuned_baseline_evals", tb.evals);
			if (isfinite(tb.train)) cJSON_AddNumberToObject(j, "tuned_baseline", tb.train);
			if (isfinite(tb.heldout)) cJSON_AddNumberToObject(j, "tuned_baseline_heldout", tb.heldout);
		}
		cJSON_AddNumberToObject(j, "text_hit_rate", s->text_hit_rate);
		cJSON_AddNumberToObject(j, "func_hit_rate", s->func_hit_rate);
		cJSON_AddNumberToObject(j, "interp_hits", (double)s->interp_hits);
		cJSON_AddNumberToObject(j, "text_hits", (double)s->text_hits);
		cJSON_AddNumberToObject(j, "fit_evals", (double)sc.fit_evals);
		cJSON_AddNumberToObject(j, "batches", (double)s->batches);
		cJSON_AddNumberToObject(j, "batched", (double)s->batched);
		cJSON_AddNumberToObject(j, "batch_fallbacks", (double)s->batch_fallbacks);
		cJSON_AddNumberToObject(j, "later_batches", (double)s->later_batches);
		cJSON_AddNumberToObject(j, "later_batched", (double)s->later_batched);
		cJSON_AddNumberToObject(j, "engine_peak_kb", (double)ru.ru_maxrss);
		cJSON_AddNumberToObject(j, "engine_cpu_s", ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		                                               ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
		cJSON_AddNumberToObject(j, "llm_calls", (double)st.llm_calls);
		cJSON_AddNumberToObject(j, "forksrv_peak_kb", (double)sbx_server_peak_kb(sb));
		cJSON_AddNumberToObject(j, "sandbox_cpu_s", sbx_server_cpu_s(sb));
		char *txt = cJSON_PrintUnformatted(j);
		fprintf(log, "%s\n", txt);
		free(txt);
		cJSON_Delete(j);
	}
	if (has_tuned)
		arc_tuned_clear(&tb);
}

