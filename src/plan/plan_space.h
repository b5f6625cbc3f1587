/* The space of worker parallelisms the search walks: tp and pp over powers of
 * two; for MoE models also attention dp and the split of experts moe_tp x ep
 * over the GPUs of a stage. Shapes the model cannot divide are left out. */
#ifndef SC_PLAN_SPACE_H
#define SC_PLAN_SPACE_H
#include <stddef.h>

#include "model/step.h"

/* Upper bound on shapes for max_gpus <= 1024. */
#define PLAN_SPACE_MAX 4096

/* Writes the shapes with tp * pp * dp <= max_gpus that model_ctx_check
 * accepts into out (capacity cap), fewest GPUs first; returns the count
 * (at most cap). */
size_t plan_shapes(const struct model_ctx *c, long max_gpus,
		   struct worker_shape *out, size_t cap);

/* Batch sizes worth evaluating up to max_batch: every size up to
 * 2 * per_doubling, then per_doubling sizes per doubling (4: 1..8, 10, 12,
 * 14, 16, 20, ...; 2: 1..4, 6, 8, 12, 16, 24, ...), always ending at
 * max_batch. Writes ascending values into out (capacity cap); returns the
 * count. */
size_t plan_batch_grid(long max_batch, long per_doubling, long *out,
		       size_t cap);

#endif
