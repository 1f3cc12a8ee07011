/* cfg.c - the campaign file's "llm" object; see cfg.h and docs/CAMPAIGNS.md. */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/llm/cfg.h"

enum ntype { N_INT, N_DBL };

struct nf {
	const char *key;
	enum ntype t;
	size_t off;
	double lo, hi;
	const char *expect;
};

#define MOFF(m) offsetof(struct llm_model_cfg, m)
#define COFF(m) offsetof(struct llm_cfg, m)

static const struct nf model_num[] = {
	{ "temperature", N_DBL, MOFF(temperature), 0, 2, "a number from 0 to 2" },
	{ "max_tokens", N_INT, MOFF(max_tokens), 1, 1000000, "an integer from 1 to 1000000" },
	{ "timeout_ms", N_INT, MOFF(timeout_ms), 100, 3600000, "an integer from 100 to 3600000 (milliseconds)" },
	{ "price_in", N_DBL, MOFF(price_in), 0, 1e6, "a non-negative number (US dollars per 1M input tokens)" },
	{ "price_out", N_DBL, MOFF(price_out), 0, 1e6, "a non-negative number (US dollars per 1M output tokens)" },
	{ "weight", N_DBL, MOFF(weight), 1e-9, 1e9, "a positive number" },
	{ "context", N_INT, MOFF(context), 256, 100000000, "an integer from 256 to 100000000 (tokens)" },
};
#define NMODEL_NUM (sizeof model_num / sizeof model_num[0])

static const struct nf top_num[] = {
	{ "in_flight", N_INT, COFF(in_flight), 1, 1024, "an integer from 1 to 1024" },
	{ "retries", N_INT, COFF(retries), 0, 20, "an integer from 0 to 20" },
	{ "retry_base_ms", N_INT, COFF(retry_base_ms), 1, 600000, "an integer from 1 to 600000 (milliseconds)" },
	{ "retry_max_ms", N_INT, COFF(retry_max_ms), 1, 3600000, "an integer from 1 to 3600000 (milliseconds)" },
	{ "breaker_failures", N_INT, COFF(breaker_failures), 1, 1000, "an integer from 1 to 1000" },
	{ "breaker_pause_ms", N_INT, COFF(breaker_pause_ms), 10, 3600000, "an integer from 10 to 3600000 (milliseconds)" },
	{ "diff_weight", N_DBL, COFF(diff_weight), 0, 1e9, "a non-negative number" },
	{ "rewrite_weight", N_DBL, COFF(rewrite_weight), 0, 1e9, "a non-negative number" },
	{ "failures", N_INT, COFF(failures), 0, 8, "an integer from 0 to 8" },
	{ "max_response_bytes", N_INT, COFF(max_response_bytes), 1024, 1 << 30, "an integer from 1024 to 1073741824 (bytes)" },
	{ "store_bytes", N_INT, COFF(store_bytes), 0, 16 << 20, "an integer from 0 to 16777216 (bytes)" },
	{ "fit_evaluations", N_INT, COFF(fit_evaluations), 0, 1000, "an integer from 0 (off) to 1000" },
};
#define NTOP_NUM (sizeof top_num / sizeof top_num[0])

static const char *const top_str[] = { "prompts_dir", "system_prompt", "user_prompt", NULL };

struct rep {
	llm_cfg_report_fn *fn;
	void *ctx;
	int n;
};

__attribute__((format(printf, 2, 3))) static void say(struct rep *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	r->n++;
	if (r->fn)
		r->fn(r->ctx, msg);
}

static void got(const cJSON *it, char *buf, size_t n)
{
	if (cJSON_IsNumber(it))
		snprintf(buf, n, "%g", it->valuedouble);
	else if (cJSON_IsString(it))
		snprintf(buf, n, "\"%.40s%s\"", it->valuestring, strlen(it->valuestring) > 40 ? "..." : "");
	else if (cJSON_IsBool(it))
		snprintf(buf, n, "%s", cJSON_IsTrue(it) ? "true" : "false");
	else if (cJSON_IsNull(it))
		snprintf(buf, n, "null");
	else if (cJSON_IsArray(it))
		snprintf(buf, n, "an array");
	else
		snprintf(buf, n, "an object");
}

static void expect(struct rep *r, const char *path, const char *what, const cJSON *it)
{
	char g[64];
	got(it, g, sizeof g);
	say(r, "field '%s': expected %s, got %s", path, what, g);
}

static int listed(const char *k, const char *const *l)
{
	for (int i = 0; l[i]; i++)
		if (!strcmp(k, l[i]))
			return 1;
	return 0;
}

static int known_num(const char *k, const struct nf *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(k, t[i].key))
			return (int)i;
	return -1;
}

static void set_num(void *base, const struct nf *f, double d)
{
	char *p = (char *)base + f->off;
	if (f->t == N_INT)
		*(int *)p = (int)d;
	else
		*(double *)p = d;
}

static double get_num(const void *base, const struct nf *f)
{
	const char *p = (const char *)base + f->off;
	return f->t == N_INT ? *(const int *)p : *(const double *)p;
}

static int num_ok(const struct nf *f, double d)
{
	return isfinite(d) && (f->t == N_DBL || d == floor(d)) && d >= f->lo && d <= f->hi;
}

static void parse_num(void *base, const struct nf *f, const cJSON *it, const char *path, struct rep *r)
{
	double d = cJSON_IsNumber(it) ? it->valuedouble : NAN;
	if (!num_ok(f, d))
		expect(r, path, f->expect, it);
	else
		set_num(base, f, d);
}

static int env_name_ok(const char *s)
{
	if (!*s)
		return 1;
	if (!(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

static void copy_str(char *dst, size_t cap, const cJSON *it, const char *path, int allow_empty,
                     struct rep *r)
{
	if (!cJSON_IsString(it) || (!allow_empty && !it->valuestring[0]) ||
	    strlen(it->valuestring) >= cap) {
		char what[80];
		snprintf(what, sizeof what, "a %sstring of at most %zu bytes", allow_empty ? "" : "non-empty ",
		         cap - 1);
		expect(r, path, what, it);
		return;
	}
	snprintf(dst, cap, "%s", it->valuestring);
}

static void check_dups(const cJSON *obj, const char *prefix, struct rep *r)
{
	for (const cJSON *a = obj->child; a; a = a->next)
		for (const cJSON *b = obj->child; b != a; b = b->next)
			if (!strcmp(a->string, b->string)) {
				say(r, "field '%s.%s' appears more than once", prefix, a->string);
				break;
			}
}

static void parse_model(struct llm_model_cfg *m, const cJSON *o, int i, struct rep *r)
{
	char pre[32], path[96];
	snprintf(pre, sizeof pre, "llm.models[%d]", i);
	if (!cJSON_IsObject(o)) {
		expect(r, pre, "an object {\"base_url\": URL, \"model\": NAME, ...}", o);
		return;
	}
	check_dups(o, pre, r);
	for (const cJSON *it = o->child; it; it = it->next) {
		snprintf(path, sizeof path, "%s.%s", pre, it->string);
		int k = known_num(it->string, model_num, NMODEL_NUM);
		if (k >= 0) {
			parse_num(m, &model_num[k], it, path, r);
		} else if (!strcmp(it->string, "name")) {
			copy_str(m->name, sizeof m->name, it, path, 0, r);
		} else if (!strcmp(it->string, "base_url")) {
			copy_str(m->base_url, sizeof m->base_url, it, path, 0, r);
		} else if (!strcmp(it->string, "model")) {
			copy_str(m->model, sizeof m->model, it, path, 0, r);
		} else if (!strcmp(it->string, "api_key_env")) {
			copy_str(m->api_key_env, sizeof m->api_key_env, it, path, 1, r);
		} else if (!strcmp(it->string, "max_tokens_field")) {
			if (cJSON_IsString(it) && !strcmp(it->valuestring, "max_tokens"))
				m->max_completion_field = 0;
			else if (cJSON_IsString(it) && !strcmp(it->valuestring, "max_completion_tokens"))
				m->max_completion_field = 1;
			else
				expect(r, path, "\"max_tokens\" or \"max_completion_tokens\"", it);
		} else if (!strcmp(it->string, "api_key")) {
			say(r, "field '%s': keys are never written in campaign files; put the key in an"
			       " environment variable and name it in \"api_key_env\"", path);
		} else {
			say(r, "unknown field '%s'", path);
		}
	}
	if (!cJSON_GetObjectItemCaseSensitive(o, "base_url"))
		say(r, "field '%s.base_url': missing (expected a URL such as \"http://127.0.0.1:11434/v1\")", pre);
	if (!cJSON_GetObjectItemCaseSensitive(o, "model"))
		say(r, "field '%s.model': missing (expected the server's model name)", pre);
	if (!m->name[0])
		memcpy(m->name, m->model, strnlen(m->model, sizeof m->model - 1) + 1); /* same size */
}

static void model_default(struct llm_model_cfg *m)
{
	memset(m, 0, sizeof *m);
	m->temperature = 0.7;
	m->max_tokens = 4096;
	m->timeout_ms = 120000;
	m->weight = 1;
	m->context = 32768;
}

void llm_cfg_default(struct llm_cfg *c)
{
	memset(c, 0, sizeof *c);
	c->choice = LLM_CHOOSE_WEIGHTED;
	c->in_flight = 8;
	c->retries = 3;
	c->retry_base_ms = 500;
	c->retry_max_ms = 30000;
	c->breaker_failures = 5;
	c->breaker_pause_ms = 30000;
	c->diff_weight = 1;
	c->rewrite_weight = 1;
	c->failures = 3;
	c->max_response_bytes = 4 << 20;
	c->store_bytes = 65536;
	c->fit_evaluations = 12;
}

int llm_cfg_parse(struct llm_cfg *c, const cJSON *obj, llm_cfg_report_fn *report, void *ctx)
{
	struct rep r = { report, ctx, 0 };
	if (!cJSON_IsObject(obj)) {
		expect(&r, "llm", "an object {\"models\": [...], ...}", obj);
		return r.n;
	}
	struct llm_cfg t = *c;
	check_dups(obj, "llm", &r);
	for (const cJSON *it = obj->child; it; it = it->next) {
		char path[96];
		snprintf(path, sizeof path, "llm.%s", it->string);
		int k = known_num(it->string, top_num, NTOP_NUM);
		if (k >= 0) {
			parse_num(&t, &top_num[k], it, path, &r);
		} else if (!strcmp(it->string, "models")) {
			int n = cJSON_IsArray(it) ? cJSON_GetArraySize(it) : -1;
			if (n < 0 || n > LLM_MAX_MODELS) {
				expect(&r, path, "an array of at most 24 model objects", it);
				continue;
			}
			t.nmodels = n;
			int i = 0;
			for (const cJSON *m = it->child; m; m = m->next, i++) {
				model_default(&t.models[i]);
				parse_model(&t.models[i], m, i, &r);
			}
		} else if (!strcmp(it->string, "choice")) {
			if (cJSON_IsString(it) && !strcmp(it->valuestring, "weighted"))
				t.choice = LLM_CHOOSE_WEIGHTED;
			else if (cJSON_IsString(it) && !strcmp(it->valuestring, "bandit"))
				t.choice = LLM_CHOOSE_BANDIT;
			else
				expect(&r, path, "\"weighted\" or \"bandit\"", it);
		} else if (listed(it->string, top_str)) {
			char *dst = !strcmp(it->string, "prompts_dir")   ? t.prompts_dir
			            : !strcmp(it->string, "system_prompt") ? t.system_prompt
			                                                   : t.user_prompt;
			copy_str(dst, LLM_PATH_MAX, it, path, 1, &r);
		} else {
			say(&r, "unknown field '%s'", path);
		}
	}
	if (r.n == 0)
		*c = t;
	return r.n;
}

int llm_cfg_validate(const struct llm_cfg *c, llm_cfg_report_fn *report, void *ctx)
{
	struct rep r = { report, ctx, 0 };
	for (size_t i = 0; i < NTOP_NUM; i++)
		if (!num_ok(&top_num[i], get_num(c, &top_num[i])))
			say(&r, "field 'llm.%s': expected %s, got %g", top_num[i].key, top_num[i].expect,
			    get_num(c, &top_num[i]));
	if (!(c->diff_weight + c->rewrite_weight > 0))
		say(&r, "field 'llm.diff_weight': diff_weight and rewrite_weight cannot both be 0");
	if (c->retry_max_ms < c->retry_base_ms)
		say(&r, "field 'llm.retry_max_ms': expected at least retry_base_ms (%d), got %d",
		    c->retry_base_ms, c->retry_max_ms);
	if (c->nmodels < 0 || c->nmodels > LLM_MAX_MODELS) {
		say(&r, "field 'llm.models': expected at most %d models", LLM_MAX_MODELS);
		return r.n;
	}
	for (int i = 0; i < c->nmodels; i++) {
		const struct llm_model_cfg *m = &c->models[i];
		for (size_t k = 0; k < NMODEL_NUM; k++)
			if (!num_ok(&model_num[k], get_num(m, &model_num[k])))
				say(&r, "field 'llm.models[%d].%s': expected %s, got %g", i, model_num[k].key,
				    model_num[k].expect, get_num(m, &model_num[k]));
		if (strncmp(m->base_url, "http://", 7) && strncmp(m->base_url, "https://", 8))
			say(&r, "field 'llm.models[%d].base_url': expected a URL starting with http:// or https://,"
			        " got \"%.60s\"", i, m->base_url);
		if (!m->model[0])
			say(&r, "field 'llm.models[%d].model': expected the server's model name", i);
		if (!env_name_ok(m->api_key_env))
			say(&r, "field 'llm.models[%d].api_key_env': expected an environment variable name"
			        " (letters, digits, _), got \"%.60s\"", i, m->api_key_env);
		if (m->max_tokens >= m->context)
			say(&r, "field 'llm.models[%d].max_tokens': %d leaves no room for the prompt in a context"
			        " of %d tokens", i, m->max_tokens, m->context);
		for (int j = 0; j < i; j++)
			if (!strcmp(c->models[j].name, m->name))
				say(&r, "field 'llm.models[%d].name': \"%s\" is already models[%d]'s name (names"
				        " label the archive's calls)", i, m->name, j);
	}
	return r.n;
}

static void raw_num(cJSON *o, const char *k, double d)
{
	char b[40];
	if (d == floor(d) && fabs(d) < 1e15) {
		snprintf(b, sizeof b, "%.0f", d);
	} else {
		for (int p = 1; p <= 17; p++) {
			snprintf(b, sizeof b, "%.*g", p, d);
			if (strtod(b, NULL) == d)
				break;
		}
	}
	cJSON_AddRawToObject(o, k, b);
}

cJSON *llm_cfg_to_json(const struct llm_cfg *c)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON *ms = cJSON_AddArrayToObject(o, "models");
	for (int i = 0; ms && i < c->nmodels; i++) {
		const struct llm_model_cfg *m = &c->models[i];
		cJSON *j = cJSON_CreateObject();
		if (!j)
			break;
		cJSON_AddStringToObject(j, "name", m->name);
		cJSON_AddStringToObject(j, "base_url", m->base_url);
		cJSON_AddStringToObject(j, "model", m->model);
		cJSON_AddStringToObject(j, "api_key_env", m->api_key_env);
		cJSON_AddStringToObject(j, "max_tokens_field",
		                        m->max_completion_field ? "max_completion_tokens" : "max_tokens");
		for (size_t k = 0; k < NMODEL_NUM; k++)
			raw_num(j, model_num[k].key, get_num(m, &model_num[k]));
		cJSON_AddItemToArray(ms, j);
	}
	cJSON_AddStringToObject(o, "choice", c->choice == LLM_CHOOSE_BANDIT ? "bandit" : "weighted");
	for (size_t k = 0; k < NTOP_NUM; k++)
		raw_num(o, top_num[k].key, get_num(c, &top_num[k]));
	cJSON_AddStringToObject(o, "prompts_dir", c->prompts_dir);
	cJSON_AddStringToObject(o, "system_prompt", c->system_prompt);
	cJSON_AddStringToObject(o, "user_prompt", c->user_prompt);
	return o;
}
