/*
 * symbolic.c - the "symbolic" mutator: varies a program's IR (engine/sym)
 * instead of its C text, and falls back to the literal mutator for a
 * parent that has no IR (C seeds, programs of evaluators without a
 * symbolic form, e.g. expapprox-wide).
 *
 * One proposal, finished at once (start() never returns MUT_PENDING):
 *   1. parse the parent's IR (its header names the evaluator: built-ins
 *      are found with ev_find());
 *   2. sym_vary(): 1-3 weighted mutations, the checker, the simplifier, and
 *      up to SYMB_TRIES retries while the child is invalid, simplifies to
 *      the parent, or has the parent's probe hash (interpreted: microseconds);
 *   3. constant fitting (sym_fit) for one child in SYMB_FIT_EVERY whose
 *      structure changed (not a pure constant perturbation): at most
 *      SYMB_FIT_EVALS in-process scoring runs (evaluators without
 *      residuals, e.g. optim: one child in 4 x SYMB_FIT_EVERY, a fifth
 *      of the runs, since each is a full interpreted scoring);
 *   4. the child's C is the rendering of its simplified IR; both are
 *      returned, with a JSON note (mutations applied, tries, fitting runs).
 *
 * Counters (struct sym_counters) are module state, summed over the
 * process, read by `disco run` for its summary: fitting evaluations are
 * reported apart from candidates.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <xxhash.h>

#include "engine/loop.h"

#include "engine/mutate/mutate.h"
#include "engine/mutate/symbolic.h"
#include "engine/sym/sym.h"

#define SYMB_TRIES 24
#define SYMB_FIT_EVERY 2
#define SYMB_FIT_EVALS 40
#define SYMB_TOL 1e-15 /* the campaign default hash tolerance */

/* Module state: totals since the process started (one thread). */
static struct sym_counters counters;

void sym_counters_get(struct sym_counters *c)
{
	*c = counters;
}

/* Module state: the built-in's parameters, set once at start-up by
 * mut_symbolic_configure() (a campaign's "symbolic" fields). */
static struct sym_weights cfg_weights;
static struct sym_params default_params = {
	.fit_every = SYMB_FIT_EVERY, .fit_evals = SYMB_FIT_EVALS, .tries = SYMB_TRIES,
};

void mut_symbolic_configure(const struct sym_params *p)
{
	default_params = *p;
	if (p->weights) {
		cfg_weights = *p->weights;
		default_params.weights = &cfg_weights;
	}
}

/* Module state: parsed IR texts, by the text's XXH3 hash and length, in
 * SYMB_SETS sets of two (the one used longer ago is replaced): parents
 * are picked again and again from the same elites, so most proposals
 * hash the text (~0.1 us) instead of parsing it; two ways keep two elites
 * whose hashes share a set from evicting each other on every use.  Only
 * programs of built-in evaluators are kept: their specs live as long as
 * the process, while a plug-in's is forgotten when the next campaign
 * loads its evaluator (sym_use_evaluator). */
#define SYMB_SETS 512
struct parsed_entry {
	uint64_t hash;
	size_t len; /* 0: empty */
	struct sym_prog p;
	int prepared; /* vb holds p simplified and its probe hash (sym_vary_prepare) */
	struct sym_vary_base vb;
};
static struct {
	struct parsed_entry way[2];
	int recent; /* the way used last */
} parsed[SYMB_SETS];

/* Parse ir through the cache; with vb, also what sym_vary starts from
 * (kept in the cache too: the same parents are varied again and again). */
static int parse_cached(const char *ir, const struct ev_evaluator *ev, struct sym_prog *out,
                        struct sym_vary_base *vb, char *err, size_t errlen)
{
	size_t len = strlen(ir);
	uint64_t h = XXH3_64bits(ir, len);
	unsigned set = (unsigned)(h % SYMB_SETS);
	for (int w = 0; w < 2; w++) {
		struct parsed_entry *e = &parsed[set].way[w];
		if (len && e->len == len && e->hash == h && (!ev || e->p.spec->ev == ev)) {
			parsed[set].recent = w;
			*out = e->p;
			if (vb) {
				if (!e->prepared) {
					sym_vary_prepare(out, SYMB_TOL, &e->vb);
					e->prepared = 1;
				}
				*vb = e->vb;
			}
			return 0;
		}
	}
	if (sym_parse(ir, len, ev, out, err, errlen))
		return -1;
	if (vb)
		sym_vary_prepare(out, SYMB_TOL, vb);
	if (ev_builtin_index(out->spec->ev) < 0)
		return 0;
	int w = !parsed[set].recent;
	struct parsed_entry *e = &parsed[set].way[w];
	parsed[set].recent = w;
	e->hash = h;
	e->len = len;
	e->p = *out;
	e->prepared = vb != NULL;
	if (vb)
		e->vb = *vb;
	return 0;
}

/* Writes label, then v in decimal, at o; returns the length. */
static size_t put_count(char *o, const char *label, int v)
{
	size_t n = strlen(label);
	memcpy(o, label, n);
	char d[12];
	int k = 0;
	unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
	do
		d[k++] = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		o[n++] = '-';
	while (k)
		o[n++] = d[--k];
	return n;
}

/* The child of program c (simplified, maybe fitted) as the loop takes it. */
static int finish_child(const struct sym_prog *c, const struct sym_vary_stats *vs, int fit,
                        struct mut_child *child, char *err, size_t errlen)
{
	child->src = sym_render(c);
	child->ir = sym_print(c);
	child->prog = malloc(sizeof *c);
	if (child->prog)
		*child->prog = *c;
	if (vs->has_hash) { /* sym_vary hashed it against the parent's already */
		child->has_probe_hash = 1;
		child->probe_tol = SYMB_TOL;
		child->probe_hash = vs->hash;
	}
	/* {"mutations":"a,b","tries":N,"fit_evals":N}, without printf */
	char info[320];
	size_t n = 0;
	static const char head[] = "{\"mutations\":\"";
	memcpy(info, head, sizeof head - 1);
	n = sizeof head - 1;
	int first = 1;
	for (int k = 0; k < SYM_NMUT; k++)
		if (vs->kinds >> k & 1) {
			size_t l = strlen(sym_mutation_names[k]);
			if (!first)
				info[n++] = ',';
			memcpy(info + n, sym_mutation_names[k], l);
			n += l;
			first = 0;
		}
	n += put_count(info + n, "\",\"tries\":", vs->tries);
	n += put_count(info + n, ",\"fit_evals\":", fit);
	info[n++] = '}';
	info[n] = 0;
	child->info = strdup(info);
	if (!child->src || !child->ir || !child->prog) {
		mut_child_release(child);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* ---- the fitting pool ---------------------------------------------------------
 *
 * Constant fitting is nearly all of a symbolic campaign's engine time.
 * With a pool (mut_symbolic_pool), a child to fit is handed to one of its
 * threads and start() returns MUT_PENDING; the thread fits and simplifies
 * a private copy (the interpreter's and fitter's state is per thread,
 * sym.h), queues it as finished and writes a byte on the pool's pipe; the
 * loop's callback (this thread) renders the child and calls req->done().
 * Only evaluators with residuals (the numeric ones: run() and score() keep
 * no state but caches, warmed here before the first job) use the pool.
 * The symbolic mutator reports MUT_AVAIL_LATER while POOL_QUEUE jobs per
 * thread are outstanding, so children are fitted from current parents. */
#define POOL_MAX 8
#define POOL_NICE 5 /* the threads' nice value above the process's */
#define POOL_QUEUE 32

struct fit_job {
	struct fit_job *next;
	struct mut_req *req;
	struct sym_prog c;
	struct sym_vary_stats vs;
	int evals, fit;
	uint64_t seed;
	int cancelled;
};

/* Module state: one pool per process, used by one campaign at a time. */
static struct {
	int nthreads, stop, warm;
	pthread_t th[POOL_MAX];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct fit_job *todo, *todo_tail; /* queued, FIFO */
	struct fit_job *busy;             /* being fitted or finished, not yet delivered */
	struct fit_job *ready;            /* finished, to deliver */
	int outstanding;                  /* submitted, neither delivered nor cancelled */
	int fd[2];
	struct loop *loop;
} pool = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .fd = { -1, -1 } };

static void *pool_main(void *unused)
{
	(void)unused;
	/* Fitting is background work: the loop's thread and the sandbox
	 * children (an LLM's replies, the next batch) come first, the pool
	 * takes the CPU they leave (Linux: nice is per thread). */
	errno = 0;
	int nice_now = getpriority(PRIO_PROCESS, 0);
	if (errno == 0)
		setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice_now + POOL_NICE > 19 ? 19 : nice_now + POOL_NICE);
	pthread_mutex_lock(&pool.mu);
	for (;;) {
		while (!pool.todo && !pool.stop)
			pthread_cond_wait(&pool.cv, &pool.mu);
		if (pool.stop)
			break;
		struct fit_job *j = pool.todo;
		pool.todo = j->next;
		if (!pool.todo)
			pool.todo_tail = NULL;
		j->next = pool.busy;
		pool.busy = j;
		pthread_mutex_unlock(&pool.mu);
		struct rng r;
		rng_seed(&r, j->seed);
		j->fit = sym_fit(&j->c, j->evals, &r, NULL);
		sym_simplify(&j->c);
		pthread_mutex_lock(&pool.mu);
		/* busy -> ready */
		for (struct fit_job **pp = &pool.busy; *pp; pp = &(*pp)->next)
			if (*pp == j) {
				*pp = j->next;
				break;
			}
		j->next = pool.ready;
		pool.ready = j;
		ssize_t w = write(pool.fd[1], "x", 1); /* a full pipe already says it */
		(void)w;
	}
	pthread_mutex_unlock(&pool.mu);
	sym_thread_release();
	return NULL;
}

/* The loop's callback: deliver every finished job (on this thread). */
static void pool_on_fd(struct loop *l, int fd, int mask, void *ud)
{
	(void)l;
	(void)mask;
	(void)ud;
	char buf[256];
	while (read(fd, buf, sizeof buf) > 0)
		;
	pthread_mutex_lock(&pool.mu);
	struct fit_job *list = pool.ready;
	pool.ready = NULL;
	pthread_mutex_unlock(&pool.mu);
	/* oldest first: the order the threads finished them */
	struct fit_job *rev = NULL;
	while (list) {
		struct fit_job *n = list->next;
		list->next = rev;
		rev = list;
		list = n;
	}
	for (struct fit_job *j = rev, *n; j; j = n) {
		n = j->next;
		if (!j->cancelled) {
			pool.outstanding--;
			counters.fit_evals += j->fit;
			counters.fitted += j->fit > 0;
			struct mut_child child = { 0 };
			char err[256] = "";
			int rc = finish_child(&j->c, &j->vs, j->fit, &child, err, sizeof err);
			j->req->done(j->req, rc, &child, err);
		}
		free(j);
	}
}

static int pool_submit(struct mut_req *req, const struct sym_prog *c, const struct sym_vary_stats *vs,
                       int evals, uint64_t seed, char *err, size_t errlen)
{
	if (!pool.warm) {
		/* fill the evaluator's caches on this thread, before any job */
		double sc;
		sym_score(c, c->spec->ev->nstages - 1, &sc, NULL);
		pool.warm = 1;
	}
	struct fit_job *j = calloc(1, sizeof *j);
	if (!j) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	j->req = req;
	j->c = *c;
	j->vs = *vs;
	j->vs.has_hash = 0; /* fitted on the thread: the hash is of the unfitted child */
	j->evals = evals;
	j->seed = seed;
	pthread_mutex_lock(&pool.mu);
	if (pool.todo_tail)
		pool.todo_tail->next = j;
	else
		pool.todo = j;
	pool.todo_tail = j;
	pool.outstanding++;
	pthread_cond_signal(&pool.cv);
	pthread_mutex_unlock(&pool.mu);
	return MUT_PENDING;
}

static void symb_cancel(const struct mut_mutator *m, struct mut_req *req)
{
	(void)m;
	pthread_mutex_lock(&pool.mu);
	struct fit_job *prev = NULL;
	for (struct fit_job *j = pool.todo; j; prev = j, j = j->next)
		if (j->req == req) {
			if (prev)
				prev->next = j->next;
			else
				pool.todo = j->next;
			if (pool.todo_tail == j)
				pool.todo_tail = prev;
			free(j);
			pool.outstanding--;
			pthread_mutex_unlock(&pool.mu);
			return;
		}
	/* being fitted, or finished but not delivered: dropped on delivery */
	for (struct fit_job *j = pool.busy; j; j = j->next)
		if (j->req == req && !j->cancelled) {
			j->cancelled = 1;
			pool.outstanding--;
		}
	for (struct fit_job *j = pool.ready; j; j = j->next)
		if (j->req == req && !j->cancelled) {
			j->cancelled = 1;
			pool.outstanding--;
		}
	pthread_mutex_unlock(&pool.mu);
}

static enum mut_avail symb_avail(const struct mut_mutator *m)
{
	(void)m;
	return pool.nthreads && pool.outstanding >= POOL_QUEUE * pool.nthreads ? MUT_AVAIL_LATER : MUT_AVAIL_NOW;
}

int mut_symbolic_pool(struct loop *loop, int nthreads, char *err, size_t errlen)
{
	if (pool.nthreads) {
		snprintf(err, errlen, "the fitting pool is already running");
		return -1;
	}
	if (nthreads < 1)
		return 0;
	if (nthreads > POOL_MAX)
		nthreads = POOL_MAX;
	if (pipe2(pool.fd, O_CLOEXEC | O_NONBLOCK)) {
		snprintf(err, errlen, "fitting pool: pipe: %s", strerror(errno));
		return -1;
	}
	if (loop_watch(loop, pool.fd[0], LOOP_READABLE, pool_on_fd, NULL)) {
		snprintf(err, errlen, "fitting pool: cannot watch its pipe");
		close(pool.fd[0]);
		close(pool.fd[1]);
		pool.fd[0] = pool.fd[1] = -1;
		return -1;
	}
	pool.loop = loop;
	pool.stop = 0;
	pool.warm = 0;
	for (int i = 0; i < nthreads; i++) {
		int rc = pthread_create(&pool.th[i], NULL, pool_main, NULL);
		if (rc) {
			snprintf(err, errlen, "fitting pool: cannot start a thread: %s", strerror(rc));
			pool.nthreads = i;
			mut_symbolic_pool_stop();
			return -1;
		}
		pool.nthreads = i + 1;
	}
	return 0;
}

void mut_symbolic_pool_stop(void)
{
	if (pool.fd[0] < 0)
		return;
	pthread_mutex_lock(&pool.mu);
	pool.stop = 1;
	pthread_cond_broadcast(&pool.cv);
	pthread_mutex_unlock(&pool.mu);
	for (int i = 0; i < pool.nthreads; i++)
		pthread_join(pool.th[i], NULL);
	pool.nthreads = 0;
	/* whatever was not delivered was cancelled by the loop, or never will be */
	struct fit_job *lists[3] = { pool.todo, pool.busy, pool.ready };
	for (int k = 0; k < 3; k++)
		for (struct fit_job *j = lists[k], *n; j; j = n) {
			n = j->next;
			free(j);
		}
	pool.todo = pool.todo_tail = pool.busy = pool.ready = NULL;
	pool.outstanding = 0;
	if (pool.loop)
		loop_watch(pool.loop, pool.fd[0], 0, NULL, NULL);
	pool.loop = NULL;
	close(pool.fd[0]);
	close(pool.fd[1]);
	pool.fd[0] = pool.fd[1] = -1;
}

static int symb_start(const struct mut_mutator *m, struct mut_req *req, struct mut_child *child,
                      char *err, size_t errlen)
{
	const struct sym_params *sp = m->data ? m->data : &default_params;
	if (!req->parent.ir) {
		counters.fallbacks++;
		int rc = mut_literal.mutate(&mut_literal, req->rng, req->parent.src, req->parent.len, NULL, 0,
		                            &child->src, err, errlen);
		if (rc == 0)
			child->info = strdup("{\"fallback\":\"literal\"}");
		return rc;
	}
	struct sym_prog parent, other, c;
	struct sym_vary_base pb;
	char perr[256];
	if (parse_cached(req->parent.ir, NULL, &parent, &pb, perr, sizeof perr)) {
		snprintf(err, errlen, "parent's IR: %s", perr);
		return -1;
	}
	int have_other = 0;
	for (int i = 0; i < req->ninsp && !have_other; i++)
		if (req->insp[i].ir &&
		    parse_cached(req->insp[i].ir, parent.spec->ev, &other, NULL, perr, sizeof perr) == 0)
			have_other = 1;
	struct sym_vary_stats vs;
	const struct sym_weights *w = sp->weights ? sp->weights : &sym_default_weights;
	int rc = sym_vary_from(&pb, have_other ? &other : NULL, w, sp->tries > 0 ? sp->tries : SYMB_TRIES,
	                       req->rng, &c, &vs);
	counters.proposals++;
	counters.tries += vs.tries;
	counters.invalid += vs.invalid;
	counters.same_text += vs.same_text;
	counters.same_function += vs.same_function;
	if (rc) {
		snprintf(err, errlen, "no valid, different child in %d tries (%d invalid, %d same text, %d same function)",
		         vs.tries, vs.invalid, vs.same_text, vs.same_function);
		return -1;
	}
	int fit = 0;
	/* Without residuals the fitter is a local search over full scorings
	 * (optim: ~15 ms each, interpreted): fit rarely and briefly.  With
	 * residuals and a fitting pool, the fit runs on a pool thread and the
	 * child comes later (MUT_PENDING). */
	int slow = !c.spec->ev->ir->residuals;
	int every = slow ? sp->fit_every * 4 : sp->fit_every;
	int evals = slow ? (sp->fit_evals + 4) / 5 : sp->fit_evals;
	if (every > 0 && evals > 0 && (vs.kinds & ~(1 << SYM_M_PERTURB)) &&
	    rng_below(req->rng, (uint64_t)every) == 0) {
		if (pool.nthreads && !slow)
			return pool_submit(req, &c, &vs, evals, rng_u64(req->rng), err, errlen);
		fit = sym_fit(&c, evals, req->rng, NULL);
		counters.fit_evals += fit;
		counters.fitted += fit > 0;
		sym_simplify(&c);
		vs.has_hash = 0; /* c may have changed */
	}
	return finish_child(&c, &vs, fit, child, err, errlen);
}

const struct mut_mutator mut_symbolic = {
	.version = MUT_API_VERSION,
	.name = "symbolic",
	.summary = "vary the typed register IR (insert, delete, change op/operand, perturb, swap, crossover), "
	           "simplify, fit constants; literal for programs without IR",
	.uses_inspirations = 1,
	.mutate = NULL,
	.data = NULL,
	.start = symb_start,
	.cancel = symb_cancel,
	.avail = symb_avail,
};
