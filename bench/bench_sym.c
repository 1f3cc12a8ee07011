/* bench_sym: in-process speed of the symbolic path (no sandbox): children
 * made per second (mutate + check + simplify + interpreted probe hash),
 * interpreted probe hashes per second (the fast path's duplicate
 * rejection), fitting evaluations per second.  Prints "key value" lines. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "engine/sym/sym.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

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
	double t0 = now();
	struct sym_prog cur = seed;
	while (now() - t0 < 1.0) {
		if (sym_vary(&cur, NULL, NULL, 1e-15, 24, &r, &child, NULL) == 0) {
			made++;
			pool[made % 256] = child;
			if (rng_below(&r, 4) == 0)
				cur = child;
		}
		n++;
	}
	double t1 = now();
	printf("%s_children_per_s %.0f\n", evname, made / (t1 - t0));
	int hashes = 0;
	uint64_t h;
	t0 = now();
	while (now() - t0 < 1.0)
		for (int i = 0; i < 100; i++, hashes++)
			sym_probe_hash(&pool[hashes % 256], 1e-15, &h);
	printf("%s_interp_probe_hash_per_s %.0f\n", evname, hashes / (now() - t0));
	int fits = 0;
	t0 = now();
	while (now() - t0 < 1.0) {
		double sc;
		sym_score(&pool[fits % 256], ev->nstages - 1, &sc, NULL);
		fits++;
	}
	printf("%s_fit_evals_per_s %.0f\n", evname, fits / (now() - t0));
}

int main(void)
{
	one("expapprox", "taylor2");
	one("optim", "sgd");
	return 0;
}
