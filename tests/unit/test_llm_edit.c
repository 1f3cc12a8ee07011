/*
 * test_llm_edit.c - applying a model's answer (engine/llm/edit.c) and
 * fitting prompts into the context (engine/llm/prompt.c): exact and
 * whitespace-tolerant SEARCH/REPLACE, several blocks in order, the
 * fallback between forms, fenced rewrites (C block preferred), EVOLVE-BLOCK
 * fences for both forms, every failure with its reason (no match,
 * truncated block, unterminated fence, no code, unchanged program, NUL);
 * templates with unknown placeholders; shortening drops inspirations, then
 * old failures, never the code, and says when nothing fits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/llm/edit.h"
#include "engine/llm/prompt.h"

static const char parent[] =
	"double f(double x)\n"
	"{\n"
	"\tdouble y = x * 2.0;\n"
	"\treturn y + 1.0;\n"
	"}\n";

static char *apply(const char *par, const char *ans, enum llm_edit_form pref, char *err,
                   struct llm_edit_info *info)
{
	char *child = NULL;
	int rc = llm_edit_apply(par, strlen(par), ans, strlen(ans), pref, &child, info, err, 256);
	if (rc)
		assert_null(child);
	else
		assert_non_null(child);
	return child;
}

static void test_diff_exact(void **st)
{
	char err[256];
	struct llm_edit_info info;
	char *c = apply(parent,
	                "Here is the change:\n"
	                "<<<<<<< SEARCH\n"
	                "\treturn y + 1.0;\n"
	                "=======\n"
	                "\treturn y * y + 1.0;\n"
	                ">>>>>>> REPLACE\n",
	                LLM_EDIT_DIFF, err, &info);
	assert_non_null(c);
	assert_string_equal(c, "double f(double x)\n{\n\tdouble y = x * 2.0;\n\treturn y * y + 1.0;\n}\n");
	assert_int_equal(info.form, LLM_EDIT_DIFF);
	assert_int_equal(info.blocks, 1);
	assert_int_equal(info.fuzzy, 0);
	free(c);
}

static void test_diff_fuzzy_and_several(void **st)
{
	char err[256];
	struct llm_edit_info info;
	/* Spaces instead of the tab, extra inner blanks, CRLF line ends, a
	 * fence around the blocks: still applies, in order. */
	char *c = apply(parent,
	                "```\r\n"
	                "<<<<<<< SEARCH\r\n"
	                "    double   y = x * 2.0;\r\n"
	                "=======\r\n"
	                "\tdouble y = x * 3.0;\r\n"
	                ">>>>>>> REPLACE\r\n"
	                "<<<<<<< SEARCH\n"
	                "\treturn y + 1.0;\n"
	                "=======\n"
	                "\treturn y - 1.0;\n"
	                ">>>>>>> REPLACE\n"
	                "```\n",
	                LLM_EDIT_DIFF, err, &info);
	assert_non_null(c);
	assert_string_equal(c, "double f(double x)\n{\n\tdouble y = x * 3.0;\n\treturn y - 1.0;\n}\n");
	assert_int_equal(info.blocks, 2);
	assert_int_equal(info.fuzzy, 1);
	free(c);
}

static void test_diff_failures(void **st)
{
	char err[256];
	assert_null(apply(parent,
	                  "<<<<<<< SEARCH\n\treturn z;\n=======\n\treturn 0;\n>>>>>>> REPLACE\n",
	                  LLM_EDIT_DIFF, err, NULL));
	assert_non_null(strstr(err, "SEARCH block 1 does not match"));
	assert_non_null(strstr(err, "return z;"));
	/* A second block that fails fails the edit (no half-applied child). */
	assert_null(apply(parent,
	                  "<<<<<<< SEARCH\n\treturn y + 1.0;\n=======\n\treturn y;\n>>>>>>> REPLACE\n"
	                  "<<<<<<< SEARCH\nnothing like it\n=======\nx\n>>>>>>> REPLACE\n",
	                  LLM_EDIT_DIFF, err, NULL));
	assert_non_null(strstr(err, "block 2"));
	/* Truncated: no separator, no end. */
	assert_null(apply(parent, "<<<<<<< SEARCH\n\treturn y + 1.0;\n", LLM_EDIT_DIFF, err, NULL));
	assert_non_null(strstr(err, "no ======= separator"));
	assert_null(apply(parent, "<<<<<<< SEARCH\n\treturn y + 1.0;\n=======\n\treturn 2;\n",
	                  LLM_EDIT_DIFF, err, NULL));
	assert_non_null(strstr(err, ">>>>>>> REPLACE end"));
	/* Empty SEARCH. */
	assert_null(apply(parent, "<<<<<<< SEARCH\n\n=======\nint x;\n>>>>>>> REPLACE\n", LLM_EDIT_DIFF,
	                  err, NULL));
	assert_non_null(strstr(err, "empty SEARCH"));
	/* No code at all. */
	assert_null(apply(parent, "I think the program is already optimal.", LLM_EDIT_DIFF, err, NULL));
	assert_string_equal(err, "the answer has no SEARCH/REPLACE block and no fenced code block");
	/* Unchanged. */
	assert_null(apply(parent,
	                  "<<<<<<< SEARCH\n\treturn y + 1.0;\n=======\n\treturn y + 1.0;\n>>>>>>> REPLACE\n",
	                  LLM_EDIT_DIFF, err, NULL));
	assert_string_equal(err, "the edit leaves the program unchanged");
	/* Empty answer and a NUL byte. */
	char *child = NULL;
	assert_int_equal(llm_edit_apply(parent, strlen(parent), "", 0, LLM_EDIT_DIFF, &child, NULL, err,
	                                sizeof err), -1);
	assert_string_equal(err, "the answer is empty");
	assert_int_equal(llm_edit_apply(parent, strlen(parent), "a\0b", 3, LLM_EDIT_DIFF, &child, NULL,
	                                err, sizeof err), -1);
	assert_non_null(strstr(err, "NUL"));
}

static void test_rewrite(void **st)
{
	char err[256];
	struct llm_edit_info info;
	/* A python block and a C block: the C one wins, even first. */
	char *c = apply(parent,
	                "Try this:\n```c\ndouble f(double x)\n{\n\treturn x;\n}\n```\n"
	                "and a script:\n```python\nprint(1)\n```\n",
	                LLM_EDIT_REWRITE, err, &info);
	assert_non_null(c);
	assert_string_equal(c, "double f(double x)\n{\n\treturn x;\n}\n");
	assert_int_equal(info.form, LLM_EDIT_REWRITE);
	free(c);
	/* Preferring diff but given a rewrite: the fallback applies it. */
	c = apply(parent, "```\ndouble f(double x) { return -x; }\n```", LLM_EDIT_DIFF, err, &info);
	assert_non_null(c);
	assert_string_equal(c, "double f(double x) { return -x; }\n");
	assert_int_equal(info.form, LLM_EDIT_REWRITE);
	free(c);
	/* Preferring a rewrite but given blocks: they apply. */
	c = apply(parent, "<<<<<<< SEARCH\n{\n=======\n{ /* hi */\n>>>>>>> REPLACE\n", LLM_EDIT_REWRITE,
	          err, &info);
	assert_non_null(c);
	assert_int_equal(info.form, LLM_EDIT_DIFF);
	free(c);
	/* Unterminated fence (truncated answer). */
	assert_null(apply(parent, "```c\ndouble f(double x)\n{\n\treturn", LLM_EDIT_REWRITE, err, NULL));
	assert_non_null(strstr(err, "not closed"));
	/* An empty block. */
	assert_null(apply(parent, "```c\n```\n", LLM_EDIT_REWRITE, err, NULL));
	assert_non_null(strstr(err, "empty"));
}

static const char fenced[] =
	"#define N 4\n"
	"// EVOLVE-BLOCK-START\n"
	"double g(double x) { return x * 2.0; }\n"
	"// EVOLVE-BLOCK-END\n"
	"double f(double x) { return g(x) + N; }\n";

static void test_evolve_blocks(void **st)
{
	char err[256];
	assert_true(llm_edit_has_blocks(fenced, strlen(fenced)));
	assert_false(llm_edit_has_blocks(parent, strlen(parent)));
	/* Inside the block: fine. */
	char *c = apply(fenced,
	                "<<<<<<< SEARCH\ndouble g(double x) { return x * 2.0; }\n=======\n"
	                "double g(double x) { return x * 3.0; }\n>>>>>>> REPLACE\n",
	                LLM_EDIT_DIFF, err, NULL);
	assert_non_null(c);
	assert_non_null(strstr(c, "x * 3.0"));
	free(c);
	/* Outside: refused with the reason. */
	assert_null(apply(fenced,
	                  "<<<<<<< SEARCH\n#define N 4\n=======\n#define N 5\n>>>>>>> REPLACE\n",
	                  LLM_EDIT_DIFF, err, NULL));
	assert_non_null(strstr(err, "outside the EVOLVE-BLOCK"));
	/* A rewrite keeps the parent outside the block byte for byte. */
	c = apply(fenced,
	          "```c\n#define N 99\n// EVOLVE-BLOCK-START\ndouble g(double x) { return x; }\n"
	          "// EVOLVE-BLOCK-END\nint main;\n```\n",
	          LLM_EDIT_REWRITE, err, NULL);
	assert_non_null(c);
	assert_string_equal(c, "#define N 4\n// EVOLVE-BLOCK-START\ndouble g(double x) { return x; }\n"
	                       "// EVOLVE-BLOCK-END\ndouble f(double x) { return g(x) + N; }\n");
	free(c);
	/* A rewrite without the markers is refused. */
	assert_null(apply(fenced, "```c\ndouble g(double x) { return x; }\n```\n", LLM_EDIT_REWRITE, err,
	                  NULL));
	assert_non_null(strstr(err, "no EVOLVE-BLOCK markers"));
}

/* ---- prompts ------------------------------------------------------------------ */

static void test_template_check(void **st)
{
	char err[256];
	assert_int_equal(llm_prompt_check("a {{task}} b {{parent_code}}", "t", err, sizeof err), 0);
	assert_int_equal(llm_prompt_check("x\n{{parent_cod}}", "user.txt", err, sizeof err), -1);
	assert_non_null(strstr(err, "user.txt: line 2: unknown placeholder '{{parent_cod}}'"));
	assert_int_equal(llm_prompt_check("{{task", "t", err, sizeof err), -1);
	assert_non_null(strstr(err, "without a closing"));
	/* A lone brace is text. */
	assert_int_equal(llm_prompt_check("int a[] = {1};", "t", err, sizeof err), 0);
}

static char *make_code(int lines)
{
	size_t n = (size_t)lines * 32 + 1;
	char *s = malloc(n), *p = s;
	for (int i = 0; i < lines; i++)
		p += sprintf(p, "\tx = x * 1.000001 + %6d;\n", i);
	return s;
}

static void test_shortening(void **st)
{
	char err[256], *sys, *user;
	char *code = make_code(100);   /* ~2.9 KB */
	char *big = make_code(200);    /* ~5.8 KB */
	struct llm_prompt_parts pp = {
		.task = "minimise", .parent_code = code, .parent_score = 1.5, .nfailures = 3,
		.failures = { "compile_error: line 3: new", "timeout: mid", "crash: old" },
		.ninsp = 2, .insp_code = { big, big }, .insp_score = { 2.0, 3.0 }, .edit_format = "DIFF",
	};
	pp.parent_metrics = NULL;
	struct llm_prompt_info info;
	const char *tmpl = "{{task}}\n{{parent_code}}\nscore {{parent_score}} {{parent_metrics}}\n"
	                   "{{failures}}{{inspirations}}{{edit_format}}";
	/* No limit: everything. */
	assert_int_equal(llm_prompt_build("sys", tmpl, &pp, 0, &sys, &user, &info, err, sizeof err), 0);
	assert_int_equal(info.insp_kept, 2);
	assert_int_equal(info.failures_kept, 3);
	assert_non_null(strstr(user, "score 1.5 {}"));
	assert_non_null(strstr(user, "Program 2, score 3"));
	assert_non_null(strstr(user, "- crash: old"));
	long full = info.tokens;
	free(sys);
	free(user);
	/* Room for one inspiration: the second goes first. */
	long one = full - llm_prompt_tokens(strlen(big)) - 3;
	assert_int_equal(llm_prompt_build("sys", tmpl, &pp, one, &sys, &user, &info, err, sizeof err), 0);
	assert_int_equal(info.insp_kept, 1);
	assert_int_equal(info.failures_kept, 3);
	assert_null(strstr(user, "Program 2"));
	assert_true(info.tokens <= one);
	free(sys);
	free(user);
	/* Room for the code and a failure: inspirations gone, oldest failures next. */
	long tight = llm_prompt_tokens(strlen(code) + 75); /* 2 of 3 failures */
	assert_int_equal(llm_prompt_build("sys", tmpl, &pp, tight, &sys, &user, &info, err, sizeof err), 0);
	assert_int_equal(info.insp_kept, 0);
	assert_true(info.failures_kept < 3);
	assert_null(strstr(user, "crash: old"));
	if (info.failures_kept > 0)
		assert_non_null(strstr(user, "new"));
	/* The code is whole: every line of it. */
	assert_non_null(strstr(user, code));
	free(sys);
	free(user);
	/* Nothing fits: an error with the sizes, no output. */
	assert_int_equal(llm_prompt_build("sys", tmpl, &pp, 100, &sys, &user, &info, err, sizeof err), -1);
	assert_null(sys);
	assert_null(user);
	assert_non_null(strstr(err, "leaves 100"));
	/* Unknown score. */
	pp.parent_score = NAN;
	assert_int_equal(llm_prompt_build(NULL, "{{parent_score}}", &pp, 0, &sys, &user, NULL, err, sizeof err), 0);
	assert_string_equal(user, "unknown");
	free(sys);
	free(user);
	free(code);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_exact),
		cmocka_unit_test(test_diff_fuzzy_and_several),
		cmocka_unit_test(test_diff_failures),
		cmocka_unit_test(test_rewrite),
		cmocka_unit_test(test_evolve_blocks),
		cmocka_unit_test(test_template_check),
		cmocka_unit_test(test_shortening),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
