/*
 * filter.c - the three seccomp programs, generated with libseccomp: the
 * candidate's compile and run programs, and the relaxed one for external
 * evaluator commands (sandbox/spawn.c).
 *
 * libseccomp writes the BPF once (in the fork server); children load the
 * raw program with prctl, which costs microseconds instead of the tens of
 * microseconds seccomp_load() spends generating it each time.  Other
 * architectures' syscall entries (int 0x80, x32) kill the process.
 */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "sandbox/sbx_int.h"

/* Export a context's BPF through a memfd into a malloc'd sock_fprog. */
static int export_bpf(scmp_filter_ctx ctx, struct sock_fprog *out, char *err, size_t errlen)
{
	int fd = memfd_create("disco-bpf", MFD_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "memfd_create: %s", strerror(errno));
		return -1;
	}
	int rc = seccomp_export_bpf(ctx, fd);
	off_t len = rc == 0 ? lseek(fd, 0, SEEK_END) : -1;
	if (rc != 0 || len <= 0 || len % (off_t)sizeof(struct sock_filter)) {
		snprintf(err, errlen, "seccomp_export_bpf failed (%d)", rc);
		close(fd);
		return -1;
	}
	struct sock_filter *prog = malloc((size_t)len);
	if (!prog || pread(fd, prog, (size_t)len, 0) != len) {
		free(prog);
		close(fd);
		snprintf(err, errlen, "reading the seccomp program failed");
		return -1;
	}
	close(fd);
	out->filter = prog;
	out->len = (unsigned short)(len / (off_t)sizeof(struct sock_filter));
	return 0;
}

static scmp_filter_ctx new_ctx(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (ctx)
		seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	return ctx;
}

static int allow(scmp_filter_ctx ctx, const int *nr, size_t n, uint32_t action)
{
	for (size_t i = 0; i < n; i++)
		if (seccomp_rule_add(ctx, action, nr[i], 0) != 0)
			return -1;
	return 0;
}

int sbx_filters_build(struct sbx_filters *f, char *err, size_t errlen)
{
	/* futex: the candidate's process and run()'s wait for each other
	 * (evaluator.h, ev_remote); on their own shared page only, which is
	 * all a futex can reach. */
	static const int run_ok[] = {
		SCMP_SYS(exit_group), SCMP_SYS(rt_sigreturn), SCMP_SYS(clock_gettime), SCMP_SYS(futex),
#ifdef SBX_ASAN
		SCMP_SYS(sigaltstack),
#endif
	};
	/* What glibc malloc and libtcc need while compiling and relocating. */
	static const int compile_ok[] = {
		SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
		SCMP_SYS(mprotect), SCMP_SYS(madvise),
	};
	/* Opening anything fails cleanly: an include that slipped past the
	 * prescan becomes a compile error, never a read. */
	static const int compile_eacces[] = {
		SCMP_SYS(open), SCMP_SYS(openat), SCMP_SYS(openat2), SCMP_SYS(stat),
		SCMP_SYS(lstat), SCMP_SYS(newfstatat), SCMP_SYS(access), SCMP_SYS(faccessat),
		SCMP_SYS(faccessat2), SCMP_SYS(readlink), SCMP_SYS(statx),
		SCMP_SYS(getcwd),
	};
	memset(f, 0, sizeof *f);
	scmp_filter_ctx run = new_ctx(), comp = new_ctx();
	int rc = -1;
	if (!run || !comp) {
		snprintf(err, errlen, "seccomp_init failed");
		goto out;
	}
	if (allow(run, run_ok, sizeof run_ok / sizeof *run_ok, SCMP_ACT_ALLOW) ||
	    allow(comp, run_ok, sizeof run_ok / sizeof *run_ok, SCMP_ACT_ALLOW) ||
	    allow(comp, compile_ok, sizeof compile_ok / sizeof *compile_ok, SCMP_ACT_ALLOW) ||
	    allow(comp, compile_eacces, sizeof compile_eacces / sizeof *compile_eacces,
	          SCMP_ACT_ERRNO(EACCES))) {
		snprintf(err, errlen, "seccomp_rule_add failed");
		goto out;
	}
	/* Both phases may write the child's one report on its result pipe
	 * (fd 3, sandbox/server.c), and nothing else. */
	if (seccomp_rule_add(run, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, SCMP_A0_32(SCMP_CMP_EQ, 3)) != 0 ||
	    seccomp_rule_add(comp, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, SCMP_A0_32(SCMP_CMP_EQ, 3)) != 0) {
		snprintf(err, errlen, "seccomp_rule_add(write) failed");
		goto out;
	}
	/* The compile phase installs the run filter: prctl(PR_SET_SECCOMP) only. */
	if (seccomp_rule_add(comp, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
	                     SCMP_A0(SCMP_CMP_EQ, PR_SET_SECCOMP)) != 0) {
		snprintf(err, errlen, "seccomp_rule_add(prctl) failed");
		goto out;
	}
	if (export_bpf(comp, &f->compile, err, errlen) || export_bpf(run, &f->run, err, errlen))
		goto out;
	rc = 0;
out:
	if (run) seccomp_release(run);
	if (comp) seccomp_release(comp);
	if (rc) sbx_filters_free(f);
	return rc;
}

/* ---- the relaxed program for external commands ---------------------------- */

/* Allow everything an interpreter and a compiler need; refuse (EPERM) what
 * no evaluator has business doing, and leaving the process group (setsid,
 * setpgid), which would let a process outlive the run. */
int sbx_filter_build_cmd(struct sock_fprog *out, char *err, size_t errlen)
{
	static const char *const deny[] = {
		"ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
		"mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree",
		"fsopen", "fsmount", "fsconfig", "fspick", "mount_setattr",
		"reboot", "kexec_load", "kexec_file_load", "init_module",
		"finit_module", "delete_module", "bpf", "perf_event_open",
		"swapon", "swapoff", "acct", "quotactl", "syslog", "setns", "unshare",
		"keyctl", "add_key", "request_key", "userfaultfd", "iopl", "ioperm",
		"settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
		"sethostname", "setdomainname", "open_by_handle_at",
		"name_to_handle_at", "fanotify_init", "lookup_dcookie", "vhangup",
		"setsid", "setpgid", NULL,
	};
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		snprintf(err, errlen, "seccomp_init failed");
		return -1;
	}
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	for (int i = 0; rc == 0 && deny[i]; i++) {
		int nr = seccomp_syscall_resolve_name(deny[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture */
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
	}
	/* kill(-1, sig) reaches every process the user may signal. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(kill), 1,
		                      SCMP_A0_32(SCMP_CMP_EQ, (uint32_t)-1));
	/* Typing into the engine's terminal. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
		                      SCMP_A1_64(SCMP_CMP_EQ, TIOCSTI));
	if (rc != 0) {
		snprintf(err, errlen, "building the seccomp filter failed: %s", strerror(-rc));
		seccomp_release(ctx);
		return -1;
	}
	rc = export_bpf(ctx, out, err, errlen);
	seccomp_release(ctx);
	return rc;
}

void sbx_filters_free(struct sbx_filters *f)
{
	free(f->compile.filter);
	free(f->run.filter);
	memset(f, 0, sizeof *f);
}

int sbx_filter_load(const struct sock_fprog *prog)
{
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog, 0, 0);
}
