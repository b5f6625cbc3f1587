# calib: model and GPU catalogs, installed as data.
calibmodelsdir = $(pkgdatadir)/calib/models
dist_calibmodels_DATA = calib/models/qwen3-32b.json calib/models/qwen3-8b.json \
	calib/models/llama-3.1-8b.json calib/models/llama-3.1-70b.json \
	calib/models/qwen3-30b-a3b.json calib/models/qwen3-235b-a22b.json \
	calib/models/tiny-llama.json calib/models/deepseek-v3.json
calibgpusdir = $(pkgdatadir)/calib/gpus
dist_calibgpus_DATA = calib/gpus/h100-sxm.json calib/gpus/h200-sxm.json \
	calib/gpus/b200.json calib/gpus/a100-80gb.json calib/gpus/l40s.json \
	calib/gpus/cpu-1core.json
