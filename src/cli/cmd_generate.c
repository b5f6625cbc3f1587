/* `servecal generate`: the launch files of deployment specs for one
 * backend (vLLM, SGLang, TensorRT-LLM, Dynamo, llama.cpp), one directory
 * per deployment. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "gen/emit.h"
#include "gen/gen.h"
#include "util/num.h"

#define MAX_DEPLOYMENTS 16

static const char usage[] =
    "usage: servecal generate --deployment FILE [--deployment FILE ...]\n"
    "         --backend vllm|sglang|trtllm|dynamo|llamacpp --out DIR "
    "[options]\n\n"
    "Writes the launch files of each deployment spec (match's deploy-*.json, "
    "or\n"
    "your own) for the backend into DIR/NAME/ (NAME: the spec's name):\n"
    "  run.sh          the commands per node: `./run.sh [NODE]` starts the\n"
    "                  workers (and the router or frontend) of that node\n"
    "  launch.json     the same as data; with one process, a \"launch\" "
    "object\n"
    "                  a campaign deployment takes as is\n"
    "  *.yaml          engine config files (TensorRT-LLM: "
    "extra-llm-api-ROLE.yaml,\n"
    "                  disagg.yaml) and, for dynamo, deploy.yaml: a\n"
    "                  DynamoGraphDeployment for Kubernetes\n"
    "  deployment.json the spec they came from\n"
    "Every setting of the spec (parallel sizes, max_batch, max_num_tokens, "
    "dtypes,\n"
    "the scheduler object, disagg roles) becomes a flag or config key of the\n"
    "engine, or is stated as the engine's own behaviour in run.sh; one the\n"
    "engine does not have is an error naming it. Prefix caching is off for\n"
    "calibration. The flag names, engine versions and their documentation are\n"
    "in src/gen/backends.c.\n";

static const char notes[] =
    "Exit codes: 0 ok, 1 cannot write, 2 usage, 3 bad spec or a setting the\n"
    "backend does not have.\n";

extern const struct cli_command cli_cmd_generate;

struct generate_opts {
	const char *deploys[MAX_DEPLOYMENTS];
	size_t n_deploys;
	const char *out;
	struct gen_opts g;
};

static int parse_deploy(const char *flag, const char *arg, void *opts)
{
	struct generate_opts *o = opts;
	if (o->n_deploys == MAX_DEPLOYMENTS)
		return cli_usage_error("generate", "at most %d %s files",
				       MAX_DEPLOYMENTS, flag);
	o->deploys[o->n_deploys++] = arg;
	return 0;
}

static int parse_port(const char *flag, const char *arg, void *opts)
{
	long v;
	int rc = cli_parse_long(flag, arg, 1, 65535, &v);
	((struct generate_opts *)opts)->g.port = (int)v;
	return rc;
}

#define O(f) offsetof(struct generate_opts, f)
static const struct cli_flag flags[] = {
    CLI_FLAG_CUSTOM(
	"deployment", "FILE", parse_deploy,
	"a deployment spec; repeatable (at most " CLI_STR(MAX_DEPLOYMENTS) ")",
	.required = true),
    CLI_FLAG_STR("backend", "B", O(g.backend),
		 "vllm, sglang, trtllm, dynamo or llamacpp", .required = true),
    CLI_FLAG_STR("out", "DIR", O(out), "where the directories go",
		 .required = true),
    CLI_FLAG_STR("engine", "E", O(g.engine),
		 "the engine Dynamo runs: vllm, sglang or trtllm",
		 .dflt =
		     "the spec's backend when it is one of those, else vllm"),
    CLI_FLAG_STR("model-path", "P", O(g.model_path),
		 "checkpoint the engine loads (required for llamacpp: the GGUF "
		 "file)",
		 .dflt = "the Hugging Face id of the spec's model and weight "
			 "dtype"),
    CLI_FLAG_LONG("max-model-len", "N", O(g.max_model_len), 2, NUM_TOKENS_MAX,
		  "tokens of one sequence, prompt plus output", .dflt = "8192"),
    CLI_FLAG_CUSTOM("port", "N", parse_port,
		    "the endpoint's port (in [1, 65535]); other processes use "
		    "the ports after it",
		    .dflt = "8000"),
    CLI_FLAG_LONG("gpus-per-node", "N", O(g.gpus_per_node), 1, 1024,
		  "GPUs of a node when placing workers",
		  .dflt = "the GPU spec's"),
    CLI_FLAG_STR("image", "IMAGE", O(g.image), "container image in deploy.yaml",
		 .dflt = "Dynamo's runtime image of the engine"),
};

static const struct cli_flagset flagset = {flags,
					   sizeof flags / sizeof flags[0], NULL,
					   sizeof(struct generate_opts), false};

static int parse(int argc, char **argv, struct generate_opts *o, bool *done)
{
	int first, rc = cli_flags_parse(&cli_cmd_generate, argc, argv, o,
					&first, done);
	if (rc || *done)
		return rc;
	if (!o->n_deploys || !o->g.backend || !o->out)
		return cli_usage_error(
		    "generate",
		    "--deployment, --backend and --out are required");
	if (!gen_backend_find(o->g.backend, o->g.engine))
		return cli_usage_error(
		    "generate",
		    "--backend must be one of %s (dynamo with --engine vllm, "
		    "sglang or trtllm), got '%s'%s%s",
		    gen_backend_names(), o->g.backend,
		    o->g.engine ? " --engine " : "",
		    o->g.engine ? o->g.engine : "");
	if (o->g.engine && strcmp(o->g.backend, "dynamo"))
		return cli_usage_error("generate",
				       "--engine is for --backend dynamo");
	return 0;
}

static int run(int argc, char **argv)
{
	struct generate_opts o;
	bool done = false;
	int rc = parse(argc, argv, &o, &done);
	if (rc || done)
		return rc;
	int exit_code = EXIT_OK_;
	for (size_t i = 0; i < o.n_deploys; i++) {
		struct sc_err e = {0};
		struct deploy_spec d;
		struct gen_plan p = {0};
		char dir[4096];
		if (deploy_load(o.deploys[i], &d, &e)) {
			exit_code = cli_fail(&e);
			continue;
		}
		snprintf(dir, sizeof dir, "%s/%s", o.out, d.name);
		if ((rc = gen_plan_build(&d, &o.g, &p, &e)) == SC_OK)
			rc = gen_write_dir(&p, dir, &e);
		if (rc && p.n_unsupported) {
			/* One line per setting: the message would cut them. */
			fprintf(stderr,
				"servecal: %s: %s cannot run deployment '%s' "
				"as specified:\n",
				o.deploys[i], p.b->title, d.name);
			for (size_t k = 0; k < p.n_unsupported; k++)
				fprintf(stderr, "  - %s\n", p.unsupported[k]);
			exit_code = cli_exit_of(e.status);
		} else if (rc) {
			sc_err_prefix(&e, "%s", o.deploys[i]);
			exit_code = cli_fail(&e);
		} else {
			printf(
			    "%s: %s, %zu process(es) on %ld node(s) -> %s/\n",
			    d.name, p.b->title, p.n_procs, p.nodes, dir);
		}
		gen_plan_release(&p);
		deploy_release(&d);
	}
	return exit_code;
}

const struct cli_command cli_cmd_generate = {
    .name = "generate",
    .summary = "launch files of deployment specs for vLLM, SGLang, "
	       "TensorRT-LLM, Dynamo or llama.cpp",
    .usage = usage,
    .run = run,
    .flags = &flagset,
    .notes = notes,
};
