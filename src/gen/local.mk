# src/gen: launch files of a deployment for an engine (vLLM, SGLang,
# TensorRT-LLM, Dynamo, llama.cpp) behind `generate` and `match --emit`.
libservecal_a_SOURCES += \
	src/gen/backends.c src/gen/backends.h \
	src/gen/modelid.c src/gen/modelid.h \
	src/gen/subst.c src/gen/subst.h \
	src/gen/gen.c src/gen/gen.h \
	src/gen/yaml.c src/gen/yaml.h \
	src/gen/shell.c src/gen/shell.h \
	src/gen/dgd.c src/gen/dgd.h \
	src/gen/emit.c src/gen/emit.h

check_PROGRAMS += tests/unit/test_gen tests/unit/test_gen_yaml
TESTS += tests/unit/test_gen tests/unit/test_gen_yaml \
	tests/integration/generate.sh tests/integration/generate_real.sh
dist_noinst_SCRIPTS += tests/integration/generate.sh \
	tests/integration/generate_real.sh
EXTRA_DIST += tests/golden/gen
