# src/cli: the servecal binary: command table and one file per command.
libservecal_a_SOURCES += src/cli/cli.c src/cli/cli.h src/cli/flags.c src/cli/flags.h
servecal_SOURCES += src/cli/main.c src/cli/commands.c src/cli/stop.c src/cli/stop.h
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

# The flag tables: parsing, ranges, messages and the rendered help.
check_PROGRAMS += tests/unit/test_cli_flags
TESTS += tests/unit/test_cli_flags
