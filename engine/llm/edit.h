/*
 * edit.h - turning a model's answer into a child program.
 *
 * Two edit forms, as the prompts ask for them:
 *   - SEARCH/REPLACE blocks (aider's diff format):
 *         <<<<<<< SEARCH
 *         lines of the parent
 *         =======
 *         their replacement
 *         >>>>>>> REPLACE
 *     applied in order; each SEARCH text is looked up exactly first, then
 *     line by line with whitespace normalised (leading/trailing blanks
 *     dropped, inner runs of blanks as one space).  The first occurrence
 *     wins.
 *   - A full rewrite: the last fenced code block (``` or ```c / cpp / h;
 *     another language's block only when there is no C one).
 * The preferred form is tried first and the other one second, so a model
 * that answers in the wrong form still gets its edit applied.
 *
 * EVOLVE-BLOCK markers (a line containing EVOLVE-BLOCK-START, a later one
 * containing EVOLVE-BLOCK-END) fence what may change: when the parent has
 * them, a SEARCH text must lie inside one block, and a rewrite must carry
 * the same number of blocks, whose contents replace the parent's (the
 * rest of the parent is kept byte for byte).
 *
 * Every failure is a value: -1 with a one-line reason ("SEARCH block 2
 * does not match the program", "the answer has no SEARCH/REPLACE block and
 * no fenced code block", "the edit leaves the program unchanged", ...),
 * which the LLM mutator records as an edit_failed attempt and shows the
 * model next time.  The answer is hostile text: lengths are authoritative,
 * no NUL termination is assumed, nothing is trusted.
 *
 * Ownership: *child is malloc'd (NUL-terminated) and owned by the caller.
 */
#ifndef DISCO_LLM_EDIT_H
#define DISCO_LLM_EDIT_H

#include <stddef.h>

enum llm_edit_form { LLM_EDIT_DIFF = 0, LLM_EDIT_REWRITE = 1 };

struct llm_edit_info {
	enum llm_edit_form form; /* the form that was applied */
	int blocks;              /* SEARCH/REPLACE blocks applied (diff) */
	int fuzzy;               /* of which matched only with whitespace normalised */
};

/* Apply answer[0..alen) to parent[0..plen), trying prefer first.  Returns
 * 0 with *child, or -1 with the reason in err (errlen bytes); info may be
 * NULL. */
int llm_edit_apply(const char *parent, size_t plen, const char *answer, size_t alen,
                   enum llm_edit_form prefer, char **child, struct llm_edit_info *info, char *err,
                   size_t errlen);

/* Does src hold at least one well-formed EVOLVE-BLOCK? */
int llm_edit_has_blocks(const char *src, size_t len);

#endif
