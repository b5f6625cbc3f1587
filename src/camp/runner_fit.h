/* Calibration steps of a campaign: the fit and the perf database. */
#ifndef SC_RUNNER_FIT_H
#define SC_RUNNER_FIT_H
#include "camp/runner_state.h"

/* `servecal fit` over every deployment whose bench is done, into
 * DIR/fit.json ("fit" in the manifest; done but counted a failure when it
 * did not converge). Fails without a measured deployment. */
void runner_fit(struct runner *r);
/* Refreshes the perf database from a converged DIR/fit.json ("db"). */
void runner_fit_db(struct runner *r);

#endif
