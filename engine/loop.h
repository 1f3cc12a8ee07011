/*
 * loop.h - the engine's one event loop: file-descriptor events, timers and
 * a before-sleep hook, in one thread (Redis' ae.c is the model).
 *
 * Everything that waits in the engine waits here: the sandbox's response
 * pipe, the pipes of external evaluator commands, and the LLM client's
 * sockets and timer (curl's multi_socket API maps onto loop_watch() and
 * loop_timer()).  The before-sleep hook runs once per iteration just
 * before the loop blocks: that is where the evolution loop fills free
 * slots, checkpoints and redraws the progress line.
 *
 * Interest is *set*, not accumulated: loop_watch(l, fd, mask, ...) makes
 * mask the complete interest for fd (0 forgets fd), which is what curl's
 * socket callback hands over.  Callbacks may add or remove watches and
 * timers, including their own, and may call loop_stop().
 *
 * Ownership: loop_new() returns a loop the caller releases with
 * loop_free(&l) (NULL-safe; NULLs the pointer).  The loop never owns the
 * fds or the user data it is given; it never closes an fd.
 *
 * Errors: functions returning int return 0, or -1 with errno set (ENOMEM,
 * EINVAL); loop_once() returns -1 only when poll() fails for another
 * reason than EINTR.
 */
#ifndef DISCO_LOOP_H
#define DISCO_LOOP_H

#include <stdint.h>

#define LOOP_READABLE 1
#define LOOP_WRITABLE 2
#define LOOP_ERROR    4 /* reported, never requested: POLLERR/POLLHUP/POLLNVAL */

#define LOOP_NOMORE   (-1L) /* a timer callback's "do not fire again" */

struct loop;

/* fd became ready: mask is the subset of LOOP_READABLE|LOOP_WRITABLE that
 * is ready, plus LOOP_ERROR on hang-up or error. */
typedef void loop_fd_fn(struct loop *l, int fd, int mask, void *ud);
/* A timer fired.  Returns the delay in ms until it fires again, or
 * LOOP_NOMORE to delete it. */
typedef long loop_timer_fn(struct loop *l, int64_t id, void *ud);
typedef void loop_hook_fn(struct loop *l, void *ud);

struct loop *loop_new(void);
void loop_free(struct loop **l);

/* Make mask (LOOP_READABLE|LOOP_WRITABLE) the interest for fd, calling
 * fn(l, fd, ready, ud) when it is ready; mask 0 forgets fd. */
int loop_watch(struct loop *l, int fd, int mask, loop_fd_fn *fn, void *ud);

/* A timer firing after ms milliseconds (0: on the next iteration).
 * Returns its id (> 0), or -1. */
int64_t loop_timer(struct loop *l, long ms, loop_timer_fn *fn, void *ud);
/* Delete a timer; unknown ids are ignored. */
void loop_timer_del(struct loop *l, int64_t id);

/* fn(l, ud) runs before each sleep; NULL removes it. */
void loop_before_sleep(struct loop *l, loop_hook_fn *fn, void *ud);

/* One iteration: the before-sleep hook, then wait for fd events for at
 * most max_ms (-1: until the next timer, forever when there is none; the
 * wait is also cut short by the next timer), then run the ready fd
 * callbacks and the due timers.  Returns the number of callbacks run. */
int loop_once(struct loop *l, long max_ms);

/* Run iterations until loop_stop(); returns 0, or -1 as loop_once(). */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

/* Number of fds and timers registered (for tests and stop conditions). */
int loop_nwatch(const struct loop *l);
int loop_ntimer(const struct loop *l);

/* Monotonic time in ms (CLOCK_MONOTONIC), the loop's clock. */
int64_t loop_now_ms(void);

#endif
