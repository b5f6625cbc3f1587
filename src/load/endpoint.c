/* Endpoint URL and server metadata. */
#include "load/endpoint.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "util/xalloc.h"

/* A /v1/models answer larger than this is not a model list. */
#define ENDPOINT_MODELS_MAX_BYTES (1 << 20)
#define ENDPOINT_TIMEOUT_MS	  10000L
/* Sizes outside this range are not believed. */
#define ENDPOINT_MAX_COUNT 100000000L

char *endpoint_url(const char *url, bool chat)
{
	if (strstr(url, "/completions"))
		return xstrdup(url);
	size_t n = strlen(url);
	while (n && url[n - 1] == '/')
		n--;
	bool has_v1 = n >= 3 && !strncmp(url + n - 3, "/v1", 3);
	return xasprintf("%.*s%s%s", (int)n, url, has_v1 ? "" : "/v1",
			 chat ? "/chat/completions" : "/completions");
}

static long count_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble < 1 || v->valuedouble > ENDPOINT_MAX_COUNT)
		return -1;
	return (long)v->valuedouble;
}

int endpoint_parse_models(const char *body, const char *what,
			  struct endpoint_info *info, struct sc_err *e)
{
	info->model[0] = 0;
	info->n_vocab = info->max_model_len = -1;
	cJSON *j = cJSON_Parse(body);
	const cJSON *m0 =
	    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "data"), 0);
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(m0, "id");
	int rc = SC_OK;
	if (!cJSON_IsString(id) || !id->valuestring[0]) {
		rc = sc_err_set(e, SC_ERUNTIME,
				"%s: no model id in the answer (%.120s)", what,
				body);
		goto out;
	}
	snprintf(info->model, sizeof info->model, "%s", id->valuestring);
	/* vLLM and SGLang: max_model_len; llama.cpp: meta.n_vocab and
	 * meta.n_ctx_train. */
	info->max_model_len = count_of(m0, "max_model_len");
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(m0, "meta");
	if (cJSON_IsObject(meta)) {
		info->n_vocab = count_of(meta, "n_vocab");
		if (info->max_model_len < 0)
			info->max_model_len = count_of(meta, "n_ctx_train");
	}
out:
	cJSON_Delete(j);
	return rc;
}

int endpoint_query(const struct http_options *ho, const char *ep,
		   struct endpoint_info *info, struct sc_err *e)
{
	const char *v1 = strstr(ep, "/v1/");
	char *url = xasprintf("%.*s/v1/models",
			      (int)(v1 ? v1 - ep : (long)strlen(ep)), ep);
	char *buf = xmalloc(ENDPOINT_MODELS_MAX_BYTES);
	long status = 0;
	int rc = http_get_text(ho, url, buf, ENDPOINT_MODELS_MAX_BYTES,
			       ENDPOINT_TIMEOUT_MS, &status, e);
	if (rc == SC_OK && status != 200)
		rc = sc_err_set(e, SC_ERUNTIME, "GET %s: HTTP %ld: %.200s", url,
				status, buf);
	if (rc == SC_OK)
		rc = endpoint_parse_models(buf, url, info, e);
	free(buf);
	free(url);
	return rc;
}
