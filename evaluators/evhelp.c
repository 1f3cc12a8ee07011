/*
 * evhelp.c - helpers shared by every evaluator (declared at the bottom of
 * evaluators/evaluator.h): metrics, the operation counter used as the "ops"
 * descriptor, and disco's table of libm symbols a candidate may be offered.
 *
 * Everything here is immutable data or a pure function; nothing allocates.
 */
#include "sandbox/csrc.h"
#include "evaluators/evaluator.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* --- the math table ------------------------------------------------------ */

/* One list gives both the symbol table and the prelude, so the prototypes
 * the candidate compiles against can never drift from the addresses it
 * links to.  X(return type, name, parameter list). */
#define EV_MATH_LIST(X)                          \
	X(double, sin, (double))                     \
	X(double, cos, (double))                     \
	X(double, tan, (double))                     \
	X(double, asin, (double))                    \
	X(double, acos, (double))                    \
	X(double, atan, (double))                    \
	X(double, atan2, (double, double))           \
	X(double, sinh, (double))                    \
	X(double, cosh, (double))                    \
	X(double, tanh, (double))                    \
	X(double, asinh, (double))                   \
	X(double, acosh, (double))                   \
	X(double, atanh, (double))                   \
	X(double, exp, (double))                     \
	X(double, exp2, (double))                    \
	X(double, expm1, (double))                   \
	X(double, log, (double))                     \
	X(double, log2, (double))                    \
	X(double, log10, (double))                   \
	X(double, log1p, (double))                   \
	X(double, logb, (double))                    \
	X(double, pow, (double, double))             \
	X(double, sqrt, (double))                    \
	X(double, cbrt, (double))                    \
	X(double, hypot, (double, double))           \
	X(double, fabs, (double))                    \
	X(double, floor, (double))                   \
	X(double, ceil, (double))                    \
	X(double, round, (double))                   \
	X(double, trunc, (double))                   \
	X(double, nearbyint, (double))               \
	X(double, rint, (double))                    \
	X(double, fmod, (double, double))            \
	X(double, remainder, (double, double))       \
	X(double, fmin, (double, double))            \
	X(double, fmax, (double, double))            \
	X(double, fdim, (double, double))            \
	X(double, copysign, (double, double))        \
	X(double, ldexp, (double, int))              \
	X(double, frexp, (double, int *))            \
	X(double, modf, (double, double *))          \
	X(double, scalbn, (double, int))             \
	X(int, ilogb, (double))                      \
	X(double, fma, (double, double, double))     \
	X(double, erf, (double))                     \
	X(double, erfc, (double))                    \
	X(double, tgamma, (double))                  \
	X(double, lgamma, (double))

#define EV_SYM_ROW(ret, name, params) {#name, (const void *)&name},
const struct ev_symbol ev_math_symbols[] = {
	EV_MATH_LIST(EV_SYM_ROW)
	{NULL, NULL},
};

#define EV_PROTO(ret, name, params) #ret " " #name #params ";\n"
const char ev_math_prelude[] = EV_MATH_LIST(EV_PROTO);

const void *ev_math_lookup(const char *name)
{
	if (!name)
		return NULL;
	for (const struct ev_symbol *s = ev_math_symbols; s->name; s++)
		if (strcmp(s->name, name) == 0)
			return s->addr;
	return NULL;
}

/* --- metrics ------------------------------------------------------------- */

/* The sandbox child's link to the candidate's process (evaluator.h). */
static struct ev_remote *remote;

struct ev_remote *ev_remote(void)
{
	return remote;
}

void ev_remote_set(struct ev_remote *rm)
{
	remote = rm;
}

void ev_metric(struct ev_result *res, const char *name, double value)
{
	if (!res || !name || res->nmetrics < 0 || res->nmetrics >= EV_MAX_METRICS)
		return;
	struct ev_metric *m = &res->metrics[res->nmetrics++];
	snprintf(m->name, sizeof m->name, "%s", name);
	m->value = value;
}

/* --- the operation counter ---------------------------------------------- */

/*
 * What counts (one each):
 *   binary + - * /         a + b, a*b, (a) - b, x[i] / 2
 *   compound += -= *= /=
 *   ++ and --              prefix or postfix
 *   a call of a function from ev_math_symbols: an identifier in the table
 *   followed (after blanks/comments) by '('.
 * What does not count:
 *   unary minus and plus   -1.0, x = -y, f(-x), return -y
 *   '*' in declarations and dereferences: after a type keyword, '(' ',' '='
 *       operator or statement start (double *p, *p = 1) it is not binary
 *   signs inside numbers   1e-5, 0x1p-3
 *   %, bit operators, comparisons, ->, assignment '='
 *   anything in comments, string/char literals and preprocessor lines.
 * Binary vs unary is decided by the previous token: an operand end
 * (identifier that is not a keyword, number, literal, ')' ']', postfix ++ --)
 * makes the next + - * binary.  Known approximations: a cast such as
 * (double)-x counts the minus, and a '*' after a typedef name (my_t *p)
 * counts as a multiplication.
 *
 * Hostile text: the scan is linear, every loop is bounded by len, an
 * unterminated comment or literal just runs to its end, arbitrary bytes are
 * skipped, and the count saturates at INT_MAX.
 */

static int is_ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_ident_char(unsigned char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Keywords after which + - * are unary (or a declarator). */
static int is_prefix_keyword(const char *s, size_t n)
{
	static const char *const kw[] = {
		"return", "case", "else", "do", "sizeof", "double", "float", "int",
		"long", "short", "char", "unsigned", "signed", "void", "const",
		"volatile", "static", "register", "restrict", "extern", "inline",
		"_Bool", "typedef", "goto", NULL,
	};
	for (int i = 0; kw[i]; i++)
		if (kw[i][0] == s[0] && strlen(kw[i]) == n && memcmp(kw[i], s, n) == 0)
			return 1;
	return 0;
}

static int is_math_name(const char *s, size_t n)
{
	if (n > 16)
		return 0;
	for (const struct ev_symbol *m = ev_math_symbols; m->name; m++)
		if (m->name[0] == s[0] && strlen(m->name) == n && memcmp(m->name, s, n) == 0)
			return 1;
	return 0;
}

/* Skips a preprocessor line starting at '#' (with continuations and
 * comments, which may hide a newline). */
static size_t skip_directive(const char *src, size_t len, size_t i)
{
	while (i < len && src[i] != '\n') {
		if (src[i] == '\\' && i + 1 < len) {
			i += 2;
			continue;
		}
		if (src[i] == '/' && i + 1 < len && (src[i + 1] == '*' || src[i + 1] == '/')) {
			i = csrc_skip_comment(src, len, i);
			continue;
		}
		if (src[i] == '"' || src[i] == '\'') {
			i = csrc_skip_literal(src, len, i);
			continue;
		}
		i++;
	}
	return i;
}

/* The index of the next significant character at or after i. */
static size_t skip_blank(const char *src, size_t len, size_t i)
{
	for (;;) {
		while (i < len && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' ||
		                   src[i] == '\r' || src[i] == '\f' || src[i] == '\v'))
			i++;
		size_t j = csrc_skip_comment(src, len, i);
		if (j == i)
			return i;
		i = j;
	}
}

int ev_count_ops(const char *src, size_t len)
{
	if (!src)
		return 0;
	long long count = 0;
	int operand = 0;  /* the previous token ends an operand */
	int line_start = 1; /* only blanks since the last newline */
	size_t i = 0;
	while (i < len && count < INT_MAX) {
		unsigned char c = (unsigned char)src[i];
		if (c == '\n') {
			line_start = 1;
			i++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			i++;
			continue;
		}
		if (c == '/' && i + 1 < len && (src[i + 1] == '*' || src[i + 1] == '/')) {
			size_t j = csrc_skip_comment(src, len, i);
			if (memchr(src + i, '\n', j - i))
				line_start = 1;
			i = j;
			continue; /* a comment alone does not end line_start */
		}
		if (c == '#' && line_start) {
			i = skip_directive(src, len, i);
			continue;
		}
		line_start = 0;
		if (c == '"' || c == '\'') {
			i = csrc_skip_literal(src, len, i);
			operand = 1;
			continue;
		}
		if (is_digit(c) || (c == '.' && i + 1 < len && is_digit((unsigned char)src[i + 1]))) {
			/* a preprocessing number: 1.5e-3, 0x1p+4, 10UL */
			i++;
			while (i < len) {
				unsigned char d = (unsigned char)src[i];
				if ((d == '+' || d == '-') && (src[i - 1] == 'e' || src[i - 1] == 'E' ||
				                               src[i - 1] == 'p' || src[i - 1] == 'P'))
					i++;
				else if (is_ident_char(d) || d == '.')
					i++;
				else
					break;
			}
			operand = 1;
			continue;
		}
		if (is_ident_start(c)) {
			size_t s = i;
			while (i < len && is_ident_char((unsigned char)src[i]))
				i++;
			size_t n = i - s;
			if (is_prefix_keyword(src + s, n)) {
				operand = 0;
				continue;
			}
			size_t j = skip_blank(src, len, i);
			if (j < len && src[j] == '(' && is_math_name(src + s, n)) /* a call */
				count++;
			operand = 1;
			continue;
		}
		char next = i + 1 < len ? src[i + 1] : '\0';
		if ((c == '+' || c == '-') && next == c) { /* ++ -- */
			count++;
			i += 2;
			/* postfix keeps the operand; prefix leaves the state alone */
			continue;
		}
		if ((c == '+' || c == '-' || c == '*' || c == '/') && next == '=') {
			count++;
			i += 2;
			operand = 0;
			continue;
		}
		if (c == '-' && next == '>') {
			i += 2;
			operand = 0;
			continue;
		}
		if (c == '+' || c == '-' || c == '*') {
			if (operand)
				count++;
			i++;
			operand = 0;
			continue;
		}
		if (c == '/') {
			count++;
			i++;
			operand = 0;
			continue;
		}
		operand = (c == ')' || c == ']');
		i++;
	}
	return count > INT_MAX ? INT_MAX : (int)count;
}
