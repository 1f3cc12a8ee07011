/*
 * plugin_host.c - the child's half of C plug-in evaluators: the "host"
 * evaluator that compiles a plug-in (its prelude is evaluator.h itself,
 * embedded at build time, plus the math table and a few libc functions),
 * the check of a freshly compiled plug-in's struct, and its description
 * as JSON for the engine (evaluators/plugin.c reads it back).
 *
 * Everything here runs inside the sandbox child, on untrusted plug-in
 * code; nothing here is called by the engine except sbx_plugin_host(),
 * which the engine uses to prescan a plug-in source.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/sbx_int.h"

/* The text of evaluator.h, embedded at build time, is the plug-ins' header. */
__asm__(".section .rodata\n"
        ".global ev_header_text\n"
        ".type ev_header_text, @object\n"
        "ev_header_text:\n"
        ".incbin \"evaluators/evaluator.h\"\n"
        ".byte 0\n"
        ".previous\n");
extern const char ev_header_text[];

static const char *const host_headers[] = {
	"evaluator.h", "disco/evaluator.h", "math.h", "string.h", "stddef.h", "stdio.h", NULL,
};
static const char *const host_entries[] = { "disco_evaluator", NULL };

static const char host_extra[] =
	"void *memcpy(void *, const void *, size_t);\n"
	"void *memset(void *, int, size_t);\n"
	"size_t strlen(const char *);\n"
	"int strcmp(const char *, const char *);\n"
	"int strncmp(const char *, const char *, size_t);\n"
	"int snprintf(char *, size_t, const char *, ...);\n"
	"#define isnan(x) ((x) != (x))\n"
	"#define isfinite(x) (((x) - (x)) == 0)\n"
	"#define isinf(x) (!isnan(x) && !isfinite(x))\n";

static const struct ev_symbol host_libc[] = {
	{ "ev_metric", (const void *)ev_metric }, { "ev_count_ops", (const void *)ev_count_ops },
	{ "ev_remote", (const void *)ev_remote },
	{ "memcpy", (const void *)memcpy },       { "memset", (const void *)memset },
	{ "strlen", (const void *)strlen },       { "strcmp", (const void *)strcmp },
	{ "strncmp", (const void *)strncmp },     { "snprintf", (const void *)snprintf },
	{ NULL, NULL },
};

static long host_run(const struct ev_evaluator *ev, void *const *entry, int task, int split,
                     double *out, size_t cap, char *err, size_t errlen)
{
	return -1; /* never run: the host only compiles plug-ins */
}

const struct ev_evaluator *sbx_plugin_host(void)
{
	static struct ev_evaluator host;
	static char *prelude;
	static struct ev_symbol *symbols;
	if (host.version)
		return &host;
	size_t nmath = 0;
	while (ev_math_symbols[nmath].name)
		nmath++;
	symbols = calloc(nmath + sizeof host_libc / sizeof *host_libc, sizeof *symbols);
	static const char head[] = "typedef unsigned long size_t;\n#define NULL ((void *)0)\n";
	size_t hl = strlen(ev_header_text);
	prelude = malloc(sizeof head + hl + strlen(ev_math_prelude) + sizeof host_extra + 4);
	if (!symbols || !prelude)
		return NULL;
	memcpy(symbols, ev_math_symbols, nmath * sizeof *symbols);
	memcpy(symbols + nmath, host_libc, sizeof host_libc);
	char *p = prelude;
	p += sprintf(p, "%s", head);
	char *h = p;
	p += sprintf(p, "%s\n", ev_header_text);
	/* The header's own #include <stddef.h>: size_t is defined above. */
	for (char *inc; (inc = strstr(h, "#include <stddef.h>"));)
		memset(inc, ' ', strlen("#include <stddef.h>"));
	p += sprintf(p, "%s\n%s", ev_math_prelude, host_extra);
	host = (struct ev_evaluator){
		.version = EV_API_VERSION, .name = "plug-in host", .prelude = prelude,
		.headers = host_headers, .entries = host_entries, .symbols = symbols,
		.nstages = 1, .run = host_run,
	};
	return &host;
}

/* Entry symbols a plug-in names, counted up to one past what the sandbox
 * looks up (SBX_MAX_ENTRIES, room for a batch's programs). */
static int entry_count(const struct ev_evaluator *ev)
{
	int n = 0;
	while (n <= SBX_MAX_ENTRIES && ev->entries[n])
		n++;
	return n;
}

/* In the child, on the plug-in's freshly compiled struct. */
int sbx_plugin_check(const struct ev_evaluator *ev, char *msg, size_t msglen)
{
	size_t o = strlen(msg);
	const char *why = NULL;
	char buf[160];
	if (ev->version < 1 || ev->version > EV_API_VERSION) {
		snprintf(buf, sizeof buf, "disco_evaluator.version is %d; this disco speaks interface versions 1 to %d",
		         ev->version, EV_API_VERSION);
		why = buf;
	} else if (!ev->name || !ev->name[0]) why = "disco_evaluator.name is missing";
	else if (!ev->entries || !ev->entries[0]) why = "disco_evaluator.entries names no entry symbol";
	else if (!ev->run) why = "disco_evaluator.run is missing";
	else if (entry_count(ev) > EV_MAX_ENTRIES) {
		snprintf(buf, sizeof buf, "disco_evaluator.entries names %d entry symbols; at most %d",
		         entry_count(ev), EV_MAX_ENTRIES);
		why = buf;
	}
	else if (!ev->score) why = "disco_evaluator.score is missing";
	else if (ev->nstages < 1 || ev->nstages > EV_MAX_STAGES) {
		snprintf(buf, sizeof buf, "disco_evaluator.nstages is %d; expected 1..%d", ev->nstages, EV_MAX_STAGES);
		why = buf;
	} else if (ev->ndims < 0 || ev->ndims > EV_MAX_DIMS) {
		snprintf(buf, sizeof buf, "disco_evaluator.ndims is %d; expected 0..%d", ev->ndims, EV_MAX_DIMS);
		why = buf;
	} else if (!ev->seeds || !ev->seeds[0].name) why = "disco_evaluator.seeds has no seed program";
	else if (ev->max_outputs > SBX_OUT_CAP / (size_t)(ev->nstages + 1)) {
		snprintf(buf, sizeof buf, "disco_evaluator.max_outputs is %zu; a job (the probe and %d stage%s) "
		         "holds at most %u doubles, so at most %zu per task", ev->max_outputs, ev->nstages,
		         ev->nstages == 1 ? "" : "s", SBX_OUT_CAP, SBX_OUT_CAP / (size_t)(ev->nstages + 1));
		why = buf;
	}
	if (why && o < msglen)
		snprintf(msg + o, msglen - o, "%s%s", o ? "\n" : "", why);
	return why ? -1 : 0;
}

size_t sbx_plugin_info_json(const struct ev_evaluator *ev, char *out, size_t cap)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "name", ev->name);
	cJSON_AddStringToObject(j, "summary", ev->summary ? ev->summary : "");
	cJSON_AddStringToObject(j, "prelude", ev->prelude ? ev->prelude : "");
	cJSON *a = cJSON_AddArrayToObject(j, "headers");
	for (int i = 0; ev->headers && ev->headers[i] && i < 32; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(ev->headers[i]));
	a = cJSON_AddArrayToObject(j, "entries");
	for (int i = 0; ev->entries[i] && i < EV_MAX_ENTRIES; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(ev->entries[i]));
	a = cJSON_AddArrayToObject(j, "symbols");
	for (int i = 0; ev->symbols && ev->symbols[i].name && i < 256; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(ev->symbols[i].name));
	a = cJSON_AddArrayToObject(j, "seeds");
	for (int i = 0; ev->seeds[i].name && i < 64; i++) {
		cJSON *s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "name", ev->seeds[i].name);
		cJSON_AddStringToObject(s, "source", ev->seeds[i].source ? ev->seeds[i].source : "");
		cJSON_AddItemToArray(a, s);
	}
	a = cJSON_AddArrayToObject(j, "stages");
	for (int i = 0; i < ev->nstages; i++) {
		cJSON *s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "name", ev->stages[i].name ? ev->stages[i].name : "stage");
		cJSON_AddNumberToObject(s, "threshold", ev->stages[i].threshold);
		cJSON_AddItemToArray(a, s);
	}
	a = cJSON_AddArrayToObject(j, "dims");
	for (int i = 0; i < ev->ndims; i++) {
		cJSON *s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "name", ev->dims[i].name ? ev->dims[i].name : "dim");
		cJSON_AddNumberToObject(s, "lo", ev->dims[i].lo);
		cJSON_AddNumberToObject(s, "hi", ev->dims[i].hi);
		cJSON_AddNumberToObject(s, "bins", ev->dims[i].bins);
		cJSON_AddItemToArray(a, s);
	}
	cJSON_AddBoolToObject(j, "noisy", ev->noisy != 0);
	cJSON_AddNumberToObject(j, "max_outputs", (double)ev->max_outputs);
	cJSON_AddBoolToObject(j, "describe", ev->describe != NULL);
	cJSON_AddBoolToObject(j, "serve", ev->serve != NULL);
	if (ev->version >= 2 && ev->ir) {
		/* the symbolic form as data (evaluators/irjson.h reads it back) */
		const struct ev_ir *ir = ev->ir;
		static const char *const acc[] = { "in", "inout", "out", "state" };
		cJSON *o = cJSON_AddObjectToObject(j, "ir");
		cJSON_AddStringToObject(o, "shape", ir->shape == EV_IR_FUNC ? "func" : ir->shape == EV_IR_UPDATE ? "update" : "?");
		cJSON_AddStringToObject(o, "template", ir->tmpl ? ir->tmpl : "");
		cJSON_AddStringToObject(o, "ops", ir->ops ? ir->ops : "");
		if (ir->default_seeds)
			cJSON_AddStringToObject(o, "default_seeds", ir->default_seeds);
		a = cJSON_AddArrayToObject(o, "regs");
		for (int i = 0; ir->regs && ir->regs[i].name && i < 16; i++) {
			cJSON *r = cJSON_CreateObject();
			cJSON_AddStringToObject(r, "name", ir->regs[i].name);
			cJSON_AddStringToObject(r, "c", ir->regs[i].cexpr ? ir->regs[i].cexpr : "");
			cJSON_AddBoolToObject(r, "vector", ir->regs[i].vector != 0);
			cJSON_AddStringToObject(r, "access", ir->regs[i].access >= 0 && ir->regs[i].access < 4 ? acc[ir->regs[i].access] : "?");
			cJSON_AddItemToArray(a, r);
		}
		a = cJSON_AddArrayToObject(o, "seeds");
		for (int i = 0; ir->seeds && ir->seeds[i].name && i < 64; i++) {
			cJSON *s = cJSON_CreateObject();
			cJSON_AddStringToObject(s, "name", ir->seeds[i].name);
			cJSON_AddStringToObject(s, "source", ir->seeds[i].source ? ir->seeds[i].source : "");
			cJSON_AddItemToArray(a, s);
		}
	}
	int ok = cJSON_PrintPreallocated(j, out, (int)(cap > (1u << 30) ? (1u << 30) : cap), 0);
	cJSON_Delete(j);
	return ok ? strlen(out) : 0;
}

