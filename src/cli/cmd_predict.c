/* `servecal predict`: the analytical model for one worker or a deployment. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "model/perfdb.h"
#include "model/predict.h"
#include "util/jsonio.h"
#include "util/num.h"

static const char usage[] =
    "usage: servecal predict --model NAME|FILE --gpu NAME|FILE [worker "
    "options]\n"
    "       servecal predict --deployment FILE [--isl N] [--osl N] "
    "[--concurrency N]\n"
    "         [--params FILE | --db [--backend NAME]] [--json]\n\n"
    "Projects TTFT, TPOT, throughput and memory with the analytical model,\n"
    "for one worker given by its flags or for a deployment spec.\n";

static const char notes[] =
    "--params FILE replaces the priors with calibrated values (fit.json or a "
    "flat\n"
    "{\"eta_c\": ...} file); --db takes them from the perf database entry of "
    "the\n"
    "model, GPU and backend (the deployment's, or --backend).\n"
    "Exit codes: 0 ok, 2 usage, 3 bad input file.\n";

struct predict_opts {
	struct predict_worker w;
	const char *params, *deploy, *backend;
	bool db, json;
	enum predict_mode mode;
	long isl, osl, conc;
};

static const struct cli_enum_name mode_names[] = {{"agg", PREDICT_AGG},
						  {"prefill", PREDICT_PREFILL},
						  {"decode", PREDICT_DECODE},
						  {NULL, 0}};

#define O(f) offsetof(struct predict_opts, f)
static const struct cli_flag flags[] = {
    CLI_FLAG_STR("model", "NAME|FILE", O(w.model),
		 "model: catalog name or spec file"),
    CLI_FLAG_STR("gpu", "NAME|FILE", O(w.gpu),
		 "GPU: catalog name or spec file"),
    CLI_FLAG_STR("deployment", "FILE", O(deploy),
		 "deployment spec, instead of --model, --gpu and the worker's "
		 "shape"),
    CLI_FLAG_STR("dtype", "D", O(w.dtype), "weights: bf16, fp8 or fp4"),
    CLI_FLAG_STR("kv-dtype", "D", O(w.kvdtype), "KV cache dtype",
		 .dflt = "--dtype"),
    CLI_FLAG_LONG("tp", "N", O(w.tp), 1, 1024, "tensor parallel GPUs"),
    CLI_FLAG_LONG("pp", "N", O(w.pp), 1, 1024, "pipeline stages"),
    CLI_FLAG_LONG("dp", "N", O(w.dp), 1, 1024, "attention data parallel"),
    CLI_FLAG_LONG("ep", "N", O(w.ep), 1, 1024, "expert parallel"),
    CLI_FLAG_LONG("isl", "N", O(isl), 1, NUM_TOKENS_MAX, "prompt tokens"),
    CLI_FLAG_LONG("osl", "N", O(osl), 1, NUM_TOKENS_MAX, "output tokens"),
    CLI_FLAG_LONG("concurrency", "N", O(conc), 1, NUM_CONC_MAX,
		  "closed-loop users, or the batch of --mode prefill/decode"),
    CLI_FLAG_ENUM("mode", "M", O(mode), mode_names,
		  "agg: one aggregated worker serving N closed-loop users; "
		  "prefill: prefill of N prompts batched on one worker; "
		  "decode: one decode iteration at batch N with context "
		  "isl+osl/2"),
    CLI_FLAG_LONG("max-batch", "N", O(w.max_batch), 1, NUM_CONC_MAX,
		  "largest decode batch of the worker", .dflt = "max(N, 1)"),
    CLI_FLAG_LONG("max-num-tokens", "N", O(w.max_num_tokens), 1, NUM_TOKENS_MAX,
		  "token budget of one step"),
    CLI_FLAG_STR("params", "FILE", O(params), "calibrated model parameters",
		 .dflt = "the priors"),
    CLI_FLAG_SET("db", O(db), "parameters from the perf database"),
    CLI_FLAG_STR("backend", "NAME", O(backend), "backend of the database entry",
		 .dflt = "the deployment's"),
    CLI_FLAG_SET("json", O(json), "prints the projection as JSON"),
};

static const struct predict_opts defaults = {.w = {.dtype = "bf16",
						   .tp = 1,
						   .pp = 1,
						   .dp = 1,
						   .ep = 1,
						   .max_num_tokens = 8192},
					     .mode = PREDICT_AGG,
					     .isl = 4000,
					     .osl = 500,
					     .conc = 1};

static const struct cli_flagset flagset = {
    flags, sizeof flags / sizeof flags[0], &defaults, sizeof defaults, false};

extern const struct cli_command cli_cmd_predict;

static int parse(int argc, char **argv, struct predict_opts *o, bool *done)
{
	int first,
	    rc = cli_flags_parse(&cli_cmd_predict, argc, argv, o, &first, done);
	if (rc || *done)
		return rc;
	if (!o->deploy && (!o->w.model || !o->w.gpu))
		return cli_usage_error(
		    "predict", "give --model and --gpu, or --deployment FILE");
	if (!o->w.max_batch)
		o->w.max_batch = o->conc;
	if (o->db && o->params)
		return cli_usage_error("predict",
				       "--db and --params exclude each other");
	return 0;
}

/* Rows of the table; a key the projection does not define (a prefill
 * batch has no TPOT) is left out. */
static void print_table(const cJSON *j)
{
	static const struct {
		const char *key, *label, *fmt;
	} rows[] = {
	    {"deployment", "deployment", "%s"},
	    {"mode", "mode", "%s"},
	    {"gpus", "GPUs", "%.0f"},
	    {"concurrency", "concurrency", "%.0f"},
	    {"prefill_ms", "prefill (ms)", "%.1f"},
	    {"wait_ms", "queueing in TTFT (ms)", "%.1f"},
	    {"kv_transfer_ms", "KV transfer (ms)", "%.1f"},
	    {"ttft_ms", "TTFT mean (ms)", "%.1f"},
	    {"ttft_p50_ms", "TTFT p50 (ms)", "%.1f"},
	    {"ttft_p90_ms", "TTFT p90 (ms)", "%.1f"},
	    {"ttft_p99_ms", "TTFT p99 (ms)", "%.1f"},
	    {"tpot_ms", "TPOT mean (ms)", "%.2f"},
	    {"tpot_p90_ms", "TPOT p90 (ms)", "%.2f"},
	    {"e2e_ms", "E2E (ms)", "%.0f"},
	    {"req_per_s", "requests/s", "%.2f"},
	    {"tokens_per_s", "tokens/s", "%.0f"},
	    {"tokens_per_s_per_gpu", "tokens/s/gpu", "%.1f"},
	    {"tokens_per_s_per_user", "tokens/s/user", "%.1f"},
	    {"decode_batch", "decode batch per worker", "%.1f"},
	    {"kv_bytes_per_token", "KV bytes/token", "%.0f"},
	    {"weights_gib_per_gpu", "weights GiB/GPU", "%.2f"},
	    {"kv_gib_per_gpu", "KV cache GiB/GPU", "%.2f"},
	    {"kv_capacity_tokens", "KV capacity (tokens)", "%.0f"},
	    {"max_batch_fit", "max batch that fits", "%.0f"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const cJSON *v =
		    cJSON_GetObjectItemCaseSensitive(j, rows[i].key);
		if (!v || cJSON_IsNull(v))
			continue;
		printf("  %-26s ", rows[i].label);
		if (cJSON_IsString(v))
			printf(rows[i].fmt, v->valuestring);
		else
			printf(rows[i].fmt, v->valuedouble);
		putchar('\n');
	}
	printf("  %-26s %s\n", "OOM",
	       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "oom"))
		   ? "yes: does not fit in GPU memory"
		   : "no");
}

static int run(int argc, char **argv)
{
	struct predict_opts o;
	bool done = false;
	int rc = parse(argc, argv, &o, &done);
	if (rc || done)
		return rc;
	struct sc_err e = {0};
	struct deploy_spec d;
	struct model_params p;
	rc = o.deploy ? deploy_load(o.deploy, &d, &e)
		      : predict_worker_deploy(&o.w, &d, &e);
	if (rc == SC_OK) {
		const char *be = o.backend ? o.backend
				 : strcmp(d.backend, "unknown") && d.backend[0]
				     ? d.backend
				     : NULL;
		struct params_choice pc = {o.params, o.db, d.gpu.name, be,
					   d.model.name};
		char used[2048];
		rc = params_resolve(&pc, &p, used, sizeof used, &e);
		if (rc == SC_OK && o.db && !o.json)
			printf("  parameters from %s\n", used);
	}
	struct perf_workload wl = {(double)o.isl, (double)o.osl};
	cJSON *j =
	    rc ? NULL
	       : predict_run(&d, &p, o.mode, o.deploy != NULL, &wl, o.conc, &e);
	deploy_release(&d);
	if (!j)
		return cli_fail(&e);
	if (o.json) {
		char *s2 = cJSON_Print(j);
		puts(s2);
		cJSON_free(s2);
	} else {
		print_table(j);
	}
	cJSON_Delete(j);
	return EXIT_OK_;
}

const struct cli_command cli_cmd_predict = {
    .name = "predict",
    .summary =
	"project TTFT, TPOT, throughput and memory with the analytical model",
    .usage = usage,
    .run = run,
    .flags = &flagset,
    .notes = notes,
};
