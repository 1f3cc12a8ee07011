/* http.c - libcurl multi_socket on the engine's loop; see http.h. */
#define CURL_DISABLE_TYPECHECK 1 /* the calls below go through function pointers */
#include <curl/curl.h>
#include <ctype.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/llm/http.h"
#include "engine/loop.h"

struct xfer {
	struct xfer *next, *prev;
	struct llm_http *h;
	int64_t id;
	CURL *easy;
	struct curl_slist *hdr;
	char *body;
	size_t body_len;
	char *url;
	long timeout_ms;
	size_t max_body;
	int max_retries, retries;
	long base_ms, max_ms;
	llm_http_done_fn *done;
	void *ud;
	char *resp;
	size_t rlen, rcap;
	int too_big;
	long retry_after_ms; /* from the last answer's Retry-After, -1 none */
	int64_t t0, retry_timer;
	int active;          /* added to the multi handle */
	char errbuf[CURL_ERROR_SIZE];
};

struct llm_http {
	struct loop *loop;
	CURLM *multi;
	int64_t timer;       /* curl's timeout as a loop timer, 0 none */
	struct xfer *head;
	int64_t next_id;
	int n;
	uint64_t jitter;     /* xorshift state: only timing depends on it */
};

/* libcurl is loaded when the first client is made, not linked: a campaign
 * without an LLM never maps it (nor OpenSSL, LDAP, Kerberos... that it
 * pulls in), so the fork server, forked from a small engine, stays small
 * and every candidate's fork stays cheap (docs/BENCHMARKS.md). */
static struct {
	CURLcode (*global_init)(long);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
	CURLMcode (*multi_add_handle)(CURLM *, CURL *);
	CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode (*multi_socket_action)(CURLM *, curl_socket_t, int, int *);
	CURLMsg *(*multi_info_read)(CURLM *, int *);
	CURLMcode (*multi_cleanup)(CURLM *);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	time_t (*getdate)(const char *, const time_t *);
} C;
static int curl_ready;

#undef curl_multi_setopt /* curl.h's own pass-through macros */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init C.global_init
#define curl_multi_init C.multi_init
#define curl_multi_setopt C.multi_setopt
#define curl_multi_add_handle C.multi_add_handle
#define curl_multi_remove_handle C.multi_remove_handle
#define curl_multi_socket_action C.multi_socket_action
#define curl_multi_info_read C.multi_info_read
#define curl_multi_cleanup C.multi_cleanup
#define curl_easy_init C.easy_init
#define curl_easy_setopt C.easy_setopt
#define curl_easy_getinfo C.easy_getinfo
#define curl_easy_cleanup C.easy_cleanup
#define curl_easy_strerror C.easy_strerror
#define curl_slist_append C.slist_append
#define curl_slist_free_all C.slist_free_all
#define curl_getdate C.getdate

/* dlopen libcurl and find every function above; 0, or -1 with err. */
static int curl_load(char *err, size_t errlen)
{
	void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(err, errlen, "cannot load libcurl (libcurl.so.4, Debian package libcurl4): %s", dlerror());
		return -1;
	}
	static const char *const names[] = {
		"curl_global_init", "curl_multi_init", "curl_multi_setopt", "curl_multi_add_handle",
		"curl_multi_remove_handle", "curl_multi_socket_action", "curl_multi_info_read",
		"curl_multi_cleanup", "curl_easy_init", "curl_easy_setopt", "curl_easy_getinfo",
		"curl_easy_cleanup", "curl_easy_strerror", "curl_slist_append", "curl_slist_free_all",
		"curl_getdate",
	};
	_Static_assert(sizeof names / sizeof names[0] == sizeof C / sizeof(void (*)(void)),
	               "one name per function pointer");
	void (**slot)(void) = (void (**)(void))&C;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		void *f = dlsym(h, names[i]);
		if (!f) {
			snprintf(err, errlen, "libcurl has no %s", names[i]);
			return -1;
		}
		memcpy(&slot[i], &f, sizeof f);
	}
	return 0;
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void xfer_free(struct xfer *x)
{
	if (!x)
		return;
	if (x->easy)
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->hdr);
	free(x->body);
	free(x->url);
	free(x->resp);
	free(x);
}

static void unlink_xfer(struct llm_http *h, struct xfer *x)
{
	if (x->prev)
		x->prev->next = x->next;
	else
		h->head = x->next;
	if (x->next)
		x->next->prev = x->prev;
	x->next = x->prev = NULL;
	h->n--;
}

/* ---- curl callbacks ------------------------------------------------------- */

static size_t on_write(char *p, size_t sz, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t k = sz * n;
	if (x->rlen + k > x->max_body) {
		x->too_big = 1;
		return 0; /* abort: CURLE_WRITE_ERROR */
	}
	if (x->rlen + k + 1 > x->rcap) {
		size_t cap = x->rcap ? x->rcap : 4096;
		while (cap < x->rlen + k + 1)
			cap *= 2;
		if (cap > x->max_body + 1)
			cap = x->max_body + 1;
		char *r = realloc(x->resp, cap);
		if (!r)
			return 0;
		x->resp = r;
		x->rcap = cap;
	}
	memcpy(x->resp + x->rlen, p, k);
	x->rlen += k;
	x->resp[x->rlen] = '\0';
	return k;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t k = sz * n;
	static const char name[] = "retry-after:";
	if (k > sizeof name - 1 && k < 200 && !strncasecmp(p, name, sizeof name - 1)) {
		char v[200];
		memcpy(v, p + sizeof name - 1, k - (sizeof name - 1));
		v[k - (sizeof name - 1)] = '\0';
		char *s = v;
		while (*s == ' ' || *s == '\t') s++;
		char *e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1])) *--e = '\0';
		if (*s && strspn(s, "0123456789") == strlen(s)) {
			double sec = strtod(s, NULL);
			x->retry_after_ms = sec > 86400 ? 86400000L : (long)(sec * 1000);
		} else if (*s) {
			time_t when = curl_getdate(s, NULL);
			if (when > 0) {
				double d = difftime(when, time(NULL));
				x->retry_after_ms = d < 0 ? 0 : d > 86400 ? 86400000L : (long)(d * 1000);
			}
		}
	}
	return k;
}

static void check_done(struct llm_http *h);

static void on_fd(struct loop *l, int fd, int mask, void *ud)
{
	struct llm_http *h = ud;
	int ev = 0, running;
	if (mask & LOOP_READABLE) ev |= CURL_CSELECT_IN;
	if (mask & LOOP_WRITABLE) ev |= CURL_CSELECT_OUT;
	if (mask & LOOP_ERROR) ev |= CURL_CSELECT_ERR;
	curl_multi_socket_action(h->multi, fd, ev, &running);
	check_done(h);
}

static int on_socket(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct llm_http *h = userp;
	int mask = 0;
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) mask |= LOOP_READABLE;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) mask |= LOOP_WRITABLE;
	loop_watch(h->loop, s, what == CURL_POLL_REMOVE ? 0 : mask, on_fd, h);
	return 0;
}

static long on_curl_timer_fire(struct loop *l, int64_t id, void *ud)
{
	struct llm_http *h = ud;
	int running;
	h->timer = 0;
	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(h);
	return LOOP_NOMORE;
}

static int on_timer(CURLM *m, long ms, void *userp)
{
	struct llm_http *h = userp;
	if (h->timer) {
		loop_timer_del(h->loop, h->timer);
		h->timer = 0;
	}
	if (ms >= 0) {
		int64_t id = loop_timer(h->loop, ms, on_curl_timer_fire, h);
		h->timer = id > 0 ? id : 0;
	}
	return 0;
}

/* ---- one try ------------------------------------------------------------------ */

static int add_try(struct xfer *x)
{
	x->rlen = 0;
	if (x->resp)
		x->resp[0] = '\0';
	x->too_big = 0;
	x->retry_after_ms = -1;
	x->errbuf[0] = '\0';
	if (curl_multi_add_handle(x->h->multi, x->easy) != CURLM_OK)
		return -1;
	x->active = 1;
	return 0;
}

static long retry_fire(struct loop *l, int64_t id, void *ud);

static int retryable_code(CURLcode c)
{
	switch (c) {
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

static void finish(struct llm_http *h, struct xfer *x, CURLcode code, long status)
{
	char msg[CURL_ERROR_SIZE + 96];
	struct llm_http_res r = {
		.status = status, .body = x->resp ? x->resp : "", .len = x->rlen,
		.timed_out = code == CURLE_OPERATION_TIMEDOUT, .too_big = x->too_big,
		.retries = x->retries, .latency_ms = (double)(loop_now_ms() - x->t0),
	};
	if (x->too_big) {
		snprintf(msg, sizeof msg, "the response is larger than %zu bytes (aborted)", x->max_body);
		r.error = msg;
		r.body = "";
		r.len = 0;
	} else if (code == CURLE_OPERATION_TIMEDOUT) {
		snprintf(msg, sizeof msg, "timeout after %ld ms", x->timeout_ms);
		r.error = msg;
	} else if (code != CURLE_OK) {
		snprintf(msg, sizeof msg, "%s%s%s", curl_easy_strerror(code), x->errbuf[0] ? ": " : "",
		         x->errbuf);
		r.error = msg;
	}
	unlink_xfer(h, x);
	llm_http_done_fn *done = x->done;
	void *ud = x->ud;
	done(ud, &r);
	xfer_free(x);
}

static void check_done(struct llm_http *h)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(h->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		CURL *e = m->easy_handle;
		CURLcode code = m->data.result;
		struct xfer *x = NULL;
		curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
		curl_multi_remove_handle(h->multi, e);
		if (!x)
			continue;
		x->active = 0;
		long status = 0;
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
		int again = !x->too_big && x->retries < x->max_retries &&
		            ((code == CURLE_OK && (status == 429 || (status >= 500 && status <= 599))) ||
		             (code != CURLE_OK && retryable_code(code)));
		if (again) {
			long delay = x->base_ms;
			for (int k = 0; k < x->retries && delay < x->max_ms; k++)
				delay *= 2;
			if (delay > x->max_ms)
				delay = x->max_ms;
			double f = 0.5 + 0.5 * (double)(xorshift(&h->jitter) >> 11) / 9007199254740992.0;
			delay = (long)(delay * f);
			if (x->retry_after_ms >= 0)
				delay = x->retry_after_ms < x->max_ms ? x->retry_after_ms : x->max_ms;
			x->retries++;
			int64_t id = loop_timer(h->loop, delay, retry_fire, x);
			if (id > 0) {
				x->retry_timer = id;
				continue;
			}
		}
		finish(h, x, code, status);
	}
}

static long retry_fire(struct loop *l, int64_t id, void *ud)
{
	struct xfer *x = ud;
	x->retry_timer = 0;
	if (add_try(x))
		finish(x->h, x, CURLE_FAILED_INIT, 0);
	return LOOP_NOMORE;
}

/* ---- the API ---------------------------------------------------------------------- */

struct llm_http *llm_http_new(struct loop *l, char *err, size_t errlen)
{
	if (!curl_ready) {
		if (curl_load(err, errlen))
			return NULL;
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			snprintf(err, errlen, "libcurl could not be initialised");
			return NULL;
		}
		curl_ready = 1;
	}
	struct llm_http *h = calloc(1, sizeof *h);
	if (!h || !(h->multi = curl_multi_init())) {
		free(h);
		snprintf(err, errlen, "out of memory (curl multi handle)");
		return NULL;
	}
	h->loop = l;
	h->next_id = 1;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	h->jitter = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull | 1;
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	return h;
}

static void drop(struct llm_http *h, struct xfer *x)
{
	if (x->active)
		curl_multi_remove_handle(h->multi, x->easy);
	if (x->retry_timer)
		loop_timer_del(h->loop, x->retry_timer);
	unlink_xfer(h, x);
	xfer_free(x);
}

void llm_http_free(struct llm_http **hp)
{
	if (!hp || !*hp)
		return;
	struct llm_http *h = *hp;
	while (h->head)
		drop(h, h->head);
	if (h->timer)
		loop_timer_del(h->loop, h->timer);
	curl_multi_cleanup(h->multi);
	free(h);
	*hp = NULL;
}

int64_t llm_http_post(struct llm_http *h, const struct llm_http_req *r, char *err, size_t errlen)
{
	struct xfer *x = calloc(1, sizeof *x);
	if (!x) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	x->h = h;
	x->url = strdup(r->url ? r->url : "");
	x->body = malloc(r->body_len + 1);
	x->easy = curl_easy_init();
	if (!x->url || !x->body || !x->easy) {
		xfer_free(x);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(x->body, r->body, r->body_len);
	x->body[r->body_len] = '\0';
	x->body_len = r->body_len;
	x->timeout_ms = r->timeout_ms > 0 ? r->timeout_ms : 60000;
	x->max_body = r->max_body > 0 ? r->max_body : (4u << 20);
	x->max_retries = r->max_retries > 0 ? r->max_retries : 0;
	x->base_ms = r->retry_base_ms > 0 ? r->retry_base_ms : 500;
	x->max_ms = r->retry_max_ms > 0 ? r->retry_max_ms : 30000;
	x->done = r->done;
	x->ud = r->ud;
	x->hdr = curl_slist_append(NULL, "Content-Type: application/json");
	for (int i = 0; r->headers && r->headers[i] && x->hdr; i++) {
		struct curl_slist *n = curl_slist_append(x->hdr, r->headers[i]);
		if (!n) {
			curl_slist_free_all(x->hdr);
			x->hdr = NULL;
		} else {
			x->hdr = n;
		}
	}
	/* "Expect: 100-continue" would add a round trip to every large body. */
	struct curl_slist *n = x->hdr ? curl_slist_append(x->hdr, "Expect:") : NULL;
	if (!n) {
		xfer_free(x);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	x->hdr = n;
	CURL *e = x->easy;
	curl_easy_setopt(e, CURLOPT_URL, x->url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdr);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->body_len);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, x->timeout_ms);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "disco");
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	x->id = h->next_id++;
	x->t0 = loop_now_ms();
	if (add_try(x)) {
		xfer_free(x);
		snprintf(err, errlen, "curl could not start the request");
		return -1;
	}
	x->next = h->head;
	if (h->head)
		h->head->prev = x;
	h->head = x;
	h->n++;
	return x->id;
}

void llm_http_cancel(struct llm_http *h, int64_t id)
{
	for (struct xfer *x = h->head; x; x = x->next)
		if (x->id == id) {
			drop(h, x);
			return;
		}
}

int llm_http_inflight(const struct llm_http *h) { return h ? h->n : 0; }
