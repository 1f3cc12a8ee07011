/*
 * vary.c - mutations of IR programs and the retry loop that turns them
 * into checked, simplified children that differ from their parent in text
 * and in function.  Every draw comes from the caller's rng.
 *
 * Mutations (sym.h, SYM_MUTATIONS):
 *   insert      60%: wrap an operand of instruction j in a new op (the
 *               operand is usually one of the new op's inputs: y = x + r
 *               becomes r2 = x * 0.5; y = r2 + r); 40%: a new instruction
 *               anywhere whose result replaces an operand of a later one;
 *               in an update rule, one insert in 4 (when a state slot is
 *               free) turns an operand into a running mean of itself
 *               (m = lerp m X k, see m_accumulate)
 *   delete      remove an instruction; readers of its temporary read one of
 *               its operands instead
 *   change_op   another op of the vocabulary (same arity 70% of the time;
 *               missing operands drawn, extra ones dropped)
 *   change_arg  one operand becomes another register defined before it
 *               (70%) or a new constant
 *   perturb     one constant: scaled by exp(N(0, s)) (s = 0.2, or 1 one time
 *               in five), in log scale of 1 - k for k in (0, 1) (decay
 *               rates: 0.9 -> 0.99), additive N(0, s max(|k|, 1e-3)),
 *               resampled from the constant prior, or its sign flipped
 *   randomize   an instruction gets a new op and new operands
 *   swap        two adjacent instructions trade places
 *   crossover   the parent's first i instructions, then another program's
 *               instructions from j on (temporaries renamed, reads of
 *               temporaries left behind redirected)
 *   extend      an operand X becomes X + R k, X (1 + R k) or X / (1 + R k)
 *               for a register R and a small new constant k (a constant c
 *               of a polynomial becomes c + x k: one more Horner step;
 *               X / (1 + x k): a rational), nearly neutral until fitting
 *               or perturbation grows k; one mutation, since its halves
 *               alone would simplify away
 *   merge       two constants of a chain become one: (X * a) * b -> X * ab,
 *               (X + a) + b -> X + (a + b), (X + a) - b, (X * a) / b, when
 *               the inner result has no other reader: one operation less
 *               for (almost) the same function (rounding may differ, so
 *               this is a mutation, not a simplification)
 *   wrap        the value written to a fixed register (y, w, a state) passes
 *               through one more op: y = V becomes r = V; y = u(r) with u
 *               unary (square, recip, ...; 70%) or binary with r and a
 *               register, r itself or a new constant.  Far from neutral, but
 *               with the fitter it composes: exp(x) = exp(x/2)^2 is range
 *               reduction by squaring once the constants halve
 * extend draws its operand X among the constants half the time, and R
 * among the read-only inputs half the time (a polynomial in x grows a
 * Horner step when X is its innermost coefficient).
 * Constant prior: half from a small table of usual values (0.5, 2, 0.9,
 * 0.999, 1e-8, ...), half +-10^U(-3, 1).
 */
#include <math.h>
#include <string.h>

#include "engine/sym/sym.h"

const char *const sym_mutation_names[SYM_NMUT] = {
#define SYM_MNAME_(id, name) name,
	SYM_MUTATIONS(SYM_MNAME_)
#undef SYM_MNAME_
};

const struct sym_weights sym_default_weights = { {
	[SYM_M_INSERT] = 3, [SYM_M_DELETE] = 2, [SYM_M_CHANGE_OP] = 2, [SYM_M_CHANGE_ARG] = 2,
	[SYM_M_PERTURB] = 4, [SYM_M_RANDOMIZE] = 1, [SYM_M_SWAP] = 0.5, [SYM_M_CROSSOVER] = 0.5,
	[SYM_M_EXTEND] = 3, [SYM_M_MERGE] = 1, [SYM_M_WRAP] = 1,
} };

static double new_const(struct rng *r)
{
	static const double usual[] = { 0.5, 2.0, 1.0, -1.0, 0.1, 0.9, 0.99, 0.999, 1e-8, 0.001, 0.01, 3.0 };
	if (rng_double(r) < 0.5)
		return usual[rng_below(r, sizeof usual / sizeof usual[0])];
	double v = pow(10.0, -3.0 + 4.0 * rng_double(r));
	return rng_double(r) < 0.3 ? -v : v;
}

static int new_k(struct sym_prog *p, struct rng *r)
{
	if (p->nk >= SYM_MAX_CONST)
		return p->nk ? SYM_K((int)rng_below(r, (uint64_t)p->nk)) : 0;
	p->k[p->nk] = new_const(r);
	return SYM_K(p->nk++);
}

/* A register holding a value at instruction pos (before it runs). */
static int avail_reg(const struct sym_prog *p, int pos, struct rng *r)
{
	const struct sym_spec *s = p->spec;
	int cand[SYM_MAX_REG], nc = 0;
	unsigned char def[SYM_MAX_REG] = { 0 };
	for (int q = 0; q < s->nfix; q++)
		if (s->access[q] != EV_IR_OUT)
			def[q] = 1;
	for (int i = 0; i < pos && i < p->n; i++)
		def[p->ins[i].dst] = 1;
	for (int q = 0; q < s->nfix + p->ntemp; q++)
		if (def[q])
			cand[nc++] = q;
	return nc ? cand[rng_below(r, (uint64_t)nc)] : 0;
}

/* A read-only input register (x, g, t), or -1 when the spec has none. */
static int input_reg(const struct sym_prog *p, struct rng *r)
{
	int cand[SYM_MAX_FIXED], nc = 0;
	for (int q = 0; q < p->spec->nfix; q++)
		if (p->spec->access[q] == EV_IR_IN)
			cand[nc++] = q;
	return nc ? cand[rng_below(r, (uint64_t)nc)] : -1;
}

static int operand(struct sym_prog *p, int pos, struct rng *r, double pk)
{
	if (rng_double(r) < pk)
		return new_k(p, r);
	return avail_reg(p, pos, r);
}

static int random_op(const struct sym_prog *p, struct rng *r, int arity)
{
	int cand[SYM_NOPS], nc = 0;
	for (int o = 0; o < SYM_NOPS; o++)
		if (o != SYM_MOV && (p->spec->vocab >> o & 1) && (arity < 0 || sym_ops[o].arity == arity))
			cand[nc++] = o;
	if (!nc)
		return arity < 0 ? SYM_MOV : random_op(p, r, -1);
	return cand[rng_below(r, (uint64_t)nc)];
}

static int insert_at(struct sym_prog *p, int pos, const struct sym_instr *in)
{
	if (p->n >= SYM_MAX_INSTR)
		return -1;
	memmove(&p->ins[pos + 1], &p->ins[pos], sizeof(struct sym_instr) * (size_t)(p->n - pos));
	p->ins[pos] = *in;
	p->n++;
	return 0;
}

static int new_temp(struct sym_prog *p)
{
	if (p->spec->nfix + p->ntemp >= SYM_MAX_REG)
		return -1;
	return p->spec->nfix + p->ntemp++;
}

static void fill_args(struct sym_prog *p, struct sym_instr *in, int pos, struct rng *r, int from)
{
	for (int j = from; j < 3; j++)
		in->a[j] = j < sym_ops[in->op].arity ? (int16_t)operand(p, pos, r, 0.35) : 0;
}

/* insert, in an update rule with a state slot nobody uses (1 insert in
 * ACC_SHARE): an operand X (a vector) of instruction j becomes a running
 * mean of itself, m = lerp(m, X, k) = m + k (X - m) just before j, k =
 * 10^-U(0.5, 3) (0.3 .. 0.001: momentum's 0.1, Adam's 0.001).  The EMA is
 * the building block of momentum, RMSProp and Adam, and it keeps X's
 * scale, so the child stays near its parent; built from single inserts,
 * a state slot that is written but not yet read changes nothing the
 * probe sees and is dropped as the parent's function. */
#define ACC_SHARE 4

static int m_accumulate(struct sym_prog *p, struct rng *r)
{
	const struct sym_spec *s = p->spec;
	int type[SYM_MAX_REG], cand[SYM_MAX_INSTR * 3][2], nc = 0, slot = -1;
	char err[8];
	if (s->shape != EV_IR_UPDATE || !(s->vocab >> SYM_LERP & 1) || !p->n || p->n >= SYM_MAX_INSTR ||
	    p->nk >= SYM_MAX_CONST || sym_check(p, type, err, sizeof err))
		return -1;
	for (int k = 0; k < s->nstate && slot < 0; k++) {
		int q = s->state_reg[k], used = 0;
		for (int i = 0; i < p->n && !used; i++)
			for (int a = 0; a < 3; a++)
				used |= p->ins[i].dst == q || (a < sym_ops[p->ins[i].op].arity && p->ins[i].a[a] == q);
		if (!used)
			slot = q;
	}
	if (slot < 0)
		return -1;
	for (int i = 0; i < p->n; i++)
		for (int a = 0; a < sym_ops[p->ins[i].op].arity; a++) {
			int x = p->ins[i].a[a];
			if (!SYM_IS_K(x) && type[x] && x != s->w_reg) {
				cand[nc][0] = i;
				cand[nc++][1] = a;
			}
		}
	if (!nc)
		return -1;
	int c = (int)rng_below(r, (uint64_t)nc), j = cand[c][0], a = cand[c][1];
	p->k[p->nk] = pow(10.0, -0.5 - 2.5 * rng_double(r));
	struct sym_instr in = { .op = SYM_LERP, .dst = (int16_t)slot,
	                        .a = { (int16_t)slot, p->ins[j].a[a], (int16_t)SYM_K(p->nk) } };
	p->nk++;
	p->ins[j].a[a] = (int16_t)slot;
	return insert_at(p, j, &in);
}

static int m_insert(struct sym_prog *p, struct rng *r)
{
	if (p->n >= SYM_MAX_INSTR)
		return -1;
	if (p->spec->shape == EV_IR_UPDATE && rng_below(r, ACC_SHARE) == 0 && m_accumulate(p, r) == 0)
		return 0;
	struct sym_instr in;
	memset(&in, 0, sizeof in);
	int t = new_temp(p);
	if (t < 0)
		return -1;
	in.dst = (int16_t)t;
	in.op = (uint8_t)random_op(p, r, -1);
	if (p->n && rng_double(r) < 0.6) {
		/* wrap an operand of instruction j */
		int j = (int)rng_below(r, (uint64_t)p->n);
		int s = (int)rng_below(r, (uint64_t)sym_ops[p->ins[j].op].arity);
		int old = p->ins[j].a[s];
		fill_args(p, &in, j, r, 0);
		if (rng_double(r) < 0.8)
			in.a[rng_below(r, (uint64_t)sym_ops[in.op].arity)] = (int16_t)old;
		p->ins[j].a[s] = (int16_t)t;
		return insert_at(p, j, &in);
	}
	int pos = (int)rng_below(r, (uint64_t)p->n + 1);
	fill_args(p, &in, pos, r, 0);
	if (pos == p->n) {
		/* nothing after it: write a writable fixed register instead */
		int cand[SYM_MAX_FIXED], nc = 0;
		for (int q = 0; q < p->spec->nfix; q++)
			if (p->spec->access[q] != EV_IR_IN)
				cand[nc++] = q;
		if (!nc)
			return -1;
		p->ntemp--;
		in.dst = (int16_t)cand[rng_below(r, (uint64_t)nc)];
		return insert_at(p, pos, &in);
	}
	if (insert_at(p, pos, &in))
		return -1;
	int j = pos + 1 + (int)rng_below(r, (uint64_t)(p->n - pos - 1));
	int s = (int)rng_below(r, (uint64_t)sym_ops[p->ins[j].op].arity);
	p->ins[j].a[s] = (int16_t)t;
	return 0;
}

static int m_delete(struct sym_prog *p, struct rng *r)
{
	if (!p->n)
		return -1;
	int i = (int)rng_below(r, (uint64_t)p->n);
	struct sym_instr in = p->ins[i];
	if (in.dst >= p->spec->nfix) {
		int rep = in.a[rng_below(r, (uint64_t)sym_ops[in.op].arity)];
		for (int j = i + 1; j < p->n; j++)
			for (int s = 0; s < sym_ops[p->ins[j].op].arity; s++)
				if (p->ins[j].a[s] == in.dst)
					p->ins[j].a[s] = (int16_t)rep;
	}
	memmove(&p->ins[i], &p->ins[i + 1], sizeof(struct sym_instr) * (size_t)(p->n - i - 1));
	p->n--;
	return 0;
}

static int m_change_op(struct sym_prog *p, struct rng *r)
{
	if (!p->n)
		return -1;
	int i = (int)rng_below(r, (uint64_t)p->n);
	struct sym_instr *in = &p->ins[i];
	int old = sym_ops[in->op].arity;
	int op = random_op(p, r, rng_double(r) < 0.7 ? old : -1);
	if (op == in->op)
		return -1;
	in->op = (uint8_t)op;
	fill_args(p, in, i, r, old < sym_ops[op].arity ? old : sym_ops[op].arity);
	return 0;
}

static int m_change_arg(struct sym_prog *p, struct rng *r)
{
	if (!p->n)
		return -1;
	int i = (int)rng_below(r, (uint64_t)p->n);
	struct sym_instr *in = &p->ins[i];
	int s = (int)rng_below(r, (uint64_t)sym_ops[in->op].arity);
	int a = operand(p, i, r, 0.3);
	if (a == in->a[s])
		return -1;
	in->a[s] = (int16_t)a;
	return 0;
}

static int m_perturb(struct sym_prog *p, struct rng *r)
{
	/* only constants in use */
	int cand[SYM_MAX_INSTR * 3], nc = 0;
	for (int i = 0; i < p->n; i++)
		for (int s = 0; s < sym_ops[p->ins[i].op].arity; s++)
			if (SYM_IS_K(p->ins[i].a[s]))
				cand[nc++] = SYM_KIDX(p->ins[i].a[s]);
	if (!nc)
		return -1;
	int ki = cand[rng_below(r, (uint64_t)nc)];
	double k = p->k[ki], sig = rng_double(r) < 0.8 ? 0.2 : 1.0, u = rng_double(r), nk;
	if (u < 0.08)
		nk = new_const(r);
	else if (u < 0.12)
		nk = -k;
	else if (k > 0 && k < 1 && u < 0.45)
		nk = 1.0 - (1.0 - k) * exp(sig * rng_normal(r));
	else if (u < 0.6 || k == 0)
		nk = k + sig * (fabs(k) > 1e-3 ? fabs(k) : 1e-3) * rng_normal(r);
	else
		nk = k * exp(sig * rng_normal(r));
	if (!isfinite(nk) || nk == k)
		return -1;
	p->k[ki] = nk;
	return 0;
}

static int m_randomize(struct sym_prog *p, struct rng *r)
{
	if (!p->n)
		return -1;
	int i = (int)rng_below(r, (uint64_t)p->n);
	struct sym_instr *in = &p->ins[i];
	in->op = (uint8_t)random_op(p, r, -1);
	fill_args(p, in, i, r, 0);
	return 0;
}

static int m_swap(struct sym_prog *p, struct rng *r)
{
	if (p->n < 2)
		return -1;
	int i = (int)rng_below(r, (uint64_t)p->n - 1);
	struct sym_instr t = p->ins[i];
	p->ins[i] = p->ins[i + 1];
	p->ins[i + 1] = t;
	return 0;
}

static int m_crossover(struct sym_prog *p, const struct sym_prog *o, struct rng *r)
{
	if (!o || o->spec != p->spec || !o->n)
		return m_insert(p, r);
	const struct sym_spec *s = p->spec;
	int i = (int)rng_below(r, (uint64_t)p->n + 1);
	int j = (int)rng_below(r, (uint64_t)o->n);
	if (i + (o->n - j) > SYM_MAX_INSTR)
		return -1;
	int map[SYM_MAX_REG];
	for (int q = 0; q < SYM_MAX_REG; q++)
		map[q] = q < s->nfix ? q : -1;
	p->n = i;
	for (int q = j; q < o->n; q++) {
		struct sym_instr in = o->ins[q];
		for (int a = 0; a < sym_ops[in.op].arity; a++) {
			int v = in.a[a];
			if (SYM_IS_K(v)) {
				if (p->nk >= SYM_MAX_CONST)
					return -1;
				p->k[p->nk] = o->k[SYM_KIDX(v)];
				in.a[a] = (int16_t)SYM_K(p->nk++);
			} else if (map[v] >= 0) {
				in.a[a] = (int16_t)map[v];
			} else {
				in.a[a] = (int16_t)avail_reg(p, p->n, r);
			}
		}
		if (in.dst >= s->nfix) {
			int t = new_temp(p);
			if (t < 0)
				return -1;
			map[in.dst] = t;
			in.dst = (int16_t)t;
		}
		p->ins[p->n++] = in;
	}
	return 0;
}

static int m_extend(struct sym_prog *p, struct rng *r)
{
	if (!p->n || p->n + 3 > SYM_MAX_INSTR || p->nk + 2 > SYM_MAX_CONST)
		return -1;
	int form = (int)rng_below(r, 3); /* X + R k, X (1 + R k), X / (1 + R k) */
	int outer = form == 0 ? SYM_ADD : form == 1 ? SYM_MUL : SYM_DIV;
	if (!(p->spec->vocab >> SYM_MUL & 1) || !(p->spec->vocab >> SYM_ADD & 1) ||
	    !(p->spec->vocab >> outer & 1))
		return -1;
	int j = (int)rng_below(r, (uint64_t)p->n);
	int s = (int)rng_below(r, (uint64_t)sym_ops[p->ins[j].op].arity);
	if (rng_double(r) < 0.5) {
		/* half the time a constant operand: c -> c + R k grows a polynomial
		 * in R by one Horner step when c is its innermost coefficient */
		int cj[SYM_MAX_INSTR * 3], cs[SYM_MAX_INSTR * 3], nc = 0;
		for (int i = 0; i < p->n; i++)
			for (int q = 0; q < sym_ops[p->ins[i].op].arity; q++)
				if (SYM_IS_K(p->ins[i].a[q])) {
					cj[nc] = i;
					cs[nc++] = q;
				}
		if (nc) {
			int c = (int)rng_below(r, (uint64_t)nc);
			j = cj[c];
			s = cs[c];
		}
	}
	int X = p->ins[j].a[s];
	int R = rng_double(r) < 0.5 ? input_reg(p, r) : -1;
	if (R < 0)
		R = avail_reg(p, j, r);
	p->k[p->nk] = 0.01 * rng_normal(r); /* nearly neutral: fitting or perturbation grows it */
	int k = SYM_K(p->nk++);
	struct sym_instr in[3];
	int n = 0, t;
	memset(in, 0, sizeof in);
	if ((t = new_temp(p)) < 0)
		return -1;
	in[n] = (struct sym_instr){ .op = SYM_MUL, .dst = (int16_t)t, .a = { (int16_t)R, (int16_t)k, 0 } };
	int prev = t;
	n++;
	if (form) {
		p->k[p->nk] = 1.0;
		int one = SYM_K(p->nk++);
		if ((t = new_temp(p)) < 0)
			return -1;
		in[n++] = (struct sym_instr){ .op = SYM_ADD, .dst = (int16_t)t, .a = { (int16_t)prev, (int16_t)one, 0 } };
		prev = t;
	}
	if ((t = new_temp(p)) < 0)
		return -1;
	in[n++] = (struct sym_instr){ .op = (uint8_t)outer, .dst = (int16_t)t, .a = { (int16_t)X, (int16_t)prev, 0 } };
	p->ins[j].a[s] = (int16_t)t;
	for (int q = n - 1; q >= 0; q--)
		if (insert_at(p, j, &in[q]))
			return -1;
	return 0;
}

static int readers(const struct sym_prog *p, int reg)
{
	int n = 0;
	for (int i = 0; i < p->n; i++)
		for (int s = 0; s < sym_ops[p->ins[i].op].arity; s++)
			n += p->ins[i].a[s] == reg;
	return n;
}

static int m_merge(struct sym_prog *p, struct rng *r)
{
	int cand[SYM_MAX_INSTR], nc = 0;
	for (int j = 0; j < p->n; j++) {
		const struct sym_instr *o = &p->ins[j];
		if (o->op != SYM_ADD && o->op != SYM_SUB && o->op != SYM_MUL && o->op != SYM_DIV)
			continue;
		int t = o->a[0], k = o->a[1];
		if (SYM_IS_K(t) && !SYM_IS_K(k) && (o->op == SYM_ADD || o->op == SYM_MUL)) {
			int x = t; t = k; k = x;
		}
		if (!SYM_IS_K(k) || SYM_IS_K(t) || t < p->spec->nfix || readers(p, t) != 1)
			continue;
		cand[nc++] = j;
	}
	if (!nc)
		return -1;
	int j = cand[rng_below(r, (uint64_t)nc)];
	struct sym_instr *o = &p->ins[j];
	int ts = SYM_IS_K(o->a[0]) ? 1 : 0, t = o->a[ts], kb = o->a[1 - ts];
	int i = j - 1;
	while (i >= 0 && p->ins[i].dst != t)
		i--;
	if (i < 0)
		return -1;
	struct sym_instr *in = &p->ins[i];
	int add_o = o->op == SYM_ADD || o->op == SYM_SUB, add_i = in->op == SYM_ADD || in->op == SYM_SUB;
	int mul_o = o->op == SYM_MUL || o->op == SYM_DIV, mul_i = in->op == SYM_MUL || in->op == SYM_DIV;
	if (!((add_o && add_i) || (mul_o && mul_i)))
		return -1;
	/* the inner instruction: X op_i ka, with ka its constant operand (X first) */
	int kx = SYM_IS_K(in->a[1]) ? 1 : SYM_IS_K(in->a[0]) && in->op != SYM_SUB && in->op != SYM_DIV ? 0 : -1;
	if (kx < 0 || SYM_IS_K(in->a[1 - kx]))
		return -1;
	double a = p->k[SYM_KIDX(in->a[kx])], b = p->k[SYM_KIDX(kb)];
	/* X (op_i a) (op_o b) = X op_i c */
	int inv_i = in->op == SYM_SUB || in->op == SYM_DIV, inv_o = o->op == SYM_SUB || o->op == SYM_DIV;
	double c;
	if (add_i)
		c = (inv_i ? -a : a) + (inv_o ? -b : b);
	else
		c = (inv_i ? 1.0 / a : a) * (inv_o ? 1.0 / b : b);
	if (!isfinite(c) || p->nk >= SYM_MAX_CONST)
		return -1;
	p->k[p->nk] = c;
	o->op = (uint8_t)(add_i ? SYM_ADD : SYM_MUL);
	o->a[0] = in->a[1 - kx];
	o->a[1] = (int16_t)SYM_K(p->nk++);
	memmove(&p->ins[i], &p->ins[i + 1], sizeof(struct sym_instr) * (size_t)(p->n - i - 1));
	p->n--;
	return 0;
}

static int m_wrap(struct sym_prog *p, struct rng *r)
{
	const struct sym_spec *s = p->spec;
	int cand[SYM_MAX_INSTR], nc = 0;
	for (int i = 0; i < p->n; i++)
		if (p->ins[i].dst < s->nfix)
			cand[nc++] = i;
	if (!nc || p->n >= SYM_MAX_INSTR)
		return -1;
	int j = cand[rng_below(r, (uint64_t)nc)], t = new_temp(p);
	if (t < 0)
		return -1;
	/* an op with an operand: unary 70% (square, recip, ...), else binary
	 * with a register or a new constant as its other operand */
	int op = random_op(p, r, rng_double(r) < 0.7 ? 1 : 2);
	if (op == SYM_NEG || op == SYM_MOV)
		return -1; /* free and invertible: nothing new */
	struct sym_instr in;
	memset(&in, 0, sizeof in);
	in.op = (uint8_t)op;
	in.dst = p->ins[j].dst;
	p->ins[j].dst = (int16_t)t;
	fill_args(p, &in, j + 1, r, 0);
	in.a[0] = (int16_t)t;
	if (sym_ops[op].arity > 1 && rng_double(r) < 0.5)
		in.a[1] = (int16_t)(rng_double(r) < 0.5 ? t : new_k(p, r));
	return insert_at(p, j + 1, &in);
}

int sym_mutate_once(struct sym_prog *p, int m, const struct sym_prog *other, struct rng *r)
{
	switch (m) {
	case SYM_M_INSERT: return m_insert(p, r);
	case SYM_M_DELETE: return m_delete(p, r);
	case SYM_M_CHANGE_OP: return m_change_op(p, r);
	case SYM_M_CHANGE_ARG: return m_change_arg(p, r);
	case SYM_M_PERTURB: return m_perturb(p, r);
	case SYM_M_RANDOMIZE: return m_randomize(p, r);
	case SYM_M_SWAP: return m_swap(p, r);
	case SYM_M_CROSSOVER: return m_crossover(p, other, r);
	case SYM_M_EXTEND: return m_extend(p, r);
	case SYM_M_MERGE: return m_merge(p, r);
	case SYM_M_WRAP: return m_wrap(p, r);
	}
	return -1;
}

/* Same canonical program (both simplified). */
int sym_equal(const struct sym_prog *a, const struct sym_prog *b);
int sym_equal(const struct sym_prog *a, const struct sym_prog *b)
{
	if (a->spec != b->spec || a->n != b->n || a->nk != b->nk)
		return 0;
	for (int i = 0; i < a->n; i++) {
		const struct sym_instr *x = &a->ins[i], *y = &b->ins[i];
		if (x->op != y->op || x->dst != y->dst)
			return 0;
		for (int j = 0; j < sym_ops[x->op].arity; j++)
			if (x->a[j] != y->a[j])
				return 0;
	}
	for (int i = 0; i < a->nk; i++)
		if (memcmp(&a->k[i], &b->k[i], sizeof(double)))
			return 0;
	return 1;
}

static int draw_kind(const struct sym_weights *w, struct rng *r)
{
	double tot = 0;
	for (int m = 0; m < SYM_NMUT; m++)
		tot += w->w[m] > 0 ? w->w[m] : 0;
	if (!(tot > 0))
		return SYM_M_PERTURB;
	double u = rng_double(r) * tot;
	for (int m = 0; m < SYM_NMUT; m++) {
		double x = w->w[m] > 0 ? w->w[m] : 0;
		if (u < x)
			return m;
		u -= x;
	}
	return SYM_NMUT - 1;
}

void sym_vary_prepare(const struct sym_prog *parent, double tol, struct sym_vary_base *b)
{
	b->base = *parent;
	b->tol = tol;
	sym_simplify(&b->base);
	b->ph = 0;
	b->have_ph = b->base.spec->inproc && sym_probe_hash(&b->base, tol, &b->ph) == 0;
}

int sym_vary_from(const struct sym_vary_base *b, const struct sym_prog *other,
                  const struct sym_weights *w, int max_tries, struct rng *r,
                  struct sym_prog *child, struct sym_vary_stats *st)
{
	const struct sym_prog *base = &b->base;
	struct sym_vary_stats z;
	char err[8];
	if (!st)
		st = &z;
	memset(st, 0, sizeof *st);
	for (int t = 0; t < max_tries; t++) {
		struct sym_prog c = *base;
		int steps = 1 + (rng_double(r) < 0.3) + (rng_double(r) < 0.1), applied = 0, kinds = 0;
		for (int k = 0; k < steps; k++) {
			int m = draw_kind(w ? w : &sym_default_weights, r);
			if (sym_mutate_once(&c, m, other, r) == 0) {
				applied++;
				kinds |= 1 << m;
			}
		}
		st->tries++;
		if (!applied || sym_check(&c, NULL, err, sizeof err)) {
			st->invalid++;
			continue;
		}
		sym_simplify(&c);
		if (sym_equal(&c, base)) {
			st->same_text++;
			continue;
		}
		uint64_t ch = 0;
		int have_ch = 0;
		if (b->have_ph) {
			have_ch = sym_probe_hash(&c, b->tol, &ch) == 0;
			if (have_ch && ch == b->ph) {
				st->same_function++;
				continue;
			}
		}
		st->kinds = kinds;
		st->has_hash = have_ch;
		st->hash = ch;
		*child = c;
		return 0;
	}
	return -1;
}

int sym_vary(const struct sym_prog *parent, const struct sym_prog *other,
             const struct sym_weights *w, double tol, int max_tries, struct rng *r,
             struct sym_prog *child, struct sym_vary_stats *st)
{
	struct sym_vary_base b;
	sym_vary_prepare(parent, tol, &b);
	return sym_vary_from(&b, other, w, max_tries, r, child, st);
}
