/* Deployment specs: parse, validate, write back. */
#include "model/deploy.h"

#include <libgen.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "model/catalog.h"
#include "util/jsonio.h"
#include "util/num.h"
#include "util/xalloc.h"

static const char *const deploy_keys[] = {
    "name",    "model",	  "gpu",       "backend",  "dtype", "kv_dtype", "mode",
    "workers", "kv_link", "scheduler", "emulator", "note",  NULL};
static const char *const worker_keys[] = {
    "role",	 "count",	   "tp", "pp", "dp", "ep", "moe_tp",
    "max_batch", "max_num_tokens", NULL};
static const char *const link_keys[] = {"gbps", "latency_us", NULL};
static const char *const sched_keys[] = {
    "policy",	    "chunked",	   "kv_cache",
    "start_lag_ms", "kv_memory",   "cpu_share",
    "queue_order",  "engine_wait", NULL};
/* Largest start lag a scheduler section may give. */
#define SCHED_MAX_START_LAG_MS 1000.0
/* Largest CPU share: an engine whose CPU work takes as long as the GPU's
 * (vLLM 0.5's profile of Llama-3-8B on one H100: 62% of the time on the
 * CPU, 1.6 times the GPU's 38%) is the worst published. */
#define SCHED_MAX_CPU_SHARE 2.0
/* Largest engine_wait: beyond the largest concurrency a bench drives. */
#define SCHED_MAX_ENGINE_WAIT 1000000L

struct sched_spec sched_default(const char *backend)
{
	/* Sources: vLLM V1 scheduler (chunked prefill on; running requests
	 * are scheduled first, prompt chunks fill max_num_batched_tokens);
	 * llama.cpp server (update_slots: each generating slot adds its
	 * token, then prompts fill n_batch and continue in the next batch
	 * when they do not fit); SGLang (a pending prefill batch runs before
	 * decoding unless --enable-mixed-chunk; chunked_prefill_size splits
	 * long prompts); TensorRT-LLM (in-flight batching mixes context and
	 * generation requests; enable_chunked_prefill is off by default).
	 * llama.cpp's KV cache (llama-kv-cache, 2025) is one array of cells
	 * for all sequences: a batch's attention covers every cell up to the
	 * highest occupied one (kv_self.n). Measured on llama-server with
	 * the tiny model: one user's TPOT 0.81 ms on a fresh server, 3.54 ms
	 * once the cache had held four 1,028-token contexts: an idle slot
	 * keeps its last request's cells until it takes its next prompt
	 * (sim.c counts them). Its main loop
	 * takes the tasks queued while it woke up before it runs a batch:
	 * measured, two requests 0.3 ms apart were prefilled together and two
	 * 0.8 ms apart were not, hence a start lag of 0.5 ms. TensorRT-LLM's
	 * KvCacheConfig.free_gpu_memory_fraction (0.9 by default;
	 * kv_cache_free_gpu_mem_fraction in trtllm-bench and trtllm-serve) is a
	 * fraction of the memory free once the engine's weights and activation
	 * buffers are loaded, where vLLM's gpu_memory_utilization (0.9) and
	 * SGLang's mem_fraction_static bound weights and KV cache together as a
	 * fraction of all memory. */
	return *sched_find(backend);
}

static const struct {
	const char *backend;
	struct sched_spec s;
} sched_table[] = {
    /* The first entry is vLLM's: the default of unknown backends. */
    {"vllm", {.policy = SCHED_MIXED}},
    {"sglang", {.policy = SCHED_SEPARATE}},
    {"trtllm",
     {.policy = SCHED_MIXED, .whole_prompts = true, .kv_of_free = true}},
    {"llamacpp",
     {.policy = SCHED_MIXED,
      .unified_kv = true,
      .arrivals_first = true,
      .engine_wait = 2,
      .start_lag_s = 0.5e-3}},
};

const struct sched_spec *sched_find(const char *backend)
{
	for (size_t i = 0;
	     backend && i < sizeof sched_table / sizeof *sched_table; i++)
		if (!strcmp(backend, sched_table[i].backend))
			return &sched_table[i].s;
	return &sched_table[0].s;
}

const char *sched_policy_name(enum sched_policy p)
{
	return p == SCHED_SEPARATE ? "separate" : "mixed";
}

int sched_policy_parse(const char *str, enum sched_policy *out)
{
	if (!strcmp(str, "mixed"))
		*out = SCHED_MIXED;
	else if (!strcmp(str, "separate"))
		*out = SCHED_SEPARATE;
	else
		return -1;
	return 0;
}

static int parse_sched(const cJSON *j, const char *where, struct deploy_spec *d,
		       struct sc_err *e)
{
	d->sched = sched_default(d->backend);
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "scheduler");
	if (!s)
		return SC_OK;
	char sw[700];
	snprintf(sw, sizeof sw, "%s: scheduler", where);
	if (!cJSON_IsObject(s))
		return sc_err_set(e, SC_EINPUT, "%s: must be an object", sw);
	const char *pol, *kv, *kvm;
	bool chunked;
	int rc;
	if ((rc = jsonio_known_keys(s, sched_keys, sw, e)) ||
	    (rc =
		 jsonio_str(s, "policy", false,
			    sched_policy_name(d->sched.policy), &pol, sw, e)) ||
	    (rc = jsonio_bool(s, "chunked", false, !d->sched.whole_prompts,
			      &chunked, sw, e)) ||
	    (rc = jsonio_str(s, "kv_cache", false,
			     d->sched.unified_kv ? "unified" : "paged", &kv, sw,
			     e)) ||
	    (rc = jsonio_str(s, "kv_memory", false,
			     d->sched.kv_of_free ? "free" : "total", &kvm, sw,
			     e)))
		return rc;
	if (strcmp(kvm, "free") && strcmp(kvm, "total"))
		return sc_err_set(
		    e, SC_EINPUT,
		    "%s: field 'kv_memory': must be free or total, got '%s'",
		    sw, kvm);
	d->sched.kv_of_free = !strcmp(kvm, "free");
	if (strcmp(kv, "unified") && strcmp(kv, "paged"))
		return sc_err_set(
		    e, SC_EINPUT,
		    "%s: field 'kv_cache': must be unified or paged, got '%s'",
		    sw, kv);
	d->sched.unified_kv = !strcmp(kv, "unified");
	double lag_ms;
	if ((rc = jsonio_range(s, "start_lag_ms", false,
			       d->sched.start_lag_s * 1e3, 0,
			       SCHED_MAX_START_LAG_MS, &lag_ms, sw, e)))
		return rc;
	d->sched.start_lag_s = lag_ms * 1e-3;
	if ((rc =
		 jsonio_range(s, "cpu_share", false, d->sched.cpu_share, 0,
			      SCHED_MAX_CPU_SHARE, &d->sched.cpu_share, sw, e)))
		return rc;
	const char *order;
	if ((rc =
		 jsonio_str(s, "queue_order", false,
			    d->sched.arrivals_first ? "arrivals_first" : "fifo",
			    &order, sw, e)) ||
	    (rc = jsonio_int(s, "engine_wait", false, d->sched.engine_wait, 0,
			     SCHED_MAX_ENGINE_WAIT, &d->sched.engine_wait, sw,
			     e)))
		return rc;
	if (strcmp(order, "fifo") && strcmp(order, "arrivals_first"))
		return sc_err_set(e, SC_EINPUT,
				  "%s: field 'queue_order': must be fifo or "
				  "arrivals_first, got '%s'",
				  sw, order);
	d->sched.arrivals_first = !strcmp(order, "arrivals_first");
	if (sched_policy_parse(pol, &d->sched.policy))
		return sc_err_set(
		    e, SC_EINPUT,
		    "%s: field 'policy': must be mixed or separate, got '%s'",
		    sw, pol);
	d->sched.whole_prompts = !chunked;
	d->sched_given = true;
	return SC_OK;
}

static const char *const role_names[] = {"agg", "prefill", "decode"};

const char *worker_role_name(enum worker_role r)
{
	return role_names[r];
}

const char *deploy_mode_name(enum deploy_mode m)
{
	return m == DEPLOY_AGG ? "agg" : "disagg";
}

long worker_gpus(const struct worker_shape *s)
{
	return s->tp * s->pp * s->dp;
}

long deploy_gpus(const struct deploy_spec *d)
{
	long n = 0;
	for (size_t i = 0; i < d->n_groups; i++)
		n += d->groups[i].count * worker_gpus(&d->groups[i].shape);
	return n;
}

const struct worker_spec *deploy_group(const struct deploy_spec *d,
				       enum worker_role r)
{
	for (size_t i = 0; i < d->n_groups; i++)
		if (d->groups[i].role == r)
			return &d->groups[i];
	return NULL;
}

/* "model"/"gpu": a catalog name, a path relative to the deployment file, or
 * an inline object. */
static int load_ref(const cJSON *j, const char *key, const char *where,
		    const char *basedir, struct deploy_spec *d,
		    struct sc_err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
	bool is_model = !strcmp(key, "model");
	char w[700];
	snprintf(w, sizeof w, "%s: field '%s'", where, key);
	char *ref = is_model ? d->model_ref : d->gpu_ref;
	if (!v)
		return sc_err_set(e, SC_EINPUT, "%s: missing", w);
	if (cJSON_IsObject(v)) {
		ref[0] = '\0';
		return is_model ? model_spec_from_json(v, w, &d->model, e)
				: gpu_spec_from_json(v, w, &d->gpu, e);
	}
	if (!cJSON_IsString(v) || !v->valuestring[0])
		return sc_err_set(
		    e, SC_EINPUT,
		    "%s: must be a catalog name, a path or an object", w);
	char path[1024];
	const char *s = v->valuestring;
	if (catalog_is_path(s) && s[0] != '/' && basedir)
		snprintf(path, sizeof path, "%s/%s", basedir, s);
	else
		snprintf(path, sizeof path, "%s", s);
	snprintf(ref, 256, "%s", catalog_is_path(s) ? "" : s);
	int rc = is_model ? model_spec_load(path, &d->model, e)
			  : gpu_spec_load(path, &d->gpu, e);
	if (rc)
		sc_err_prefix(e, "%s", w);
	return rc;
}

static int parse_dtype(const cJSON *j, const char *key, const char *def,
		       enum dtype *out, const char *where, struct sc_err *e)
{
	const char *s;
	int rc = jsonio_str(j, key, false, def, &s, where, e);
	if (rc)
		return rc;
	if (dtype_parse(s, out))
		return sc_err_set(
		    e, SC_EINPUT,
		    "%s: field '%s': unknown dtype '%s' (bf16, fp8, fp4)",
		    where, key, s);
	return SC_OK;
}

static int parse_worker(const cJSON *w, const char *where,
			struct worker_spec *out, struct sc_err *e)
{
	const char *role;
	int rc;
	if (!cJSON_IsObject(w))
		return sc_err_set(e, SC_EINPUT, "%s: must be an object", where);
	if ((rc = jsonio_known_keys(w, worker_keys, where, e)) ||
	    (rc = jsonio_str(w, "role", true, NULL, &role, where, e)))
		return rc;
	size_t r;
	for (r = 0; r < 3 && strcmp(role, role_names[r]); r++)
		;
	if (r == 3)
		return sc_err_set(e, SC_EINPUT,
				  "%s: field 'role': must be agg, prefill or "
				  "decode, got '%s'",
				  where, role);
	out->role = (enum worker_role)r;
	struct worker_shape *s = &out->shape;
	if ((rc = jsonio_int(w, "count", false, 1, 1, 100000, &out->count,
			     where, e)) ||
	    (rc = jsonio_int(w, "tp", false, 1, 1, 1024, &s->tp, where, e)) ||
	    (rc = jsonio_int(w, "pp", false, 1, 1, 1024, &s->pp, where, e)) ||
	    (rc = jsonio_int(w, "dp", false, 1, 1, 1024, &s->dp, where, e)) ||
	    (rc = jsonio_int(w, "ep", false, 1, 1, 1024, &s->ep, where, e)) ||
	    (rc = jsonio_int(w, "moe_tp", false, 0, 0, 1024, &s->moe_tp, where,
			     e)) ||
	    (rc = jsonio_int(w, "max_batch", true, 0, 1, 1000000,
			     &out->max_batch, where, e)) ||
	    (rc = jsonio_int(w, "max_num_tokens", false, 8192, 1, 100000000,
			     &out->max_num_tokens, where, e)))
		return rc;
	if (s->moe_tp == 0) /* default: experts split over what ep leaves */
		s->moe_tp =
		    (s->tp * s->dp) / s->ep ? (s->tp * s->dp) / s->ep : 1;
	if (out->role != ROLE_PREFILL && out->max_num_tokens < out->max_batch)
		return sc_err_set(
		    e, SC_EINPUT,
		    "%s: field 'max_num_tokens': %ld is below max_batch %ld, "
		    "so a full batch could never run one decode iteration",
		    where, out->max_num_tokens, out->max_batch);
	return SC_OK;
}

/* Checks that the shape fits the model: heads split evenly over tp, KV
 * heads split or replicated evenly, experts over ep. */
static int check_shape(const struct model_spec *m, const struct worker_shape *s,
		       const char *where, struct sc_err *e)
{
	if (m->q_heads % s->tp)
		return sc_err_set(
		    e, SC_EINPUT,
		    "%s: tp %ld does not divide %ld attention heads of %s",
		    where, s->tp, m->q_heads, m->name);
	if (m->kv_heads % s->tp && s->tp % m->kv_heads)
		return sc_err_set(e, SC_EINPUT,
				  "%s: tp %ld neither divides nor is a "
				  "multiple of %ld KV heads of %s",
				  where, s->tp, m->kv_heads, m->name);
	if (s->pp > m->layers)
		return sc_err_set(e, SC_EINPUT, "%s: pp %ld exceeds %ld layers",
				  where, s->pp, m->layers);
	if (!m->experts) {
		if (s->ep > 1 || s->dp > 1)
			return sc_err_set(
			    e, SC_EINPUT,
			    "%s: ep and dp > 1 need a MoE model (%s is dense: "
			    "use count for replicas)",
			    where, m->name);
		return SC_OK;
	}
	if (m->experts % s->ep)
		return sc_err_set(e, SC_EINPUT,
				  "%s: ep %ld does not divide %ld experts",
				  where, s->ep, m->experts);
	if (s->moe_tp * s->ep != s->tp * s->dp)
		return sc_err_set(e, SC_EINPUT,
				  "%s: moe_tp %ld x ep %ld must equal tp %ld x "
				  "dp %ld (the GPUs of a stage)",
				  where, s->moe_tp, s->ep, s->tp, s->dp);
	return SC_OK;
}

int deploy_from_json(const cJSON *j, const char *where, const char *basedir,
		     struct deploy_spec *d, struct sc_err *e)
{
	memset(d, 0, sizeof *d);
	int rc;
	const char *name, *backend, *mode;
	const cJSON *workers, *link = NULL, *emu = NULL;
	if (!cJSON_IsObject(j))
		return sc_err_set(e, SC_EINPUT, "%s: must be a JSON object",
				  where);
	if ((rc = jsonio_known_keys(j, deploy_keys, where, e)) ||
	    (rc = jsonio_str(j, "name", true, NULL, &name, where, e)) ||
	    (rc = jsonio_str(j, "backend", false, "unknown", &backend, where,
			     e)) ||
	    (rc = jsonio_str(j, "mode", true, NULL, &mode, where, e)) ||
	    (rc = load_ref(j, "model", where, basedir, d, e)) ||
	    (rc = load_ref(j, "gpu", where, basedir, d, e)) ||
	    (rc = parse_dtype(j, "dtype", "bf16", &d->wdtype, where, e)) ||
	    (rc = parse_dtype(j, "kv_dtype", dtype_name(d->wdtype), &d->kvdtype,
			      where, e)) ||
	    (rc = jsonio_obj(j, "kv_link", false, &link, where, e)) ||
	    (rc = jsonio_obj(j, "emulator", false, &emu, where, e)))
		goto out;
	snprintf(d->name, sizeof d->name, "%s", name);
	snprintf(d->backend, sizeof d->backend, "%s", backend);
	if ((rc = parse_sched(j, where, d, e)))
		goto out;
	if (!strcmp(mode, "agg"))
		d->mode = DEPLOY_AGG;
	else if (!strcmp(mode, "disagg"))
		d->mode = DEPLOY_DISAGG;
	else {
		rc = sc_err_set(
		    e, SC_EINPUT,
		    "%s: field 'mode': must be agg or disagg, got '%s'", where,
		    mode);
		goto out;
	}
	for (int k = 0; k < 2; k++) {
		enum dtype dt = k ? d->kvdtype : d->wdtype;
		if (gpu_supports(&d->gpu, dt, e)) {
			rc = SC_EINPUT;
			sc_err_prefix(e, "%s: field '%s'", where,
				      k ? "kv_dtype" : "dtype");
			goto out;
		}
	}
	workers = cJSON_GetObjectItemCaseSensitive(j, "workers");
	if (!cJSON_IsArray(workers) || cJSON_GetArraySize(workers) == 0) {
		rc = sc_err_set(
		    e, SC_EINPUT,
		    "%s: field 'workers': must be a non-empty array", where);
		goto out;
	}
	const cJSON *w;
	cJSON_ArrayForEach(w, workers)
	{
		char ww[700];
		snprintf(ww, sizeof ww, "%s: workers[%zu]", where, d->n_groups);
		if (d->n_groups == DEPLOY_MAX_GROUPS) {
			rc =
			    sc_err_set(e, SC_EINPUT, "%s: too many groups", ww);
			goto out;
		}
		struct worker_spec *ws = &d->groups[d->n_groups];
		if ((rc = parse_worker(w, ww, ws, e)) ||
		    (rc = check_shape(&d->model, &ws->shape, ww, e)))
			goto out;
		ws->sched = d->sched;
		for (size_t i = 0; i < d->n_groups; i++) {
			if (d->groups[i].role == ws->role) {
				rc = sc_err_set(
				    e, SC_EINPUT,
				    "%s: a second '%s' group; give one group "
				    "per role and set its count",
				    ww, role_names[ws->role]);
				goto out;
			}
		}
		bool ok = d->mode == DEPLOY_AGG ? ws->role == ROLE_AGG
						: ws->role != ROLE_AGG;
		if (!ok) {
			rc = sc_err_set(
			    e, SC_EINPUT,
			    "%s: field 'role': '%s' worker in a %s deployment",
			    ww, role_names[ws->role], mode);
			goto out;
		}
		d->n_groups++;
	}
	if (d->mode == DEPLOY_DISAGG) {
		if (!deploy_group(d, ROLE_PREFILL) ||
		    !deploy_group(d, ROLE_DECODE)) {
			rc = sc_err_set(e, SC_EINPUT,
					"%s: field 'workers': disagg needs one "
					"prefill and one decode group",
					where);
			goto out;
		}
		char lw[700];
		snprintf(lw, sizeof lw, "%s: kv_link", where);
		if (!link) {
			rc = sc_err_set(e, SC_EINPUT,
					"%s: field 'kv_link': missing (disagg "
					"needs the KV transfer link: "
					"{\"gbps\": ..., \"latency_us\": ...})",
					where);
			goto out;
		}
		if ((rc = jsonio_known_keys(link, link_keys, lw, e)) ||
		    (rc = jsonio_range(link, "gbps", true, 0, NUM_LINK_MIN_GBPS,
				       NUM_LINK_MAX_GBPS, &d->link.gbps, lw,
				       e)) ||
		    (rc = jsonio_range(link, "latency_us", false, 0, 0,
				       NUM_LINK_MAX_LATENCY_US,
				       &d->link.latency_us, lw, e)))
			goto out;
	}
	if (emu)
		d->emulator = cJSON_Duplicate(emu, 1);
	rc = SC_OK;
out:
	return rc;
}

int deploy_load(const char *path, struct deploy_spec *d, struct sc_err *e)
{
	cJSON *j = jsonio_load_file(path, e);
	if (!j) {
		memset(d, 0, sizeof *d);
		return SC_EINPUT;
	}
	char *copy = xstrdup(path);
	int rc = deploy_from_json(j, path, dirname(copy), d, e);
	free(copy);
	cJSON_Delete(j);
	if (rc == SC_OK)
		snprintf(d->path, sizeof d->path, "%s", path);
	return rc;
}

void deploy_release(struct deploy_spec *d)
{
	if (d) {
		cJSON_Delete(d->emulator);
		d->emulator = NULL;
	}
}

cJSON *deploy_worker_to_json(const struct worker_spec *g, unsigned keys)
{
	cJSON *w = cJSON_CreateObject();
	cJSON_AddStringToObject(w, "role", role_names[g->role]);
	cJSON_AddNumberToObject(w, "count", (double)g->count);
	cJSON_AddNumberToObject(w, "tp", (double)g->shape.tp);
	cJSON_AddNumberToObject(w, "pp", (double)g->shape.pp);
	if (keys & DEPLOY_W_DP)
		cJSON_AddNumberToObject(w, "dp", (double)g->shape.dp);
	if (keys & DEPLOY_W_MOE) {
		cJSON_AddNumberToObject(w, "ep", (double)g->shape.ep);
		cJSON_AddNumberToObject(w, "moe_tp", (double)g->shape.moe_tp);
	}
	cJSON_AddNumberToObject(w, "max_batch", (double)g->max_batch);
	cJSON_AddNumberToObject(w, "max_num_tokens", (double)g->max_num_tokens);
	return w;
}

cJSON *deploy_to_json(const struct deploy_spec *d)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", d->name);
	if (d->model_ref[0])
		cJSON_AddStringToObject(o, "model", d->model_ref);
	else
		cJSON_AddItemToObject(o, "model",
				      model_spec_to_json(&d->model));
	if (d->gpu_ref[0])
		cJSON_AddStringToObject(o, "gpu", d->gpu_ref);
	else
		cJSON_AddItemToObject(o, "gpu", gpu_spec_to_json(&d->gpu));
	cJSON_AddStringToObject(o, "backend", d->backend);
	cJSON_AddStringToObject(o, "dtype", dtype_name(d->wdtype));
	cJSON_AddStringToObject(o, "kv_dtype", dtype_name(d->kvdtype));
	cJSON_AddStringToObject(o, "mode", deploy_mode_name(d->mode));
	cJSON *ws = cJSON_AddArrayToObject(o, "workers");
	for (size_t i = 0; i < d->n_groups; i++)
		cJSON_AddItemToArray(
		    ws, deploy_worker_to_json(
			    &d->groups[i],
			    d->model.experts ? DEPLOY_W_DP | DEPLOY_W_MOE : 0));
	if (d->mode == DEPLOY_DISAGG) {
		cJSON *l = cJSON_AddObjectToObject(o, "kv_link");
		cJSON_AddNumberToObject(l, "gbps", d->link.gbps);
		cJSON_AddNumberToObject(l, "latency_us", d->link.latency_us);
	}
	if (d->sched_given) {
		cJSON *sc = cJSON_AddObjectToObject(o, "scheduler");
		cJSON_AddStringToObject(sc, "policy",
					sched_policy_name(d->sched.policy));
		cJSON_AddBoolToObject(sc, "chunked", !d->sched.whole_prompts);
		cJSON_AddStringToObject(
		    sc, "kv_cache", d->sched.unified_kv ? "unified" : "paged");
		cJSON_AddNumberToObject(sc, "start_lag_ms",
					d->sched.start_lag_s * 1e3);
		cJSON_AddStringToObject(sc, "kv_memory",
					d->sched.kv_of_free ? "free" : "total");
		cJSON_AddNumberToObject(sc, "cpu_share", d->sched.cpu_share);
		cJSON_AddStringToObject(
		    sc, "queue_order",
		    d->sched.arrivals_first ? "arrivals_first" : "fifo");
		cJSON_AddNumberToObject(sc, "engine_wait",
					(double)d->sched.engine_wait);
	}
	if (d->emulator)
		cJSON_AddItemToObject(o, "emulator",
				      cJSON_Duplicate(d->emulator, 1));
	return o;
}

int deploy_save(const char *path, const struct deploy_spec *d, struct sc_err *e)
{
	cJSON *j = deploy_to_json(d);
	int rc = jsonio_save_file(path, j, e);
	cJSON_Delete(j);
	return rc;
}
