# src/cli: the servecal binary: command table and one file per command.
libservecal_a_SOURCES += src/cli/cli.c src/cli/cli.h
servecal_SOURCES += src/cli/main.c src/cli/commands.c
servecal_SOURCES += src/cli/cmd_predict.c
