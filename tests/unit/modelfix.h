/* A model context over the shipped catalogs for the model tests. */
#ifndef SC_MODELFIX_H
#define SC_MODELFIX_H
#include "model/step.h"

struct modelfix {
	struct model_spec m;
	struct gpu_spec g;
	struct model_params p;
	struct model_ctx c;
};

/* Loads model and GPU by catalog name with default params; aborts the test
 * program on failure. */
void modelfix_init(struct modelfix *f, const char *model, const char *gpu,
		   enum dtype w, enum dtype kv);

#endif
