/* The closing block bench prints for each level, laid out like
 * `vllm bench serve`'s result block: request counts, the steady window,
 * throughput in requests and tokens (per GPU too), TTFT/TPOT/ITL/E2E
 * statistics in ms, SLA verdicts, attainment and goodput, and failures by
 * reason with the first message of each. Pure: formats a summary. */
#ifndef SC_BENCH_BLOCK_H
#define SC_BENCH_BLOCK_H
#include <stdio.h>

#include "metrics/summary.h"
#include "util/err.h"

/* Percentiles resting on fewer samples than this get a note. */
#define BENCH_BLOCK_FEW_SAMPLES 20

/* Writes the block of level `level` (s and li as summary_acc_finish or
 * summary_from_json fill them) to f. Returns 0, or -1 when a write
 * failed (errno set). */
int bench_block_write(FILE *f, const char *level, const struct level_summary *s,
		      const struct level_info *li) SC_MUST_CHECK;

/* The sweep overview: its header (rate_column: "rate" for open-loop
 * levels, else "little_N") and one row per level. */
void bench_block_overview_header(FILE *f, const char *rate_column);
void bench_block_overview_row(FILE *f, const char *level,
			      const struct level_summary *s,
			      const struct level_info *li);

/* The overview after a sweep of several levels: the header and one row
 * per level of p, read back from the summaries written (levels skipped
 * by --resume included; a level without a summary is left out). */
struct bench_plan;
void bench_block_overview(FILE *f, const struct bench_plan *p);

#endif
