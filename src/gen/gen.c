/* Building a launch plan: lay the workers out on nodes, ask the backend
 * table how each setting of the spec is written, and put the frontend or
 * router in front. What the table cannot express is collected and
 * reported at once, so one run names every missing option. */
#include "gen/gen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gen/modelid.h"
#include "util/textbuf.h"
#include "util/xalloc.h"

/* First ports of per-worker side channels on one node: vLLM's NIXL
 * handshake (its documented example starts at 5600) and SGLang's
 * prefill bootstrap server (its default is 8998). */
#define VLLM_NIXL_SIDE_PORT_BASE   5600
#define SGLANG_BOOTSTRAP_PORT_BASE 8998

enum want {
	IF_SUPPORTED, /* write it when the engine has a flag; else nothing */
	REQUIRED, /* the spec asks for it: flag, stated behaviour, or error */
};

struct build {
	struct gen_plan *p;
	unsigned long long *asked; /* per process: bit per enum gen_opt */
};

static void strv_add(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof **v);
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void arg(struct gen_proc *pr, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void arg(struct gen_proc *pr, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	strv_add(&pr->argv, &pr->argc, buf);
}

static void env(struct gen_proc *pr, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void env(struct gen_proc *pr, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	strv_add(&pr->env, &pr->n_env, buf);
}

static void note(struct gen_plan *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note(struct gen_plan *p, const char *fmt, ...)
{
	char buf[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < p->n_notes; i++)
		if (!strcmp(p->notes[i], buf))
			return;
	strv_add(&p->notes, &p->n_notes, buf);
}

static void missing(struct build *bd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void missing(struct build *bd, const char *fmt, ...)
{
	char buf[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	struct gen_plan *p = bd->p;
	for (size_t i = 0; i < p->n_unsupported; i++)
		if (!strcmp(p->unsupported[i], buf))
			return; /* every replica asks again */
	strv_add(&p->unsupported, &p->n_unsupported, buf);
}

/* Sets the dotted path key of doc to v ("true"/"false" as booleans,
 * whole numbers as numbers, the rest as strings). */
static void yaml_set(cJSON *doc, const char *key, const char *v)
{
	char path[256];
	snprintf(path, sizeof path, "%s", key);
	cJSON *at = doc;
	char *save = NULL;
	char *part = strtok_r(path, ".", &save);
	for (char *next; (next = strtok_r(NULL, ".", &save)); part = next) {
		cJSON *sub = cJSON_GetObjectItemCaseSensitive(at, part);
		if (!cJSON_IsObject(sub)) {
			cJSON_DeleteItemFromObjectCaseSensitive(at, part);
			sub = cJSON_AddObjectToObject(at, part);
		}
		at = sub;
	}
	cJSON *val;
	char *end;
	long n = strtol(v, &end, 10);
	if (!strcmp(v, "true") || !strcmp(v, "false"))
		val = cJSON_CreateBool(!strcmp(v, "true"));
	else if (*v && !*end)
		val = cJSON_CreateNumber((double)n);
	else
		val = cJSON_CreateString(v);
	/* In place when set before (replicas share a file): keys keep the
	 * order the settings were asked in. */
	if (cJSON_GetObjectItemCaseSensitive(at, part))
		cJSON_ReplaceItemInObjectCaseSensitive(at, part, val);
	else
		cJSON_AddItemToObject(at, part, val);
}

static int config_of(struct gen_plan *p, struct gen_proc *pr)
{
	if (pr->config >= 0)
		return pr->config;
	/* One file per worker group: replicas share it. */
	for (size_t i = 0; i < p->n_procs; i++) {
		const struct gen_proc *o = &p->procs[i];
		if (o != pr && o->kind == GEN_PROC_WORKER &&
		    o->group == pr->group && o->config >= 0)
			return pr->config = o->config;
	}
	p->files = xrealloc(p->files, (p->n_files + 1) * sizeof *p->files);
	struct gen_file *f = &p->files[p->n_files];
	memset(f, 0, sizeof *f);
	snprintf(f->name, sizeof f->name, p->b->config_file,
		 worker_role_name(pr->role));
	f->doc = cJSON_CreateObject();
	return pr->config = (int)p->n_files++;
}

/* How the backend writes opt for process pr (its index i), with the
 * spec's value. */
static void ask(struct build *bd, size_t i, enum gen_opt opt, const char *value,
		enum want w)
{
	struct gen_plan *p = bd->p;
	struct gen_proc *pr = &p->procs[i];
	const struct gen_map *m = gen_backend_map(p->b, opt);
	const char *v = m->value ? m->value : value;
	switch (m->form) {
	case GEN_INHERIT:
	case GEN_NONE:
		if (w == REQUIRED)
			missing(bd, "%s%s%s%s%s", gen_opt_name(opt),
				value && !m->value ? " = " : "",
				value && !m->value ? value : "",
				m->note ? ": " : "", m->note ? m->note : "");
		return;
	case GEN_IMPLICIT:
		if (w == REQUIRED && m->note)
			note(p, "%s: %s", gen_opt_name(opt), m->note);
		break;
	case GEN_FLAG:
		arg(pr, "%s", m->key);
		arg(pr, "%s", v ? v : "");
		if (m->key2) {
			arg(pr, "%s", m->key2);
			arg(pr, "%s", v ? v : "");
		}
		break;
	case GEN_SWITCH:
		arg(pr, "%s", m->key);
		break;
	case GEN_YAML: {
		int c = config_of(p, pr); /* may move p->files */
		yaml_set(p->files[c].doc, m->key, v ? v : "");
		break;
	}
	}
	bd->asked[i] |= 1ULL << opt;
}

static void ask_num(struct build *bd, size_t i, enum gen_opt opt, long v,
		    enum want w)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%ld", v);
	ask(bd, i, opt, buf, w);
}

/* A setting that needs another one the spec did not ask for. */
static void check_needs(struct build *bd, size_t i)
{
	for (int o = 0; o < GEN_O_COUNT; o++) {
		if (!(bd->asked[i] >> o & 1))
			continue;
		const struct gen_map *m = gen_backend_map(bd->p->b, o);
		if (m->needs && !(bd->asked[i] >> m->needs & 1))
			missing(bd, "%s needs %s in %s", gen_opt_name(o),
				gen_opt_name(m->needs), bd->p->b->title);
	}
}

static const enum gen_opt weight_opt[DT_COUNT] = {
    [DT_BF16] = GEN_O_W_BF16, [DT_FP8] = GEN_O_W_FP8, [DT_FP4] = GEN_O_W_FP4};
static const enum gen_opt kv_opt[DT_COUNT] = {[DT_BF16] = GEN_O_KV_BF16,
					      [DT_FP8] = GEN_O_KV_FP8,
					      [DT_FP4] = GEN_O_KV_FP4};

static void worker_args(struct build *bd, size_t i)
{
	struct gen_plan *p = bd->p;
	const struct deploy_spec *d = p->d;
	struct gen_proc *pr = &p->procs[i];
	const struct worker_spec *g = &d->groups[pr->group];
	const struct worker_shape *s = &g->shape;
	const struct sched_spec *sc = &g->sched;
	for (size_t k = 0; p->b->program[k]; k++)
		arg(pr, "%s", p->b->program[k]);
	if (pr->port_off >= 0) {
		ask(bd, i, GEN_O_HOST, "{BIND}", REQUIRED);
		char port[32];
		snprintf(port, sizeof port, "{PORT+%ld}", pr->port_off);
		ask(bd, i, GEN_O_PORT, port, REQUIRED);
	}
	ask(bd, i, GEN_O_ALIAS, d->model.name, IF_SUPPORTED);
	ask_num(bd, i, GEN_O_TP, s->tp, s->tp > 1 ? REQUIRED : IF_SUPPORTED);
	ask_num(bd, i, GEN_O_PP, s->pp, s->pp > 1 ? REQUIRED : IF_SUPPORTED);
	if (d->model.experts > 0) {
		ask_num(bd, i, GEN_O_DP, s->dp,
			s->dp > 1 ? REQUIRED : IF_SUPPORTED);
		if (s->ep > 1)
			ask_num(bd, i, GEN_O_EP, s->ep, REQUIRED);
		if (s->ep > 1 && p->b->ep_spans_tp_dp && s->ep != s->tp * s->dp)
			missing(bd,
				"%s = %ld with tp %ld x dp %ld: %s spreads "
				"experts over all tp x dp GPUs",
				gen_opt_name(GEN_O_EP), s->ep, s->tp, s->dp,
				p->b->title);
		ask_num(bd, i, GEN_O_MOE_TP, s->moe_tp,
			s->moe_tp > 1 ? REQUIRED : IF_SUPPORTED);
	}
	if (pr->replicas > 1) {
		ask_num(bd, i, GEN_O_REPLICAS, pr->replicas, REQUIRED);
		if (s->dp > 1)
			missing(bd, "%s with %s: both are data parallel in %s",
				gen_opt_name(GEN_O_REPLICAS),
				gen_opt_name(GEN_O_DP), p->b->title);
	}
	ask_num(bd, i, GEN_O_MAX_BATCH, g->max_batch, REQUIRED);
	ask_num(bd, i, GEN_O_MAX_TOKENS, g->max_num_tokens, REQUIRED);
	ask_num(bd, i, GEN_O_MAX_LEN, p->max_model_len, REQUIRED);
	ask_num(bd, i, GEN_O_CTX_TOTAL, g->max_batch * p->max_model_len,
		IF_SUPPORTED);
	ask(bd, i, weight_opt[d->wdtype], NULL, REQUIRED);
	ask(bd, i, kv_opt[d->kvdtype], NULL, REQUIRED);
	ask(bd, i, GEN_O_PREFIX_OFF, NULL, REQUIRED);
	/* The scheduler where it acts: prompt splitting where prompts are
	 * computed, the policy where prompts meet decoding. */
	if (pr->role != ROLE_DECODE) {
		if (sc->whole_prompts)
			ask(bd, i, GEN_O_WHOLE, NULL, REQUIRED);
		else /* SGLang's chunk size is the token budget */
			ask_num(bd, i, GEN_O_CHUNKED, g->max_num_tokens,
				REQUIRED);
		if (sc->whole_prompts && p->b->whole_needs_budget &&
		    g->max_num_tokens < p->max_model_len)
			missing(bd,
				"%s with max_num_tokens %ld < max_model_len "
				"%ld: %s refuses prompts longer than "
				"max_num_tokens without chunked prefill (raise "
				"max_num_tokens to %ld or set "
				"scheduler.chunked true)",
				gen_opt_name(GEN_O_WHOLE), g->max_num_tokens,
				p->max_model_len, p->b->title,
				p->max_model_len);
	}
	if (pr->role == ROLE_AGG)
		ask(bd, i,
		    sc->policy == SCHED_SEPARATE ? GEN_O_SEPARATE : GEN_O_MIXED,
		    NULL, REQUIRED);
	ask(bd, i, sc->unified_kv ? GEN_O_UNIFIED : GEN_O_PAGED, NULL,
	    REQUIRED);
	if (d->mode == DEPLOY_DISAGG) {
		ask(bd, i, GEN_O_KV_TRANSFER, NULL, REQUIRED);
		ask(bd, i,
		    pr->role == ROLE_PREFILL ? GEN_O_PREFILL : GEN_O_DECODE,
		    NULL, REQUIRED);
	}
	if (sc->engine_wait > 0)
		ask_num(bd, i, GEN_O_ENGINE_WAIT,
			g->max_batch + sc->engine_wait, REQUIRED);
	if (p->cpu)
		ask_num(bd, i, GEN_O_THREADS, pr->gpus, REQUIRED);
	else
		ask(bd, i, GEN_O_GPU_LAYERS, NULL, IF_SUPPORTED);
	if (!p->cpu && pr->gpus > 0) {
		char ids[512] = "";
		for (long k = 0; k < pr->gpus; k++)
			snprintf(ids + strlen(ids), sizeof ids - strlen(ids),
				 "%s%ld", k ? "," : "", pr->gpu_first + k);
		env(pr, "CUDA_VISIBLE_DEVICES=%s", ids);
	}
	check_needs(bd, i);
}

static struct gen_proc *proc_new(struct gen_plan *p, enum gen_proc_kind kind,
				 const char *name)
{
	p->procs = xrealloc(p->procs, (p->n_procs + 1) * sizeof *p->procs);
	struct gen_proc *pr = &p->procs[p->n_procs++];
	memset(pr, 0, sizeof *pr);
	snprintf(pr->name, sizeof pr->name, "%s", name);
	pr->kind = kind;
	pr->replicas = 1;
	pr->port_off = -1;
	pr->config = -1;
	return pr;
}

static int add_workers(struct gen_plan *p, const struct worker_spec *g,
		       size_t group, struct sc_err *e)
{
	long one = worker_gpus(&g->shape);
	long n = g->count, replicas = 1;
	if (g->role == ROLE_AGG && g->count > 1 && !p->b->replicas_as_workers)
		n = 1, replicas = g->count; /* replicas inside one engine */
	if ((size_t)n > GEN_MAX_PROCS - p->n_procs)
		return sc_err_set(
		    e, SC_EINPUT,
		    "%ld %s workers: at most %d processes per deployment",
		    g->count, worker_role_name(g->role), GEN_MAX_PROCS);
	for (long k = 0; k < n; k++) {
		char name[48];
		snprintf(name, sizeof name, "%s-%ld", worker_role_name(g->role),
			 k);
		struct gen_proc *pr = proc_new(p, GEN_PROC_WORKER, name);
		pr->role = g->role;
		pr->group = group;
		pr->replicas = replicas;
		pr->gpus = one * replicas;
	}
	return SC_OK;
}

/* Workers fill node after node in order; a worker never spans nodes. */
static int place(struct gen_plan *p, struct sc_err *e)
{
	long node = 0, used = 0;
	for (size_t i = 0; i < p->n_procs; i++) {
		struct gen_proc *pr = &p->procs[i];
		if (pr->kind != GEN_PROC_WORKER)
			continue;
		if (pr->gpus > p->gpus_per_node)
			return sc_err_set(
			    e, SC_EINPUT,
			    "%s needs %ld GPUs in one process%s, but a node "
			    "has %ld "
			    "(--gpus-per-node): one worker cannot span nodes "
			    "here",
			    pr->name, pr->gpus,
			    pr->replicas > 1
				? " (its replicas are data-parallel engines)"
				: "",
			    p->gpus_per_node);
		if (used + pr->gpus > p->gpus_per_node)
			node++, used = 0;
		pr->node = node;
		pr->gpu_first = used;
		used += pr->gpus;
	}
	p->nodes = node + 1;
	return SC_OK;
}

/* ---- what stands in front of the workers ---- */

static void workers_of(const struct gen_plan *p, enum worker_role r,
		       size_t *idx, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < p->n_procs; i++)
		if (p->procs[i].kind == GEN_PROC_WORKER &&
		    p->procs[i].role == r)
			idx[(*n)++] = i;
}

static void vllm_proxy(struct gen_plan *p, struct gen_proc *fe)
{
	size_t idx[GEN_MAX_PROCS], n;
	arg(fe, "python3");
	arg(fe, "{VAR:VLLM_PROXY:toy_proxy_server.py}");
	arg(fe, "--host");
	arg(fe, "{BIND}");
	arg(fe, "--port");
	arg(fe, "{PORT+0}");
	static const struct {
		enum worker_role role;
		const char *hosts, *ports;
	} sides[] = {{ROLE_PREFILL, "--prefiller-hosts", "--prefiller-ports"},
		     {ROLE_DECODE, "--decoder-hosts", "--decoder-ports"}};
	for (size_t s = 0; s < 2; s++) {
		workers_of(p, sides[s].role, idx, &n);
		arg(fe, "%s", sides[s].hosts);
		for (size_t k = 0; k < n; k++)
			arg(fe, "{HOST:%ld}", p->procs[idx[k]].node);
		arg(fe, "%s", sides[s].ports);
		for (size_t k = 0; k < n; k++)
			arg(fe, "{PORT+%ld}", p->procs[idx[k]].port_off);
	}
	/* Each worker's NIXL handshake listens on a port of its own. */
	long side = 0;
	for (size_t i = 0; i < p->n_procs; i++)
		if (p->procs[i].kind == GEN_PROC_WORKER)
			env(&p->procs[i], "VLLM_NIXL_SIDE_CHANNEL_PORT=%ld",
			    VLLM_NIXL_SIDE_PORT_BASE + side++);
	p->health = "/healthcheck"; /* the proxy's own route */
}

static void sglang_router(struct gen_plan *p, struct gen_proc *fe)
{
	size_t idx[GEN_MAX_PROCS], n;
	arg(fe, "python3");
	arg(fe, "-m");
	arg(fe, "sglang_router.launch_router");
	arg(fe, "--pd-disaggregation");
	workers_of(p, ROLE_PREFILL, idx, &n);
	for (size_t k = 0; k < n; k++) {
		struct gen_proc *w = &p->procs[idx[k]];
		long boot = SGLANG_BOOTSTRAP_PORT_BASE + (long)k;
		arg(w, "--disaggregation-bootstrap-port");
		arg(w, "%ld", boot);
		arg(fe, "--prefill");
		arg(fe, "http://{HOST:%ld}:{PORT+%ld}", w->node, w->port_off);
		arg(fe, "%ld", boot);
	}
	workers_of(p, ROLE_DECODE, idx, &n);
	for (size_t k = 0; k < n; k++) {
		arg(fe, "--decode");
		arg(fe, "http://{HOST:%ld}:{PORT+%ld}", p->procs[idx[k]].node,
		    p->procs[idx[k]].port_off);
	}
	arg(fe, "--host");
	arg(fe, "{BIND}");
	arg(fe, "--port");
	arg(fe, "{PORT+0}");
}

static void trtllm_disagg(struct gen_plan *p, struct gen_proc *fe)
{
	size_t idx[GEN_MAX_PROCS], n;
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "hostname", "{BIND}");
	cJSON_AddItemToObject(doc, "port", cJSON_CreateRaw("{PORT+0}"));
	cJSON_AddStringToObject(doc, "backend", "pytorch");
	static const struct {
		enum worker_role role;
		const char *key;
	} sides[] = {{ROLE_PREFILL, "context_servers"},
		     {ROLE_DECODE, "generation_servers"}};
	for (size_t s = 0; s < 2; s++) {
		workers_of(p, sides[s].role, idx, &n);
		cJSON *side = cJSON_AddObjectToObject(doc, sides[s].key);
		cJSON_AddNumberToObject(side, "num_instances", (double)n);
		cJSON *urls = cJSON_AddArrayToObject(side, "urls");
		for (size_t k = 0; k < n; k++) {
			char url[64];
			snprintf(url, sizeof url, "{HOST:%ld}:{PORT+%ld}",
				 p->procs[idx[k]].node,
				 p->procs[idx[k]].port_off);
			cJSON_AddItemToArray(urls, cJSON_CreateString(url));
		}
	}
	p->files = xrealloc(p->files, (p->n_files + 1) * sizeof *p->files);
	struct gen_file *f = &p->files[p->n_files];
	memset(f, 0, sizeof *f);
	snprintf(f->name, sizeof f->name, "disagg.yaml");
	f->doc = doc;
	f->runtime = true;
	fe->config = (int)p->n_files++;
	arg(fe, "trtllm-serve");
	arg(fe, "disaggregated");
	arg(fe, "-c");
	arg(fe, "{DIR}/disagg.yaml");
}

static void dynamo_frontend(struct gen_plan *p, struct gen_proc *fe)
{
	arg(fe, "python3");
	arg(fe, "-m");
	arg(fe, "dynamo.frontend");
	arg(fe, "--http-port");
	arg(fe, "{PORT+0}");
}

static const struct {
	enum gen_router router;
	void (*build)(struct gen_plan *p, struct gen_proc *fe);
} routers[] = {
    {GEN_ROUTER_VLLM_PROXY, vllm_proxy},
    {GEN_ROUTER_SGLANG, sglang_router},
    {GEN_ROUTER_TRTLLM, trtllm_disagg},
    {GEN_ROUTER_DYNAMO, dynamo_frontend},
};

/* ---- the plan ---- */

static const char *engine_default(const struct deploy_spec *d,
				  const struct gen_opts *o)
{
	static const char *const engines[] = {"vllm", "sglang", "trtllm"};
	if (o->engine || strcmp(o->backend, "dynamo"))
		return o->engine;
	for (size_t i = 0; i < 3; i++)
		if (!strcmp(d->backend, engines[i]))
			return engines[i];
	return "vllm";
}

/* Container images of Dynamo's runtimes, by engine. */
static const struct {
	const char *engine, *image;
} images[] = {
    {"vllm", "nvcr.io/nvidia/ai-dynamo/vllm-runtime"},
    {"sglang", "nvcr.io/nvidia/ai-dynamo/sglang-runtime"},
    {"trtllm", "nvcr.io/nvidia/ai-dynamo/tensorrtllm-runtime"},
};

int gen_plan_build(const struct deploy_spec *d, const struct gen_opts *o,
		   struct gen_plan *p, struct sc_err *e)
{
	memset(p, 0, sizeof *p);
	p->d = d;
	const char *engine = o->backend ? engine_default(d, o) : NULL;
	p->b = gen_backend_find(o->backend, engine);
	if (!p->b)
		return sc_err_set(e, SC_EINVAL,
				  o->backend && !strcmp(o->backend, "dynamo")
				      ? "unknown engine '%s' for dynamo (vllm, "
					"sglang, trtllm)"
				      : "unknown backend '%s' (%s)",
				  o->backend && !strcmp(o->backend, "dynamo")
				      ? engine
				      : (o->backend ? o->backend : ""),
				  gen_backend_names());
	p->port = o->port > 0 ? o->port : GEN_DEFAULT_PORT;
	p->max_model_len =
	    o->max_model_len > 0 ? o->max_model_len : GEN_DEFAULT_MAX_MODEL_LEN;
	p->gpus_per_node = o->gpus_per_node > 0	      ? o->gpus_per_node
			   : d->gpu.gpus_per_node > 0 ? d->gpu.gpus_per_node
						      : 8;
	/* A device spec named CPU... stands for CPU cores (calib/gpus). */
	p->cpu = !strncasecmp(d->gpu.name, "CPU", 3);
	p->health = p->b->health;
	int rc;
	if (o->model_path)
		snprintf(p->model_path, sizeof p->model_path, "%s",
			 o->model_path);
	else if ((rc = gen_model_id(d->model.name, d->wdtype, p->model_path,
				    sizeof p->model_path, e)))
		return rc;
	if (p->b->engine) {
		const char *img = "";
		for (size_t i = 0; i < sizeof images / sizeof images[0]; i++)
			if (!strcmp(images[i].engine, p->b->engine))
				img = images[i].image;
		if (o->image)
			snprintf(p->image, sizeof p->image, "%s", o->image);
		else
			snprintf(p->image, sizeof p->image, "%s:%s", img,
				 p->b->version);
	}

	for (size_t gi = 0; gi < d->n_groups; gi++)
		if (d->groups[gi].role == ROLE_PREFILL &&
		    (rc = add_workers(p, &d->groups[gi], gi, e)))
			return rc;
	for (size_t gi = 0; gi < d->n_groups; gi++)
		if (d->groups[gi].role != ROLE_PREFILL &&
		    (rc = add_workers(p, &d->groups[gi], gi, e)))
			return rc;
	if ((rc = place(p, e)))
		return rc;
	bool frontend =
	    p->b->router == GEN_ROUTER_DYNAMO ||
	    (d->mode == DEPLOY_DISAGG && p->b->router != GEN_ROUTER_NONE);
	bool workers_listen = p->b->router != GEN_ROUTER_DYNAMO;
	long off = frontend ? 1 : 0;
	for (size_t i = 0; i < p->n_procs && workers_listen; i++)
		p->procs[i].port_off = off++;

	struct build bd = {.p = p};
	bd.asked = xcalloc(p->n_procs + 1, sizeof *bd.asked);
	size_t n_workers = p->n_procs;
	for (size_t i = 0; i < n_workers; i++)
		worker_args(&bd, i);
	if (frontend) {
		struct gen_proc *fe =
		    proc_new(p, GEN_PROC_FRONTEND, "frontend");
		fe->port_off = 0;
		for (size_t r = 0; r < sizeof routers / sizeof routers[0]; r++)
			if (routers[r].router == p->b->router)
				routers[r].build(p, fe);
	}
	/* The config file flag comes last, once the file is complete. */
	for (size_t i = 0; i < n_workers; i++)
		if (p->procs[i].config >= 0) {
			char path[160];
			snprintf(path, sizeof path, "{DIR}/%s",
				 p->files[p->procs[i].config].name);
			ask(&bd, i, GEN_O_CONFIG, path, REQUIRED);
		}
	free(bd.asked);
	if (!p->n_unsupported)
		return SC_OK;
	struct textbuf t;
	textbuf_init(&t);
	for (size_t i = 0; i < p->n_unsupported; i++)
		textbuf_printf(&t, "%s%s", i ? "; " : "", p->unsupported[i]);
	rc = sc_err_set(e, SC_EINPUT,
			"%s cannot run deployment '%s' as specified: %s",
			p->b->title, d->name, t.s);
	textbuf_release(&t);
	return rc;
}

void gen_plan_release(struct gen_plan *p)
{
	for (size_t i = 0; i < p->n_procs; i++) {
		strv_free(p->procs[i].argv, p->procs[i].argc);
		strv_free(p->procs[i].env, p->procs[i].n_env);
	}
	free(p->procs);
	for (size_t i = 0; i < p->n_files; i++)
		cJSON_Delete(p->files[i].doc);
	free(p->files);
	strv_free(p->notes, p->n_notes);
	strv_free(p->unsupported, p->n_unsupported);
	p->procs = NULL;
	p->files = NULL;
	p->notes = p->unsupported = NULL;
	p->n_procs = p->n_files = p->n_notes = p->n_unsupported = 0;
}

const struct gen_proc *gen_plan_endpoint(const struct gen_plan *p)
{
	for (size_t i = 0; i < p->n_procs; i++)
		if (p->procs[i].port_off == 0)
			return &p->procs[i];
	return NULL;
}

const char *gen_plan_engine(const struct gen_plan *p)
{
	return p->b->engine ? p->b->engine : p->b->name;
}
