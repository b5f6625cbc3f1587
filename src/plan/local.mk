# src/plan: configuration search: worker enumeration, agg search, disagg rate
# matching, Pareto front, and their CSV/JSON output.
libservecal_a_SOURCES += \
	src/plan/pareto.c src/plan/pareto.h \
	src/plan/ratematch.c src/plan/ratematch.h \
	src/plan/plan.c src/plan/plan.h src/plan/plan_internal.h \
	src/plan/plan_space.c src/plan/plan_space.h \
	src/plan/plan_agg.c src/plan/plan_agg.h \
	src/plan/plan_disagg.c src/plan/plan_disagg.h \
	src/plan/plan_out.c src/plan/plan_out.h

check_PROGRAMS += tests/unit/test_pareto tests/unit/test_plan_ratematch
TESTS += tests/unit/test_pareto tests/unit/test_plan_ratematch
tests_unit_test_pareto_SOURCES = tests/unit/test_pareto.c
tests_unit_test_pareto_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_pareto_LDADD = libsctest.a $(TEST_LIBS)
tests_unit_test_plan_ratematch_SOURCES = tests/unit/test_plan_ratematch.c
tests_unit_test_plan_ratematch_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_plan_ratematch_LDADD = libsctest.a $(TEST_LIBS)

servecal_SOURCES += src/cli/cmd_match.c
