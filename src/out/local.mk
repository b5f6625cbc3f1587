# src/out: the campaign-directory reader, the gnuplot writer and runner
# (gnuplot lives only here), and the Markdown/HTML report writer.
libservecal_a_SOURCES += \
	src/out/campdir.c src/out/campdir.h \
	src/out/gnuplot.c src/out/gnuplot.h \
	src/out/plotfile.c src/out/plotfile.h \
	src/out/plot_pareto.c src/out/plot_pareto.h \
	src/out/plot.c src/out/plot.h \
	src/out/match_table.c src/out/match_table.h \
	src/out/fit_table.c src/out/fit_table.h \
	src/out/camp_text.c src/out/camp_text.h
libservecal_a_SOURCES += \
	src/out/markup.c src/out/markup.h \
	src/out/doc.c src/out/doc.h \
	src/out/report_summary.c src/out/report_summary.h \
	src/out/report.c src/out/report.h

# Tests of the output layer (fixture campaign: tests/fixtures/campaign/,
# golden chart files: tests/golden/plots/).
OUT_TESTS = tests/unit/test_markup \
	tests/unit/test_campdir tests/unit/test_plot tests/unit/test_gnuplot \
	tests/unit/test_report
check_PROGRAMS += $(OUT_TESTS)
TESTS += $(OUT_TESTS) tests/integration/plot.sh tests/integration/report_chromium.sh
dist_noinst_SCRIPTS += tests/integration/plot.sh tests/integration/report_chromium.sh
EXTRA_DIST += tests/fixtures/campaign tests/golden/plots

# Speed of plot and report on a large matching result (not part of check).
EXTRA_DIST += bench/perf/plot_bench.sh
bench-plot: servecal$(EXEEXT)
	SC_SRCDIR='$(abs_top_srcdir)' SC_BUILDDIR='$(abs_top_builddir)' \
		$(SHELL) $(top_srcdir)/bench/perf/plot_bench.sh
.PHONY: bench-plot

# bench's closing block (a pure formatter of a level summary).
libservecal_a_SOURCES += src/out/bench_block.c src/out/bench_block.h \
	src/out/bench_progress.c src/out/bench_progress.h
check_PROGRAMS += tests/unit/test_bench_block
TESTS += tests/unit/test_bench_block
