/*
 * compile.c - libtcc compilation of a candidate, inside the sandbox child.
 *
 * -nostdlib and an explicit symbol whitelist: anything the evaluator does
 * not offer (system, fopen, malloc...) fails to link.  The image is
 * relocated into memory mapped here, whose size is checked against the
 * memory limit first (a huge static array is a memory failure, not a
 * surprise for the allocator).
 */
#include <libtcc.h>
#include <stdio.h>
#include <stdlib.h>
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
		m->errors++;
		snprintf(line, sizeof line, "%s (implicit declarations are errors)", p);
		p = line;
	}
	if (strstr(p, "memory full"))
		m->memory = 1;
	msg_append(m, p);
}

int sbx_compile(const struct ev_evaluator *ev, const char *source,
                size_t mem_limit, void **entry, void **image, size_t *image_len,
                char *msg, size_t msglen)
{
	struct msgbuf m = { msg, strlen(msg), msglen, 0, 0, 0 };
	*image = NULL;
	*image_len = 0;
	int rc = SBX_EXIT_COMPILE;
	char text[256];

	size_t pl = strlen(ev->prelude ? ev->prelude : ""), sl = strlen(source);
	static const char mark[] = "\n#line 1 \"candidate.c\"\n";
	char *all = malloc(pl + sizeof mark + sl + 1);
	TCCState *s = tcc_new();
	if (!all || !s) {
		msg_append(&m, "out of memory starting the compiler");
		free(all);
		if (s) tcc_delete(s);
		return SBX_EXIT_MEMORY;
	}
	memcpy(all, ev->prelude ? ev->prelude : "", pl);
	memcpy(all + pl, mark, sizeof mark - 1);
	memcpy(all + pl + sizeof mark - 1, source, sl + 1);

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
	rc = 0;
	for (int i = 0; ev->entries && ev->entries[i] && i < EV_MAX_ENTRIES; i++) {
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
