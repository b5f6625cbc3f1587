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
    "         --backend vllm|sglang|trtllm|dynamo|llamacpp --out DIR\n"
    "         [--engine vllm|sglang|trtllm] [--model-path PATH] "
    "[--max-model-len N]\n"
    "         [--port N] [--gpus-per-node N] [--image IMAGE]\n\n"
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
    "in src/gen/backends.c.\n\n"
    "  --engine E        the engine Dynamo runs (default: the spec's backend "
    "when\n"
    "                    it is vllm, sglang or trtllm, else vllm)\n"
    "  --model-path P    checkpoint the engine loads (default: the Hugging "
    "Face id\n"
    "                    of the spec's model and weight dtype; required for\n"
    "                    llamacpp: the GGUF file)\n"
    "  --max-model-len N tokens of one sequence, prompt plus output (default "
    "8192)\n"
    "  --port N          the endpoint's port (default 8000); other processes "
    "use\n"
    "                    the ports after it\n"
    "  --gpus-per-node N GPUs of a node when placing workers (default: the "
    "GPU\n"
    "                    spec's)\n"
    "  --image IMAGE     container image in deploy.yaml (default: Dynamo's "
    "runtime\n"
    "                    image of the engine)\n"
    "Exit codes: 0 ok, 1 cannot write, 2 usage, 3 bad spec or a setting the\n"
    "backend does not have.\n";

enum {
	O_DEPLOY = 256,
	O_BACKEND,
	O_OUT,
	O_ENGINE,
	O_MODELPATH,
	O_MAXLEN,
	O_PORT,
	O_GPN,
	O_IMAGE
};

static const struct option longopts[] = {
    {"deployment", required_argument, NULL, O_DEPLOY},
    {"backend", required_argument, NULL, O_BACKEND},
    {"out", required_argument, NULL, O_OUT},
    {"engine", required_argument, NULL, O_ENGINE},
    {"model-path", required_argument, NULL, O_MODELPATH},
    {"max-model-len", required_argument, NULL, O_MAXLEN},
    {"port", required_argument, NULL, O_PORT},
    {"gpus-per-node", required_argument, NULL, O_GPN},
    {"image", required_argument, NULL, O_IMAGE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

extern const struct cli_command cli_cmd_generate;

struct generate_opts {
	const char *deploys[MAX_DEPLOYMENTS];
	size_t n_deploys;
	const char *out;
	struct gen_opts g;
};

static int parse(int argc, char **argv, struct generate_opts *o, bool *done)
{
	memset(o, 0, sizeof *o);
	long v;
	int c;
	while ((c = cli_getopt(argc, argv, "h", longopts, &cli_cmd_generate,
			       done)) != -1) {
		int rc = 0;
		switch (c) {
		case O_DEPLOY:
			if (o->n_deploys == MAX_DEPLOYMENTS)
				return cli_usage_error(
				    "generate", "at most %d --deployment files",
				    MAX_DEPLOYMENTS);
			o->deploys[o->n_deploys++] = optarg;
			break;
		case O_BACKEND:
			o->g.backend = optarg;
			break;
		case O_OUT:
			o->out = optarg;
			break;
		case O_ENGINE:
			o->g.engine = optarg;
			break;
		case O_MODELPATH:
			o->g.model_path = optarg;
			break;
		case O_IMAGE:
			o->g.image = optarg;
			break;
		case O_MAXLEN:
			rc =
			    cli_parse_long("--max-model-len", optarg, 2,
					   NUM_TOKENS_MAX, &o->g.max_model_len);
			break;
		case O_PORT:
			rc = cli_parse_long("--port", optarg, 1, 65535, &v);
			o->g.port = (int)v;
			break;
		case O_GPN:
			rc = cli_parse_long("--gpus-per-node", optarg, 1, 1024,
					    &o->g.gpus_per_node);
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
		return cli_usage_error("generate", "unexpected argument '%s'",
				       argv[optind]);
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
};
