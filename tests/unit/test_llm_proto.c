/*
 * test_llm_proto.c - the LLM client's pieces that need no server
 * (engine/llm/openai.c, cfg.c, http.c, the key handling in
 * engine/mutate/llm.c): answers as real servers send them (reasoning
 * fields, null content, no usage, error objects, empty choices, not JSON),
 * request bodies with either max-tokens field, the campaign's llm object
 * (messages, a key in the file refused, exact round trip), redaction, keys
 * taken out of the environment, and the HTTP client on the event loop:
 * a refused connection retried with backoff, then reported once, from a
 * loop callback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/config.h"
#include "engine/llm/http.h"
#include "engine/llm/llm.h"
#include "engine/llm/openai.h"
#include "engine/loop.h"

static int parse(const char *body, struct llm_oai_ans *a, char *err)
{
	return llm_oai_parse(body, strlen(body), a, err, 256);
}

static void test_answers(void **st)
{
	struct llm_oai_ans a;
	char err[256];
	assert_int_equal(parse("{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"hi\","
	                       "\"reasoning_content\":\"think\"},\"finish_reason\":\"stop\"}],"
	                       "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3}}", &a, err), 0);
	assert_string_equal(a.content, "hi");
	assert_string_equal(a.finish, "stop");
	assert_int_equal(a.tokens_in, 12);
	assert_int_equal(a.tokens_out, 3);
	llm_oai_ans_clear(&a);
	/* Reasoning only, null content, no usage: no content, unknown tokens. */
	assert_int_equal(parse("{\"choices\":[{\"message\":{\"content\":null,\"reasoning\":\"```c\\nx\\n```\"},"
	                       "\"finish_reason\":\"length\"}]}", &a, err), 0);
	assert_null(a.content);
	assert_string_equal(a.finish, "length");
	assert_int_equal(a.tokens_in, -1);
	assert_int_equal(a.tokens_out, -1);
	llm_oai_ans_clear(&a);
	/* Usage with a bad field stays unknown. */
	assert_int_equal(parse("{\"choices\":[{\"message\":{\"content\":\"x\"}}],"
	                       "\"usage\":{\"prompt_tokens\":\"many\",\"completion_tokens\":-1}}", &a, err), 0);
	assert_int_equal(a.tokens_in, -1);
	assert_int_equal(a.tokens_out, -1);
	llm_oai_ans_clear(&a);
	assert_int_equal(parse("{\"choices\":[]}", &a, err), -1);
	assert_string_equal(err, "the response has no choices");
	assert_int_equal(parse("{\"error\":{\"message\":\"model not found\"}}", &a, err), -1);
	assert_string_equal(err, "the server reported an error: model not found");
	assert_int_equal(parse("<html>503</html>", &a, err), -1);
	assert_non_null(strstr(err, "not JSON"));
	assert_int_equal(parse("[1,2]", &a, err), -1);
	assert_non_null(strstr(err, "not an object"));
	assert_int_equal(parse("{\"choices\":[{\"message\":{\"content\":\"trunc", &a, err), -1);
	char et[64];
	{
		const char *eb = "{\"error\":\"bad\\nkey\"}";
		llm_oai_error_text(eb, strlen(eb), et, sizeof et);
	}
	assert_string_equal(et, "bad key");
	llm_oai_error_text("<html>", 6, et, sizeof et);
	assert_string_equal(et, "");
}

static void test_bodies(void **st)
{
	struct llm_oai_req r = { .model = "m", .temperature = 0.5, .max_tokens = 100,
		                 .max_tokens_field = "max_completion_tokens", .system = "S", .user = "U" };
	size_t n;
	char *b = llm_oai_body(&r, &n);
	assert_non_null(b);
	cJSON *j = cJSON_Parse(b);
	assert_non_null(j);
	assert_int_equal(cJSON_GetObjectItem(j, "max_completion_tokens")->valueint, 100);
	assert_null(cJSON_GetObjectItem(j, "max_tokens"));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "messages")), 2);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "stream")));
	assert_int_equal(strlen(b), n);
	cJSON_Delete(j);
	free(b);
	r.max_tokens_field = "max_tokens";
	r.system = NULL;
	r.temperature = -1;
	b = llm_oai_body(&r, NULL);
	j = cJSON_Parse(b);
	assert_int_equal(cJSON_GetObjectItem(j, "max_tokens")->valueint, 100);
	assert_null(cJSON_GetObjectItem(j, "temperature"));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "messages")), 1);
	cJSON_Delete(j);
	free(b);
}

static void test_config(void **st)
{
	struct campaign c;
	char err[CFG_ERR_MAX];
	cfg_default(&c);
	const char *good =
		"{\"mutators\": [\"llm\", \"literal\"], \"llm\": {\"choice\": \"bandit\", \"in_flight\": 3,"
		" \"models\": [{\"base_url\": \"http://127.0.0.1:1/v1\", \"model\": \"qwen\", \"price_in\": 0.15,"
		" \"max_tokens_field\": \"max_completion_tokens\", \"api_key_env\": \"K1\"},"
		" {\"name\": \"b\", \"base_url\": \"https://x/v1\", \"model\": \"m\", \"weight\": 2.5}]}}";
	assert_int_equal(cfg_parse(&c, good, "c.json", err, sizeof err), 0);
	assert_int_equal(c.llm.nmodels, 2);
	assert_string_equal(c.llm.models[0].name, "qwen"); /* defaults to the model */
	assert_int_equal(c.llm.models[0].max_completion_field, 1);
	assert_int_equal(c.llm.choice, LLM_CHOOSE_BANDIT);
	assert_int_equal(c.llm.models[1].context, 32768);
	/* Exact round trip through the archive's JSON. */
	char *j1 = cfg_to_json(&c);
	struct campaign d;
	cfg_default(&d);
	assert_int_equal(cfg_parse(&d, j1, "stored", err, sizeof err), 0);
	char *j2 = cfg_to_json(&d);
	assert_string_equal(j1, j2);
	assert_memory_equal(&c.llm, &d.llm, sizeof c.llm);
	free(j1);
	free(j2);
	/* One message per problem, naming the field. */
	cfg_default(&c);
	assert_int_equal(cfg_parse(&c,
	                           "{\"llm\": {\"models\": [{\"base_url\": \"ftp://x\", \"model\": \"m\","
	                           " \"api_key\": \"sk-123\", \"max_tokens_field\": \"tokens\", \"temprature\": 1}],"
	                           " \"choice\": \"best\"}}",
	                           "c.json", err, sizeof err), -1);
	assert_non_null(strstr(err, "c.json: field 'llm.models[0].api_key': keys are never written"));
	assert_null(strstr(err, "sk-123")); /* the key is not repeated back */
	assert_non_null(strstr(err, "'llm.models[0].max_tokens_field': expected \"max_tokens\" or"));
	assert_non_null(strstr(err, "unknown field 'llm.models[0].temprature'"));
	assert_non_null(strstr(err, "'llm.choice': expected \"weighted\" or \"bandit\""));
	cfg_default(&c);
	assert_int_equal(cfg_parse(&c, "{\"llm\": {\"models\": [{\"base_url\": \"ftp://x\", \"model\": \"m\"}]}}",
	                           "c.json", err, sizeof err), -1);
	assert_non_null(strstr(err, "'llm.models[0].base_url': expected a URL starting with http://"));
	cfg_default(&c);
	assert_int_equal(cfg_parse(&c, "{\"llm\": {\"models\": [{\"model\": \"m\", \"max_tokens\": 9000,"
	                           " \"context\": 4096, \"base_url\": \"http://h\"}]}}", "c.json", err, sizeof err), -1);
	assert_non_null(strstr(err, "leaves no room for the prompt"));
}

static void test_keys_and_redaction(void **st)
{
	char s[128] = "invalid key: Bearer sk-abcdefghijkl and again sk-abcdefghijkl.";
	llm_redact(s, "sk-abcdefghijkl");
	assert_string_equal(s, "invalid key: Bearer [redacted] and again [redacted].");
	char t[32] = "short k1 k1";
	llm_redact(t, "k1");
	assert_string_equal(t, "short ** **");
	struct llm_cfg cfg;
	llm_cfg_default(&cfg);
	cfg.nmodels = 3;
	snprintf(cfg.models[0].api_key_env, LLM_NAME_MAX, "TEST_LLM_KEY");
	snprintf(cfg.models[1].api_key_env, LLM_NAME_MAX, "TEST_LLM_KEY");
	setenv("TEST_LLM_KEY", "sk-secret-value", 1);
	struct llm_keys k;
	char err[256];
	assert_int_equal(llm_keys_take(&cfg, &k, err, sizeof err), 0);
	assert_string_equal(k.key[0], "sk-secret-value");
	assert_string_equal(k.key[1], "sk-secret-value"); /* shared variable */
	assert_null(k.key[2]);                            /* no key */
	assert_null(getenv("TEST_LLM_KEY"));              /* gone from the environment */
	llm_keys_free(&k);
	assert_null(k.key[0]);
	/* Unset: one message naming the field and the variable. */
	assert_int_equal(llm_keys_take(&cfg, &k, err, sizeof err), -1);
	assert_non_null(strstr(err, "llm.models[0].api_key_env: the environment variable TEST_LLM_KEY is not set"));
}

struct got {
	int calls;
	long status;
	int retries;
	char error[256];
	struct loop *l;
};

static void on_done(void *ud, const struct llm_http_res *r)
{
	struct got *g = ud;
	g->calls++;
	g->status = r->status;
	g->retries = r->retries;
	snprintf(g->error, sizeof g->error, "%s", r->error ? r->error : "");
	loop_stop(g->l);
}

static long give_up(struct loop *l, int64_t id, void *ud)
{
	loop_stop(l);
	return LOOP_NOMORE;
}

static void test_http_refused(void **st)
{
	struct loop *l = loop_new();
	char err[256];
	struct llm_http *h = llm_http_new(l, err, sizeof err);
	assert_non_null(h);
	struct got g = { .l = l };
	const char *hdr[] = { "Authorization: Bearer sk-never-printed", NULL };
	/* Port 1 on loopback: nothing listens there, connect is refused. */
	struct llm_http_req r = { .url = "http://127.0.0.1:1/v1/chat/completions", .headers = hdr,
		                  .body = "{}", .body_len = 2, .timeout_ms = 2000, .max_body = 1024,
		                  .max_retries = 2, .retry_base_ms = 10, .retry_max_ms = 40,
		                  .done = on_done, .ud = &g };
	int64_t id = llm_http_post(h, &r, err, sizeof err);
	assert_true(id > 0);
	assert_int_equal(g.calls, 0); /* never from inside post */
	assert_int_equal(llm_http_inflight(h), 1);
	loop_timer(l, 10000, give_up, NULL);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.retries, 2);
	assert_int_equal(g.status, 0);
	assert_true(g.error[0] != '\0');
	assert_null(strstr(g.error, "sk-never-printed"));
	assert_int_equal(llm_http_inflight(h), 0);
	/* Cancelled: done is never called. */
	g.calls = 0;
	id = llm_http_post(h, &r, err, sizeof err);
	llm_http_cancel(h, id);
	assert_int_equal(llm_http_inflight(h), 0);
	for (int i = 0; i < 5; i++)
		loop_once(l, 20);
	assert_int_equal(g.calls, 0);
	llm_http_free(&h);
	assert_null(h);
	loop_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_bodies),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_keys_and_redaction),
		cmocka_unit_test(test_http_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
