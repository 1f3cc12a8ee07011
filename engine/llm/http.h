/*
 * http.h - HTTP POSTs over libcurl's multi interface, driven by the
 * engine's event loop (engine/loop.h): curl's socket callback becomes
 * loop_watch(), its timer callback loop_timer().  No threads and no
 * curl_multi_perform() polling: the engine sleeps in poll() until a socket
 * or a timer is due, together with the sandbox's pipes.
 *
 * A request is retried, with exponential backoff and full jitter
 * (delay = base * 2^k scaled by a random factor in [0.5, 1], at most max),
 * on HTTP 429 and 5xx, on timeouts and on dropped or refused connections;
 * a Retry-After header (seconds or an HTTP date) replaces the computed
 * delay, capped at retry_max_ms.  Other 4xx answers, an oversized body and
 * malformed URLs are final.  Each response body is bounded (max_body):
 * past it the transfer is aborted and reported, never buffered.
 *
 * Secrets: the caller's header lines (e.g. "Authorization: Bearer ...")
 * are copied into the transfer and freed with it; they never appear in
 * results or messages, and curl's verbose output is never enabled.
 *
 * Ownership: llm_http_new() returns a client freed with llm_http_free()
 * (NULL-safe, NULLs the pointer; cancels every request without calling
 * done).  A request's strings are copied by llm_http_post().  The result
 * handed to done() is valid only during the call.  done() is called
 * exactly once per request, from a loop callback (never from inside
 * llm_http_post()), unless the request is cancelled first.
 */
#ifndef DISCO_LLM_HTTP_H
#define DISCO_LLM_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct loop;
struct llm_http;

struct llm_http_res {
	long status;          /* HTTP status of the last try, 0 when none came */
	const char *body;     /* NUL-terminated, bounded; "" when none */
	size_t len;
	const char *error;    /* transport failure ("timeout after 2000 ms", ...), NULL if none */
	int timed_out;        /* the last try hit the timeout */
	int too_big;          /* the body exceeded max_body (aborted) */
	int retries;          /* tries after the first */
	double latency_ms;    /* first try to the end, backoff included */
};

typedef void llm_http_done_fn(void *ud, const struct llm_http_res *res);

struct llm_http_req {
	const char *url;
	const char *const *headers; /* NULL-terminated header lines, or NULL */
	const char *body;
	size_t body_len;
	long timeout_ms;            /* per try, > 0 */
	size_t max_body;            /* bytes, > 0 */
	int max_retries;            /* >= 0 */
	long retry_base_ms, retry_max_ms;
	llm_http_done_fn *done;
	void *ud;
};

struct llm_http *llm_http_new(struct loop *l, char *err, size_t errlen);
void llm_http_free(struct llm_http **h);

/* Start a POST.  Returns its id (> 0), or -1 with a message in err. */
int64_t llm_http_post(struct llm_http *h, const struct llm_http_req *r, char *err, size_t errlen);
/* Drop a request: done() will not be called for it.  Unknown ids are ignored. */
void llm_http_cancel(struct llm_http *h, int64_t id);
/* Requests started and not yet done or cancelled (waiting retries included). */
int llm_http_inflight(const struct llm_http *h);

#endif
