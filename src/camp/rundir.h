/* A campaign's output directory before the first step: DIR/logs, the lock
 * that keeps a second campaign process out, env.json (versions of what
 * measured), campaign.json (the file as given) and specs/ (the deployment,
 * model and GPU specs the child commands read). */
#ifndef SC_RUNDIR_H
#define SC_RUNDIR_H
#include <stdbool.h>

#include "camp/campaign.h"
#include "util/err.h"

/* Creates DIR and DIR/logs and takes DIR/.lock (flock, released when
 * *lock_fd is closed). SC_ERUNTIME when another campaign process holds it
 * or a directory cannot be made. */
int rundir_lock(const char *dir, int *lock_fd, struct sc_err *e) SC_MUST_CHECK;

/* Whether a campaign process holds DIR's lock right now (false when there
 * is no lock file). It takes the lock for an instant when free, so a
 * campaign starting in that instant on DIR would be refused. */
bool rundir_busy(const char *dir);

/* Writes env.json, campaign.json and specs/ for c into dir; env.json
 * records version as servecal's and gnuplot as the gnuplot program's version
 * ("not found" when NULL). SC_EINPUT when the campaign file cannot be read
 * again, SC_ERUNTIME on a write error. */
int rundir_write(const char *dir, const struct campaign *c, const char *version,
		 const char *gnuplot, struct sc_err *e) SC_MUST_CHECK;

#endif
