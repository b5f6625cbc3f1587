# src/model: specs, catalogs, parameters and the analytical model.
libservecal_a_SOURCES += \
	src/model/dtype.c src/model/dtype.h \
	src/model/catalog.c src/model/catalog.h \
	src/model/modelspec.c src/model/modelspec.h \
	src/model/gpuspec.c src/model/gpuspec.h \
	src/model/params.c src/model/params.h \
	src/model/deploy.c src/model/deploy.h \
	src/model/step.c src/model/step.h \
	src/model/memory.c src/model/memory.h \
	src/model/sim.c src/model/sim.h \
	src/model/perf.c src/model/perf.h \
	src/model/perfdb.c src/model/perfdb.h \
	src/model/predict.c src/model/predict.h

MODEL_TESTS = tests/unit/test_modelspec tests/unit/test_specs \
	tests/unit/test_step tests/unit/test_memory tests/unit/test_perf \
	tests/unit/test_params tests/unit/test_sim tests/unit/test_catalog \
	tests/unit/test_predict
check_PROGRAMS += $(MODEL_TESTS)
TESTS += $(MODEL_TESTS)
