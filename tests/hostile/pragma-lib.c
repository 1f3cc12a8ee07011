/* expect: rejected
 * pwned: /tmp/disco-pwned-pragma
 * message: pragma
 * why: `#pragma comment(lib, "c")` asks tcc to link libc, which would make
 *      system() resolvable despite -nostdlib.  The prescan refuses
 *      `#pragma comment` outright (sandbox/sbx.h), before tcc sees it. */
#pragma comment(lib, "c")
int system(const char *cmd);

double f(double x)
{
	system("touch /tmp/disco-pwned-pragma");
	return 1.0 + x;
}
