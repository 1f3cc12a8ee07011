/* bench_sym: in-process speed of the symbolic path (no sandbox): children
 * made per second (mutate + check + simplify + interpreted probe hash),
 * interpreted probe hashes per second (the fast path's duplicate
 * rejection), fitting evaluations per second.  Prints "key value" lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/pipeline.h"
#include "engine/sym/sym.h"
#include "evaluators/mono.h"

static struct sbx *sb;

static void one(const char *evname, const char *seedname)
{
	const struct ev_evaluator *ev = ev_find(evname);
	const char *names[4];
	struct sym_prog seed, child, pool[256];
	char err[256];
	if (sym_seeds(ev, seedname, names, &seed, 1, err, sizeof err) != 1) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	struct rng r;
	rng_seed(&r, 1);
	int n = 0, made = 0;
	double t0 = mono_s();
	struct sym_prog cur = seed;
	while (mono_s() - t0 < 1.0) {
		if (sym_vary(&cur, NULL, NULL, 1e-15, 24, &r, &child, NULL) == 0) {
			made++;
			pool[made % 256] = child;
			if (rng_below(&r, 4) == 0)
				cur = child;
		}
		n++;
	}
	double t1 = mono_s();
	printf("%s_children_per_s %.0f\n", evname, made / (t1 - t0));
	int hashes = 0;
	uint64_t h;
	t0 = mono_s();
	while (mono_s() - t0 < 1.0)
		for (int i = 0; i < 100; i++, hashes++)
			sym_probe_hash(&pool[hashes % 256], 1e-15, &h);
	printf("%s_interp_probe_hash_per_s %.0f\n", evname, hashes / (mono_s() - t0));
	int fits = 0;
	t0 = mono_s();
	while (mono_s() - t0 < 1.0) {
		double sc;
		sym_score(&pool[fits % 256], ev->nstages - 1, &sc, NULL);
		fits++;
	}
	printf("%s_fit_evals_per_s %.0f\n", evname, fits / (mono_s() - t0));
}

/* Novel candidates compiled, run (probe + stage 0) and scored per second
 * with 2 sandbox slots: one child per candidate, or batches of k. */
static double batched, batches; /* programs and jobs of the last sandbox_rate() */

static double sandbox_rate(const struct ev_evaluator *ev, struct sym_prog *progs, int n, int k)
{
	batched = batches = 0;
	const struct ev_evaluator *w = sym_batch_ev(ev);
	char err[256];
	int next = 0, done = 0, inflight = 0, cnt[2] = { 0, 0 }, first[2] = { 0, 0 };
	double t0 = mono_s();
	while (done < n) {
		for (int s = 0; s < 2; s++) {
			if (cnt[s] || next >= n)
				continue;
			int m = n - next < k ? n - next : k;
			const struct sym_prog *pp[SYM_BATCH_MAX];
			size_t text = 0;
			for (int i = 0; i < m; i++) {
				/* as the engine does: the unit within max_source */
				char *ri = sym_render(&progs[next + i]);
				size_t li = ri ? strlen(ri) : 0;
				free(ri);
				if (i > 0 && sym_batch_text_len(text + li, i + 1) > sbx_get_limits(sb)->max_source) {
					m = i;
					break;
				}
				text += li;
				pp[i] = &progs[next + i];
			}
			char *src = k > 1 ? sym_batch_source(pp, m) : sym_render(pp[0]);
			struct pl_outcome o;
			memset(&o, 0, sizeof o);
			if (pl_start_batch(sb, s, k > 1 ? w : ev, src, strlen(src), m, SBX_TASK_PROBE | SBX_TASK_STAGE(0),
			                   EV_TRAIN, &o, err, sizeof err) != 1) {
				fprintf(stderr, "submit: %s\n", err);
				free(src);
				return 0;
			}
			free(src);
			cnt[s] = m;
			batched += m;
			batches++;
			first[s] = next;
			next += m;
			inflight++;
		}
		int slot;
		static struct sbx_result res;
		int c = sbx_collect(sb, &slot, &res, err, sizeof err);
		if (c < 0)
			return 0;
		if (c == 0) {
			struct timespec ts = { 0, 20000 };
			nanosleep(&ts, NULL);
			continue;
		}
		for (int i = 0; i < cnt[slot]; i++) {
			struct sbx_result one, *rp = &res;
			if (k > 1) {
				if (sym_batch_split(&res, cnt[slot], i, &one))
					return 0;
				rp = &one;
			}
			char *ci = sym_render(&progs[first[slot] + i]);
			struct pl_outcome o;
			memset(&o, 0, sizeof o);
			o.stage = -1;
			pl_finish(ev, rp, EV_TRAIN, 1e-15, ci, strlen(ci), &o);
			free(ci);
		}
		done += cnt[slot];
		cnt[slot] = 0;
		inflight--;
	}
	return n / (mono_s() - t0);
}

static void throughput(const char *evname, const char *seedname)
{
	const struct ev_evaluator *ev = ev_find(evname);
	const char *names[4];
	struct sym_prog seed;
	static struct sym_prog progs[4000];
	char err[256];
	if (sym_seeds(ev, seedname, names, &seed, 1, err, sizeof err) != 1)
		return;
	struct rng r;
	rng_seed(&r, 2);
	int n = 0;
	struct sym_prog cur = seed;
	while (n < 4000)
		if (sym_vary(&cur, NULL, NULL, 1e-15, 24, &r, &progs[n], NULL) == 0) {
			if (rng_below(&r, 3) == 0)
				cur = progs[n];
			n++;
		}
	int k = sym_batch_capacity(ev, SBX_TASK_PROBE | SBX_TASK_STAGE(0));
	double one_rate = sandbox_rate(ev, progs, 1000, 1);
	double batch_rate = sandbox_rate(ev, progs, 4000, k);
	printf("%s_one_child_per_s %.0f\n", evname, one_rate);
	printf("%s_batch_per_s %.0f\n", evname, batch_rate);
	printf("%s_batch_size %.0f\n", evname, batched / batches);
}

/* bench_sym tune EVALUATOR SEED EVALS: the seed's constants fitted with
 * EVALS in-process scorings (sym_fit, the same fitter the symbolic mutator
 * uses); prints its default and tuned train and held-out scores. */
static int tune(const char *evname, const char *seedname, int evals)
{
	const struct ev_evaluator *ev = ev_find(evname);
	const char *names[2];
	struct sym_prog p;
	char err[256];
	if (!ev || sym_seeds(ev, seedname, names, &p, 1, err, sizeof err) != 1) {
		fprintf(stderr, "bench_sym tune: %s\n", ev ? err : "no such evaluator");
		return 1;
	}
	int last = ev->nstages - 1;
	double tr0, ho0, tr, ho;
	sym_score_split(&p, last, EV_TRAIN, &tr0, NULL);
	sym_score_split(&p, last, EV_HELDOUT, &ho0, NULL);
	struct rng r;
	rng_seed(&r, 1);
	int used = sym_fit(&p, evals, &r, &tr);
	sym_score_split(&p, last, EV_HELDOUT, &ho, NULL);
	printf("tuned %s %s evals %d default_train %.4f default_heldout %.4f tuned_train %.4f tuned_heldout %.4f\n",
	       evname, seedname, used, tr0, ho0, tr, ho);
	char *t = sym_print(&p);
	fprintf(stderr, "%s", t);
	free(t);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "tune"))
		return tune(argv[2], argv[3], atoi(argv[4]));
	char err[256];
	struct sbx_limits lim;
	sbx_limits_default(&lim);
	sb = sbx_open(2, &lim, err, sizeof err);
	if (!sb) {
		fprintf(stderr, "bench_sym: %s\n", err);
		return 1;
	}
	one("expapprox", "taylor2");
	one("optim", "sgd");
	throughput("expapprox", "taylor2");
	throughput("optim", "sgd");
	sbx_close(&sb);
	return 0;
}
