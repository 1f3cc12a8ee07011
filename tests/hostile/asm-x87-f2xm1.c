/* expect: rejected
 * expect-asm: ok
 * message: inline assembly
 * why: exp(x) = 2^(x log2 e) in a few x87 instructions (fldl2e, frndint,
 *      f2xm1, fscale): near-exact with no counted operation and no
 *      whitelisted call.  Refused by default; where an evaluator allows
 *      asm it is an ordinary (excellent) candidate. */
double f(double x)
{
	double r;
	__asm__("fldl %1\n\t"
	        "fldl2e\n\t"
	        "fmulp\n\t"             /* t = x * log2(e) */
	        "fld %%st(0)\n\t"
	        "frndint\n\t"           /* st0 = n = round(t), st1 = t */
	        "fxch\n\t"
	        "fsub %%st(1), %%st(0)\n\t" /* st0 = t - n, st1 = n */
	        "f2xm1\n\t"
	        "fld1\n\t"
	        "faddp\n\t"             /* 2^(t - n) */
	        "fscale\n\t"            /* * 2^n */
	        "fstp %%st(1)\n\t"
	        "fstpl %0"
	        : "=m"(r) : "m"(x));
	return r;
}
