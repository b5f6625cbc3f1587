/* The launch files of a plan in a directory: run.sh (the commands per
 * node), launch.json (the same as data, for tools and campaigns), the
 * engine config files, deploy.yaml for Dynamo on Kubernetes, and the
 * deployment spec they came from. */
#ifndef SC_GEN_EMIT_H
#define SC_GEN_EMIT_H
#include <cjson/cJSON.h>

#include "gen/gen.h"
#include "plan/plan.h"
#include "util/err.h"

/* launch.json's content; dir is where the config files are (absolute).
 * For a plan of one process it has a "launch" object that a campaign
 * deployment takes as is ({host} and {port} left to the campaign).
 * Caller frees. */
cJSON *gen_launch_json(const struct gen_plan *p, const char *dir);

/* Creates dir (and parents) and writes the files. SC_ERUNTIME naming the
 * file that could not be written. */
int gen_write_dir(const struct gen_plan *p, const char *dir,
		  struct sc_err *e) SC_MUST_CHECK;

/* What gen_emit_best did for one mode. */
struct gen_emitted {
	bool present;	/* the mode has a best configuration */
	int status;	/* SC_OK, or why its files were not written */
	char dir[4096]; /* where they are (or would be) */
	struct sc_err e;
	char **unsupported; /* the settings the backend lacks (owned) */
	size_t n_unsupported;
};

/* Writes the launch files of the best agg and disagg configurations of
 * r into DIR/match-best-agg and DIR/match-best-disagg (the names of the
 * deploy-*.json files match writes) for o (max_model_len defaults to the
 * query's ISL + OSL). out[0] is agg, out[1] disagg; release them with
 * gen_emitted_release. Returns SC_OK when every present mode was written,
 * else the first failure's status. */
int gen_emit_best(const char *dir, const struct plan_query *q,
		  const struct plan_result *r, const struct gen_opts *o,
		  struct gen_emitted out[2]) SC_MUST_CHECK;
void gen_emitted_release(struct gen_emitted *m);

#endif
