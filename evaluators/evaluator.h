/*
 * evaluator.h - the one contract every disco evaluator implements.
 *
 * An evaluator turns a candidate program into a score.  It declares the
 * candidate contract (a C prelude and entry symbols), the symbols the
 * candidate may call, seed programs, probe inputs for functional hashing,
 * a cascade of stages, MAP-Elites descriptor dimensions, and the trusted
 * scoring.  Built-in evaluators and C plug-ins fill the same struct; the
 * `version` field comes first so the struct can grow (like sqlite3_vfs).
 *
 * Split of trust:
 *   run()      executes INSIDE the sandbox child, next to the candidate, or
 *              (with serve()) in a process of its own that talks to the
 *              candidate's (struct ev_remote below).  It drives the
 *              candidate's entry points and writes raw outputs (function
 *              values, final parameters).  Anything it writes may have been
 *              corrupted by the candidate.
 *   score()    executes OUTSIDE, in a process the candidate never touched.
 *              It recomputes everything that matters from the raw outputs
 *              and must treat them as hostile (NaN, Inf, garbage, wrong n).
 *   describe() executes outside too, on the candidate as the compiler saw
 *              it: its preprocessed text, copied out of the child before
 *              the candidate ran (hostile text: never trust lengths or
 *              nesting).
 *
 * Ownership: evaluators are static, immutable data plus pure functions; the
 * engine never frees them.  Plug-ins loaded at run time are owned by the
 * loader (evaluators/plugin.c).
 */
#ifndef DISCO_EVALUATOR_H
#define DISCO_EVALUATOR_H

#include <stddef.h>

/* 2 added `ir` (the symbolic form); version 1 structs keep working. */
#define EV_API_VERSION 2

#define EV_MAX_ENTRIES 4 /* entry symbols per candidate */
#define EV_MAX_STAGES 4  /* cascade stages */
#define EV_MAX_DIMS 4    /* descriptor dimensions */
#define EV_MAX_METRICS 16
#define EV_NAME_MAX 32
#define EV_MSG_MAX 256

/* run() task ids: the probe run for functional hashing, or a stage index. */
#define EV_TASK_PROBE (-1)

enum ev_split { EV_TRAIN = 0, EV_HELDOUT = 1 };

/* A symbol the candidate may call.  addr NULL (plug-ins only) means "take
 * it from disco's math table" (ev_math_symbols in evaluators/evhelp.c). */
struct ev_symbol {
	const char *name;
	const void *addr;
};

/* A seed (baseline) program: full C source satisfying the contract. */
struct ev_seed {
	const char *name;
	const char *source;
};

/* A MAP-Elites descriptor dimension and its default binning. */
struct ev_dim {
	const char *name;
	double lo, hi; /* values outside clamp to the edge bins */
	int bins;
};

/* One cascade stage.  A candidate goes on to stage k+1 only when its stage k
 * score is >= stages[k].threshold. */
struct ev_stage {
	const char *name;
	double threshold;
};

struct ev_metric {
	char name[EV_NAME_MAX];
	double value;
};

/* Filled by score() and describe(); the engine zeroes it first. */
struct ev_result {
	double score;
	int nmetrics;
	struct ev_metric metrics[EV_MAX_METRICS];
	double desc[EV_MAX_DIMS];
	char message[EV_MSG_MAX]; /* why the output was invalid */
};

/* --- the symbolic form (version 2): plain data the symbolic mutator reads --
 *
 * An evaluator that declares `ir` lets disco search programs in a typed
 * register IR (engine/sym/sym.h) and render them into `tmpl`.  Shapes:
 *   EV_IR_FUNC    double ENTRY(double x): one scalar SYM_IN register (the
 *                 parameter) and one scalar EV_IR_OUT register (the result)
 *   EV_IR_UPDATE  void ENTRY(int n, double *w, const double *g, double *s,
 *                 int t): elementwise over the n parameters; a vector
 *                 EV_IR_INOUT register (w), a vector EV_IR_IN (g), a scalar
 *                 EV_IR_IN (t), and EV_IR_STATE vector registers (slots).
 * tmpl is the C text with "{scalar}" (statements before the per-parameter
 * loop: hoisted scalar temporaries) and "{body}" (the instructions) each on
 * a line of its own; the renderer indents them like the placeholder. */
struct ev_evaluator;
enum ev_ir_shape { EV_IR_NONE = 0, EV_IR_FUNC = 1, EV_IR_UPDATE = 2 };
enum ev_ir_access { EV_IR_IN = 0, EV_IR_INOUT = 1, EV_IR_OUT = 2, EV_IR_STATE = 3 };

struct ev_ir_reg {
	const char *name;  /* IR name: x, y, w, g, t, m0 ... */
	const char *cexpr; /* its C spelling in tmpl: "x", "w[i]", "s1[i]" */
	int vector;        /* 1: one value per parameter */
	int access;        /* enum ev_ir_access */
};

struct ev_ir {
	int shape;                   /* enum ev_ir_shape */
	const char *tmpl;
	const struct ev_ir_reg *regs; /* ends with {NULL} */
	const char *ops;             /* the vocabulary: op names, space separated */
	const struct ev_seed *seeds; /* IR text seeds, {NULL, NULL}-ended */
	const char *default_seeds;   /* names a campaign starts from when it names none; NULL = all */
	/* Optional, outside (trusted): per-point residuals of a task's raw
	 * outputs (e.g. relative errors), for least-squares constant fitting.
	 * Returns the count written to res (<= cap) or -1.  The score must be
	 * a decreasing function of the residuals' max-norm. */
	long (*residuals)(const struct ev_evaluator *ev, int task, int split, const double *out,
	                  size_t n, double *res, size_t cap);
};

/* A reference curve for `disco archive front`: the best score known at
 * each value of one descriptor (e.g. the minimax polynomial's digits at
 * each operation count). */
struct ev_reference {
	const char *dim;     /* descriptor name */
	const char *label;   /* what the curve is */
	int n;
	const double *value, *score;
};

struct ev_evaluator {
	int version; /* EV_API_VERSION */
	const char *name;
	const char *summary; /* one line for `disco evaluators` */

	/* Candidate contract. */
	const char *prelude;          /* C declarations compiled before the candidate */
	const char *const *headers;   /* NULL-terminated: names the candidate may #include
	                                 (their content is the prelude) */
	const char *const *entries;   /* NULL-terminated: entry symbols; all required */
	const struct ev_symbol *symbols; /* whitelist, ends with {NULL, NULL} */
	const struct ev_seed *seeds;     /* ends with {NULL, NULL}; first is the default */

	int nstages;
	struct ev_stage stages[EV_MAX_STAGES];
	int ndims;
	struct ev_dim dims[EV_MAX_DIMS];
	int noisy;          /* non-zero: results vary between runs of the same program */
	size_t max_outputs; /* most doubles any one task writes */

	/* Inside the sandbox: drive the candidate.  entry[i] is the address of
	 * entries[i].  Returns the number of doubles written to out (<= cap), or
	 * -1 with a message in err (errlen bytes). */
	long (*run)(const struct ev_evaluator *ev, void *const *entry, int task,
	            int split, double *out, size_t cap, char *err, size_t errlen);

	/* Outside: score raw outputs of one task.  Returns 0, or -1 when the
	 * output is invalid (NaN, Inf, wrong length...) with res->message set. */
	int (*score)(const struct ev_evaluator *ev, int task, int split,
	             const double *out, size_t n, struct ev_result *res);

	/* Outside: descriptors (and metrics) from the candidate's text: tcc's
	 * preprocessor output of it (macros expanded, comments gone, lines
	 * "# N \"candidate.c\"" where lines jump), so an operation hidden in a
	 * macro is seen.  May be NULL.  src is not NUL-terminated. */
	void (*describe)(const struct ev_evaluator *ev, const char *src,
	                 size_t len, struct ev_result *res);

	const void *data; /* the evaluator's own parameters */

	/* Escape hatches (zero, the default: refused).  Non-zero lets
	 * candidates use inline assembly and the other constructs that bypass
	 * the symbol whitelist (sandbox/ppscan.c: asm, attributes such as
	 * section, computed goto, function pointers, __builtin_frame_address).
	 * Judged on the preprocessed tokens.  A trailing field with a zero
	 * default: plug-ins written before it keep compiling and keep the
	 * safe default. */
	int allow_asm;
	/* Version 2. */
	const struct ev_ir *ir; /* the symbolic form, or NULL */
	const struct ev_reference *reference; /* a known best score per descriptor value, or NULL */

	/* Optional: the candidate in a process of its own (see struct
	 * ev_remote).  NULL: run() calls the entry points directly, in one
	 * process with the candidate. */
	void (*serve)(const struct ev_evaluator *ev, void *const *entry, void *buf, size_t len);
};

/* The candidate never shares an address space with what it is scored on.
 * An evaluator with serve() gets two processes per job: the candidate's,
 * forked before run() starts (so nothing run() computes, a workload, a
 * hidden optimum, is ever in its memory), which compiles the candidate and
 * runs serve() on each request; and run()'s, which never maps the
 * candidate's code.  There run() finds ev_remote() non-NULL (and entry[]
 * NULL): it writes a request (its own layout) into buf, calls call(), and
 * reads the answer serve() left in buf.  One round trip should serve many
 * calls (every workload stepped in lockstep).  call() returns 0, or -1
 * when the candidate's process is gone (run() then returns -1; the sandbox
 * reports how the candidate ended: crash, timeout, ...).  buf is shared
 * with the candidate: treat what serve() leaves there as hostile.  Without
 * serve(), or outside the sandbox, ev_remote() is NULL and run() calls
 * entry[i] directly, as always. */
#define EV_REMOTE_BYTES (1u << 20)
struct ev_remote {
	void *buf;  /* EV_REMOTE_BYTES bytes, shared by the two processes */
	size_t len;
	int (*call)(struct ev_remote *rm);
};

/* --- shared helpers for evaluators (evaluators/evhelp.c) ----------------- */

/* The registry of built-in evaluators (evaluators/registry.c). */
const struct ev_evaluator *ev_find(const char *name);
const struct ev_evaluator *ev_builtin(int i); /* NULL past the end */
int ev_builtin_index(const struct ev_evaluator *ev); /* -1 if not built-in */

/* run()'s link to the candidate's process (see struct ev_remote), or NULL.
 * ev_remote_set() is the sandbox child's (evaluators/evhelp.c owns the
 * pointer: one per process, set before run() is called). */
struct ev_remote *ev_remote(void);
void ev_remote_set(struct ev_remote *rm);

/* Add a metric to res (silently drops past EV_MAX_METRICS). */
void ev_metric(struct ev_result *res, const char *name, double value);

/* Count arithmetic operators (+ - * / and compound forms, unary minus
 * excluded) and calls to whitelisted functions in C source, ignoring
 * comments, string and character literals and preprocessor lines.  The same
 * count for every evaluator that uses "ops" as a descriptor. */
int ev_count_ops(const char *src, size_t len);

/* The math symbols every evaluator may offer (sin, cos, sqrt, fabs, ...):
 * table ends with {NULL, NULL}; ev_math_prelude declares them. */
extern const struct ev_symbol ev_math_symbols[];
extern const char ev_math_prelude[];
const void *ev_math_lookup(const char *name);

#endif
