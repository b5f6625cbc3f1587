# src/load: workloads, arrival processes, the load loop, results files.
libservecal_a_SOURCES += \
	src/load/rng.c src/load/rng.h \
	src/load/arrival.c src/load/arrival.h \
	src/load/workload.c src/load/workload.h \
	src/load/loop.c src/load/loop.h \
	src/load/results.c src/load/results.h
servecal_SOURCES += src/cli/cmd_bench.c
