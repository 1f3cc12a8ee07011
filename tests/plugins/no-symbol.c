/* Broken plug-in: compiles, but defines no `disco_evaluator`. */
#include "evaluator.h"

static const char *const entries[] = { "f", NULL };

const struct ev_evaluator my_evaluator = {
	.version = EV_API_VERSION, .name = "nameless", .entries = entries, .nstages = 1,
};
