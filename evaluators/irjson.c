/* irjson.c - struct ev_ir from its JSON form; see irjson.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evaluators/irjson.h"

#define IRJ_MAX_REGS 12
#define IRJ_MAX_SEEDS 64

struct ev_ir_store {
	struct ev_ir ir;
	struct ev_ir_reg regs[IRJ_MAX_REGS + 1];
	struct ev_seed seeds[IRJ_MAX_SEEDS + 1];
	char *strings[2 * IRJ_MAX_REGS + 2 * IRJ_MAX_SEEDS + 3];
	int nstr;
};

static const char *keep(struct ev_ir_store *s, const char *t)
{
	char *c = strdup(t ? t : "");
	if (c && s->nstr < (int)(sizeof s->strings / sizeof s->strings[0]))
		s->strings[s->nstr++] = c;
	else {
		free(c);
		c = NULL;
	}
	return c;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

void ev_ir_store_free(struct ev_ir_store **sp)
{
	struct ev_ir_store *s = sp ? *sp : NULL;
	if (!s)
		return;
	for (int i = 0; i < s->nstr; i++)
		free(s->strings[i]);
	free(s);
	*sp = NULL;
}

const struct ev_ir *ev_ir_from_json(const cJSON *j, struct ev_ir_store **store, char *err,
                                    size_t errlen)
{
	*store = NULL;
	if (!cJSON_IsObject(j)) {
		snprintf(err, errlen, "\"ir\" is not an object");
		return NULL;
	}
	struct ev_ir_store *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	const char *shape = str(j, "shape"), *tmpl = str(j, "template"), *ops = str(j, "ops");
	const cJSON *regs = cJSON_GetObjectItemCaseSensitive(j, "regs");
	const cJSON *seeds = cJSON_GetObjectItemCaseSensitive(j, "seeds");
	int nr = cJSON_IsArray(regs) ? cJSON_GetArraySize(regs) : -1;
	int ns = cJSON_IsArray(seeds) ? cJSON_GetArraySize(seeds) : -1;
	const char *why = NULL;
	if (!shape || (strcmp(shape, "func") && strcmp(shape, "update")))
		why = "\"ir.shape\" must be \"func\" or \"update\"";
	else if (!tmpl || !strstr(tmpl, "{body}"))
		why = "\"ir.template\" must be a string with a {body} line";
	else if (!ops || !*ops)
		why = "\"ir.ops\" must name operations (\"add sub mul\")";
	else if (nr < 1 || nr > IRJ_MAX_REGS)
		why = "\"ir.regs\" must be an array of 1 to 12 registers";
	else if (ns < 1 || ns > IRJ_MAX_SEEDS)
		why = "\"ir.seeds\" must be an array of 1 to 64 {\"name\", \"source\"} objects";
	for (int i = 0; !why && i < nr; i++) {
		const cJSON *r = cJSON_GetArrayItem(regs, i);
		const char *n = str(r, "name"), *c = str(r, "c"), *a = str(r, "access");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, "vector");
		static const char *const acc[] = { "in", "inout", "out", "state" };
		int k = 0;
		while (a && k < 4 && strcmp(a, acc[k]))
			k++;
		if (!n || !c || !a || k == 4 || (v && !cJSON_IsBool(v))) {
			why = "each of \"ir.regs\" needs \"name\", \"c\" (strings), \"access\" (in, inout, out or state) and an optional boolean \"vector\"";
			break;
		}
		s->regs[i] = (struct ev_ir_reg){ keep(s, n), keep(s, c), cJSON_IsTrue(v), k };
	}
	for (int i = 0; !why && i < ns; i++) {
		const cJSON *sd = cJSON_GetArrayItem(seeds, i);
		const char *n = str(sd, "name"), *src = str(sd, "source");
		if (!n || !*n || !src) {
			why = "each of \"ir.seeds\" needs \"name\" and \"source\" strings";
			break;
		}
		s->seeds[i] = (struct ev_seed){ keep(s, n), keep(s, src) };
	}
	if (why) {
		snprintf(err, errlen, "%s", why);
		ev_ir_store_free(&s);
		return NULL;
	}
	const char *def = str(j, "default_seeds");
	s->ir = (struct ev_ir){
		.shape = !strcmp(shape, "func") ? EV_IR_FUNC : EV_IR_UPDATE,
		.tmpl = keep(s, tmpl), .regs = s->regs, .ops = keep(s, ops), .seeds = s->seeds,
		.default_seeds = def ? keep(s, def) : NULL, .residuals = NULL,
	};
	*store = s;
	return &s->ir;
}
