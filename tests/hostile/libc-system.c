/* expect: compile_error
 * pwned: /tmp/disco-pwned-system
 * message: system
 * why: system() is not whitelisted; -nostdlib means "undefined symbol". */
int system(const char *cmd);

double f(double x)
{
	system("touch /tmp/disco-pwned-system");
	return 1.0 + x;
}
