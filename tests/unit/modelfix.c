/* A model context over the shipped catalogs for the model tests. */
#include "modelfix.h"

#include <stdio.h>
#include <stdlib.h>

void modelfix_init(struct modelfix *f, const char *model, const char *gpu,
		   enum dtype w, enum dtype kv)
{
	struct sc_err e = {0};
	if (model_spec_load(model, &f->m, &e) ||
	    gpu_spec_load(gpu, &f->g, &e)) {
		fprintf(stderr, "modelfix: %s\n", e.msg);
		abort();
	}
	params_default(&f->p);
	f->c = (struct model_ctx){&f->m, &f->g, w, kv, &f->p, NULL};
}
