/* servecal's measurements in the files AIPerf writes, so dashboards that
 * read AIPerf runs read servecal's: profile_export.jsonl (one record per
 * request: metadata, metrics with units, error), profile_export_aiperf.json
 * (a stats block per metric plus the run's aggregates) and
 * profile_export_aiperf.csv (the same as a table). Metric names and units
 * are AIPerf's; `servecal import aiperf` reads them back. */
#ifndef SC_AIPERF_OUT_H
#define SC_AIPERF_OUT_H
#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "metrics/request.h"
#include "metrics/summary.h"
#include "util/err.h"

/* One profile_export.jsonl record for r (wall_offset_ns turns monotonic
 * times into wall-clock ns: wall = mono + offset). Caller frees. */
cJSON *aiperf_record(const struct req_record *r, long long wall_offset_ns);
/* Writes the line aiperf_record's tree prints (jsonw_write), without the
 * tree, to f (no newline). Returns false on a write error. */
bool aiperf_write_record(FILE *f, const struct req_record *r,
			 long long wall_offset_ns);

/* profile_export_aiperf.json from a level's summary (its statistics of
 * every metric with samples, throughput, counts, goodput under an SLA),
 * with the model name and the concurrency or request rate. Caller
 * frees. */
cJSON *aiperf_summary(const struct level_summary *s,
		      const struct level_info *li, const char *model);

/* Writes profile_export_aiperf.csv: a row per record metric (avg, min,
 * max, p99, p90, p75, p50, p25, std), then a row per aggregate. Returns 0,
 * or -1 on a write error (errno set). */
int aiperf_csv(FILE *f, const cJSON *aiperf_json) SC_MUST_CHECK;

#endif
