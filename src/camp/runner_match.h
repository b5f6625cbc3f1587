/* A campaign's match step for one SLA and one parameter source. */
#ifndef SC_RUNNER_MATCH_H
#define SC_RUNNER_MATCH_H
#include <stdbool.h>

#include "camp/runner_state.h"

/* `servecal match` at sla into DIR/match/NAME (campaign_match_name), with
 * the fitted parameters when calibrated (failed "no fit" without a fit),
 * else the priors. No configuration meeting the SLA is done, not failed. */
void runner_match(struct runner *r, bool calibrated,
		  const struct campaign_sla *sla);

#endif
