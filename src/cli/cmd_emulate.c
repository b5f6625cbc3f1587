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
    "\"emulator\" section (model priors, 3% noise and seed 1 without it).\n";

static const char notes[] =
    "The --fault-* rates are per request and override emulator.faults.\n"
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

struct emu_opts {
	const char *deploy, *host, *trace;
	long port, seed, idle_ms, write_ms;
	double rates[EMU_FAULT_COUNT];
	bool rate_set[EMU_FAULT_COUNT];
	double stall_ms;
};

#define O(f) offsetof(struct emu_opts, f)
/* A fault rate flag, named as typed (--fault-http-429), not as the
 * fault's name in files (http_429). */
#define FAULT(name, k, h)                                                      \
	CLI_FLAG_REAL(name, "R", O(rates[k]), 0, 1, h,                         \
		      .given_off = CLI_GIVEN(struct emu_opts, rate_set[k]),    \
		      .dflt = "emulator.faults'")
static const struct cli_flag flags[] = {
    CLI_FLAG_STR("deployment", "FILE", O(deploy), "deployment spec",
		 .short_name = 'd', .required = true),
    CLI_FLAG_STR("host", "ADDR", O(host),
		 "listen address: IPv4, IPv6 or localhost"),
    CLI_FLAG_LONG("port", "N", O(port), 0, 65535, "port; 0 picks a free one",
		  .short_name = 'p'),
    CLI_FLAG_STR("trace", "FILE", O(trace),
		 "JSONL: per-request times and every token write"),
    CLI_FLAG_LONG("seed", "N", O(seed), 0, 0x7fffffffffffffffL,
		  "overrides emulator.seed"),
    FAULT("fault-http-429", EMU_FAULT_HTTP429, "rate of 429 answers"),
    FAULT("fault-http-500", EMU_FAULT_HTTP500, "rate of 500 answers"),
    FAULT("fault-http-503", EMU_FAULT_HTTP503, "rate of 503 answers"),
    FAULT("fault-error-chunk", EMU_FAULT_ERROR_CHUNK,
	  "rate of streams ending in an error chunk"),
    FAULT("fault-drop", EMU_FAULT_DROP, "rate of dropped connections"),
    FAULT("fault-stall", EMU_FAULT_STALL, "rate of stalled streams"),
    FAULT("fault-malformed", EMU_FAULT_MALFORMED, "rate of malformed chunks"),
    CLI_FLAG_REAL("fault-stall-ms", "MS", O(stall_ms), 0, EMU_MAX_STALL_FLAG_MS,
		  "length of a stall", .dflt = "2000, or emulator.faults'"),
    CLI_FLAG_LONG("idle-timeout-ms", "MS", O(idle_ms), 1,
		  EMU_MAX_TIMEOUT_FLAG_MS,
		  "a connection must deliver a whole request within MS of "
		  "opening or of its previous response, else it is closed "
		  "(408 if it sent part of one)",
		  .dflt = "30000"),
    CLI_FLAG_LONG("write-timeout-ms", "MS", O(write_ms), 1,
		  EMU_MAX_TIMEOUT_FLAG_MS,
		  "a client that reads none of its pending output for MS is "
		  "disconnected and its request ended",
		  .dflt = "30000"),
};

static const struct emu_opts defaults = {
    .host = "127.0.0.1", .port = 8000, .seed = -1, .stall_ms = -1};

static const struct cli_flagset flagset = {
    flags, sizeof flags / sizeof flags[0], &defaults, sizeof defaults, false};

const struct cli_command cli_cmd_emulate = {
    .name = "emulate",
    .summary = "serve an emulated OpenAI-compatible engine for a deployment",
    .usage = usage,
    .run = run,
    .flags = &flagset,
    .notes = notes,
};

static int run(int argc, char **argv)
{
	struct emu_opts o;
	bool done = false;
	int first, rc = cli_flags_parse(&cli_cmd_emulate, argc, argv, &o,
					&first, &done);
	if (rc || done)
		return rc;
	if (!o.deploy)
		return cli_usage_error("emulate",
				       "--deployment FILE is required");
	if (!host_ok(o.host))
		return cli_usage_error("emulate",
				       "--host must be an IPv4 or IPv6 address "
				       "or localhost, got '%s'",
				       o.host);

	struct sc_err e = {0};
	struct deploy_spec d;
	memset(&d, 0, sizeof d);
	if ((rc = deploy_load(o.deploy, &d, &e)))
		return cli_fail(&e);
	struct emu_server_cfg cfg = {.d = &d,
				     .host = o.host,
				     .port = (int)o.port,
				     .trace_path = o.trace,
				     .idle_timeout_ms = o.idle_ms,
				     .write_timeout_ms = o.write_ms,
				     .on_log = log_line};
	if ((rc =
		 emu_truth_from_json(d.emulator, "emulator", &cfg.truth, &e))) {
		sc_err_prefix(&e, "%s", o.deploy);
		rc = cli_fail(&e);
		goto out;
	}
	if (o.seed >= 0)
		cfg.truth.seed = (uint64_t)o.seed;
	for (int f = 0; f < EMU_FAULT_COUNT; f++)
		if (o.rate_set[f])
			cfg.truth.faults.rate[f] = o.rates[f];
	if (o.stall_ms >= 0)
		cfg.truth.faults.stall_s = o.stall_ms / 1e3;
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
			sc_err_prefix(&e, "%s", o.deploy);
		rc = cli_fail(&e);
		goto out;
	}
	printf("http://%s%s%s:%d\n", strchr(o.host, ':') ? "[" : "", o.host,
	       strchr(o.host, ':') ? "]" : "", emu_server_port(srv));
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
