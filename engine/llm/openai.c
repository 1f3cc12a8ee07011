/* openai.c - chat-completions bodies and answers; see openai.h. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/llm/openai.h"

char *llm_oai_body(const struct llm_oai_req *r, size_t *len)
{
	cJSON *j = cJSON_CreateObject();
	if (!j)
		return NULL;
	cJSON_AddStringToObject(j, "model", r->model ? r->model : "");
	cJSON *msgs = cJSON_AddArrayToObject(j, "messages");
	const char *roles[2] = { "system", "user" };
	const char *texts[2] = { r->system, r->user };
	for (int i = 0; msgs && i < 2; i++) {
		if (!texts[i])
			continue;
		cJSON *m = cJSON_CreateObject();
		if (!m)
			break;
		cJSON_AddStringToObject(m, "role", roles[i]);
		cJSON_AddStringToObject(m, "content", texts[i]);
		cJSON_AddItemToArray(msgs, m);
	}
	if (r->temperature >= 0 && isfinite(r->temperature))
		cJSON_AddNumberToObject(j, "temperature", r->temperature);
	if (r->max_tokens > 0)
		cJSON_AddNumberToObject(j, r->max_tokens_field && *r->max_tokens_field ? r->max_tokens_field
		                                                                       : "max_tokens",
		                        (double)r->max_tokens);
	cJSON_AddFalseToObject(j, "stream");
	char *t = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (!t)
		return NULL;
	size_t n = strlen(t);
	char *out = malloc(n + 1);
	if (out)
		memcpy(out, t, n + 1);
	cJSON_free(t);
	if (out && len)
		*len = n;
	return out;
}

void llm_oai_ans_clear(struct llm_oai_ans *a)
{
	if (!a)
		return;
	free(a->content);
	memset(a, 0, sizeof *a);
	a->tokens_in = a->tokens_out = -1;
}

static void one_line(const char *s, char *out, size_t n)
{
	size_t k = 0;
	for (; s && *s && k + 1 < n; s++)
		out[k++] = (unsigned char)*s < 32 || *s == 127 ? ' ' : *s;
	if (n)
		out[k] = '\0';
}

static void error_of(const cJSON *j, char *out, size_t n)
{
	out[0] = '\0';
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
	if (cJSON_IsString(e)) {
		one_line(e->valuestring, out, n);
	} else if (cJSON_IsObject(e)) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
		one_line(cJSON_IsString(m) ? m->valuestring : "(no message)", out, n);
	} else {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
		if (cJSON_IsString(m))
			one_line(m->valuestring, out, n);
	}
}

void llm_oai_error_text(const char *body, size_t len, char *out, size_t n)
{
	if (!n)
		return;
	out[0] = '\0';
	cJSON *j = body && len ? cJSON_ParseWithLength(body, len) : NULL;
	if (cJSON_IsObject(j))
		error_of(j, out, n);
	cJSON_Delete(j);
}

static int64_t tokens(const cJSON *usage, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(usage, k);
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0 || v->valuedouble > 1e12)
		return -1;
	return (int64_t)v->valuedouble;
}

int llm_oai_parse(const char *body, size_t len, struct llm_oai_ans *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof *a);
	a->tokens_in = a->tokens_out = -1;
	cJSON *j = body && len ? cJSON_ParseWithLength(body, len) : NULL;
	if (!j) {
		snprintf(err, errlen, "the response is not JSON (%zu bytes)", len);
		return -1;
	}
	int rc = -1;
	if (!cJSON_IsObject(j)) {
		snprintf(err, errlen, "the response is JSON but not an object");
		goto out;
	}
	const cJSON *usage = cJSON_GetObjectItemCaseSensitive(j, "usage");
	if (cJSON_IsObject(usage)) {
		a->tokens_in = tokens(usage, "prompt_tokens");
		a->tokens_out = tokens(usage, "completion_tokens");
	}
	char em[256];
	error_of(j, em, sizeof em);
	if (cJSON_GetObjectItemCaseSensitive(j, "error")) {
		snprintf(err, errlen, "the server reported an error: %s", em[0] ? em : "(no message)");
		goto out;
	}
	const cJSON *ch = cJSON_GetObjectItemCaseSensitive(j, "choices");
	if (!cJSON_IsArray(ch) || cJSON_GetArraySize(ch) == 0) {
		snprintf(err, errlen, "the response has no choices");
		goto out;
	}
	const cJSON *c0 = cJSON_GetArrayItem(ch, 0);
	const cJSON *fr = cJSON_GetObjectItemCaseSensitive(c0, "finish_reason");
	if (cJSON_IsString(fr))
		one_line(fr->valuestring, a->finish, sizeof a->finish);
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(c0, "message");
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(msg, "content");
	if (!content)
		content = cJSON_GetObjectItemCaseSensitive(c0, "text"); /* legacy completions */
	if (cJSON_IsString(content) && content->valuestring) {
		a->content = strdup(content->valuestring);
		if (!a->content) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	rc = 0;
out:
	cJSON_Delete(j);
	return rc;
}
