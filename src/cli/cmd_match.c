/* `servecal match`: best aggregated and disaggregated configurations for a
 * model, GPU, workload and SLAs within a GPU budget, the gain of one over the
 * other, and the Pareto fronts with TTFT on every point. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "gen/emit.h"
#include "out/match_table.h"
#include "plan/ask.h"
#include "plan/plan.h"
#include "plan/plan_out.h"
#include "plan/search.h"
#include "util/clock.h"
#include "util/num.h"

static const char usage[] =
    "usage: servecal match --model NAME|FILE --gpu NAME|FILE --isl N --osl N\n"
    "         --ttft-ms MS (--tpot-ms MS | --min-tokens-per-s-user R)\n"
    "         --total-gpus N [options]\n\n"
    "Searches aggregated configs (parallelism x batch x token budget, both "
    "SLAs\n"
    "at once, replicas filling the budget) and disaggregated xPyD configs\n"
    "(prefill and decode workers meeting TTFT and TPOT on their own, matched "
    "by\n"
    "request rate), checks each with the model's queueing and KV handoff at "
    "the\n"
    "largest concurrency that keeps both SLAs, and ranks by tokens/s/gpu.\n";

static const char notes[] =
    "--ttft-margin-prompts K keeps a config when its projected TTFT at the\n"
    "statistic plus K of its own prompt times is within --ttft-ms, so one "
    "more\n"
    "prompt ahead in the queue than projected still meets the SLA.\n"
    "--load-margin F runs a config at the largest concurrency whose SLAs "
    "still\n"
    "hold with F more users (a deployment near its knee is not recommended\n"
    "there). --objective total ranks by tokens/s of the whole deployment "
    "within\n"
    "--total-gpus; both figures are always shown, with the GPUs left idle.\n"
    "--objective users ranks by the concurrency a config keeps its SLAs at\n"
    "(capacity: the most users; ties by tokens/s in all).\n"
    "Exit codes: 0 ok, 2 usage, 3 bad input file, 4 no configuration meets "
    "the\n"
    "SLAs (the binding constraint and the nearest miss are printed).\n";

struct match_opts {
	struct plan_ask a;
	const char *out, *emit;
	long top;
	bool json;
};

static const struct cli_enum_name mode_names[] = {{"agg", PLAN_ASK_AGG},
						  {"disagg", PLAN_ASK_DISAGG},
						  {"both", PLAN_ASK_BOTH},
						  {NULL, 0}};
static const struct cli_enum_name objective_names[] = {
    {"per-gpu", PLAN_PER_GPU},
    {"total", PLAN_TOTAL},
    {"users", PLAN_USERS},
    {NULL, 0}};

#define O(f) offsetof(struct match_opts, f)
#define A(f) offsetof(struct match_opts, a.f)
static const struct cli_flag flags[] = {
    CLI_FLAG_STR("model", "NAME|FILE", A(model),
		 "model: catalog name or spec file", .required = true),
    CLI_FLAG_STR("gpu", "NAME|FILE", A(gpu), "GPU: catalog name or spec file",
		 .required = true),
    CLI_FLAG_LONG("isl", "N", A(isl), 1, NUM_TOKENS_MAX, "prompt tokens",
		  .required = true),
    CLI_FLAG_LONG("osl", "N", A(osl), 1, NUM_TOKENS_MAX, "output tokens",
		  .required = true),
    CLI_FLAG_REAL("ttft-ms", "MS", A(ttft_ms), NUM_SLA_MIN, NUM_MS_MAX,
		  "TTFT SLA, ms", .required = true),
    CLI_FLAG_REAL("tpot-ms", "MS", A(tpot_ms), NUM_SLA_MIN, NUM_MS_MAX,
		  "TPOT SLA, ms"),
    CLI_FLAG_REAL("min-tokens-per-s-user", "R", A(min_tokens_per_s_user),
		  NUM_SLA_MIN, NUM_TOKENS_PER_S_MAX,
		  "TPOT SLA as tokens/s per user (instead of --tpot-ms)"),
    CLI_FLAG_LONG("total-gpus", "N", A(total_gpus), 1, 1024, "GPU budget",
		  .required = true),
    CLI_FLAG_STR("dtype", "D", A(dtype), "weights: bf16, fp8 or fp4"),
    CLI_FLAG_STR("kv-dtype", "D", A(kvdtype), "KV cache dtype",
		 .dflt = "--dtype"),
    CLI_FLAG_STR("params", "FILE", A(params),
		 "calibrated model parameters (fit.json or flat file)",
		 .dflt = "the priors"),
    CLI_FLAG_SET("db", A(db),
		 "parameters from the perf database entry of the model, GPU "
		 "and --backend (the only backend there if not given)"),
    CLI_FLAG_ENUM("mode", "M", A(modes), mode_names, "modes searched"),
    CLI_FLAG_LONG("max-gpus-per-worker", "N", A(max_gpus_per_worker), 1, 1024,
		  "largest tp*pp*dp of one worker"),
    CLI_FLAG_LONG("top", "N", O(top), 0, 10000, "configs listed per mode"),
    CLI_FLAG_STR("out", "DIR", O(out),
		 "writes agg.csv, disagg.csv, pareto.csv, best.json and "
		 "deploy-agg.json / deploy-disagg.json (deployment specs for "
		 "`servecal predict --deployment` and `emulate`)"),
    CLI_FLAG_SET("json", O(json),
		 "prints best.json's content instead of the table"),
    CLI_FLAG_REAL("kv-link-gbps", "G", A(link_gbps), NUM_LINK_MIN_GBPS,
		  NUM_LINK_MAX_GBPS,
		  "prefill-to-decode link per GPU pair, GB/s"),
    CLI_FLAG_REAL("kv-link-latency-us", "U", A(link_latency_us), 0,
		  NUM_LINK_MAX_LATENCY_US, "latency of that link, us"),
    CLI_FLAG_STR("backend", "NAME", A(backend),
		 "backend of the launch files and the database entry",
		 .given_off = CLI_GIVEN(struct match_opts, a.backend_given)),
    CLI_FLAG_ENUM("ttft-stat", "S", A(ttft_stat), cli_stat_names,
		  "the statistic the TTFT SLA applies to (p90: 9 in 10 users "
		  "within it; mean is the convention of analytical tools)"),
    CLI_FLAG_ENUM("tpot-stat", "S", A(tpot_stat), cli_stat_names,
		  "likewise for TPOT / tokens/s/user"),
    CLI_FLAG_ENUM("objective", "O", A(objective), objective_names,
		  "per-gpu: tokens/s per GPU the config uses; total: tokens/s "
		  "of the deployment; users: concurrent users it serves "
		  "within the SLAs"),
    CLI_FLAG_STR("emit", "DIR", O(emit),
		 "writes the launch files of the best configs for --backend "
		 "into DIR/match-best-agg and DIR/match-best-disagg (see "
		 "`servecal generate`)"),
    CLI_FLAG_REAL("ttft-margin-prompts", "K", A(ttft_margin_prompts), 0,
		  PLAN_MAX_MARGIN_PROMPTS,
		  "headroom on TTFT, in prompt times; 0 checks the projection "
		  "alone"),
    CLI_FLAG_REAL("load-margin", "F", A(load_margin), 0, PLAN_MAX_LOAD_MARGIN,
		  "headroom on load, a share of users; 0 runs a config at its "
		  "knee"),
};

static const struct match_opts defaults = {.a = {.dtype = "bf16",
						 .modes = PLAN_ASK_BOTH,
						 .backend = "trtllm",
						 .max_gpus_per_worker = 8,
						 .link_gbps = 50.0,
						 .ttft_stat = STAT_P90,
						 .tpot_stat = STAT_MEAN,
						 .ttft_margin_prompts = 1.0,
						 .load_margin = 0.1,
						 .objective = PLAN_PER_GPU},
					   .top = 5};

static const struct cli_flagset flagset = {
    flags, sizeof flags / sizeof flags[0], &defaults, sizeof defaults, false};

extern const struct cli_command cli_cmd_match;

static int parse(int argc, char **argv, struct match_opts *o, bool *done)
{
	int first,
	    rc = cli_flags_parse(&cli_cmd_match, argc, argv, o, &first, done);
	if (rc || *done)
		return rc;
	const struct plan_ask *a = &o->a;
	if (!a->model || !a->gpu)
		return cli_usage_error("match",
				       "--model and --gpu are required");
	if (!a->isl || !a->osl)
		return cli_usage_error("match", "--isl and --osl are required");
	if (!(a->ttft_ms > 0))
		return cli_usage_error("match", "--ttft-ms is required");
	if ((a->tpot_ms > 0) == (a->min_tokens_per_s_user > 0))
		return cli_usage_error("match", "give exactly one of --tpot-ms "
						"and --min-tokens-per-s-user");
	if (!a->total_gpus)
		return cli_usage_error("match", "--total-gpus is required");
	if (a->db && a->params)
		return cli_usage_error("match",
				       "--db and --params exclude each other");
	if (strlen(a->backend) >= 32)
		return cli_usage_error("match", "--backend: name too long");
	return 0;
}

/* --emit: launch files of the best configs; one line per setting the
 * backend lacks. Returns 0 or the exit code of the first failure. */
static int emit_best(const struct match_opts *o, const struct plan_query *q,
		     const struct plan_result *r)
{
	struct gen_opts go = {.backend = o->a.backend};
	struct gen_emitted em[2];
	int rc = gen_emit_best(o->emit, q, r, &go, em) ? EXIT_INPUT : 0;
	for (size_t m = 0; m < 2; m++) {
		if (em[m].present && em[m].status == SC_OK)
			printf("launch files (%s): %s/\n", o->a.backend,
			       em[m].dir);
		else if (em[m].present && em[m].n_unsupported) {
			fprintf(stderr,
				"servecal match: --emit %s: not written, %s "
				"lacks:\n",
				em[m].dir, o->a.backend);
			for (size_t k = 0; k < em[m].n_unsupported; k++)
				fprintf(stderr, "  - %s\n",
					em[m].unsupported[k]);
		} else if (em[m].present)
			rc = cli_fail(&em[m].e);
		gen_emitted_release(&em[m]);
	}
	return rc;
}

static int run(int argc, char **argv)
{
	struct match_opts o;
	bool done = false;
	int rc = parse(argc, argv, &o, &done);
	if (rc || done)
		return rc;

	struct sc_err e = {0};
	struct plan_inputs in;
	struct plan_query q;
	struct plan_result r = {0};
	int exit_code = EXIT_OK_;
	rc = plan_query_from_ask(&o.a, &in, &q, &e);
	if (rc == SC_EINVAL)
		return cli_usage_error("match", "%s", e.msg);
	if (rc)
		return cli_fail(&e);

	int64_t t0 = clock_mono_ns();
	if ((rc = plan_search(&q, &r, &e)) != SC_OK) {
		exit_code = cli_fail(&e);
		goto out;
	}
	double ms = (double)(clock_mono_ns() - t0) / 1e6;

	if (o.json) {
		cJSON *j = plan_result_to_json(&q, &r, (size_t)o.top);
		cJSON_AddNumberToObject(j, "search_ms", ms);
		char *s = cJSON_Print(j);
		puts(s);
		cJSON_free(s);
		cJSON_Delete(j);
	} else {
		match_table_write(stdout, &q, &r, o.top, in.params_from, ms);
	}
	if (o.out && (rc = plan_write_dir(o.out, &q, &r, (size_t)o.top, &e))) {
		exit_code = cli_fail(&e);
		goto out;
	}
	if (o.emit && (rc = emit_best(&o, &q, &r)))
		exit_code = rc;
	if (!r.agg.n && !r.disagg.n) {
		const struct plan_mode_result *m0 =
		    q.do_agg ? &r.agg : &r.disagg;
		fprintf(stderr,
			"servecal match: no configuration meets the SLAs; "
			"binding constraint: %s (%s)\n",
			plan_bind_name(m0->miss.bind), m0->miss.detail);
		if (q.do_agg && q.do_disagg)
			fprintf(stderr, "  disagg: %s (%s)\n",
				plan_bind_name(r.disagg.miss.bind),
				r.disagg.miss.detail);
		exit_code = EXIT_NOFIT;
	}
out:
	plan_result_release(&r);
	return exit_code;
}

const struct cli_command cli_cmd_match = {
    .name = "match",
    .summary = "best agg and disagg (xPyD) configs under SLAs; Pareto front",
    .usage = usage,
    .run = run,
    .flags = &flagset,
    .notes = notes,
};
