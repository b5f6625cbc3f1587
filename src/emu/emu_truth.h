/* Ground truth of the emulated engine: the step-time model with its own
 * parameters plus effects the analytical projection does not assume. Read
 * only by src/emu; the fitter and the matcher never see it.
 *
 * The deployment's optional "emulator" section (every key optional):
 *   "seed": 1                  RNG seed (noise, jitter, stops, faults)
 *   "truth": {...}             model parameters, same keys as a params file
 *                              (e.g. "eta_c", "tau_s_ms", "t0_ms"); unset keys
 *                              keep their priors
 *   "noise_sigma": 0.03        log-sigma of per-iteration log-normal noise
 *                              (mean factor 1)
 *   "gemm_eff_min": 0.6        GEMM efficiency multiplier at 1 token per step;
 *   "gemm_half_tokens": 128    it rises as n/(n + half) towards 1, so compute
 *                              time is compute_s / (min + (1-min)*n/(n+half))
 *   "frontend_jitter_sigma": 0.2  log-sigma of the per-request frontend delay
 *                              around T0 (mean T0)
 *   "kv_contention": false     KV transfers into one decode worker share its
 *                              link (first come, first served) instead of
 *                              running in parallel
 *   "eos_mean_tokens": 256     without ignore_eos a request stops after a
 *                              geometric number of tokens with this mean
 *                              (never before min_tokens); 0 = never
 *   "max_model_len": 32768     prompt + max_tokens limit per request
 *   "time_scale": 1.0          multiplies every step, transfer and frontend
 *                              time (below 1 for fast tests), in
 *                              [0.001, 1000]
 *   "faults": {"http_429": r, "http_500": r, "http_503": r,
 *              "error_chunk": r, "drop": r, "stall": r, "malformed": r,
 *              "stall_ms": 2000}  per-request rates (see emu_faults.h)
 * Without the section: priors, 3% noise, seed 1, no faults. Ranges: sigmas
 * [0, 1] (noise) and [0, 2] (jitter), gemm_eff_min [0.01, 1], token counts
 * [0, 1e7], max_model_len [2, 2e7], stall_ms [0, 600000]. */
#ifndef SC_EMU_TRUTH_H
#define SC_EMU_TRUTH_H
#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "emu/emu_faults.h"
#include "util/rng.h"
#include "model/params.h"
#include "model/step.h"
#include "util/err.h"

/* Longest iteration or frontend delay the truth hands the scheduler, which
 * counts in int64 nanoseconds: a spec slow enough to need more (a huge
 * model on a tiny device) is clamped to this rather than overflow there. */
#define EMU_TRUTH_MAX_DELAY_S 86400.0

struct emu_truth {
	struct model_params p;
	uint64_t seed;
	double noise_sigma;
	double gemm_eff_min, gemm_half_tokens;
	double frontend_jitter_sigma;
	bool kv_contention;
	double eos_mean_tokens;
	long max_model_len;
	double time_scale;
	struct emu_faults faults;
};

/* Priors, defaults as documented above. */
void emu_truth_default(struct emu_truth *t);
/* Reads the section (NULL: defaults only) over the defaults. SC_EINPUT with
 * `where` and the field on a bad value or an unknown key. */
int emu_truth_from_json(const cJSON *section, const char *where,
			struct emu_truth *t, struct sc_err *e) SC_MUST_CHECK;
/* GEMM efficiency multiplier for n tokens in one step, in (0, 1]. */
double emu_truth_gemm_factor(const struct emu_truth *t, double n_tokens);
/* Noise-free ground-truth iteration time (s) of load l on one worker,
 * time_scale included, at most EMU_TRUTH_MAX_DELAY_S. */
double emu_truth_step_mean_s(const struct emu_truth *t,
			     const struct model_ctx *c,
			     const struct worker_shape *s,
			     const struct step_load *l);
/* One iteration with noise drawn from r. */
double emu_truth_step_s(const struct emu_truth *t, const struct model_ctx *c,
			const struct worker_shape *s, const struct step_load *l,
			struct rng *r);
/* Frontend delay of one request (T0 with jitter, time_scale included), at
 * most EMU_TRUTH_MAX_DELAY_S. */
double emu_truth_frontend_s(const struct emu_truth *t, struct rng *r);

#endif
