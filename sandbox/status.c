/* status.c - names of sandbox outcomes and signals, as users see them. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "sandbox/sbx.h"

static const char *const names[SBX_NSTATUS] = {
	[SBX_OK] = "ok",
	[SBX_REJECTED] = "rejected",
	[SBX_COMPILE_ERROR] = "compile_error",
	[SBX_TIMEOUT] = "timeout",
	[SBX_CRASH] = "crash",
	[SBX_MEMORY] = "memory",
	[SBX_SYSCALL] = "syscall",
	[SBX_INVALID_OUTPUT] = "invalid_output",
};

const char *sbx_status_name(enum sbx_status s)
{
	return (unsigned)s < SBX_NSTATUS ? names[s] : "unknown";
}

int sbx_status_parse(const char *s)
{
	for (int i = 0; i < SBX_NSTATUS; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

const char *sbx_signal_name(int sig)
{
	static char buf[32];
	const char *abbrev = sigabbrev_np(sig);
	if (!abbrev) {
		snprintf(buf, sizeof buf, "signal %d", sig);
		return buf;
	}
	snprintf(buf, sizeof buf, "SIG%s", abbrev);
	return buf;
}
