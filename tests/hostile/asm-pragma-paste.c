/* expect: rejected
 * why: _Pragma built by token pasting, out of the reach of the source
 *      scan, asking the linker for a library. */
#define CAT(a, b) a##b
CAT(_Pra, gma)("comment(lib, \"m\")")
double f(double x)
{
	return 1.0 + x;
}
