/* servecal emulate: serves an OpenAI-compatible emulated engine for a
 * deployment spec until SIGINT/SIGTERM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/resource.h>

#include "cli/cli.h"
#include "emu/emu_server.h"
#include "emu/emu_truth.h"
#include "model/deploy.h"

static const char usage[] =
    "usage: servecal emulate --deployment FILE [options]\n"
    "\n"
    "Serves /v1/completions, /v1/chat/completions, /v1/models, /health and\n"
    "/metrics for an agg or disagg deployment, with continuous batching in\n"
    "real time. Step times come from the ground truth in the deployment's\n"
    "\"emulator\" section (model priors, 3% noise and seed 1 without it).\n"
    "\n"
    "options:\n"
    "  -d, --deployment FILE   deployment spec (required)\n"
    "      --host ADDR         listen address: IPv4, IPv6 or localhost\n"
    "                          (default 127.0.0.1)\n"
    "  -p, --port N            port; 0 picks a free one (default 8000)\n"
    "      --trace FILE        JSONL: per-request times and every token write\n"
    "      --seed N            overrides emulator.seed\n"
    "      --fault-http-429 R, --fault-http-500 R, --fault-http-503 R,\n"
    "      --fault-error-chunk R, --fault-drop R, --fault-stall R,\n"
    "      --fault-malformed R per-request fault rates in [0,1] (override\n"
    "                          emulator.faults)\n"
    "      --fault-stall-ms MS length of a stall in [0, 600000] (default "
    "2000)\n"
    "      --idle-timeout-ms MS  a connection must deliver a whole request\n"
    "                          within MS of opening or of its previous\n"
    "                          response, else it is closed (408 if it sent\n"
    "                          part of one); default 30000\n"
    "      --write-timeout-ms MS  a client that reads none of its pending\n"
    "                          output for MS is disconnected and its request\n"
    "                          ended; default 30000\n"
    "  -h, --help              this text\n"
    "\n"
    "The first line of stdout is the URL served (e.g. http://127.0.0.1:8000).\n"
    "Exit codes: 0 stopped by a signal, 1 runtime failure, 2 usage,\n"
    "3 bad deployment file.\n";

static int run(int argc, char **argv);

/* Longest --idle-timeout-ms / --write-timeout-ms (one hour). */
#define EMU_MAX_TIMEOUT_FLAG_MS 3600000L

/* The server's rare reports (accept failures, at most one a second). */
static void log_line(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "servecal emulate: %s\n", msg);
}

/* Longest stall --fault-stall-ms may ask (10 minutes, as the file's). */
#define EMU_MAX_STALL_FLAG_MS 600000.0

/* A listen address the server can bind without a name lookup: a numeric
 * address or localhost (the emulator serves loopback and test networks;
 * "garbage" failed at bind time as a runtime error). */
static bool host_ok(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];
	return !strcmp(host, "localhost") ||
	       inet_pton(AF_INET, host, buf) == 1 ||
	       inet_pton(AF_INET6, host, buf) == 1;
}

const struct cli_command cli_cmd_emulate = {
    .name = "emulate",
    .summary = "serve an emulated OpenAI-compatible engine for a deployment",
    .usage = usage,
    .run = run,
};

enum {
	OPT_HOST = 1000,
	OPT_TRACE,
	OPT_SEED,
	OPT_STALL_MS,
	OPT_IDLE_MS,
	OPT_WRITE_MS,
	OPT_FAULT0 /* + fault kind */
};

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"deployment", required_argument, NULL, 'd'},
	    {"host", required_argument, NULL, OPT_HOST},
	    {"port", required_argument, NULL, 'p'},
	    {"trace", required_argument, NULL, OPT_TRACE},
	    {"seed", required_argument, NULL, OPT_SEED},
	    {"fault-http-429", required_argument, NULL,
	     OPT_FAULT0 + EMU_FAULT_HTTP429},
	    {"fault-http-500", required_argument, NULL,
	     OPT_FAULT0 + EMU_FAULT_HTTP500},
	    {"fault-http-503", required_argument, NULL,
	     OPT_FAULT0 + EMU_FAULT_HTTP503},
	    {"fault-error-chunk", required_argument, NULL,
	     OPT_FAULT0 + EMU_FAULT_ERROR_CHUNK},
	    {"fault-drop", required_argument, NULL,
	     OPT_FAULT0 + EMU_FAULT_DROP},
	    {"fault-stall", required_argument, NULL,
	     OPT_FAULT0 + EMU_FAULT_STALL},
	    {"fault-malformed", required_argument, NULL,
	     OPT_FAULT0 + EMU_FAULT_MALFORMED},
	    {"fault-stall-ms", required_argument, NULL, OPT_STALL_MS},
	    {"idle-timeout-ms", required_argument, NULL, OPT_IDLE_MS},
	    {"write-timeout-ms", required_argument, NULL, OPT_WRITE_MS},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *dep_path = NULL, *host = "127.0.0.1", *trace = NULL;
	long port = 8000, seed = -1, idle_ms = 0, write_ms = 0;
	double rates[EMU_FAULT_COUNT];
	bool rate_set[EMU_FAULT_COUNT] = {false};
	double stall_ms = -1;
	bool done = false;
	int c, rc;
	optind = 1;
	while ((c = cli_getopt(argc, argv, "d:p:h", opts, &cli_cmd_emulate,
			       &done)) != -1) {
		if (c == -2)
			return EXIT_USAGE;
		switch (c) {
		case 'd':
			dep_path = optarg;
			break;
		case OPT_HOST:
			host = optarg;
			break;
		case 'p':
			if ((rc = cli_parse_long("--port", optarg, 0, 65535,
						 &port)))
				return rc;
			break;
		case OPT_TRACE:
			trace = optarg;
			break;
		case OPT_SEED:
			if ((rc = cli_parse_long("--seed", optarg, 0,
						 0x7fffffffffffffffL, &seed)))
				return rc;
			break;
		case OPT_STALL_MS:
			if ((rc = cli_parse_real("--fault-stall-ms", optarg, 0,
						 EMU_MAX_STALL_FLAG_MS,
						 &stall_ms)))
				return rc;
			break;
		case OPT_IDLE_MS:
			if ((rc = cli_parse_long("--idle-timeout-ms", optarg, 1,
						 EMU_MAX_TIMEOUT_FLAG_MS,
						 &idle_ms)))
				return rc;
			break;
		case OPT_WRITE_MS:
			if ((rc = cli_parse_long("--write-timeout-ms", optarg,
						 1, EMU_MAX_TIMEOUT_FLAG_MS,
						 &write_ms)))
				return rc;
			break;
		default: {
			int f = c - OPT_FAULT0;
			if (f < 0 || f >= EMU_FAULT_COUNT)
				return cli_usage_error("emulate",
						       "unexpected option");
			/* The flag as typed (--fault-http-429), not the fault's
			 * name in files (http_429). */
			char flag[64] = "--fault";
			for (const struct option *o = opts; o->name; o++)
				if (o->val == c)
					snprintf(flag, sizeof flag, "--%s",
						 o->name);
			if ((rc =
				 cli_parse_real(flag, optarg, 0, 1, &rates[f])))
				return rc;
			rate_set[f] = true;
		}
		}
	}
	if (done)
		return EXIT_OK_;
	if (optind < argc)
		return cli_usage_error("emulate", "unexpected argument '%s'",
				       argv[optind]);
	if (!dep_path)
		return cli_usage_error("emulate",
				       "--deployment FILE is required");
	if (!host_ok(host))
		return cli_usage_error("emulate",
				       "--host must be an IPv4 or IPv6 address "
				       "or localhost, got '%s'",
				       host);

	struct sc_err e = {0};
	struct deploy_spec d;
	memset(&d, 0, sizeof d);
	if ((rc = deploy_load(dep_path, &d, &e)))
		return cli_fail(&e);
	struct emu_server_cfg cfg = {.d = &d,
				     .host = host,
				     .port = (int)port,
				     .trace_path = trace,
				     .idle_timeout_ms = idle_ms,
				     .write_timeout_ms = write_ms,
				     .on_log = log_line};
	if ((rc =
		 emu_truth_from_json(d.emulator, "emulator", &cfg.truth, &e))) {
		sc_err_prefix(&e, "%s", dep_path);
		rc = cli_fail(&e);
		goto out;
	}
	if (seed >= 0)
		cfg.truth.seed = (uint64_t)seed;
	for (int f = 0; f < EMU_FAULT_COUNT; f++)
		if (rate_set[f])
			cfg.truth.faults.rate[f] = rates[f];
	if (stall_ms >= 0)
		cfg.truth.faults.stall_s = stall_ms / 1e3;
	if (emu_faults_check(&cfg.truth.faults, &e)) {
		rc = cli_usage_error("emulate", "%s", e.msg);
		goto out;
	}
	/* One descriptor per client stream: allow as many as the hard limit. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	struct emu_server *srv = emu_server_new(&cfg, &e);
	if (!srv) {
		if (e.status == SC_EINPUT)
			sc_err_prefix(&e, "%s", dep_path);
		rc = cli_fail(&e);
		goto out;
	}
	printf("http://%s%s%s:%d\n", strchr(host, ':') ? "[" : "", host,
	       strchr(host, ':') ? "]" : "", emu_server_port(srv));
	fflush(stdout);
	fprintf(stderr,
		"servecal emulate: %s deployment '%s' (%s), Ctrl-C stops\n",
		deploy_mode_name(d.mode), d.name, d.model.name);
	rc = emu_server_run(srv, &e) ? cli_fail(&e) : EXIT_OK_;
	emu_server_free(srv);
out:
	deploy_release(&d);
	return rc;
}
