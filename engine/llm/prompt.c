/* prompt.c - templates, placeholders, fitting into the context; see prompt.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/llm/buf.h"
#include "engine/llm/prompt.h"

static const char *const names[] = {
	"task", "prelude", "entries", "parent_code", "parent_score", "parent_metrics",
	"failures", "inspirations", "edit_format", NULL,
};

long llm_prompt_tokens(size_t n) { return (long)((n + 2) / 3); }

/* Index of the placeholder at s ("{{name}}"), its length in *len; -1 when
 * s does not start one; -2 unknown name; -3 unterminated. */
static int placeholder(const char *s, size_t *len)
{
	if (s[0] != '{' || s[1] != '{')
		return -1;
	const char *e = strstr(s + 2, "}}");
	const char *nl = strchr(s + 2, '\n');
	if (!e || (nl && nl < e))
		return -3;
	size_t n = (size_t)(e - (s + 2));
	*len = n + 4;
	for (int i = 0; names[i]; i++)
		if (strlen(names[i]) == n && !memcmp(names[i], s + 2, n))
			return i;
	return -2;
}

int llm_prompt_check(const char *tmpl, const char *label, char *err, size_t errlen)
{
	int line = 1;
	for (const char *p = tmpl; *p; p++) {
		if (*p == '\n')
			line++;
		size_t len;
		int k = placeholder(p, &len);
		if (k == -2) {
			snprintf(err, errlen, "%s: line %d: unknown placeholder '%.*s' (known: task, prelude, entries,"
			         " parent_code, parent_score, parent_metrics, failures, inspirations, edit_format)",
			         label, line, (int)(len < 60 ? len : 60), p);
			return -1;
		}
		if (k == -3) {
			snprintf(err, errlen, "%s: line %d: '{{' without a closing '}}' on the same line", label, line);
			return -1;
		}
		if (k >= 0)
			p += len - 1;
	}
	return 0;
}

int llm_prompt_load(const char *path, char **text, char *err, size_t errlen)
{
	*text = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: cannot open the prompt template: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		snprintf(err, errlen, "%s: is a directory, expected a prompt template", path);
		return -1;
	}
	char *b = malloc(LLM_PROMPT_FILE_MAX + 1);
	if (!b) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	size_t n = fread(b, 1, LLM_PROMPT_FILE_MAX + 1, f);
	fclose(f);
	if (n > LLM_PROMPT_FILE_MAX || memchr(b, '\0', n)) {
		free(b);
		snprintf(err, errlen, "%s: %s", path,
		         n > LLM_PROMPT_FILE_MAX ? "the prompt template is larger than 64 KiB"
		                                 : "the prompt template contains a NUL byte");
		return -1;
	}
	b[n] = '\0';
	if (llm_prompt_check(b, path, err, errlen)) {
		free(b);
		return -1;
	}
	*text = b;
	return 0;
}

/* ---- rendering ------------------------------------------------------------------ */

static void sb_str(struct llm_buf *b, const char *s) { llm_buf_put(b, s, strlen(s)); }

static void sb_code(struct llm_buf *b, const char *code)
{
	size_t n = strlen(code);
	sb_str(b, "```c\n");
	llm_buf_put(b, code, n);
	if (n && code[n - 1] != '\n')
		sb_str(b, "\n");
	sb_str(b, "```\n");
}

static void sb_score(struct llm_buf *b, double s)
{
	char t[40];
	if (isfinite(s))
		snprintf(t, sizeof t, "%.6g", s);
	else
		snprintf(t, sizeof t, "unknown");
	sb_str(b, t);
}

static void value(struct llm_buf *b, int k, const struct llm_prompt_parts *pp, int ninsp, int nfail)
{
	switch (k) {
	case 0: sb_str(b, pp->task ? pp->task : ""); break;
	case 1: sb_str(b, pp->prelude ? pp->prelude : ""); break;
	case 2: sb_str(b, pp->entries ? pp->entries : ""); break;
	case 3: sb_str(b, pp->parent_code ? pp->parent_code : ""); break;
	case 4: sb_score(b, pp->parent_score); break;
	case 5: sb_str(b, pp->parent_metrics && *pp->parent_metrics ? pp->parent_metrics : "{}"); break;
	case 6:
		if (!nfail)
			sb_str(b, "(none)\n");
		for (int i = 0; i < nfail; i++) {
			sb_str(b, "- ");
			sb_str(b, pp->failures[i]);
			sb_str(b, "\n");
		}
		break;
	case 7:
		if (!ninsp)
			sb_str(b, "(none)\n");
		for (int i = 0; i < ninsp; i++) {
			char h[64];
			snprintf(h, sizeof h, "Program %d, score ", i + 1);
			sb_str(b, h);
			sb_score(b, pp->insp_score[i]);
			sb_str(b, ":\n");
			sb_code(b, pp->insp_code[i]);
		}
		break;
	case 8: sb_str(b, pp->edit_format ? pp->edit_format : ""); break;
	}
}

static char *render(const char *t, const struct llm_prompt_parts *pp, int ninsp, int nfail)
{
	struct llm_buf b = { 0 };
	llm_buf_put(&b, "", 0);
	const char *lit = t;
	for (const char *p = t; *p; p++) {
		size_t len;
		int k = placeholder(p, &len);
		if (k < 0)
			continue;
		llm_buf_put(&b, lit, (size_t)(p - lit));
		value(&b, k, pp, ninsp, nfail);
		p += len - 1;
		lit = p + 1;
	}
	sb_str(&b, lit);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

int llm_prompt_build(const char *sys_tmpl, const char *user_tmpl,
                     const struct llm_prompt_parts *parts, long budget_tokens, char **sys,
                     char **user, struct llm_prompt_info *info, char *err, size_t errlen)
{
	struct llm_prompt_info dummy;
	if (!info)
		info = &dummy;
	memset(info, 0, sizeof *info);
	*sys = *user = NULL;
	int ninsp = parts->ninsp < LLM_PROMPT_MAX_PARTS ? parts->ninsp : LLM_PROMPT_MAX_PARTS;
	int nfail = parts->nfailures < LLM_PROMPT_MAX_PARTS ? parts->nfailures : LLM_PROMPT_MAX_PARTS;
	for (;;) {
		char *s = render(sys_tmpl ? sys_tmpl : "", parts, ninsp, nfail);
		char *u = render(user_tmpl ? user_tmpl : "", parts, ninsp, nfail);
		if (!s || !u) {
			free(s);
			free(u);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		long tok = llm_prompt_tokens(strlen(s) + strlen(u));
		if (budget_tokens <= 0 || tok <= budget_tokens) {
			*sys = s;
			*user = u;
			info->tokens = tok;
			info->insp_kept = ninsp;
			info->failures_kept = nfail;
			return 0;
		}
		free(s);
		free(u);
		if (ninsp > 0) {
			ninsp--; /* the last inspiration first */
		} else if (nfail > 0) {
			nfail--; /* newest first: drop from the end, the oldest */
		} else {
			snprintf(err, errlen,
			         "the prompt needs about %ld tokens without inspirations and failures; the context"
			         " leaves %ld for it (raise llm.models[].context or max_tokens less)",
			         tok, budget_tokens);
			return -1;
		}
		info->dropped++;
	}
}
