/*
 * batch.c - many IR candidates in one sandbox child: one translation unit,
 * one compile, one fork (see sym.h, "batches").
 *
 * The unit defines each program's entry under its own name (disco_p0,
 * disco_p1, ...; the names up to SYM_BATCH_MAX that a smaller batch does
 * not use are defined as stubs) and `disco_batch_n()` returning the count.
 * A wrapper evaluator (one per built-in evaluator with a symbolic form,
 * built before main() so that the fork server, forked later, has the same
 * static data) has all those as its entries, so the child looks up each
 * program's address itself: the wrapper's run() hands the real
 * evaluator's run() program i's own entry, called directly (no dispatcher
 * or trampoline between the evaluator's loop and the program, about a
 * third of a short program's run time), and writes, per task,
 *     K, n_0, ..., n_(K-1), then program 0's part, ..., program K-1's:
 * for the probe its outputs (the functional hash needs them), for a stage
 * the record of the evaluator's own score() run here on its outputs
 * (score()'s return value, then its struct ev_result: ~130 doubles
 * instead of 4,373 for expapprox).  sym_batch_split() checks that header
 * against the job and hands out one program's slice as an ordinary struct
 * sbx_result with the stages' results in .pre, so pl_finish() takes them
 * exactly as if it had scored the program alone.  Only IR programs are batched: they
 * are straight-line arithmetic the engine rendered itself and cannot reach
 * another program's outputs.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sym/sym.h"

#define MAX_WRAP 8

/* Module state: wrappers of the built-in evaluators, filled before main()
 * and never changed afterwards. */
static struct ev_evaluator wrap[MAX_WRAP];
/* "disco_batch_n", then "disco_p0" ... one per program up to SYM_BATCH_MAX. */
_Static_assert(SYM_BATCH_MAX + 1 <= SBX_MAX_ENTRIES, "a batch's entries must fit the sandbox's");
static char batch_names[SYM_BATCH_MAX][24];
static const char *batch_entries[SYM_BATCH_MAX + 2];

/* A stage's record: score()'s return value, then its struct ev_result. */
#define SYM_BATCH_REC (1 + (sizeof(struct ev_result) + sizeof(double) - 1) / sizeof(double))

static long batch_run(const struct ev_evaluator *w, void *const *entry, int task, int split,
                      double *out, size_t cap, char *err, size_t errlen)
{
	const struct ev_evaluator *ev = w->data;
	if (!entry || !entry[0]) {
		snprintf(err, errlen, "batch: no count");
		return -1;
	}
	int k = ((int (*)(void))entry[0])();
	if (k < 1 || k > SYM_BATCH_MAX || (size_t)k + 1 > cap) {
		snprintf(err, errlen, "batch: %d programs", k);
		return -1;
	}
	out[0] = k;
	size_t pos = 1 + (size_t)k;
	for (int i = 0; i < k; i++) {
		void *e[EV_MAX_ENTRIES] = { entry[1 + i] };
		if (!e[0]) {
			snprintf(err, errlen, "batch: no program %d", i);
			return -1;
		}
		if (task < 0) { /* the probe: its outputs, for the functional hash */
			long n = ev->run(ev, e, task, split, out + pos, cap - pos, err, errlen);
			if (n < 0)
				return -1;
			out[1 + i] = (double)n;
			pos += (size_t)n;
			continue;
		}
		/* A stage: its outputs go just past where its record will be
		 * (the same few pages for every program), score() runs here,
		 * and only the record stays. */
		if (cap - pos <= SYM_BATCH_REC) {
			snprintf(err, errlen, "batch: no room for program %d's result", i);
			return -1;
		}
		double *raw = out + pos + SYM_BATCH_REC;
		long n = ev->run(ev, e, task, split, raw, cap - pos - SYM_BATCH_REC, err, errlen);
		if (n < 0)
			return -1;
		struct ev_result r;
		memset(&r, 0, sizeof r);
		out[pos] = ev->score(ev, task, split, raw, (size_t)n, &r);
		memcpy(out + pos + 1, &r, sizeof r);
		out[1 + i] = SYM_BATCH_REC;
		pos += SYM_BATCH_REC;
	}
	return (long)pos;
}

__attribute__((constructor)) static void build_wrappers(void)
{
	int nw = 0;
	const struct ev_evaluator *ev;
	batch_entries[0] = "disco_batch_n";
	for (int i = 0; i < SYM_BATCH_MAX; i++) {
		snprintf(batch_names[i], sizeof batch_names[i], "disco_p%d", i);
		batch_entries[1 + i] = batch_names[i];
	}
	for (int i = 0; (ev = ev_builtin(i)) && nw < MAX_WRAP; i++) {
		if (ev->version < 2 || !ev->ir)
			continue;
		wrap[nw] = *ev;
		wrap[nw].entries = batch_entries;
		wrap[nw].seeds = NULL;
		wrap[nw].ir = NULL;
		wrap[nw].run = batch_run;
		wrap[nw].data = ev;
		/* IR programs are straight-line arithmetic the engine rendered: no
		 * pointer reaches run()'s data, so the batch runs in one process
		 * (evaluator.h, serve()). */
		wrap[nw].serve = NULL;
		nw++;
	}
}

const struct ev_evaluator *sym_batch_ev(const struct ev_evaluator *ev)
{
	for (int i = 0; i < MAX_WRAP && wrap[i].name; i++)
		if (wrap[i].data == ev)
			return &wrap[i];
	return NULL;
}

/* The most outputs a task of ev writes (4096 when it does not say). */
static size_t max_out(const struct ev_evaluator *ev)
{
	return ev->max_outputs ? ev->max_outputs : 4096;
}

static double warm_one(double x)
{
	return 1.0 + x;
}

void sym_batch_warm(void)
{
	for (int i = 0; i < MAX_WRAP && wrap[i].name; i++) {
		const struct ev_evaluator *ev = wrap[i].data;
		size_t cap = max_out(ev);
		double *out = ev->ir->shape == EV_IR_FUNC ? malloc(cap * sizeof *out) : NULL;
		void *e[EV_MAX_ENTRIES] = { (void *)warm_one };
		char err[EV_MSG_MAX];
		long n = out ? ev->run(ev, e, 0, EV_TRAIN, out, cap, err, sizeof err) : -1;
		if (n > 0) {
			struct ev_result r;
			memset(&r, 0, sizeof r);
			ev->score(ev, 0, EV_TRAIN, out, (size_t)n, &r);
		}
		free(out);
	}
}

int sym_batch_capacity(const struct ev_evaluator *ev, unsigned tasks)
{
	/* Per program and task: its count in the header, then its outputs
	 * (the probe) or its score record (a stage). */
	size_t per = 0, ntasks = 0;
	for (int t = 0; t < SBX_NTASK; t++)
		if (tasks & (1u << t)) {
			per += 1 + (t == 0 ? max_out(ev) : SYM_BATCH_REC);
			ntasks++;
		}
	if (!per)
		return 0;
	/* A stage's raw outputs pass through the free part of the job's
	 * outputs (batch_run): room for one program's, once. */
	size_t scratch = max_out(ev) + SYM_BATCH_REC;
	if (SYM_BATCH_OUT < 1 + ntasks + scratch + per)
		return 0;
	size_t k = (SYM_BATCH_OUT - 1 - ntasks - scratch) / per;
	return k > SYM_BATCH_MAX ? SYM_BATCH_MAX : (int)k;
}

/* The longest stub line (the update shape's, with a 3-digit index). */
#define STUB_MAX 80

size_t sym_batch_text_len(size_t src_len, int k)
{
	/* each program: its text, the rename (+ "disco_pNNN" - "f"), a newline;
	 * then a stub per unused name and the count function */
	return src_len + (size_t)k * 16 + (size_t)(SYM_BATCH_MAX - k) * STUB_MAX + 64;
}

char *sym_batch_join(const struct sym_spec *spec, const char *const *srcs, int k)
{
	if (!spec || k < 1 || k > SYM_BATCH_MAX)
		return NULL;
	const char *entry = spec->ev->entries[0];
	size_t el = strlen(entry), total = 0, n = 0;
	for (int i = 0; i < k; i++)
		total += strlen(srcs[i]);
	/* Sized by the bound the loop gathers batches by: what is written
	 * past it would be a broken unit, so it is refused instead. */
	size_t cap = sym_batch_text_len(total, k) + 1;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	for (int i = 0; i < k && n < cap; i++) {
		const char *c = srcs[i];
		/* "double f(" -> "double disco_p7(" */
		const char *at = c;
		while (at && (at = strstr(at, entry)) && (at[el] != '(' || (at > c && (at[-1] == '_' ||
		        (at[-1] >= 'a' && at[-1] <= 'z') || (at[-1] >= 'A' && at[-1] <= 'Z') ||
		        (at[-1] >= '0' && at[-1] <= '9')))))
			at += el;
		if (!at) {
			free(out);
			return NULL;
		}
		n += (size_t)snprintf(out + n, cap - n, "%.*sdisco_p%d%s\n", (int)(at - c), c, i, at + el);
	}
	/* The names this batch does not use, so every entry is defined. */
	for (int i = k; i < SYM_BATCH_MAX && n < cap; i++)
		n += (size_t)snprintf(out + n, cap - n, spec->shape == EV_IR_FUNC
		                      ? "double disco_p%d(double x) { return x; }\n"
		                      : "void disco_p%d(int n, double *w, const double *g, double *s, int t) { }\n", i);
	if (n < cap)
		n += (size_t)snprintf(out + n, cap - n, "int disco_batch_n(void) { return %d; }\n", k);
	if (n >= cap) {
		free(out);
		return NULL;
	}
	return out;
}

char *sym_batch_source(const struct sym_prog *const *progs, int k)
{
	if (k < 1 || k > SYM_BATCH_MAX)
		return NULL;
	char *srcs[SYM_BATCH_MAX] = { 0 }, *out = NULL;
	int ok = 1;
	for (int i = 0; i < k && ok; i++)
		ok = (srcs[i] = sym_render(progs[i])) && progs[i]->spec == progs[0]->spec;
	if (ok)
		out = sym_batch_join(progs[0]->spec, (const char *const *)srcs, k);
	for (int i = 0; i < k; i++)
		free(srcs[i]);
	return out;
}

/* A stage's record (batch_run) is well-formed: its size, and score()'s
 * return value an integer. */
static int rec_ok(const double *rec, size_t n, int k)
{
	return n == SYM_BATCH_REC && k < EV_MAX_STAGES && rec[0] == floor(rec[0]) && fabs(rec[0]) <= 1e9;
}

/* Stage k's record into one->pre[k], strings terminated and counts in
 * range, as fill_result() does for a plug-in's score job. */
static void unpack(const double *rec, int k, struct sbx_result *one)
{
	struct ev_result *e = &one->pre[k];
	memcpy(e, rec + 1, sizeof *e);
	e->message[sizeof e->message - 1] = 0;
	if (e->nmetrics < 0 || e->nmetrics > EV_MAX_METRICS)
		e->nmetrics = 0;
	for (int m = 0; m < e->nmetrics; m++)
		e->metrics[m].name[sizeof e->metrics[m].name - 1] = 0;
	one->pre_rc[k] = (int)rec[0];
	one->prescored |= 1u << k;
}

/* Walk every task's header and parts of a batch of k programs, checking
 * each; with one, program i's slice goes there.  0, or -1 if malformed. */
static int walk(const struct sbx_result *res, int k, int i, struct sbx_result *one)
{
	for (int t = 0; t < SBX_NTASK; t++) {
		const double *o = res->out[t];
		size_t n = res->nout[t];
		if (!o)
			continue;
		if (n < 1 + (size_t)k || o[0] != k)
			return -1;
		size_t pos = 1 + (size_t)k;
		for (int j = 0; j < k; j++) {
			double c = o[1 + j];
			if (!(c >= 0) || c > (double)(n - pos) || c != floor(c))
				return -1;
			if (t > 0 && !rec_ok(o + pos, (size_t)c, t - 1))
				return -1;
			if (one && j == i) {
				one->out[t] = o + pos;
				one->nout[t] = (size_t)c;
				if (t > 0)
					unpack(o + pos, t - 1, one);
			}
			pos += (size_t)c;
		}
		if (pos != n)
			return -1;
	}
	return 0;
}

int sym_batch_check(const struct sbx_result *res, int k)
{
	if (k < 1 || k > SYM_BATCH_MAX)
		return -1;
	return res->status == SBX_OK ? walk(res, k, -1, NULL) : 0;
}

int sym_batch_split(const struct sbx_result *res, int k, int i, struct sbx_result *one)
{
	if (k < 1 || i < 0 || i >= k)
		return -1;
	memset(one, 0, sizeof *one);
	one->status = res->status;
	one->signal = res->signal;
	memcpy(one->message, res->message, sizeof one->message);
	one->t_compile_ms = res->t_compile_ms / k;
	one->t_run_ms = res->t_run_ms / k;
	one->t_wall_ms = res->t_wall_ms / k;
	return res->status == SBX_OK ? walk(res, k, i, one) : 0;
}
