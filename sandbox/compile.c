/*
 * compile.c - libtcc compilation of a candidate, inside the sandbox child.
 *
 * -nostdlib and an explicit symbol whitelist: anything the evaluator does
 * not offer (system, fopen, malloc...) fails to link.  The image is
 * relocated into memory mapped here, whose size is checked against the
 * memory limit first (a huge static array is a memory failure, not a
 * surprise for the allocator).
 */
#include <ctype.h>
#include <libtcc.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "sandbox/sbx_int.h"

/* Conversions tcc emits as calls (normally from libtcc1.a, which
 * -nostdlib leaves out): offered to every candidate. */
static unsigned long long fixunsdfdi(double d) { return (unsigned long long)d; }
static unsigned long long fixunssfdi(float f) { return (unsigned long long)f; }
static unsigned long long fixunsxfdi(long double d) { return (unsigned long long)d; }
static double floatundidf(unsigned long long u) { return (double)u; }
static float floatundisf(unsigned long long u) { return (float)u; }
static long double floatundixf(unsigned long long u) { return (long double)u; }
static const struct ev_symbol runtime[] = {
	{ "__fixunsdfdi", (const void *)fixunsdfdi }, { "__fixunssfdi", (const void *)fixunssfdi },
	{ "__fixunsxfdi", (const void *)fixunsxfdi }, { "__floatundidf", (const void *)floatundidf },
	{ "__floatundisf", (const void *)floatundisf }, { "__floatundixf", (const void *)floatundixf },
	{ NULL, NULL },
};

struct msgbuf {
	char *buf;
	size_t len, cap;
	int dropped;
	int errors, memory;
};

static void msg_append(struct msgbuf *m, const char *text)
{
	if (m->len + 2 >= m->cap) { m->dropped++; return; }
	int n = snprintf(m->buf + m->len, m->cap - m->len, "%s%s", m->len ? "\n" : "", text);
	if (n < 0 || (size_t)n >= m->cap - m->len) {
		m->buf[m->len] = 0;
		m->dropped++;
		return;
	}
	m->len += (size_t)n;
}

/* tcc reports "candidate.c:3: error: x" or "tcc: error: undefined symbol";
 * keep "3: error: x" and "error: undefined symbol". */
static void on_error(void *opaque, const char *msg)
{
	struct msgbuf *m = opaque;
	const char *p = msg;
	char line[512];
	if (!strncmp(p, "candidate.c:", 12))
		p += 12;
	else if (!strncmp(p, "tcc: ", 5))
		p += 5;
	else if (!strncmp(p, "<string>:", 9)) /* the prelude: the evaluator's fault */
		p = msg;
	if (strstr(p, "error:"))
		m->errors++;
	if (strstr(p, "implicit declaration")) {
		/* tcc says "warning:", but disco refuses it: say "error:" */
		const char *w = strstr(p, "warning: ");
		m->errors++;
		if (w)
			snprintf(line, sizeof line, "%.*serror: %s (implicit declarations are errors)", (int)(w - p), p,
			         w + strlen("warning: "));
		else
			snprintf(line, sizeof line, "%s (implicit declarations are errors)", p);
		p = line;
	}
	if (strstr(p, "memory full"))
		m->memory = 1;
	msg_append(m, p);
}

/* Run tcc's preprocessor over the whole text (prelude + candidate) into
 * memory.  libtcc writes preprocessor output to the FILE that `stdout` was
 * when the state was created (tcc_new: s->ppfp = stdout), so the state is
 * created while stdout is a memory stream: no file, no system call beyond
 * memory management.  Returns the text (malloc'd) or NULL. */
static char *preprocess(const char *all, struct msgbuf *m, size_t *len)
{
	char *buf = NULL;
	size_t blen = 0;
	FILE *mf = open_memstream(&buf, &blen);
	if (!mf)
		return NULL;
	FILE *saved = stdout;
	stdout = mf;
	TCCState *p = tcc_new();
	stdout = saved;
	int rc = -1;
	if (p) {
		tcc_set_error_func(p, m, on_error);
		tcc_set_options(p, "-nostdlib -nostdinc");
		tcc_set_output_type(p, TCC_OUTPUT_PREPROCESS);
		rc = tcc_compile_string(p, all);
		tcc_delete(p);
	}
	fclose(mf);
	if (rc != 0 || m->errors) {
		free(buf);
		return NULL;
	}
	*len = blen;
	return buf;
}

/* Scan text (len bytes: fence, prelude, marker, candidate) for escape
 * hatches, and copy its candidate part (after the marker, from *off) to
 * pp (cap bytes).  preprocessed: text is tcc -E's output (said in the
 * size message).  Returns 0 or an exit code with a message in m. */
static int scan_candidate(const struct ev_evaluator *ev, const char *text, size_t len, int preprocessed,
                          struct msgbuf *m, char *pp, size_t cap, size_t *pp_len, size_t *off)
{
	char line[SBX_MSG_MAX];
	*off = 0;
	if (sbx_ppscan(text, len, ev->allow_asm, off, line, sizeof line)) {
		msg_append(m, line);
		return SBX_EXIT_REJECTED;
	}
	size_t n = len - *off;
	if (n >= cap) {
		if (preprocessed)
			snprintf(line, sizeof line,
			         "the candidate expands to %zu bytes after preprocessing; the limit is %zu", n, cap - 1);
		else
			snprintf(line, sizeof line, "the candidate is %zu bytes; the limit is %zu", n, cap - 1);
		msg_append(m, line);
		return SBX_EXIT_REJECTED;
	}
	if (pp) {
		memcpy(pp, text + *off, n);
		pp[n] = 0;
	}
	*pp_len = pp ? n : 0;
	return 0;
}

/* Preprocess, refuse escape hatches unless the evaluator allows them, and
 * copy the candidate's part of the preprocessed text to pp (cap bytes).
 * *full is the whole preprocessed text (malloc'd): what gets compiled, so
 * what was scanned is exactly what compiles, and preprocessing runs once. */
static int check_preprocessed(const struct ev_evaluator *ev, const char *all, struct msgbuf *m,
                              char *pp, size_t cap, size_t *pp_len, char **full)
{
	size_t len = 0, off = 0;
	char *text = preprocess(all, m, &len);
	if (!text) {
		if (!m->errors)
			msg_append(m, "error: preprocessing failed");
		return m->memory ? SBX_EXIT_MEMORY : SBX_EXIT_COMPILE;
	}
	int rc = scan_candidate(ev, text, len, 1, m, pp, cap, pp_len, &off);
	if (rc) {
		free(text);
		return rc;
	}
	/* tcc -E drops the file name of "#line 0 \"candidate.c\"" (it prints
	 * linemarkers only for jumps of 8 lines or more): say it again after
	 * the marker, so compiler messages still name the candidate's lines. */
	static const char again[] = "\n#line 1 \"candidate.c\"";
	*full = malloc(len + sizeof again);
	if (!*full) {
		free(text);
		msg_append(m, "out of memory preprocessing");
		return SBX_EXIT_MEMORY;
	}
	memcpy(*full, text, off);
	memcpy(*full + off, again, sizeof again - 1);
	memcpy(*full + off + sizeof again - 1, text + off, len - off + 1);
	free(text);
	return 0;
}

/* Text the preprocessor would pass through unchanged (but for comments
 * and spacing): no directive or digraph for one, no line splice, no
 * trigraph, and no identifier starting with '_' (the predefined macros,
 * _Pragma, every reserved name).  The engine's renderings of IR are
 * such text (a job says so with sbx_job.rendered); anything else, or a
 * rendering that is not, goes through tcc -E. */
static int plain(const char *s)
{
	if (!s)
		return 1;
	for (const char *p = s; *p; p++) {
		if (*p == '#' || *p == '\\' || (p[0] == '%' && p[1] == ':') || (p[0] == '?' && p[1] == '?'))
			return 0;
		if (*p == '_' && (p == s || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')))
			return 0;
	}
	return 1;
}

/* Code pages stay executable but stop being writable: no candidate can
 * write instructions of its own (f2xm1 bytes copied over a function).
 * tcc lays out executable sections first, then data; the fence, the
 * first initialized variable, page-aligns the data so the two never
 * share a page. */
static const char fence_decl[] =
	"char __disco_data_fence[1] __attribute__((aligned(4096))) = { 1 };\n#line 1\n";

static int protect_code(TCCState *s, void *mem, size_t size, struct msgbuf *m)
{
	char *fence = tcc_get_symbol(s, "__disco_data_fence");
	if (!fence || fence < (char *)mem || fence > (char *)mem + size || ((uintptr_t)fence & 4095)) {
		msg_append(m, "error: cannot find the end of the program's code");
		return -1;
	}
	size_t code = (size_t)(fence - (char *)mem);
	if (code && mprotect(mem, code, PROT_READ | PROT_EXEC)) {
		msg_append(m, "error: cannot protect the program's code");
		return -1;
	}
	return 0;
}

int sbx_compile(const struct ev_evaluator *ev, const char *source,
                size_t mem_limit, void **entry, void **image, size_t *image_len,
                char *pp, size_t pp_cap, size_t *pp_len, char *msg, size_t msglen)
{
	return sbx_compile_img(ev, source, mem_limit, 0, entry, image, image_len, pp, pp_cap, pp_len,
	                       msg, msglen, NULL);
}

int sbx_compile_img(const struct ev_evaluator *ev, const char *source, size_t mem_limit, int rendered,
                    void **entry, void **image, size_t *image_len, char *pp, size_t pp_cap,
                    size_t *pp_len, char *msg, size_t msglen, struct sbx_img *img)
{
	struct msgbuf m = { msg, strlen(msg), msglen, 0, 0, 0 };
	*image = NULL;
	*image_len = 0;
	int rc = SBX_EXIT_COMPILE;
	char text[256];

	size_t fl = sizeof fence_decl - 1, pl = strlen(ev->prelude ? ev->prelude : ""), sl = strlen(source);
	/* The typedef, on line 0 of candidate.c, marks where the candidate
	 * starts in preprocessor output (tcc -E does not always print a
	 * linemarker for a #line, but counts lines from it exactly). */
	static const char mark[] = "\n#line 0 \"candidate.c\"\ntypedef int __disco_candidate;\n";
	char *all = malloc(fl + pl + sizeof mark + sl + 1);
	TCCState *s = tcc_new();
	if (!all || !s) {
		msg_append(&m, "out of memory starting the compiler");
		free(all);
		if (s) tcc_delete(s);
		return SBX_EXIT_MEMORY;
	}
	memcpy(all, fence_decl, fl);
	memcpy(all + fl, ev->prelude ? ev->prelude : "", pl);
	memcpy(all + fl + pl, mark, sizeof mark - 1);
	memcpy(all + fl + pl + sizeof mark - 1, source, sl + 1);

	if (pp && rendered && plain(ev->prelude) && plain(source)) {
		/* Nothing for the preprocessor to change: scan what compiles.
		 * The text as the compiler sees it is the source as submitted,
		 * which the engine has: no copy of it comes back (*pp_len 0). */
		size_t off;
		rc = scan_candidate(ev, all, strlen(all), 0, &m, NULL, pp_cap, pp_len, &off);
		if (rc)
			goto out;
		rc = SBX_EXIT_COMPILE;
	} else if (pp) {
		char *full = NULL;
		rc = check_preprocessed(ev, all, &m, pp, pp_cap, pp_len, &full);
		if (rc)
			goto out;
		free(all);
		all = full;
		rc = SBX_EXIT_COMPILE;
	}

	tcc_set_error_func(s, &m, on_error);
	tcc_set_options(s, "-nostdlib -nostdinc -Wimplicit-function-declaration");
	tcc_set_output_type(s, TCC_OUTPUT_MEMORY);
	for (const struct ev_symbol *sym = runtime; sym->name; sym++)
		tcc_add_symbol(s, sym->name, sym->addr);
	for (const struct ev_symbol *sym = ev->symbols; sym && sym->name; sym++) {
		const void *addr = sym->addr ? sym->addr : ev_math_lookup(sym->name);
		if (addr)
			tcc_add_symbol(s, sym->name, addr);
	}
	if (tcc_compile_string(s, all) != 0 || m.errors) {
		if (!m.errors)
			msg_append(&m, "error: compilation failed");
		goto out;
	}
	int size = tcc_relocate(s, NULL);
	if (size < 0) {
		if (!m.errors)
			msg_append(&m, "error: linking failed");
		goto out;
	}
	if ((size_t)size > mem_limit) {
		snprintf(text, sizeof text, "error: the program image needs %d bytes; the memory limit is %zu",
		         size, mem_limit);
		msg_append(&m, text);
		rc = SBX_EXIT_MEMORY;
		goto out;
	}
	void *mem = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		snprintf(text, sizeof text, "error: cannot map a %d-byte program image", size);
		msg_append(&m, text);
		rc = SBX_EXIT_MEMORY;
		goto out;
	}
	*image = mem;
	*image_len = (size_t)size;
	if (tcc_relocate(s, mem) < 0) {
		if (!m.errors)
			msg_append(&m, "error: relocation failed");
		goto out;
	}
	if (protect_code(s, mem, (size_t)size, &m))
		goto out;
	if (img) {
		img->data = tcc_get_symbol(s, "__disco_data_fence");
		img->data_len = (size_t)((char *)mem + size - img->data);
		img->k = tcc_get_symbol(s, "__disco_k");
	}
	rc = 0;
	for (int i = 0; ev->entries && ev->entries[i] && i < SBX_MAX_ENTRIES; i++) {
		entry[i] = tcc_get_symbol(s, ev->entries[i]);
		if (!entry[i]) {
			snprintf(text, sizeof text, ev == sbx_plugin_host()
			                 ? "error: the plug-in does not define '%s' (const struct ev_evaluator %s = {...})"
			                 : "error: the candidate does not define '%s', which this evaluator calls",
			         ev->entries[i], ev->entries[i]);
			msg_append(&m, text);
			rc = SBX_EXIT_COMPILE;
		}
	}
out:
	if (m.memory)
		rc = SBX_EXIT_MEMORY;
	if (m.dropped) {
		snprintf(text, sizeof text, "... %d more messages", m.dropped);
		msg_append(&m, text);
	}
	tcc_delete(s);
	free(all);
	return rc;
}
