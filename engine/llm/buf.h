/*
 * buf.h - a growable text buffer for building prompts and edited sources
 * (engine/llm/).  Always NUL-terminated once anything was put; an
 * allocation failure sets oom and makes later puts no-ops, so callers
 * check once at the end.
 *
 * Ownership: the caller owns b->p (free() it, or take it over); a zeroed
 * struct llm_buf is an empty buffer.
 */
#ifndef DISCO_LLM_BUF_H
#define DISCO_LLM_BUF_H

#include <stddef.h>

struct llm_buf {
	char *p;
	size_t n, cap;
	int oom;
};

/* Append s[0..n). */
void llm_buf_put(struct llm_buf *b, const char *s, size_t n);

#endif
