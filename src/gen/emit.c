/* Writing a plan's directory. Files are written whole (temporary file
 * and rename), so a reader never sees half a script. */
#include "gen/emit.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gen/dgd.h"
#include "gen/shell.h"
#include "gen/subst.h"
#include "gen/yaml.h"
#include "util/fs.h"
#include "util/jsonio.h"
#include "util/textbuf.h"

static cJSON *render(const char *s, const struct gen_literal *lit)
{
	struct textbuf t;
	textbuf_init(&t);
	gen_subst_literal(&t, s, lit);
	cJSON *j = cJSON_CreateString(t.s);
	textbuf_release(&t);
	return j;
}

static cJSON *env_obj(const struct gen_proc *pr, const struct gen_literal *lit)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; i < pr->n_env; i++) {
		char name[128];
		const char *eq = strchr(pr->env[i], '=');
		snprintf(name, sizeof name, "%.*s", (int)(eq - pr->env[i]),
			 pr->env[i]);
		cJSON_AddItemToObject(o, name, render(eq + 1, lit));
	}
	return o;
}

static cJSON *config_json(const struct gen_plan *p)
{
	const struct deploy_spec *d = p->d;
	cJSON *ws = cJSON_CreateArray();
	for (size_t g = 0; g < d->n_groups; g++)
		cJSON_AddItemToArray(
		    ws, deploy_worker_to_json(&d->groups[g], DEPLOY_W_DP));
	return ws;
}

cJSON *gen_launch_json(const struct gen_plan *p, const char *dir)
{
	const struct deploy_spec *d = p->d;
	const struct gen_literal lit = {.model = p->model_path,
					.bind = "0.0.0.0",
					.dir = dir,
					.port = p->port,
					.host = "127.0.0.1"};
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "generated_by", "servecal generate");
	cJSON_AddStringToObject(j, "deployment", d->name);
	cJSON_AddStringToObject(j, "backend", p->b->name);
	cJSON_AddStringToObject(j, "engine", gen_plan_engine(p));
	cJSON_AddStringToObject(j, "engine_title", p->b->title);
	cJSON_AddStringToObject(j, "engine_version", p->b->version);
	cJSON_AddStringToObject(j, "doc", p->b->doc);
	cJSON_AddStringToObject(j, "model", d->model.name);
	cJSON_AddStringToObject(j, "model_path", p->model_path);
	cJSON_AddStringToObject(j, "dtype", dtype_name(d->wdtype));
	cJSON_AddStringToObject(j, "kv_dtype", dtype_name(d->kvdtype));
	cJSON_AddStringToObject(j, "mode", deploy_mode_name(d->mode));
	cJSON_AddItemToObject(j, "workers", config_json(p));
	cJSON_AddNumberToObject(j, "max_model_len", (double)p->max_model_len);
	cJSON_AddNumberToObject(j, "port", p->port);
	cJSON_AddStringToObject(j, "health", p->health);
	cJSON_AddNumberToObject(j, "nodes", (double)p->nodes);
	cJSON_AddNumberToObject(j, "gpus_per_node", (double)p->gpus_per_node);
	cJSON *procs = cJSON_AddArrayToObject(j, "processes");
	for (size_t i = 0; i < p->n_procs; i++) {
		const struct gen_proc *pr = &p->procs[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", pr->name);
		cJSON_AddNumberToObject(o, "node", (double)pr->node);
		cJSON_AddNumberToObject(o, "gpus", (double)pr->gpus);
		if (pr->gpus)
			cJSON_AddNumberToObject(o, "first_gpu",
						(double)pr->gpu_first);
		if (pr->port_off >= 0)
			cJSON_AddNumberToObject(
			    o, "port", (double)(p->port + pr->port_off));
		cJSON *cmd = cJSON_AddArrayToObject(o, "command");
		for (size_t k = 0; k < pr->argc; k++)
			cJSON_AddItemToArray(cmd, render(pr->argv[k], &lit));
		cJSON_AddItemToObject(o, "env", env_obj(pr, &lit));
		cJSON_AddItemToArray(procs, o);
	}
	cJSON *notes = cJSON_AddArrayToObject(j, "notes");
	for (size_t i = 0; i < p->n_notes; i++)
		cJSON_AddItemToArray(notes, cJSON_CreateString(p->notes[i]));
	/* One process on one node: what a campaign's "launch" takes. */
	if (p->n_procs == 1) {
		const struct gen_literal camp = {.model = p->model_path,
						 .bind = "{host}",
						 .dir = dir,
						 .port = 0,
						 .host = "{host}"};
		const struct gen_proc *pr = &p->procs[0];
		cJSON *l = cJSON_AddObjectToObject(j, "launch");
		cJSON *cmd = cJSON_AddArrayToObject(l, "command");
		for (size_t k = 0; k < pr->argc; k++) {
			/* The campaign picks the port: {PORT+0} is "{port}". */
			cJSON *a = !strcmp(pr->argv[k], "{PORT+0}")
				       ? cJSON_CreateString("{port}")
				       : render(pr->argv[k], &camp);
			cJSON_AddItemToArray(cmd, a);
		}
		if (pr->n_env)
			cJSON_AddItemToObject(l, "env", env_obj(pr, &camp));
		cJSON_AddStringToObject(l, "health", p->health);
	}
	return j;
}

static int save_text(const struct textbuf *t, const char *dir, const char *name,
		     mode_t mode, struct sc_err *e)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int rc = textbuf_save(t, path, e);
	if (rc == SC_OK && chmod(path, mode))
		rc = sc_err_set(e, SC_ERUNTIME, "chmod %s: %s", path,
				strerror(errno));
	return rc;
}

int gen_write_dir(const struct gen_plan *p, const char *dir, struct sc_err *e)
{
	int rc;
	if ((rc = fs_mkdir_p(dir, e)))
		return rc;
	char *abs = realpath(dir, NULL);
	const char *adir = abs ? abs : dir;
	struct textbuf t;
	textbuf_init(&t);
	gen_shell_script(&t, p);
	rc = save_text(&t, adir, "run.sh", 0755, e);
	const struct gen_literal lit = {.model = p->model_path,
					.bind = "0.0.0.0",
					.dir = adir,
					.port = p->port,
					.host = "localhost"};
	for (size_t i = 0; i < p->n_files && rc == SC_OK; i++) {
		struct textbuf y, s;
		textbuf_init(&y);
		textbuf_init(&s);
		textbuf_printf(&s,
			       "# %s for deployment '%s' on %s "
			       "(servecal generate)\n",
			       p->files[i].runtime ? "Written again by run.sh"
						   : "Engine config",
			       p->d->name, p->b->title);
		gen_yaml_append(&y, p->files[i].doc);
		gen_subst_literal(&s, y.s, &lit);
		rc = save_text(&s, adir, p->files[i].name, 0644, e);
		textbuf_release(&y);
		textbuf_release(&s);
	}
	cJSON *man = rc == SC_OK ? gen_dgd_manifest(p, NULL) : NULL;
	if (man) {
		char svc[96];
		gen_dgd_frontend_service(p, svc, sizeof svc);
		textbuf_release(&t);
		textbuf_init(&t);
		textbuf_printf(&t,
			       "# DynamoGraphDeployment for deployment '%s' on "
			       "%s (servecal generate).\n"
			       "# kubectl apply -f deploy.yaml; the endpoint "
			       "is Service %s, port %d.\n",
			       p->d->name, p->b->title, svc,
			       GEN_DGD_FRONTEND_PORT);
		gen_yaml_append_docs(&t, man);
		rc = save_text(&t, adir, "deploy.yaml", 0644, e);
		cJSON_Delete(man);
	}
	if (rc == SC_OK) {
		cJSON *lj = gen_launch_json(p, adir);
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/launch.json", adir);
		rc = jsonio_save_file(path, lj, e);
		cJSON_Delete(lj);
	}
	if (rc == SC_OK) {
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/deployment.json", adir);
		rc = deploy_save(path, p->d, e);
	}
	textbuf_release(&t);
	free(abs);
	return rc;
}

int gen_emit_best(const char *dir, const struct plan_query *q,
		  const struct plan_result *r, const struct gen_opts *o,
		  struct gen_emitted out[2])
{
	const struct plan_mode_result *modes[] = {&r->agg, &r->disagg};
	static const char *const names[] = {"match-best-agg",
					    "match-best-disagg"};
	int first = SC_OK;
	for (size_t m = 0; m < 2; m++) {
		struct gen_emitted *x = &out[m];
		memset(x, 0, sizeof *x);
		if (!modes[m]->n)
			continue;
		x->present = true;
		struct deploy_spec d;
		plan_config_deploy(q, &modes[m]->cfg[0], names[m], &d);
		struct gen_opts go = *o;
		if (go.max_model_len <= 0)
			go.max_model_len = (long)(q->wl.isl + q->wl.osl);
		struct gen_plan p;
		snprintf(x->dir, sizeof x->dir, "%s/%s", dir, names[m]);
		x->status = gen_plan_build(&d, &go, &p, &x->e);
		if (x->status == SC_OK)
			x->status = gen_write_dir(&p, x->dir, &x->e);
		/* the list moves to the caller */
		x->unsupported = p.unsupported;
		x->n_unsupported = p.n_unsupported;
		p.unsupported = NULL;
		p.n_unsupported = 0;
		gen_plan_release(&p);
		deploy_release(&d);
		if (x->status && first == SC_OK)
			first = x->status;
	}
	return first;
}

void gen_emitted_release(struct gen_emitted *m)
{
	for (size_t i = 0; i < m->n_unsupported; i++)
		free(m->unsupported[i]);
	free(m->unsupported);
	m->unsupported = NULL;
	m->n_unsupported = 0;
}
