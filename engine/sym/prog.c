/*
 * prog.c - IR specs from evaluators, the checker, the text form (printer
 * and parser) and the operation count.  See sym.h.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/jsonw.h"
#include "engine/sym/sym.h"

/* ---- specs ------------------------------------------------------------------ */

#define SPEC_CACHE 16

/* Module-owned cache: one spec per evaluator seen, built on first use,
 * never freed (evaluators outlive every campaign). */
static struct {
	const struct ev_evaluator *ev;
	struct sym_spec spec;
	int ok;
	char err[160];
} spec_cache[SPEC_CACHE];

static int build_spec(const struct ev_evaluator *ev, struct sym_spec *s, char *err, size_t errlen)
{
	const struct ev_ir *ir = ev->ir;
	memset(s, 0, sizeof *s);
	s->ev = ev;
	s->shape = ir->shape;
	s->tmpl = ir->tmpl;
	s->x_reg = s->y_reg = s->w_reg = s->g_reg = s->t_reg = -1;
	if (ir->shape != EV_IR_FUNC && ir->shape != EV_IR_UPDATE) {
		snprintf(err, errlen, "evaluator %s: ir.shape %d is not EV_IR_FUNC or EV_IR_UPDATE", ev->name,
		         ir->shape);
		return -1;
	}
	if (!ir->tmpl || !strstr(ir->tmpl, "{body}") ||
	    (ir->shape == EV_IR_UPDATE && !strstr(ir->tmpl, "{scalar}"))) {
		snprintf(err, errlen, "evaluator %s: ir.tmpl lacks {body}%s", ev->name,
		         ir->shape == EV_IR_UPDATE ? " or {scalar}" : "");
		return -1;
	}
	for (int i = 0; ir->regs && ir->regs[i].name; i++) {
		const struct ev_ir_reg *r = &ir->regs[i];
		if (s->nfix >= SYM_MAX_FIXED) {
			snprintf(err, errlen, "evaluator %s: ir.regs has more than %d registers", ev->name,
			         SYM_MAX_FIXED);
			return -1;
		}
		size_t nl = strlen(r->name);
		int ok = nl > 0 && nl < sizeof s->name[0] && (isalpha((unsigned char)r->name[0]) || r->name[0] == '_');
		for (size_t j = 0; ok && j < nl; j++)
			ok = isalnum((unsigned char)r->name[j]) || r->name[j] == '_';
		if (ok && r->name[0] == 'r' && nl > 1 && isdigit((unsigned char)r->name[1]))
			ok = 0; /* r0, r1, ... are temporaries */
		if (!ok || !r->cexpr || strlen(r->cexpr) >= sizeof s->cexpr[0] || r->access < EV_IR_IN ||
		    r->access > EV_IR_STATE) {
			snprintf(err, errlen, "evaluator %s: ir.regs[%d] ('%s') needs an identifier name (not rN), "
			         "a C spelling under %zu bytes and an access 0..3", ev->name, i, r->name,
			         sizeof s->cexpr[0]);
			return -1;
		}
		int k = s->nfix++;
		snprintf(s->name[k], sizeof s->name[k], "%s", r->name);
		snprintf(s->cexpr[k], sizeof s->cexpr[k], "%s", r->cexpr);
		s->vector[k] = r->vector != 0;
		s->access[k] = r->access;
		if (r->access == EV_IR_STATE)
			s->state_reg[s->nstate++] = k;
		else if (r->access == EV_IR_OUT && !s->vector[k] && s->y_reg < 0)
			s->y_reg = k;
		else if (r->access == EV_IR_INOUT && s->vector[k] && s->w_reg < 0)
			s->w_reg = k;
		else if (r->access == EV_IR_IN && s->vector[k] && s->g_reg < 0)
			s->g_reg = k;
		else if (r->access == EV_IR_IN && !s->vector[k]) {
			if (s->x_reg < 0)
				s->x_reg = k;
			if (s->t_reg < 0)
				s->t_reg = k;
		}
	}
	if (ir->shape == EV_IR_FUNC && (s->x_reg < 0 || s->y_reg < 0 || s->nstate)) {
		snprintf(err, errlen, "evaluator %s: an EV_IR_FUNC form needs a scalar input and a scalar output "
		         "register and no state", ev->name);
		return -1;
	}
	if (ir->shape == EV_IR_UPDATE && (s->w_reg < 0 || s->g_reg < 0 || s->t_reg < 0)) {
		snprintf(err, errlen, "evaluator %s: an EV_IR_UPDATE form needs registers w (vector, in/out), "
		         "g (vector, in) and t (scalar, in)", ev->name);
		return -1;
	}
	const char *o = ir->ops ? ir->ops : "";
	while (*o) {
		while (*o == ' ' || *o == ',')
			o++;
		size_t n = strcspn(o, " ,");
		if (!n)
			break;
		char nm[16];
		snprintf(nm, sizeof nm, "%.*s", (int)(n < 15 ? n : 15), o);
		int op = sym_op_find(nm);
		if (op < 0 || n > 15) {
			snprintf(err, errlen, "evaluator %s: ir.ops names '%.*s', which is not an operation", ev->name,
			         (int)(n > 40 ? 40 : n), o);
			return -1;
		}
		s->vocab |= 1ull << op;
		o += n;
	}
	s->vocab |= 1ull << SYM_MOV;
	/* The template's own operations (the loop counter, slot pointers). */
	char *t = malloc(strlen(s->tmpl) + 1), *q = t;
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (const char *c = s->tmpl; *c;) {
		if (!strncmp(c, "{scalar}", 8))
			c += 8;
		else if (!strncmp(c, "{body}", 6))
			c += 6;
		else
			*q++ = *c++;
	}
	*q = 0;
	s->overhead = ev_count_ops(t, strlen(t));
	free(t);
	s->inproc = ev_builtin_index(ev) >= 0;
	return 0;
}

const struct sym_spec *sym_spec_of(const struct ev_evaluator *ev, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = 0;
	if (!ev || ev->version < 2 || !ev->ir)
		return NULL;
	int freeslot = -1;
	for (int i = 0; i < SPEC_CACHE; i++) {
		if (spec_cache[i].ev == ev) {
			if (!spec_cache[i].ok && err)
				snprintf(err, errlen, "%s", spec_cache[i].err);
			return spec_cache[i].ok ? &spec_cache[i].spec : NULL;
		}
		if (!spec_cache[i].ev && freeslot < 0)
			freeslot = i;
	}
	struct sym_spec tmp;
	char e[160];
	int ok = build_spec(ev, &tmp, e, sizeof e) == 0;
	if (err && !ok)
		snprintf(err, errlen, "%s", e);
	if (freeslot < 0) {
		/* More evaluators than cache slots: serve from a static spare. */
		static struct sym_spec spare;
		spare = tmp;
		return ok ? &spare : NULL;
	}
	spec_cache[freeslot].ev = ev;
	spec_cache[freeslot].spec = tmp;
	spec_cache[freeslot].ok = ok;
	snprintf(spec_cache[freeslot].err, sizeof spec_cache[freeslot].err, "%s", ok ? "" : e);
	return ok ? &spec_cache[freeslot].spec : NULL;
}

/* Module state: the campaign's non-built-in evaluator (sym_use_evaluator). */
static const struct ev_evaluator *campaign_ev;

void sym_use_evaluator(const struct ev_evaluator *ev)
{
	campaign_ev = ev;
	/* a loaded evaluator may reuse a freed one's address: forget those */
	for (int i = 0; i < SPEC_CACHE; i++)
		if (spec_cache[i].ev && ev_builtin_index(spec_cache[i].ev) < 0)
			memset(&spec_cache[i], 0, sizeof spec_cache[i]);
}

const char *sym_reg_name(const struct sym_prog *p, int r, char *buf, size_t len)
{
	if (r >= 0 && r < p->spec->nfix)
		snprintf(buf, len, "%s", p->spec->name[r]);
	else
		snprintf(buf, len, "r%d", r - p->spec->nfix);
	return buf;
}

/* ---- checker ------------------------------------------------------------------ */

int sym_check(const struct sym_prog *p, int *type, char *err, size_t errlen)
{
	const struct sym_spec *s = p->spec;
	int ty[SYM_MAX_REG], def[SYM_MAX_REG];
	char nb[24];
	if (!s) {
		snprintf(err, errlen, "program has no spec");
		return -1;
	}
	if (p->n < 0 || p->n > SYM_MAX_INSTR || p->nk < 0 || p->nk > SYM_MAX_CONST || p->ntemp < 0 ||
	    s->nfix + p->ntemp > SYM_MAX_REG) {
		snprintf(err, errlen, "program sizes out of range (%d instructions, %d constants, %d temporaries)",
		         p->n, p->nk, p->ntemp);
		return -1;
	}
	int nreg = s->nfix + p->ntemp;
	for (int r = 0; r < nreg; r++) {
		ty[r] = r < s->nfix ? s->vector[r] : -1;
		def[r] = r < s->nfix && s->access[r] != EV_IR_OUT;
	}
	for (int i = 0; i < p->nk; i++)
		if (!isfinite(p->k[i])) {
			snprintf(err, errlen, "constant %d is not finite", i);
			return -1;
		}
	for (int i = 0; i < p->n; i++) {
		const struct sym_instr *in = &p->ins[i];
		if (in->op >= SYM_NOPS || !(s->vocab >> in->op & 1)) {
			snprintf(err, errlen, "instruction %d: operation %s is not in evaluator %s's vocabulary", i + 1,
			         in->op < SYM_NOPS ? sym_ops[in->op].name : "?", s->ev->name);
			return -1;
		}
		const struct sym_opinfo *oi = &sym_ops[in->op];
		int vec = 0;
		for (int j = 0; j < 3; j++) {
			int a = in->a[j];
			if (j >= oi->arity) {
				if (a != 0) {
					snprintf(err, errlen, "instruction %d: %s takes %d operands", i + 1, oi->name, oi->arity);
					return -1;
				}
				continue;
			}
			if (SYM_IS_K(a)) {
				if (SYM_KIDX(a) >= p->nk) {
					snprintf(err, errlen, "instruction %d: constant %d out of range", i + 1, SYM_KIDX(a));
					return -1;
				}
				continue;
			}
			if (a >= nreg || !def[a]) {
				snprintf(err, errlen, "instruction %d: %s reads %s before it is written", i + 1, oi->name,
				         a < nreg ? sym_reg_name(p, a, nb, sizeof nb) : "a register out of range");
				return -1;
			}
			vec |= ty[a];
		}
		if (vec && oi->types == SYM_SCALAR_ONLY) {
			snprintf(err, errlen, "instruction %d: %s takes scalars only", i + 1, oi->name);
			return -1;
		}
		int d = in->dst;
		if (d < 0 || d >= nreg) {
			snprintf(err, errlen, "instruction %d: destination out of range", i + 1);
			return -1;
		}
		if (d < s->nfix) {
			if (s->access[d] == EV_IR_IN) {
				snprintf(err, errlen, "instruction %d: %s is an input and cannot be written", i + 1, s->name[d]);
				return -1;
			}
			if (vec && !s->vector[d]) {
				snprintf(err, errlen, "instruction %d: a vector cannot be stored in scalar %s", i + 1, s->name[d]);
				return -1;
			}
		} else {
			if (def[d]) {
				snprintf(err, errlen, "instruction %d: %s is written twice", i + 1,
				         sym_reg_name(p, d, nb, sizeof nb));
				return -1;
			}
			ty[d] = vec;
		}
		def[d] = 1;
	}
	for (int r = 0; r < s->nfix; r++)
		if (s->access[r] == EV_IR_OUT && !def[r]) {
			snprintf(err, errlen, "output %s is never written", s->name[r]);
			return -1;
		}
	if (type)
		for (int r = 0; r < SYM_MAX_REG; r++)
			type[r] = r < nreg ? ty[r] == 1 : 0;
	return 0;
}

int sym_cost(const struct sym_prog *p)
{
	int c = p->spec ? p->spec->overhead : 0;
	for (int i = 0; i < p->n; i++)
		c += p->ins[i].op < SYM_NOPS ? sym_ops[p->ins[i].op].cost : 0;
	return c;
}

/* ---- printer ------------------------------------------------------------------- */

/* "r" and a temporary's number (sym.h). */
size_t sym_temp_name(char *out, int t)
{
	char d[12];
	int k = 0;
	unsigned u = (unsigned)t;
	do
		d[k++] = (char)('0' + u % 10);
	while ((u /= 10) && k < (int)sizeof d);
	size_t n = 0;
	out[n++] = 'r';
	while (k)
		out[n++] = d[--k];
	return n;
}

/* The first of %.15g, %.16g, %.17g that reads back to v exactly (%g drops
 * trailing zeros, so a short decimal like 0.5 or 1e-08 prints short).
 * Memoized (module state, direct-mapped by the bits of v): a child's
 * constants are mostly its parent's, and each is printed twice (the IR and
 * the C).  Writes at most len - 1 characters and a NUL; returns the length
 * written. */
size_t sym_fmt_double(double v, char *out, size_t len)
{
	static struct {
		uint64_t bits;
		unsigned char n; /* length of text, 0: empty */
		char text[26];
	} memo[1024];
	uint64_t bits;
	memcpy(&bits, &v, sizeof bits);
	unsigned at = (unsigned)((bits * 0x9E3779B97F4A7C15ull) >> 54);
	if (memo[at].n && memo[at].bits == bits && memo[at].n < len) {
		memcpy(out, memo[at].text, (size_t)memo[at].n + 1);
		return memo[at].n;
	}
	if (isfinite(v) && v != 0 && len >= 25) { /* %.17g: at most 24 characters */
		/* one printf for the three precisions (jsonw.h: the 17 digits
		 * rounded to 15 and 16, printf only where that could differ) */
		char dig[17];
		int ex, neg;
		jsw_digits(v, dig, &ex, &neg);
		for (int prec = 15; prec <= 17; prec++) {
			if (!jsw_round_g(out, neg, dig, ex, prec))
				snprintf(out, len, "%.*g", prec, v);
			if (strtod(out, NULL) == v)
				break;
		}
	} else {
		for (int prec = 15; prec <= 17; prec++) {
			snprintf(out, len, "%.*g", prec, v);
			if (strtod(out, NULL) == v)
				break;
		}
	}
	size_t n = strlen(out);
	if (n < sizeof memo[at].text) {
		memo[at].bits = bits;
		memo[at].n = (unsigned char)n;
		memcpy(memo[at].text, out, n + 1);
	}
	return n;
}

/* The longest operand or register name the printer writes: a %.17g number
 * (at most 24 characters) or a fixed name (16) or "r" and a number. */
#define PRINT_ARG_MAX 26

static size_t put_name(char *o, const struct sym_prog *p, int r)
{
	if (r >= 0 && r < p->spec->nfix) {
		size_t n = strnlen(p->spec->name[r], sizeof p->spec->name[r]);
		memcpy(o, p->spec->name[r], n);
		return n;
	}
	return sym_temp_name(o, r - p->spec->nfix);
}

char *sym_print(const struct sym_prog *p)
{
	const char *ev = p->spec->ev->name;
	size_t evn = strlen(ev);
	/* one allocation of the largest possible text: "sym NAME\n", then per
	 * instruction "DST = OP" and up to three " ARG", "\n" */
	size_t cap = 5 + evn + (size_t)p->n * (PRINT_ARG_MAX + 3 + 8 + 3 * (1 + PRINT_ARG_MAX) + 1) + 1;
	char *b = malloc(cap);
	if (!b)
		return NULL;
	size_t n = 0;
	memcpy(b, "sym ", 4);
	n = 4;
	memcpy(b + n, ev, evn);
	n += evn;
	b[n++] = '\n';
	for (int i = 0; i < p->n; i++) {
		const struct sym_instr *in = &p->ins[i];
		const struct sym_opinfo *op = &sym_ops[in->op];
		n += put_name(b + n, p, in->dst);
		memcpy(b + n, " = ", 3);
		n += 3;
		size_t ol = strlen(op->name);
		memcpy(b + n, op->name, ol);
		n += ol;
		for (int j = 0; j < op->arity; j++) {
			int a = in->a[j];
			b[n++] = ' ';
			if (SYM_IS_K(a))
				n += sym_fmt_double(p->k[SYM_KIDX(a)], b + n, PRINT_ARG_MAX);
			else
				n += put_name(b + n, p, a);
		}
		b[n++] = '\n';
	}
	b[n] = 0;
	return b;
}

/* ---- parser ---------------------------------------------------------------------- */

static int is_word_ch(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Next token of line[*i..n): a word, a number, or one punctuator. */
static size_t next_tok(const char *l, size_t n, size_t *i, const char **tok)
{
	while (*i < n && (l[*i] == ' ' || l[*i] == '\t' || l[*i] == '\r'))
		(*i)++;
	*tok = l + *i;
	size_t s = *i;
	if (*i >= n)
		return 0;
	char c = l[*i];
	if (isdigit((unsigned char)c) || c == '-' || c == '+' || c == '.') {
		(*i)++;
		while (*i < n && (is_word_ch(l[*i]) || l[*i] == '.' ||
		                  ((l[*i] == '-' || l[*i] == '+') && (l[*i - 1] == 'e' || l[*i - 1] == 'E'))))
			(*i)++;
	} else if (is_word_ch(c)) {
		while (*i < n && is_word_ch(l[*i]))
			(*i)++;
	} else {
		(*i)++;
	}
	return *i - s;
}

/* Register index of a name, creating temporaries rN on demand (their
 * definitions are checked later).  -1 if not a register name. */
static int reg_of(struct sym_prog *p, const char *t, size_t n)
{
	const struct sym_spec *s = p->spec;
	for (int r = 0; r < s->nfix; r++)
		if (strlen(s->name[r]) == n && !memcmp(s->name[r], t, n))
			return r;
	if (n >= 2 && n <= 4 && t[0] == 'r') {
		int v = 0;
		for (size_t j = 1; j < n; j++) {
			if (!isdigit((unsigned char)t[j]))
				return -1;
			v = v * 10 + (t[j] - '0');
		}
		if (n > 2 && t[1] == '0')
			return -1; /* r01: not canonical */
		if (s->nfix + v >= SYM_MAX_REG)
			return -1;
		if (v + 1 > p->ntemp)
			p->ntemp = v + 1;
		return s->nfix + v;
	}
	return -1;
}

int sym_parse(const char *text, size_t len, const struct ev_evaluator *ev, struct sym_prog *p,
              char *err, size_t errlen)
{
	memset(p, 0, sizeof *p);
	if (!text) {
		snprintf(err, errlen, "no IR text");
		return -1;
	}
	if (len > SYM_MAX_TEXT) {
		snprintf(err, errlen, "IR text is %zu bytes; the limit is %d", len, SYM_MAX_TEXT);
		return -1;
	}
	size_t pos = 0;
	int line = 0, have_header = 0;
	char e2[200];
	while (pos < len) {
		size_t eol = pos;
		while (eol < len && text[eol] != '\n')
			eol++;
		const char *l = text + pos;
		size_t n = eol - pos;
		pos = eol + 1;
		line++;
		for (size_t j = 0; j < n; j++)
			if (l[j] == '#' || l[j] == 0) {
				n = j;
				break;
			}
		size_t i = 0;
		const char *tok;
		size_t tl = next_tok(l, n, &i, &tok);
		if (!tl)
			continue;
		if (!have_header) {
			if (tl != 3 || memcmp(tok, "sym", 3)) {
				snprintf(err, errlen, "IR line %d: expected the header 'sym EVALUATOR'", line);
				return -1;
			}
			while (i < n && (l[i] == ' ' || l[i] == '\t'))
				i++;
			size_t ne = n;
			while (ne > i && (l[ne - 1] == ' ' || l[ne - 1] == '\t' || l[ne - 1] == '\r'))
				ne--;
			char name[EV_NAME_MAX + 1];
			if (ne == i || ne - i > EV_NAME_MAX) {
				snprintf(err, errlen, "IR line %d: the header names no evaluator", line);
				return -1;
			}
			snprintf(name, sizeof name, "%.*s", (int)(ne - i), l + i);
			const struct ev_evaluator *e = ev ? ev : ev_find(name);
			if (!e && campaign_ev && !strcmp(campaign_ev->name, name))
				e = campaign_ev;
			if (!e || strcmp(e->name, name)) {
				snprintf(err, errlen, "IR line %d: IR for evaluator '%s'%s%s", line, name,
				         ev ? ", expected " : " (no such built-in evaluator)", ev ? ev->name : "");
				return -1;
			}
			p->spec = sym_spec_of(e, e2, sizeof e2);
			if (!p->spec) {
				snprintf(err, errlen, "IR line %d: %s", line, e2[0] ? e2 : "the evaluator has no symbolic form");
				return -1;
			}
			have_header = 1;
			continue;
		}
		if (p->n >= SYM_MAX_INSTR) {
			snprintf(err, errlen, "IR line %d: more than %d instructions", line, SYM_MAX_INSTR);
			return -1;
		}
		struct sym_instr *in = &p->ins[p->n];
		memset(in, 0, sizeof *in);
		int d = reg_of(p, tok, tl);
		if (d < 0) {
			snprintf(err, errlen, "IR line %d: '%.*s' is not a register", line, (int)(tl > 32 ? 32 : tl), tok);
			return -1;
		}
		in->dst = (int16_t)d;
		tl = next_tok(l, n, &i, &tok);
		if (tl != 1 || *tok != '=') {
			snprintf(err, errlen, "IR line %d: expected '=' after the destination", line);
			return -1;
		}
		tl = next_tok(l, n, &i, &tok);
		char opn[16];
		snprintf(opn, sizeof opn, "%.*s", (int)(tl < 15 ? tl : 15), tok);
		int op = tl < 15 ? sym_op_find(opn) : -1;
		if (op < 0) {
			snprintf(err, errlen, "IR line %d: '%.*s' is not an operation", line, (int)(tl > 32 ? 32 : tl), tok);
			return -1;
		}
		in->op = (uint8_t)op;
		for (int j = 0; j < sym_ops[op].arity; j++) {
			tl = next_tok(l, n, &i, &tok);
			if (!tl) {
				snprintf(err, errlen, "IR line %d: %s takes %d operands", line, sym_ops[op].name,
				         sym_ops[op].arity);
				return -1;
			}
			char c0 = tok[0];
			if (isdigit((unsigned char)c0) || c0 == '-' || c0 == '+' || c0 == '.') {
				char num[64];
				if (tl >= sizeof num) {
					snprintf(err, errlen, "IR line %d: constant too long", line);
					return -1;
				}
				memcpy(num, tok, tl);
				num[tl] = 0;
				char *endp;
				errno = 0;
				double v = strtod(num, &endp);
				if (*endp || endp == num || !isfinite(v)) {
					snprintf(err, errlen, "IR line %d: '%s' is not a finite number", line, num);
					return -1;
				}
				if (p->nk >= SYM_MAX_CONST) {
					snprintf(err, errlen, "IR line %d: more than %d constants", line, SYM_MAX_CONST);
					return -1;
				}
				p->k[p->nk] = v;
				in->a[j] = (int16_t)SYM_K(p->nk);
				p->nk++;
			} else {
				int r = reg_of(p, tok, tl);
				if (r < 0) {
					snprintf(err, errlen, "IR line %d: '%.*s' is not a register or a number", line,
					         (int)(tl > 32 ? 32 : tl), tok);
					return -1;
				}
				in->a[j] = (int16_t)r;
			}
		}
		tl = next_tok(l, n, &i, &tok);
		if (tl) {
			snprintf(err, errlen, "IR line %d: %s takes %d operands; '%.*s' is one too many", line,
			         sym_ops[op].name, sym_ops[op].arity, (int)(tl > 32 ? 32 : tl), tok);
			return -1;
		}
		p->n++;
	}
	if (!have_header) {
		snprintf(err, errlen, "IR text has no 'sym EVALUATOR' header");
		return -1;
	}
	if (sym_check(p, NULL, e2, sizeof e2)) {
		snprintf(err, errlen, "IR: %s", e2);
		return -1;
	}
	return 0;
}

/* ---- seeds --------------------------------------------------------------------------- */

static int name_listed(const char *list, const char *name)
{
	size_t nl = strlen(name);
	for (const char *o = list; *o;) {
		while (*o == ' ' || *o == ',')
			o++;
		size_t n = strcspn(o, " ,");
		if (n == nl && !memcmp(o, name, n))
			return 1;
		o += n;
	}
	return 0;
}

int sym_seeds(const struct ev_evaluator *ev, const char *names, const char **seed_names,
              struct sym_prog *progs, int max, char *err, size_t errlen)
{
	const struct sym_spec *s = sym_spec_of(ev, err, errlen);
	if (!s) {
		if (!err[0])
			snprintf(err, errlen, "evaluator %s has no symbolic form", ev ? ev->name : "?");
		return -1;
	}
	const struct ev_seed *seeds = ev->ir->seeds;
	const char *want = names && *names ? names : ev->ir->default_seeds;
	/* Every listed name must exist. */
	if (want)
		for (const char *o = want; *o;) {
			while (*o == ' ' || *o == ',')
				o++;
			size_t n = strcspn(o, " ,");
			if (!n)
				break;
			int found = 0;
			for (int i = 0; seeds && seeds[i].name; i++)
				found |= strlen(seeds[i].name) == n && !memcmp(seeds[i].name, o, n);
			if (!found) {
				char list[512] = "";
				size_t L = 0;
				for (int i = 0; seeds && seeds[i].name && L < sizeof list - 40; i++)
					L += (size_t)snprintf(list + L, sizeof list - L, "%s%s", i ? ", " : "", seeds[i].name);
				snprintf(err, errlen, "evaluator %s has no IR seed '%.*s' (it has: %s)", ev->name,
				         (int)(n > 40 ? 40 : n), o, list);
				return -1;
			}
			o += n;
		}
	int c = 0;
	for (int i = 0; seeds && seeds[i].name && c < max; i++) {
		if (want && !name_listed(want, seeds[i].name))
			continue;
		char e[200];
		if (sym_parse(seeds[i].source, strlen(seeds[i].source), ev, &progs[c], e, sizeof e)) {
			snprintf(err, errlen, "evaluator %s, IR seed %s: %s", ev->name, seeds[i].name, e);
			return -1;
		}
		seed_names[c++] = seeds[i].name;
	}
	return c;
}

void sym_seed_table_free(struct ev_seed **seeds, char ***irs)
{
	if (seeds && *seeds) {
		for (struct ev_seed *s = *seeds; s->name; s++)
			free((char *)s->source);
		free(*seeds);
		*seeds = NULL;
	}
	if (irs && *irs) {
		for (char **p = *irs; *p; p++)
			free(*p);
		free(*irs);
		*irs = NULL;
	}
}

int sym_seed_table(const struct ev_evaluator *ev, const char *names, int use_ir,
                   struct ev_seed **seeds, char ***irs, char *err, size_t errlen)
{
	enum { MAXS = 64 };
	*seeds = NULL;
	*irs = NULL;
	struct ev_seed *tab = calloc(MAXS + 1, sizeof *tab);
	char **ir = calloc(MAXS + 1, sizeof *ir);
	if (!tab || !ir) {
		free(tab);
		free(ir);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*seeds = tab;
	*irs = ir;
	int n = 0;
	char serr[200];
	const struct sym_spec *spec = use_ir ? sym_spec_of(ev, serr, sizeof serr) : NULL;
	if (use_ir && !spec && serr[0]) {
		/* a declared but broken symbolic form is the evaluator's error */
		snprintf(err, errlen, "%s", serr);
		sym_seed_table_free(seeds, irs);
		return -1;
	}
	if (spec) {
		static struct sym_prog progs[MAXS];
		const char *nm[MAXS];
		n = sym_seeds(ev, names, nm, progs, MAXS, err, errlen);
		for (int i = 0; i < n; i++) {
			sym_simplify(&progs[i]);
			tab[i].name = nm[i];
			tab[i].source = sym_render(&progs[i]);
			ir[i] = sym_print(&progs[i]);
			if (!tab[i].source || !ir[i]) {
				snprintf(err, errlen, "out of memory");
				n = -1;
				break;
			}
		}
	} else {
		const char *want = names && *names ? names : NULL;
		for (const char *o = want; o && *o;) {
			while (*o == ' ' || *o == ',')
				o++;
			size_t k = strcspn(o, " ,");
			if (!k)
				break;
			int found = 0;
			for (int i = 0; ev->seeds[i].name; i++)
				found |= strlen(ev->seeds[i].name) == k && !memcmp(ev->seeds[i].name, o, k);
			if (!found) {
				char list[512] = "";
				size_t L = 0;
				for (int i = 0; ev->seeds[i].name && L < sizeof list - 40; i++)
					L += (size_t)snprintf(list + L, sizeof list - L, "%s%s", i ? ", " : "", ev->seeds[i].name);
				snprintf(err, errlen, "evaluator %s has no seed '%.*s' (it has: %s)", ev->name,
				         (int)(k > 40 ? 40 : k), o, list);
				n = -1;
				break;
			}
			o += k;
		}
		for (int i = 0; n >= 0 && ev->seeds[i].name && n < MAXS; i++) {
			if (want && !name_listed(want, ev->seeds[i].name))
				continue;
			tab[n].name = ev->seeds[i].name;
			tab[n].source = strdup(ev->seeds[i].source);
			if (!tab[n].source) {
				snprintf(err, errlen, "out of memory");
				n = -1;
				break;
			}
			n++;
		}
	}
	if (n < 0) {
		/* names stay borrowed; sources and IR are ours */
		sym_seed_table_free(seeds, irs);
		return -1;
	}
	if (n == 0) {
		sym_seed_table_free(seeds, irs);
		snprintf(err, errlen, "evaluator %s: no seed selected", ev->name);
		return -1;
	}
	return n;
}
