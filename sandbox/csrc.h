/*
 * csrc.h - the two lexical rules every scanner of candidate C text needs:
 * where a comment ends and where a string or character literal ends.
 * Used by the prescan (sandbox/prescan.c), the operation counter
 * (evaluators/evhelp.c), the text normalizer
 * (engine/fhash.c) and the literal mutator (engine/mutate/literal.c), so that
 * they agree on what is code.  Inputs are hostile text: nothing reads past
 * len, unterminated comments and literals end at len (or, for literals, at
 * the newline, as the C lexer does).  Header-only; no state.
 */
#ifndef DISCO_CSRC_H
#define DISCO_CSRC_H

#include <stddef.h>

/* If src[i] opens a comment, the index just after it; otherwise i.  A
 * backslash-newline continues a // comment, as in C. */
static inline size_t csrc_skip_comment(const char *src, size_t len, size_t i)
{
	if (i + 1 >= len || src[i] != '/')
		return i;
	if (src[i + 1] == '/') {
		i += 2;
		while (i < len && src[i] != '\n') {
			if (src[i] == '\\' && i + 1 < len)
				i++;
			i++;
		}
		return i;
	}
	if (src[i + 1] == '*') {
		i += 2;
		while (i + 1 < len && !(src[i] == '*' && src[i + 1] == '/'))
			i++;
		return i + 1 < len ? i + 2 : len;
	}
	return i;
}

/* src[i] is a quote ('"' or '\''): the index just after the literal it
 * opens, which ends at its closing quote, before an unescaped newline
 * (unterminated), or at len. */
static inline size_t csrc_skip_literal(const char *src, size_t len, size_t i)
{
	char q = src[i++];
	while (i < len && src[i] != q && src[i] != '\n') {
		if (src[i] == '\\' && i + 1 < len)
			i++;
		i++;
	}
	return i < len && src[i] == q ? i + 1 : i;
}

#endif
