/* `servecal import`: converts result files of other load generators into
 * servecal's results layout (DIR/LEVEL/summary.json, DIR/summary.csv,
 * DIR/run.json) so runs people already have can be calibrated against. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "config.h"
#include "load/results.h"
#include "metrics/importer.h"
#include "metrics/table.h"
#include "model/deploy.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/jsonio.h"
#include "util/xalloc.h"

static const char usage[] =
    "usage: servecal import aiperf|vllm FILE... --out DIR [--gpus N | "
    "--deployment FILE]\n"
    "       servecal import table FILE.jsonl|FILE.csv [--map FIELD=COLUMN,...] "
    "--out DIR\n\n"
    "Converts benchmark results from other tools into servecal's summary "
    "format:\n"
    "  aiperf  profile_export.jsonl (per request; statistics recomputed) or\n"
    "          profile_export_aiperf.json (aggregate statistics)\n"
    "  vllm    `vllm bench serve --save-result` JSON (per-request arrays are\n"
    "          used when saved with --save-detailed)\n"
    "Each file becomes one level, DIR/cN (or rR from the request rate) with a\n"
    "summary.json; DIR/summary.csv lists them. Metrics the source lacks are "
    "null\n"
    "and named in the summary's \"missing\" list. FILE - reads stdin. Values "
    "out\n"
    "of range (a negative latency or count, a timestamp past 4e18 ns, more\n"
    "completed than sent) make the file bad input (README.md, ranges).\n"
    "  table   a table of published measurements, one row per point (JSONL "
    "like\n"
    "          ../shared/published/measurements.jsonl, or CSV with a header):\n"
    "          DIR/CONFIG/deployment.json per configuration and "
    "DIR/CONFIG/LEVEL/\n"
    "          summary.json per row, LEVEL cN (concurrency), rR (request "
    "rate),\n"
    "          burst (all at once), prefill or decodeB (one disaggregated "
    "pool\n"
    "          alone). --map names the column of a field where the names "
    "differ\n"
    "          (README.md, servecal import table).\n"
    "Exit codes: 0 ok, 1 runtime failure, 2 usage, 3 bad input file.\n";

enum { O_OUT = 256, O_GPUS, O_DEPLOY, O_MAP };

static const struct option longopts[] = {
    {"out", required_argument, NULL, O_OUT},
    {"gpus", required_argument, NULL, O_GPUS},
    {"deployment", required_argument, NULL, O_DEPLOY},
    {"map", required_argument, NULL, O_MAP},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

extern const struct cli_command cli_cmd_import;

#define IMPORT_MAX_FILES 256

/* `import table FILE`: every configuration of the table in its own
 * results directory under out. */
static int import_table(const char *file, const char *map, const char *out)
{
	struct sc_err e = {0};
	struct table_result t;
	int exit_code = EXIT_OK_;
	char path[1200];
	char **names = NULL;
	if (table_import(file, map, &t, &e) || fs_mkdir_p(out, &e)) {
		exit_code = cli_fail(&e);
		goto done;
	}
	for (size_t c = 0; c < t.n_configs; c++) {
		const struct table_config *tc = &t.configs[c];
		char dir[1100];
		snprintf(dir, sizeof dir, "%s/%s", out, tc->name);
		names = xcalloc(tc->n_levels, sizeof *names);
		int rc = fs_mkdir_p(dir, &e);
		snprintf(path, sizeof path, "%s/deployment.json", dir);
		if (!rc)
			rc = jsonio_save_file(path, tc->deployment, &e);
		snprintf(path, sizeof path, "%s/run.json", dir);
		if (!rc)
			rc = jsonio_save_file(path, tc->run, &e);
		for (size_t i = 0; !rc && i < tc->n_levels; i++) {
			const struct table_level *lv = &tc->levels[i];
			snprintf(path, sizeof path, "%s/%s", dir, lv->name);
			rc = fs_mkdir_p(path, &e);
			if (!rc)
				rc = results_write_summary(dir, lv->name,
							   lv->summary, &e);
			names[i] = (char *)lv->name;
			if (!rc)
				printf("%s:%ld -> %s/%s/summary.json\n", file,
				       lv->row, dir, lv->name);
		}
		if (!rc)
			rc = results_write_csv(dir, names, tc->n_levels, &e);
		free(names);
		names = NULL;
		if (rc) {
			exit_code = cli_fail(&e);
			goto done;
		}
	}
	printf("%zu rows -> %zu configurations under %s\n", t.rows, t.n_configs,
	       out);
done:
	table_result_release(&t);
	return exit_code;
}

static int run(int argc, char **argv)
{
	const char *out = NULL, *deploy = NULL, *map = NULL;
	long gpus = 0;
	bool done = false;
	int c;
	while ((c = cli_getopt(argc, argv, "h", longopts, &cli_cmd_import,
			       &done)) != -1) {
		int rc = 0;
		switch (c) {
		case O_OUT:
			out = optarg;
			break;
		case O_DEPLOY:
			deploy = optarg;
			break;
		case O_MAP:
			map = optarg;
			break;
		case O_GPUS:
			rc =
			    cli_parse_long("--gpus", optarg, 1, 1000000, &gpus);
			break;
		default:
			return EXIT_USAGE;
		}
		if (rc)
			return rc;
	}
	if (done)
		return EXIT_OK_;
	if (optind >= argc)
		return cli_usage_error(
		    "import", "give the source tool: aiperf, vllm or table");
	const char *tool = argv[optind++];
	if (!strcmp(tool, "table")) {
		if (argc - optind != 1)
			return cli_usage_error("import",
					       "table takes one FILE");
		if (!out)
			return cli_usage_error("import",
					       "--out DIR is required");
		if (gpus || deploy)
			return cli_usage_error(
			    "import", "a table states its configurations: "
				      "--gpus and --deployment do not apply");
		return import_table(argv[optind], map, out);
	}
	if (map)
		return cli_usage_error("import",
				       "--map applies to tables only");
	enum import_source src;
	if (!strcmp(tool, "aiperf"))
		src = IMPORT_AIPERF;
	else if (!strcmp(tool, "vllm"))
		src = IMPORT_VLLM;
	else
		return cli_usage_error(
		    "import", "unknown source '%s' (aiperf, vllm or table)",
		    tool);
	if (optind >= argc)
		return cli_usage_error("import", "give at least one FILE");
	if (argc - optind > IMPORT_MAX_FILES)
		return cli_usage_error("import", "at most %d files",
				       IMPORT_MAX_FILES);
	int n_stdin = 0;
	for (int i = optind; i < argc; i++)
		n_stdin += !strcmp(argv[i], "-");
	if (n_stdin > 1)
		return cli_usage_error("import",
				       "'-' (stdin) can be given once");
	if (!out)
		return cli_usage_error("import", "--out DIR is required");
	if (gpus && deploy)
		return cli_usage_error("import",
				       "give --gpus or --deployment, not both");
	struct sc_err e = {0};
	int exit_code = EXIT_OK_;
	struct deploy_spec dep;
	bool have_dep = false;
	char **names = xcalloc(IMPORT_MAX_FILES, sizeof *names);
	size_t n_names = 0;
	cJSON *run_j = NULL;
	if (deploy) {
		if (deploy_load(deploy, &dep, &e)) {
			exit_code = cli_fail(&e);
			goto done;
		}
		have_dep = true;
		gpus = deploy_gpus(&dep);
	}
	if (fs_mkdir_p(out, &e)) {
		exit_code = cli_fail(&e);
		goto done;
	}
	char path[1100];
	if (have_dep) {
		snprintf(path, sizeof path, "%s/deployment.json", out);
		if (results_copy_file(deploy, path, &e)) {
			exit_code = cli_fail(&e);
			goto done;
		}
	}
	for (int i = optind; i < argc; i++) {
		struct import_level lv;
		if (import_file(src, argv[i], gpus, &lv, &e)) {
			exit_code = cli_fail(&e);
			goto done;
		}
		/* Two files of the same level get distinct directories. */
		char name[96];
		snprintf(name, sizeof name, "%s", lv.level);
		for (int k = 2;; k++) {
			bool taken = false;
			for (size_t j = 0; j < n_names; j++)
				taken |= !strcmp(names[j], name);
			if (!taken)
				break;
			snprintf(name, sizeof name, "%s-%d", lv.level, k);
		}
		snprintf(path, sizeof path, "%s/%s", out, name);
		int rc = fs_mkdir_p(path, &e);
		if (!rc)
			rc = results_write_summary(out, name, lv.summary, &e);
		cJSON_Delete(lv.summary);
		if (rc) {
			exit_code = cli_fail(&e);
			goto done;
		}
		names[n_names++] = xstrdup(name);
		printf("%s -> %s/%s/summary.json\n", argv[i], out, name);
	}
	if (results_write_csv(out, names, n_names, &e)) {
		exit_code = cli_fail(&e);
		goto done;
	}
	run_j = cJSON_CreateObject();
	cJSON_AddStringToObject(run_j, "servecal_version", PACKAGE_VERSION);
	cJSON *cmd = cJSON_AddArrayToObject(run_j, "command");
	cJSON_AddItemToArray(cmd, cJSON_CreateString("servecal"));
	for (int i = 0; i < argc; i++)
		cJSON_AddItemToArray(cmd, cJSON_CreateString(argv[i]));
	cJSON_AddStringToObject(run_j, "source", tool);
	cJSON_AddNullToObject(run_j, "url");
	if (have_dep)
		cJSON_AddStringToObject(run_j, "deployment", dep.name);
	else
		cJSON_AddNullToObject(run_j, "deployment");
	if (gpus > 0)
		cJSON_AddNumberToObject(run_j, "gpus", (double)gpus);
	else
		cJSON_AddNullToObject(run_j, "gpus");
	char now[64];
	clock_wall_iso(now, sizeof now);
	cJSON_AddStringToObject(run_j, "imported_wall", now);
	cJSON_AddStringToObject(run_j, "mode", "imported");
	snprintf(path, sizeof path, "%s/run.json", out);
	if (jsonio_save_file(path, run_j, &e))
		exit_code = cli_fail(&e);
done:
	cJSON_Delete(run_j);
	if (have_dep)
		deploy_release(&dep);
	for (size_t i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	return exit_code;
}

const struct cli_command cli_cmd_import = {
    .name = "import",
    .summary =
	"convert aiperf or vLLM benchmark results into servecal summaries",
    .usage = usage,
    .run = run,
};
