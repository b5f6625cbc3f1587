# src/util: allocation, errors, clocks, JSON file access, random numbers.
libservecal_a_SOURCES += \
	src/util/xalloc.c src/util/xalloc.h \
	src/util/err.c src/util/err.h \
	src/util/clock.c src/util/clock.h \
	src/util/jsonio.c src/util/jsonio.h \
	src/util/rng.c src/util/rng.h \
	src/util/statsel.c src/util/statsel.h
libservecal_a_SOURCES += src/util/num.c src/util/num.h \
	src/util/infile.c src/util/infile.h
