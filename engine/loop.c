/*
 * loop.c - poll(2)-based event loop (see loop.h).
 *
 * The sets are small (a sandbox pipe, a few external-command pipes, up to
 * a few hundred HTTP sockets), so watches and timers are plain arrays
 * scanned linearly, as ae.c does for timers.  Callbacks may change both
 * sets while the loop dispatches: ready fds are looked up again before each
 * call, and timers are fired by id from a snapshot taken before the first
 * one runs.
 */
#include "engine/loop.h"
#include "evaluators/mono.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct watch {
	int fd, mask;
	loop_fd_fn *fn;
	void *ud;
};

struct timer {
	int64_t id, when;
	loop_timer_fn *fn;
	void *ud;
};

struct loop {
	struct watch *w;
	int nw, capw;
	struct timer *t;
	int nt, capt;
	int64_t next_id;
	loop_hook_fn *hook;
	void *hook_ud;
	int stop;
	struct pollfd *pfd; /* scratch for loop_once */
	int cappfd;
	int64_t *due;       /* scratch: ids of due timers */
	int capdue;
};

int64_t loop_now_ms(void)
{
	return (int64_t)mono_ms();
}

/* Grow *p (elements of size sz) to hold at least n; 0 or -1 (ENOMEM). */
static int grow(void **p, int *cap, int n, size_t sz)
{
	if (n <= *cap)
		return 0;
	int c = *cap ? *cap * 2 : 8;
	while (c < n)
		c *= 2;
	void *q = realloc(*p, (size_t)c * sz);
	if (!q) {
		errno = ENOMEM;
		return -1;
	}
	*p = q;
	*cap = c;
	return 0;
}

struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof *l);
	if (l)
		l->next_id = 1;
	return l;
}

void loop_free(struct loop **lp)
{
	if (!lp || !*lp)
		return;
	struct loop *l = *lp;
	free(l->w);
	free(l->t);
	free(l->pfd);
	free(l->due);
	free(l);
	*lp = NULL;
}

static int find_watch(const struct loop *l, int fd)
{
	for (int i = 0; i < l->nw; i++)
		if (l->w[i].fd == fd)
			return i;
	return -1;
}

int loop_watch(struct loop *l, int fd, int mask, loop_fd_fn *fn, void *ud)
{
	if (fd < 0 || (mask & ~(LOOP_READABLE | LOOP_WRITABLE)) || (mask && !fn)) {
		errno = EINVAL;
		return -1;
	}
	int i = find_watch(l, fd);
	if (!mask) {
		if (i >= 0)
			l->w[i] = l->w[--l->nw];
		return 0;
	}
	if (i < 0) {
		if (grow((void **)&l->w, &l->capw, l->nw + 1, sizeof *l->w) < 0)
			return -1;
		i = l->nw++;
	}
	l->w[i] = (struct watch){ fd, mask, fn, ud };
	return 0;
}

int64_t loop_timer(struct loop *l, long ms, loop_timer_fn *fn, void *ud)
{
	if (!fn || ms < 0) {
		errno = EINVAL;
		return -1;
	}
	if (grow((void **)&l->t, &l->capt, l->nt + 1, sizeof *l->t) < 0)
		return -1;
	int64_t id = l->next_id++;
	l->t[l->nt++] = (struct timer){ id, loop_now_ms() + ms, fn, ud };
	return id;
}

static int find_timer(const struct loop *l, int64_t id)
{
	for (int i = 0; i < l->nt; i++)
		if (l->t[i].id == id)
			return i;
	return -1;
}

void loop_timer_del(struct loop *l, int64_t id)
{
	int i = find_timer(l, id);
	if (i >= 0)
		l->t[i] = l->t[--l->nt];
}

void loop_before_sleep(struct loop *l, loop_hook_fn *fn, void *ud)
{
	l->hook = fn;
	l->hook_ud = ud;
}

static int fire_timers(struct loop *l)
{
	int64_t now = loop_now_ms();
	int ndue = 0, ran = 0;
	if (grow((void **)&l->due, &l->capdue, l->nt, sizeof *l->due) < 0)
		return 0;
	for (int i = 0; i < l->nt; i++)
		if (l->t[i].when <= now)
			l->due[ndue++] = l->t[i].id;
	for (int k = 0; k < ndue; k++) {
		int i = find_timer(l, l->due[k]);
		if (i < 0)
			continue; /* deleted by an earlier callback */
		struct timer t = l->t[i];
		long again = t.fn(l, t.id, t.ud);
		ran++;
		i = find_timer(l, t.id); /* the callback may have moved or deleted it */
		if (i < 0)
			continue;
		if (again == LOOP_NOMORE || again < 0)
			l->t[i] = l->t[--l->nt];
		else
			l->t[i].when = loop_now_ms() + again;
	}
	return ran;
}

int loop_once(struct loop *l, long max_ms)
{
	if (l->hook)
		l->hook(l, l->hook_ud);
	long timeout = max_ms;
	if (l->nt) {
		int64_t now = loop_now_ms(), first = l->t[0].when;
		for (int i = 1; i < l->nt; i++)
			if (l->t[i].when < first)
				first = l->t[i].when;
		long until = first <= now ? 0 : (long)(first - now);
		if (timeout < 0 || until < timeout)
			timeout = until;
	}
	if (timeout > 0 && l->stop)
		timeout = 0;
	if (grow((void **)&l->pfd, &l->cappfd, l->nw, sizeof *l->pfd) < 0)
		return -1;
	int n = l->nw;
	for (int i = 0; i < n; i++) {
		short ev = 0;
		if (l->w[i].mask & LOOP_READABLE)
			ev |= POLLIN;
		if (l->w[i].mask & LOOP_WRITABLE)
			ev |= POLLOUT;
		l->pfd[i] = (struct pollfd){ l->w[i].fd, ev, 0 };
	}
	int rc = poll(l->pfd, (nfds_t)n, timeout > 0x7fffffffL ? 0x7fffffff : (int)timeout);
	if (rc < 0 && errno != EINTR)
		return -1;
	int ran = 0;
	for (int i = 0; rc > 0 && i < n; i++) {
		short re = l->pfd[i].revents;
		if (!re)
			continue;
		int k = find_watch(l, l->pfd[i].fd);
		if (k < 0)
			continue; /* forgotten by an earlier callback */
		int mask = 0;
		if (re & POLLIN)
			mask |= LOOP_READABLE;
		if (re & POLLOUT)
			mask |= LOOP_WRITABLE;
		if (re & (POLLERR | POLLHUP | POLLNVAL))
			mask |= LOOP_ERROR;
		mask &= l->w[k].mask | LOOP_ERROR;
		if (!mask)
			continue;
		struct watch w = l->w[k];
		w.fn(l, w.fd, mask, w.ud);
		ran++;
	}
	return ran + fire_timers(l);
}

int loop_run(struct loop *l)
{
	l->stop = 0;
	while (!l->stop)
		if (loop_once(l, -1) < 0)
			return -1;
	return 0;
}

void loop_stop(struct loop *l)
{
	l->stop = 1;
}

int loop_nwatch(const struct loop *l)
{
	return l->nw;
}

int loop_ntimer(const struct loop *l)
{
	return l->nt;
}
