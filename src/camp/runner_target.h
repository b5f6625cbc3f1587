/* What a deployment is benched against, brought up before its bench step
 * and taken down after it. */
#ifndef SC_RUNNER_TARGET_H
#define SC_RUNNER_TARGET_H
#include <stdbool.h>

#include "camp/k8s.h"
#include "camp/launch.h"
#include "camp/proc.h"
#include "camp/runner_state.h"
#include "camp/slurm.h"
#include "util/err.h"

/* What a deployment is benched against, started and stopped around its
 * bench step. */
struct runner_target {
	struct proc_server srv; /* emulated */
	struct launch l;	/* launched */
	struct slurm_job job;	/* a Slurm job */
	struct k8s_run kr;	/* applied on Kubernetes */
	const char *url;
};

/* Brings up d's target (spec: its deployment file) and sets t->url;
 * progress lines say where it serves. SC_OK, or the status of the start
 * that failed (named in e); runner_target_stop only after SC_OK. */
int runner_target_start(struct runner *r, const struct campaign_deploy *d,
			const char *spec, struct runner_target *t,
			struct sc_err *e) SC_MUST_CHECK;
/* Takes down what runner_target_start brought up (nothing for a URL). */
void runner_target_stop(const struct campaign_deploy *d,
			struct runner_target *t);
/* What the bench watches: the end of what serves it stops it at once.
 * The check and its *ud, or NULL when nothing can end by itself. */
bool (*runner_target_gone(const struct campaign_deploy *d,
			  struct runner_target *t, void **ud))(void *);
/* Whether d's target ended by itself (a launched server exited, a job or
 * a deployment went away); if so e says how, followed by bench (the
 * bench's own message, "" when none) where the cluster said why. */
bool runner_target_ended(const struct campaign_deploy *d,
			 struct runner_target *t, const char *bench,
			 struct sc_err *e);

#endif
