/* A bench run as the ranks of an MPI job (mpirun -np R, srun --mpi=pmix):
 * rank 0 does what a lone bench does (probe, results directory, levels)
 * and sends each level's plan to the other ranks; every rank runs its
 * share (load/share.h) on its own event loop, the ranks starting each
 * level together after a barrier and measuring on their own monotonic
 * clocks; rank 0 gathers the records and writes the level directory. The
 * only home of MPI in servecal: built without it, every function but
 * ranks_init is unused and ranks_init refuses a job of several ranks. */
#ifndef SC_RANKS_H
#define SC_RANKS_H
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "load/loop.h"
#include "load/wl.h"
#include "net/http.h"
#include "util/err.h"

#define RANKS_MODEL_MAX 256

struct ranks;

/* What rank 0 learned before the levels and the others need. */
struct ranks_setup {
	int32_t go; /* 0: rank 0 stopped before the levels */
	char model[RANKS_MODEL_MAX];
	int64_t vocab;	       /* token ids are drawn below it; <= 0: none */
	int64_t text_overhead; /* the probe's correction of text prompts */
	uint64_t prefix_nonce;
};

/* True when servecal was built with MPI. */
bool ranks_built(void);
/* Joins the MPI job this process was started in. *out = NULL when the
 * process was not started by an MPI launcher (or as a job of one rank).
 * SC_ERUNTIME when the launcher started several ranks and servecal was
 * built without MPI, or MPI cannot start. Free with ranks_free. */
int ranks_init(int *argc, char ***argv, struct ranks **out,
	       struct sc_err *e) SC_MUST_CHECK;
int ranks_rank(const struct ranks *rk);
int ranks_size(const struct ranks *rk);
/* Rank 0 sends s, every other rank receives it into s (collective: all
 * ranks call it once, before any level). */
int ranks_setup(struct ranks *rk, struct ranks_setup *s,
		struct sc_err *e) SC_MUST_CHECK;
/* Rank 0: runs level c over all ranks, rank 0 taking share 0 on d, as
 * loop_run would; records reach c->on_record (rank 0's as they finish,
 * the others' when their share ends) and out holds the merged result,
 * other ranks' times moved onto rank 0's clock by the offset of their
 * level starts. SC_ERUNTIME naming the ranks that sent nothing when some
 * ended without their records (the level failed). c->stop stops all. */
int ranks_run(struct ranks *rk, struct http_driver *d, struct workload *wl,
	      const struct loop_config *c, struct loop_result *out,
	      struct sc_err *e) SC_MUST_CHECK;
/* Every other rank: runs its share of each level rank 0 announces, on d
 * against url, until rank 0 ends the run. *stop (a signal's flag) stops
 * the share in progress. SC_OK or what failed. */
int ranks_serve(struct ranks *rk, struct http_driver *d, struct workload *wl,
		const char *url, volatile sig_atomic_t *stop,
		struct sc_err *e) SC_MUST_CHECK;
/* Rank 0 tells the other ranks the run is over (when setup went out);
 * every rank leaves MPI. NULL does nothing. */
void ranks_free(struct ranks *rk);

#endif
