# src/metrics: per-request metrics, latency sketches, level summaries.
libservecal_a_SOURCES += \
	src/metrics/sketch.c src/metrics/sketch.h \
	src/metrics/request.c src/metrics/request.h \
	src/metrics/summary.c src/metrics/summary.h \
	src/metrics/level.c src/metrics/level.h

check_PROGRAMS += tests/unit/test_summary
TESTS += tests/unit/test_summary
libservecal_a_SOURCES += src/metrics/importer.c src/metrics/importer.h

check_PROGRAMS += tests/unit/test_importer
TESTS += tests/unit/test_importer
EXTRA_DIST += tests/fixtures/import/profile_export.jsonl \
	tests/fixtures/import/profile_export_aiperf.json \
	tests/fixtures/import/vllm_detailed.json \
	tests/fixtures/import/vllm_summary.json

# AIPerf-format exports of bench results (read back by the importer).
libservecal_a_SOURCES += src/metrics/aiperf_out.c src/metrics/aiperf_out.h
check_PROGRAMS += tests/unit/test_aiperf_out
TESTS += tests/unit/test_aiperf_out

# Published measurement tables (servecal import table).
libservecal_a_SOURCES += src/metrics/table.c src/metrics/table.h
check_PROGRAMS += tests/unit/test_table
TESTS += tests/unit/test_table
