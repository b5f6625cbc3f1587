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
	src/model/perf.c src/model/perf.h
