/* expect: rejected
 * expect-asm: compile_error
 * why: __builtin_* other than the harmless few (expect, constant_p, ...)
 *      is refused after preprocessing.  Allowed, tcc 0.9.27 has no
 *      __builtin_trap: it is an implicit declaration of an undefined
 *      symbol, so compile_error (ud2 is in trap-ud2.c). */
double f(double x)
{
	if (x > 2.0)
		return x;
	__builtin_trap();
	return x;
}
