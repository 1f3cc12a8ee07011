/*
 * arc_gen.h - a deterministic synthetic campaign written through the public
 * archive API.  Test and benchmark code only (header-only, static): used by
 * tests/tools/arc_writer.c, tests/unit/test_archive.c and
 * bench/bench_archive.c.
 *
 * Attempt seq s is fully determined by (seed, s): its status, its program's
 * source (gen_source), parent and descriptors, so a checker can recompute
 * what a committed row must contain.
 */
#ifndef DISCO_ARC_GEN_H
#define DISCO_ARC_GEN_H

#include <stdio.h>
#include <string.h>

#include <xxhash.h>

#include "archive/arc.h"

static const struct arc_dim gen_dims[2] = {
	{"len", 0, 400, 10},
	{"ops", 0, 40, 8},
};
#define GEN_ISLANDS 2

static uint64_t gen_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Source of the program made by attempt seq. */
static size_t gen_source(char *buf, size_t n, uint64_t seed, int64_t seq)
{
	uint64_t r = gen_mix(seed ^ (uint64_t)seq);
	int k = (int)(r % 9);
	size_t u = (size_t)snprintf(buf, n, "/* attempt %lld */\ndouble f(double x)\n{\n",
	                            (long long)seq);
	for (int i = 0; i < k && u < n; i++)
		u += (size_t)snprintf(buf + u, n - u, "\tx = x * %d.%02d + %d;\n",
		                      (int)((r >> (8 + i)) % 7), (int)((r >> (16 + i)) % 100), i);
	if (u < n)
		u += (size_t)snprintf(buf + u, n - u, "\treturn x;\n}\n");
	return u < n ? u : n - 1;
}

/* Status of attempt seq: index into arc_status_names. */
static int gen_status(uint64_t seed, int64_t seq)
{
	uint64_t r = gen_mix(seed ^ (uint64_t)seq ^ 0x5555) % 100;
	if (seq <= 4)
		return 0; /* seeds */
	if (r < 70)
		return 0;               /* ok */
	return 1 + (int)(r % 8);        /* one of the failures or duplicate */
}

/* Writes attempts first_seq .. first_seq+n-1.  *last_prog is the highest
 * program id so far (0 for a fresh archive), updated.  Commits every `batch` attempts when batch > 0 (the caller's
 * arc_begin stays open); on_commit (may be NULL) runs after each commit. */
static int gen_attempts(struct arc *a, uint64_t seed, int64_t first_seq, int64_t n,
                        int batch, int64_t *last_progp,
                        void (*on_commit)(int64_t last_seq, void *ctx), void *ctx)
{
	char src[1024];
	int64_t last_prog = *last_progp;
	for (int64_t seq = first_seq; seq < first_seq + n; seq++) {
		uint64_t r = gen_mix(seed ^ (uint64_t)seq ^ 0xabcdef);
		int st = gen_status(seed, seq);
		struct arc_attempt t = {0};
		t.seq = seq;
		t.status = arc_status_names[st];
		t.island = (int)(r % GEN_ISLANDS);
		t.mutator = seq <= 4 ? "seed" : (r & 1) ? "symbolic" : "llm";
		t.compile_ms = (double)(r % 50) / 10;
		t.run_ms = (double)(r % 300) / 10;
		t.score_ms = 0.1;
		t.total_ms = t.compile_ms + t.run_ms + t.score_ms;
		t.stage = st == 0 ? 1 : -1;
		t.outcome = ARC_NOT_ADDED;
		size_t len = gen_source(src, sizeof src, seed, seq);
		if (st == 0) {
			struct arc_program p = {0};
			int64_t pid;
			double desc[2];
			int out;
			p.source = src;
			p.text_hash = XXH64(src, len, 0);
			p.func_hash = XXH64(src, len, 1);
			p.parent_id = seq <= 4 || last_prog == 0 ? 0 : 1 + (int64_t)(r % (uint64_t)last_prog);
			p.mutator = (char *)t.mutator;
			p.island = t.island;
			if (arc_add_program(a, &p, &pid))
				return ARC_ERR;
			last_prog = pid;
			desc[0] = (double)len;
			desc[1] = (double)((r >> 20) % 48);
			double score = (double)((r >> 32) % 100000) / 1000.0;
			if (arc_add_evaluation(a, pid, score, "{\"loss\":1.5}", desc, 2, 1, 0, NULL) ||
			    arc_insert_elite(a, t.island, desc, pid, score, len, &out))
				return ARC_ERR;
			t.program_id = pid;
			t.parent_id = p.parent_id;
			t.outcome = out;
			*last_progp = pid;
		} else {
			t.message = "synthetic failure";
			if (st == 8 && last_prog > 0) {
				t.outcome = ARC_DUPLICATE;
				t.duplicate_of = last_prog;
			}
		}
		if (arc_add_attempt(a, &t, NULL))
			return ARC_ERR;
		if (batch > 0 && (seq - first_seq + 1) % batch == 0) {
			if (arc_commit(a) || arc_begin(a))
				return ARC_ERR;
			if (on_commit)
				on_commit(seq, ctx);
		}
	}
	return ARC_OK;
}

/* A fresh campaign: campaign row, dims, islands. */
static int gen_campaign(struct arc *a, uint64_t seed)
{
	if (arc_campaign_create(a, "{\"evaluator\":\"synthetic\"}", seed, NULL) ||
	    arc_set_dims(a, gen_dims, 2) || arc_set_islands(a, GEN_ISLANDS))
		return ARC_ERR;
	return ARC_OK;
}

#endif
