/* Seeded random numbers for workloads, arrivals and the emulated engine
 * (xoshiro256** seeded by splitmix64): reproducible for a given --seed, state
 * held by the caller. */
#ifndef SC_RNG_H
#define SC_RNG_H
#include <stdint.h>

struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_u64(struct rng *r);
/* Uniform in the open interval (0, 1). */
double rng_uniform(struct rng *r);
/* Standard normal (Box-Muller). */
double rng_normal(struct rng *r);
/* Exponential with the given rate (mean 1/rate). */
double rng_exp(struct rng *r, double rate);
/* Log-normal factor with mean 1 and log-sigma sigma (1 when sigma <= 0). */
double rng_lognormal_factor(struct rng *r, double sigma);
/* Gamma(shape, scale), shape > 0 (Marsaglia-Tsang). */
double rng_gamma(struct rng *r, double shape, double scale);

#endif
