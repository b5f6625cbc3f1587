/* Arrival processes for the open loop. */
#include "load/arrival.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int arrival_parse(const char *s, enum arrival_kind *kind, double *shape,
		  char *err, size_t cap)
{
	*shape = 1.0;
	if (!strcmp(s, "poisson")) {
		*kind = ARRIVAL_POISSON;
		return 0;
	}
	if (!strcmp(s, "constant")) {
		*kind = ARRIVAL_CONSTANT;
		return 0;
	}
	if (!strncmp(s, "gamma:", 6)) {
		char *end;
		double k = strtod(s + 6, &end);
		if (end != s + 6 && !*end && isfinite(k) && k > 0) {
			*kind = ARRIVAL_GAMMA;
			*shape = k;
			return 0;
		}
	}
	snprintf(err, cap,
		 "unknown arrival '%s' (expected poisson, gamma:K with K > 0, or constant)",
		 s);
	return -1;
}

void arrival_init(struct arrival *a, enum arrival_kind kind, double rate_per_s,
		  double shape, uint64_t seed)
{
	a->kind = kind;
	a->rate_per_s = rate_per_s;
	a->shape = shape > 0 ? shape : 1.0;
	rng_seed(&a->rng, seed);
}

double arrival_next_gap_s(struct arrival *a)
{
	switch (a->kind) {
	case ARRIVAL_CONSTANT:
		return 1.0 / a->rate_per_s;
	case ARRIVAL_GAMMA:
		return rng_gamma(&a->rng, a->shape,
				 1.0 / (a->rate_per_s * a->shape));
	case ARRIVAL_POISSON:
	default:
		return rng_exp(&a->rng, a->rate_per_s);
	}
}
