# src/util: allocation, errors, clocks, JSON file access, random numbers.
libservecal_a_SOURCES += \
	src/util/xalloc.c src/util/xalloc.h \
	src/util/err.c src/util/err.h \
	src/util/clock.c src/util/clock.h \
	src/util/jsonio.c src/util/jsonio.h \
	src/util/rng.c src/util/rng.h
