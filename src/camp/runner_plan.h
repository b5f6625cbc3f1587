/* The steps a campaign runs, in order, each with its expected duration. */
#ifndef SC_RUNNER_PLAN_H
#define SC_RUNNER_PLAN_H
#include "camp/runner_state.h"

/* Every step in running order with its pieces into r->eta (initialised
 * here); steps done by an earlier run are over from the start. */
void runner_plan(struct runner *r);

#endif
