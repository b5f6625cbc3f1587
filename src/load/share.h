/* How one level is shared by n workers (processes on one node, or MPI
 * ranks): closed loop, the streams, warm-up and requests split as evenly
 * as whole numbers allow; open loop (and trace replay), one schedule dealt
 * out entry by entry, so the sends of all workers together follow the
 * requested process. Ids interleave (worker k: first_id + k, + n, ...). */
#ifndef SC_SHARE_H
#define SC_SHARE_H
#include <stddef.h>

#include "load/loop.h"

/* Workers that take part in level c when n are offered (each gets at
 * least one stream and one measured request): 1..n. n_items: the trace's
 * entries (replay), else ignored. */
unsigned share_workers(const struct loop_config *c, unsigned n, size_t n_items);
/* Worker k's (k < n) config of level c in *out: a copy with its share of
 * the counts, ids and schedule. Hooks and start time are left as in c. */
void share_config(const struct loop_config *c, unsigned k, unsigned n,
		  size_t n_items, struct loop_config *out);
/* Of total items split as evenly as possible, worker k's count. */
long share_count(long total, unsigned k, unsigned n);
/* Of entries 0..total-1 dealt round robin, how many worker k gets. */
long share_dealt(long total, unsigned k, unsigned n);

#endif
