/* Open-loop arrival processes: gaps between scheduled sends for Poisson,
 * gamma (burstiness via the shape K: K < 1 burstier than Poisson, K = 1 is
 * Poisson, K > 1 smoother) and constant rate. The schedule is absolute: the
 * k-th send is due at t0 + the sum of the first k gaps.
 *
 * Gaps are drawn in blocks whose sum is scaled to exactly (block size) /
 * rate, so the schedule delivers the requested rate over every block
 * instead of drifting by 1/sqrt(n) as free draws do: n exponential gaps
 * normalised this way are the arrivals of a Poisson process conditioned on
 * n arrivals in that time (gamma gaps likewise keep their burstiness). A
 * level that knows its request count makes it one block. */
#ifndef SC_ARRIVAL_H
#define SC_ARRIVAL_H
#include <stddef.h>
#include <stdint.h>

#include "util/rng.h"
#include "util/err.h"

enum arrival_kind { ARRIVAL_POISSON, ARRIVAL_GAMMA, ARRIVAL_CONSTANT };

/* Gaps per block when the request count is not known. */
#define ARRIVAL_BLOCK 4096
/* Largest block (memory: 8 bytes a gap). */
#define ARRIVAL_MAX_BLOCK (1L << 20)

struct arrival {
	enum arrival_kind kind;
	double rate_per_s;
	double shape; /* gamma K */
	struct rng rng;
	double *gaps; /* the current block */
	size_t n_gaps, next, block;
};

/* Parses "poisson", "gamma:K" (K in [NUM_SHAPE_MIN, NUM_SHAPE_MAX]) or
 * "constant". Returns 0, or -1 with a message in err quoting the value. */
int arrival_parse(const char *s, enum arrival_kind *kind, double *shape,
		  char *err, size_t cap) SC_MUST_CHECK;
void arrival_init(struct arrival *a, enum arrival_kind kind, double rate_per_s,
		  double shape, uint64_t seed);
/* Makes the next block n gaps long (n <= 0: ARRIVAL_BLOCK; capped at
 * ARRIVAL_MAX_BLOCK), so n sends span exactly n / rate. */
void arrival_plan(struct arrival *a, long n);
/* Seconds until the next send; the mean is 1 / rate_per_s. */
double arrival_next_gap_s(struct arrival *a);
void arrival_release(struct arrival *a);

#endif
