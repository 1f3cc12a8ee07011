/*
 * ppscan.c - refuse escape hatches in the preprocessed token stream.
 *
 * The whitelist of symbols and the operation counts mean something only
 * if a candidate cannot run instructions the compiler did not generate
 * from its C.  The ways tcc 0.9.27 offers, and what this scan refuses
 * unless the evaluator sets allow_asm:
 *
 *   asm __asm __asm__                 inline assembly (x87 f2xm1, syscalls)
 *   __attribute__((section(".text"))) data placed in executable memory,
 *       constructor/destructor/alias/weak/cleanup/regparm/... (only
 *       aligned, packed, unused, noreturn, always_inline, noinline, used,
 *       pure, const, hot, cold are harmless)
 *   goto *p, &&label                  jumps to computed addresses
 *   (*p)(...), (*)(...)               function pointer types: a pointer
 *       typedef double F(double)      read from the stack, or a code
 *       f(double g(double))           address plus an offset, called
 *       typeof / __typeof__, or a function pointer type the prelude
 *       named (typedef double (*fn)(double), a struct holding one)
 *   f + 7, &f, (char *)f              a function designator not called:
 *       (f + 7)(x) compiles in tcc and jumps into the middle of f
 *   __builtin_return_address, __builtin_frame_address, other __builtin_*
 *   _Pragma, #pragma comment          produced by token pasting
 *
 * The text scanned is tcc's own preprocessor output (sandbox/compile.c
 * runs it inside the sandbox child, where a preprocessor bomb is
 * contained), so no macro, token pasting or spelling trick can hide a
 * token from it; and the scanned text itself is what tcc then compiles
 * (preprocessing runs once), so what is scanned is what compiles.  Everything before
 * the marker "typedef int __disco_candidate;" is the evaluator's
 * prelude, trusted, and only read for its function names.  Together with code pages that
 * are not writable (compile.c) and data pages that are not executable,
 * the candidate runs only instructions tcc generated from its C.
 */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "sandbox/csrc.h"
#include "sandbox/sbx.h"

enum tk { T_IDENT, T_NUM, T_STR, T_PUNCT };

struct tok {
	const char *p;
	unsigned len;
	unsigned char kind;
	int line;
};

struct toks {
	struct tok *v;
	size_t n, cap;
	size_t cand; /* index of the first candidate token */
	int have_cand;
};

static int is_id0(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80; }
static int is_id(unsigned char c) { return is_id0(c) || (c >= '0' && c <= '9'); }
static int is_dig(unsigned char c) { return c >= '0' && c <= '9'; }

static int push(struct toks *t, const char *p, size_t len, int kind, int line)
{
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 1024;
		struct tok *v = realloc(t->v, nc * sizeof *v);
		if (!v)
			return -1;
		t->v = v;
		t->cap = nc;
	}
	t->v[t->n++] = (struct tok){ p, (unsigned)len, (unsigned char)kind, line };
	return 0;
}

static int eq(const struct tok *k, const char *s)
{
	if (!k->len || k->p[0] != s[0]) /* most tokens differ at once: no strlen */
		return 0;
	size_t n = strlen(s);
	return k->len == n && memcmp(k->p, s, n) == 0;
}

static int punct(const struct tok *k, const char *s)
{
	return k->kind == T_PUNCT && eq(k, s);
}

/* Three-character, then two-character punctuators worth telling apart. */
static size_t punct_len(const char *s, size_t n)
{
	static const char *const p3[] = { "<<=", ">>=", "...", NULL };
	static const char *const p2[] = { "&&", "||", "->", "++", "--", "<<", ">>", "<=", ">=", "==",
	                                  "!=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "##",
	                                  NULL };
	for (int i = 0; p3[i]; i++)
		if (n >= 3 && !memcmp(s, p3[i], 3))
			return 3;
	for (int i = 0; p2[i]; i++)
		if (n >= 2 && !memcmp(s, p2[i], 2))
			return 2;
	return 1;
}

/* A line starting with '#' in preprocessor output: a linemarker
 * ("# 12 \"candidate.c\"", "#line 12 ..."), or a #pragma tcc kept.
 * Returns the index after the line; sets *line for the next line. */
static size_t directive_line(const char *s, size_t n, size_t i, struct toks *t, int *line,
                             int *pragma_comment)
{
	size_t e = i;
	while (e < n && s[e] != '\n')
		e++;
	size_t j = i + 1;
	while (j < e && (s[j] == ' ' || s[j] == '\t'))
		j++;
	if (e - j >= 4 && !memcmp(s + j, "line", 4))
		for (j += 4; j < e && (s[j] == ' ' || s[j] == '\t'); j++)
			;
	if (j < e && is_dig((unsigned char)s[j])) {
		long v = 0;
		while (j < e && is_dig((unsigned char)s[j]) && v < 100000000)
			v = v * 10 + (s[j++] - '0');
		while (j < e && (s[j] == ' ' || s[j] == '\t'))
			j++;
		*line = (int)v - 1; /* the newline ending this line adds one */
	} else if (e - j >= 6 && !memcmp(s + j, "pragma", 6)) {
		const char *c = s + j + 6;
		while (c < s + e && (*c == ' ' || *c == '\t'))
			c++;
		if (s + e - c >= 7 && !memcmp(c, "comment", 7) && t->have_cand)
			*pragma_comment = *line;
	}
	return e;
}

static int tokenize(const char *s, size_t n, struct toks *t, int *pragma_comment)
{
	int line = 1, bol = 1;
	size_t i = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n') {
			line++;
			bol = 1;
			i++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			i++;
			continue;
		}
		if (c == '#' && bol) {
			i = directive_line(s, n, i, t, &line, pragma_comment);
			continue;
		}
		bol = 0;
		size_t b = i;
		int kind;
		if (c == '/' && i + 1 < n && (s[i + 1] == '/' || s[i + 1] == '*')) {
			size_t j = csrc_skip_comment(s, n, i); /* not in tcc -E output; be safe */
			for (size_t k = i; k < j; k++)
				line += s[k] == '\n';
			i = j;
			continue;
		}
		if (c == '"' || c == '\'') {
			i = csrc_skip_literal(s, n, i);
			kind = T_STR;
		} else if (is_dig(c) || (c == '.' && i + 1 < n && is_dig((unsigned char)s[i + 1]))) {
			for (i++; i < n; i++) {
				unsigned char d = (unsigned char)s[i];
				if ((d == '+' || d == '-') && strchr("eEpP", s[i - 1]))
					continue;
				if (!is_id(d) && d != '.')
					break;
			}
			kind = T_NUM;
		} else if (is_id0(c)) {
			/* L"..." and u8'x' are literals */
			while (i < n && is_id((unsigned char)s[i]))
				i++;
			if (i < n && (s[i] == '"' || s[i] == '\'') && i - b <= 2) {
				i = csrc_skip_literal(s, n, i);
				kind = T_STR;
			} else {
				kind = T_IDENT;
			}
		} else {
			i += punct_len(s + i, n - i);
			kind = T_PUNCT;
		}
		if (push(t, s + b, i - b, kind, line))
			return -1;
		/* "typedef int __disco_candidate;" ends the prelude
		 * (sandbox/compile.c); the first one counts, and the line
		 * after it is the candidate's line 1. */
		if (kind == T_IDENT && !t->have_cand && i - b == 17 && !memcmp(s + b, "__disco_candidate", 17)) {
			t->have_cand = 1;
			t->cand = t->n + 1; /* after its ';' */
			line = 0;
		}
	}
	return 0;
}

/* Is identifier token k one of words (NULL-terminated)? */
static int in_words(const struct tok *k, const char *const *words)
{
	if (k->kind != T_IDENT)
		return 0;
	for (int i = 0; words[i]; i++)
		if (eq(k, words[i]))
			return 1;
	return 0;
}

static int is_keyword(const struct tok *k)
{
	static const char *const kw[] = {
		"auto", "break", "case", "char", "const", "continue", "default", "do", "double",
		"else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long",
		"register", "restrict", "return", "short", "signed", "sizeof", "static", "struct",
		"switch", "typedef", "union", "unsigned", "void", "volatile", "while", "_Bool",
		"_Alignas", "_Alignof", "_Generic", "_Static_assert", "_Noreturn", "_Thread_local",
		"__const", "__const__", "__volatile", "__volatile__", "__signed", "__signed__",
		"__inline", "__inline__", "__restrict", "__restrict__", "__extension__", "__alignof",
		"__alignof__", "__attribute", "__attribute__", "__label__", NULL,
	};
	return in_words(k, kw);
}

static int is_type_keyword(const struct tok *k)
{
	static const char *const kw[] = {
		"double", "float", "int", "long", "short", "char", "unsigned", "signed", "void",
		"_Bool", "const", "volatile", "__const", "__const__", "__volatile", "__volatile__",
		"__signed", "__signed__", NULL,
	};
	return in_words(k, kw);
}

static int is_attr(const struct tok *k)
{
	return k->kind == T_IDENT && (eq(k, "__attribute__") || eq(k, "__attribute"));
}

/* Index of the ')' matching the '(' at i, or n. */
static size_t match(const struct toks *t, size_t i)
{
	int d = 0;
	for (size_t j = i; j < t->n; j++) {
		if (punct(&t->v[j], "(")) d++;
		else if (punct(&t->v[j], ")") && --d == 0) return j;
	}
	return t->n;
}

static const char *const harmless_attrs[] = {
	"aligned", "packed", "unused", "noreturn", "always_inline", "noinline", "used", "pure",
	"const", "hot", "cold", "__const", NULL,
};

/* The attribute name k, with __x__ spelled as x. */
static int attr_harmless(const struct tok *k)
{
	const char *p = k->p;
	size_t n = k->len;
	if (n > 4 && !memcmp(p, "__", 2) && !memcmp(p + n - 2, "__", 2)) {
		p += 2;
		n -= 4;
	}
	for (int i = 0; harmless_attrs[i]; i++)
		if (strlen(harmless_attrs[i]) == n && !memcmp(harmless_attrs[i], p, n))
			return 1;
	return 0;
}

static const char *const harmless_builtins[] = {
	"__builtin_expect", "__builtin_constant_p", "__builtin_types_compatible_p",
	"__builtin_offsetof", "__builtin_choose_expr", NULL,
};

/* Does the token end an operand (so a following && is binary)? */
static int operand_end(const struct tok *k)
{
	if (k->kind == T_NUM || k->kind == T_STR)
		return 1;
	if (k->kind == T_IDENT)
		return !is_keyword(k);
	return punct(k, ")") || punct(k, "]") || punct(k, "++") || punct(k, "--");
}

/* A set of identifier tokens: the tokens in order, and an open-addressing
 * index of them (positions + 1, 0 = empty) so a lookup costs one hash,
 * however many functions a batch of programs defines. */
struct names {
	const struct tok **v;
	size_t n, cap;
	uint32_t *idx;
	size_t icap; /* a power of two, > 2 n */
};

static size_t tok_hash(const struct tok *k)
{
	return (size_t)XXH3_64bits(k->p, k->len);
}

static int names_has(const struct names *s, const struct tok *k)
{
	if (!s->icap)
		return 0;
	for (size_t j = tok_hash(k) & (s->icap - 1);; j = (j + 1) & (s->icap - 1)) {
		uint32_t at = s->idx[j];
		if (!at)
			return 0;
		const struct tok *v = s->v[at - 1];
		if (v->len == k->len && !memcmp(v->p, k->p, k->len))
			return 1;
	}
}

static void names_index(struct names *s, size_t i)
{
	size_t j = tok_hash(s->v[i]) & (s->icap - 1);
	while (s->idx[j])
		j = (j + 1) & (s->icap - 1);
	s->idx[j] = (uint32_t)(i + 1);
}

static int names_add(struct names *s, const struct tok *k)
{
	if (names_has(s, k))
		return 0;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		const struct tok **v = realloc(s->v, nc * sizeof *v);
		if (!v)
			return -1;
		s->v = v;
		s->cap = nc;
	}
	if (2 * (s->n + 1) >= s->icap) {
		size_t ic = s->icap ? s->icap * 2 : 128;
		uint32_t *idx = calloc(ic, sizeof *idx);
		if (!idx)
			return -1;
		free(s->idx);
		s->idx = idx;
		s->icap = ic;
		for (size_t i = 0; i < s->n; i++)
			names_index(s, i);
	}
	s->v[s->n++] = k;
	names_index(s, s->n - 1);
	return 0;
}

/* Function names: identifiers at file scope followed by '(' (declarators
 * of functions), in the prelude and the candidate alike. */
static int collect_functions(const struct toks *t, struct names *fn)
{
	int brace = 0, paren = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct tok *k = &t->v[i];
		if (is_attr(k) && i + 1 < t->n && punct(&t->v[i + 1], "(")) {
			i = match(t, i + 1);
			continue;
		}
		if (punct(k, "{")) brace++;
		else if (punct(k, "}")) brace -= brace > 0;
		else if (punct(k, "(")) paren++;
		else if (punct(k, ")")) paren -= paren > 0;
		else if (brace == 0 && k->kind == T_IDENT && !is_keyword(k) && i + 1 < t->n &&
		         punct(&t->v[i + 1], "(") && names_add(fn, k))
			return -1;
	}
	return 0;
}

/* Typedefs in the prelude that name a function or function pointer type
 * (or a struct holding one): a candidate using them could call any
 * address without writing "(*" itself.  Names: the one after "(*", the one
 * before a parameter list, and the typedef's last identifier. */
static int collect_fn_typedefs(const struct toks *t, struct names *ft)
{
	for (size_t i = 0; i < t->cand && i < t->n; i++) {
		if (!(t->v[i].kind == T_IDENT && eq(&t->v[i], "typedef")))
			continue;
		size_t e = i + 1;
		int d = 0, fnlike = 0;
		for (; e < t->n && e < t->cand; e++) {
			const struct tok *k = &t->v[e];
			if (punct(k, "{")) d++;
			else if (punct(k, "}")) d--;
			else if (d == 0 && punct(k, ";")) break;
			if (punct(k, "(") && e + 1 < t->n && punct(&t->v[e + 1], "*"))
				fnlike = 1;
			if (k->kind == T_IDENT && !is_keyword(k) && e + 1 < t->n && punct(&t->v[e + 1], "("))
				fnlike = 1;
		}
		if (!fnlike)
			continue;
		const struct tok *last = NULL;
		for (size_t j = i + 1; j < e; j++) {
			const struct tok *k = &t->v[j];
			if (k->kind != T_IDENT || is_keyword(k))
				continue;
			last = k;
			int after_star = j >= 2 && punct(&t->v[j - 1], "*") && punct(&t->v[j - 2], "(");
			int before_paren = j + 1 < e && punct(&t->v[j + 1], "(");
			if ((after_star || before_paren) && names_add(ft, k))
				return -1;
		}
		if (last && names_add(ft, last))
			return -1;
		i = e;
	}
	return 0;
}

static int refuse(char *msg, size_t msglen, const struct tok *k, const char *what)
{
	snprintf(msg, msglen, "line %d: %s '%.*s' is not allowed by this evaluator (it would bypass the symbol whitelist)",
	         k->line, what, k->len > 40 ? 40 : (int)k->len, k->p);
	return -1;
}

#define MAX_SHADOW 64 /* locals hiding a function name, nested; more are not tracked (refused) */

static int check(const struct toks *t, const struct names *fn, const struct names *ft, char *msg,
                 size_t msglen)
{
	int brace = 0, nshadow = 0;
	struct { const struct tok *k; int depth; } shadow[MAX_SHADOW];
	size_t typedef_end = 0;      /* tokens before this index are inside a typedef */
	size_t params_end = 0;       /* ... inside a file-scope declarator's parameters */
	for (size_t i = t->cand; i < t->n; i++) {
		const struct tok *k = &t->v[i];
		const struct tok *nx = i + 1 < t->n ? &t->v[i + 1] : NULL;
		const struct tok *pv = i > t->cand ? &t->v[i - 1] : NULL;
		if (k->kind == T_IDENT) {
			if (eq(k, "asm") || eq(k, "__asm") || eq(k, "__asm__"))
				return refuse(msg, msglen, k, "inline assembly");
			if (eq(k, "typeof") || eq(k, "__typeof") || eq(k, "__typeof__"))
				return refuse(msg, msglen, k, "the type operator");
			if (eq(k, "_Pragma"))
				return refuse(msg, msglen, k, "the pragma operator");
			if (k->len > 10 && !memcmp(k->p, "__builtin_", 10)) {
				int ok = 0;
				for (int b = 0; harmless_builtins[b]; b++)
					ok |= eq(k, harmless_builtins[b]);
				if (!ok)
					return refuse(msg, msglen, k, "the builtin");
			}
			if (is_attr(k)) {
				if (!nx || !punct(nx, "("))
					return refuse(msg, msglen, k, "a malformed attribute");
				size_t e = match(t, i + 1);
				if (e >= t->n)
					return refuse(msg, msglen, k, "a malformed attribute");
				/* names at depth 2: __attribute__((name, name(args)));
				 * none belongs at depth 1 (tcc wants the double parentheses) */
				int d = 0;
				for (size_t j = i + 1; j < e; j++) {
					const struct tok *a = &t->v[j];
					if (punct(a, "(")) d++;
					else if (punct(a, ")")) d--;
					else if (d <= 2 && a->kind == T_IDENT && (d < 2 || !attr_harmless(a)))
						return refuse(msg, msglen, a, "the attribute");
				}
				i = e;
				continue;
			}
			if (eq(k, "goto") && nx && punct(nx, "*"))
				return refuse(msg, msglen, k, "a computed");
			if (eq(k, "typedef")) {
				size_t j = i + 1;
				int d = 0;
				for (; j < t->n; j++) {
					if (punct(&t->v[j], "{")) d++;
					else if (punct(&t->v[j], "}")) d--;
					else if (d == 0 && punct(&t->v[j], ";")) break;
				}
				typedef_end = j;
			}
			int member = pv && (punct(pv, ".") || punct(pv, "->"));
			if (nx && punct(nx, "(") && !is_keyword(k) && !member) {
				if (i < typedef_end)
					return refuse(msg, msglen, k, "a function type in a typedef,");
				if (i < params_end)
					return refuse(msg, msglen, k, "a parameter of function type,");
				if (brace == 0)
					params_end = match(t, i + 1);
			}
			if (!member && names_has(ft, k))
				return refuse(msg, msglen, k, "the prelude's function pointer type");
			/* "double exp;" declares a member or a local: not a use.  In a
			 * block, the local hides the function until the block ends
			 * (C scoping), so "double sign = ...; w -= sign * lr;" is fine. */
			int decl = pv && is_type_keyword(pv);
			if (decl && brace > 0 && nshadow < MAX_SHADOW && names_has(fn, k)) {
				shadow[nshadow].k = k;
				shadow[nshadow++].depth = brace;
			}
			int hidden = 0;
			for (int s = 0; s < nshadow && !hidden; s++)
				hidden = shadow[s].k->len == k->len && !memcmp(shadow[s].k->p, k->p, k->len);
			if (!member && !decl && !hidden && !(nx && punct(nx, "(")) && names_has(fn, k))
				return refuse(msg, msglen, k, "using a function other than by calling it:");
			continue;
		}
		if (k->kind != T_PUNCT)
			continue;
		if (punct(k, "{")) brace++;
		else if (punct(k, "}")) {
			brace -= brace > 0;
			while (nshadow > 0 && shadow[nshadow - 1].depth > brace)
				nshadow--;
		} else if (punct(k, "&&") && !(pv && operand_end(pv)))
			return refuse(msg, msglen, k, "a label address");
		else if (punct(k, "(") && nx && punct(nx, "*")) {
			size_t e = match(t, i);
			if (e + 1 < t->n && punct(&t->v[e + 1], "("))
				return refuse(msg, msglen, nx, "a function pointer");
		}
	}
	return 0;
}

int sbx_ppscan(const char *pp, size_t len, int allow, size_t *cand_off, char *msg, size_t msglen)
{
	struct toks t = { 0 };
	struct names fn = { 0 }, ft = { 0 };
	int pragma_comment = 0, rc = -1;
	if (cand_off)
		*cand_off = len;
	if (tokenize(pp, len, &t, &pragma_comment) || collect_functions(&t, &fn) ||
	    collect_fn_typedefs(&t, &ft)) {
		snprintf(msg, msglen, "out of memory scanning the preprocessed candidate");
		goto out;
	}
	if (!t.have_cand) {
		snprintf(msg, msglen, "the preprocessed source has no candidate part");
		goto out;
	}
	if (cand_off) /* just after the marker's ';' */
		*cand_off = t.cand <= t.n ? (size_t)(t.v[t.cand - 1].p + t.v[t.cand - 1].len - pp) : len;
	if (allow) {
		rc = 0;
		goto out;
	}
	if (pragma_comment) {
		snprintf(msg, msglen, "line %d: #pragma comment is not allowed (it links libraries)", pragma_comment);
		goto out;
	}
	rc = check(&t, &fn, &ft, msg, msglen);
out:
	free(t.v);
	free(fn.v);
	free(fn.idx);
	free(ft.v);
	free(ft.idx);
	return rc;
}
