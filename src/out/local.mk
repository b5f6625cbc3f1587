# src/out: the campaign-directory reader, the gnuplot writer and runner
# (gnuplot lives only here), and the Markdown/HTML report writer.
libservecal_a_SOURCES += \
	src/out/textbuf.c src/out/textbuf.h \
	src/out/csvtab.c src/out/csvtab.h \
	src/out/campdir.c src/out/campdir.h \
	src/out/gnuplot.c src/out/gnuplot.h \
	src/out/plot.c src/out/plot.h
servecal_SOURCES += src/cli/cmd_plot.c
libservecal_a_SOURCES += \
	src/out/markup.c src/out/markup.h \
	src/out/report.c src/out/report.h
servecal_SOURCES += src/cli/cmd_report.c
