# tests: the helpers every unit test links (LDADD in Makefile.am) and the
# command-line integration script; each layer lists its own tests in
# src/LAYER/local.mk.
noinst_LIBRARIES += libsctest.a
libsctest_a_SOURCES = tests/unit/testutil.c tests/unit/testutil.h \
	tests/unit/modelfix.c tests/unit/modelfix.h

TESTS += tests/integration/cli.sh
# The bench/perf scripts' argument checks.
TESTS += tests/integration/bench_args.sh
# The include graph between modules follows the layers (no arrow up, no loop).
TESTS += tests/layers.sh
dist_noinst_SCRIPTS += tests/layers.sh
dist_noinst_SCRIPTS += tests/integration/cli.sh tests/integration/lib.sh \
	tests/integration/bench_args.sh
EXTRA_DIST += bench/qwen3-32b-h200-agg.json bench/qwen3-32b-h200-disagg.json
