/* Seeded pseudo-random numbers for the emulated engine (xoshiro256**), so a
 * run with the same seed and the same arrivals draws the same noise, stop
 * points and faults. */
#ifndef SC_EMU_RNG_H
#define SC_EMU_RNG_H
#include <stdint.h>

struct emu_rng {
	uint64_t s[4];
};

/* Seeds the state from one 64-bit seed (splitmix64 expansion). */
void emu_rng_init(struct emu_rng *r, uint64_t seed);
uint64_t emu_rng_u64(struct emu_rng *r);
/* Uniform in [0, 1). */
double emu_rng_uniform(struct emu_rng *r);
/* Standard normal (Box-Muller). */
double emu_rng_normal(struct emu_rng *r);
/* Log-normal factor with mean 1 and log-sigma sigma (1 when sigma <= 0). */
double emu_rng_lognormal_factor(struct emu_rng *r, double sigma);

#endif
