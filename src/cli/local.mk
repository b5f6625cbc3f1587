# src/cli: the servecal binary: command table and one file per command.
libservecal_a_SOURCES += src/cli/cli.c src/cli/cli.h
servecal_SOURCES += src/cli/main.c src/cli/commands.c
servecal_SOURCES += \
	src/cli/cmd_bench.c \
	src/cli/cmd_campaign.c \
	src/cli/cmd_db.c \
	src/cli/cmd_emulate.c \
	src/cli/cmd_fit.c \
	src/cli/cmd_generate.c \
	src/cli/cmd_import.c \
	src/cli/cmd_match.c \
	src/cli/cmd_plot.c \
	src/cli/cmd_predict.c \
	src/cli/cmd_report.c \
	src/cli/cmd_verify.c
