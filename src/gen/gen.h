/* A deployment's launch plan for one backend: the processes to start
 * (workers and the frontend or router in front of them), where they run
 * (node and GPUs), their command lines and config files, and what the
 * engine does on its own. Every setting of the deployment spec is either
 * expressed (a flag, a config key) or stated as the engine's behaviour;
 * one the engine does not have makes the plan fail, naming it.
 *
 * Command lines carry placeholders that each writer fills in its own way
 * (gen/subst.h): {MODEL}, {BIND}, {PORT+N}, {HOST:N}, {DIR} and
 * {VAR:NAME:DEFAULT}. */
#ifndef SC_GEN_GEN_H
#define SC_GEN_GEN_H
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "gen/backends.h"
#include "model/deploy.h"
#include "util/err.h"

#define GEN_MAX_PROCS		  512
#define GEN_DEFAULT_PORT	  8000
#define GEN_DEFAULT_MAX_MODEL_LEN 8192

struct gen_opts {
	const char *backend;	/* vllm, sglang, trtllm, dynamo, llamacpp */
	const char *engine;	/* dynamo: vllm, sglang, trtllm; NULL: the
				   spec's backend when it is one, else vllm */
	const char *model_path; /* NULL: the catalog's checkpoint id */
	long max_model_len;	/* tokens of one sequence; 0: default */
	long gpus_per_node;	/* 0: the GPU spec's */
	int port;		/* the endpoint's port; 0: GEN_DEFAULT_PORT */
	const char *image;	/* Dynamo container image; NULL: default */
};

enum gen_proc_kind { GEN_PROC_WORKER, GEN_PROC_FRONTEND };

struct gen_proc {
	char name[48]; /* "agg-0", "prefill-2", "frontend" */
	enum gen_proc_kind kind;
	enum worker_role role; /* workers */
	size_t group;	       /* workers: index into the spec's groups */
	long replicas;	       /* engine replicas inside this process */
	long node;	       /* node index, from 0 */
	long gpu_first, gpus;  /* its GPUs on that node: [first, first+gpus) */
	long port_off;	       /* listens on base port + port_off; -1: none */
	char **argv;	       /* NULL-terminated, with placeholders */
	size_t argc;
	char **env; /* "NAME=VALUE", NULL-terminated */
	size_t n_env;
	int config; /* index into the plan's files, or -1 */
};

struct gen_file {
	char name[96]; /* file name in the output directory */
	cJSON *doc;    /* YAML content, owned; strings may hold placeholders */
	bool runtime;  /* also written by run.sh with the values of the run */
};

struct gen_plan {
	const struct gen_backend *b;
	const struct deploy_spec *d; /* borrowed: outlives the plan */
	char model_path[1024];
	long max_model_len, gpus_per_node, nodes;
	int port;
	bool cpu;	    /* the device spec is a CPU (threads, no CUDA) */
	const char *health; /* path probed on the endpoint */
	struct gen_proc *procs;
	size_t n_procs;
	struct gen_file *files;
	size_t n_files;
	char **notes; /* "setting: what the engine does", one per setting */
	size_t n_notes;
	/* After a failed build: each setting the backend cannot express,
	 * with why (the error message holds as many as fit). */
	char **unsupported;
	size_t n_unsupported;
	char image[256];
};

/* Builds the plan of d for o->backend. SC_EINVAL for an unknown backend
 * or engine; SC_EINPUT naming every setting the backend cannot express
 * (with the engine's version and why), a worker larger than a node, or a
 * model with no known checkpoint and no o->model_path. Release with
 * gen_plan_release (also after a failure). */
int gen_plan_build(const struct deploy_spec *d, const struct gen_opts *o,
		   struct gen_plan *p, struct sc_err *e) SC_MUST_CHECK;
void gen_plan_release(struct gen_plan *p);

/* The process that serves the endpoint (frontend, or the only worker). */
const struct gen_proc *gen_plan_endpoint(const struct gen_plan *p);

/* The engine name a Dynamo plan runs ("vllm"), else the backend's. */
const char *gen_plan_engine(const struct gen_plan *p);

#endif
