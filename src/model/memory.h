/* Per-GPU memory plan of a worker: weights, activations, KV cache, and the
 * largest batch that fits a given sequence length. */
#ifndef SC_MEMORY_H
#define SC_MEMORY_H
#include <stdbool.h>

#include "model/step.h"

struct mem_plan {
	double weights_gib;    /* per GPU */
	double activation_gib; /* per GPU, for the token budget */
	double reserved_gib;   /* runtime reserve per GPU */
	double kv_gib;	       /* left for KV per GPU (may be <= 0) */
	double kv_bytes_per_token_per_gpu;
	double kv_capacity_tokens; /* per worker */
	long max_batch_fit;	   /* sequences of seq_len that fit */
	bool oom; /* weights + activations exceed memory, or not one sequence
		     of seq_len fits */
};

/* Plans memory for a worker with the given token budget, holding sequences
 * of seq_len tokens (ISL + OSL), as the engine of c->sched splits memory
 * (NULL: as vLLM does). */
void mem_plan_worker(const struct model_ctx *c, const struct worker_shape *s,
		     double max_num_tokens, double seq_len,
		     struct mem_plan *out);

#endif
