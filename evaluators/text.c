/* text.c - see text.h. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evaluators/text.h"

size_t text_utf8_len(const unsigned char *s, size_t n)
{
	if (!n)
		return 0;
	unsigned c = s[0];
	if (c < 0x80)
		return 1;
	size_t len;
	unsigned lo = 0x80, hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf) len = 2;
	else if (c == 0xe0) { len = 3; lo = 0xa0; }
	else if (c >= 0xe1 && c <= 0xec) len = 3;
	else if (c == 0xed) { len = 3; hi = 0x9f; } /* no surrogates */
	else if (c >= 0xee && c <= 0xef) len = 3;
	else if (c == 0xf0) { len = 4; lo = 0x90; }
	else if (c >= 0xf1 && c <= 0xf3) len = 4;
	else if (c == 0xf4) { len = 4; hi = 0x8f; }
	else return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

void text_put(FILE *f, const char *s, size_t n, int keep_nl)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0; /* bytes [i - run, i) are safe and not yet written */
	while (i < n) {
		unsigned c = p[i];
		size_t l = text_utf8_len(p + i, n - i);
		int safe;
		if (l == 1)
			safe = (c >= 0x20 && c != 0x7f) || (keep_nl && (c == '\n' || c == '\t'));
		else
			safe = l > 1 && !(l == 2 && c == 0xc2 && p[i + 1] < 0xa0); /* C1: U+0080..U+009F */
		if (safe) {
			i += l;
			run += l;
			continue;
		}
		fwrite(p + i - run, 1, run, f);
		run = 0;
		if (l == 2) {
			fprintf(f, "\\u%04x", p[i + 1]);
			i += 2;
		} else {
			fprintf(f, "\\x%02x", c);
			i++;
		}
	}
	fwrite(p + i - run, 1, run, f);
}

int text_is_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = s ? strlen(s) : 0;
	for (size_t i = 0; i < n;) {
		size_t l = text_utf8_len(p + i, n - i);
		if (!l || (l == 1 && (p[i] < 0x20 || p[i] == 0x7f)) || (l == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0))
			return 0;
		i += l;
	}
	return 1;
}

void text_puts(FILE *f, const char *s, int keep_nl)
{
	if (s)
		text_put(f, s, strlen(s), keep_nl);
}

char *text_utf8(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	char *out = malloc(3 * n + 1); /* each bad byte becomes 3 bytes */
	if (!out)
		return NULL;
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t l = text_utf8_len(p + i, n - i);
		if (l) {
			memcpy(out + o, p + i, l);
			o += l;
			i += l;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	out[o] = 0;
	return out;
}

cJSON *text_json_string(const char *s)
{
	char *v = text_utf8(s ? s : "");
	cJSON *j = v ? cJSON_CreateString(v) : NULL;
	free(v);
	return j;
}

/* Add j to obj under key (made valid UTF-8); j is freed on failure. */
static cJSON *add_item(cJSON *obj, const char *key, cJSON *j)
{
	char *k = text_utf8(key ? key : "");
	if (!k || !j || !cJSON_AddItemToObject(obj, k, j)) {
		free(k);
		cJSON_Delete(j);
		return NULL;
	}
	free(k);
	return j;
}

cJSON *text_json_add(cJSON *obj, const char *key, const char *s)
{
	return add_item(obj, key, text_json_string(s));
}

cJSON *text_json_add_number(cJSON *obj, const char *key, double v)
{
	return add_item(obj, key, isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull());
}

char *text_read_file(const char *path, size_t max, int nonempty, size_t *len, char *err,
                     size_t errlen)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "%s: is a directory, not a file", path);
		return NULL;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	size_t cap = max < (1u << 16) ? max + 1 : (1u << 16), n = 0;
	char *buf = malloc(cap + 1);
	while (buf) {
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max)
			break;
		if (n == cap) {
			size_t nc = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *nb = realloc(buf, nc + 1);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap = nc;
		}
	}
	close(fd);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	if (n > max) {
		*len = SIZE_MAX; /* "too large", for callers that make it an outcome */
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
		free(buf);
		return NULL;
	}
	if (nonempty && n == 0) {
		snprintf(err, errlen, "%s: is empty", path);
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}
