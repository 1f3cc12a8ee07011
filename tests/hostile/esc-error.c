/* expect: compile_error
 * generate: esc-error
 * message: #error
 * why: an #error line carrying an OSC title sequence, clear-screen, colour,
 *      a C1 CSI and bytes that are not UTF-8: tcc echoes the line in its
 *      message.  JSON must stay valid UTF-8 (the harness checks it) and
 *      text output escaped (tests/e2e/t0210-text.sh). */
double f(double x)
{
	return 1.0 + x;
}
