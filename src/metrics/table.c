/* Published measurement tables into servecal results: rows are read into
 * one JSON object each (JSONL lines, or CSV records keyed by the header),
 * their fields found through the column map, grouped into configurations
 * (one deployment each) and written as level summaries. */
#include "metrics/table.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "metrics/level.h"
#include "model/catalog.h"
#include "model/dtype.h"
#include "model/gpuspec.h"
#include "model/modelspec.h"
#include "util/csvtab.h"
#include "util/infile.h"
#include "util/jsonio.h"
#include "util/num.h"
#include "util/stats.h"
#include "util/xalloc.h"

/* Throughputs (tokens or requests a second) and GPU counts a row may
 * state. */
#define TABLE_MAX_PER_S	   1e9
#define TABLE_MAX_GPUS	   100000L
#define TABLE_MAX_PARALLEL 1024L
/* The KV link written for the pool a phase-isolated measurement did not
 * load (it is never projected): 50 GB/s and 20 us per transfer, an
 * InfiniBand NDR link per GPU pair. */
#define STANDIN_LINK_GBPS 50.0
#define STANDIN_LINK_US	  20.0

enum field {
	F_ID,
	F_SWEEP,
	F_SOURCE,
	F_SOURCE_REF,
	F_ENGINE,
	F_ENGINE_VERSION,
	F_BACKEND,
	F_MODEL,
	F_WDTYPE,
	F_KVDTYPE,
	F_GPU,
	F_GPU_COUNT,
	F_TP,
	F_PP,
	F_DP,
	F_EP,
	F_ATTN_DP,
	F_MODE,
	F_ISL,
	F_OSL,
	F_DATASET,
	F_LOAD_TYPE,
	F_LOAD_VALUE,
	F_REQUESTS,
	F_MAX_BATCH,
	F_MAX_NUM_TOKENS,
	F_NOTES,
	/* metrics */
	F_TTFT_MEAN,
	F_TTFT_P50,
	F_TTFT_P90,
	F_TTFT_P99,
	F_TPOT_MEAN,
	F_TPOT_P50,
	F_TPOT_P99,
	F_ITL_MEAN,
	F_ITL_P50,
	F_E2E_MEAN,
	F_E2E_P50,
	F_RPS,
	F_OUT_TPS,
	F_OUT_TPS_GPU,
	F_TOTAL_TPS,
	F_IN_TPS_NODE,
	F_OUT_TPS_NODE,
	F_TPS_USER,
	F_COUNT
};

/* The field names: the keys of ../shared/published/measurements.jsonl
 * (backend, requests, max_batch and max_num_tokens are servecal's own). */
static const char *const field_names[F_COUNT] = {
    [F_ID] = "id",
    [F_SWEEP] = "sweep",
    [F_SOURCE] = "source",
    [F_SOURCE_REF] = "source_ref",
    [F_ENGINE] = "engine",
    [F_ENGINE_VERSION] = "engine_version",
    [F_BACKEND] = "backend",
    [F_MODEL] = "model",
    [F_WDTYPE] = "weight_dtype",
    [F_KVDTYPE] = "kv_dtype",
    [F_GPU] = "gpu_type",
    [F_GPU_COUNT] = "gpu_count",
    [F_TP] = "tp",
    [F_PP] = "pp",
    [F_DP] = "dp",
    [F_EP] = "ep",
    [F_ATTN_DP] = "attention_dp",
    [F_MODE] = "serving_mode",
    [F_ISL] = "isl",
    [F_OSL] = "osl",
    [F_DATASET] = "dataset",
    [F_LOAD_TYPE] = "load_type",
    [F_LOAD_VALUE] = "load_value",
    [F_REQUESTS] = "requests",
    [F_MAX_BATCH] = "max_batch",
    [F_MAX_NUM_TOKENS] = "max_num_tokens",
    [F_NOTES] = "notes",
    [F_TTFT_MEAN] = "ttft_mean_ms",
    [F_TTFT_P50] = "ttft_median_ms",
    [F_TTFT_P90] = "ttft_p90_ms",
    [F_TTFT_P99] = "ttft_p99_ms",
    [F_TPOT_MEAN] = "tpot_mean_ms",
    [F_TPOT_P50] = "tpot_median_ms",
    [F_TPOT_P99] = "tpot_p99_ms",
    [F_ITL_MEAN] = "itl_mean_ms",
    [F_ITL_P50] = "itl_median_ms",
    [F_E2E_MEAN] = "e2e_latency_mean_ms",
    [F_E2E_P50] = "e2e_latency_median_ms",
    [F_RPS] = "request_throughput_rps",
    [F_OUT_TPS] = "output_tok_s_total",
    [F_OUT_TPS_GPU] = "output_tok_s_per_gpu",
    [F_TOTAL_TPS] = "total_tok_s",
    [F_IN_TPS_NODE] = "input_tok_s_per_node",
    [F_OUT_TPS_NODE] = "output_tok_s_per_node",
    [F_TPS_USER] = "tok_s_per_user",
};

/* Latency statistics: the field, and where it goes in the summary. */
static const struct {
	enum field f;
	const char *metric, *stat;
} latency_cols[] = {
    {F_TTFT_MEAN, "ttft_ms", "mean"}, {F_TTFT_P50, "ttft_ms", "p50"},
    {F_TTFT_P90, "ttft_ms", "p90"},   {F_TTFT_P99, "ttft_ms", "p99"},
    {F_TPOT_MEAN, "tpot_ms", "mean"}, {F_TPOT_P50, "tpot_ms", "p50"},
    {F_TPOT_P99, "tpot_ms", "p99"},   {F_ITL_MEAN, "itl_ms", "mean"},
    {F_ITL_P50, "itl_ms", "p50"},     {F_E2E_MEAN, "e2e_ms", "mean"},
    {F_E2E_P50, "e2e_ms", "p50"},
};
static const char *const latency_metrics[] = {"ttft_ms", "tpot_ms", "itl_ms",
					      "e2e_ms", "ttfb_ms"};

static const char *const load_names[] = {"closed", "open", "burst",
					 "prefill_only", "decode_only"};

const char *table_load_name(enum table_load k)
{
	return load_names[k];
}

int table_load_parse(const char *s, enum table_load *out)
{
	for (size_t i = 0; i < sizeof load_names / sizeof *load_names; i++)
		if (!strcmp(s, load_names[i])) {
			*out = (enum table_load)i;
			return 0;
		}
	return -1;
}

int table_load_from_json(const cJSON *j, const char *where,
			 struct table_load_info *out, struct sc_err *e)
{
	*out = (struct table_load_info){TABLE_CLOSED, NAN, NAN, 0};
	const cJSON *ld = cJSON_GetObjectItemCaseSensitive(j, "load");
	if (!ld)
		return 1;
	if (!cJSON_IsObject(ld))
		return sc_err_set(e, SC_EINPUT,
				  "%s: field 'load': must be an object", where);
	const char *kind;
	int rc;
	if ((rc = jsonio_str(ld, "kind", true, NULL, &kind, where, e)))
		return rc;
	if (table_load_parse(kind, &out->kind))
		return sc_err_set(e, SC_EINPUT,
				  "%s: field 'load.kind': unknown load '%s' "
				  "(closed, open, burst, prefill_only, "
				  "decode_only)",
				  where, kind);
	const struct {
		const char *key;
		double lo, hi, def, *out;
	} nums[] = {
	    {"users", 1, (double)NUM_CONC_MAX, NAN, &out->users},
	    {"rate_per_s", NUM_RATE_MIN_PER_S, NUM_RATE_MAX_PER_S, NAN,
	     &out->rate_per_s},
	    {"tokens_per_iteration", 1,
	     (double)NUM_TOKENS_MAX * (double)NUM_CONC_MAX, 0,
	     &out->tokens_per_iteration},
	};
	for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
		const cJSON *v =
		    cJSON_GetObjectItemCaseSensitive(ld, nums[i].key);
		*nums[i].out = nums[i].def;
		if (!v || cJSON_IsNull(v))
			continue;
		char name[1100];
		snprintf(name, sizeof name, "%s: field 'load.%s'", where,
			 nums[i].key);
		if (!cJSON_IsNumber(v))
			return sc_err_set(e, SC_EINPUT, "%s: must be a number",
					  name);
		if (num_check(name, v->valuedouble, nums[i].lo, nums[i].hi,
			      e)) {
			if (e) /* a file's value, not a flag's */
				e->status = SC_EINPUT;
			return SC_EINPUT;
		}
		*nums[i].out = v->valuedouble;
	}
	return SC_OK;
}

/* How a row's load_type reads: the first word found (case-insensitive)
 * decides, so "max_throughput (prefill saturated)" is a prefill-only
 * load and "max_throughput (RPS inf)" a burst. */
static const struct {
	const char *word;
	enum table_load kind;
} load_words[] = {
    {"prefill", TABLE_PREFILL_ONLY},
    {"decode", TABLE_DECODE_ONLY},
    {"concurrency", TABLE_CLOSED},
    {"closed", TABLE_CLOSED},
    {"users", TABLE_CLOSED},
    {"max_throughput", TABLE_BURST},
    {"max throughput", TABLE_BURST},
    {"offline", TABLE_BURST},
    {"burst", TABLE_BURST},
    {"request_rate", TABLE_OPEN},
    {"request rate", TABLE_OPEN},
    {"qps", TABLE_OPEN},
    {"rps", TABLE_OPEN},
    {"rate", TABLE_OPEN},
    {"open", TABLE_OPEN},
};

/* Engines by a word of their name. */
static const struct {
	const char *word, *backend;
} engine_words[] = {
    {"tensorrt", "trtllm"},    {"trt-llm", "trtllm"},
    {"trtllm", "trtllm"},      {"sglang", "sglang"},
    {"vllm", "vllm"},	       {"dynamo", "dynamo"},
    {"llama.cpp", "llamacpp"}, {"llama-server", "llamacpp"},
};

/* Engine limits a row does not state: TensorRT-LLM's build defaults
 * (max_batch_size 2048, max_num_tokens 8192), SGLang's running-request
 * cap and chunked_prefill_size (8192), vLLM's max_num_seqs 256 with
 * max_num_batched_tokens 8192; per engine rank (attention-DP ranks each
 * hold these). The KV cache caps the batch further in the model. */
static const struct {
	const char *backend;
	long max_batch, max_num_tokens;
} engine_limits[] = {
    {"trtllm", 2048, 8192}, {"sglang", 4096, 8192}, {"vllm", 256, 8192},
    {"dynamo", 256, 8192},  {"llamacpp", 4, 2048},
};
#define DEFAULT_MAX_BATCH      256L
#define DEFAULT_MAX_NUM_TOKENS 8192L

/* Models whose id the catalog does not know by name: checkpoints of one
 * architecture. Anything else goes to catalog_resolve by its id. */
static const struct {
	const char *word, *entry;
} model_words[] = {
    {"deepseek-r1", "deepseek-v3"},
    {"deepseek-v3", "deepseek-v3"},
};

/* GPUs by a word of their description ("H100 SXM 80GB HBM3"). */
static const struct {
	const char *word, *entry;
} gpu_words[] = {
    {"h200", "h200-sxm"}, {"h100", "h100-sxm"}, {"a100", "a100-80gb"},
    {"b200", "b200"},	  {"l40s", "l40s"},
};

/* Dtypes by a word of their description, most specific first. */
static const struct {
	const char *word;
	enum dtype d;
} dtype_words[] = {
    {"fp4", DT_FP4},   {"fp8", DT_FP8},	     {"bf16", DT_BF16},
    {"fp16", DT_BF16}, {"float16", DT_BF16},
};

/* One row, read. */
struct trow {
	long line;
	const cJSON *raw;
	char sweep[96], backend[16], model[64], gpu[32];
	enum dtype wd, kvd;
	bool kv_assumed, moe, disagg, attn_dp;
	long gpus, per_node, tp, pp, dp, ep, moe_tp, experts, experts_given;
	long max_batch, max_num_tokens;
	bool limits_assumed;
	double isl, osl;
	enum table_load kind;
	double users, rate;
	double iter_tokens; /* prefill pool alone: prompt tokens an
			       iteration, all its GPUs (0: its budget) */
	long requests;
	size_t config;
	char level[64];
};

struct reader {
	const char *path;
	const char *map[F_COUNT]; /* column of each field; NULL: its name */
	char *map_buf;
};

static bool has_word(const char *s, const char *w)
{
	size_t n = strlen(w);
	for (; s && *s; s++)
		if (!strncasecmp(s, w, n))
			return true;
	return false;
}

static const cJSON *col(const struct reader *rd, const cJSON *row, enum field f)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
	    row, rd->map[f] ? rd->map[f] : field_names[f]);
	return cJSON_IsNull(v) ? NULL : v;
}

static const char *col_str(const struct reader *rd, const cJSON *row,
			   enum field f)
{
	const cJSON *v = col(rd, row, f);
	return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

/* A number, or a string that starts with one ("256 (per device)");
 * NAN when absent. "inf" reads as infinity. */
static double col_num(const struct reader *rd, const cJSON *row, enum field f)
{
	const cJSON *v = col(rd, row, f);
	if (cJSON_IsNumber(v))
		return v->valuedouble;
	if (!cJSON_IsString(v))
		return NAN;
	char *end;
	double x = strtod(v->valuestring, &end);
	if (end == v->valuestring)
		return NAN;
	return x;
}

/* Checks x (when present) against [lo, hi]; names row and field. */
static int check_num(const struct reader *rd, long line, enum field f, double x,
		     double lo, double hi, struct sc_err *e)
{
	if (isnan(x) || (x >= lo && x <= hi))
		return SC_OK;
	return sc_err_set(e, SC_EINPUT,
			  "%s:%ld: field '%s': must be in [%g, %g], got %g",
			  rd->path, line, field_names[f], lo, hi, x);
}

/* Whole number in [lo, hi] or absent (def). */
static int col_count(const struct reader *rd, const cJSON *row, long line,
		     enum field f, long lo, long hi, long def, long *out,
		     struct sc_err *e)
{
	double x = col_num(rd, row, f);
	if (isnan(x)) {
		*out = def;
		return SC_OK;
	}
	if (!(x >= (double)lo && x <= (double)hi) || x != floor(x))
		return sc_err_set(e, SC_EINPUT,
				  "%s:%ld: field '%s': must be a whole number "
				  "in [%ld, %ld], got %g",
				  rd->path, line, field_names[f], lo, hi, x);
	*out = (long)x;
	return SC_OK;
}

/* The number written after `key` in free text ("max_batch_size 128"),
 * or -1. */
static long number_after(const char *text, const char *key)
{
	for (const char *p = text; p && (p = strstr(p, key)); p++) {
		const char *q = p + strlen(key);
		while (*q == ' ' || *q == ':' || *q == '=')
			q++;
		if (isdigit((unsigned char)*q))
			return strtol(q, NULL, 10);
	}
	return -1;
}

/* The number written before `word` in free text ("500 requests"), or -1. */
static long number_before(const char *text, const char *word)
{
	for (const char *p = text; p && (p = strstr(p, word)); p++) {
		const char *q = p;
		while (q > text && q[-1] == ' ')
			q--;
		const char *d = q;
		while (d > text && isdigit((unsigned char)d[-1]))
			d--;
		if (d < q && (d == text || !isalnum((unsigned char)d[-1])))
			return strtol(d, NULL, 10);
	}
	return -1;
}

static void slug(char *dst, size_t cap, const char *s)
{
	size_t n = 0;
	for (; *s && n + 1 < cap; s++) {
		char c = (char)tolower((unsigned char)*s);
		dst[n++] = isalnum((unsigned char)c) || c == '.' || c == '_' ||
				   c == '-'
			       ? c
			       : '-';
	}
	dst[n] = 0;
}

/* ---- reading rows ------------------------------------------------------ */

static int parse_map(struct reader *rd, const char *map, struct sc_err *e)
{
	if (!map || !*map)
		return SC_OK;
	rd->map_buf = xstrdup(map);
	char *save = NULL;
	for (char *tok = strtok_r(rd->map_buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq || eq == tok || !eq[1])
			return sc_err_set(
			    e, SC_EINVAL,
			    "--map: expected FIELD=COLUMN, got '%s'", tok);
		*eq = 0;
		int f;
		for (f = 0; f < F_COUNT && strcmp(tok, field_names[f]); f++)
			;
		if (f == F_COUNT)
			return sc_err_set(
			    e, SC_EINVAL,
			    "--map: unknown field '%s' (known: model, "
			    "gpu_type, gpu_count, tp, pp, dp, ep, "
			    "attention_dp, engine, backend, weight_dtype, "
			    "kv_dtype, serving_mode, isl, osl, load_type, "
			    "load_value, requests, max_batch, max_num_tokens, "
			    "sweep, id, and the metrics ttft_mean_ms ... "
			    "output_tok_s_total: README)",
			    tok);
		rd->map[f] = eq + 1;
	}
	return SC_OK;
}

/* A CSV cell as JSON: a number when the whole cell is one, true/false,
 * else the text. */
static cJSON *cell_json(const char *s)
{
	char *end;
	double x = strtod(s, &end);
	if (end != s && !*end && isfinite(x))
		return cJSON_CreateNumber(x);
	if (!strcasecmp(s, "true"))
		return cJSON_CreateTrue();
	if (!strcasecmp(s, "false"))
		return cJSON_CreateFalse();
	return cJSON_CreateString(s);
}

/* All rows as one array of objects; *lines gets each row's line. */
static int read_rows(const struct reader *rd, const char *text, size_t len,
		     cJSON **rows, long **lines, struct sc_err *e)
{
	size_t n = strlen(rd->path);
	bool csv = n > 4 && !strcasecmp(rd->path + n - 4, ".csv");
	*rows = cJSON_CreateArray();
	*lines = NULL;
	size_t count = 0, cap = 0;
	if (csv) {
		struct csvtab t;
		int rc = csvtab_parse(text, rd->path, &t, e);
		if (rc == SC_OK && t.n_rows > TABLE_MAX_ROWS)
			rc = sc_err_set(e, SC_EINPUT,
					"%s: %zu rows, more than %d", rd->path,
					t.n_rows, TABLE_MAX_ROWS);
		for (size_t r = 0; rc == SC_OK && r < t.n_rows; r++) {
			cJSON *o = cJSON_CreateObject();
			for (size_t c = 0; c < t.n_cols; c++) {
				const char *s = csvtab_cell(&t, r, (int)c);
				if (*s && t.head[c][0] &&
				    !cJSON_GetObjectItemCaseSensitive(
					o, t.head[c]))
					cJSON_AddItemToObject(o, t.head[c],
							      cell_json(s));
			}
			cJSON_AddItemToArray(*rows, o);
			*lines = xgrow(*lines, &cap, count + 1, sizeof **lines);
			(*lines)[count++] = (long)r + 2; /* after the header */
		}
		csvtab_release(&t);
		return rc;
	}
	size_t pos = 0;
	long lineno = 0;
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - line) : len - pos;
		pos += ll + (nl ? 1 : 0);
		lineno++;
		size_t k = 0;
		while (k < ll && isspace((unsigned char)line[k]))
			k++;
		if (k == ll)
			continue;
		char where[600];
		snprintf(where, sizeof where, "%s:%ld", rd->path, lineno);
		cJSON *o = jsonio_parse(line, ll, where, e);
		if (!o)
			return SC_EINPUT;
		if (!cJSON_IsObject(o)) {
			cJSON_Delete(o);
			return sc_err_set(e, SC_EINPUT,
					  "%s: a row must be a JSON object",
					  where);
		}
		if (count >= TABLE_MAX_ROWS) {
			cJSON_Delete(o);
			return sc_err_set(e, SC_EINPUT, "%s: more than %d rows",
					  rd->path, TABLE_MAX_ROWS);
		}
		cJSON_AddItemToArray(*rows, o);
		*lines = xgrow(*lines, &cap, count + 1, sizeof **lines);
		(*lines)[count++] = lineno;
	}
	if (count == 0 && csv == false && len > 0 && text[0] != '{')
		return sc_err_set(
		    e, SC_EINPUT,
		    "%s: no rows (a table is JSONL, or CSV named *.csv)",
		    rd->path);
	return SC_OK;
}

/* ---- one row's configuration, workload and load -------------------------- */

static int row_model(const struct reader *rd, const cJSON *row, struct trow *t,
		     struct sc_err *e)
{
	const char *m = col_str(rd, row, F_MODEL);
	if (!m)
		return sc_err_set(e, SC_EINPUT,
				  "%s:%ld: field '%s': missing (map a column "
				  "with --map model=COLUMN)",
				  rd->path, t->line, field_names[F_MODEL]);
	char id[128];
	size_t n = strcspn(m, " \t(");
	snprintf(id, sizeof id, "%.*s", (int)(n < 127 ? n : 127), m);
	const char *entry = id;
	for (size_t i = 0; i < sizeof model_words / sizeof *model_words; i++)
		if (has_word(id, model_words[i].word)) {
			entry = model_words[i].entry;
			break;
		}
	char path[1024];
	struct sc_err me = {0};
	if (catalog_resolve("models", entry, path, sizeof path, &me))
		return sc_err_set(e, SC_EINPUT, "%s:%ld: field '%s': %s",
				  rd->path, t->line, field_names[F_MODEL],
				  me.msg);
	/* The catalog entry's file name is its name. */
	const char *base = strrchr(path, '/');
	snprintf(t->model, sizeof t->model, "%.*s", (int)(strlen(base + 1) - 5),
		 base + 1);
	struct model_spec spec;
	if (model_spec_load(t->model, &spec, e))
		return SC_EINPUT;
	t->moe = spec.experts > 0;
	t->experts = spec.experts;
	return SC_OK;
}

static int row_gpu(const struct reader *rd, const cJSON *row, struct trow *t,
		   struct sc_err *e)
{
	const char *g = col_str(rd, row, F_GPU);
	if (!g)
		return sc_err_set(e, SC_EINPUT,
				  "%s:%ld: field '%s': missing (map a column "
				  "with --map gpu_type=COLUMN)",
				  rd->path, t->line, field_names[F_GPU]);
	char name[128];
	snprintf(name, sizeof name, "%.*s", (int)strcspn(g, " \t("), g);
	for (size_t i = 0; i < sizeof gpu_words / sizeof *gpu_words; i++)
		if (has_word(g, gpu_words[i].word)) {
			snprintf(name, sizeof name, "%s", gpu_words[i].entry);
			break;
		}
	struct gpu_spec spec;
	struct sc_err ge = {0};
	if (gpu_spec_load(name, &spec, &ge))
		return sc_err_set(e, SC_EINPUT, "%s:%ld: field '%s': %s",
				  rd->path, t->line, field_names[F_GPU],
				  ge.msg);
	snprintf(t->gpu, sizeof t->gpu, "%.31s", name);
	t->per_node = spec.gpus_per_node > 0 ? spec.gpus_per_node : 8;
	for (int k = 0; k < 2; k++) {
		enum dtype d = k ? t->kvd : t->wd;
		if (gpu_supports(&spec, d, &ge))
			return sc_err_set(
			    e, SC_EINPUT, "%s:%ld: field '%s': %s", rd->path,
			    t->line, field_names[k ? F_KVDTYPE : F_WDTYPE],
			    ge.msg);
	}
	return SC_OK;
}

static bool dtype_of(const char *s, enum dtype *out)
{
	for (size_t i = 0; s && i < sizeof dtype_words / sizeof *dtype_words;
	     i++)
		if (has_word(s, dtype_words[i].word)) {
			*out = dtype_words[i].d;
			return true;
		}
	return false;
}

static int row_engine(const struct reader *rd, const cJSON *row, struct trow *t,
		      struct sc_err *e)
{
	const char *b = col_str(rd, row, F_BACKEND);
	const char *eng = col_str(rd, row, F_ENGINE);
	for (size_t i = 0;
	     !b && eng && i < sizeof engine_words / sizeof *engine_words; i++)
		if (has_word(eng, engine_words[i].word))
			b = engine_words[i].backend;
	if (!b)
		return sc_err_set(
		    e, SC_EINPUT,
		    "%s:%ld: no engine: give 'backend' (trtllm, sglang, vllm, "
		    "dynamo, llamacpp) or an 'engine' that names one (map a "
		    "column with --map engine=COLUMN)",
		    rd->path, t->line);
	snprintf(t->backend, sizeof t->backend, "%s", b);
	const char *wd = col_str(rd, row, F_WDTYPE);
	if (!wd)
		t->wd = DT_BF16;
	else if (!dtype_of(wd, &t->wd))
		return sc_err_set(
		    e, SC_EINPUT,
		    "%s:%ld: field '%s': unknown dtype '%s' (bf16, fp8, fp4)",
		    rd->path, t->line, field_names[F_WDTYPE], wd);
	const char *kv = col_str(rd, row, F_KVDTYPE);
	if (!dtype_of(kv, &t->kvd)) {
		/* Unstated: TensorRT-LLM quantizes the KV cache to FP8 with
		 * an FP8 or FP4 checkpoint; the others keep it in the
		 * activations' bf16 ("auto"). */
		t->kvd = !strcmp(t->backend, "trtllm") && t->wd != DT_BF16
			     ? DT_FP8
			     : DT_BF16;
		t->kv_assumed = true;
	}
	if (t->kvd == DT_FP4)
		t->kvd = DT_FP8;
	return SC_OK;
}

/* Parallelism: servecal's worker shape from tp, pp, dp, ep and
 * attention_dp. Attention data parallelism spreads the attention over
 * every GPU of a stage (tp 1, dp = GPUs / pp) and the experts over
 * ep x moe_tp of them. */
static int row_shape(const struct reader *rd, const cJSON *row, struct trow *t,
		     struct sc_err *e)
{
	long tp, pp, dp, ep, gpus;
	int rc;
	if ((rc = col_count(rd, row, t->line, F_TP, 1, TABLE_MAX_PARALLEL, 0,
			    &tp, e)) ||
	    (rc = col_count(rd, row, t->line, F_PP, 1, TABLE_MAX_PARALLEL, 1,
			    &pp, e)) ||
	    (rc = col_count(rd, row, t->line, F_DP, 1, TABLE_MAX_PARALLEL, 0,
			    &dp, e)) ||
	    (rc = col_count(rd, row, t->line, F_EP, 1, TABLE_MAX_PARALLEL, 0,
			    &ep, e)) ||
	    (rc = col_count(rd, row, t->line, F_GPU_COUNT, 1, TABLE_MAX_GPUS, 0,
			    &gpus, e)))
		return rc;
	const cJSON *adp = col(rd, row, F_ATTN_DP);
	t->attn_dp = cJSON_IsTrue(adp) || (cJSON_IsString(adp) &&
					   has_word(adp->valuestring, "true"));
	if (!gpus)
		gpus = (tp ? tp : 1) * pp * (dp && !t->attn_dp ? dp : 1);
	t->gpus = gpus;
	t->pp = pp;
	if (gpus % pp)
		return sc_err_set(e, SC_EINPUT,
				  "%s:%ld: field 'gpu_count': %ld GPUs do not "
				  "split into pp %ld stages",
				  rd->path, t->line, gpus, pp);
	long stage = gpus / pp;
	if (stage > TABLE_MAX_PARALLEL)
		return sc_err_set(e, SC_EINPUT,
				  "%s:%ld: field 'gpu_count': %ld GPUs a "
				  "stage, more than %ld",
				  rd->path, t->line, stage, TABLE_MAX_PARALLEL);
	if (t->attn_dp && t->moe) {
		t->tp = 1;
		t->dp = stage;
		t->ep = ep ? ep : 1;
	} else if (t->moe) {
		t->tp = tp ? tp : stage;
		t->dp = stage / t->tp;
		t->ep = ep ? ep : 1;
	} else {
		/* Dense: a data-parallel group is replicas (count), which a
		 * row of one engine does not have. */
		t->tp = tp ? tp : stage;
		t->dp = 1;
		t->ep = 1;
		t->attn_dp = false;
		if (t->tp != stage)
			return sc_err_set(
			    e, SC_EINPUT,
			    "%s:%ld: field 'tp': %ld, but %ld GPUs a stage: a "
			    "dense model's engine spans its GPUs with tp",
			    rd->path, t->line, t->tp, stage);
	}
	if (t->tp * t->dp != stage || stage % t->ep)
		return sc_err_set(e, SC_EINPUT,
				  "%s:%ld: parallelism tp %ld x dp %ld with ep "
				  "%ld does not fill the %ld GPUs of a stage",
				  rd->path, t->line, t->tp, t->dp, t->ep,
				  stage);
	t->moe_tp = stage / t->ep;
	/* Experts that ep does not divide: expert-parallel load balancers
	 * place redundant copies so every GPU holds as many (SGLang's EPLB
	 * runs 288 physical experts of DeepSeek's 256 over EP72). */
	t->experts_given = t->experts;
	if (t->moe && t->experts % t->ep)
		t->experts = (t->experts / t->ep + 1) * t->ep;
	const char *mode = col_str(rd, row, F_MODE);
	t->disagg = mode && has_word(mode, "disagg");
	return SC_OK;
}

/* Engine limits per rank (stated, written in the dataset's text as
 * trtllm-bench prints them, or the engine's default), times the
 * attention-DP ranks. */
static void row_limits(const struct reader *rd, const cJSON *row,
		       struct trow *t, const char *text)
{
	long mb = -1, mt = -1;
	double x = col_num(rd, row, F_MAX_BATCH);
	if (x >= 1 && x <= (double)NUM_CONC_MAX)
		mb = (long)x;
	x = col_num(rd, row, F_MAX_NUM_TOKENS);
	if (x >= 1 && x <= (double)NUM_TOKENS_MAX)
		mt = (long)x;
	if (mb < 0)
		mb = number_after(text, "max_batch_size");
	if (mt < 0)
		mt = number_after(text, "max_num_tokens");
	long dmb = DEFAULT_MAX_BATCH, dmt = DEFAULT_MAX_NUM_TOKENS;
	for (size_t i = 0; i < sizeof engine_limits / sizeof *engine_limits;
	     i++)
		if (!strcmp(t->backend, engine_limits[i].backend)) {
			dmb = engine_limits[i].max_batch;
			dmt = engine_limits[i].max_num_tokens;
		}
	t->limits_assumed = mb < 1 || mt < 1;
	if (mb < 1 || mb > NUM_CONC_MAX)
		mb = dmb;
	if (mt < 1 || mt > NUM_TOKENS_MAX)
		mt = dmt;
	long ranks = t->attn_dp ? t->dp : 1;
	t->max_batch = mb * ranks;
	t->max_num_tokens = mt * ranks;
	if (t->max_num_tokens < t->max_batch)
		t->max_num_tokens = t->max_batch;
}

static int row_load(const struct reader *rd, const cJSON *row, struct trow *t,
		    const char *text, struct sc_err *e)
{
	const char *lt = col_str(rd, row, F_LOAD_TYPE);
	if (!lt)
		return sc_err_set(
		    e, SC_EINPUT,
		    "%s:%ld: field '%s': missing (concurrency, request rate, "
		    "max throughput, prefill or decode batch)",
		    rd->path, t->line, field_names[F_LOAD_TYPE]);
	size_t i;
	for (i = 0; i < sizeof load_words / sizeof *load_words; i++)
		if (has_word(lt, load_words[i].word))
			break;
	if (i == sizeof load_words / sizeof *load_words)
		return sc_err_set(
		    e, SC_EINPUT,
		    "%s:%ld: field '%s': unknown load '%s' (concurrency, "
		    "request rate, max throughput, prefill or decode batch)",
		    rd->path, t->line, field_names[F_LOAD_TYPE], lt);
	t->kind = load_words[i].kind;
	double v = col_num(rd, row, F_LOAD_VALUE);
	const char *vs = col_str(rd, row, F_LOAD_VALUE);
	if (t->kind == TABLE_OPEN && (isinf(v) || (vs && has_word(vs, "inf"))))
		t->kind = TABLE_BURST; /* a rate of INF: all at once */
	if (t->kind == TABLE_CLOSED || t->kind == TABLE_DECODE_ONLY) {
		if (!(v >= 1 && v <= (double)NUM_CONC_MAX))
			return sc_err_set(
			    e, SC_EINPUT,
			    "%s:%ld: field '%s': a %s load needs a count of "
			    "users in [1, %ld], got '%s'",
			    rd->path, t->line, field_names[F_LOAD_VALUE],
			    t->kind == TABLE_CLOSED ? "closed-loop"
						    : "decode batch",
			    NUM_CONC_MAX, vs ? vs : "a number out of range");
		t->users = floor(v);
		/* A decode batch per device is the pool's batch over its
		 * GPUs. */
		if (t->kind == TABLE_DECODE_ONLY && vs &&
		    (has_word(vs, "per device") || has_word(vs, "per gpu")))
			t->users *= (double)t->gpus;
		if (t->users > (double)NUM_CONC_MAX)
			return sc_err_set(
			    e, SC_EINPUT,
			    "%s:%ld: field '%s': %g users, more than %ld",
			    rd->path, t->line, field_names[F_LOAD_VALUE],
			    t->users, NUM_CONC_MAX);
	} else if (t->kind == TABLE_PREFILL_ONLY && vs &&
		   (has_word(vs, "tokens per device") ||
		    has_word(vs, "tokens per gpu"))) {
		if (!(v >= 1 && v <= (double)NUM_TOKENS_MAX))
			return sc_err_set(
			    e, SC_EINPUT,
			    "%s:%ld: field '%s': tokens per device must be in "
			    "[1, %ld], got '%s'",
			    rd->path, t->line, field_names[F_LOAD_VALUE],
			    NUM_TOKENS_MAX, vs);
		t->iter_tokens = floor(v) * (double)t->gpus;
	} else if (t->kind == TABLE_OPEN) {
		if (!(v >= NUM_RATE_MIN_PER_S && v <= NUM_RATE_MAX_PER_S))
			return sc_err_set(
			    e, SC_EINPUT,
			    "%s:%ld: field '%s': a request rate must be in "
			    "[%g, %g] per s or inf, got '%s'",
			    rd->path, t->line, field_names[F_LOAD_VALUE],
			    NUM_RATE_MIN_PER_S, NUM_RATE_MAX_PER_S,
			    vs ? vs : "a number out of range");
		t->rate = v;
	}
	long req;
	int rc = col_count(rd, row, t->line, F_REQUESTS, 1, NUM_COUNT_MAX, -1,
			   &req, e);
	if (rc)
		return rc;
	if (req < 0)
		req = number_before(text, " requests");
	if (req < 0)
		req = number_before(text, " prompts");
	t->requests = req > 0 && req <= NUM_COUNT_MAX ? req : 0;
	return SC_OK;
}

static int row_workload(const struct reader *rd, const cJSON *row,
			struct trow *t, struct sc_err *e)
{
	t->isl = col_num(rd, row, F_ISL);
	t->osl = col_num(rd, row, F_OSL);
	int rc;
	if ((rc =
		 check_num(rd, t->line, F_ISL, t->isl, 1, NUM_TOKENS_MAX, e)) ||
	    (rc = check_num(rd, t->line, F_OSL, t->osl, 1, NUM_TOKENS_MAX, e)))
		return rc;
	return SC_OK;
}

static int read_row(const struct reader *rd, const cJSON *row, long line,
		    struct trow *t, struct sc_err *e)
{
	memset(t, 0, sizeof *t);
	t->line = line;
	t->raw = row;
	const char *sw = col_str(rd, row, F_SWEEP);
	snprintf(t->sweep, sizeof t->sweep, "%s", sw ? sw : "");
	/* Free text where engines print their limits and request counts. */
	char text[2048];
	const char *ds = col_str(rd, row, F_DATASET);
	const char *nt = col_str(rd, row, F_NOTES);
	snprintf(text, sizeof text, "%s | %s", ds ? ds : "", nt ? nt : "");
	int rc;
	if ((rc = row_engine(rd, row, t, e)) ||
	    (rc = row_model(rd, row, t, e)) || (rc = row_gpu(rd, row, t, e)) ||
	    (rc = row_shape(rd, row, t, e)) ||
	    (rc = row_workload(rd, row, t, e)) ||
	    (rc = row_load(rd, row, t, text, e)))
		return rc;
	row_limits(rd, row, t, text);
	for (int f = F_TTFT_MEAN; f < F_COUNT; f++) {
		double hi = f < F_RPS ? NUM_MS_MAX : TABLE_MAX_PER_S;
		if ((rc = check_num(rd, line, (enum field)f,
				    col_num(rd, row, (enum field)f), 0, hi, e)))
			return rc;
	}
	return SC_OK;
}

/* ---- configurations ------------------------------------------------------ */

static bool same_config(const struct trow *a, const struct trow *b,
			const struct reader *rd)
{
	const char *va = col_str(rd, a->raw, F_ENGINE_VERSION);
	const char *vb = col_str(rd, b->raw, F_ENGINE_VERSION);
	bool phase_a =
	    a->kind == TABLE_PREFILL_ONLY || a->kind == TABLE_DECODE_ONLY;
	bool phase_b =
	    b->kind == TABLE_PREFILL_ONLY || b->kind == TABLE_DECODE_ONLY;
	return !strcmp(a->sweep, b->sweep) && !strcmp(a->backend, b->backend) &&
	       !strcmp(va ? va : "", vb ? vb : "") &&
	       !strcmp(a->model, b->model) && !strcmp(a->gpu, b->gpu) &&
	       a->wd == b->wd && a->kvd == b->kvd && a->gpus == b->gpus &&
	       a->tp == b->tp && a->pp == b->pp && a->dp == b->dp &&
	       a->ep == b->ep && a->disagg == b->disagg &&
	       a->max_batch == b->max_batch &&
	       a->max_num_tokens == b->max_num_tokens &&
	       (phase_a ? (int)a->kind : -1) == (phase_b ? (int)b->kind : -1);
}

static void shape_tag(const struct trow *t, char *buf, size_t cap)
{
	if (t->attn_dp)
		snprintf(buf, cap, "dep%ld", t->dp);
	else if (t->moe && t->ep > 1)
		snprintf(buf, cap, "tp%ld-ep%ld", t->tp, t->ep);
	else
		snprintf(buf, cap, "tp%ld", t->tp);
	if (t->pp > 1) {
		size_t n = strlen(buf);
		snprintf(buf + n, cap - n, "-pp%ld", t->pp);
	}
}

static void add_worker(cJSON *arr, const char *role, const struct trow *t,
		       long max_batch, long max_num_tokens)
{
	cJSON *w = cJSON_CreateObject();
	cJSON_AddStringToObject(w, "role", role);
	cJSON_AddNumberToObject(w, "count", 1);
	cJSON_AddNumberToObject(w, "tp", (double)t->tp);
	cJSON_AddNumberToObject(w, "pp", (double)t->pp);
	if (t->moe) {
		cJSON_AddNumberToObject(w, "dp", (double)t->dp);
		cJSON_AddNumberToObject(w, "ep", (double)t->ep);
		cJSON_AddNumberToObject(w, "moe_tp", (double)t->moe_tp);
	}
	cJSON_AddNumberToObject(w, "max_batch", (double)max_batch);
	cJSON_AddNumberToObject(w, "max_num_tokens", (double)max_num_tokens);
	cJSON_AddItemToArray(arr, w);
}

/* True for vLLM before its V1 engine (0.x): prompts are scheduled in
 * iterations of their own, whole, unless chunked prefill is asked for. */
static bool vllm_v0(const struct reader *rd, const struct trow *t)
{
	const char *v = col_str(rd, t->raw, F_ENGINE_VERSION);
	return !strcmp(t->backend, "vllm") && v && !strncmp(v, "0.", 2);
}

/* SGLang before 0.4 prepared each batch on the CPU between GPU iterations;
 * 0.4's overlap scheduler hid that work and gained 1.1x throughput
 * (lmsys.org/blog/2024-12-04-sglang-v0-4), a CPU share of 0.10. */
#define SGLANG_PRE_OVERLAP_CPU_SHARE 0.10

static bool sglang_pre_overlap(const struct reader *rd, const struct trow *t)
{
	const char *v = col_str(rd, t->raw, F_ENGINE_VERSION);
	return !strcmp(t->backend, "sglang") && v && !strncmp(v, "0.", 2) &&
	       strtol(v + 2, NULL, 10) < 4;
}

/* vLLM 0.5.3 on Llama-3-8B and one H100 spent 29% of its time scheduling
 * against 38% on the GPU (blog.vllm.ai/2024/09/05/perf-update.html); 0.6
 * moved the HTTP server and output processing off that path and, with
 * --num-scheduler-steps N, schedules once every N iterations: a CPU share
 * of 0.29 / 0.38 / N. */
#define VLLM_V0_SCHED_SHARE  (0.29 / 0.38)
#define VLLM_MAX_SCHED_STEPS 1000

/* N of "--num-scheduler-steps N" in the engine column; 0 if not stated. */
static long vllm_sched_steps(const struct reader *rd, const struct trow *t)
{
	const char *eng = col_str(rd, t->raw, F_ENGINE);
	const char *k = eng ? strstr(eng, "--num-scheduler-steps") : NULL;
	if (!k)
		return 0;
	long n = strtol(k + strlen("--num-scheduler-steps"), NULL, 10);
	return n >= 1 && n <= VLLM_MAX_SCHED_STEPS ? n : 0;
}

static cJSON *deployment_of(const struct reader *rd, const struct trow *t,
			    const char *name, cJSON *assumed, struct sc_err *e)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "name", name);
	const char *eng = col_str(rd, t->raw, F_ENGINE);
	const char *ver = col_str(rd, t->raw, F_ENGINE_VERSION);
	char note[512];
	snprintf(note, sizeof note, "imported from %s: %s%s%s", rd->path,
		 eng ? eng : t->backend, ver ? " " : "", ver ? ver : "");
	cJSON_AddStringToObject(d, "note", note);
	if (t->experts != t->experts_given) {
		struct model_spec m;
		if (model_spec_load(t->model, &m, e)) {
			cJSON_Delete(d);
			return NULL;
		}
		m.experts = t->experts;
		cJSON_AddItemToObject(d, "model", model_spec_to_json(&m));
		char a[160];
		snprintf(a, sizeof a,
			 "experts: %ld routed experts held as %ld (redundant "
			 "copies so that ep %ld divides them)",
			 t->experts_given, t->experts, t->ep);
		cJSON_AddItemToArray(assumed, cJSON_CreateString(a));
	} else {
		cJSON_AddStringToObject(d, "model", t->model);
	}
	cJSON_AddStringToObject(d, "gpu", t->gpu);
	cJSON_AddStringToObject(d, "backend", t->backend);
	cJSON_AddStringToObject(d, "dtype", dtype_name(t->wd));
	cJSON_AddStringToObject(d, "kv_dtype", dtype_name(t->kvd));
	if (t->kv_assumed) {
		char a[160];
		snprintf(a, sizeof a,
			 "kv_dtype: not stated; %s (the engine's default for a "
			 "%s checkpoint)",
			 dtype_name(t->kvd), dtype_name(t->wd));
		cJSON_AddItemToArray(assumed, cJSON_CreateString(a));
	}
	if (t->limits_assumed) {
		char a[200];
		snprintf(a, sizeof a,
			 "max_batch %ld, max_num_tokens %ld: the engine's "
			 "defaults (per rank, times %ld attention-DP ranks) "
			 "where the row does not state them",
			 t->max_batch, t->max_num_tokens,
			 t->attn_dp ? t->dp : 1L);
		cJSON_AddItemToArray(assumed, cJSON_CreateString(a));
	}
	bool phase =
	    t->kind == TABLE_PREFILL_ONLY || t->kind == TABLE_DECODE_ONLY;
	cJSON_AddStringToObject(d, "mode",
				t->disagg && phase ? "disagg" : "agg");
	if (vllm_v0(rd, t)) {
		cJSON *s = cJSON_AddObjectToObject(d, "scheduler");
		cJSON_AddStringToObject(s, "policy", "separate");
		cJSON_AddBoolToObject(s, "chunked", false);
		cJSON_AddItemToArray(
		    assumed,
		    cJSON_CreateString("scheduler: vLLM 0.x (V0) runs prompts "
				       "whole in iterations of their own"));
		long steps = vllm_sched_steps(rd, t);
		if (steps) {
			char a[200];
			cJSON_AddNumberToObject(s, "cpu_share",
						VLLM_V0_SCHED_SHARE /
						    (double)steps);
			snprintf(
			    a, sizeof a,
			    "scheduler: vLLM 0.x schedules on the CPU once "
			    "every %ld iterations (--num-scheduler-steps): "
			    "cpu_share 0.76 / %ld",
			    steps, steps);
			cJSON_AddItemToArray(assumed, cJSON_CreateString(a));
		}
	}
	if (sglang_pre_overlap(rd, t)) {
		cJSON *s = cJSON_AddObjectToObject(d, "scheduler");
		cJSON_AddNumberToObject(s, "cpu_share",
					SGLANG_PRE_OVERLAP_CPU_SHARE);
		cJSON_AddItemToArray(
		    assumed,
		    cJSON_CreateString(
			"scheduler: SGLang before 0.4 runs its scheduler "
			"between GPU iterations (cpu_share 0.10: 0.4's overlap "
			"scheduler gained 1.1x throughput)"));
	}
	cJSON *ws = cJSON_AddArrayToObject(d, "workers");
	if (t->disagg && phase) {
		/* The pool that was measured, and a stand-in of the same
		 * shape for the other one, which the source did not load. */
		add_worker(ws, "prefill", t, t->max_batch, t->max_num_tokens);
		add_worker(ws, "decode", t, t->max_batch, t->max_num_tokens);
		cJSON *l = cJSON_AddObjectToObject(d, "kv_link");
		cJSON_AddNumberToObject(l, "gbps", STANDIN_LINK_GBPS);
		cJSON_AddNumberToObject(l, "latency_us", STANDIN_LINK_US);
		cJSON_AddItemToArray(
		    assumed, cJSON_CreateString(
				 t->kind == TABLE_PREFILL_ONLY
				     ? "decode pool and KV link: stand-ins of "
				       "the prefill pool's shape (the source "
				       "loaded the prefill pool alone)"
				     : "prefill pool and KV link: stand-ins of "
				       "the decode pool's shape (the source "
				       "loaded the decode pool alone)"));
	} else {
		add_worker(ws, "agg", t, t->max_batch, t->max_num_tokens);
	}
	return d;
}

/* ---- level summaries ----------------------------------------------------- */

static void add_num(cJSON *o, const char *k, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

/* A statistics object with only what the row states; n unknown. */
static cJSON *stats_obj(void)
{
	struct stats s;
	stats_compute(NULL, 0, &s);
	cJSON *j = stats_to_json(&s);
	cJSON_ReplaceItemInObject(j, "n", cJSON_CreateNull());
	return j;
}

static void set_stat(cJSON *summary, const char *metric, const char *stat,
		     double v)
{
	cJSON *m = cJSON_GetObjectItemCaseSensitive(summary, metric);
	cJSON_ReplaceItemInObject(m, stat, cJSON_CreateNumber(v));
}

static void copy_str(cJSON *dst, const char *key, const struct reader *rd,
		     const cJSON *row, enum field f)
{
	const cJSON *v = col(rd, row, f);
	if (cJSON_IsString(v))
		cJSON_AddStringToObject(dst, key, v->valuestring);
	else if (cJSON_IsNumber(v))
		cJSON_AddNumberToObject(dst, key, v->valuedouble);
}

static cJSON *summary_of(const struct reader *rd, const struct trow *t,
			 const cJSON *assumed)
{
	const cJSON *row = t->raw;
	cJSON *o = cJSON_CreateObject();
	cJSON *missing = cJSON_CreateArray();
	cJSON *derived = cJSON_CreateArray();
	cJSON *ld = cJSON_AddObjectToObject(o, "load");
	cJSON_AddStringToObject(ld, "kind", table_load_name(t->kind));
	if (t->kind == TABLE_CLOSED || t->kind == TABLE_DECODE_ONLY) {
		cJSON_AddNumberToObject(ld, "users", t->users);
		cJSON_AddNumberToObject(o, "concurrency", t->users);
	} else if (t->kind == TABLE_OPEN) {
		cJSON_AddNumberToObject(ld, "rate_per_s", t->rate);
		cJSON_AddNumberToObject(o, "request_rate", t->rate);
	}
	if (t->iter_tokens > 0)
		cJSON_AddNumberToObject(ld, "tokens_per_iteration",
					t->iter_tokens);
	if (t->requests > 0)
		cJSON_AddNumberToObject(ld, "requests", (double)t->requests);
	else
		cJSON_AddNullToObject(ld, "requests");
	add_num(o, "isl", t->isl);
	add_num(o, "osl", t->osl);
	if (isnan(t->isl))
		cJSON_AddItemToArray(missing, cJSON_CreateString("isl"));
	if (isnan(t->osl))
		cJSON_AddItemToArray(missing, cJSON_CreateString("osl"));
	cJSON_AddNumberToObject(o, "gpus", (double)t->gpus);
	cJSON_AddBoolToObject(o, "complete", true);
	cJSON *rq = cJSON_AddObjectToObject(o, "requests");
	add_num(rq, "total", t->requests > 0 ? (double)t->requests : NAN);
	add_num(rq, "ok", t->requests > 0 ? (double)t->requests : NAN);
	cJSON_AddNullToObject(rq, "failed");
	cJSON_AddNumberToObject(rq, "warmup", 0);
	cJSON_AddObjectToObject(rq, "by_reason");
	for (size_t i = 0; i < sizeof latency_metrics / sizeof *latency_metrics;
	     i++)
		cJSON_AddItemToObject(o, latency_metrics[i], stats_obj());
	for (size_t i = 0; i < sizeof latency_cols / sizeof *latency_cols;
	     i++) {
		double v = col_num(rd, row, latency_cols[i].f);
		if (isfinite(v))
			set_stat(o, latency_cols[i].metric,
				 latency_cols[i].stat, v);
	}
	for (size_t i = 0; i < sizeof latency_metrics / sizeof *latency_metrics;
	     i++) {
		const cJSON *m =
		    cJSON_GetObjectItemCaseSensitive(o, latency_metrics[i]);
		bool any = false;
		const cJSON *v;
		cJSON_ArrayForEach(v, m) any |=
		    cJSON_IsNumber(v) && strcmp(v->string, "n");
		if (!any)
			cJSON_AddItemToArray(
			    missing, cJSON_CreateString(latency_metrics[i]));
	}
	cJSON_AddNullToObject(o, "ttft_client_minus_server_ms");
	cJSON_AddItemToObject(o, "output_tokens", stats_obj());
	cJSON_AddItemToObject(o, "input_tokens", stats_obj());
	if (isfinite(t->osl))
		set_stat(o, "output_tokens", "mean", t->osl);
	if (isfinite(t->isl))
		set_stat(o, "input_tokens", "mean", t->isl);

	/* Throughputs: totals, or per GPU or per node times the GPUs. */
	double gpus = (double)t->gpus, nodes = gpus / (double)t->per_node;
	double out = col_num(rd, row, F_OUT_TPS);
	double per_gpu = col_num(rd, row, F_OUT_TPS_GPU);
	double per_node = col_num(rd, row, F_OUT_TPS_NODE);
	if (isnan(out) && isfinite(per_gpu)) {
		out = per_gpu * gpus;
		cJSON_AddItemToArray(
		    derived,
		    cJSON_CreateString("throughput.output_tokens_per_s = "
				       "output_tok_s_per_gpu x gpu_count"));
	} else if (isnan(out) && isfinite(per_node)) {
		out = per_node * nodes;
		cJSON_AddItemToArray(
		    derived,
		    cJSON_CreateString("throughput.output_tokens_per_s = "
				       "output_tok_s_per_node x nodes"));
	}
	if (isnan(per_gpu) && isfinite(out)) {
		per_gpu = out / gpus;
		cJSON_AddItemToArray(
		    derived,
		    cJSON_CreateString("throughput.tokens_per_s_per_gpu = "
				       "output tokens/s / gpu_count"));
	}
	double in_node = col_num(rd, row, F_IN_TPS_NODE);
	double in = isfinite(in_node) ? in_node * nodes : NAN;
	if (isfinite(in))
		cJSON_AddItemToArray(
		    derived,
		    cJSON_CreateString("throughput.input_tokens_per_s = "
				       "input_tok_s_per_node x nodes"));
	cJSON *tp = cJSON_AddObjectToObject(o, "throughput");
	const struct {
		const char *key;
		double v;
	} tps[] = {
	    {"window_s", NAN},
	    {"output_tokens_per_s", out},
	    {"requests_per_s", col_num(rd, row, F_RPS)},
	    {"tokens_per_s_per_gpu", per_gpu},
	    {"tokens_per_s_per_user", col_num(rd, row, F_TPS_USER)},
	    {"total_tokens_per_s", col_num(rd, row, F_TOTAL_TPS)},
	    {"input_tokens_per_s", in},
	};
	for (size_t i = 0; i < sizeof tps / sizeof *tps; i++) {
		add_num(tp, tps[i].key, tps[i].v);
		if (!isfinite(tps[i].v) && i > 0) {
			char k[80];
			snprintf(k, sizeof k, "throughput.%s", tps[i].key);
			cJSON_AddItemToArray(missing, cJSON_CreateString(k));
		}
	}
	cJSON *lt = cJSON_AddObjectToObject(o, "little");
	add_num(lt, "measured_concurrency", NAN);
	add_num(lt, "expected", NAN);
	add_num(lt, "rel_error", NAN);
	cJSON_AddNumberToObject(o, "prompt_tokens_mismatch", 0);
	const char *const never[] = {"little", "prompt_tokens_mismatch",
				     "requests.failed"};
	for (size_t i = 0; i < sizeof never / sizeof *never; i++)
		cJSON_AddItemToArray(missing, cJSON_CreateString(never[i]));

	cJSON *src = cJSON_AddObjectToObject(o, "source");
	cJSON_AddStringToObject(src, "tool", "table");
	cJSON_AddStringToObject(src, "file", rd->path);
	cJSON_AddNumberToObject(src, "row", (double)t->line);
	copy_str(src, "id", rd, row, F_ID);
	copy_str(src, "sweep", rd, row, F_SWEEP);
	copy_str(src, "reference", rd, row, F_SOURCE);
	copy_str(src, "reference_at", rd, row, F_SOURCE_REF);
	copy_str(src, "engine", rd, row, F_ENGINE);
	copy_str(src, "engine_version", rd, row, F_ENGINE_VERSION);
	copy_str(src, "dataset", rd, row, F_DATASET);
	copy_str(src, "load", rd, row, F_LOAD_TYPE);
	copy_str(src, "load_value", rd, row, F_LOAD_VALUE);
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(row, "quote");
	if (cJSON_IsString(q))
		cJSON_AddStringToObject(src, "quote", q->valuestring);
	cJSON_AddItemToObject(src, "assumed", cJSON_Duplicate(assumed, true));
	cJSON_AddItemToObject(src, "derived", derived);
	cJSON_AddItemToObject(o, "missing", missing);
	return o;
}

/* ---- levels: names ------------------------------------------------------- */

static void base_level(const struct trow *t, char *buf, size_t cap)
{
	switch (t->kind) {
	case TABLE_CLOSED:
		level_name(false, t->users, buf, cap);
		break;
	case TABLE_OPEN:
		level_name(true, t->rate, buf, cap);
		break;
	case TABLE_BURST:
		snprintf(buf, cap, "burst");
		break;
	case TABLE_PREFILL_ONLY:
		snprintf(buf, cap, "prefill");
		break;
	case TABLE_DECODE_ONLY:
		snprintf(buf, cap, "decode%.0f", t->users);
		break;
	}
}

static void workload_suffix(const struct trow *t, char *buf, size_t cap)
{
	if (isfinite(t->isl) && isfinite(t->osl))
		snprintf(buf, cap, "-%gx%g", t->isl, t->osl);
	else if (isfinite(t->isl))
		snprintf(buf, cap, "-i%g", t->isl);
	else if (isfinite(t->osl))
		snprintf(buf, cap, "-o%g", t->osl);
	else
		buf[0] = 0;
}

/* Level names within each configuration: the load's name; where rows of
 * a configuration share it, their workloads, then a count. */
static void name_levels(struct trow *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		base_level(&rows[i], rows[i].level, sizeof rows[i].level);
	bool *clash = xcalloc(n, sizeof *clash);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			clash[i] |= j != i &&
				    rows[j].config == rows[i].config &&
				    !strcmp(rows[j].level, rows[i].level) &&
				    (rows[j].isl != rows[i].isl ||
				     rows[j].osl != rows[i].osl);
	for (size_t i = 0; i < n; i++) {
		if (clash[i]) {
			char suf[48];
			workload_suffix(&rows[i], suf, sizeof suf);
			size_t k = strlen(rows[i].level);
			snprintf(rows[i].level + k, sizeof rows[i].level - k,
				 "%s", suf);
		}
	}
	free(clash);
	for (size_t i = 0; i < n; i++) {
		int k = 1;
		for (size_t j = 0; j < i; j++)
			k += rows[j].config == rows[i].config &&
			     !strncmp(rows[j].level, rows[i].level,
				      strlen(rows[i].level)) &&
			     (rows[j].level[strlen(rows[i].level)] == 0 ||
			      rows[j].level[strlen(rows[i].level)] == '-');
		if (k > 1) {
			size_t m = strlen(rows[i].level);
			snprintf(rows[i].level + m, sizeof rows[i].level - m,
				 "-%d", k);
		}
	}
}

/* ---- the whole table ----------------------------------------------------- */

static cJSON *run_of(const struct reader *rd, const struct trow *t,
		     const char *name, const cJSON *assumed)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "source", "table");
	cJSON_AddStringToObject(r, "file", rd->path);
	if (t->sweep[0])
		cJSON_AddStringToObject(r, "sweep", t->sweep);
	cJSON_AddNullToObject(r, "url");
	cJSON_AddStringToObject(r, "deployment", name);
	cJSON_AddNumberToObject(r, "gpus", (double)t->gpus);
	cJSON_AddStringToObject(r, "mode", "imported");
	cJSON_AddItemToObject(r, "assumed", cJSON_Duplicate(assumed, true));
	return r;
}

int table_import(const char *path, const char *map, struct table_result *out,
		 struct sc_err *e)
{
	memset(out, 0, sizeof *out);
	struct reader rd = {.path = path};
	cJSON *rows = NULL;
	long *lines = NULL;
	struct trow *tr = NULL;
	char *text = NULL;
	int rc = parse_map(&rd, map, e);
	if (rc)
		goto out;
	size_t len;
	text = infile_read_all(path, TABLE_MAX_FILE_BYTES, false, &len, e);
	if (!text) {
		rc = SC_EINPUT;
		goto out;
	}
	if ((rc = read_rows(&rd, text, len, &rows, &lines, e)))
		goto out;
	size_t n = (size_t)cJSON_GetArraySize(rows);
	if (n == 0) {
		rc = sc_err_set(e, SC_EINPUT, "%s: no rows", path);
		goto out;
	}
	tr = xcalloc(n, sizeof *tr);
	const cJSON *row;
	size_t i = 0;
	cJSON_ArrayForEach(row, rows)
	{
		if ((rc = read_row(&rd, row, lines[i], &tr[i], e)))
			goto out;
		i++;
	}
	/* Configurations in order of first appearance. */
	size_t nc = 0;
	for (i = 0; i < n; i++) {
		size_t j;
		for (j = 0; j < i && !same_config(&tr[j], &tr[i], &rd); j++)
			;
		tr[i].config = j < i ? tr[j].config : nc++;
	}
	name_levels(tr, n);
	out->configs = xcalloc(nc, sizeof *out->configs);
	out->n_configs = nc;
	out->rows = n;
	for (size_t c = 0; c < nc; c++) {
		const struct trow *first = NULL;
		size_t in_sweep = 0, count = 0;
		for (i = 0; i < n; i++)
			if (tr[i].config == c) {
				first = first ? first : &tr[i];
				count++;
			}
		/* A sweep that holds several configurations names each. */
		for (size_t k = 0; k < nc; k++) {
			for (i = 0; i < n && tr[i].config != k; i++)
				;
			in_sweep += !strcmp(tr[i].sweep, first->sweep);
		}
		struct table_config *tc = &out->configs[c];
		char sw[96], tag[160], shape[48];
		slug(sw, sizeof sw, first->sweep);
		shape_tag(first, shape, sizeof shape);
		snprintf(tag, sizeof tag, "%s-%s-%s-%s-%s", first->model,
			 first->gpu, shape, first->backend,
			 dtype_name(first->wd));
		/* Names are cut to fit deployment names (127 bytes). */
		if (!sw[0])
			snprintf(tc->name, sizeof tc->name, "%.120s", tag);
		else if (in_sweep > 1)
			snprintf(tc->name, sizeof tc->name, "%.60s-%.59s", sw,
				 tag);
		else
			snprintf(tc->name, sizeof tc->name, "%.120s", sw);
		for (size_t k = 0; k < c; k++)
			if (!strcmp(out->configs[k].name, tc->name)) {
				size_t m = strlen(tc->name);
				snprintf(tc->name + m, sizeof tc->name - m,
					 "-%zu", c + 1);
				break;
			}
		cJSON *assumed = cJSON_CreateArray();
		tc->deployment =
		    deployment_of(&rd, first, tc->name, assumed, e);
		if (!tc->deployment) {
			cJSON_Delete(assumed);
			rc = SC_EINPUT;
			goto out;
		}
		tc->run = run_of(&rd, first, tc->name, assumed);
		tc->levels = xcalloc(count, sizeof *tc->levels);
		for (i = 0; i < n; i++) {
			if (tr[i].config != c)
				continue;
			struct table_level *lv = &tc->levels[tc->n_levels++];
			snprintf(lv->name, sizeof lv->name, "%s", tr[i].level);
			lv->row = tr[i].line;
			lv->summary = summary_of(&rd, &tr[i], assumed);
		}
		cJSON_Delete(assumed);
	}
out:
	free(tr);
	free(lines);
	cJSON_Delete(rows);
	free(text);
	free(rd.map_buf);
	return rc;
}

void table_result_release(struct table_result *t)
{
	for (size_t c = 0; c < t->n_configs; c++) {
		struct table_config *tc = &t->configs[c];
		cJSON_Delete(tc->deployment);
		cJSON_Delete(tc->run);
		for (size_t i = 0; i < tc->n_levels; i++)
			cJSON_Delete(tc->levels[i].summary);
		free(tc->levels);
	}
	free(t->configs);
	memset(t, 0, sizeof *t);
}
