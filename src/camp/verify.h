/* The closure test of a recommendation: bring up what `servecal match`
 * recommended (emulated, or a running endpoint), bench it at the
 * recommended operating point, and compare what users get with what was
 * projected and with the SLAs. Each step runs as a servecal child process
 * with its log, as campaign steps do. */
#ifndef SC_VERIFY_H
#define SC_VERIFY_H
#include <signal.h>
#include <stdbool.h>

#include <cjson/cJSON.h>

#include "util/err.h"
#include "util/statsel.h"

#define VERIFY_MODES 2 /* agg, disagg */
/* A closed loop started all at once sends its second round in the
 * pattern the first round's queue left (a disagg prefill pool at 90% of
 * its capacity is still draining it then): two rounds are warm-up. */
#define VERIFY_DEFAULT_WARMUP_ROUNDS 2
#define VERIFY_MAX_WARMUP_ROUNDS     100
/* What `servecal verify` writes into its output directory. */
#define VERIFY_FILE_NAME "verify.json"

struct verify_opts {
	const char *match_dir; /* best.json and deploy-MODE.json */
	const char *out_dir;   /* bench results, logs, verify.json */
	const char
	    *url[VERIFY_MODES]; /* a running endpoint, or NULL: emulate */
	bool skip[VERIFY_MODES];
	long rounds;	    /* measured requests = rounds x concurrency */
	long warmup_rounds; /* rounds of its users before measuring (0:
			       VERIFY_DEFAULT_WARMUP_ROUNDS) */
	double tolerance;   /* relative slack on the SLAs and throughput */
	volatile sig_atomic_t *stop;
};

/* One mode's verdict. Times in ms. */
struct verify_row {
	bool present;  /* match recommended this mode */
	bool measured; /* its bench produced a level */
	char config[256];
	double concurrency;
	double sla_ttft_ms, sla_tpot_ms;
	enum stat_sel ttft_stat, tpot_stat;
	double proj_ttft_ms, meas_ttft_ms; /* at ttft_stat */
	double proj_tpot_ms, meas_tpot_ms; /* at tpot_stat */
	double attainment; /* share of requests with TTFT within the SLA */
	double target_attainment; /* the stat's quantile (p90: 0.9), 0 mean */
	double proj_tps_gpu, meas_tps_gpu;
	bool sla_met, tps_within;
	char error[256]; /* why it was not measured */
	char miss[512];	 /* what missed, "" when it passed */
};

struct verify_result {
	struct verify_row rows[VERIFY_MODES];
};

/* verify.json: a closure test's rows and what they were judged by. */
struct verify_file {
	struct verify_result result;
	double tolerance; /* NAN when absent */
	bool passed;	  /* some mode was present and all passed */
};

/* f as verify.json (caller frees): a present mode's row under "agg" or
 * "disagg"; an unmeasured row has its "error" and no figures; figures
 * that are not finite are null. The reader below reads it back. */
cJSON *verify_file_to_json(const struct verify_file *f);
/* Reads verify.json content j into f, tolerant of absent pieces (numbers
 * NAN, flags false, strings ""); a row that names no statistic gets
 * ttft_stat and tpot_stat. */
void verify_file_from_json(const cJSON *j, enum stat_sel ttft_stat,
			   enum stat_sel tpot_stat, struct verify_file *f);

/* Runs the closure test. SC_OK when every present mode was measured (see
 * the rows for the verdicts); SC_EINPUT for a match directory without
 * best.json; SC_ERUNTIME when a step could not run. */
int verify_run(const struct verify_opts *o, struct verify_result *r,
	       struct sc_err *e) SC_MUST_CHECK;
/* True when every present row was measured, met its SLAs and served the
 * projected tokens/s/gpu, each within the tolerance. */
bool verify_passed(const struct verify_result *r);

#endif
