/* Dynamo's Kubernetes form of a plan: a DynamoGraphDeployment (frontend
 * plus agg, or prefill and decode, workers with replicas, GPU limits and
 * engine arguments), preceded by a ConfigMap with the engine config files
 * when the engine reads one (TensorRT-LLM). */
#ifndef SC_GEN_DGD_H
#define SC_GEN_DGD_H
#include <stddef.h>

#include <cjson/cJSON.h>

#include "gen/gen.h"

/* Port of the frontend Service the Dynamo operator creates. */
#define GEN_DGD_FRONTEND_PORT 8000
/* Where the engine config files are mounted in the worker pods. */
#define GEN_DGD_CONFIG_DIR "/opt/servecal"

/* The manifest's documents (an array; caller frees), or NULL when p is
 * not a Dynamo plan. namespace may be NULL (kubectl's). */
cJSON *gen_dgd_manifest(const struct gen_plan *p, const char *ns);

/* The DynamoGraphDeployment's name (the deployment's, as a Kubernetes
 * name) and the frontend Service the operator creates for it. */
void gen_dgd_name(const struct gen_plan *p, char *buf, size_t len);
void gen_dgd_frontend_service(const struct gen_plan *p, char *buf, size_t len);

#endif
