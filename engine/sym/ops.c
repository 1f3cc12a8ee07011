/*
 * ops.c - the one table of symbolic operations and their semantics.
 * Everything else in engine/sym switches over sym_ops[]; sym_apply() is
 * the interpreter's meaning of each row, written to match the row's C
 * spelling operation for operation (same order, same rounding; the build
 * is ISO C, so the compiler never contracts a * b + c into an fma).
 */
#include <math.h>
#include <string.h>

#include "engine/sym/sym.h"

const struct sym_opinfo sym_ops[SYM_NOPS] = {
#define SYM_ROW_(id, nm, ar, co, cm, fo, ty, cs) [SYM_##id] = { nm, ar, co, cm, fo, ty, cs },
	SYM_OPS(SYM_ROW_)
#undef SYM_ROW_
};

int sym_op_find(const char *name)
{
	for (int i = 0; i < SYM_NOPS; i++)
		if (!strcmp(sym_ops[i].name, name))
			return i;
	return -1;
}

double sym_apply(int op, double a, double b, double c)
{
	switch ((enum sym_op)op) {
	case SYM_MOV: return a;
	case SYM_ADD: return a + b;
	case SYM_SUB: return a - b;
	case SYM_MUL: return a * b;
	case SYM_DIV: return a / b;
	case SYM_NEG: return -a;
	case SYM_SQUARE: return a * a;
	case SYM_RECIP: return 1.0 / a;
	case SYM_FMA: return fma(a, b, c);
	case SYM_ABS: return fabs(a);
	case SYM_SIGN: return (double)((a > 0) - (a < 0)); /* optim's prelude sign() */
	case SYM_SQRT: return sqrt(a);
	case SYM_EXP: return exp(a);
	case SYM_LOG: return log(a);
	case SYM_TANH: return tanh(a);
	case SYM_FLOOR: return floor(a);
	case SYM_MIN: return fmin(a, b);
	case SYM_MAX: return fmax(a, b);
	case SYM_CLIP: return fmin(fmax(a, b), c);
	case SYM_LERP: return a + c * (b - a);
	case SYM_POW: return pow(a, b);
	case SYM_NOPS: break;
	}
	return NAN;
}
