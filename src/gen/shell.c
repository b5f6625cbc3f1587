/* The bash writer: one word per argument, one flag per line, every
 * process in the background and the node's processes stopped together. */
#include "gen/shell.h"

#include <stdbool.h>
#include <string.h>

#include "gen/subst.h"
#include "gen/yaml.h"

static void expansion(struct textbuf *b, const struct gen_ph_token *t)
{
	switch (t->kind) {
	case GEN_PH_MODEL:
		textbuf_puts(b, "${MODEL}");
		break;
	case GEN_PH_BIND:
		textbuf_puts(b, "${BIND_HOST}");
		break;
	case GEN_PH_DIR:
		textbuf_puts(b, "${GEN_DIR}");
		break;
	case GEN_PH_PORT:
		textbuf_printf(b, "$((PORT + %ld))", t->n);
		break;
	case GEN_PH_HOST:
		textbuf_printf(b, "${HOSTS_ARR[%ld]}", t->n);
		break;
	case GEN_PH_VAR:
		textbuf_printf(b, "${%s:-%s}", t->name, t->def);
		break;
	}
}

/* Text inside double quotes (escapes: \ " $ `), or inside an unquoted
 * here-document (escapes: \ $ `). */
struct quote_ctx {
	struct textbuf *b;
	const char *special;
};

static void q_text(void *ud, const char *s, size_t n)
{
	struct quote_ctx *c = ud;
	for (size_t i = 0; i < n; i++) {
		if (strchr(c->special, s[i]))
			textbuf_puts(c->b, "\\");
		textbuf_putn(c->b, s + i, 1);
	}
}

static void q_ph(void *ud, const struct gen_ph_token *t)
{
	expansion(((struct quote_ctx *)ud)->b, t);
}

static bool bare_ok(const char *s)
{
	if (!*s)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("_-./:=,+@%", *p)))
			return false;
	return true;
}

void gen_shell_word(struct textbuf *b, const char *arg)
{
	if (gen_subst_has(arg)) {
		struct quote_ctx c = {b, "\\\"$`"};
		textbuf_puts(b, "\"");
		gen_subst_walk(arg, q_text, q_ph, &c);
		textbuf_puts(b, "\"");
	} else if (bare_ok(arg)) {
		textbuf_puts(b, arg);
	} else {
		textbuf_puts(b, "'");
		for (const char *p = arg; *p; p++)
			textbuf_puts(b, *p == '\'' ? "'\\''" : (char[]){*p, 0});
		textbuf_puts(b, "'");
	}
}

static void proc_comment(struct textbuf *b, const struct gen_plan *p,
			 const struct gen_proc *pr)
{
	textbuf_printf(b, "\t\t# %s", pr->name);
	if (pr->kind == GEN_PROC_FRONTEND)
		textbuf_puts(b, ": the endpoint");
	else if (p->cpu)
		textbuf_printf(b, ": %ld CPU thread(s)", pr->gpus);
	else if (pr->gpus == 1)
		textbuf_printf(b, ": GPU %ld", pr->gpu_first);
	else
		textbuf_printf(b, ": GPUs %ld-%ld", pr->gpu_first,
			       pr->gpu_first + pr->gpus - 1);
	if (pr->replicas > 1)
		textbuf_printf(b, ", %ld replicas in one engine", pr->replicas);
	if (pr->port_off >= 0)
		textbuf_printf(b, ", port PORT+%ld", pr->port_off);
	textbuf_puts(b, "\n");
}

/* One process: environment, program, then a flag (with its value) per
 * line, in the background. */
static void proc_lines(struct textbuf *b, const struct gen_plan *p,
		       const struct gen_proc *pr)
{
	proc_comment(b, p, pr);
	textbuf_puts(b, "\t\t");
	for (size_t i = 0; i < pr->n_env; i++) {
		const char *eq = strchr(pr->env[i], '=');
		textbuf_putn(b, pr->env[i], (size_t)(eq - pr->env[i]) + 1);
		gen_shell_word(b, eq + 1);
		textbuf_puts(b, " ");
	}
	for (size_t i = 0; i < pr->argc; i++) {
		const char *a = pr->argv[i];
		bool flag = !strncmp(a, "--", 2) && i > 0;
		if (flag)
			textbuf_puts(b, " \\\n\t\t\t");
		else if (i > 0)
			textbuf_puts(b, " ");
		gen_shell_word(b, a);
	}
	textbuf_puts(b, " &\n");
}

static void runtime_file(struct textbuf *b, const struct gen_file *f)
{
	struct textbuf y;
	textbuf_init(&y);
	gen_yaml_append(&y, f->doc);
	textbuf_printf(b, "\t\tcat >\"${GEN_DIR}/%s\" <<EOF\n", f->name);
	struct quote_ctx c = {b, "\\$`"};
	gen_subst_walk(y.s, q_text, q_ph, &c);
	textbuf_puts(b, "EOF\n");
	textbuf_release(&y);
}

void gen_shell_node_fn(struct textbuf *b, const struct gen_plan *p,
		       const char *name)
{
	textbuf_printf(b, "%s() {\n", name);
	textbuf_puts(b, "\tlocal node=${1:-0}\n");
	/* Whatever ends this shell ends the node's servers with it. */
	textbuf_puts(b, "\ttrap 'kill $(jobs -p) 2>/dev/null' EXIT\n");
	textbuf_puts(b, "\ttrap 'exit 143' TERM INT\n");
	if (p->nodes > 1)
		textbuf_printf(
		    b,
		    "\tif [ \"${#HOSTS_ARR[@]}\" -lt %ld ]; then\n"
		    "\t\techo \"%s: set HOSTS to the %ld node names\" >&2\n"
		    "\t\treturn 2\n"
		    "\tfi\n",
		    p->nodes, name, p->nodes);
	textbuf_puts(b, "\tcase \"$node\" in\n");
	for (long n = 0; n < p->nodes; n++) {
		textbuf_printf(b, "\t%ld)\n", n);
		for (size_t i = 0; i < p->n_procs; i++) {
			const struct gen_proc *pr = &p->procs[i];
			if (pr->node != n)
				continue;
			if (pr->config >= 0 && p->files[pr->config].runtime)
				runtime_file(b, &p->files[pr->config]);
			proc_lines(b, p, pr);
		}
		textbuf_puts(b, "\t\t;;\n");
	}
	textbuf_printf(
	    b,
	    "\t*)\n"
	    "\t\techo \"%s: no node $node (this deployment has %ld)\" >&2\n"
	    "\t\treturn 2\n"
	    "\t\t;;\n"
	    "\tesac\n"
	    "\t# The node is done when its first server ends.\n"
	    "\twait -n\n"
	    "}\n",
	    name, p->nodes);
}

void gen_shell_defaults(struct textbuf *b, const struct gen_plan *p)
{
	struct quote_ctx c = {b, "\\\"$`"};
	textbuf_puts(b, "MODEL=${MODEL:-\"");
	q_text(&c, p->model_path, strlen(p->model_path));
	textbuf_printf(b,
		       "\"}\n"
		       "PORT=${PORT:-%d}\n"
		       "BIND_HOST=${BIND_HOST:-0.0.0.0}\n"
		       "read -r -a HOSTS_ARR <<<\"${HOSTS:-127.0.0.1}\"\n",
		       p->port);
}

static long sum_gpus(const struct gen_plan *p)
{
	long n = 0;
	for (size_t i = 0; i < p->n_procs; i++)
		n += p->procs[i].gpus;
	return n;
}

void gen_shell_about(struct textbuf *b, const struct gen_plan *p)
{
	const struct deploy_spec *d = p->d;
	textbuf_printf(b, "# Deployment '%s' on %s (servecal generate).\n",
		       d->name, p->b->title);
	textbuf_printf(b, "# %s on %s: %s weights, %s KV cache; %s:",
		       d->model.name, d->gpu.name, dtype_name(d->wdtype),
		       dtype_name(d->kvdtype), deploy_mode_name(d->mode));
	for (size_t g = 0; g < d->n_groups; g++) {
		const struct worker_spec *w = &d->groups[g];
		textbuf_printf(b,
			       "%s %ld x %s (tp %ld, pp %ld, dp %ld, max_batch "
			       "%ld, max_num_tokens %ld)",
			       g ? ";" : "", w->count,
			       worker_role_name(w->role), w->shape.tp,
			       w->shape.pp, w->shape.dp, w->max_batch,
			       w->max_num_tokens);
	}
	textbuf_printf(
	    b, ".\n# %ld %s on %ld node(s) of %ld; max_model_len %ld.\n",
	    sum_gpus(p), p->cpu ? "CPU core(s)" : "GPU(s)", p->nodes,
	    p->gpus_per_node, p->max_model_len);
	textbuf_printf(b,
		       "# Scheduler: policy %s, chunked %s, kv_cache %s; "
		       "start_lag_ms %g is measured, not set.\n",
		       sched_policy_name(d->sched.policy),
		       d->sched.whole_prompts ? "false" : "true",
		       d->sched.unified_kv ? "unified" : "paged",
		       d->sched.start_lag_s * 1e3);
	textbuf_printf(b, "# Flags from: %s\n", p->b->doc);
	if (p->n_notes) {
		textbuf_puts(
		    b, "# Without a flag (the engine's own behaviour):\n");
		for (size_t i = 0; i < p->n_notes; i++)
			textbuf_printf(b, "#   %s\n", p->notes[i]);
	}
}

void gen_shell_script(struct textbuf *b, const struct gen_plan *p)
{
	textbuf_puts(b, "#!/bin/bash\n");
	gen_shell_about(b, p);
	textbuf_printf(b,
		       "# Usage: ./run.sh [NODE]  (NODE 0..%ld, default 0%s).\n"
		       "# Environment: MODEL, PORT (the endpoint; processes "
		       "use PORT..PORT+%zu),\n"
		       "# BIND_HOST (address to listen on). Endpoint: "
		       "http://HOST0:PORT, health %s.\n",
		       p->nodes - 1,
		       p->nodes > 1 ? "; HOSTS=\"h0 h1 ...\" names the nodes"
				    : "",
		       p->n_procs ? p->n_procs - 1 : 0, p->health);
	if (p->b->router == GEN_ROUTER_DYNAMO)
		textbuf_puts(b,
			     "# Dynamo's runtime needs etcd and NATS running "
			     "(ETCD_ENDPOINTS, NATS_SERVER).\n");
	textbuf_puts(
	    b, "set -u\n"
	       "GEN_DIR=${GEN_DIR:-$(cd \"$(dirname \"$0\")\" && pwd)}\n");
	gen_shell_defaults(b, p);
	textbuf_puts(b, "\n");
	gen_shell_node_fn(b, p, "servecal_node");
	textbuf_puts(b, "\nservecal_node \"${1:-0}\"\n");
}
