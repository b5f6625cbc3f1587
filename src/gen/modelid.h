/* Which checkpoint an engine loads for a catalog model and weight dtype
 * (Hugging Face ids), for launch files written without --model-path. */
#ifndef SC_GEN_MODELID_H
#define SC_GEN_MODELID_H
#include <stddef.h>

#include "model/dtype.h"
#include "util/err.h"

/* Copies the checkpoint id of model (a model spec's name, any case) with
 * weights in wdtype into buf. SC_EINPUT naming both when none is known
 * (the caller then needs the path from the user). */
int gen_model_id(const char *model, enum dtype wdtype, char *buf, size_t len,
		 struct sc_err *e) SC_MUST_CHECK;

#endif
