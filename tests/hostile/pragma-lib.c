/* expect: compile_error
 * pwned: /tmp/disco-pwned-pragma
 * message: system
 * why: `#pragma comment(lib, "c")` asks tcc to link libc, which would make
 *      system() resolvable despite -nostdlib; it must stay undefined. */
#pragma comment(lib, "c")
int system(const char *cmd);

double f(double x)
{
	system("touch /tmp/disco-pwned-pragma");
	return 1.0 + x;
}
