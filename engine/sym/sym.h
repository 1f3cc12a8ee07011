/*
 * sym.h - symbolic programs: a typed, linear register IR that the
 * symbolic mutator varies, the simplifier canonicalizes, the interpreter
 * runs in-process and the renderer turns into the evaluator's C.
 *
 * A program is a list of instructions  dst = op(a[, b[, c]])  over
 *   - fixed registers, declared by the evaluator (struct ev_ir): inputs
 *     (read-only: x, g, t), in/out registers (w: read, then written back),
 *     outputs (y: must be written before the end) and state slots (m0..m3:
 *     per-parameter memory, zero at the first call, interchangeable);
 *   - temporaries r0, r1, ...: each written exactly once (SSA), typed by
 *     the instruction that writes them;
 *   - constants: every numeric operand is its own entry of k[], so a
 *     constant fitter can vary it without touching the structure.
 * Values are scalar (one double) or vector (one double per parameter; an
 * instruction on vectors acts elementwise).  An instruction's result is a
 * vector when any operand is.  Scalar temporaries depend only on scalars,
 * so the renderer hoists them out of the per-parameter loop.
 *
 * One table (ops.c, SYM_OPS below) names every operation with its arity,
 * operand types, C spelling, cost and whether it may be folded; the
 * checker, interpreter, simplifier, renderer and mutator all switch over
 * it.  Cost is the operation count of the C spelling under the one rule
 * of docs/EVALUATORS.md (each + - * / and each call of a whitelisted math
 * function counts 1; unary minus, constants and optim's prelude helper
 * sign() are free), checked against ev_count_ops() in tests/unit/test_sym.c.
 *
 * Text form (sym_print / sym_parse round-trip exactly):
 *     sym expapprox
 *     r0 = mul x x
 *     r1 = mul 0.5 r0
 *     y = add r1 x
 * The first line names the evaluator.  '#' starts a comment.  Constants
 * are printed with the shortest %.17g that reads back to the same double.
 *
 * Ownership: struct sym_prog is plain fixed-size data (no pointers but the
 * borrowed spec); copy it with '='.  struct sym_spec is built by
 * sym_spec_of() from an evaluator and cached for the process (never
 * freed).  Strings returned by sym_print()/sym_render() are malloc'd and
 * the caller frees them.  Errors: 0 ok / -1 with a one-line message.
 */
#ifndef DISCO_SYM_H
#define DISCO_SYM_H

#include <stddef.h>
#include <stdint.h>

#include "evaluators/rng.h"
#include "evaluators/evaluator.h"
#include "sandbox/sbx.h"

#define SYM_MAX_INSTR 48
#define SYM_MAX_CONST 96
#define SYM_MAX_FIXED 12
#define SYM_MAX_REG (SYM_MAX_FIXED + SYM_MAX_INSTR)
#define SYM_MAX_TEXT 8192 /* longest IR text accepted by the parser */

/* Operand types an operation accepts. */
enum { SYM_ANY = 0, SYM_SCALAR_ONLY = 1 };

/* X(ID, name, arity, cost, commutative, foldable, operand types, C spelling)
 * The spelling uses %a %b %c for the operands; every operand spelling is
 * a C primary expression (a name, w[i], or a parenthesized constant). */
#define SYM_OPS(X)                                                             \
	X(MOV, "mov", 1, 0, 0, 1, SYM_ANY, "%a")                                    \
	X(ADD, "add", 2, 1, 1, 1, SYM_ANY, "%a + %b")                               \
	X(SUB, "sub", 2, 1, 0, 1, SYM_ANY, "%a - %b")                               \
	X(MUL, "mul", 2, 1, 1, 1, SYM_ANY, "%a * %b")                               \
	X(DIV, "div", 2, 1, 0, 1, SYM_ANY, "%a / %b")                               \
	X(NEG, "neg", 1, 0, 0, 1, SYM_ANY, "-%a")                                   \
	X(SQUARE, "square", 1, 1, 0, 1, SYM_ANY, "%a * %a")                         \
	X(RECIP, "recip", 1, 1, 0, 1, SYM_ANY, "1.0 / %a")                          \
	X(FMA, "fma", 3, 1, 0, 1, SYM_ANY, "fma(%a, %b, %c)")                       \
	X(ABS, "abs", 1, 1, 0, 1, SYM_ANY, "fabs(%a)")                              \
	X(SIGN, "sign", 1, 0, 0, 1, SYM_ANY, "sign(%a)")               \
	X(SQRT, "sqrt", 1, 1, 0, 1, SYM_ANY, "sqrt(%a)")                            \
	X(EXP, "exp", 1, 1, 0, 1, SYM_ANY, "exp(%a)")                               \
	X(LOG, "log", 1, 1, 0, 1, SYM_ANY, "log(%a)")                               \
	X(TANH, "tanh", 1, 1, 0, 1, SYM_ANY, "tanh(%a)")                            \
	X(FLOOR, "floor", 1, 1, 0, 1, SYM_ANY, "floor(%a)")                         \
	X(MIN, "min", 2, 1, 1, 1, SYM_ANY, "fmin(%a, %b)")                          \
	X(MAX, "max", 2, 1, 1, 1, SYM_ANY, "fmax(%a, %b)")                          \
	X(CLIP, "clip", 3, 2, 0, 1, SYM_ANY, "fmin(fmax(%a, %b), %c)")              \
	X(LERP, "lerp", 3, 3, 0, 1, SYM_ANY, "%a + %c * (%b - %a)")                 \
	X(POW, "pow", 2, 1, 0, 1, SYM_SCALAR_ONLY, "pow(%a, %b)")

enum sym_op {
#define SYM_ENUM_(id, ...) SYM_##id,
	SYM_OPS(SYM_ENUM_)
#undef SYM_ENUM_
	SYM_NOPS
};

struct sym_opinfo {
	const char *name;
	int arity, cost, commutative, foldable, types;
	const char *c; /* C spelling */
};

/* The table, indexed by enum sym_op. */
extern const struct sym_opinfo sym_ops[SYM_NOPS];

/* The op called name, or -1. */
int sym_op_find(const char *name);

/* The interpreter's semantics of one operation (the C spelling's, in the
 * same order of evaluation and rounding). */
double sym_apply(int op, double a, double b, double c);

/* ---- registers and programs --------------------------------------------- */

enum sym_access { SYM_IN = 0, SYM_INOUT = 1, SYM_OUT = 2, SYM_STATE = 3, SYM_TEMP = 4 };

/* Operand encoding: r >= 0 a register, r < 0 the constant k[-1 - r]. */
#define SYM_K(i) (-1 - (i))
#define SYM_IS_K(r) ((r) < 0)
#define SYM_KIDX(r) (-1 - (r))

struct sym_instr {
	uint8_t op;
	int16_t dst;
	int16_t a[3];
};

struct sym_spec; /* an evaluator's IR declaration, engine side */

struct sym_prog {
	const struct sym_spec *spec;
	int n;                          /* instructions */
	struct sym_instr ins[SYM_MAX_INSTR];
	int nk;                         /* constants */
	double k[SYM_MAX_CONST];
	int ntemp;                      /* temporaries r0..r(ntemp-1) = registers nfix.. */
};

/* The evaluator's IR declaration in the form the engine uses.  Built from
 * struct ev_ir by sym_spec_of(). */
struct sym_spec {
	const struct ev_evaluator *ev;
	int shape;                      /* EV_IR_FUNC, EV_IR_UPDATE */
	int nfix;
	char name[SYM_MAX_FIXED][16];
	char cexpr[SYM_MAX_FIXED][32];
	int vector[SYM_MAX_FIXED];
	int access[SYM_MAX_FIXED];
	uint64_t vocab;                 /* bit per enum sym_op */
	const char *tmpl;               /* C template with {scalar} and {body} */
	int overhead;                   /* ev_count_ops() of the template alone */
	int inproc;                     /* run() may be called in the engine (built-in evaluators) */
	/* roles for the interpreter's entry point */
	int x_reg, y_reg;               /* EV_IR_FUNC: the parameter and the result */
	int w_reg, g_reg, t_reg;        /* EV_IR_UPDATE */
	int nstate, state_reg[SYM_MAX_FIXED];
};

/* The IR declaration of ev, or NULL (with a message when ev declares one
 * that is broken) when it has none.  Cached per evaluator. */
const struct sym_spec *sym_spec_of(const struct ev_evaluator *ev, char *err, size_t errlen);

/* Let sym_parse() (with ev NULL, as the symbolic mutator calls it) find
 * ev by the name in an IR header when it is not a built-in: a C plug-in or
 * an external command of the running campaign.  One at a time; NULL
 * forgets it.  Call during start-up. */
void sym_use_evaluator(const struct ev_evaluator *ev);

/* Register r's IR name into buf (fixed names, or rN for temporaries). */
const char *sym_reg_name(const struct sym_prog *p, int r, char *buf, size_t len);
/* "r" and temporary t's number (t = register index - nfix) into out (12
 * bytes; not NUL-terminated): the printer's and the renderer's name of
 * it.  Returns the length. */
size_t sym_temp_name(char *out, int t);
/* The first of %.15g, %.16g, %.17g that reads back to v exactly, into out
 * (len bytes, NUL-terminated); returns the length.  Memoized. */
size_t sym_fmt_double(double v, char *out, size_t len);

/* Check p against its spec: registers defined before use, temporaries
 * written once, fixed inputs never written, outputs written, types (a
 * vector never flows into a scalar register or a scalar-only op), ops in
 * the vocabulary, constants finite.  On success fills type (SYM_MAX_REG
 * entries, 1 = vector) when not NULL. */
int sym_check(const struct sym_prog *p, int *type, char *err, size_t errlen);

/* Parse IR text (len bytes, need not be NUL-terminated) into p, then
 * check it.  The header names the evaluator; ev, when not NULL, must be
 * that evaluator (or its spec is looked up with ev_find()). */
int sym_parse(const char *text, size_t len, const struct ev_evaluator *ev, struct sym_prog *p,
              char *err, size_t errlen);

/* The text form (malloc'd), NULL when out of memory. */
char *sym_print(const struct sym_prog *p);

/* The IR's operation count: the sum of the ops' costs plus the template's
 * own (== ev_count_ops() of sym_render()'s output). */
int sym_cost(const struct sym_prog *p);

/* Canonical simplification in place: constant folding (only to finite
 * results that are not -0), no-op removal (x+0, x*1, x/1, neg neg, mov
 * chains), dead-code removal, commutative operands in canonical order,
 * temporaries and state slots renumbered by first use, constants
 * compacted.  The result is checked and functionally equal to the input
 * (same outputs for every input, up to the sign of zero). */
void sym_simplify(struct sym_prog *p);

/* Render p into the spec's C template (malloc'd).  NULL when out of memory. */
char *sym_render(const struct sym_prog *p);

/* ---- the interpreter ------------------------------------------------------- */

/* Run ev->run() for task/split in this process with p interpreted as the
 * entry point (spec->inproc evaluators only: the IR can neither call nor
 * touch memory, so this is as safe as arithmetic).  Returns the count of
 * doubles written, or -1 with a message.  Not reentrant (one program is
 * interpreted at a time per process). */
long sym_run(const struct sym_prog *p, int task, int split, double *out, size_t cap, char *err,
             size_t errlen);

/* The functional hash of p's probe outputs (as pl_finish() computes it
 * from the compiled program's).  Returns 0, or -1 when p cannot be run
 * in-process. */
int sym_probe_hash(const struct sym_prog *p, double tol, uint64_t *hash);

/* The trusted score of stage 0 of the train split, interpreted: runs
 * ev->run() and ev->score() in-process.  Returns 0 with *score (and res
 * when not NULL), or -1 when the output is invalid or p cannot be run. */
int sym_score(const struct sym_prog *p, int stage, double *score, struct ev_result *res);
/* The same on split (EV_TRAIN or EV_HELDOUT). */
int sym_score_split(const struct sym_prog *p, int stage, int split, double *score,
                    struct ev_result *res);

/* The fast path of the evolution loop: parse IR text of evaluator ev and
 * hash its interpreted probe outputs.  Returns 0, or -1 when the text does
 * not parse or ev cannot run IR in-process (then compile as usual). */
int sym_fast_hash(const struct ev_evaluator *ev, const char *ir, double tol, uint64_t *hash);
/* The same for a program already parsed. */
int sym_fast_hash_prog(const struct sym_prog *p, double tol, uint64_t *hash);

/* The interpreter's and the fitter's state is per thread: sym_run,
 * sym_score, sym_fit and sym_simplify may run on several threads at once
 * for programs of built-in evaluators whose run() and score() keep no
 * state but caches filled once (warm them on one thread first).  A thread
 * that ran them frees its buffers with sym_thread_release() before it
 * ends. */
void sym_thread_release(void);

/* ---- batches (batch.c) ------------------------------------------------------
 *
 * Up to SYM_BATCH_MAX IR programs of one built-in evaluator rendered into
 * one translation unit and run by one sandbox child: submit
 * sym_batch_source() with sym_batch_ev(ev) as the job's evaluator, then
 * split the result per program with sym_batch_split() and give each slice
 * to pl_finish() with the real evaluator.  When the child fails as a whole
 * (status not ok, or a malformed header), run the programs one by one so
 * each gets its own status. */
#define SYM_BATCH_MAX 128
#define SYM_BATCH_OUT (1u << 19) /* doubles a sandbox job may write, all tasks */

/* The wrapper evaluator of ev (static, exists before sbx_open()), or NULL
 * when ev cannot be batched. */
const struct ev_evaluator *sym_batch_ev(const struct ev_evaluator *ev);
/* Fill the built-in evaluators' lazily computed tables (e.g. the numeric
 * evaluators' train references, ~0.3 ms each) by running and scoring a
 * constant function once: for the fork server (sbx_server_init()), so a
 * batch child's score() does not compute them again. */
void sym_batch_warm(void);
/* How many programs fit one job running tasks (SBX_TASK_* bits): each
 * takes its probe's outputs (up to ev->max_outputs) and one score record
 * per stage (the batch child scores the stages). */
int sym_batch_capacity(const struct ev_evaluator *ev, unsigned tasks);
/* At most how long the unit sym_batch_join() makes of k programs whose
 * renderings total src_len bytes: the engine keeps a batch within the
 * sandbox's max_source, which the whole unit must pass. */
size_t sym_batch_text_len(size_t src_len, int k);
/* The translation unit (malloc'd), NULL when a program does not render or
 * k is out of 1..SYM_BATCH_MAX. */
char *sym_batch_source(const struct sym_prog *const *progs, int k);
/* The same from the programs' renderings: srcs[i] must be sym_render() of
 * a program of spec (the loop passes the C the symbolic mutator rendered,
 * so nothing is rendered twice). */
char *sym_batch_join(const struct sym_spec *spec, const char *const *srcs, int k);
/* Program i's view of a batch result of k programs (pointers into res).
 * Returns 0, or -1 when the batch's outputs are malformed. */
int sym_batch_split(const struct sbx_result *res, int k, int i, struct sbx_result *one);
/* Whether every program's slice of res (k programs) is well-formed, as
 * sym_batch_split() would find it, checked once for the whole batch:
 * 0, or -1 (then run the programs one by one). */
int sym_batch_check(const struct sbx_result *res, int k);

/* ---- search ------------------------------------------------------------------- */

/* Mutation kinds, each with a weight in struct sym_weights. */
#define SYM_MUTATIONS(X)      \
	X(INSERT, "insert")       \
	X(DELETE, "delete")       \
	X(CHANGE_OP, "change_op") \
	X(CHANGE_ARG, "change_arg") \
	X(PERTURB, "perturb")     \
	X(RANDOMIZE, "randomize") \
	X(SWAP, "swap")           \
	X(CROSSOVER, "crossover") \
	X(EXTEND, "extend")       \
	X(MERGE, "merge")         \
	X(WRAP, "wrap")

enum sym_mutation {
#define SYM_MENUM_(id, name) SYM_M_##id,
	SYM_MUTATIONS(SYM_MENUM_)
#undef SYM_MENUM_
	SYM_NMUT
};
extern const char *const sym_mutation_names[SYM_NMUT];

struct sym_weights {
	double w[SYM_NMUT];
};
extern const struct sym_weights sym_default_weights;

/* One mutation of kind m (crossover needs other, another program of the
 * same spec; without it crossover falls back to insert).  The result is
 * not yet checked.  Returns 0, or -1 when this kind cannot apply (e.g.
 * delete on an empty program, perturb with no constants). */
int sym_mutate_once(struct sym_prog *p, int m, const struct sym_prog *other, struct rng *r);

struct sym_vary_stats {
	int tries;          /* mutations drawn */
	int invalid;        /* rejected by the checker */
	int same_text;      /* simplified to the parent's text */
	int same_function;  /* same probe hash as the parent (interpreted) */
	int fit_evals;      /* in-process scoring runs of the constant fitter */
	int kinds;          /* bitmask of enum sym_mutation applied */
	int has_hash;       /* the child's probe hash (sym_probe_hash at tol) is in hash */
	uint64_t hash;
};

/* A checked, simplified child of parent that differs from it in text and
 * (when the evaluator runs in-process) in function: up to max_tries
 * mutations (each 1-3 steps drawn by weight).  Returns 0, or -1 when no
 * try produced a valid different child. */
int sym_vary(const struct sym_prog *parent, const struct sym_prog *other,
             const struct sym_weights *w, double tol, int max_tries, struct rng *r,
             struct sym_prog *child, struct sym_vary_stats *st);

/* What sym_vary() starts from: the parent simplified, and its probe hash
 * at tol when the evaluator runs in-process (have_ph).  A caller that
 * varies the same parent again and again keeps it (the symbolic mutator
 * does, per parsed parent). */
struct sym_vary_base {
	struct sym_prog base;
	int have_ph;
	uint64_t ph;
	double tol;
};
void sym_vary_prepare(const struct sym_prog *parent, double tol, struct sym_vary_base *b);
/* sym_vary() from a prepared parent (b->tol is the tolerance): the same
 * child, the same draws from r. */
int sym_vary_from(const struct sym_vary_base *b, const struct sym_prog *other,
                  const struct sym_weights *w, int max_tries, struct rng *r,
                  struct sym_prog *child, struct sym_vary_stats *st);

/* Fit p's constants to maximize the stage-0 train score in-process, with
 * at most max_evals program runs: Gauss-Newton on the evaluator's
 * residuals toward their max-norm minimum (each linearized step solved as
 * a discrete minimax problem, Levenberg-Marquardt damping) when it exposes
 * them (ev_ir.residuals), else a derivative-free search: for an update
 * rule w = w -/+ X, a log10 line search over X's scale (the step size)
 * first, then a (1+1)-ES in log scale.
 * p changes only when the fitted score is higher.  Returns the number of
 * scoring runs used (0 when p cannot be run in-process). */
int sym_fit(struct sym_prog *p, int max_evals, struct rng *r, double *score);

/* Seeds of ev in IR form whose names are listed in names (comma or space
 * separated; NULL or "" = ev_ir's default seeds, or all of them).  Returns
 * the count, up to max, with names[i] and progs[i] filled; -1 with a
 * message for an unknown name or a seed that does not parse. */
int sym_seeds(const struct ev_evaluator *ev, const char *names, const char **seed_names,
              struct sym_prog *progs, int max, char *err, size_t errlen);

/* The seeds a campaign starts from.  With use_ir and an evaluator with a
 * symbolic form: its IR seeds named in names (NULL/"": ev_ir.default_seeds,
 * or all), simplified, rendered to C, with their IR text; otherwise ev's C
 * seeds named in names (NULL/"": all), without IR.  *seeds ends with
 * {NULL, NULL}; *irs[i] is the IR of seed i or NULL.  Both arrays and their
 * strings are malloc'd: release with sym_seed_table_free().  Returns the
 * count, or -1 with a message (an unknown name lists the known ones). */
int sym_seed_table(const struct ev_evaluator *ev, const char *names, int use_ir,
                   struct ev_seed **seeds, char ***irs, char *err, size_t errlen);
void sym_seed_table_free(struct ev_seed **seeds, char ***irs);

#endif
