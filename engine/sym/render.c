/*
 * render.c - an IR program into its evaluator's C template.
 *
 * Each instruction becomes one statement: "double rN = SPELLING;" for a
 * temporary, "NAME = SPELLING;" for a fixed register (its C spelling from
 * the spec, e.g. w[i]), except temporaries with one use, which are
 * written in parentheses at that use (plan_inline() says when).  In EV_IR_UPDATE programs scalar temporaries go to
 * {scalar}, before the per-parameter loop (they read only scalars, each is
 * written once, so hoisting keeps the meaning); everything else goes to
 * {body}, in order.  Constants are written with the shortest %.17g that
 * reads back exactly, ".0" added to integral values, negative ones in
 * parentheses, so the spelling of an operand is always a primary
 * expression and the C text counts exactly sym_cost() operations.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sym/sym.h"


struct out {
	char *s;
	size_t n, cap;
	int oom;
};

static void put(struct out *o, const char *t, size_t n)
{
	if (o->oom)
		return;
	if (o->n + n + 1 > o->cap) {
		size_t nc = (o->cap ? o->cap * 2 : 1024) + n;
		char *ns = realloc(o->s, nc);
		if (!ns) {
			o->oom = 1;
			return;
		}
		o->s = ns;
		o->cap = nc;
	}
	memcpy(o->s + o->n, t, n);
	o->n += n;
	o->s[o->n] = 0;
}

static void puts_(struct out *o, const char *t)
{
	put(o, t, strlen(t));
}

/* Which temporaries are written inline, as a parenthesized expression at
 * their only use, instead of as "double rN = ...;" (tcc keeps every named
 * double in memory, and a chain of one-use temporaries runs about twice
 * as fast as one expression).  Temporary t is inlined when it has exactly
 * one use, in an instruction whose C spelling names that operand once
 * (so nothing is computed twice and the text still counts sym_cost()
 * operations), in the same section ({scalar} or {body}), and no
 * instruction in between writes a fixed register the expression reads
 * (through the temporaries inlined into it too).  Arithmetic on doubles
 * rounds the same either way: the value is unchanged. */
struct inl {
	int def[SYM_MAX_REG];         /* defining instruction of a temporary */
	unsigned char inl[SYM_MAX_REG]; /* 1: written at its use */
};

static int spelled_once(int op, int slot)
{
	int n = 0;
	for (const char *c = sym_ops[op].c; *c; c++)
		if (c[0] == '%' && c[1] == 'a' + slot)
			n++;
	return n == 1;
}

static void plan_inline(const struct sym_prog *p, const int *hoisted, struct inl *L)
{
	const struct sym_spec *s = p->spec;
	int uses[SYM_MAX_REG] = { 0 }, use_at[SYM_MAX_REG], use_slot[SYM_MAX_REG];
	uint32_t reads[SYM_MAX_REG] = { 0 }; /* fixed registers an inlined expression reads */
	memset(L, 0, sizeof *L);
	for (int i = 0; i < p->n; i++) {
		const struct sym_instr *in = &p->ins[i];
		if (in->dst >= s->nfix)
			L->def[in->dst] = i;
		for (int j = 0; j < sym_ops[in->op].arity; j++) {
			int a = in->a[j];
			if (!SYM_IS_K(a) && a >= s->nfix) {
				uses[a]++;
				use_at[a] = i;
				use_slot[a] = j;
			}
		}
	}
	for (int i = 0; i < p->n; i++) {
		const struct sym_instr *in = &p->ins[i];
		int t = in->dst;
		if (t < s->nfix)
			continue;
		for (int j = 0; j < sym_ops[in->op].arity; j++) {
			int a = in->a[j];
			if (SYM_IS_K(a))
				continue;
			if (a < s->nfix)
				reads[t] |= 1u << a;
			else if (L->inl[a])
				reads[t] |= reads[a];
		}
		if (uses[t] != 1 || hoisted[use_at[t]] != hoisted[i] ||
		    !spelled_once(p->ins[use_at[t]].op, use_slot[t]))
			continue;
		int ok = 1;
		for (int k = i + 1; k < use_at[t] && ok; k++) {
			int d = p->ins[k].dst;
			if (hoisted[k] == hoisted[i] && d < s->nfix && (reads[t] >> d & 1))
				ok = 0;
		}
		L->inl[t] = (unsigned char)ok;
	}
}

static void expression(struct out *o, const struct sym_prog *p, const struct sym_instr *in,
                       const struct inl *L);

static void operand(struct out *o, const struct sym_prog *p, int a, const struct inl *L)
{
	char nb[48];
	if (SYM_IS_K(a)) {
		double v = p->k[SYM_KIDX(a)];
		int paren = v < 0 || (v == 0 && signbit(v));
		size_t n = 0;
		if (paren)
			nb[n++] = '(';
		size_t d = sym_fmt_double(v, nb + n, 40);
		if (!memchr(nb + n, '.', d) && !memchr(nb + n, 'e', d) && !memchr(nb + n, 'E', d) &&
		    !memchr(nb + n, 'n', d)) {
			memcpy(nb + n + d, ".0", 2);
			d += 2;
		}
		n += d;
		if (paren)
			nb[n++] = ')';
		put(o, nb, n);
	} else if (a < p->spec->nfix) {
		puts_(o, p->spec->cexpr[a]);
	} else if (L && L->inl[a]) {
		put(o, "(", 1);
		expression(o, p, &p->ins[L->def[a]], L);
		put(o, ")", 1);
	} else {
		put(o, nb, sym_temp_name(nb, a - p->spec->nfix));
	}
}

static void expression(struct out *o, const struct sym_prog *p, const struct sym_instr *in,
                       const struct inl *L)
{
	for (const char *c = sym_ops[in->op].c; *c;) {
		if (c[0] == '%' && (c[1] == 'a' || c[1] == 'b' || c[1] == 'c')) {
			operand(o, p, in->a[c[1] - 'a'], L);
			c += 2;
		} else {
			/* the literal text up to the next operand, at once */
			size_t n = 1;
			while (c[n] && c[n] != '%')
				n++;
			put(o, c, n);
			c += n;
		}
	}
}

static void statement(struct out *o, const struct sym_prog *p, const struct sym_instr *in,
                      const char *indent, const struct inl *L)
{
	const struct sym_spec *s = p->spec;
	char nb[48];
	puts_(o, indent);
	if (in->dst >= s->nfix) {
		put(o, "double ", 7);
		size_t n = sym_temp_name(nb, in->dst - s->nfix);
		memcpy(nb + n, " = ", 3);
		put(o, nb, n + 3);
	} else {
		puts_(o, s->cexpr[in->dst]);
		puts_(o, " = ");
	}
	expression(o, p, in, L);
	puts_(o, ";\n");
}

char *sym_render(const struct sym_prog *p)
{
	const struct sym_spec *s = p->spec;
	int type[SYM_MAX_REG];
	char err[160];
	if (sym_check(p, type, err, sizeof err))
		return NULL;
	int hoisted[SYM_MAX_INSTR];
	for (int i = 0; i < p->n; i++)
		hoisted[i] = s->shape == EV_IR_UPDATE && p->ins[i].dst >= s->nfix && !type[p->ins[i].dst];
	struct inl L;
	plan_inline(p, hoisted, &L);
	struct out o = { 0 };
	for (const char *t = s->tmpl; *t;) {
		/* One line of the template at a time. */
		const char *eol = strchr(t, '\n');
		size_t n = eol ? (size_t)(eol - t) + 1 : strlen(t);
		const char *ph = NULL;
		int which = 0;
		const char *a = memchr(t, '{', n);
		if (a && (size_t)(t + n - a) >= 8 && !strncmp(a, "{scalar}", 8)) {
			ph = a;
			which = 1;
		} else if (a && (size_t)(t + n - a) >= 6 && !strncmp(a, "{body}", 6)) {
			ph = a;
			which = 2;
		}
		if (!ph) {
			put(&o, t, n);
		} else {
			char indent[32];
			size_t il = (size_t)(ph - t) < sizeof indent - 1 ? (size_t)(ph - t) : sizeof indent - 1;
			memcpy(indent, t, il);
			indent[il] = 0;
			for (int i = 0; i < p->n; i++) {
				const struct sym_instr *in = &p->ins[i];
				if ((which == 1) == hoisted[i] && !(in->dst >= s->nfix && L.inl[in->dst]))
					statement(&o, p, in, indent, &L);
			}
		}
		t += n;
	}
	if (o.oom) {
		free(o.s);
		return NULL;
	}
	return o.s;
}
