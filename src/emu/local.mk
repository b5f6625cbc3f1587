# src/emu: the emulated serving engine (libevent lives only here).
libservecal_a_SOURCES += \
	src/emu/emu_rng.c src/emu/emu_rng.h \
	src/emu/emu_faults.c src/emu/emu_faults.h \
	src/emu/emu_truth.c src/emu/emu_truth.h \
	src/emu/emu_sched.c src/emu/emu_sched.h \
	src/emu/emu_api.c src/emu/emu_api.h \
	src/emu/emu_trace.c src/emu/emu_trace.h \
	src/emu/emu_server.c src/emu/emu_server.h
servecal_SOURCES += src/cli/cmd_emulate.c
