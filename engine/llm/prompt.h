/*
 * prompt.h - prompt templates with named placeholders, and fitting a
 * prompt into a model's context.
 *
 * Templates are plain text (prompts/system.txt, prompts/user.txt,
 * prompts/format_diff.txt, prompts/format_rewrite.txt; a campaign can name
 * its own files).  A placeholder is {{name}} with one of the names below;
 * any other {{...}} is an error when the template is checked, so a typo
 * never reaches a model silently.
 *
 *   task            the campaign description and the evaluator's summary
 *   prelude         the evaluator's contract prelude (C declarations)
 *   entries         the entry symbols the program must define
 *   parent_code     the parent program, verbatim
 *   parent_score    its score ("unknown" when it has none)
 *   parent_metrics  its metrics (JSON object text, "{}" when none)
 *   failures        recent failures of this lineage, newest first
 *   inspirations    other elites with their scores, as fenced code
 *   edit_format     the edit-format instructions (format_*.txt)
 *
 * Fitting: tokens are estimated as ceil(bytes / 3) (conservative for code;
 * no tokenizer is bundled).  When system + user exceed the budget, the
 * last inspiration is dropped first, then the oldest failure, one at a
 * time, until it fits; the parent's code and the templates are never cut,
 * so a prompt that still does not fit is an error naming both sizes.
 *
 * Ownership: llm_prompt_build() returns malloc'd strings the caller
 * free()s; parts are borrowed.
 */
#ifndef DISCO_LLM_PROMPT_H
#define DISCO_LLM_PROMPT_H

#include <stddef.h>

#define LLM_PROMPT_MAX_PARTS 8
#define LLM_PROMPT_FILE_MAX (64 * 1024)

struct llm_prompt_parts {
	const char *task, *prelude, *entries;
	const char *parent_code;          /* NUL-terminated */
	double parent_score;              /* NaN: unknown */
	const char *parent_metrics;       /* NULL: none */
	int nfailures;                    /* newest first */
	const char *failures[LLM_PROMPT_MAX_PARTS];
	int ninsp;
	const char *insp_code[LLM_PROMPT_MAX_PARTS];
	double insp_score[LLM_PROMPT_MAX_PARTS];
	const char *edit_format;
};

struct llm_prompt_info {
	long tokens;      /* estimated tokens of system + user */
	int insp_kept, failures_kept;
	int dropped;      /* parts dropped to fit */
};

/* Estimated tokens of n bytes. */
long llm_prompt_tokens(size_t n);

/* Check a template's placeholders.  Returns 0, or -1 naming the first
 * unknown or unterminated one (label names the template in the message). */
int llm_prompt_check(const char *tmpl, const char *label, char *err, size_t errlen);

/* Read a template file (at most LLM_PROMPT_FILE_MAX bytes, no NUL) and
 * check it.  Returns 0 with *text malloc'd, or -1 with a message naming
 * path. */
int llm_prompt_load(const char *path, char **text, char *err, size_t errlen);

/* Render both templates from parts, shortened to at most budget_tokens
 * (<= 0: no limit).  Returns 0 with *sys and *user malloc'd, or -1 with a
 * message (the prompt does not fit even without inspirations and
 * failures; out of memory). */
int llm_prompt_build(const char *sys_tmpl, const char *user_tmpl,
                     const struct llm_prompt_parts *parts, long budget_tokens, char **sys,
                     char **user, struct llm_prompt_info *info, char *err, size_t errlen);

#endif
