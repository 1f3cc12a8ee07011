/*
 * test_evo.c - the event loop (engine/loop.c) and the evolution loop
 * driving asynchronous mutators through it (engine/evo.c): children that
 * arrive later from a loop timer, mutators that fail (edit_failed), that
 * are busy for a while, and pending proposals cancelled when the campaign
 * stops.  Budgets are counted exactly: nothing is lost or doubled.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "archive/arc.h"
#include "engine/evo.h"
#include "engine/loop.h"
#include "engine/mutate/mutate.h"
#include "engine/mutate/symbolic.h"
#include "engine/sym/sym.h"
#include "sandbox/sbx.h"

/* ---- the event loop ----------------------------------------------------- */

struct rec {
	int order[16], n;
	int hook_calls;
	int reads;
	int fd;
	int64_t del_id;
};

static long t_fire(struct loop *l, int64_t id, void *ud)
{
	struct rec *r = ud;
	r->order[r->n++] = (int)id;
	return LOOP_NOMORE;
}

static void test_loop_timers_in_order(void **state)
{
	struct loop *l = loop_new();
	struct rec r = { 0 };
	int64_t a = loop_timer(l, 30, t_fire, &r);
	int64_t b = loop_timer(l, 0, t_fire, &r);
	int64_t c = loop_timer(l, 10, t_fire, &r);
	assert_true(a > 0 && b > 0 && c > 0);
	assert_int_equal(loop_ntimer(l), 3);
	while (loop_ntimer(l))
		assert_true(loop_once(l, -1) >= 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.order[0], (int)b);
	assert_int_equal(r.order[1], (int)c);
	assert_int_equal(r.order[2], (int)a);
	loop_free(&l);
	assert_null(l);
	loop_free(&l); /* NULL-safe */
}

static long t_repeat(struct loop *l, int64_t id, void *ud)
{
	struct rec *r = ud;
	return ++r->n < 3 ? 1 : LOOP_NOMORE;
}

static long t_deleter(struct loop *l, int64_t id, void *ud)
{
	struct rec *r = ud;
	loop_timer_del(l, r->del_id); /* deletes a timer due in the same pass */
	r->order[r->n++] = (int)id;
	return LOOP_NOMORE;
}

static void test_loop_timer_repeat_and_delete(void **state)
{
	struct loop *l = loop_new();
	struct rec r = { 0 };
	loop_timer(l, 0, t_repeat, &r);
	while (loop_ntimer(l))
		loop_once(l, -1);
	assert_int_equal(r.n, 3);
	r = (struct rec){ 0 };
	int64_t first = loop_timer(l, 0, t_deleter, &r);
	r.del_id = loop_timer(l, 0, t_fire, &r);
	loop_once(l, 0);
	assert_int_equal(r.n, 1); /* the second never ran */
	assert_int_equal(r.order[0], (int)first);
	assert_int_equal(loop_ntimer(l), 0);
	loop_timer_del(l, 12345); /* unknown: ignored */
	assert_int_equal(loop_timer(l, -1, t_fire, &r), -1);
	loop_free(&l);
}

static void on_read(struct loop *l, int fd, int mask, void *ud)
{
	struct rec *r = ud;
	char buf[16];
	if (mask & (LOOP_READABLE | LOOP_ERROR)) { /* a hang-up may come without POLLIN */
		ssize_t n = read(fd, buf, sizeof buf);
		if (n > 0)
			r->reads++;
		if (n == 0) /* end of file: forget it */
			loop_watch(l, fd, 0, NULL, NULL);
	}
}

static void hook(struct loop *l, void *ud)
{
	struct rec *r = ud;
	r->hook_calls++;
}

static void test_loop_fd_events(void **state)
{
	struct loop *l = loop_new();
	struct rec r = { 0 };
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(loop_watch(l, p[0], LOOP_READABLE, on_read, &r), 0);
	assert_int_equal(loop_watch(l, p[0], LOOP_READABLE, on_read, &r), 0); /* set, not added */
	assert_int_equal(loop_nwatch(l), 1);
	assert_int_equal(loop_watch(l, -1, LOOP_READABLE, on_read, &r), -1);
	assert_int_equal(loop_watch(l, p[0], 64, on_read, &r), -1);
	loop_before_sleep(l, hook, &r);
	assert_int_equal(loop_once(l, 0), 0); /* nothing ready */
	assert_int_equal(r.hook_calls, 1);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_once(l, 1000), 1);
	assert_int_equal(r.reads, 1);
	close(p[1]);
	loop_once(l, 1000); /* EOF: the callback forgets the fd */
	assert_int_equal(loop_nwatch(l), 0);
	assert_int_equal(r.hook_calls, 3);
	close(p[0]);
	loop_free(&l);
}

static long t_stop(struct loop *l, int64_t id, void *ud)
{
	loop_stop(l);
	return LOOP_NOMORE;
}

static void test_loop_run_stop(void **state)
{
	struct loop *l = loop_new();
	loop_timer(l, 5, t_stop, NULL);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(loop_ntimer(l), 0);
	loop_free(&l);
}

/* ---- asynchronous mutators in a campaign ------------------------------- */

static struct loop *g_loop;
static struct sbx *g_sb;

/* A fake remote mutator: every request is answered by a loop timer a few
 * ms later, with the parent unchanged but one appended comment (a new
 * text each time), or with a failure every `fail_every`-th request. */
struct fake {
	int started, answered, failed, cancelled, inflight, max_inflight, cap, fail_every;
	int never_after; /* MUT_AVAIL_NEVER once started reaches this (0: off) */
};

struct pend {
	struct mut_req *req;
	struct fake *fk;
	int64_t timer;
	int n;
	struct pend *next;
};
static struct pend *pends;

static long answer(struct loop *l, int64_t id, void *ud)
{
	struct pend *p = ud;
	for (struct pend **pp = &pends; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	struct fake *fk = p->fk;
	fk->inflight--;
	if (fk->fail_every && p->n % fk->fail_every == 0) {
		fk->failed++;
		p->req->done(p->req, -1, NULL, "SEARCH block did not match");
	} else {
		struct mut_child c = { 0 };
		size_t n = p->req->parent.len + 64;
		c.src = malloc(n);
		snprintf(c.src, n, "%s/* variant %d */\n", p->req->parent.src, p->n);
		fk->answered++;
		p->req->done(p->req, 0, &c, NULL);
		assert_null(c.src); /* ownership passed to the loop */
	}
	free(p);
	return LOOP_NOMORE;
}

static int fake_start(const struct mut_mutator *m, struct mut_req *req, struct mut_child *child,
                      char *err, size_t errlen)
{
	struct fake *fk = m->state;
	struct pend *p = calloc(1, sizeof *p);
	p->req = req;
	p->fk = fk;
	p->n = ++fk->started;
	p->timer = loop_timer(g_loop, 2, answer, p);
	p->next = pends;
	pends = p;
	if (++fk->inflight > fk->max_inflight)
		fk->max_inflight = fk->inflight;
	return MUT_PENDING;
}

static void fake_cancel(const struct mut_mutator *m, struct mut_req *req)
{
	struct fake *fk = m->state;
	for (struct pend **pp = &pends; *pp; pp = &(*pp)->next)
		if ((*pp)->req == req) {
			struct pend *p = *pp;
			*pp = p->next;
			loop_timer_del(g_loop, p->timer);
			free(p);
			fk->cancelled++;
			fk->inflight--;
			return;
		}
	fail_msg("cancel of an unknown request");
}

static enum mut_avail fake_avail(const struct mut_mutator *m)
{
	struct fake *fk = m->state;
	if (fk->never_after && fk->started >= fk->never_after)
		return MUT_AVAIL_NEVER;
	return fk->inflight < fk->cap ? MUT_AVAIL_NOW : MUT_AVAIL_LATER;
}

static struct mut_mutator fake_mutator(struct fake *fk)
{
	return (struct mut_mutator){
		.version = MUT_API_VERSION, .name = "fake", .summary = "test", .start = fake_start,
		.cancel = fake_cancel, .avail = fake_avail, .state = fk,
	};
}

static struct arc *new_arc(char *path, size_t n, struct evo_params *p)
{
	snprintf(path, n, "%s/disco-test-evo-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	char err[256];
	struct arc *a = arc_open(path, ARC_CREATE, err, sizeof err);
	assert_non_null(a);
	int64_t id;
	assert_int_equal(arc_campaign_create(a, "{}", 1, &id), 0);
	assert_int_equal(arc_set_dims(a, p->dims, p->ndims), 0);
	assert_int_equal(arc_set_islands(a, p->islands), 0);
	return a;
}

static void drop_arc(struct arc **a, const char *path)
{
	arc_close(a);
	char f[600];
	unlink(path);
	snprintf(f, sizeof f, "%s-wal", path);
	unlink(f);
	snprintf(f, sizeof f, "%s-shm", path);
	unlink(f);
}

static void params(struct evo_params *p, const struct mut_mutator **m, double *w, int nmut,
                   int64_t budget)
{
	memset(p, 0, sizeof *p);
	p->ev = ev_find("expapprox");
	assert_non_null(p->ev);
	p->nmut = nmut;
	for (int i = 0; i < nmut; i++) {
		p->mut[i] = m[i];
		p->mut_weight[i] = w[i];
	}
	p->ndims = 1;
	snprintf(p->dims[0].name, sizeof p->dims[0].name, "%s", p->ev->dims[0].name);
	p->dims[0].lo = p->ev->dims[0].lo;
	p->dims[0].hi = p->ev->dims[0].hi;
	p->dims[0].bins = p->ev->dims[0].bins;
	p->islands = 1;
	p->budget_evals = budget;
	p->workers = 1;
	p->seed = 7;
	p->hash_tol = 1e-9;
	p->quiet = 1;
	p->loop = g_loop;
}

static int64_t count(struct arc *a, const char *status)
{
	struct arc_stats st;
	assert_int_equal(arc_stats(a, -1, &st), ARC_OK);
	if (!status)
		return st.attempts;
	int k = arc_status_index(status);
	assert_true(k >= 0);
	return st.by_status[k];
}

static void test_async_children_and_failures(void **state)
{
	struct fake fk = { .cap = 4, .fail_every = 5 };
	struct mut_mutator m = fake_mutator(&fk);
	const struct mut_mutator *ms[] = { &m, &mut_literal };
	double w[] = { 1, 1 };
	struct evo_params p;
	params(&p, ms, w, 2, 120);
	char path[512], err[256];
	struct arc *a = new_arc(path, sizeof path, &p);
	struct evo_summary sum;
	assert_int_equal(evo_run(&p, a, g_sb, &sum, err, sizeof err), 0);
	assert_int_equal(sum.end, EVO_BUDGET);
	/* Exactly the budget: no proposal lost or recorded twice. */
	assert_int_equal(sum.attempts, 120);
	assert_int_equal(count(a, NULL), 120);
	assert_true(fk.started > 0);
	assert_int_equal(fk.started, fk.answered + fk.failed + fk.cancelled);
	assert_int_equal(fk.cancelled, 0); /* the budget stop waits for pending proposals */
	assert_int_equal(count(a, "edit_failed"), fk.failed);
	assert_true(fk.failed > 0);
	assert_true(fk.max_inflight <= fk.cap);
	assert_true(fk.max_inflight > 1); /* several requests really were in flight together */
	assert_int_equal(loop_nwatch(g_loop), 0); /* evo_run leaves the caller's loop as it was */
	assert_int_equal(loop_ntimer(g_loop), 0);
	assert_null(pends);
	drop_arc(&a, path);
}

static void test_async_only_mutator_exhausted(void **state)
{
	/* An LLM-only campaign whose mutator stops for good (spending cap):
	 * the campaign drains what is pending and ends, instead of spinning. */
	struct fake fk = { .cap = 2, .never_after = 6 };
	struct mut_mutator m = fake_mutator(&fk);
	const struct mut_mutator *ms[] = { &m };
	double w[] = { 1 };
	struct evo_params p;
	params(&p, ms, w, 1, 1000);
	char path[512], err[256] = "";
	struct arc *a = new_arc(path, sizeof path, &p);
	struct evo_summary sum;
	assert_int_equal(evo_run(&p, a, g_sb, &sum, err, sizeof err), 0);
	assert_int_equal(sum.end, EVO_EXHAUSTED);
	assert_int_equal(fk.started, 6);
	/* Every proposal made was answered and recorded. */
	assert_int_equal(fk.answered + fk.failed, 6);
	assert_int_equal(fk.cancelled, 0);
	int nseeds = 0;
	while (p.ev->seeds[nseeds].name)
		nseeds++;
	assert_int_equal(count(a, NULL), nseeds + fk.answered);
	assert_null(pends);
	drop_arc(&a, path);
}

/* A probe liar: a candidate that answers the probe (the first 16 calls)
 * exactly as the weak seed does and is far better everywhere else.  It is
 * a functional duplicate of the seed and must gain nothing: no program,
 * no score, no cell; only duplicate attempts. */
static const char liar_src[] =
	"double f(double x)\n"
	"{\n"
	"\tstatic int calls;\n"
	"\tif (calls++ < 16)\n"
	"\t\treturn 1.0 + x * (1.0 + x * (0.5 + x * 0.16666666666666666));\n"
	"\treturn 1.0 + x * (1.0 + x * (0.5 + x * (0.16666666666666666 + x * (0.041666666666666664 + x * (0.008333333333333333 + x * (0.001388888888888889 + x * 0.0001984126984126984))))));\n"
	"}\n";

static int liar_mutate(const struct mut_mutator *m, struct rng *r, const char *parent, size_t len,
                       const char *const *insp, int ninsp, char **child, char *err, size_t errlen)
{
	static unsigned n;
	/* A new text each time (a different dead branch), the same lie. */
	size_t cap = sizeof liar_src + 64;
	*child = malloc(cap);
	snprintf(*child, cap, "%.*sif (x != x) return %u.0;\n%s", 22, liar_src, ++n, liar_src + 22);
	return 0;
}

static void test_probe_liar_gains_nothing(void **state)
{
	struct mut_mutator liar = { .version = MUT_API_VERSION, .name = "liar", .summary = "test",
	                            .mutate = liar_mutate };
	const struct mut_mutator *ms[] = { &liar };
	double w[] = { 1 };
	struct evo_params p;
	params(&p, ms, w, 1, 40);
	static const struct ev_seed only[] = {
		{ "taylor3", "double f(double x)\n{\n\treturn 1.0 + x * (1.0 + x * (0.5 + x * 0.16666666666666666));\n}\n" },
		{ NULL, NULL },
	};
	p.seeds = only;
	char path[512], err[256];
	struct arc *a = new_arc(path, sizeof path, &p);
	struct evo_summary sum;
	assert_int_equal(evo_run(&p, a, g_sb, &sum, err, sizeof err), 0);
	struct arc_stats st;
	assert_int_equal(arc_stats(a, -1, &st), ARC_OK);
	assert_int_equal(st.attempts, 40);
	assert_int_equal(st.programs, 1); /* the seed alone */
	assert_int_equal(count(a, "duplicate"), 39);
	/* The best score is still the seed's (1.03): the lie, which scores 4.2 when
	 * evaluated alone (disco eval), was never credited. */
	assert_true(st.best_score < 1.1);
	drop_arc(&a, path);
}

/* Constant fitting on pool threads: children to fit come back through the
 * loop (MUT_PENDING); the budget is met exactly, every fitted child is
 * recorded, and the pool leaves the loop as it found it. */
static void test_fit_pool(void **state)
{
	const struct mut_mutator *ms[] = { &mut_symbolic };
	double w[] = { 1 };
	struct evo_params p;
	params(&p, ms, w, 1, 150);
	struct ev_seed *seeds = NULL;
	char **seedir = NULL, err[256], path[512];
	assert_true(sym_seed_table(p.ev, "taylor2", 1, &seeds, &seedir, err, sizeof err) > 0);
	p.seeds = seeds;
	p.seed_ir = (const char *const *)seedir;
	struct sym_params sp = { .fit_every = 1, .fit_evals = 12, .tries = 24 };
	mut_symbolic_configure(&sp);
	assert_int_equal(mut_symbolic_pool(g_loop, 2, err, sizeof err), 0);
	assert_int_equal(mut_symbolic_pool(g_loop, 2, err, sizeof err), -1); /* one at a time */
	struct sym_counters c0, c1;
	sym_counters_get(&c0);
	struct arc *a = new_arc(path, sizeof path, &p);
	struct evo_summary sum;
	assert_int_equal(evo_run(&p, a, g_sb, &sum, err, sizeof err), 0);
	assert_int_equal(sum.end, EVO_BUDGET);
	assert_int_equal(sum.attempts, 150);
	assert_int_equal(count(a, NULL), 150);
	sym_counters_get(&c1);
	assert_true(c1.fitted > c0.fitted);
	assert_true(c1.fit_evals > c0.fit_evals);
	mut_symbolic_pool_stop();
	mut_symbolic_pool_stop(); /* idempotent */
	assert_int_equal(loop_nwatch(g_loop), 0);
	assert_int_equal(loop_ntimer(g_loop), 0);
	struct sym_params def = { .fit_every = 2, .fit_evals = 40, .tries = 24 };
	mut_symbolic_configure(&def);
	sym_seed_table_free(&seeds, &seedir);
	drop_arc(&a, path);
}

static void test_status_names_match(void **state)
{
	for (int i = 0; i < SBX_NSTATUS; i++)
		assert_string_equal(arc_status_names[i], sbx_status_name((enum sbx_status)i));
	assert_string_equal(arc_status_names[SBX_NSTATUS], "duplicate");
	assert_string_equal(arc_status_names[SBX_NSTATUS + 1], "edit_failed");
}

int main(void)
{
	char err[256];
	struct sbx_limits lim;
	sbx_limits_default(&lim);
	g_sb = sbx_open(1, &lim, err, sizeof err);
	if (!g_sb) {
		fprintf(stderr, "sbx_open: %s\n", err);
		return 1;
	}
	g_loop = loop_new();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loop_timers_in_order),
		cmocka_unit_test(test_loop_timer_repeat_and_delete),
		cmocka_unit_test(test_loop_fd_events),
		cmocka_unit_test(test_loop_run_stop),
		cmocka_unit_test(test_async_children_and_failures),
		cmocka_unit_test(test_async_only_mutator_exhausted),
		cmocka_unit_test(test_probe_liar_gains_nothing),
		cmocka_unit_test(test_fit_pool),
		cmocka_unit_test(test_status_names_match),
	};
	int rc = cmocka_run_group_tests_name("evo", tests, NULL, NULL);
	loop_free(&g_loop);
	sbx_close(&g_sb);
	return rc;
}
