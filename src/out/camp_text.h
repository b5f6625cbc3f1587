/* The campaign's text views: its plan and the status of its directory. */
#ifndef SC_CAMP_TEXT_H
#define SC_CAMP_TEXT_H
#include <stdio.h>

#include "camp/campaign.h"
#include "util/err.h"

/* Writes what running c into dir would do: the workload, the SLAs, each
 * deployment's bench with its expected duration, and the steps after. */
void camp_plan_write(FILE *f, const struct campaign *c, const char *dir);

/* Writes the status of the campaign directory dir from its manifest and
 * the levels on disk: running, stopped or finished, each step's state and
 * elapsed time, and the levels measured per deployment. Returns SC_OK or
 * the manifest reader's status (e set). */
int camp_status_write(FILE *f, const char *dir, struct sc_err *e) SC_MUST_CHECK;

#endif
