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
#include "util/err.h"

#define CAMPAIGN_MAX_DEPLOYS 16
#define CAMPAIGN_MAX_LEVELS 64
#define CAMPAIGN_MAX_SLAS 8

struct campaign_deploy {
	char name[128];      /* directory name under the campaign dir */
	char spec_path[2048]; /* absolute path of the deployment spec */
	struct deploy_spec spec;
	char url[512];       /* "" when emulated or launched */
	bool emulate;
	bool launched;       /* started by command: see launch */
	struct launch_spec launch;
	bool on_slurm;       /* a job on a Slurm cluster: see slurm */
	struct slurm_spec slurm;
	bool on_k8s;         /* applied on Kubernetes: see k8s */
	struct k8s_spec k8s;
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
	long warmup;           /* -1: bench's default (one round) */
	double timeout_s;      /* per request */
	double max_error_rate; /* a level failing more than this fails */
	/* SLAs */
	double ttft_ms[CAMPAIGN_MAX_SLAS];
	size_t n_ttft;
	double tpot_ms; /* 0 when min_tokens_per_s_user is given */
	double min_tokens_per_s_user;
	/* search */
	long total_gpus, max_gpus_per_worker;
	/* fit */
	char holdout[16];
	long bootstrap;
	long seed;
};

/* Loads and validates path; spec paths, and the program and file arguments
 * of a launch command, are relative to the campaign file.
 * SC_EINPUT naming file, field and problem. Release with campaign_release. */
int campaign_load(const char *path, struct campaign *c, struct sc_err *e);
void campaign_release(struct campaign *c);

#endif
