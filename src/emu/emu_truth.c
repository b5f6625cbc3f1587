/* Ground truth: reads the emulator section and turns a step load into an
 * iteration time through the analytical model plus the truth-only effects. */
#include "emu/emu_truth.h"

#include <math.h>
#include <stdio.h>

#include "util/jsonio.h"
#include "util/num.h"

/* Defaults when the section is silent; each is an effect size chosen to be
 * visible in a benchmark but not to dominate it. */
#define EMU_DEFAULT_NOISE_SIGMA	     0.03
#define EMU_DEFAULT_GEMM_EFF_MIN     0.6
#define EMU_DEFAULT_GEMM_HALF_TOKENS 128.0
#define EMU_DEFAULT_FRONTEND_JITTER  0.2
#define EMU_DEFAULT_EOS_MEAN_TOKENS  256.0
#define EMU_DEFAULT_MAX_MODEL_LEN    32768L
/* Ranges of the section's fields (README.md, "Ranges of numbers"). A
 * log-sigma of 1 already makes a 3-sigma step 20 times the mean. */
#define EMU_MAX_SIGMA_NOISE  1.0
#define EMU_MAX_SIGMA_JITTER 2.0
#define EMU_MIN_GEMM_EFF     0.01
#define EMU_MIN_TIME_SCALE   0.001
#define EMU_MAX_TIME_SCALE   1000.0
#define EMU_MAX_STALL_MS     600000.0

void emu_truth_default(struct emu_truth *t)
{
	params_default(&t->p);
	t->seed = 1;
	t->noise_sigma = EMU_DEFAULT_NOISE_SIGMA;
	t->gemm_eff_min = EMU_DEFAULT_GEMM_EFF_MIN;
	t->gemm_half_tokens = EMU_DEFAULT_GEMM_HALF_TOKENS;
	t->frontend_jitter_sigma = EMU_DEFAULT_FRONTEND_JITTER;
	t->kv_contention = false;
	t->eos_mean_tokens = EMU_DEFAULT_EOS_MEAN_TOKENS;
	t->max_model_len = EMU_DEFAULT_MAX_MODEL_LEN;
	t->time_scale = 1.0;
	emu_faults_default(&t->faults);
}

int emu_truth_from_json(const cJSON *sec, const char *where,
			struct emu_truth *t, struct sc_err *e)
{
	static const char *const known[] = {"seed",
					    "truth",
					    "noise_sigma",
					    "gemm_eff_min",
					    "gemm_half_tokens",
					    "frontend_jitter_sigma",
					    "kv_contention",
					    "eos_mean_tokens",
					    "max_model_len",
					    "time_scale",
					    "faults",
					    NULL};
	char sub[600];
	int rc;
	emu_truth_default(t);
	if (!sec)
		return SC_OK;
	if (!cJSON_IsObject(sec))
		return sc_err_set(e, SC_EINPUT, "%s: must be an object", where);
	if ((rc = jsonio_known_keys(sec, known, where, e)))
		return rc;
	long seed = 1;
	if ((rc = jsonio_int(sec, "seed", false, 1, 0, 0x7fffffffffffffffL,
			     &seed, where, e)))
		return rc;
	t->seed = (uint64_t)seed;
	const cJSON *truth = NULL;
	if ((rc = jsonio_obj(sec, "truth", false, &truth, where, e)))
		return rc;
	if (truth) {
		snprintf(sub, sizeof sub, "%s.truth", where);
		if ((rc = params_from_json(truth, sub, &t->p, e)))
			return rc;
	}
	if ((rc = jsonio_range(sec, "noise_sigma", false, t->noise_sigma, 0,
			       EMU_MAX_SIGMA_NOISE, &t->noise_sigma, where,
			       e)) ||
	    (rc = jsonio_range(sec, "gemm_eff_min", false, t->gemm_eff_min,
			       EMU_MIN_GEMM_EFF, 1, &t->gemm_eff_min, where,
			       e)) ||
	    (rc = jsonio_range(sec, "gemm_half_tokens", false,
			       t->gemm_half_tokens, 0, (double)NUM_TOKENS_MAX,
			       &t->gemm_half_tokens, where, e)) ||
	    (rc =
		 jsonio_range(sec, "frontend_jitter_sigma", false,
			      t->frontend_jitter_sigma, 0, EMU_MAX_SIGMA_JITTER,
			      &t->frontend_jitter_sigma, where, e)) ||
	    (rc = jsonio_bool(sec, "kv_contention", false, t->kv_contention,
			      &t->kv_contention, where, e)) ||
	    (rc = jsonio_range(sec, "eos_mean_tokens", false,
			       t->eos_mean_tokens, 0, (double)NUM_TOKENS_MAX,
			       &t->eos_mean_tokens, where, e)) ||
	    (rc =
		 jsonio_int(sec, "max_model_len", false, t->max_model_len, 2,
			    2 * NUM_TOKENS_MAX, &t->max_model_len, where, e)) ||
	    (rc = jsonio_range(sec, "time_scale", false, t->time_scale,
			       EMU_MIN_TIME_SCALE, EMU_MAX_TIME_SCALE,
			       &t->time_scale, where, e)))
		return rc;
	const cJSON *faults = NULL;
	if ((rc = jsonio_obj(sec, "faults", false, &faults, where, e)))
		return rc;
	if (faults) {
		snprintf(sub, sizeof sub, "%s.faults", where);
		if ((rc = emu_faults_from_json(faults, sub, &t->faults, e)))
			return rc;
		double stall_ms = t->faults.stall_s * 1e3;
		if (!(stall_ms <= EMU_MAX_STALL_MS))
			return sc_err_set(e, SC_EINPUT,
					  "%s: field 'stall_ms': must be in "
					  "[0, %.0f], got %.10g",
					  sub, EMU_MAX_STALL_MS, stall_ms);
	}
	return SC_OK;
}

double emu_truth_gemm_factor(const struct emu_truth *t, double n)
{
	if (n <= 0)
		return 1.0;
	double h = t->gemm_half_tokens;
	return t->gemm_eff_min + (1.0 - t->gemm_eff_min) * n / (n + h);
}

double emu_truth_step_mean_s(const struct emu_truth *t,
			     const struct model_ctx *c,
			     const struct worker_shape *s,
			     const struct step_load *l)
{
	struct step_parts sp;
	step_parts(c, s, l, &sp);
	sp.compute_s /=
	    emu_truth_gemm_factor(t, l->decode_seqs + l->prefill_tokens);
	double step_s = step_combine(&sp) * t->time_scale;
	return step_s < EMU_TRUTH_MAX_DELAY_S ? step_s : EMU_TRUTH_MAX_DELAY_S;
}

double emu_truth_step_s(const struct emu_truth *t, const struct model_ctx *c,
			const struct worker_shape *s, const struct step_load *l,
			struct rng *r)
{
	double x = emu_truth_step_mean_s(t, c, s, l) *
		   rng_lognormal_factor(r, t->noise_sigma);
	return x < EMU_TRUTH_MAX_DELAY_S ? x : EMU_TRUTH_MAX_DELAY_S;
}

double emu_truth_frontend_s(const struct emu_truth *t, struct rng *r)
{
	double x = t->p.v[MP_T0] * t->time_scale *
		   rng_lognormal_factor(r, t->frontend_jitter_sigma);
	return x < EMU_TRUTH_MAX_DELAY_S ? x : EMU_TRUTH_MAX_DELAY_S;
}
