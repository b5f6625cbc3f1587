/* xoshiro256** with splitmix64 seeding (public-domain algorithms by Blackman
 * and Vigna). */
#include "emu/emu_rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void emu_rng_init(struct emu_rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t emu_rng_u64(struct emu_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

double emu_rng_uniform(struct emu_rng *r)
{
	return (double)(emu_rng_u64(r) >> 11) * 0x1.0p-53;
}

double emu_rng_normal(struct emu_rng *r)
{
	double u1 = emu_rng_uniform(r), u2 = emu_rng_uniform(r);
	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double emu_rng_lognormal_factor(struct emu_rng *r, double sigma)
{
	if (sigma <= 0)
		return 1.0;
	/* mu = -sigma^2/2 keeps the mean at 1, so noise does not bias means. */
	return exp(-0.5 * sigma * sigma + sigma * emu_rng_normal(r));
}
