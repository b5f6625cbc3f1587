/* One level's result from the records and loop ends of the workers that
 * shared it: every record goes to the level's on_record hook as it
 * arrives and to a spill file; once every worker is done the steady
 * window is the one all of them were steady in (the latest start, the
 * earliest end, each on the clock its worker measured with) and the
 * statistics are counted over the union of the records against it, as
 * one process would have counted them. Memory does not grow with the
 * level (records wait on disk). */
#ifndef SC_MERGE_H
#define SC_MERGE_H
#include <stdbool.h>
#include <stdio.h>

#include "load/loop.h"
#include "load/wire.h"
#include "util/err.h"

struct merge {
	const struct loop_config *c; /* the whole level's config */
	struct loop_result *out;
	FILE *spill;
	unsigned workers, done;
	size_t failed;
	long planned;
	int64_t next_progress_ns;
	bool have_window;
	int64_t w0, w1;
	int64_t first_send_ns, last_send_ns;
	long sent;
	double late_p50_ms, late_p99_ms;
};

/* Starts merging level c run by `workers` workers into out (zeroed and
 * owned by the caller, released with loop_result_release). SC_ERUNTIME
 * when no spill file can be made. */
int merge_init(struct merge *m, const struct loop_config *c, unsigned workers,
	       struct loop_result *out, struct sc_err *e) SC_MUST_CHECK;
/* One worker's record (arrays valid during the call): the level's
 * on_record hook, the spill, the progress hook when due. */
int merge_record(struct merge *m, const struct req_record *r,
		 struct sc_err *e) SC_MUST_CHECK;
/* One worker's end. Returns its status: SC_OK, or its failure in e. */
int merge_worker_done(struct merge *m, const struct wire_done *d,
		      struct sc_err *e) SC_MUST_CHECK;
/* After every worker's end: the common window and the statistics of all
 * records over it into m->out. SC_ERUNTIME when the spill cannot be read
 * back. */
int merge_finish(struct merge *m, struct sc_err *e) SC_MUST_CHECK;
/* Closes the spill (also after a failure). */
void merge_release(struct merge *m);

#endif
