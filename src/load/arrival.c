/* Arrival processes for the open loop. */
#include "load/arrival.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/num.h"
#include "util/xalloc.h"

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
		double k;
		/* K outside the range makes gaps of 0 or inf in double (the
		 * block's sum, then every scheduled time, overflows). */
		if (num_parse_real("gamma:K", s + 6, NUM_SHAPE_MIN,
				   NUM_SHAPE_MAX, &k, NULL) == SC_OK) {
			*kind = ARRIVAL_GAMMA;
			*shape = k;
			return 0;
		}
		snprintf(err, cap, "gamma:K needs K in [%g, %g], got '%s'",
			 NUM_SHAPE_MIN, NUM_SHAPE_MAX, s + 6);
		return -1;
	}
	snprintf(err, cap,
		 "unknown arrival '%s' (expected poisson, gamma:K with K in "
		 "[%g, %g], or constant)",
		 s, NUM_SHAPE_MIN, NUM_SHAPE_MAX);
	return -1;
}

void arrival_init(struct arrival *a, enum arrival_kind kind, double rate_per_s,
		  double shape, uint64_t seed)
{
	a->kind = kind;
	a->rate_per_s = rate_per_s;
	a->shape = shape > 0 ? shape : 1.0;
	rng_seed(&a->rng, seed);
	a->gaps = NULL;
	a->n_gaps = a->next = 0;
	a->block = ARRIVAL_BLOCK;
}

void arrival_plan(struct arrival *a, long n)
{
	a->block = n <= 0		   ? ARRIVAL_BLOCK
		   : n > ARRIVAL_MAX_BLOCK ? (size_t)ARRIVAL_MAX_BLOCK
					   : (size_t)n;
	a->next = a->n_gaps; /* draw a fresh block of that size next */
}

static double draw(struct arrival *a)
{
	if (a->kind == ARRIVAL_GAMMA)
		return rng_gamma(&a->rng, a->shape,
				 1.0 / (a->rate_per_s * a->shape));
	return rng_exp(&a->rng, a->rate_per_s);
}

static void refill(struct arrival *a)
{
	free(a->gaps);
	a->gaps = xmalloc(a->block * sizeof *a->gaps);
	double sum = 0;
	for (size_t i = 0; i < a->block; i++)
		sum += a->gaps[i] = draw(a);
	double scale = (double)a->block / a->rate_per_s / sum;
	for (size_t i = 0; i < a->block; i++)
		a->gaps[i] *= scale;
	a->n_gaps = a->block;
	a->next = 0;
}

double arrival_next_gap_s(struct arrival *a)
{
	if (a->kind == ARRIVAL_CONSTANT)
		return 1.0 / a->rate_per_s;
	if (a->next >= a->n_gaps)
		refill(a);
	return a->gaps[a->next++];
}

void arrival_release(struct arrival *a)
{
	free(a->gaps);
	a->gaps = NULL;
	a->n_gaps = a->next = 0;
}
