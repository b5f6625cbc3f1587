/* xoshiro256** (Blackman and Vigna, public domain reference algorithm). */
#include "util/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t rng_u64(struct rng *r)
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

double rng_uniform(struct rng *r)
{
	/* 53 random bits, shifted off zero. */
	return ((double)(rng_u64(r) >> 11) + 0.5) / 9007199254740992.0;
}

double rng_normal(struct rng *r)
{
	double u = rng_uniform(r), v = rng_uniform(r);
	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

double rng_exp(struct rng *r, double rate)
{
	return -log(rng_uniform(r)) / rate;
}

double rng_gamma(struct rng *r, double shape, double scale)
{
	if (shape < 1.0) {
		/* Boost: G(a) = G(a + 1) * U^(1/a). */
		double u = rng_uniform(r);
		return rng_gamma(r, shape + 1.0, scale) * pow(u, 1.0 / shape);
	}
	double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
	for (;;) {
		double x, v;
		do {
			x = rng_normal(r);
			v = 1.0 + c * x;
		} while (v <= 0);
		v = v * v * v;
		double u = rng_uniform(r);
		if (u < 1.0 - 0.0331 * x * x * x * x ||
		    log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
			return d * v * scale;
	}
}

double rng_lognormal_factor(struct rng *r, double sigma)
{
	if (sigma <= 0)
		return 1.0;
	/* mu = -sigma^2/2 keeps the mean at 1, so noise does not bias means. */
	return exp(-0.5 * sigma * sigma + sigma * rng_normal(r));
}
