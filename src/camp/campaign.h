/* Campaign files (JSON under bench/): the deployments to measure (a URL, the
 * built-in emulator, a server command to launch, a Slurm job or a Kubernetes
 * manifest), the workload, the sweep, the SLAs and the search space,
 * validated before anything runs. */
#ifndef SC_CAMPAIGN_H
#define SC_CAMPAIGN_H
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "camp/k8s.h"
#include "camp/launch.h"
#include "camp/slurm.h"
#include "model/deploy.h"
#include "plan/plan.h"
#include "util/err.h"
#include "util/statsel.h"

#define CAMPAIGN_MAX_DEPLOYS 16
#define CAMPAIGN_MAX_LEVELS  64
#define CAMPAIGN_MAX_SLAS    8

struct campaign_deploy {
	char name[128];	      /* directory name under the campaign dir */
	char spec_path[2048]; /* absolute path of the deployment spec */
	struct deploy_spec spec;
	char url[512]; /* "" when emulated or launched */
	bool emulate;
	bool launched; /* started by command: see launch */
	struct launch_spec launch;
	bool on_slurm; /* a job on a Slurm cluster: see slurm */
	struct slurm_spec slurm;
	bool on_k8s; /* applied on Kubernetes: see k8s */
	struct k8s_spec k8s;
};

/* One SLA: a TTFT limit and a TPOT limit (or its tokens/s/user form), each
 * on a stated statistic (defaults TTFT p90, TPOT mean, as match and bench
 * have them). */
struct campaign_sla {
	double ttft_ms;
	enum stat_sel ttft_stat;
	double tpot_ms;		      /* 0 when min_tokens_per_s_user given */
	double min_tokens_per_s_user; /* 0 when tpot_ms given */
	enum stat_sel tpot_stat;
};

struct campaign {
	char name[128];
	char path[1024]; /* the campaign file */
	struct campaign_deploy deploys[CAMPAIGN_MAX_DEPLOYS];
	size_t n_deploys;
	/* workload */
	long isl, osl, isl_std, osl_std;
	char api[16]; /* completions | chat */
	/* sweep */
	long levels[CAMPAIGN_MAX_LEVELS];
	size_t n_levels;
	long requests_per_level; /* 0: use duration */
	double duration_per_level_s;
	long warmup;	       /* -1: bench's default (one round) */
	double timeout_s;      /* per request */
	double max_error_rate; /* a level failing more than this fails */
	/* SLAs, each matched on its own; the first is bench's --sla */
	struct campaign_sla slas[CAMPAIGN_MAX_SLAS];
	size_t n_slas;
	/* search */
	long total_gpus, max_gpus_per_worker;
	enum plan_objective objective; /* match --objective; per-gpu default */
	/* fit */
	char holdout[16];
	long bootstrap;
	long seed;
};

/* Loads and validates path; spec paths, and the program and file arguments
 * of a launch command, are relative to the campaign file.
 * SC_EINPUT naming file, field and problem. Release with campaign_release. */
int campaign_load(const char *path, struct campaign *c,
		  struct sc_err *e) SC_MUST_CHECK;
void campaign_release(struct campaign *c);

/* Reads a campaign file's "slas" into out[0..*n): a list of SLA objects
 * {"ttft_ms", "ttft_stat", "tpot_ms" or "min_tokens_per_s_user",
 * "tpot_stat"}, or one object whose "ttft_ms" may be a list (one SLA per
 * TTFT, the rest shared). Without need_tpot an SLA may leave out the
 * TPOT limit (tpot_ms and min_tokens_per_s_user 0). SC_EINPUT naming
 * where, the field, its range and the value given; two SLAs with the same
 * TTFT limit are refused (reports tell SLAs apart by it). */
int campaign_slas_from_json(const cJSON *j, const char *where, bool need_tpot,
			    struct campaign_sla *out, size_t *n,
			    struct sc_err *e) SC_MUST_CHECK;
/* The match directory (and manifest step after "match:") of SLA s for
 * source ("calibrated", "prior"): "calibrated-ttft600", with "-p99" after
 * it when the TTFT statistic is not the default p90. */
void campaign_match_name(const char *source, const struct campaign_sla *s,
			 char *buf, size_t len);
/* The SLA as bench's --sla value: "ttft_ms=600,ttft_stat=p90,tpot_ms=20,
 * tpot_stat=mean" (a tokens/s/user limit as its TPOT). */
void campaign_sla_arg(const struct campaign_sla *s, char *buf, size_t len);

/* What `campaign status` needs of a campaign directory's campaign.json:
 * deployment names and the sweep, without loading any spec. */
struct campaign_outline {
	char names[CAMPAIGN_MAX_DEPLOYS][128];
	size_t n_names;
	long levels[CAMPAIGN_MAX_LEVELS];
	size_t n_levels;
};

/* Reads path into o. SC_EINPUT naming the file when it is unreadable
 * or not an object; entries without a name or a whole positive level are
 * left out (campaign_load checked them when the campaign started). */
int campaign_outline_read(const char *path, struct campaign_outline *o,
			  struct sc_err *e) SC_MUST_CHECK;

#endif
