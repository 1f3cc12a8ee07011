/*
 * text.h - hostile text (candidate sources and messages, plug-in and
 * external evaluator strings, file names) made safe for a terminal and for
 * JSON.  Every printer of such text goes through here: one definition of
 * "safe", shared by the CLI, the archive and the evaluators.
 *
 *   terminal: valid UTF-8 printable text passes; every control character
 *             (C0 such as ESC, DEL, C1 such as U+009B CSI) and every byte
 *             that is not valid UTF-8 is shown as \xHH (C1 as \u00HH), so
 *             no ESC/OSC sequence reaches the terminal raw.
 *   JSON:     strings are valid UTF-8: every invalid sequence becomes
 *             U+FFFD (cJSON escapes control characters but never checks
 *             the encoding).
 *
 * Pure functions; allocating ones return malloc'd text the caller frees.
 */
#ifndef DISCO_TEXT_H
#define DISCO_TEXT_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

/* Length of the valid UTF-8 sequence at s (n bytes available), 0 if the
 * bytes there are not one. */
size_t text_utf8_len(const unsigned char *s, size_t n);

/* Write n bytes of s to f, escaped for a terminal.  keep_nl: '\n' and
 * '\t' pass (multi-line text such as a source); otherwise they are
 * escaped too (one-line fields). */
void text_put(FILE *f, const char *s, size_t n, int keep_nl);
/* The same for a NUL-terminated string (NULL prints nothing). */
void text_puts(FILE *f, const char *s, int keep_nl);

/* 1 when s (NUL-terminated; NULL counts as clean) is valid UTF-8 without
 * control characters (C0, DEL, C1): fit to print as a name as it is. */
int text_is_clean(const char *s);

/* A malloc'd copy of s (NUL-terminated) that is valid UTF-8: invalid
 * sequences become U+FFFD.  NULL on allocation failure (or s NULL). */
char *text_utf8(const char *s);

/* cJSON string from hostile text (valid UTF-8 always); NULL only when
 * out of memory. */
cJSON *text_json_string(const char *s);
/* Add key: s to obj, both made valid UTF-8.  Returns the item or NULL. */
cJSON *text_json_add(cJSON *obj, const char *key, const char *s);
/* Add key: number (key made valid UTF-8); non-finite becomes null. */
cJSON *text_json_add_number(cJSON *obj, const char *key, double v);

/* Read a whole file, bounded: at most max + 1 bytes are ever read, so
 * /dev/zero or a huge file costs nothing.  Refuses a directory, a file
 * larger than max ("PATH: larger than MAX bytes") and, with nonempty set, an
 * empty one.  Opening never blocks (a FIFO without a writer reads as
 * empty).  Returns a malloc'd buffer with a NUL after *len bytes (the text
 * may contain NUL bytes before that), or NULL with "PATH: why" in err and,
 * only when the file is larger than max, *len set to SIZE_MAX. */
char *text_read_file(const char *path, size_t max, int nonempty, size_t *len, char *err,
                     size_t errlen);

#endif
