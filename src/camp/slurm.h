/* Campaign deployments on a Slurm cluster (`"slurm": {...}` in a campaign
 * file): servecal writes a job script that starts the deployment's
 * generated launch commands on each node (gen/), submits it with
 * `sbatch --parsable`, waits for the job to run (squeue) and the endpoint
 * to answer its health URL, and `scancel`s the job after the bench. Every
 * scheduler call and answer goes to DIR/logs/slurm-NAME.log, the job's own
 * output to DIR/logs/slurm-NAME-JOBID.out. */
#ifndef SC_SLURM_H
#define SC_SLURM_H
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "model/deploy.h"
#include "util/err.h"

#define SLURM_MAX_SBATCH_ARGS 32

struct slurm_spec {
	char partition[128], account[128], qos[128];
	char time_limit[32];   /* sbatch --time, e.g. "01:00:00"; "" none */
	long nodes;	       /* 0: what the workers need */
	long gpus_per_node;    /* 0: the GPU spec's */
	char backend[32];      /* "": the deployment spec's */
	char engine[32];       /* dynamo's engine; "" default */
	char model_path[1024]; /* "": the catalog's checkpoint id */
	int port;	       /* the endpoint's port on the first node */
	long max_model_len;    /* 0: from the campaign's workload */
	char health[256];      /* "": the backend's health path */
	char **env;	       /* "NAME=VALUE" exported in the job */
	size_t n_env;
	char **sbatch_args; /* extra "#SBATCH" options, e.g. "--exclusive" */
	size_t n_sbatch_args;
	double queue_timeout_s; /* longest wait to start running */
	double ready_timeout_s; /* longest wait from running to healthy */
	double poll_s;		/* squeue interval */
};

/* Reads a "slurm" object (`where` names it in errors). SC_EINPUT naming
 * the field, the problem and the value. Release with slurm_spec_release
 * (also after a failure). */
int slurm_spec_from_json(const cJSON *j, const char *where,
			 struct slurm_spec *s, struct sc_err *e) SC_MUST_CHECK;
void slurm_spec_release(struct slurm_spec *s);

/* The first host of a Slurm node list ("gpu[01-04,07],cpu1" is "gpu01"). */
void slurm_first_host(const char *list, char *buf, size_t len);

/* A deployment brought up through Slurm. */
struct slurm_job {
	char id[64];	    /* "" until submitted */
	char url[512];	    /* the endpoint once the job runs */
	char log[4096];	    /* DIR/logs/slurm-NAME.log */
	char scratch[4096]; /* per-call output files */
	char id_file[4096]; /* DIR/slurm/NAME.jobid while the job lives */
	double poll_s;
	int64_t last_poll_ns; /* slurm_job_running's rate limit */
	bool gone;	      /* the job was seen to leave the running state */
	char why[400];	      /* the scheduler's words when it is gone */
};

struct slurm_up {
	const char *dir;      /* campaign directory */
	const char *campaign; /* names the job */
	const char *name;     /* the deployment's name */
	const struct deploy_spec *d;
	const struct slurm_spec *s;
	long max_model_len; /* when s has none */
	volatile sig_atomic_t *stop;
	/* one line per event (submitted, running, healthy); may be NULL */
	void (*note)(void *ud, const char *line);
	void *ud;
};

/* Writes DIR/slurm/NAME/ (the generated launch files) and the job script
 * DIR/slurm/NAME.sbatch, cancels a job of this deployment that an earlier
 * run left behind, submits, waits for RUNNING and a healthy endpoint, and
 * fills j->url. On failure (generation, sbatch, a job that fails or stays
 * queued past queue_timeout_s, never healthy, *stop) the job is cancelled
 * and e quotes the scheduler. */
int slurm_bring_up(const struct slurm_up *u, struct slurm_job *j,
		   struct sc_err *e) SC_MUST_CHECK;
/* Whether the job is still running (squeue at most every poll_s; the
 * answer in between is the last one). */
bool slurm_job_running(struct slurm_job *j);
/* scancel (when submitted) and forget the job. */
void slurm_cancel(struct slurm_job *j);

/* What a written job script serves. */
struct slurm_script_info {
	long nodes, gpus; /* gpus: CPU cores on a CPU device spec */
	bool cpu;
	int port;
	char health[256];
};

/* Generates d's launch files into gen_dir and writes its job script to
 * path: #SBATCH lines (job name, nodes, GPUs or CPUs per node, partition,
 * account, qos, time, output log, extra options), the spec's environment,
 * and the launch commands per node (srun over the nodes when there are
 * several). SC_EINPUT when d cannot be generated for the backend (naming
 * each missing setting), SC_ERUNTIME when a file cannot be written. */
int slurm_write_script(const struct slurm_spec *s, const struct deploy_spec *d,
		       long max_model_len, const char *job_name,
		       const char *gen_dir, const char *out_log,
		       const char *path, struct slurm_script_info *info,
		       struct sc_err *e) SC_MUST_CHECK;

#endif
