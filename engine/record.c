/*
 * record.c - recording one finished attempt: the attempt row always; the
 * program, its evaluation and its cell when it ran ok; the hash caches;
 * the run summary; the JSON event log.  Private to the evolution loop
 * (see evo_int.h).
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/evo_int.h"
#include "engine/jsonw.h"

/* The archive's status list is the sandbox's, then "duplicate" and
 * "edit_failed" (test_evo checks the names one by one). */
_Static_assert(ARC_NSTATUS == SBX_NSTATUS + 2, "archive statuses = sandbox statuses + 2");

int evo_arc_fail(struct evo *E, const char *what)
{
	snprintf(E->err, E->errlen, "%s: %s", what, arc_errmsg(E->a));
	E->failed = 1;
	return -1;
}

void evo_log_event(struct evo *E, cJSON *j)
{
	if (E->p->log_json) {
		char *s = cJSON_PrintUnformatted(j);
		fprintf(E->p->log_json, "%s\n", s);
		free(s);
	}
	cJSON_Delete(j);
}

static void map_desc(const struct evo_params *p, const struct ev_result *r, double *desc)
{
	for (int d = 0; d < p->ndims; d++)
		desc[d] = r->desc[p->dim_src[d]];
}

/* The program, its evaluation, its cell (and every island's, for a seed)
 * and the caches, for a candidate that ran ok. */
static int record_program(struct evo *E, struct flight *f, int64_t *pid, int *outcome)
{
	const struct evo_params *p = E->p;
	struct pl_outcome *o = &f->o;
	int64_t cell = -1;
	struct arc_program prog = {
		.source = f->src, .ir = f->ir, .mutator = (char *)f->mutator, .text_hash = f->thash,
		.func_hash = o->has_fhash ? o->fhash : 0, .parent_id = f->parent,
		.ninspirations = f->ninsp, .island = f->island,
	};
	memcpy(prog.inspirations, f->insp, sizeof f->insp);
	double desc[ARC_MAX_DIMS] = { 0 };
	map_desc(p, &o->ev, desc);
	char *mj = jsw_metrics(&o->ev);
	int rc = arc_add_program(E->a, &prog, pid) ||
	         arc_add_evaluation(E->a, *pid, o->score, mj, desc, p->ndims, o->stage, EV_TRAIN, NULL) ||
	         arc_insert_elite_cell(E->a, f->island, desc, *pid, o->score, f->len, outcome, &cell);
	free(mj);
	if (rc)
		return evo_arc_fail(E, "recording a program");
	/* Seeds populate every island. */
	if (!strcmp(f->mutator, "seed"))
		for (int i = 1; i < p->islands; i++) {
			int oc;
			if (arc_insert_elite(E->a, i, desc, *pid, o->score, f->len, &oc))
				return evo_arc_fail(E, "seeding an island");
		}
	struct fh_entry e = { .program_id = *pid, .score = o->score, .status = SBX_OK };
	fh_cache_put(E->text, f->thash, &e);
	/* A re-measured noisy function keeps its earlier cache entry. */
	if (o->has_fhash && !f->remeasure)
		fh_cache_put(E->func, o->fhash, &e);
	return 0;
}

/* The attempt's line of the JSON log: {"event":"attempt","seq":N,
 * "status":S[,"program":N,"score":X,"outcome":O][,"duplicate_of":N],
 * "island":N}, as cJSON_PrintUnformatted writes that object (status and
 * outcome names need no escaping). */
static void log_attempt(FILE *fp, const struct flight *f, const char *st, int64_t pid, double score,
                        int outcome, int64_t dup_of)
{
	char b[512], num[32];
	size_t n = 0;
#define LOG_PUT(str, len)                                                      \
	do {                                                                   \
		size_t l_ = (len);                                             \
		if (n + l_ < sizeof b) {                                       \
			memcpy(b + n, (str), l_);                              \
			n += l_;                                               \
		}                                                              \
	} while (0)
#define LOG_STR(s) LOG_PUT((s), strlen(s))
#define LOG_NUM(v) LOG_PUT(num, jsw_num(num, (v)))
	LOG_STR("{\"event\":\"attempt\",\"seq\":");
	LOG_NUM((double)f->seq);
	LOG_STR(",\"status\":\"");
	LOG_STR(st);
	LOG_STR("\"");
	if (pid) {
		LOG_STR(",\"program\":");
		LOG_NUM((double)pid);
		LOG_STR(",\"score\":");
		LOG_NUM(score);
		LOG_STR(",\"outcome\":\"");
		LOG_STR(arc_outcome_name(outcome));
		LOG_STR("\"");
	}
	if (dup_of) {
		LOG_STR(",\"duplicate_of\":");
		LOG_NUM((double)dup_of);
	}
	LOG_STR(",\"island\":");
	LOG_NUM((double)f->island);
	LOG_STR("}\n");
#undef LOG_NUM
#undef LOG_STR
#undef LOG_PUT
	fwrite(b, 1, n, fp);
}

int evo_record(struct evo *E, struct flight *f, const char *status, int64_t dup_of, const char *msg)
{
	/* Numbered when recorded, not when started: jobs finish out of order,
	 * and a kill must never leave a gap before a committed attempt. */
	f->seq = E->next_seq++;
	struct pl_outcome *o = &f->o;
	int64_t pid = 0;
	int outcome = ARC_NOT_ADDED;
	int dup = status && !strcmp(status, "duplicate");
	if (!status && o->status == SBX_OK) {
		if (record_program(E, f, &pid, &outcome))
			return -1;
	} else if (!status) {
		/* A failure: remember its text so the same text is not retried. */
		struct fh_entry e = { .program_id = -f->seq, .score = NAN, .status = o->status };
		fh_cache_put(E->text, f->thash, &e);
	}
	evo_curiosity_note(E, f, outcome);
	const char *st = status ? status : sbx_status_name(o->status);
	char m[SBX_MSG_MAX];
	const char *ms = msg ? msg : o->message;
	size_t ml = strnlen(ms, sizeof m - 1); /* what snprintf(m, sizeof m, "%s") keeps */
	memcpy(m, ms, ml);
	m[ml] = 0;
	struct arc_attempt t = {
		.seq = f->seq, .program_id = pid, .parent_id = f->parent, .status = st,
		.message = m[0] ? m : NULL, .compile_ms = o->t_compile_ms, .run_ms = o->t_run_ms,
		.score_ms = o->t_score_ms, .total_ms = o->t_total_ms,
		.outcome = dup ? ARC_DUPLICATE : outcome, .duplicate_of = dup_of,
		.island = f->island, .mutator = f->mutator, .stage = o->stage,
	};
	if (arc_add_attempt(E->a, &t, NULL))
		return evo_arc_fail(E, "recording an attempt");
	if (f->tag && f->mut && f->mut->version >= 2 && f->mut->result)
		f->mut->result(f->mut, f->tag, f->seq, t.outcome, pid ? o->score : NAN);
	E->island_evals[f->island]++;
	struct evo_summary *s = E->sum;
	s->attempts++;
	if (dup)
		s->duplicates++;
	else if (!status)
		s->by_status[o->status]++;
	if (pid)
		s->programs++;
	progress_attempt(E->prog, dup ? -1 : status ? SBX_NSTATUS : (int)o->status, pid ? o->score : NAN,
	                 outcome);
	if (E->p->log_json)
		log_attempt(E->p->log_json, f, st, pid, o->score, outcome, dup_of);
	return 0;
}
