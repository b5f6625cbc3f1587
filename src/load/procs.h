/* One level over N worker processes on this node, each its own event loop
 * (and HTTP driver) pinned to a core of this process's affinity mask. The
 * workers are forked for the level and send their records back through a
 * pipe; the level's result is one loop_result merged exactly (load/merge.h)
 * and the records reach the level's on_record hook as they finish. */
#ifndef SC_PROCS_H
#define SC_PROCS_H
#include "load/loop.h"
#include "load/wl.h"
#include "net/http.h"
#include "util/err.h"

/* Largest --procs. */
#define PROCS_MAX 1024
/* How long workers asked to stop (a worker died, or the level was
 * interrupted) get to send what they finished before they are killed. */
#define PROCS_GRACE_NS 5000000000LL

/* Cores this process may run on (its affinity mask); at least 1. */
int procs_available(void);
/* Runs level c (as loop_run would) over up to n worker processes: fewer
 * when the level has fewer streams or requests (load/share.h). Workers
 * start the level together. d is the caller's driver: each worker makes
 * its own like it; wl is each worker's copy, shared out. Returns SC_OK, or
 * SC_ERUNTIME with e naming the worker when one fails or dies (the others
 * are stopped; records received so far went to on_record). out as
 * loop_run's: release it with loop_result_release. */
int procs_run(unsigned n, struct http_driver *d, struct workload *wl,
	      const struct loop_config *c, struct loop_result *out,
	      struct sc_err *e) SC_MUST_CHECK;

#endif
