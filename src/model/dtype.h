/* Numeric formats of weights and KV cache, with their sizes. */
#ifndef SC_DTYPE_H
#define SC_DTYPE_H

#include "util/err.h"

enum dtype { DT_BF16 = 0, DT_FP8, DT_FP4, DT_COUNT };

/* Bytes per element (fp4 is 0.5). */
double dtype_bytes(enum dtype d);
/* "bf16", "fp8", "fp4". */
const char *dtype_name(enum dtype d);
/* Parses a name (also "fp16" as a synonym of bf16's size class). Returns 0,
 * or -1 for an unknown name. */
int dtype_parse(const char *s, enum dtype *out) SC_MUST_CHECK;

#endif
