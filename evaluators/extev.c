/*
 * extev.c - an external evaluator command seen as a struct ev_evaluator, so
 * `disco run` and `disco baseline` can use it like any other.  Its name,
 * seeds and dims come from the command's info answer; candidates are
 * judged by the command itself (ext_eval), one at a time, never by the
 * sandbox's run()/score().  See evaluators/plugin.h for ev_open_cmd().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evaluators/external.h"
#include "evaluators/plugin.h"

struct extev {
	struct ev_evaluator ev; /* first: the evaluator pointer is the wrapper pointer */
	struct ext *x;
};

static int ext_score_marker(const struct ev_evaluator *ev, int task, int split, const double *out,
                            size_t n, struct ev_result *res)
{
	snprintf(res->message, sizeof res->message, "external evaluators score candidates themselves");
	return -1;
}

struct ext *ext_of(const struct ev_evaluator *ev)
{
	return ev && ev->score == ext_score_marker ? ((const struct extev *)ev)->x : NULL;
}

const struct ev_evaluator *ev_open_cmd(const char *cmd, const struct sbx_limits *lim, char *err,
                                       size_t errlen)
{
	struct ext_limits el;
	ext_limits_default(&el);
	if (lim)
		el.wall_ms = lim->wall_ms > el.wall_ms ? lim->wall_ms : el.wall_ms;
	struct extev *w = calloc(1, sizeof *w);
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->x = ext_open(cmd, &el, err, errlen);
	if (!w->x) {
		free(w);
		return NULL;
	}
	const struct ext_info *in = ext_info(w->x);
	w->ev = (struct ev_evaluator){
		.version = EV_API_VERSION, .name = in->name, .summary = in->summary, .seeds = in->seeds,
		.nstages = 1, .ndims = in->ndims, .noisy = in->noisy, .score = ext_score_marker,
		.stages = { { "external", 0 } },
	};
	memcpy(w->ev.dims, in->dims, sizeof w->ev.dims);
	return &w->ev;
}

void ext_evaluator_free(const struct ev_evaluator *ev)
{
	struct extev *w = (struct extev *)ev;
	ext_close(&w->x);
	free(w);
}
