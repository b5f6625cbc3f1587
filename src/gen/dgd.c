/* DynamoGraphDeployment manifests (nvidia.com/v1alpha1, spec.services),
 * after the Dynamo operator's examples: one service per worker group with
 * its replicas and a GPU limit per replica. */
#include "gen/dgd.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "gen/subst.h"
#include "gen/yaml.h"
#include "util/textbuf.h"

/* Kubernetes names: lowercase letters, digits and '-', at most 63; the
 * operator appends suffixes, so keep room. */
#define NAME_MAX_LEN 40

void gen_dgd_name(const struct gen_plan *p, char *buf, size_t len)
{
	size_t n = 0;
	for (const char *s = p->d->name; *s && n + 1 < len && n < NAME_MAX_LEN;
	     s++) {
		char c = (char)tolower((unsigned char)*s);
		if (!isalnum((unsigned char)c))
			c = '-';
		if (c == '-' && (n == 0 || buf[n - 1] == '-'))
			continue;
		buf[n++] = c;
	}
	while (n > 0 && buf[n - 1] == '-')
		n--;
	if (n == 0)
		n = (size_t)snprintf(buf, len, "servecal");
	buf[n < len ? n : len - 1] = '\0';
}

void gen_dgd_frontend_service(const struct gen_plan *p, char *buf, size_t len)
{
	char name[64];
	gen_dgd_name(p, name, sizeof name);
	snprintf(buf, len, "%s-frontend", name);
}

/* Component names as Dynamo's examples spell them. */
static const struct {
	const char *engine, *prefix;
} prefixes[] = {{"vllm", "Vllm"}, {"sglang", "Sglang"}, {"trtllm", "Trtllm"}};

static cJSON *strings(char *const *v, size_t from, size_t n,
		      const struct gen_literal *lit)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = from; i < n; i++) {
		struct textbuf t;
		textbuf_init(&t);
		gen_subst_literal(&t, v[i], lit);
		cJSON_AddItemToArray(a, cJSON_CreateString(t.s));
		textbuf_release(&t);
	}
	return a;
}

static const struct gen_proc *first_of_group(const struct gen_plan *p,
					     size_t group)
{
	for (size_t i = 0; i < p->n_procs; i++)
		if (p->procs[i].kind == GEN_PROC_WORKER &&
		    p->procs[i].group == group)
			return &p->procs[i];
	return NULL;
}

static void add_meta(cJSON *doc, const char *kind, const char *name,
		     const char *ns, const char *api)
{
	cJSON_AddStringToObject(doc, "apiVersion", api);
	cJSON_AddStringToObject(doc, "kind", kind);
	cJSON *meta = cJSON_AddObjectToObject(doc, "metadata");
	cJSON_AddStringToObject(meta, "name", name);
	if (ns)
		cJSON_AddStringToObject(meta, "namespace", ns);
}

cJSON *gen_dgd_manifest(const struct gen_plan *p, const char *ns)
{
	if (p->b->router != GEN_ROUTER_DYNAMO)
		return NULL;
	const struct deploy_spec *d = p->d;
	char name[64], cm[96];
	gen_dgd_name(p, name, sizeof name);
	snprintf(cm, sizeof cm, "%s-engine-config", name);
	const struct gen_literal lit = {.model = p->model_path,
					.bind = "0.0.0.0",
					.dir = GEN_DGD_CONFIG_DIR,
					.port = p->port,
					.host = "localhost"};
	cJSON *docs = cJSON_CreateArray();
	if (p->n_files) {
		cJSON *c = cJSON_CreateObject();
		add_meta(c, "ConfigMap", cm, ns, "v1");
		cJSON *data = cJSON_AddObjectToObject(c, "data");
		for (size_t i = 0; i < p->n_files; i++) {
			struct textbuf t;
			textbuf_init(&t);
			gen_yaml_append(&t, p->files[i].doc);
			cJSON_AddStringToObject(data, p->files[i].name, t.s);
			textbuf_release(&t);
		}
		cJSON_AddItemToArray(docs, c);
	}
	cJSON *g = cJSON_CreateObject();
	add_meta(g, "DynamoGraphDeployment", name, ns, "nvidia.com/v1alpha1");
	cJSON *ann = cJSON_AddObjectToObject(cJSON_GetObjectItem(g, "metadata"),
					     "annotations");
	char about[512];
	snprintf(about, sizeof about, "servecal generate: deployment %s on %s",
		 d->name, p->b->title);
	cJSON_AddStringToObject(ann, "servecal/generated-by", about);
	cJSON *spec = cJSON_AddObjectToObject(g, "spec");
	cJSON_AddStringToObject(spec, "backendFramework", p->b->engine);
	cJSON *svcs = cJSON_AddObjectToObject(spec, "services");
	cJSON *fe = cJSON_AddObjectToObject(svcs, "Frontend");
	cJSON_AddStringToObject(fe, "dynamoNamespace", name);
	cJSON_AddStringToObject(fe, "componentType", "frontend");
	cJSON_AddNumberToObject(fe, "replicas", 1);
	cJSON *fmc = cJSON_AddObjectToObject(
	    cJSON_AddObjectToObject(fe, "extraPodSpec"), "mainContainer");
	cJSON_AddStringToObject(fmc, "image", p->image);
	const char *prefix = "";
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (!strcmp(prefixes[i].engine, p->b->engine))
			prefix = prefixes[i].prefix;
	size_t prog = 0;
	while (p->b->program[prog] && strcmp(p->b->program[prog], "{MODEL}"))
		prog++;
	size_t cmd_len = prog > 0 ? prog - 1 : 0; /* up to "--model" */
	for (size_t gi = 0; gi < d->n_groups; gi++) {
		const struct worker_spec *w = &d->groups[gi];
		const struct gen_proc *pr = first_of_group(p, gi);
		if (!pr)
			continue;
		char svc[64];
		snprintf(svc, sizeof svc, "%s%sWorker", prefix,
			 w->role == ROLE_PREFILL  ? "Prefill"
			 : w->role == ROLE_DECODE ? "Decode"
						  : "");
		cJSON *s = cJSON_AddObjectToObject(svcs, svc);
		cJSON_AddStringToObject(s, "dynamoNamespace", name);
		cJSON_AddStringToObject(s, "envFromSecret", "hf-token-secret");
		cJSON_AddStringToObject(s, "componentType", "worker");
		if (w->role != ROLE_AGG)
			cJSON_AddStringToObject(s, "subComponentType",
						worker_role_name(w->role));
		cJSON_AddNumberToObject(s, "replicas", (double)w->count);
		char gpus[32];
		snprintf(gpus, sizeof gpus, "%ld", worker_gpus(&w->shape));
		cJSON *lim = cJSON_AddObjectToObject(
		    cJSON_AddObjectToObject(s, "resources"), "limits");
		cJSON_AddStringToObject(lim, "gpu", gpus);
		cJSON *eps = cJSON_AddObjectToObject(s, "extraPodSpec");
		cJSON *mc = cJSON_AddObjectToObject(eps, "mainContainer");
		cJSON_AddStringToObject(mc, "image", p->image);
		cJSON_AddItemToObject(mc, "command",
				      strings(pr->argv, 0, cmd_len, &lit));
		cJSON_AddItemToObject(
		    mc, "args", strings(pr->argv, cmd_len, pr->argc, &lit));
		if (pr->config >= 0) {
			cJSON *vm = cJSON_CreateObject();
			cJSON_AddStringToObject(vm, "name", "engine-config");
			cJSON_AddStringToObject(vm, "mountPath",
						GEN_DGD_CONFIG_DIR);
			cJSON_AddBoolToObject(vm, "readOnly", 1);
			cJSON *vms = cJSON_AddArrayToObject(mc, "volumeMounts");
			cJSON_AddItemToArray(vms, vm);
			cJSON *v = cJSON_CreateObject();
			cJSON_AddStringToObject(v, "name", "engine-config");
			cJSON_AddStringToObject(
			    cJSON_AddObjectToObject(v, "configMap"), "name",
			    cm);
			cJSON_AddItemToArray(
			    cJSON_AddArrayToObject(eps, "volumes"), v);
		}
	}
	cJSON_AddItemToArray(docs, g);
	return docs;
}
