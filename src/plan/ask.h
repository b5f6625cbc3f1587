/* What a `servecal match` run asks in the words of its flags (catalog
 * names or files, milliseconds, a mode name), and the plan_query it becomes
 * once the specs and the parameters are read. */
#ifndef SC_PLAN_ASK_H
#define SC_PLAN_ASK_H
#include "model/perfdb.h"
#include "plan/plan.h"

/* Which modes a run searches. */
enum plan_ask_modes { PLAN_ASK_BOTH = 0, PLAN_ASK_AGG, PLAN_ASK_DISAGG };

struct plan_ask {
	const char *model, *gpu;     /* catalog names or spec files */
	const char *dtype, *kvdtype; /* names; kvdtype NULL: dtype's */
	const char *params;	     /* params file, or NULL */
	bool db;		     /* parameters from the perf database */
	const char *backend;	     /* backend name for files and the db */
	bool backend_given;	     /* backend chosen by the user */
	enum plan_ask_modes modes;
	long isl, osl, total_gpus, max_gpus_per_worker;
	/* TPOT from tpot_ms when > 0, else 1 / min_tokens_per_s_user. */
	double ttft_ms, tpot_ms, min_tokens_per_s_user;
	double ttft_margin_prompts, load_margin;
	enum stat_sel ttft_stat, tpot_stat;
	enum plan_objective objective;
	double link_gbps, link_latency_us;
};

/* The specs and parameters a query points into. */
struct plan_inputs {
	struct model_spec m;
	struct gpu_spec g;
	struct model_params p;
	char params_from[2048]; /* "priors", the file, or the db entry */
};

/* Reads the model, GPU and parameters a asks for into in and fills q,
 * which points into in (keep in alive while q is used). Returns SC_OK, the
 * loaders' status (SC_EINPUT for a bad file or name), or SC_EINVAL for an
 * unknown dtype name. */
int plan_query_from_ask(const struct plan_ask *a, struct plan_inputs *in,
			struct plan_query *q, struct sc_err *e) SC_MUST_CHECK;

#endif
