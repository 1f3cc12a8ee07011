/*
 * optim.c - the built-in `optim` evaluator: discover first-order optimizers
 * (after the program search that found Lion).
 *
 * Candidate contract (the prelude below): define
 *     void step(int n, double *w, const double *g, double *s, int t);
 * which updates the n parameters w in place from their gradient g at step
 * t = 1, 2, ...; s holds SLOTS * n doubles of per-parameter state (slot k of
 * parameter i is s[k * n + i]), zero at t = 1.  Hyperparameters are literals
 * in the candidate's own source.
 *
 * run() drives step() on each workload of the task (optim_work.c) and
 * writes the parameters at OPT_CKPT checkpoints, workload after workload,
 * then one count of state slots used per workload.  score() regenerates
 * the workloads, recomputes every loss from those parameters and never
 * trusts anything else the child wrote; a workload scores the mean
 * improvement over its checkpoints (area under the curve), so speed counts
 * and the clip at 10 binds only for rules that get there early.  Full
 * definitions: docs/EVALUATORS.md.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "evaluators/evaluator.h"
#include "evaluators/optim.h"

#define STR_(x) #x
#define STR(x) STR_(x)

typedef void (*optim_step_fn)(int n, double *w, const double *g, double *s, int t);

static const char optim_prelude[] =
	"#ifndef DISCO_OPTIM_PRELUDE\n"
	"#define DISCO_OPTIM_PRELUDE 1\n"
	"#define SLOTS " STR(OPT_SLOTS) "\n"
	"double sqrt(double);\n"
	"double fabs(double);\n"
	"double exp(double);\n"
	"double log(double);\n"
	"double tanh(double);\n"
	"double copysign(double, double);\n"
	"double fmin(double, double);\n"
	"double fmax(double, double);\n"
	"double pow(double, double);\n"
	"/* -1, 0 or +1 (0 for NaN) */\n"
	"static inline double sign(double x) { return (double)((x > 0) - (x < 0)); }\n"
	"/* Update the n parameters w from their gradient g at step t = 1, 2, ...;\n"
	"   s: SLOTS*n doubles of state, slot k of parameter i at s[k*n+i], zero at t = 1. */\n"
	"void step(int n, double *w, const double *g, double *s, int t);\n"
	"#endif\n";

static const char *const optim_headers[] = {"math.h", "optim.h", NULL};
static const char *const optim_entries[] = {"step", NULL};

static const struct ev_symbol optim_symbols[] = {
	{"sqrt", (const void *)sqrt},
	{"fabs", (const void *)fabs},
	{"exp", (const void *)exp},
	{"log", (const void *)log},
	{"tanh", (const void *)tanh},
	{"copysign", (const void *)copysign},
	{"fmin", (const void *)fmin},
	{"fmax", (const void *)fmax},
	{"pow", (const void *)pow},
	{NULL, NULL},
};

/* ---- seeds ------------------------------------------------------------- */

static const char seed_sgd[] =
	"/* Plain gradient descent. */\n"
	"void step(int n, double *w, const double *g, double *s, int t)\n"
	"{\n"
	"\tfor (int i = 0; i < n; i++)\n"
	"\t\tw[i] -= 0.001 * g[i];\n"
	"}\n";

static const char seed_momentum[] =
	"/* Heavy-ball momentum: slot 0 is the velocity. */\n"
	"void step(int n, double *w, const double *g, double *s, int t)\n"
	"{\n"
	"\tdouble *m = s;\n"
	"\tfor (int i = 0; i < n; i++) {\n"
	"\t\tm[i] = 0.9 * m[i] + g[i];\n"
	"\t\tw[i] -= 0.0001 * m[i];\n"
	"\t}\n"
	"}\n";

static const char seed_nesterov[] =
	"/* Nesterov momentum (the look-ahead form): slot 0 is the velocity. */\n"
	"void step(int n, double *w, const double *g, double *s, int t)\n"
	"{\n"
	"\tdouble *m = s;\n"
	"\tfor (int i = 0; i < n; i++) {\n"
	"\t\tm[i] = 0.9 * m[i] + g[i];\n"
	"\t\tw[i] -= 0.0001 * (g[i] + 0.9 * m[i]);\n"
	"\t}\n"
	"}\n";

static const char seed_adagrad[] =
	"/* AdaGrad: slot 0 accumulates squared gradients. */\n"
	"void step(int n, double *w, const double *g, double *s, int t)\n"
	"{\n"
	"\tdouble *v = s;\n"
	"\tfor (int i = 0; i < n; i++) {\n"
	"\t\tv[i] += g[i] * g[i];\n"
	"\t\tw[i] -= 0.1 * g[i] / (sqrt(v[i]) + 1e-8);\n"
	"\t}\n"
	"}\n";

static const char seed_rmsprop[] =
	"/* RMSProp: slot 0 is a running mean of squared gradients. */\n"
	"void step(int n, double *w, const double *g, double *s, int t)\n"
	"{\n"
	"\tdouble *v = s;\n"
	"\tfor (int i = 0; i < n; i++) {\n"
	"\t\tv[i] = 0.99 * v[i] + 0.01 * g[i] * g[i];\n"
	"\t\tw[i] -= 0.01 * g[i] / (sqrt(v[i]) + 1e-8);\n"
	"\t}\n"
	"}\n";

static const char seed_adam[] =
	"/* Adam with bias correction: slot 0 first moment, slot 1 second moment. */\n"
	"void step(int n, double *w, const double *g, double *s, int t)\n"
	"{\n"
	"\tdouble *m = s, *v = s + n;\n"
	"\tdouble c1 = 1.0 - pow(0.9, t), c2 = 1.0 - pow(0.999, t);\n"
	"\tfor (int i = 0; i < n; i++) {\n"
	"\t\tm[i] = 0.9 * m[i] + 0.1 * g[i];\n"
	"\t\tv[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];\n"
	"\t\tw[i] -= 0.03 * (m[i] / c1) / (sqrt(v[i] / c2) + 1e-8);\n"
	"\t}\n"
	"}\n";

static const char seed_adamw[] =
	"/* AdamW: Adam with decoupled weight decay. */\n"
	"void step(int n, double *w, const double *g, double *s, int t)\n"
	"{\n"
	"\tdouble *m = s, *v = s + n;\n"
	"\tdouble lr = 0.03, wd = 0.001;\n"
	"\tdouble c1 = 1.0 - pow(0.9, t), c2 = 1.0 - pow(0.999, t);\n"
	"\tfor (int i = 0; i < n; i++) {\n"
	"\t\tm[i] = 0.9 * m[i] + 0.1 * g[i];\n"
	"\t\tv[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];\n"
	"\t\tw[i] -= lr * ((m[i] / c1) / (sqrt(v[i] / c2) + 1e-8) + wd * w[i]);\n"
	"\t}\n"
	"}\n";

static const char seed_signsgd[] =
	"/* signSGD: a fixed step against the sign of the gradient. */\n"
	"void step(int n, double *w, const double *g, double *s, int t)\n"
	"{\n"
	"\tfor (int i = 0; i < n; i++)\n"
	"\t\tw[i] -= 0.003 * sign(g[i]);\n"
	"}\n";

static const char seed_lion[] =
	"/* Lion: the sign of an interpolation of momentum and gradient, momentum\n"
	"   updated with a second interpolation, decoupled weight decay. */\n"
	"void step(int n, double *w, const double *g, double *s, int t)\n"
	"{\n"
	"\tdouble *m = s;\n"
	"\tdouble lr = 0.007, wd = 0.001;\n"
	"\tfor (int i = 0; i < n; i++) {\n"
	"\t\tdouble c = 0.9 * m[i] + 0.1 * g[i];\n"
	"\t\tw[i] -= lr * (sign(c) + wd * w[i]);\n"
	"\t\tm[i] = 0.99 * m[i] + 0.01 * g[i];\n"
	"\t}\n"
	"}\n";

static const struct ev_seed optim_seeds[] = {
	{"sgd", seed_sgd},
	{"momentum", seed_momentum},
	{"nesterov", seed_nesterov},
	{"adagrad", seed_adagrad},
	{"rmsprop", seed_rmsprop},
	{"adam", seed_adam},
	{"adamw", seed_adamw},
	{"signsgd", seed_signsgd},
	{"lion", seed_lion},
	{NULL, NULL},
};

/* ---- run (inside the sandbox child) ------------------------------------ */

static int all_finite(int n, const double *w)
{
	for (int i = 0; i < n; i++)
		if (!isfinite(w[i]))
			return 0;
	return 1;
}

/* ---- driving step() ---------------------------------------------------- */

/* One workload being optimised: its parameters, gradient, state slots and
 * noise stream.  All workloads of a task advance in lockstep, one step()
 * each per round, so that with the candidate in a process of its own
 * (evaluator.h, ev_remote) one round trip serves every workload. */
struct lane {
	const struct opt_work *wl; /* NULL: the probe */
	int n, steps, active;
	int ck;             /* checkpoints written */
	size_t pos;         /* where its checkpoints go in out */
	double w[OPT_MAXN], g[OPT_MAXN], s[OPT_SLOTS * OPT_MAXN];
	struct rng noise;
};

/* What run() sends the candidate's process per round: each lane's n (0:
 * not stepped this round) and step counter, then w, g and s (6n doubles)
 * of every stepped lane, in order.  serve() steps them in place. */
struct opt_req {
	int32_t nl, pad;
	int32_t n[OPT_MAXW], t[OPT_MAXW];
	double data[];
};
_Static_assert(sizeof(struct opt_req) + OPT_MAXW * (2 + OPT_SLOTS) * OPT_MAXN * sizeof(double) <=
               EV_REMOTE_BYTES, "one round of every lane fits the remote buffer");

/* Step every active lane once: directly, or through the candidate's
 * process.  Returns 0, or -1 when that process is gone. */
static int step_round(optim_step_fn step, struct ev_remote *rm, struct lane *L, int nl, int t)
{
	if (!rm) {
		for (int k = 0; k < nl; k++)
			if (L[k].active)
				step(L[k].n, L[k].w, L[k].g, L[k].s, t);
		return 0;
	}
	struct opt_req *q = rm->buf;
	double *d = q->data;
	q->nl = nl;
	for (int k = 0; k < nl; k++) {
		size_t n = (size_t)L[k].n;
		q->n[k] = L[k].active ? L[k].n : 0;
		q->t[k] = t;
		if (!L[k].active)
			continue;
		memcpy(d, L[k].w, n * sizeof *d);
		memcpy(d + n, L[k].g, n * sizeof *d);
		memcpy(d + 2 * n, L[k].s, OPT_SLOTS * n * sizeof *d);
		d += (2 + OPT_SLOTS) * n;
	}
	if (rm->call(rm))
		return -1;
	/* Whatever the candidate's process left there is its answer: only
	 * parameters and state are taken back, by run()'s own counts. */
	d = q->data;
	for (int k = 0; k < nl; k++) {
		size_t n = (size_t)L[k].n;
		if (!L[k].active)
			continue;
		memcpy(L[k].w, d, n * sizeof *d);
		memcpy(L[k].s, d + 2 * n, OPT_SLOTS * n * sizeof *d);
		d += (2 + OPT_SLOTS) * n;
	}
	return 0;
}

/* In the candidate's process: step the lanes of one round in place. */
static void optim_serve(const struct ev_evaluator *ev, void *const *entry, void *buf, size_t len)
{
	optim_step_fn step = (optim_step_fn)entry[0];
	struct opt_req *q = buf;
	if (!step || q->nl < 0 || q->nl > OPT_MAXW)
		return;
	size_t room = (len - sizeof *q) / sizeof(double), used = 0;
	double *d = q->data;
	for (int k = 0; k < q->nl; k++) {
		int n = q->n[k];
		if (n <= 0)
			continue;
		size_t need = (2 + OPT_SLOTS) * (size_t)n;
		if (n > OPT_MAXN || used + need > room)
			return;
		step(n, d, d + n, d + 2 * n, q->t[k]);
		d += need;
		used += need;
	}
}


/* Number of state slots of a lane holding anything but zero (NaN counts). */
static int slots_used(const struct lane *l)
{
	int used = 0;
	for (int k = 0; k < OPT_SLOTS; k++)
		for (int i = 0; i < l->n; i++)
			if (l->s[k * l->n + i] != 0.0) {
				used++;
				break;
			}
	return used;
}

static struct lane lanes[OPT_MAXW];

static long run_probe(optim_step_fn step, struct ev_remote *rm, double *out, size_t cap, char *err,
                      size_t errlen)
{
	if (cap < OPT_PROBE_OUT) {
		snprintf(err, errlen, "optim: probe needs %d output doubles, capacity is %zu",
		         OPT_PROBE_OUT, cap);
		return -1;
	}
	struct lane *l = &lanes[0];
	memset(l, 0, sizeof *l);
	l->n = OPT_PROBE_N;
	l->active = 1;
	opt_probe_start(l->w);
	for (int t = 1; t <= OPT_PROBE_T; t++) {
		opt_probe_grad(t, l->g);
		if (step_round(step, rm, l, 1, t)) {
			snprintf(err, errlen, "optim: the candidate's process ended");
			return -1;
		}
		memcpy(out + (size_t)(t - 1) * OPT_PROBE_N, l->w, sizeof(double) * OPT_PROBE_N);
	}
	return OPT_PROBE_OUT;
}

/* Drive step() on every workload of a task in lockstep; the parameters of
 * each at its checkpoints into out[pos + j * n ..], then the number of
 * state slots each used. */
static long run_lanes(optim_step_fn step, struct ev_remote *rm, int split, const int *idx, int nw,
                      double *out, char *err, size_t errlen)
{
	int maxsteps = 0;
	size_t pos = 0;
	for (int k = 0; k < nw; k++) {
		struct lane *l = &lanes[k];
		memset(l, 0, sizeof *l);
		l->wl = opt_workload(split, idx[k]);
		l->n = l->wl->n;
		l->pos = pos;
		pos += (size_t)OPT_CKPT * (size_t)l->n;
		l->steps = l->wl->spec->steps;
		l->active = 1;
		memcpy(l->w, l->wl->w0, sizeof(double) * (size_t)l->n);
		rng_seed(&l->noise, l->wl->spec->seed ^ 0x6e6f697365ULL);
		if (l->steps > maxsteps)
			maxsteps = l->steps;
	}
	for (int t = 1; t <= maxsteps; t++) {
		int any = 0;
		for (int k = 0; k < nw; k++) {
			struct lane *l = &lanes[k];
			if (t > l->steps)
				l->active = 0;
			if (!l->active)
				continue;
			any = 1;
			opt_grad(l->wl, l->w, l->g);
			if (l->wl->spec->noise > 0)
				for (int i = 0; i < l->n; i++)
					l->g[i] += l->wl->spec->noise * opt_rng_normal(&l->noise);
		}
		if (!any)
			break;
		if (step_round(step, rm, lanes, nw, t)) {
			snprintf(err, errlen, "optim: the candidate's process ended");
			return -1;
		}
		/* The parameters at each checkpoint; a parameter that turns
		 * non-finite ends its workload, the remaining checkpoints repeat
		 * it (they score the floor). */
		for (int k = 0; k < nw; k++) {
			struct lane *l = &lanes[k];
			if (!l->active)
				continue;
			int bad = !all_finite(l->n, l->w);
			while (l->ck < OPT_CKPT && (bad || t == opt_ckpt_step(l->steps, l->ck + 1)))
				memcpy(out + l->pos + (size_t)l->ck++ * (size_t)l->n, l->w, sizeof(double) * (size_t)l->n);
			if (bad)
				l->active = 0;
		}
	}
	for (int k = 0; k < nw; k++)
		out[pos++] = slots_used(&lanes[k]);
	return (long)pos;
}

/* Expected output length of a task's workload list. */
static size_t task_outputs(int split, const int *idx, int nw)
{
	size_t total = (size_t)nw;
	for (int k = 0; k < nw; k++)
		total += (size_t)OPT_CKPT * (size_t)opt_workload(split, idx[k])->n;
	return total;
}

static long optim_run(const struct ev_evaluator *ev, void *const *entry, int task,
                      int split, double *out, size_t cap, char *err, size_t errlen)
{
	const int *idx;
	/* The candidate in its own process (ev_remote), or called here. */
	struct ev_remote *rm = ev_remote();
	optim_step_fn step = NULL;
	if (!rm) {
		if (!entry || !entry[0]) {
			snprintf(err, errlen, "optim: entry point 'step' is missing");
			return -1;
		}
		step = (optim_step_fn)entry[0];
	}
	if (task == EV_TASK_PROBE)
		return run_probe(step, rm, out, cap, err, errlen);
	int nw = opt_task_list(task, split, &idx);
	if (nw < 0) {
		snprintf(err, errlen, "optim: task %d split %d: expected task -1, 0 or 1 and split 0 or 1",
		         task, split);
		return -1;
	}
	size_t need = task_outputs(split, idx, nw);
	if (need > cap) {
		snprintf(err, errlen, "optim: stage %d needs %zu output doubles, capacity is %zu",
		         task, need, cap);
		return -1;
	}
	return run_lanes(step, rm, split, idx, nw, out, err, errlen);
}

/* ---- score and describe (outside, trusted) ------------------------------- */

static int optim_score(const struct ev_evaluator *ev, int task, int split,
                       const double *out, size_t n, struct ev_result *res)
{
	const int *idx;
	if (task == EV_TASK_PROBE) {
		if (n != OPT_PROBE_OUT || !out) {
			snprintf(res->message, sizeof res->message,
			         "optim: probe output has %zu doubles, expected %d", n, OPT_PROBE_OUT);
			return -1;
		}
		res->score = 0.0;
		return 0;
	}
	int nw = opt_task_list(task, split, &idx);
	if (nw < 0) {
		snprintf(res->message, sizeof res->message,
		         "optim: task %d split %d: expected task -1, 0 or 1 and split 0 or 1", task, split);
		return -1;
	}
	size_t need = task_outputs(split, idx, nw);
	if (n != need || !out) {
		snprintf(res->message, sizeof res->message,
		         "optim: stage %d output has %zu doubles, expected %zu (parameters at %d checkpoints of %d workloads + %d slot counts)",
		         task, n, need, OPT_CKPT, nw, nw);
		return -1;
	}
	double sum = 0, final = 0;
	int slots = 0;
	size_t pos = 0;
	for (int k = 0; k < nw; k++) {
		const struct opt_work *wl = opt_workload(split, idx[k]);
		double lstar = opt_lstar(split, idx[k]), area = 0, last = 0;
		for (int j = 0; j < OPT_CKPT; j++) {
			last = opt_improvement(wl, lstar, out + pos);
			area += last;
			pos += (size_t)wl->n;
		}
		area /= OPT_CKPT;
		ev_metric(res, wl->spec->name, area);
		sum += area;
		final += last;
	}
	/* Slot counts are the child's claim: clamp to 0..SLOTS, keep the most. */
	for (int k = 0; k < nw; k++) {
		double v = out[pos + (size_t)k];
		int c = !(v > 0) ? 0 : v >= OPT_SLOTS ? OPT_SLOTS : (int)lround(v);
		if (c > slots)
			slots = c;
	}
	res->score = sum / nw;
	res->desc[0] = slots;
	ev_metric(res, "slots", slots);
	ev_metric(res, "final", final / nw); /* the mean improvement at the last step */
	return 0;
}

static void optim_describe(const struct ev_evaluator *ev, const char *src, size_t len,
                           struct ev_result *res)
{
	res->desc[1] = src ? ev_count_ops(src, len) : 0;
}

/* ---- the symbolic form ----------------------------------------------------
 *
 * The update rule as an elementwise register program: w (in/out), g (in),
 * t (the step, scalar), m0..m3 (the four state slots, s[k*n+i]).  Scalar
 * temporaries (functions of t and constants, e.g. bias corrections) are
 * hoisted before the loop.  Each IR seed performs the operations of the C
 * seed of the same name in the same order, so both score the same.
 * The template's own operations (the slot pointers and i++) count 4. */

static const struct ev_ir_reg optim_ir_regs[] = {
	{"w", "w[i]", 1, EV_IR_INOUT},
	{"g", "g[i]", 1, EV_IR_IN},
	{"t", "t", 0, EV_IR_IN},
	{"m0", "s[i]", 1, EV_IR_STATE},
	{"m1", "s1[i]", 1, EV_IR_STATE},
	{"m2", "s2[i]", 1, EV_IR_STATE},
	{"m3", "s3[i]", 1, EV_IR_STATE},
	{NULL, NULL, 0, 0},
};

static const char optim_ir_tmpl[] =
	"void step(int n, double *w, const double *g, double *s, int t)\n"
	"{\n"
	"\tdouble *s1 = s + n, *s2 = s1 + n, *s3 = s2 + n;\n"
	"\t{scalar}\n"
	"\tfor (int i = 0; i < n; i++) {\n"
	"\t\t{body}\n"
	"\t}\n"
	"}\n";

static const struct ev_seed optim_ir_seeds[] = {
	{"sgd",
	 "sym optim\n"
	 "r0 = mul 0.001 g\n"
	 "w = sub w r0\n"},
	{"momentum",
	 "sym optim\n"
	 "r0 = mul 0.9 m0\n"
	 "m0 = add r0 g\n"
	 "r1 = mul 0.0001 m0\n"
	 "w = sub w r1\n"},
	{"nesterov",
	 "sym optim\n"
	 "r0 = mul 0.9 m0\n"
	 "m0 = add r0 g\n"
	 "r1 = mul 0.9 m0\n"
	 "r2 = add g r1\n"
	 "r3 = mul 0.0001 r2\n"
	 "w = sub w r3\n"},
	{"adagrad",
	 "sym optim\n"
	 "r0 = mul g g\n"
	 "m0 = add m0 r0\n"
	 "r1 = mul 0.1 g\n"
	 "r2 = sqrt m0\n"
	 "r3 = add r2 1e-08\n"
	 "r4 = div r1 r3\n"
	 "w = sub w r4\n"},
	{"rmsprop",
	 "sym optim\n"
	 "r0 = mul 0.99 m0\n"
	 "r1 = mul 0.01 g\n"
	 "r2 = mul r1 g\n"
	 "m0 = add r0 r2\n"
	 "r3 = mul 0.01 g\n"
	 "r4 = sqrt m0\n"
	 "r5 = add r4 1e-08\n"
	 "r6 = div r3 r5\n"
	 "w = sub w r6\n"},
	{"adam",
	 "sym optim\n"
	 "r0 = pow 0.9 t\n"
	 "r1 = sub 1.0 r0\n"
	 "r2 = pow 0.999 t\n"
	 "r3 = sub 1.0 r2\n"
	 "r4 = mul 0.9 m0\n"
	 "r5 = mul 0.1 g\n"
	 "m0 = add r4 r5\n"
	 "r6 = mul 0.999 m1\n"
	 "r7 = mul 0.001 g\n"
	 "r8 = mul r7 g\n"
	 "m1 = add r6 r8\n"
	 "r9 = div m0 r1\n"
	 "r10 = mul 0.03 r9\n"
	 "r11 = div m1 r3\n"
	 "r12 = sqrt r11\n"
	 "r13 = add r12 1e-08\n"
	 "r14 = div r10 r13\n"
	 "w = sub w r14\n"},
	{"adamw",
	 "sym optim\n"
	 "r0 = pow 0.9 t\n"
	 "r1 = sub 1.0 r0\n"
	 "r2 = pow 0.999 t\n"
	 "r3 = sub 1.0 r2\n"
	 "r4 = mul 0.9 m0\n"
	 "r5 = mul 0.1 g\n"
	 "m0 = add r4 r5\n"
	 "r6 = mul 0.999 m1\n"
	 "r7 = mul 0.001 g\n"
	 "r8 = mul r7 g\n"
	 "m1 = add r6 r8\n"
	 "r9 = div m0 r1\n"
	 "r10 = div m1 r3\n"
	 "r11 = sqrt r10\n"
	 "r12 = add r11 1e-08\n"
	 "r13 = div r9 r12\n"
	 "r14 = mul 0.001 w\n"
	 "r15 = add r13 r14\n"
	 "r16 = mul 0.03 r15\n"
	 "w = sub w r16\n"},
	{"signsgd",
	 "sym optim\n"
	 "r0 = sign g\n"
	 "r1 = mul 0.003 r0\n"
	 "w = sub w r1\n"},
	{"lion",
	 "sym optim\n"
	 "r0 = mul 0.9 m0\n"
	 "r1 = mul 0.1 g\n"
	 "r2 = add r0 r1\n"
	 "r3 = sign r2\n"
	 "r4 = mul 0.001 w\n"
	 "r5 = add r3 r4\n"
	 "r6 = mul 0.007 r5\n"
	 "w = sub w r6\n"
	 "r7 = mul 0.99 m0\n"
	 "r8 = mul 0.01 g\n"
	 "m0 = add r7 r8\n"},
	{NULL, NULL},
};

static const struct ev_ir optim_ir = {
	.shape = EV_IR_UPDATE,
	.tmpl = optim_ir_tmpl,
	.regs = optim_ir_regs,
	.ops = "add sub mul div neg abs sign sqrt square recip exp log tanh min max clip lerp pow",
	.seeds = optim_ir_seeds,
	.default_seeds = NULL,
	.residuals = NULL,
};

const struct ev_evaluator ev_optim = {
	.version = EV_API_VERSION,
	.name = "optim",
	.summary = "first-order optimizer update rules (Lion-style search) on quadratics, Rosenbrock, logistic regression, an MLP",
	.prelude = optim_prelude,
	.headers = optim_headers,
	.entries = optim_entries,
	.symbols = optim_symbols,
	.seeds = optim_seeds,
	.nstages = 2,
	.stages = {{"quick", 0.2}, {"train", -1.0}},
	.ndims = 2,
	.dims = {{"slots", 0, OPT_SLOTS, OPT_SLOTS + 1}, {"ops", 0, 60, 12}},
	.noisy = 0,
	.max_outputs = OPT_MAX_OUT,
	.run = optim_run,
	.score = optim_score,
	.describe = optim_describe,
	.data = NULL,
	.ir = &optim_ir,
	.serve = optim_serve,
};
