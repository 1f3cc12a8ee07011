/*
 * cfg.h - the campaign file's "llm" object: endpoints (models), how they
 * are chosen, retries, the circuit breaker, edit forms and prompt
 * templates.  Parsed by engine/config.c into struct campaign (field
 * reference: docs/CAMPAIGNS.md, section `llm`).
 *
 * Like struct campaign, struct llm_cfg has fixed arrays and no pointers:
 * copied by assignment, never freed.  API keys are never part of it: a
 * model names the environment variable that holds its key (api_key_env),
 * and only the LLM client reads that variable, to put the key in its
 * request headers.
 *
 * Errors: llm_cfg_parse() and llm_cfg_validate() report each problem
 * through report(ctx, "field 'llm.models[0].base_url': expected ...") and
 * return how many they reported.
 */
#ifndef DISCO_LLM_CFG_H
#define DISCO_LLM_CFG_H

#include <stdint.h>

#define LLM_MAX_MODELS 24
#define LLM_NAME_MAX 64
#define LLM_URL_MAX 512
#define LLM_PATH_MAX 512

enum llm_choice { LLM_CHOOSE_WEIGHTED = 0, LLM_CHOOSE_BANDIT = 1 };

struct llm_model_cfg {
	char name[LLM_NAME_MAX];        /* label in the archive; default: model */
	char base_url[LLM_URL_MAX];     /* "http://127.0.0.1:11434/v1"; /chat/completions is appended */
	char model[LLM_NAME_MAX];       /* the server's model name */
	char api_key_env[LLM_NAME_MAX]; /* environment variable holding the key; "" = no key */
	double temperature;             /* 0..2 */
	int max_tokens;                 /* answer tokens asked for */
	int max_completion_field;       /* 1: send max_completion_tokens, 0: max_tokens */
	int timeout_ms;                 /* per request try */
	double price_in, price_out;     /* US dollars per 1M input / output tokens */
	double weight;                  /* > 0, relative (weighted choice; bandit prior) */
	int context;                    /* context window in tokens */
};

struct llm_cfg {
	int nmodels;
	struct llm_model_cfg models[LLM_MAX_MODELS];
	enum llm_choice choice;
	int in_flight;        /* requests at once, all models together */
	int retries;          /* per request, after the first try */
	int retry_base_ms, retry_max_ms;
	int breaker_failures; /* consecutive failed calls that pause a model */
	int breaker_pause_ms; /* first pause; doubles while probes fail, at most 16x */
	double diff_weight, rewrite_weight; /* edit forms asked for */
	int failures;         /* recent failures of the lineage shown (0-8) */
	int max_response_bytes; /* largest HTTP body read */
	int store_bytes;      /* prompt and answer kept per call in the archive */
	int fit_evaluations;  /* constant-fitting evaluations per LLM child that became a program; 0 = off */
	char prompts_dir[LLM_PATH_MAX];     /* "" = the installed prompts/ */
	char system_prompt[LLM_PATH_MAX];   /* "" = prompts_dir/system.txt */
	char user_prompt[LLM_PATH_MAX];     /* "" = prompts_dir/user.txt */
};

void llm_cfg_default(struct llm_cfg *c);

typedef void llm_cfg_report_fn(void *ctx, const char *msg);

/* Apply obj (the value of "llm", any cJSON) over *c.  Returns the number
 * of problems reported (0: applied). */
struct cJSON;
int llm_cfg_parse(struct llm_cfg *c, const struct cJSON *obj, llm_cfg_report_fn *report, void *ctx);
/* Ranges and cross-field rules. */
int llm_cfg_validate(const struct llm_cfg *c, llm_cfg_report_fn *report, void *ctx);
/* Every field, fixed key order, shortest exact numbers; NULL if out of memory. */
struct cJSON *llm_cfg_to_json(const struct llm_cfg *c);

#endif
