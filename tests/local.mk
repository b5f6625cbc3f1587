# tests: CUnit unit tests (one program per module) and integration scripts.
noinst_LIBRARIES += libsctest.a
libsctest_a_SOURCES = tests/unit/testutil.c tests/unit/testutil.h \
	tests/unit/modelfix.c tests/unit/modelfix.h
libsctest_a_CFLAGS = $(TEST_CFLAGS)

# Model-layer tests (the other layers list theirs in src/LAYER/local.mk).
MODEL_TESTS = tests/unit/test_modelspec tests/unit/test_specs \
	tests/unit/test_step tests/unit/test_memory tests/unit/test_perf \
	tests/unit/test_params tests/unit/test_sim tests/unit/test_catalog
check_PROGRAMS += $(MODEL_TESTS)
TESTS += $(MODEL_TESTS) tests/integration/cli.sh
dist_noinst_SCRIPTS += tests/integration/cli.sh tests/integration/lib.sh
EXTRA_DIST += bench/qwen3-32b-h200-agg.json bench/qwen3-32b-h200-disagg.json

tests_unit_test_modelspec_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_modelspec_LDADD = libsctest.a $(TEST_LIBS)
tests_unit_test_specs_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_specs_LDADD = libsctest.a $(TEST_LIBS)
tests_unit_test_step_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_step_LDADD = libsctest.a $(TEST_LIBS)
tests_unit_test_memory_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_memory_LDADD = libsctest.a $(TEST_LIBS)
tests_unit_test_perf_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_perf_LDADD = libsctest.a $(TEST_LIBS)
tests_unit_test_catalog_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_catalog_LDADD = libsctest.a $(TEST_LIBS)
tests_unit_test_sim_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_sim_LDADD = libsctest.a $(TEST_LIBS)
tests_unit_test_params_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_params_LDADD = libsctest.a $(TEST_LIBS)
