/* The bench step of one deployment of a campaign. */
#ifndef SC_RUNNER_BENCH_H
#define SC_RUNNER_BENCH_H
#include "camp/runner_state.h"

/* Benches d ("bench:NAME" in the manifest) unless done earlier: brings up
 * its target, runs `servecal bench` into DIR/NAME, takes the target down.
 * The outcome goes to the manifest and the progress lines. */
void runner_bench(struct runner *r, const struct campaign_deploy *d);

#endif
