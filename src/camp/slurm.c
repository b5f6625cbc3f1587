/* Slurm deployments: the job script (from the generated launch plan), and
 * the job's life through sbatch, squeue and scancel. */
#include "camp/slurm.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "camp/clicmd.h"
#include "camp/health.h"
#include "camp/launch.h"
#include "gen/emit.h"
#include "gen/gen.h"
#include "gen/shell.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/jsonio.h"
#include "util/num.h"
#include "util/textbuf.h"
#include "util/xalloc.h"

#define TIMEOUT_MAX_S 604800.0 /* a week in a queue is enough */
#define POLL_MIN_S    0.1
#define POLL_MAX_S    600.0
/* A scheduler command that hangs (a dead slurmctld) must not hang us. */
#define CMD_TIMEOUT_S	 120.0
#define CANCEL_TIMEOUT_S 60.0
#define TAIL_BYTES	 2048

static const char *const keys[] = {
    "partition",       "account", "qos",    "time",	   "nodes",
    "gpus_per_node",   "backend", "engine", "model_path",  "port",
    "max_model_len",   "health",  "env",    "sbatch_args", "queue_timeout_s",
    "ready_timeout_s", "poll_s",  NULL};

/* snprintf for paths and messages that are cut to their buffer on
 * purpose (the buffers are sized for real names; a longer one is cut). */
static void fmt_to(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fmt_to(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* Job states as squeue prints them (%T), and what they mean here. */
enum qstate { Q_WAIT, Q_RUN, Q_END };
static const struct {
	const char *name;
	enum qstate q;
} states[] = {
    {"PENDING", Q_WAIT},      {"CONFIGURING", Q_WAIT}, {"REQUEUED", Q_WAIT},
    {"REQUEUE_HOLD", Q_WAIT}, {"REQUEUE_FED", Q_WAIT}, {"RESIZING", Q_WAIT},
    {"SUSPENDED", Q_WAIT},    {"RUNNING", Q_RUN},      {"COMPLETING", Q_END},
    {"COMPLETED", Q_END},     {"FAILED", Q_END},       {"CANCELLED", Q_END},
    {"TIMEOUT", Q_END},	      {"NODE_FAIL", Q_END},    {"OUT_OF_MEMORY", Q_END},
    {"PREEMPTED", Q_END},     {"BOOT_FAIL", Q_END},    {"DEADLINE", Q_END},
    {"REVOKED", Q_END},	      {"SPECIAL_EXIT", Q_END}, {"STOPPED", Q_END},
};

static enum qstate qstate_of(const char *s)
{
	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
		if (!strcmp(states[i].name, s))
			return states[i].q;
	return Q_WAIT; /* a state this table does not know: keep waiting */
}

/* Characters an #SBATCH value may hold (no shell, no newline). */
static bool sbatch_safe(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("_-.,:=/+@%[]", *s)))
			return false;
	return true;
}

/* The field as a string of at most len - 1 characters, restricted to what an
 * #SBATCH value may hold when sbatch is set. */
static int str_field(const cJSON *j, const char *key, char *buf, size_t len,
		     bool sbatch, const char *where, struct sc_err *e)
{
	return jsonio_str_copy(j, key, buf, len, sbatch ? "_-.,:=/+@%[]" : NULL,
			       where, e);
}

static int parse_sbatch_args(const cJSON *j, const char *where,
			     struct slurm_spec *s, struct sc_err *e)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "sbatch_args");
	if (!a)
		return SC_OK;
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > SLURM_MAX_SBATCH_ARGS)
		return sc_err_set(e, SC_EINPUT,
				  "%s: field 'sbatch_args': must be a list of "
				  "at most %d options",
				  where, SLURM_MAX_SBATCH_ARGS);
	s->sbatch_args =
	    xcalloc(SLURM_MAX_SBATCH_ARGS + 1, sizeof *s->sbatch_args);
	const cJSON *it;
	cJSON_ArrayForEach(it, a)
	{
		if (!cJSON_IsString(it) || strncmp(it->valuestring, "--", 2) ||
		    !sbatch_safe(it->valuestring))
			return sc_err_set(
			    e, SC_EINPUT,
			    "%s: field 'sbatch_args': entries must be options "
			    "like \"--exclusive\" (letters, digits, "
			    "_-.,:=/+@%%[]), got %s",
			    where,
			    cJSON_IsString(it) ? it->valuestring
					       : "a non-string");
		s->sbatch_args[s->n_sbatch_args++] = xstrdup(it->valuestring);
	}
	return SC_OK;
}

int slurm_spec_from_json(const cJSON *j, const char *where,
			 struct slurm_spec *s, struct sc_err *e)
{
	memset(s, 0, sizeof *s);
	if (!cJSON_IsObject(j))
		return sc_err_set(e, SC_EINPUT,
				  "%s: must be an object: {\"partition\": ..., "
				  "\"time\": ..., ...}",
				  where);
	long port;
	int rc;
	if ((rc = jsonio_known_keys(j, keys, where, e)) ||
	    (rc = str_field(j, "partition", s->partition, sizeof s->partition,
			    true, where, e)) ||
	    (rc = str_field(j, "account", s->account, sizeof s->account, true,
			    where, e)) ||
	    (rc = str_field(j, "qos", s->qos, sizeof s->qos, true, where, e)) ||
	    (rc = str_field(j, "time", s->time_limit, sizeof s->time_limit,
			    true, where, e)) ||
	    (rc = str_field(j, "backend", s->backend, sizeof s->backend, true,
			    where, e)) ||
	    (rc = str_field(j, "engine", s->engine, sizeof s->engine, true,
			    where, e)) ||
	    (rc = str_field(j, "model_path", s->model_path,
			    sizeof s->model_path, false, where, e)) ||
	    (rc = str_field(j, "health", s->health, sizeof s->health, true,
			    where, e)) ||
	    (rc = jsonio_int(j, "nodes", false, 0, 1, 10000, &s->nodes, where,
			     e)) ||
	    (rc = jsonio_int(j, "gpus_per_node", false, 0, 1, 1024,
			     &s->gpus_per_node, where, e)) ||
	    (rc = jsonio_int(j, "port", false, 8000, 1, 65535, &port, where,
			     e)) ||
	    (rc = jsonio_int(j, "max_model_len", false, 0, 2, NUM_TOKENS_MAX,
			     &s->max_model_len, where, e)) ||
	    (rc = jsonio_range(j, "queue_timeout_s", false, 3600, 1,
			       TIMEOUT_MAX_S, &s->queue_timeout_s, where, e)) ||
	    (rc = jsonio_range(j, "ready_timeout_s", false, 1800, 1,
			       TIMEOUT_MAX_S, &s->ready_timeout_s, where, e)) ||
	    (rc = jsonio_range(j, "poll_s", false, 10, POLL_MIN_S, POLL_MAX_S,
			       &s->poll_s, where, e)) ||
	    (rc =
		 launch_env_from_json(j, where, true, &s->env, &s->n_env, e)) ||
	    (rc = parse_sbatch_args(j, where, s, e)))
		return rc;
	s->port = (int)port;
	if (s->backend[0] &&
	    !gen_backend_find(s->backend, s->engine[0] ? s->engine : NULL))
		return sc_err_set(
		    e, SC_EINPUT,
		    "%s: field 'backend': must be one of %s (dynamo with "
		    "'engine' vllm, sglang or trtllm), got '%s'",
		    where, gen_backend_names(), s->backend);
	if (s->health[0] && s->health[0] != '/')
		return sc_err_set(e, SC_EINPUT,
				  "%s: field 'health': must be a path starting "
				  "with '/', got '%s'",
				  where, s->health);
	return SC_OK;
}

void slurm_spec_release(struct slurm_spec *s)
{
	for (size_t i = 0; s->env && i < s->n_env; i++)
		free(s->env[i]);
	for (size_t i = 0; s->sbatch_args && i < s->n_sbatch_args; i++)
		free(s->sbatch_args[i]);
	free(s->env);
	free(s->sbatch_args);
	s->env = s->sbatch_args = NULL;
	s->n_env = s->n_sbatch_args = 0;
}

void slurm_first_host(const char *list, char *buf, size_t len)
{
	/* "pre[a-b,c]post,other": the prefix, the first number of the
	 * bracket (zero padding kept), then what follows the bracket. */
	size_t n = strcspn(list, ",[");
	if (list[n] != '[') {
		snprintf(buf, len, "%.*s", (int)n, list);
		return;
	}
	const char *in = list + n + 1;
	size_t m = strcspn(in, "-,]");
	const char *close = strchr(in, ']');
	const char *after = close ? close + 1 : "";
	size_t k = strcspn(after, ",[");
	snprintf(buf, len, "%.*s%.*s%.*s", (int)n, list, (int)m, in, (int)k,
		 after);
}

/* ---- the job script ---- */

int slurm_write_script(const struct slurm_spec *s, const struct deploy_spec *d,
		       long max_model_len, const char *job_name,
		       const char *gen_dir, const char *out_log,
		       const char *path, struct slurm_script_info *info,
		       struct sc_err *e)
{
	struct gen_opts go = {
	    .backend = s->backend[0] ? s->backend : d->backend,
	    .engine = s->engine[0] ? s->engine : NULL,
	    .model_path = s->model_path[0] ? s->model_path : NULL,
	    .max_model_len =
		s->max_model_len ? s->max_model_len : max_model_len,
	    .gpus_per_node = s->gpus_per_node,
	    .port = s->port,
	};
	struct gen_plan p;
	struct textbuf t;
	textbuf_init(&t);
	int rc = gen_plan_build(d, &go, &p, e);
	if (rc == SC_OK && s->nodes && p.nodes > s->nodes)
		rc = sc_err_set(
		    e, SC_EINPUT,
		    "%s needs %ld node(s) of %ld GPUs, but 'nodes' is %ld",
		    d->name, p.nodes, p.gpus_per_node, s->nodes);
	if (rc == SC_OK)
		rc = gen_write_dir(&p, gen_dir, e);
	if (rc)
		goto out;
	long nodes = s->nodes ? s->nodes : p.nodes, used = 0;
	for (size_t i = 0; i < p.n_procs; i++)
		used += p.procs[i].gpus;
	/* On one node ask for what the workers use; on several, whole
	 * nodes. */
	long per_node = nodes > 1 ? p.gpus_per_node : used;
	textbuf_puts(&t, "#!/bin/bash\n");
	textbuf_printf(&t, "#SBATCH --job-name=%s\n", job_name);
	textbuf_printf(&t, "#SBATCH --nodes=%ld\n", nodes);
	textbuf_puts(&t, "#SBATCH --ntasks-per-node=1\n");
	if (p.cpu)
		textbuf_printf(&t, "#SBATCH --cpus-per-task=%ld\n", per_node);
	else
		textbuf_printf(&t, "#SBATCH --gpus-per-node=%ld\n", per_node);
	static const struct {
		const char *opt;
		size_t off;
	} opts[] = {
	    {"partition", offsetof(struct slurm_spec, partition)},
	    {"account", offsetof(struct slurm_spec, account)},
	    {"qos", offsetof(struct slurm_spec, qos)},
	    {"time", offsetof(struct slurm_spec, time_limit)},
	};
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
		const char *v = (const char *)s + opts[i].off;
		if (*v)
			textbuf_printf(&t, "#SBATCH --%s=%s\n", opts[i].opt, v);
	}
	textbuf_printf(&t, "#SBATCH --output=%s\n", out_log);
	for (size_t i = 0; i < s->n_sbatch_args; i++)
		textbuf_printf(&t, "#SBATCH %s\n", s->sbatch_args[i]);
	gen_shell_about(&t, &p);
	textbuf_printf(&t,
		       "# Written by servecal campaign: the endpoint is "
		       "http://FIRST_NODE:%d, health %s.\n",
		       p.port, p.health);
	textbuf_puts(&t, "set -u\nGEN_DIR=");
	gen_shell_word(&t, gen_dir);
	textbuf_puts(&t, "\n");
	for (size_t i = 0; i < s->n_env; i++) {
		const char *eq = strchr(s->env[i], '=');
		textbuf_printf(&t, "export %.*s=", (int)(eq - s->env[i]),
			       s->env[i]);
		gen_shell_word(&t, eq + 1);
		textbuf_puts(&t, "\n");
	}
	if (nodes > 1)
		textbuf_puts(&t, "HOSTS=${HOSTS:-$(scontrol show hostnames "
				 "\"$SLURM_JOB_NODELIST\" | tr '\\n' ' ')}\n");
	gen_shell_defaults(&t, &p);
	textbuf_puts(&t, "\n");
	gen_shell_node_fn(&t, &p, "servecal_node");
	textbuf_puts(&t, "\n");
	if (nodes > 1)
		textbuf_puts(&t,
			     "export GEN_DIR MODEL PORT BIND_HOST HOSTS\n"
			     "export -f servecal_node\n"
			     "exec srun --nodes=\"$SLURM_JOB_NUM_NODES\" "
			     "--ntasks-per-node=1 --kill-on-bad-exit=1 \\\n"
			     "\tbash -c 'read -r -a HOSTS_ARR <<<\"$HOSTS\"; "
			     "servecal_node \"$SLURM_NODEID\"'\n");
	else
		textbuf_puts(&t, "servecal_node 0\n");
	rc = textbuf_save(&t, path, e);
	if (rc == SC_OK && info) {
		info->nodes = nodes;
		info->gpus = used;
		info->cpu = p.cpu;
		info->port = p.port;
		snprintf(info->health, sizeof info->health, "%s",
			 s->health[0] ? s->health : p.health);
	}
out:
	if (rc && p.n_unsupported) {
		/* The message holds what fits; the list goes in one line. */
		struct textbuf m;
		textbuf_init(&m);
		for (size_t i = 0; i < p.n_unsupported; i++)
			textbuf_printf(&m, "%s%s", i ? "; " : "",
				       p.unsupported[i]);
		sc_err_set(e, SC_EINPUT, "%s cannot run '%s': %s", p.b->title,
			   d->name, m.s);
		textbuf_release(&m);
	}
	gen_plan_release(&p);
	textbuf_release(&t);
	return rc;
}

/* ---- the job ---- */

static void job_note(const struct slurm_up *u, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void job_note(const struct slurm_up *u, const char *fmt, ...)
{
	if (!u->note)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	u->note(u->ud, line);
}

static int run_cmd(const struct slurm_job *j, volatile sig_atomic_t *stop,
		   double timeout_s, char *const argv[], char *out,
		   size_t out_len, char *err, size_t err_len, struct sc_err *e)
{
	struct clicmd c = {.log = j->log,
			   .scratch = j->scratch,
			   .timeout_s = timeout_s,
			   .stop = stop};
	return clicmd_run(&c, argv, out, out_len, err, err_len, e);
}

/* squeue's view of the job: state, node list, reason; state "" when it
 * is no longer listed. SC_ERUNTIME when squeue itself failed to run. */
static int query(const struct slurm_job *j, char *state, size_t slen,
		 char *nodes, size_t nlen, char *reason, size_t rlen,
		 struct sc_err *e)
{
	char out[1024], err[400];
	char *argv[] = {"squeue", "-h",	      "-j", (char *)j->id,
			"-o",	  "%T|%N|%r", NULL};
	int rc = run_cmd(j, NULL, CMD_TIMEOUT_S, argv, out, sizeof out, err,
			 sizeof err, e);
	state[0] = nodes[0] = reason[0] = '\0';
	if (rc < 0)
		return rc;
	/* squeue exits 1 with "Invalid job id" once the job is gone. */
	if (rc != 0 && !strstr(err, "nvalid job id"))
		return sc_err_set(e, SC_ERUNTIME,
				  "squeue -j %s exited with %d: %s", j->id, rc,
				  err);
	out[strcspn(out, "\n")] = '\0';
	char *a = out, *b = strchr(a, '|'), *c = b ? strchr(b + 1, '|') : NULL;
	if (b)
		*b++ = '\0';
	if (c)
		*c++ = '\0';
	fmt_to(state, slen, "%s", a);
	fmt_to(nodes, nlen, "%s", b ? b : "");
	fmt_to(reason, rlen, "%s", c ? c : "");
	return SC_OK;
}

/* The last lines of the job's output file, joined with " | ". */
static void job_output_tail(const struct slurm_job *j, const char *dir,
			    const char *name, char *buf, size_t len)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/logs/slurm-%s-%s.out", dir, name,
		 j->id);
	buf[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char tail[TAIL_BYTES + 1];
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, size > TAIL_BYTES ? size - TAIL_BYTES : 0, SEEK_SET);
	size_t n = fread(tail, 1, TAIL_BYTES, f);
	fclose(f);
	tail[n] = '\0';
	/* the last three non-empty lines */
	char *lines[3] = {0};
	int k = 0;
	for (char *save = NULL, *l = strtok_r(tail, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		lines[k % 3] = l;
		k++;
	}
	for (int i = k > 3 ? k - 3 : 0; i < k; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
			 buf[0] ? " | " : "", lines[i % 3]);
}

static void sleep_s(double s, volatile sig_atomic_t *stop)
{
	int64_t t0 = clock_mono_ns();
	while ((double)(clock_mono_ns() - t0) * 1e-9 < s && !(stop && *stop)) {
		struct timespec ts = {0, 50000000L};
		nanosleep(&ts, NULL);
	}
}

bool slurm_job_running(struct slurm_job *j)
{
	if (j->gone || !j->id[0])
		return false;
	if (j->last_poll_ns &&
	    (double)(clock_mono_ns() - j->last_poll_ns) * 1e-9 < j->poll_s)
		return true;
	j->last_poll_ns = clock_mono_ns();
	char state[64], nodes[512], reason[256];
	struct sc_err e = {0};
	if (query(j, state, sizeof state, nodes, sizeof nodes, reason,
		  sizeof reason, &e))
		return true; /* squeue failed: no news is not an ending */
	if (qstate_of(state) == Q_RUN && state[0])
		return true;
	j->gone = true;
	snprintf(j->why, sizeof j->why, "job %s %s%s%s%s", j->id,
		 state[0] ? state : "left the queue", reason[0] ? " (" : "",
		 reason, reason[0] ? ")" : "");
	return false;
}

void slurm_cancel(struct slurm_job *j)
{
	if (!j->id[0])
		return;
	char *argv[] = {"scancel", j->id, NULL};
	struct sc_err e = {0};
	run_cmd(j, NULL, CANCEL_TIMEOUT_S, argv, NULL, 0, NULL, 0, &e);
	unlink(j->id_file);
	j->id[0] = '\0';
}

static bool alive_cb(void *ud, char *why, size_t len)
{
	struct slurm_job *j = ud;
	j->last_poll_ns = 0; /* health_wait paces the calls */
	if (slurm_job_running(j))
		return true;
	snprintf(why, len, "%s", j->why);
	return false;
}

/* A job an earlier run of this campaign left (it was killed before it
 * could cancel): cancel it before submitting a new one. */
static void cancel_leftover(const struct slurm_up *u, struct slurm_job *j)
{
	FILE *f = fopen(j->id_file, "r");
	char id[64] = "";
	if (!f)
		return;
	if (!fgets(id, sizeof id, f))
		id[0] = '\0';
	fclose(f);
	id[strcspn(id, "\n")] = '\0';
	if (!id[0] || strspn(id, "0123456789_;.") != strlen(id)) {
		unlink(j->id_file);
		return;
	}
	snprintf(j->id, sizeof j->id, "%s", id);
	job_note(u, "cancelling job %s, left by an earlier run", id);
	slurm_cancel(j);
}

int slurm_bring_up(const struct slurm_up *u, struct slurm_job *j,
		   struct sc_err *e)
{
	memset(j, 0, sizeof *j);
	const struct slurm_spec *s = u->s;
	char sdir[4096], gen_dir[4200], script[4200], out_log[4200], job[256];
	snprintf(sdir, sizeof sdir, "%s/slurm", u->dir);
	snprintf(gen_dir, sizeof gen_dir, "%s/%s", sdir, u->name);
	snprintf(script, sizeof script, "%s/%s.sbatch", sdir, u->name);
	snprintf(out_log, sizeof out_log, "%s/logs/slurm-%s-%%j.out", u->dir,
		 u->name);
	snprintf(j->log, sizeof j->log, "%s/logs/slurm-%s.log", u->dir,
		 u->name);
	snprintf(j->scratch, sizeof j->scratch, "%s/logs/.slurm-%s.cmd", u->dir,
		 u->name);
	fmt_to(j->id_file, sizeof j->id_file, "%s/%s.jobid", sdir, u->name);
	snprintf(job, sizeof job, "servecal-%s-%s", u->campaign, u->name);
	j->poll_s = s->poll_s;
	int rc;
	if ((rc = fs_mkdir_p(sdir, e)))
		return rc;
	cancel_leftover(u, j);
	struct slurm_script_info info;
	if ((rc = slurm_write_script(s, u->d, u->max_model_len, job, gen_dir,
				     out_log, script, &info, e)))
		return rc;
	char out[512], err[400];
	char *sb[] = {"sbatch", "--parsable", script, NULL};
	rc = run_cmd(j, u->stop, CMD_TIMEOUT_S, sb, out, sizeof out, err,
		     sizeof err, e);
	if (rc != 0)
		return rc < 0
			   ? rc
			   : sc_err_set(e, SC_ERUNTIME,
					"sbatch exited with %d: %s (log: %s)",
					rc, err, j->log);
	/* --parsable: "ID" or "ID;CLUSTER" */
	out[strcspn(out, ";\n")] = '\0';
	if (!out[0] || strspn(out, "0123456789_") != strlen(out))
		return sc_err_set(
		    e, SC_ERUNTIME,
		    "sbatch --parsable printed '%s', not a job id (log: %s)",
		    out, j->log);
	fmt_to(j->id, sizeof j->id, "%s", out);
	FILE *f = fopen(j->id_file, "w");
	if (f) {
		fprintf(f, "%s\n", j->id);
		fclose(f);
	}
	job_note(u, "submitted job %s (%ld node(s), %ld %s): %s", j->id,
		 info.nodes, info.gpus, info.cpu ? "CPU core(s)" : "GPU(s)",
		 script);

	/* Queued until it runs. */
	int64_t t0 = clock_mono_ns();
	char state[64] = "", nodes[512] = "", reason[256] = "", last[64] = "";
	for (;;) {
		if (u->stop && *u->stop) {
			rc = sc_err_set(e, SC_ERUNTIME,
					"interrupted while job %s was %s",
					j->id, last[0] ? last : "submitted");
			goto fail;
		}
		if ((rc = query(j, state, sizeof state, nodes, sizeof nodes,
				reason, sizeof reason, e)))
			goto fail;
		enum qstate q = state[0] ? qstate_of(state) : Q_END;
		if (strcmp(state, last)) {
			job_note(u, "job %s: %s%s%s%s", j->id,
				 state[0] ? state : "not listed",
				 reason[0] ? " (" : "", reason,
				 reason[0] ? ")" : "");
			snprintf(last, sizeof last, "%s", state);
		}
		if (q == Q_RUN)
			break;
		char tail[600];
		if (q == Q_END) {
			job_output_tail(j, u->dir, u->name, tail, sizeof tail);
			rc = sc_err_set(
			    e, SC_ERUNTIME,
			    "job %s %s%s%s%s before its deployment ran%s%s "
			    "(log: %s)",
			    j->id, state[0] ? state : "left the queue",
			    reason[0] ? " (" : "", reason, reason[0] ? ")" : "",
			    tail[0] ? "; output: " : "", tail, j->log);
			goto fail;
		}
		double el = (double)(clock_mono_ns() - t0) * 1e-9;
		if (el > s->queue_timeout_s) {
			rc = sc_err_set(e, SC_ERUNTIME,
					"job %s still %s after %g s in the "
					"queue%s%s%s; cancelled (log: %s)",
					j->id, state, s->queue_timeout_s,
					reason[0] ? " (reason: " : "", reason,
					reason[0] ? ")" : "", j->log);
			goto fail;
		}
		sleep_s(s->poll_s, u->stop);
	}

	/* Running: the endpoint is on the first node. */
	char host[256];
	slurm_first_host(nodes, host, sizeof host);
	snprintf(j->url, sizeof j->url, "http://%s:%d", host, info.port);
	job_note(u, "job %s running on %s; waiting for GET %s%s", j->id, nodes,
		 j->url, info.health);
	rc = health_wait(j->url, info.health, s->ready_timeout_s, u->stop,
			 alive_cb, j, s->poll_s, e);
	if (rc) {
		char tail[600];
		job_output_tail(j, u->dir, u->name, tail, sizeof tail);
		sc_err_prefix(e, "job %s", j->id);
		if (tail[0]) {
			char msg[SC_ERR_MSG_MAX];
			fmt_to(msg, sizeof msg, "%s; output: %s", e->msg, tail);
			snprintf(e->msg, sizeof e->msg, "%s", msg);
		}
		goto fail;
	}
	j->last_poll_ns = clock_mono_ns();
	return SC_OK;
fail:
	slurm_cancel(j);
	return rc ? rc : SC_ERUNTIME;
}
