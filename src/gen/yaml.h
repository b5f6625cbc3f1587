/* YAML text from a cJSON tree: block style, two-space indents, strings
 * quoted when a YAML reader could take them for something else, text with
 * newlines as literal blocks. Enough for engine configs and Kubernetes
 * manifests; servecal never reads YAML. */
#ifndef SC_GEN_YAML_H
#define SC_GEN_YAML_H
#include <cjson/cJSON.h>

#include "util/textbuf.h"

/* Appends doc (an object or an array) as one YAML document to b. Raw
 * items (cJSON_CreateRaw) are written as they are. */
void gen_yaml_append(struct textbuf *b, const cJSON *doc);

/* Appends each item of docs (an array) as a document, "---" between
 * them. */
void gen_yaml_append_docs(struct textbuf *b, const cJSON *docs);

#endif
