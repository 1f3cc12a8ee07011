/*
 * sbx_int.h - pieces shared inside sandbox/ only: the seccomp programs,
 * the in-child compiler, the plug-in host, and the exit codes a child uses
 * to say how it ended.  Nothing outside sandbox/ includes this (the same
 * rule as archive/arc_int.h: MODULE_int.h is a module's private header).
 */
#ifndef DISCO_SBX_INT_H
#define DISCO_SBX_INT_H

#include <linux/filter.h>
#include <stddef.h>
#include <time.h>

#include "sandbox/sbx.h"

/* AddressSanitizer builds (make asan): ASan reserves terabytes of shadow
 * memory, so there is no RLIMIT_AS, and its runtime queries sigaltstack
 * from inside the sandbox, so the filters allow that one call too. */
#if defined(__SANITIZE_ADDRESS__)
#define SBX_ASAN 1
#endif

/* The sandbox's clock: CLOCK_MONOTONIC in ms (the same clock as
 * evaluators/mono.h, which the sandbox, a leaf, does not include). */
static inline double sbx_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Exit codes of a child.  A candidate can exit_group() with any of them;
 * that only ever makes its own result worse, never better. */
enum {
	SBX_EXIT_DONE = 0,
	SBX_EXIT_COMPILE = 71,
	SBX_EXIT_MEMORY = 72,
	SBX_EXIT_INVALID = 73,
	SBX_EXIT_SETUP = 74,
	SBX_EXIT_PLUGIN = 75, /* the plug-in evaluator failed (message in the report) */
	SBX_EXIT_REJECTED = 76, /* refused after preprocessing (sandbox/ppscan.c) */
	SBX_EXIT_STACK = 77,  /* the fault handler saw a stack overflow */
	SBX_EXIT_CANDSIG = 78, /* the candidate's own process was killed (signal in the report) */
};

/* Plug-in support in the child (sandbox/plugin_host.c): the check of a
 * compiled plug-in's struct (appends why to msg), and its description as
 * JSON (returns bytes written, 0 on error).  sbx_plugin_host() is in
 * sbx.h. */
int sbx_plugin_check(const struct ev_evaluator *ev, char *msg, size_t msglen);
size_t sbx_plugin_info_json(const struct ev_evaluator *ev, char *out, size_t cap);

/* The two filters, generated once by libseccomp in the fork server and
 * loaded raw in each child (cheap: no BPF generation per candidate). */
struct sbx_filters {
	struct sock_fprog compile; /* memory management; open* fails EACCES */
	struct sock_fprog run;     /* exit_group, rt_sigreturn, clock_gettime,
	                              write(3) for the report */
};
int sbx_filters_build(struct sbx_filters *f, char *err, size_t errlen);
void sbx_filters_free(struct sbx_filters *f);
/* The relaxed program for external commands (sandbox/spawn.c): everything
 * allowed but what no evaluator has business doing (ptrace, mount, bpf,
 * kexec, setns, unshare, keyctl, ..., kill(-1), TIOCSTI) and leaving the
 * process group (setsid, setpgid), which fail with EPERM.  Malloc'd
 * filter; free(out->filter). */
int sbx_filter_build_cmd(struct sock_fprog *out, char *err, size_t errlen);
/* Load one program in the calling process (no_new_privs must be set). */
int sbx_filter_load(const struct sock_fprog *prog);

/* Compile prelude + source with libtcc into memory the caller owns.
 * Returns 0 and fills entry[] (ev->entries order), or an SBX_EXIT_* code
 * with messages appended to msg ("LINE: text" lines).  *image and *image_len
 * give the mapping to munmap (also on failure, if non-NULL).  With pp
 * non-NULL (candidates), the source is preprocessed first, escape hatches
 * are refused (SBX_EXIT_REJECTED) unless ev->allow_asm, and the
 * candidate's preprocessed text is copied to pp (NUL-terminated, at most
 * pp_cap bytes with the NUL, length in *pp_len).  The code pages of the
 * image end up read + execute, never writable. */
struct sbx_img {
	char *k;         /* the program's __disco_k, or NULL */
	char *data;      /* its writable data (after the code), data_len bytes */
	size_t data_len;
};
int sbx_compile(const struct ev_evaluator *ev, const char *source,
                size_t mem_limit, void **entry, void **image, size_t *image_len,
                char *pp, size_t pp_cap, size_t *pp_len, char *msg, size_t msglen);
/* The same, filling *img (FIT jobs). */
int sbx_compile_img(const struct ev_evaluator *ev, const char *source, size_t mem_limit, int rendered,
                    void **entry, void **image, size_t *image_len, char *pp, size_t pp_cap,
                    size_t *pp_len, char *msg, size_t msglen, struct sbx_img *img);

#endif
