/* Open-loop arrival processes: gaps between scheduled sends for Poisson,
 * gamma (burstiness via the shape K: K < 1 burstier than Poisson, K = 1 is
 * Poisson, K > 1 smoother) and constant rate. The schedule is absolute: the
 * k-th send is due at t0 + the sum of the first k gaps. */
#ifndef SC_ARRIVAL_H
#define SC_ARRIVAL_H
#include <stddef.h>
#include <stdint.h>

#include "util/rng.h"

enum arrival_kind { ARRIVAL_POISSON, ARRIVAL_GAMMA, ARRIVAL_CONSTANT };

struct arrival {
	enum arrival_kind kind;
	double rate_per_s;
	double shape; /* gamma K */
	struct rng rng;
};

/* Parses "poisson", "gamma:K" (K > 0) or "constant". Returns 0, or -1 with
 * a message in err. */
int arrival_parse(const char *s, enum arrival_kind *kind, double *shape,
		  char *err, size_t cap);
void arrival_init(struct arrival *a, enum arrival_kind kind, double rate_per_s,
		  double shape, uint64_t seed);
/* Seconds until the next send; the mean is 1 / rate_per_s. */
double arrival_next_gap_s(struct arrival *a);

#endif
