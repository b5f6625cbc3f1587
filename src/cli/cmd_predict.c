/* `servecal predict`: the analytical model for one worker or a deployment. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "model/memory.h"
#include "model/perf.h"
#include "model/perfdb.h"
#include "util/jsonio.h"
#include "util/num.h"

static const char usage[] =
    "usage: servecal predict --model NAME|FILE --gpu NAME|FILE [--dtype "
    "bf16|fp8|fp4]\n"
    "         [--kv-dtype D] [--tp N] [--pp N] [--dp N] [--ep N] [--isl N] "
    "[--osl N]\n"
    "         [--concurrency N] [--mode agg|prefill|decode] [--max-batch N]\n"
    "         [--max-num-tokens N] [--params FILE] [--json]\n"
    "       servecal predict --deployment FILE [--isl N] [--osl N] "
    "[--concurrency N]\n"
    "         [--params FILE] [--json]\n"
    "       either form also takes [--db [--backend NAME]]\n\n"
    "Projects TTFT, TPOT, throughput and memory with the analytical model.\n"
    "  --mode agg       one aggregated worker serving N closed-loop users "
    "(default)\n"
    "  --mode prefill   prefill of N prompts batched on one worker\n"
    "  --mode decode    one decode iteration at batch N with context "
    "isl+osl/2\n"
    "Defaults: --dtype bf16, --kv-dtype = --dtype, --tp 1, --isl 4000, --osl "
    "500,\n"
    "--concurrency 1, --max-batch max(N, 1), --max-num-tokens 8192.\n"
    "--params FILE replaces the priors with calibrated values (fit.json or a "
    "flat\n"
    "{\"eta_c\": ...} file); --db takes them from the perf database entry of "
    "the\n"
    "model, GPU and backend (the deployment's, or --backend).\n"
    "Exit codes: 0 ok, 2 usage, 3 bad input file.\n";

enum {
	O_MODEL = 256,
	O_GPU,
	O_DTYPE,
	O_KVDTYPE,
	O_TP,
	O_PP,
	O_DP,
	O_EP,
	O_ISL,
	O_OSL,
	O_CONC,
	O_MODE,
	O_MAXB,
	O_MAXT,
	O_PARAMS,
	O_DEPLOY,
	O_JSON,
	O_DB,
	O_BACKEND
};

static const struct option longopts[] = {
    {"model", required_argument, NULL, O_MODEL},
    {"gpu", required_argument, NULL, O_GPU},
    {"dtype", required_argument, NULL, O_DTYPE},
    {"kv-dtype", required_argument, NULL, O_KVDTYPE},
    {"tp", required_argument, NULL, O_TP},
    {"pp", required_argument, NULL, O_PP},
    {"dp", required_argument, NULL, O_DP},
    {"ep", required_argument, NULL, O_EP},
    {"isl", required_argument, NULL, O_ISL},
    {"osl", required_argument, NULL, O_OSL},
    {"concurrency", required_argument, NULL, O_CONC},
    {"mode", required_argument, NULL, O_MODE},
    {"max-batch", required_argument, NULL, O_MAXB},
    {"max-num-tokens", required_argument, NULL, O_MAXT},
    {"params", required_argument, NULL, O_PARAMS},
    {"deployment", required_argument, NULL, O_DEPLOY},
    {"json", no_argument, NULL, O_JSON},
    {"db", no_argument, NULL, O_DB},
    {"backend", required_argument, NULL, O_BACKEND},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

extern const struct cli_command cli_cmd_predict;

struct predict_opts {
	const char *model, *gpu, *dtype, *kvdtype, *mode, *params, *deploy;
	const char *backend;
	bool db;
	long tp, pp, dp, ep, isl, osl, conc, maxb, maxt;
	bool json;
};

static int parse(int argc, char **argv, struct predict_opts *o, bool *done)
{
	*o = (struct predict_opts){.dtype = "bf16",
				   .mode = "agg",
				   .tp = 1,
				   .pp = 1,
				   .dp = 1,
				   .ep = 1,
				   .isl = 4000,
				   .osl = 500,
				   .conc = 1,
				   .maxt = 8192};
	int c;
	while ((c = cli_getopt(argc, argv, "h", longopts, &cli_cmd_predict,
			       done)) != -1) {
		int rc = 0;
		switch (c) {
		case O_MODEL:
			o->model = optarg;
			break;
		case O_GPU:
			o->gpu = optarg;
			break;
		case O_DTYPE:
			o->dtype = optarg;
			break;
		case O_KVDTYPE:
			o->kvdtype = optarg;
			break;
		case O_MODE:
			o->mode = optarg;
			break;
		case O_PARAMS:
			o->params = optarg;
			break;
		case O_DEPLOY:
			o->deploy = optarg;
			break;
		case O_JSON:
			o->json = true;
			break;
		case O_DB:
			o->db = true;
			break;
		case O_BACKEND:
			o->backend = optarg;
			break;
		case O_TP:
			rc = cli_parse_long("--tp", optarg, 1, 1024, &o->tp);
			break;
		case O_PP:
			rc = cli_parse_long("--pp", optarg, 1, 1024, &o->pp);
			break;
		case O_DP:
			rc = cli_parse_long("--dp", optarg, 1, 1024, &o->dp);
			break;
		case O_EP:
			rc = cli_parse_long("--ep", optarg, 1, 1024, &o->ep);
			break;
		case O_ISL:
			rc = cli_parse_long("--isl", optarg, 1, NUM_TOKENS_MAX,
					    &o->isl);
			break;
		case O_OSL:
			rc = cli_parse_long("--osl", optarg, 1, NUM_TOKENS_MAX,
					    &o->osl);
			break;
		case O_CONC:
			rc = cli_parse_long("--concurrency", optarg, 1,
					    NUM_CONC_MAX, &o->conc);
			break;
		case O_MAXB:
			rc = cli_parse_long("--max-batch", optarg, 1,
					    NUM_CONC_MAX, &o->maxb);
			break;
		case O_MAXT:
			rc = cli_parse_long("--max-num-tokens", optarg, 1,
					    NUM_TOKENS_MAX, &o->maxt);
			break;
		default:
			return EXIT_USAGE;
		}
		if (rc)
			return rc;
	}
	if (*done)
		return 0;
	if (optind < argc)
		return cli_usage_error("predict", "unexpected argument '%s'",
				       argv[optind]);
	if (!o->deploy && (!o->model || !o->gpu))
		return cli_usage_error(
		    "predict", "give --model and --gpu, or --deployment FILE");
	if (strcmp(o->mode, "agg") && strcmp(o->mode, "prefill") &&
	    strcmp(o->mode, "decode"))
		return cli_usage_error(
		    "predict",
		    "--mode must be agg, prefill or decode, got '%s'", o->mode);
	if (!o->maxb)
		o->maxb = o->conc;
	if (o->db && o->params)
		return cli_usage_error("predict",
				       "--db and --params exclude each other");
	return 0;
}

/* Builds a one-group deployment from the worker flags. */
static int flags_deploy(const struct predict_opts *o, struct deploy_spec *d,
			struct sc_err *e)
{
	memset(d, 0, sizeof *d);
	int rc;
	if ((rc = model_spec_load(o->model, &d->model, e)) ||
	    (rc = gpu_spec_load(o->gpu, &d->gpu, e)))
		return rc;
	if (dtype_parse(o->dtype, &d->wdtype) ||
	    dtype_parse(o->kvdtype ? o->kvdtype : o->dtype, &d->kvdtype))
		return sc_err_set(
		    e, SC_EINVAL,
		    "--dtype/--kv-dtype: unknown dtype (bf16, fp8, fp4)");
	snprintf(d->name, sizeof d->name, "%.60s-%.60s-tp%ld", d->model.name,
		 d->gpu.name, o->tp);
	d->mode = DEPLOY_AGG;
	d->n_groups = 1;
	struct worker_spec *w = &d->groups[0];
	w->role = ROLE_AGG;
	w->count = 1;
	w->shape = (struct worker_shape){
	    o->tp, o->pp, o->dp, o->ep,
	    (o->tp * o->dp) / o->ep ? (o->tp * o->dp) / o->ep : 1};
	w->max_batch = o->maxb;
	w->max_num_tokens = o->maxt;
	return SC_OK;
}

static void add_mem(cJSON *o, const struct mem_plan *m)
{
	cJSON_AddNumberToObject(o, "weights_gib_per_gpu", m->weights_gib);
	cJSON_AddNumberToObject(o, "activation_gib_per_gpu", m->activation_gib);
	cJSON_AddNumberToObject(o, "kv_gib_per_gpu", m->kv_gib);
	cJSON_AddNumberToObject(o, "kv_capacity_tokens", m->kv_capacity_tokens);
	cJSON_AddNumberToObject(o, "max_batch_fit", (double)m->max_batch_fit);
}

static enum perf_scope scope_of(const struct deploy_spec *d,
				const struct predict_opts *o)
{
	if (o->deploy || !strcmp(o->mode, "agg") || d->mode == DEPLOY_DISAGG)
		return PERF_ALL;
	return !strcmp(o->mode, "prefill") ? PERF_PREFILL_ONLY
					   : PERF_DECODE_ONLY;
}

static cJSON *render(const struct deploy_spec *d, const struct predict_opts *o,
		     const struct perf_point *pt, const struct mem_plan *mem,
		     size_t n_mem)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "deployment", d->name);
	cJSON_AddStringToObject(j, "mode",
				d->mode == DEPLOY_DISAGG ? "disagg" : o->mode);
	cJSON_AddNumberToObject(j, "isl", (double)o->isl);
	cJSON_AddNumberToObject(j, "osl", (double)o->osl);
	cJSON_AddNumberToObject(j, "concurrency", (double)o->conc);
	/* The projection's own keys, then memory. */
	cJSON *pj = perf_point_to_json(pt, scope_of(d, o));
	cJSON *it;
	while ((it = pj->child)) {
		cJSON_DetachItemViaPointer(pj, it);
		cJSON_AddItemToObject(j, it->string, it);
	}
	cJSON_Delete(pj);
	cJSON_AddNumberToObject(
	    j, "kv_bytes_per_token",
	    model_kv_bytes_per_token(&d->model, d->kvdtype));
	/* The top-level memory is the worker that holds decode KV. */
	add_mem(j, &mem[n_mem - 1]);
	if (n_mem > 1) {
		cJSON *arr = cJSON_AddArrayToObject(j, "memory");
		for (size_t i = 0; i < n_mem; i++) {
			cJSON *m = cJSON_CreateObject();
			cJSON_AddStringToObject(
			    m, "role", worker_role_name(d->groups[i].role));
			add_mem(m, &mem[i]);
			cJSON_AddBoolToObject(m, "oom", mem[i].oom);
			cJSON_AddItemToArray(arr, m);
		}
	}
	return j;
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
	rc =
	    o.deploy ? deploy_load(o.deploy, &d, &e) : flags_deploy(&o, &d, &e);
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
	if (rc) {
		deploy_release(&d);
		return cli_fail(&e);
	}
	struct perf_workload wl = {(double)o.isl, (double)o.osl};
	struct model_ctx c = {&d.model,	 &d.gpu, d.wdtype,
			      d.kvdtype, &p,	 &d.sched};
	struct perf_point pt = {0};
	struct mem_plan mem[DEPLOY_MAX_GROUPS];
	for (size_t i = 0; i < d.n_groups; i++) {
		const struct worker_spec *w = &d.groups[i];
		double seq = w->role == ROLE_PREFILL ? wl.isl : wl.isl + wl.osl;
		mem_plan_worker(&c, &w->shape, (double)w->max_num_tokens, seq,
				&mem[i]);
	}
	const struct worker_shape *s = &d.groups[0].shape;
	if (o.deploy || !strcmp(o.mode, "agg")) {
		rc = perf_deploy(&d, &p, &wl, (double)o.conc, &pt, &e);
	} else if ((rc = model_ctx_check(&c, s, &e)) == SC_OK) {
		double n = (double)o.conc;
		bool pf = !strcmp(o.mode, "prefill");
		pt.gpus = worker_gpus(s);
		if (pf) {
			pt.prefill_s =
			    step_prefill_s(&c, s, n, wl.isl, (double)o.maxt);
			pt.ttft_s = pt.prefill_s;
			pt.tokens_per_s = n * wl.isl / pt.prefill_s;
		} else {
			pt.tpot_s =
			    step_decode_s(&c, s, n, wl.isl + wl.osl / 2);
			pt.tokens_per_s = n / pt.tpot_s;
			pt.tokens_per_s_per_user = 1.0 / pt.tpot_s;
			pt.decode_batch = n;
		}
		pt.tokens_per_s_per_gpu = pt.tokens_per_s / (double)pt.gpus;
		pt.oom =
		    mem[0].oom || (!pf && (double)mem[0].max_batch_fit < n);
	}
	if (rc) {
		deploy_release(&d);
		return cli_fail(&e);
	}
	cJSON *j = render(&d, &o, &pt, mem, d.n_groups);
	if (o.json) {
		char *s2 = cJSON_Print(j);
		puts(s2);
		cJSON_free(s2);
	} else {
		print_table(j);
	}
	cJSON_Delete(j);
	deploy_release(&d);
	return EXIT_OK_;
}

const struct cli_command cli_cmd_predict = {
    .name = "predict",
    .summary =
	"project TTFT, TPOT, throughput and memory with the analytical model",
    .usage = usage,
    .run = run,
};
