/* libFuzzer harness for the readers of input files: model, GPU and
 * deployment specs, campaign files, dataset and trace lines, params files,
 * the emulator section and the aiperf and vLLM importers. The first input
 * byte picks the reader; the rest is the file. Crashes, sanitizer reports
 * and broken invariants (abort) are findings: a value that was accepted
 * lies in its documented range, and a document jsonio accepted parses
 * again after printing. Build with `make fuzz-specs`. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "camp/campaign.h"
#include "emu/emu_truth.h"
#include "load/wl.h"
#include "metrics/importer.h"
#include "model/deploy.h"
#include "model/params.h"
#include "util/jsonio.h"
#include "util/num.h"

enum reader {
	R_MODEL,
	R_GPU,
	R_DEPLOY,
	R_CAMPAIGN,
	R_DATASET,
	R_PARAMS,
	R_EMULATOR,
	R_AIPERF,
	R_VLLM,
	R_COUNT
};

static void check(bool ok)
{
	if (!ok)
		abort();
}

/* Path-based readers get the input through a file of this process. */
static const char *to_file(const uint8_t *d, size_t n)
{
	static char path[64];
	if (!path[0])
		snprintf(path, sizeof path, "%s/fuzz-specs-%ld.json",
			 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp",
			 (long)getpid());
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	fwrite(d, 1, n, f);
	fclose(f);
	return path;
}

static void model(const cJSON *j)
{
	struct model_spec m;
	if (model_spec_from_json(j, "f", &m, NULL) == SC_OK)
		check(m.layers >= 1 && m.layers <= 100000 && m.vocab >= 1 &&
		      m.q_heads % m.kv_heads == 0);
}

static void gpu(const cJSON *j)
{
	struct gpu_spec g;
	if (gpu_spec_from_json(j, "f", &g, NULL) == SC_OK)
		check(g.hbm_gib > 0 && g.hbm_gib <= 1e6 && g.hbm_tbps <= 1e4 &&
		      isfinite(gpu_hbm_bytes(&g)) && g.tflops[DT_BF16] > 0);
}

static void deploy(const cJSON *j)
{
	struct deploy_spec d;
	if (deploy_from_json(j, "f", NULL, &d, NULL) == SC_OK) {
		check(d.n_groups >= 1 && deploy_gpus(&d) >= 1);
		check(d.link.latency_us >= 0 &&
		      d.link.latency_us <= NUM_LINK_MAX_LATENCY_US);
		cJSON *back = deploy_to_json(&d);
		cJSON_Delete(back);
	}
	deploy_release(&d);
}

static void params(const cJSON *j)
{
	struct model_params p;
	params_default(&p);
	if (params_from_json(j, "f", &p, NULL) == SC_OK)
		for (int i = 0; i < MP_COUNT; i++)
			check(p.v[i] >= mp_table[i].lo * (1 - 1e-9) &&
			      p.v[i] <= mp_table[i].hi * (1 + 1e-9));
}

static void emulator(const cJSON *j)
{
	struct emu_truth t;
	if (emu_truth_from_json(j, "f", &t, NULL) == SC_OK)
		check(t.time_scale >= 0.001 && t.time_scale <= 1000 &&
		      t.faults.stall_s >= 0 && t.faults.stall_s <= 600);
}

static void campaign(const uint8_t *d, size_t n)
{
	struct campaign c;
	if (campaign_load(to_file(d, n), &c, NULL) == SC_OK) {
		check(c.n_levels >= 1 && c.timeout_s <= NUM_DURATION_MAX_S &&
		      c.duration_per_level_s <= NUM_DURATION_MAX_S);
		campaign_release(&c);
	}
}

static void dataset(const uint8_t *d, size_t n)
{
	struct workload w;
	wl_init(&w, WL_CHAT, "m", 8, 1, 4, 1, 1);
	if (wl_load_dataset(&w, to_file(d, n), NULL) == SC_OK) {
		for (size_t i = 0; i < w.n_items; i++)
			check(w.items[i].timestamp_s * 1e9 < 0x1p62 &&
			      w.items[i].input_len <= NUM_TOKENS_MAX);
		struct wl_request r;
		wl_next(&w, 0, &r);
		wl_request_release(&r);
	}
	wl_release(&w);
}

static void import(enum import_source src, const uint8_t *d, size_t n)
{
	struct import_level lv;
	if (import_file(src, to_file(d, n), 2, &lv, NULL) == SC_OK) {
		check(lv.summary != NULL);
		cJSON_Delete(lv.summary);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	enum reader r = (enum reader)(data[0] % R_COUNT);
	data++;
	size--;
	switch (r) {
	case R_CAMPAIGN:
		campaign(data, size);
		return 0;
	case R_DATASET:
		dataset(data, size);
		return 0;
	case R_AIPERF:
		import(IMPORT_AIPERF, data, size);
		return 0;
	case R_VLLM:
		import(IMPORT_VLLM, data, size);
		return 0;
	default:
		break;
	}
	cJSON *j = jsonio_parse((const char *)data, size, "f", NULL);
	if (!j)
		return 0;
	/* What was accepted prints and parses back (strictly) again. */
	char *txt = cJSON_PrintUnformatted(j);
	if (txt) {
		cJSON *k = jsonio_parse(txt, strlen(txt), "again", NULL);
		check(k != NULL);
		cJSON_Delete(k);
		free(txt);
	}
	switch (r) {
	case R_MODEL:
		model(j);
		break;
	case R_GPU:
		gpu(j);
		break;
	case R_DEPLOY:
		deploy(j);
		break;
	case R_PARAMS:
		params(j);
		break;
	case R_EMULATOR:
		emulator(j);
		break;
	default:
		break;
	}
	cJSON_Delete(j);
	return 0;
}
