/*
 * llm.h - the LLM mutator: an asynchronous mutator (engine/mutate/mutate.h
 * version 2) that asks OpenAI-compatible endpoints for edits of a parent
 * program, over the LLM client (http.h, openai.h) on the engine's event
 * loop.  Implementation: engine/mutate/llm.c.
 *
 * One proposal: choose a model (weighted, or a cost-aware bandit over
 * improvements per dollar), choose the edit form (diff or rewrite by the
 * configured weights), build the prompt from the templates (prompt.h:
 * task, contract, parent with score and metrics, recent failures of the
 * lineage, inspirations), shortened to the model's context; POST it; when
 * the answer comes, record the call (llm_calls: model, tokens, cost,
 * latency, status, retries, finish reason, size-bounded prompt and
 * answer), then apply the edit (edit.h).  The loop receives the child, or
 * an edit_failed reason (no code, diff that does not match, answer cut at
 * max_tokens, no content), or MUT_DROPPED when the call itself failed
 * after its retries (recorded in llm_calls only; no attempt).
 *
 * Constants are not the model's job: an LLM child that ran ok gets up to
 * fit_evaluations trials with its float literals tuned, compiled once in
 * sandbox FIT jobs (llm_mutator_set_sandbox()) where the evaluator allows
 * it, the best vector then proposed as one candidate; otherwise by a
 * (1+1) evolution strategy whose variants start() returns at once,
 * without a call, with mut_child.parent naming the best program so far.
 * The gain of each child is an llm_fit archive event.
 *
 * Endpoints misbehave: each model has a circuit breaker.  After
 * breaker_failures consecutive failed calls its proposals pause for
 * breaker_pause_ms (doubling while the probe after a pause fails, at most
 * 16x); the other models and mutators go on; pause and resume are
 * archive events (llm_pause, llm_resume).  Budget caps (calls, tokens,
 * US dollars) make avail() say MUT_AVAIL_NEVER once reached: new
 * proposals stop, requests in flight finish, so spend overshoots by at
 * most what is in flight.  Calls whose server sent no usage are counted
 * as unknown (NULL in the archive); for the caps their tokens are
 * estimated from the text (bytes / 3), never taken as zero.
 *
 * Secrets: llm_keys_take() copies each model's key out of the environment
 * and erases it there (in place, then unsetenv) before anything forks, so
 * no child process (fork server, candidates, external evaluators) ever
 * holds it; the key then lives only in the request header lines.  Any
 * text that is stored or printed (answers, server error messages) has the
 * key replaced by "[redacted]" in case a server echoes it.
 *
 * Ownership: llm_mutator_new() returns a mutator (its struct, state, HTTP
 * client, templates) released by llm_mutator_free() after the campaign
 * loop returned (NULL-safe, NULLs the pointer).  It borrows the loop, the
 * evaluator and the archive, which must outlive it.  keys from
 * llm_keys_take() are taken over by llm_mutator_new() (freed by it on
 * every path); llm_keys_free() releases them when no mutator is made.
 */
#ifndef DISCO_LLM_LLM_H
#define DISCO_LLM_LLM_H

#include <stddef.h>
#include <stdint.h>

#include "engine/llm/cfg.h"
#include "engine/mutate/mutate.h"

struct loop;
struct arc;
struct ev_evaluator;

struct llm_keys {
	char *key[LLM_MAX_MODELS]; /* NULL: the model has no api_key_env */
};

/* Take the keys of cfg's models out of the environment (see above).
 * Returns 0, or -1 when a named variable is unset or empty (message names
 * the field and the variable, never a value). */
int llm_keys_take(const struct llm_cfg *cfg, struct llm_keys *keys, char *err, size_t errlen);
void llm_keys_free(struct llm_keys *keys);

struct llm_budget {
	int64_t calls, tokens; /* 0: no limit */
	double cost_usd;       /* 0: no limit */
};

/* The "llm" mutator for cfg (nmodels >= 1).  task: the campaign's
 * description (may be ""); prompts are read from cfg's paths, else from
 * the installed prompts/ folder (next to the binary, or
 * ../share/disco/prompts).  The archive is given later (it is opened after
 * the mutators are resolved): llm_mutator_set_archive() before the loop
 * runs; its spend so far (resume) counts against the caps.  Returns NULL
 * with a message. */
struct mut_mutator *llm_mutator_new(const struct llm_cfg *cfg, struct llm_keys *keys,
                                    const struct llm_budget *budget, struct loop *loop,
                                    const struct ev_evaluator *ev, const char *task, char *err,
                                    size_t errlen);
int llm_mutator_set_archive(struct mut_mutator *m, struct arc *a, char *err, size_t errlen);
/* Give the fitter its own one-slot sandbox (sandbox FIT jobs: each child
 * compiled once for FIT_TRIALS constant vectors) with the campaign's
 * limits; call early, right after llm_mutator_new().  Without it, or for
 * evaluators pl_fit_ok() refuses (serve(), C plug-ins, external
 * commands), every variant is a candidate of its own.  Returns 0 (also
 * when fitting is off), or -1 with a message. */
struct sbx_limits;
int llm_mutator_set_sandbox(struct mut_mutator *m, const struct sbx_limits *lim, char *err,
                            size_t errlen);
/* Per-model statistics as an llm_stats archive event (also done every 25
 * calls); call at the end of a campaign. */
void llm_mutator_flush(struct mut_mutator *m);
void llm_mutator_free(struct mut_mutator **m);

/* Replace every occurrence of secret in s (in place) by "[redacted]"
 * when it fits, else by as many '*'. */
void llm_redact(char *s, const char *secret);

#endif
