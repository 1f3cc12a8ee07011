/*
 * simplify.c - canonical simplification of an IR program (after the Lion
 * paper's program simplification): equivalent programs should print, and
 * so render and hash, alike, and the archive should show the simplest form.
 *
 * Passes, repeated until nothing changes:
 *   fold     an instruction whose operands are all constants becomes a
 *            constant, only when the result is finite and not -0 (so a
 *            program that divides by zero or produces -0 keeps doing so);
 *   no-ops   x+0, 0+x, x-0, x*1, 1*x, x/1, pow(x,1), min/max(x,x),
 *            neg(neg x) and mov become their operand; a temporary equal to
 *            an operand that never changes (a constant, another
 *            temporary, an input) is replaced by it everywhere;
 *   dead     backwards liveness from the outputs (in/out, out and state
 *            registers at the end); every op is pure, so a write nobody
 *            reads is removed.
 * Then: commutative operands (add, mul, min, max, the factors of fma) in
 * canonical order (registers by index, then constants by value),
 * temporaries renumbered in order of definition, state slots in order of
 * first use (slots are interchangeable: all start at zero), constants
 * compacted in order of use.
 */
#include <math.h>
#include <string.h>

#include "engine/sym/sym.h"

static int is_const(const struct sym_prog *p, int a, double v)
{
	return SYM_IS_K(a) && p->k[SYM_KIDX(a)] == v;
}

/* An operand whose value cannot change between its definition and any
 * later use: a constant, a temporary (written once) or an input. */
static int immutable(const struct sym_prog *p, int a)
{
	if (SYM_IS_K(a))
		return 1;
	if (a >= p->spec->nfix)
		return 1;
	return p->spec->access[a] == EV_IR_IN;
}

static int add_const(struct sym_prog *p, double v)
{
	if (p->nk >= SYM_MAX_CONST)
		return 0; /* caller checks */
	p->k[p->nk] = v;
	return SYM_K(p->nk++);
}

/* Remove the instructions marked in dead[], keeping the others' order. */
static void drop_dead(struct sym_prog *p, const int *dead)
{
	int m = 0;
	for (int i = 0; i < p->n; i++)
		if (!dead[i])
			p->ins[m++] = p->ins[i];
	p->n = m;
}

static int pass_fold(struct sym_prog *p)
{
	const struct sym_spec *s = p->spec;
	int subst[SYM_MAX_REG], has[SYM_MAX_REG] = { 0 };
	int defop[SYM_MAX_REG], defa[SYM_MAX_REG];
	int dead[SYM_MAX_INSTR] = { 0 };
	int changed = 0;
	for (int r = 0; r < SYM_MAX_REG; r++)
		defop[r] = -1;
	for (int i = 0; i < p->n; i++) {
		struct sym_instr *in = &p->ins[i];
		const struct sym_opinfo *oi = &sym_ops[in->op];
		for (int j = 0; j < oi->arity; j++)
			if (!SYM_IS_K(in->a[j]) && in->a[j] >= s->nfix && has[in->a[j]]) {
				in->a[j] = (int16_t)subst[in->a[j]];
				changed = 1;
			}
		int allk = 1;
		for (int j = 0; j < oi->arity; j++)
			allk &= SYM_IS_K(in->a[j]);
		int result = 0, have_result = 0; /* the instruction equals this operand */
		if (allk && oi->foldable && in->op != SYM_MOV && p->nk < SYM_MAX_CONST) {
			double v[3] = { 0, 0, 0 };
			for (int j = 0; j < oi->arity; j++)
				v[j] = p->k[SYM_KIDX(in->a[j])];
			double r = sym_apply(in->op, v[0], v[1], v[2]);
			if (isfinite(r) && !(r == 0 && signbit(r))) {
				result = add_const(p, r);
				have_result = 1;
			}
		}
		if (!have_result) {
			int a = in->a[0], b = in->a[1];
			switch ((enum sym_op)in->op) {
			case SYM_MOV: result = a; have_result = 1; break;
			case SYM_ADD:
				if (is_const(p, b, 0)) { result = a; have_result = 1; }
				else if (is_const(p, a, 0)) { result = b; have_result = 1; }
				break;
			case SYM_SUB:
				if (is_const(p, b, 0)) { result = a; have_result = 1; }
				break;
			case SYM_MUL:
				if (is_const(p, b, 1)) { result = a; have_result = 1; }
				else if (is_const(p, a, 1)) { result = b; have_result = 1; }
				break;
			case SYM_DIV:
			case SYM_POW:
				if (is_const(p, b, 1)) { result = a; have_result = 1; }
				break;
			case SYM_MIN:
			case SYM_MAX:
				if (a == b && !SYM_IS_K(a)) { result = a; have_result = 1; }
				break;
			case SYM_NEG:
				if (!SYM_IS_K(a) && a >= s->nfix && defop[a] == SYM_NEG && immutable(p, defa[a])) {
					result = defa[a];
					have_result = 1;
				}
				break;
			default:
				break;
			}
		}
		if (have_result) {
			if (in->dst >= s->nfix && immutable(p, result)) {
				subst[in->dst] = result;
				has[in->dst] = 1;
				dead[i] = 1;
				changed = 1;
				continue;
			}
			if (!SYM_IS_K(result) && result == in->dst) { /* w = mov w */
				dead[i] = 1;
				changed = 1;
				continue;
			}
			if (in->op != SYM_MOV) {
				in->op = SYM_MOV;
				in->a[0] = (int16_t)result;
				in->a[1] = in->a[2] = 0;
				changed = 1;
			}
		}
		if (in->dst >= s->nfix) {
			defop[in->dst] = in->op;
			defa[in->dst] = in->a[0];
		}
	}
	drop_dead(p, dead);
	return changed;
}

static int pass_dead(struct sym_prog *p)
{
	const struct sym_spec *s = p->spec;
	unsigned char live[SYM_MAX_REG] = { 0 };
	int dead[SYM_MAX_INSTR] = { 0 }, changed = 0;
	for (int r = 0; r < s->nfix; r++)
		live[r] = s->access[r] != EV_IR_IN;
	for (int i = p->n - 1; i >= 0; i--) {
		const struct sym_instr *in = &p->ins[i];
		if (!live[in->dst]) {
			dead[i] = 1;
			changed = 1;
			continue;
		}
		live[in->dst] = 0;
		for (int j = 0; j < sym_ops[in->op].arity; j++)
			if (!SYM_IS_K(in->a[j]))
				live[in->a[j]] = 1;
	}
	drop_dead(p, dead);
	return changed;
}

static int reads(const struct sym_instr *in, int r)
{
	for (int j = 0; j < sym_ops[in->op].arity; j++)
		if (in->a[j] == r)
			return 1;
	return 0;
}

/* F = mov t, where temporary t is read only there and F is neither read
 * nor written between t's definition and the mov: t's instruction writes
 * F directly. */
static int pass_forward(struct sym_prog *p)
{
	const struct sym_spec *s = p->spec;
	int changed = 0;
	for (int j = 0; j < p->n; j++) {
		struct sym_instr *mv = &p->ins[j];
		int t = mv->a[0];
		if (mv->op != SYM_MOV || SYM_IS_K(t) || t < s->nfix || mv->dst >= s->nfix)
			continue;
		int i = j - 1;
		while (i >= 0 && p->ins[i].dst != t)
			i--;
		if (i < 0)
			continue;
		int ok = 1, F = mv->dst;
		for (int q = i + 1; q < j && ok; q++)
			ok = p->ins[q].dst != F && !reads(&p->ins[q], F) && !reads(&p->ins[q], t);
		for (int q = j + 1; q < p->n && ok; q++)
			ok = !reads(&p->ins[q], t);
		if (!ok)
			continue;
		p->ins[i].dst = (int16_t)F;
		memmove(&p->ins[j], &p->ins[j + 1], sizeof(struct sym_instr) * (size_t)(p->n - j - 1));
		p->n--;
		j--;
		changed = 1;
	}
	return changed;
}

/* Canonical order of two operands: registers (by index) before constants
 * (by value). */
static int before(const struct sym_prog *p, int a, int b)
{
	if (!SYM_IS_K(a) && !SYM_IS_K(b))
		return a <= b;
	if (SYM_IS_K(a) != SYM_IS_K(b))
		return !SYM_IS_K(a);
	return p->k[SYM_KIDX(a)] <= p->k[SYM_KIDX(b)];
}

static void canon_order(struct sym_prog *p)
{
	for (int i = 0; i < p->n; i++) {
		struct sym_instr *in = &p->ins[i];
		if (sym_ops[in->op].commutative || in->op == SYM_FMA)
			if (!before(p, in->a[0], in->a[1])) {
				int16_t t = in->a[0];
				in->a[0] = in->a[1];
				in->a[1] = t;
			}
	}
}

static void renumber(struct sym_prog *p)
{
	const struct sym_spec *s = p->spec;
	int map[SYM_MAX_REG];
	double k[SYM_MAX_CONST];
	for (int r = 0; r < SYM_MAX_REG; r++)
		map[r] = r < s->nfix ? r : -1;
	/* State slots by first use. */
	int used[SYM_MAX_FIXED] = { 0 }, order[SYM_MAX_FIXED], no = 0;
	for (int i = 0; i < p->n; i++) {
		const struct sym_instr *in = &p->ins[i];
		int regs[4] = { in->a[0], in->a[1], in->a[2], in->dst };
		for (int j = 0; j < 4; j++) {
			if (j < 3 && j >= sym_ops[in->op].arity)
				continue;
			int r = regs[j];
			if (SYM_IS_K(r) || r >= s->nfix || s->access[r] != EV_IR_STATE)
				continue;
			for (int q = 0; q < s->nstate; q++)
				if (s->state_reg[q] == r && !used[q]) {
					used[q] = 1;
					order[no++] = q;
				}
		}
	}
	for (int q = 0; q < s->nstate; q++)
		if (!used[q])
			order[no++] = q;
	for (int q = 0; q < s->nstate; q++)
		map[s->state_reg[order[q]]] = s->state_reg[q];
	int nt = 0, nk = 0;
	for (int i = 0; i < p->n; i++) {
		struct sym_instr *in = &p->ins[i];
		for (int j = 0; j < sym_ops[in->op].arity; j++) {
			int a = in->a[j];
			if (SYM_IS_K(a)) {
				int ki = SYM_KIDX(a);
				/* each use keeps its own constant (fitting varies them apart) */
				k[nk] = p->k[ki];
				in->a[j] = (int16_t)SYM_K(nk);
				nk++;
			} else {
				in->a[j] = (int16_t)map[a];
			}
		}
		for (int j = sym_ops[in->op].arity; j < 3; j++)
			in->a[j] = 0;
		if (in->dst >= s->nfix && map[in->dst] < 0)
			map[in->dst] = s->nfix + nt++;
		in->dst = (int16_t)map[in->dst];
	}
	memcpy(p->k, k, sizeof(double) * (size_t)nk);
	p->nk = nk;
	p->ntemp = nt;
}

void sym_simplify(struct sym_prog *p)
{
	char err[8];
	if (sym_check(p, NULL, err, sizeof err))
		return;
	for (int pass = 0; pass < 8; pass++) {
		int c = pass_fold(p);
		c |= pass_dead(p);
		c |= pass_forward(p);
		if (!c)
			break;
	}
	/* operand order depends on register numbers and slot numbers on
	 * operand order: twice reaches the fixed point */
	for (int k = 0; k < 2; k++) {
		renumber(p);
		canon_order(p);
	}
	renumber(p);
}
