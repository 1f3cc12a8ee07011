/*
 * openai.h - the OpenAI-compatible chat-completions protocol: request
 * bodies and answers, with cJSON.
 *
 * What servers send and how it is read (vLLM, llama.cpp, SGLang, Ollama
 * and hosted APIs differ):
 *   - choices[0].message.content is the answer; a null or missing content
 *     is "no content", never a crash;
 *   - reasoning text in message.reasoning_content or message.reasoning is
 *     ignored (never taken for the answer);
 *   - finish_reason is kept ("stop", "length", ...; "" when absent);
 *   - usage.prompt_tokens / usage.completion_tokens are taken when they are
 *     numbers; a missing usage leaves both -1 ("unknown"), never 0;
 *   - an "error" object (in a 200 or an error status) yields its message;
 *   - empty choices, a body that is not JSON or not an object are errors
 *     with a reason.
 *
 * Ownership: llm_oai_body() returns a malloc'd string; llm_oai_parse()
 * fills an answer whose content is malloc'd, released by
 * llm_oai_ans_clear().
 */
#ifndef DISCO_LLM_OPENAI_H
#define DISCO_LLM_OPENAI_H

#include <stddef.h>
#include <stdint.h>

struct llm_oai_req {
	const char *model;
	double temperature;       /* < 0: not sent */
	long max_tokens;          /* <= 0: not sent */
	const char *max_tokens_field; /* "max_tokens" or "max_completion_tokens" */
	const char *system;       /* NULL: no system message */
	const char *user;
};

struct llm_oai_ans {
	char *content;            /* malloc'd, NULL when the message had none */
	char finish[32];          /* finish_reason, "" when absent */
	int64_t tokens_in, tokens_out; /* -1: unknown (no usage) */
};

/* The JSON body of a chat-completions request; NULL if out of memory.
 * *len (may be NULL) gets its length. */
char *llm_oai_body(const struct llm_oai_req *r, size_t *len);

/* Read an answer.  Returns 0 (content may still be NULL), or -1 with a
 * reason in err: "the response is not JSON", "the response has no
 * choices", "the server reported an error: ...".  Usage is filled even on
 * -1 when present. */
int llm_oai_parse(const char *body, size_t len, struct llm_oai_ans *a, char *err, size_t errlen);
void llm_oai_ans_clear(struct llm_oai_ans *a);

/* The "error.message" (or "error" string, or "message") of an error body,
 * as one printable line of at most n-1 bytes; "" when there is none. */
void llm_oai_error_text(const char *body, size_t len, char *out, size_t n);

#endif
