/* `servecal match`: best aggregated and disaggregated configurations for a
 * model, GPU, workload and SLAs within a GPU budget, the gain of one over the
 * other, and the Pareto fronts with TTFT on every point. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "gen/emit.h"
#include "model/catalog.h"
#include "model/perfdb.h"
#include "plan/plan.h"
#include "plan/plan_out.h"
#include "plan/search.h"
#include "util/clock.h"
#include "util/num.h"

static const char usage[] =
    "usage: servecal match --model NAME|FILE --gpu NAME|FILE --isl N --osl N\n"
    "         --ttft-ms MS (--tpot-ms MS | --min-tokens-per-s-user R)\n"
    "         --total-gpus N [--dtype bf16|fp8|fp4] [--kv-dtype D]\n"
    "         [--params FILE | --db] [--mode agg|disagg|both] "
    "[--max-gpus-per-worker N]\n"
    "         [--top N] [--out DIR] [--json] [--kv-link-gbps G]\n"
    "         [--kv-link-latency-us U] [--backend NAME]\n"
    "         [--ttft-stat mean|p50|p90|p95|p99] [--tpot-stat S]\n"
    "         [--objective per-gpu|total] [--emit DIR]\n"
    "         [--ttft-margin-prompts K] [--load-margin F]\n\n"
    "Searches aggregated configs (parallelism x batch x token budget, both "
    "SLAs\n"
    "at once, replicas filling the budget) and disaggregated xPyD configs\n"
    "(prefill and decode workers meeting TTFT and TPOT on their own, matched "
    "by\n"
    "request rate), checks each with the model's queueing and KV handoff at "
    "the\n"
    "largest concurrency that keeps both SLAs, and ranks by tokens/s/gpu.\n\n"
    "  --ttft-stat S       the statistic the TTFT SLA applies to (default "
    "p90:\n"
    "                      9 in 10 users within it); mean reproduces the\n"
    "                      convention of analytical tools\n"
    "  --tpot-stat S       likewise for TPOT / tokens/s/user (default mean)\n"
    "  --ttft-margin-prompts K  headroom on TTFT (0-10, default 1): a config\n"
    "                      is kept when its projected TTFT at the statistic\n"
    "                      plus K of its own prompt times is within "
    "--ttft-ms,\n"
    "                      so one more prompt ahead in the queue than "
    "projected\n"
    "                      still meets the SLA; 0 checks the projection alone\n"
    "  --load-margin F     headroom on load (0-1, default 0.1): a config runs "
    "at\n"
    "                      the largest concurrency whose SLAs still hold with\n"
    "                      F more users (a deployment near its knee is not\n"
    "                      recommended there); 0 runs it at the knee\n"
    "  --objective O       per-gpu (default): tokens/s per GPU the config "
    "uses;\n"
    "                      total: tokens/s of the whole deployment within\n"
    "                      --total-gpus. Both figures are always shown, with\n"
    "                      the GPUs left idle\n"
    "  --mode M            agg, disagg or both (default both)\n"
    "  --max-gpus-per-worker N  largest tp*pp*dp of one worker (default 8)\n"
    "  --top N             configs listed per mode (default 5)\n"
    "  --out DIR           writes agg.csv, disagg.csv, pareto.csv, best.json "
    "and\n"
    "                      deploy-agg.json / deploy-disagg.json (deployment "
    "specs\n"
    "                      for `servecal predict --deployment` and `emulate`)\n"
    "  --emit DIR          writes the launch files of the best configs for\n"
    "                      --backend into DIR/match-best-agg and\n"
    "                      DIR/match-best-disagg (see `servecal generate`)\n"
    "  --json              prints best.json's content instead of the table\n"
    "  --params FILE       calibrated model parameters (fit.json or flat "
    "file;\n"
    "                      default: the priors)\n"
    "  --db                parameters from the perf database entry of the "
    "model,\n"
    "                      GPU and --backend (the only backend there if not "
    "given)\n"
    "  --kv-link-gbps G    prefill-to-decode link per GPU pair, GB/s (default "
    "50)\n"
    "Defaults: --dtype bf16, --kv-dtype = --dtype, --backend trtllm.\n"
    "Exit codes: 0 ok, 2 usage, 3 bad input file, 4 no configuration meets "
    "the\n"
    "SLAs (the binding constraint and the nearest miss are printed).\n";

enum {
	O_MODEL = 256,
	O_GPU,
	O_DTYPE,
	O_KVDTYPE,
	O_ISL,
	O_OSL,
	O_TTFT,
	O_TPOT,
	O_MINTPS,
	O_TOTAL,
	O_PARAMS,
	O_MODE,
	O_MAXGPW,
	O_TOP,
	O_OUT,
	O_JSON,
	O_LINK,
	O_LINKLAT,
	O_BACKEND,
	O_DB,
	O_TTFTSTAT,
	O_TPOTSTAT,
	O_OBJECTIVE,
	O_EMIT,
	O_MARGIN,
	O_LOADMARGIN
};

static const struct option longopts[] = {
    {"model", required_argument, NULL, O_MODEL},
    {"gpu", required_argument, NULL, O_GPU},
    {"dtype", required_argument, NULL, O_DTYPE},
    {"kv-dtype", required_argument, NULL, O_KVDTYPE},
    {"isl", required_argument, NULL, O_ISL},
    {"osl", required_argument, NULL, O_OSL},
    {"ttft-ms", required_argument, NULL, O_TTFT},
    {"tpot-ms", required_argument, NULL, O_TPOT},
    {"min-tokens-per-s-user", required_argument, NULL, O_MINTPS},
    {"total-gpus", required_argument, NULL, O_TOTAL},
    {"params", required_argument, NULL, O_PARAMS},
    {"mode", required_argument, NULL, O_MODE},
    {"max-gpus-per-worker", required_argument, NULL, O_MAXGPW},
    {"top", required_argument, NULL, O_TOP},
    {"out", required_argument, NULL, O_OUT},
    {"json", no_argument, NULL, O_JSON},
    {"kv-link-gbps", required_argument, NULL, O_LINK},
    {"kv-link-latency-us", required_argument, NULL, O_LINKLAT},
    {"backend", required_argument, NULL, O_BACKEND},
    {"db", no_argument, NULL, O_DB},
    {"ttft-stat", required_argument, NULL, O_TTFTSTAT},
    {"tpot-stat", required_argument, NULL, O_TPOTSTAT},
    {"objective", required_argument, NULL, O_OBJECTIVE},
    {"emit", required_argument, NULL, O_EMIT},
    {"ttft-margin-prompts", required_argument, NULL, O_MARGIN},
    {"load-margin", required_argument, NULL, O_LOADMARGIN},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

extern const struct cli_command cli_cmd_match;

struct match_opts {
	const char *model, *gpu, *dtype, *kvdtype, *params, *mode, *out,
	    *backend, *emit;
	long isl, osl, total, maxgpw, top;
	double ttft_ms, tpot_ms, min_tps, link_gbps, link_lat_us, margin,
	    load_margin;
	bool json, db, backend_given;
	enum stat_sel ttft_stat, tpot_stat;
	enum plan_objective objective;
};

static int parse_stat(const char *flag, const char *s, enum stat_sel *out)
{
	if (statsel_parse(s, out))
		return cli_usage_error(
		    "match", "%s must be mean, p50, p90, p95 or p99, got '%s'",
		    flag, s);
	return 0;
}

static int parse(int argc, char **argv, struct match_opts *o, bool *done)
{
	*o = (struct match_opts){.dtype = "bf16",
				 .mode = "both",
				 .backend = "trtllm",
				 .maxgpw = 8,
				 .top = 5,
				 .link_gbps = 50.0,
				 .ttft_stat = STAT_P90,
				 .tpot_stat = STAT_MEAN,
				 .margin = 1.0,
				 .load_margin = 0.1,
				 .objective = PLAN_PER_GPU};
	int c;
	while ((c = cli_getopt(argc, argv, "h", longopts, &cli_cmd_match,
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
		case O_PARAMS:
			o->params = optarg;
			break;
		case O_MODE:
			o->mode = optarg;
			break;
		case O_OUT:
			o->out = optarg;
			break;
		case O_EMIT:
			o->emit = optarg;
			break;
		case O_BACKEND:
			o->backend = optarg;
			o->backend_given = true;
			break;
		case O_DB:
			o->db = true;
			break;
		case O_JSON:
			o->json = true;
			break;
		case O_ISL:
			rc = cli_parse_long("--isl", optarg, 1, NUM_TOKENS_MAX,
					    &o->isl);
			break;
		case O_OSL:
			rc = cli_parse_long("--osl", optarg, 1, NUM_TOKENS_MAX,
					    &o->osl);
			break;
		case O_TOTAL:
			rc = cli_parse_long("--total-gpus", optarg, 1, 1024,
					    &o->total);
			break;
		case O_MAXGPW:
			rc = cli_parse_long("--max-gpus-per-worker", optarg, 1,
					    1024, &o->maxgpw);
			break;
		case O_TOP:
			rc = cli_parse_long("--top", optarg, 0, 10000, &o->top);
			break;
		case O_TTFT:
			rc = cli_parse_real("--ttft-ms", optarg, NUM_SLA_MIN,
					    NUM_MS_MAX, &o->ttft_ms);
			break;
		case O_TPOT:
			rc = cli_parse_real("--tpot-ms", optarg, NUM_SLA_MIN,
					    NUM_MS_MAX, &o->tpot_ms);
			break;
		case O_MINTPS:
			rc = cli_parse_real("--min-tokens-per-s-user", optarg,
					    NUM_SLA_MIN, NUM_TOKENS_PER_S_MAX,
					    &o->min_tps);
			break;
		case O_LINK:
			rc = cli_parse_real("--kv-link-gbps", optarg,
					    NUM_LINK_MIN_GBPS,
					    NUM_LINK_MAX_GBPS, &o->link_gbps);
			break;
		case O_LINKLAT:
			rc = cli_parse_real("--kv-link-latency-us", optarg, 0,
					    NUM_LINK_MAX_LATENCY_US,
					    &o->link_lat_us);
			break;
		case O_TTFTSTAT:
			rc = parse_stat("--ttft-stat", optarg, &o->ttft_stat);
			break;
		case O_TPOTSTAT:
			rc = parse_stat("--tpot-stat", optarg, &o->tpot_stat);
			break;
		case O_MARGIN:
			rc =
			    cli_parse_real("--ttft-margin-prompts", optarg, 0,
					   PLAN_MAX_MARGIN_PROMPTS, &o->margin);
			break;
		case O_LOADMARGIN:
			rc = cli_parse_real("--load-margin", optarg, 0,
					    PLAN_MAX_LOAD_MARGIN,
					    &o->load_margin);
			break;
		case O_OBJECTIVE:
			if (plan_objective_parse(optarg, &o->objective))
				rc = cli_usage_error(
				    "match",
				    "--objective must be per-gpu or total, got "
				    "'%s'",
				    optarg);
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
		return cli_usage_error("match", "unexpected argument '%s'",
				       argv[optind]);
	if (!o->model || !o->gpu)
		return cli_usage_error("match",
				       "--model and --gpu are required");
	if (!o->isl || !o->osl)
		return cli_usage_error("match", "--isl and --osl are required");
	if (!(o->ttft_ms > 0))
		return cli_usage_error("match", "--ttft-ms is required");
	if ((o->tpot_ms > 0) == (o->min_tps > 0))
		return cli_usage_error("match", "give exactly one of --tpot-ms "
						"and --min-tokens-per-s-user");
	if (!o->total)
		return cli_usage_error("match", "--total-gpus is required");
	if (strcmp(o->mode, "agg") && strcmp(o->mode, "disagg") &&
	    strcmp(o->mode, "both"))
		return cli_usage_error(
		    "match", "--mode must be agg, disagg or both, got '%s'",
		    o->mode);
	if (o->db && o->params)
		return cli_usage_error("match",
				       "--db and --params exclude each other");
	if (strlen(o->backend) >= 32)
		return cli_usage_error("match", "--backend: name too long");
	return 0;
}

static void print_row(const struct plan_query *q, const char *label,
		      const struct plan_config *c)
{
	char name[256], gpus[32];
	plan_config_name(c, name, sizeof name);
	snprintf(gpus, sizeof gpus, "%ld/%ld", c->gpus, q->total_gpus);
	const struct perf_point *p = &c->perf;
	printf("%-7s %-44s %6s %9.1f %9.0f %8.1f %9.1f %8.2f %7.3f %6.0f\n",
	       label, name, gpus, p->tokens_per_s_per_gpu, p->tokens_per_s,
	       p->tokens_per_s_per_user,
	       perf_ttft_at(p, q->sla.ttft_stat) * 1e3,
	       perf_tpot_at(p, q->sla.tpot_stat) * 1e3, p->req_per_s,
	       c->concurrency);
}

static void print_header(const struct plan_query *q)
{
	char ttft[24], tpot[24];
	snprintf(ttft, sizeof ttft, "TTFT %s", statsel_name(q->sla.ttft_stat));
	snprintf(tpot, sizeof tpot, "TPOT %s", statsel_name(q->sla.tpot_stat));
	printf("%-7s %-44s %6s %9s %9s %8s %9s %8s %7s %6s\n", "mode", "config",
	       "GPUs", "tok/s/gpu", "tok/s", "tok/s/u", ttft, tpot, "req/s",
	       "conc");
	printf("%-7s %-44s %6s %9s %9s %8s %9s %8s %7s %6s\n", "", "", "used",
	       "", "total", "", "ms", "ms", "", "");
}

static void print_mode(const struct plan_query *q, const char *label,
		       const struct plan_mode_result *r, bool asked)
{
	if (!asked)
		return;
	if (r->n)
		print_row(q, label, &r->cfg[0]);
	else
		printf("%-7s none meets the SLAs (%s): %s\n", label,
		       plan_bind_name(r->miss.bind), r->miss.detail);
}

static void print_top(const struct plan_query *q, const char *label,
		      const struct plan_mode_result *r, long top)
{
	if (!r->n || top <= 0)
		return;
	printf("\ntop %ld %s of %zu feasible (%ld model evaluations",
	       top < (long)r->n ? top : (long)r->n, label, r->n, r->evaluated);
	if (r->matched)
		printf(", %ld prefill x decode pairs matched", r->matched);
	printf("):\n");
	print_header(q);
	for (size_t i = 0; i < r->n && (long)i < top; i++)
		print_row(q, label, &r->cfg[i]);
	printf("Pareto front (tokens/s/user vs tokens/s/gpu): %zu points\n",
	       r->n_front);
}

static void print_table(const struct plan_query *q, const struct match_opts *o,
			const struct plan_result *r, const char *pfrom,
			double ms)
{
	printf("%s on %s, %s weights, %s KV; ISL %.0f, OSL %.0f; TTFT %s <= "
	       "%.1f ms "
	       "with a margin of %g prompt(s) and %.0f%% more users, TPOT %s "
	       "<= %.2f ms (%.1f tokens/s/user); budget %ld GPUs; "
	       "ranked by tokens/s %s; params: %s\n\n",
	       q->m->name, q->g->name, dtype_name(q->wdtype),
	       dtype_name(q->kvdtype), q->wl.isl, q->wl.osl,
	       statsel_name(q->sla.ttft_stat), q->sla.ttft_s * 1e3,
	       q->sla.ttft_margin_prompts, 100 * q->sla.load_margin,
	       statsel_name(q->sla.tpot_stat), q->sla.tpot_s * 1e3,
	       1.0 / q->sla.tpot_s, q->total_gpus,
	       q->objective == PLAN_TOTAL ? "in all" : "per GPU used", pfrom);
	print_header(q);
	print_mode(q, "agg", &r->agg, q->do_agg);
	print_mode(q, "disagg", &r->disagg, q->do_disagg);
	for (int k = 0; k < 2; k++) {
		const struct plan_mode_result *m = k ? &r->disagg : &r->agg;
		if (m->n && m->cfg[0].gpus < q->total_gpus)
			printf("%s: uses %ld of the %ld GPUs; %ld stay idle\n",
			       k ? "disagg" : "agg", m->cfg[0].gpus,
			       q->total_gpus, q->total_gpus - m->cfg[0].gpus);
	}
	if (r->agg.n && r->disagg.n) {
		const struct perf_point *a = &r->agg.cfg[0].perf;
		const struct perf_point *d = &r->disagg.cfg[0].perf;
		printf("\ndisagg/agg: %.2fx tokens/s per GPU used, %.2fx "
		       "tokens/s in all "
		       "(%.0f vs %.0f); ranked by %s\n",
		       d->tokens_per_s_per_gpu / a->tokens_per_s_per_gpu,
		       d->tokens_per_s / a->tokens_per_s, d->tokens_per_s,
		       a->tokens_per_s,
		       q->objective == PLAN_TOTAL ? "tokens/s in all"
						  : "tokens/s per GPU used");
	}
	print_top(q, "agg", &r->agg, o->top);
	print_top(q, "disagg", &r->disagg, o->top);
	printf("\nsearch took %.1f ms\n", ms);
}

/* --emit: launch files of the best configs; one line per setting the
 * backend lacks. Returns 0 or the exit code of the first failure. */
static int emit_best(const struct match_opts *o, const struct plan_query *q,
		     const struct plan_result *r)
{
	struct gen_opts go = {.backend = o->backend};
	struct gen_emitted em[2];
	int rc = gen_emit_best(o->emit, q, r, &go, em) ? EXIT_INPUT : 0;
	for (size_t m = 0; m < 2; m++) {
		if (em[m].present && em[m].status == SC_OK)
			printf("launch files (%s): %s/\n", o->backend,
			       em[m].dir);
		else if (em[m].present && em[m].n_unsupported) {
			fprintf(stderr,
				"servecal match: --emit %s: not written, %s "
				"lacks:\n",
				em[m].dir, o->backend);
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
	struct model_spec m;
	struct gpu_spec g;
	struct model_params p;
	struct plan_query q = {0};
	struct plan_result r = {0};
	char pfrom[2048];
	int exit_code = EXIT_OK_;
	if ((rc = model_spec_load(o.model, &m, &e)) ||
	    (rc = gpu_spec_load(o.gpu, &g, &e)))
		return cli_fail(&e);
	struct params_choice pc = {o.params, o.db, g.name,
				   o.backend_given ? o.backend : NULL, m.name};
	if ((rc = params_resolve(&pc, &p, pfrom, sizeof pfrom, &e)))
		return cli_fail(&e);
	if (dtype_parse(o.dtype, &q.wdtype) ||
	    dtype_parse(o.kvdtype ? o.kvdtype : o.dtype, &q.kvdtype))
		return cli_usage_error(
		    "match",
		    "--dtype/--kv-dtype: unknown dtype (bf16, fp8, fp4)");
	q.m = &m;
	q.g = &g;
	q.p = &p;
	snprintf(q.backend, sizeof q.backend, "%s", o.backend);
	snprintf(q.model_ref, sizeof q.model_ref, "%s",
		 catalog_is_path(o.model) ? "" : o.model);
	snprintf(q.gpu_ref, sizeof q.gpu_ref, "%s",
		 catalog_is_path(o.gpu) ? "" : o.gpu);
	q.wl = (struct perf_workload){(double)o.isl, (double)o.osl};
	q.sla.ttft_s = o.ttft_ms * 1e-3;
	q.sla.tpot_s = o.tpot_ms > 0 ? o.tpot_ms * 1e-3 : 1.0 / o.min_tps;
	q.sla.ttft_stat = o.ttft_stat;
	q.sla.ttft_margin_prompts = o.margin;
	q.sla.load_margin = o.load_margin;
	q.sla.tpot_stat = o.tpot_stat;
	q.objective = o.objective;
	q.total_gpus = o.total;
	q.max_gpus_per_worker = o.maxgpw;
	q.link = (struct kv_link){o.link_gbps, o.link_lat_us};
	q.do_agg = strcmp(o.mode, "disagg") != 0;
	q.do_disagg = strcmp(o.mode, "agg") != 0;

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
		print_table(&q, &o, &r, pfrom, ms);
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
};
