# src/model: specs, catalogs, parameters and the analytical model.
libservecal_a_SOURCES += \
	src/model/dtype.c src/model/dtype.h
