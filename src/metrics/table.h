/* Published measurement tables (one row per measured point: configuration,
 * workload, load, whatever metrics were given; JSONL or CSV) converted to
 * servecal's results: one deployment per configuration and one level
 * summary per row, so published sweeps calibrate like servecal's own runs.
 * Metrics a row lacks are null in its summary and named under "missing";
 * nothing is invented, and what had to be assumed is named under
 * "source"."assumed". */
#ifndef SC_TABLE_H
#define SC_TABLE_H
#include <stddef.h>

#include <cjson/cJSON.h>

#include "util/err.h"

/* Caps of a table: its file size and rows. */
#define TABLE_MAX_FILE_BYTES (16u << 20)
#define TABLE_MAX_ROWS	     100000

/* The load a row was measured under, as its level's directory says:
 * cN closed loop of N users, rR open loop at R requests/s (Poisson),
 * "burst" every request at once (offline, max throughput), "prefill" a
 * disaggregated prefill pool loaded alone (input tokens/s), "decodeB" a
 * decode pool held at batch B alone (output tokens/s). */
enum table_load {
	TABLE_CLOSED,
	TABLE_OPEN,
	TABLE_BURST,
	TABLE_PREFILL_ONLY,
	TABLE_DECODE_ONLY,
};
/* "closed", "open", "burst", "prefill_only", "decode_only": the value of
 * "load"."kind" in a level summary. */
const char *table_load_name(enum table_load k);
/* The kind named s; -1 for none. */
int table_load_parse(const char *s, enum table_load *out) SC_MUST_CHECK;

/* The "load" object of an imported level's summary.json (table_import
 * writes it beside summary_to_json's keys): the kind of load, its users
 * (closed loop, decode pool) or rate (open loop), NaN where not given, and
 * for a prefill pool the prompt tokens an iteration carried (0: not
 * stated). */
struct table_load_info {
	enum table_load kind;
	double users, rate_per_s, tokens_per_iteration;
};
/* Reads summary j's "load" object into out. Returns 1 when j has none (a
 * bench's summary: its load is "concurrency" or "request_rate"), SC_OK,
 * or SC_EINPUT naming where and the field: "load" not an object, an
 * unknown kind, users outside [1, NUM_CONC_MAX], a rate outside
 * [NUM_RATE_MIN_PER_S, NUM_RATE_MAX_PER_S], tokens per iteration outside
 * [1, NUM_TOKENS_MAX * NUM_CONC_MAX] (util/num.h). */
int table_load_from_json(const cJSON *j, const char *where,
			 struct table_load_info *out,
			 struct sc_err *e) SC_MUST_CHECK;

struct table_level {
	char
	    name[64]; /* directory: "c1024", "r2", "burst", "burst-1000x1000" */
	long row;     /* line (JSONL) or record (CSV) in the file, from 1 */
	cJSON *summary; /* owned: summary.json content */
};

struct table_config {
	char name[128];	   /* directory: the sweep, plus what tells its
			      configurations apart */
	cJSON *deployment; /* owned: deployment.json content */
	cJSON *run;	   /* owned: run.json content */
	struct table_level *levels;
	size_t n_levels;
};

struct table_result {
	struct table_config *configs;
	size_t n_configs;
	size_t rows;
};

/* Reads path (".csv": CSV with a header row; anything else: JSONL) into
 * out. map is NULL or "FIELD=COLUMN,..." naming the column that holds a
 * field (the fields are the keys of ../shared/published/measurements.jsonl,
 * README "servecal import table"); a column named like a field needs no
 * mapping. Returns SC_OK; SC_EINVAL for a bad map (unknown field, no '=');
 * SC_EINPUT naming the file, row and field for a row that cannot become a
 * level (unknown model or GPU, no load, a number out of range). The caller
 * releases out with table_result_release, also after a failure. */
int table_import(const char *path, const char *map, struct table_result *out,
		 struct sc_err *e) SC_MUST_CHECK;
void table_result_release(struct table_result *t);

#endif
