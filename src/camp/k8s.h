/* Campaign deployments on Kubernetes (`"kubernetes": {...}` in a campaign
 * file): servecal applies a manifest (a DynamoGraphDeployment generated
 * from the deployment spec, or a given file) with `kubectl apply -f`,
 * waits for readiness (`kubectl wait` or `kubectl rollout status`),
 * reaches the frontend (a service URL, or `kubectl port-forward` on a
 * loopback port), benches, and `kubectl delete`s it after. Every kubectl
 * call goes to DIR/logs/k8s-NAME.log. */
#ifndef SC_K8S_H
#define SC_K8S_H
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "camp/launch.h"
#include "model/deploy.h"
#include "util/err.h"

struct k8s_spec {
	char manifest[4096];	    /* absolute; "": generated (Dynamo) */
	char ns[128], context[256]; /* kubectl -n, --context; "" none */
	char engine[32];	/* Dynamo's engine; "": the spec's backend */
	char model_path[1024];	/* "": the catalog's checkpoint id */
	char image[512];	/* "": Dynamo's runtime image */
	char resource[256];	/* what readiness is asked of; "": the DGD */
	bool rollout;		/* `rollout status` instead of `wait` */
	char condition[128];	/* kubectl wait --for=...; "condition=Ready" */
	char service[256];	/* the frontend Service; "": the DGD's */
	int service_port;	/* the Service's port */
	char url[512];		/* reach the frontend here, not port-forward */
	char health[256];	/* health path of the frontend */
	long max_model_len;	/* 0: from the campaign's workload */
	long gpus_per_node;	/* 0: the GPU spec's */
	double ready_timeout_s; /* apply to healthy */
	double poll_s;		/* kubectl wait slice */
	bool keep;		/* leave it applied after the bench */
};

/* Reads a "kubernetes" object; a relative manifest path is relative to
 * base (the campaign file's directory). SC_EINPUT naming the field, the
 * problem and the value. */
int k8s_spec_from_json(const cJSON *j, const char *where, const char *base,
		       struct k8s_spec *s, struct sc_err *e) SC_MUST_CHECK;

struct k8s_run {
	const struct k8s_spec *s;
	char manifest[4096]; /* what was applied */
	char log[4096], scratch[4096];
	char applied_file[4096]; /* DIR/k8s/NAME.applied while applied */
	bool applied;
	struct launch pf; /* kubectl port-forward */
	bool forwarding;
	char url[512];
	char why[400]; /* why it is gone */
};

struct k8s_up {
	const char *dir;  /* campaign directory */
	const char *name; /* the deployment's name */
	const struct deploy_spec *d;
	const struct k8s_spec *s;
	long max_model_len; /* when s has none */
	volatile sig_atomic_t *stop;
	void (*note)(void *ud, const char *line); /* may be NULL */
	void *ud;
};

/* Generates the manifest when none is given (DIR/k8s/NAME.yaml), deletes
 * what an earlier run of this deployment left applied, applies, waits for
 * readiness and a healthy frontend, and fills r->url. On failure
 * (generation, apply, never ready, *stop) what was applied is deleted and
 * e quotes kubectl (and the pods' status). */
int k8s_bring_up(const struct k8s_up *u, struct k8s_run *r,
		 struct sc_err *e) SC_MUST_CHECK;
/* Whether the frontend is still reachable the way it was (the
 * port-forward still runs); fills r->why when not. */
bool k8s_running(struct k8s_run *r);
/* Stops the port-forward and deletes what was applied (unless keep). */
void k8s_tear_down(struct k8s_run *r);

#endif
