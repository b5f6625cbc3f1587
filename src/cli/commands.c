/* The subcommand table: one line per command, in the order `--help` lists
 * them. Each command's code lives in cli/cmd_NAME.c. */
#include "cli/cli.h"

#include <string.h>

extern const struct cli_command cli_cmd_emulate;
extern const struct cli_command cli_cmd_bench;
extern const struct cli_command cli_cmd_import;
extern const struct cli_command cli_cmd_predict;
extern const struct cli_command cli_cmd_fit;
extern const struct cli_command cli_cmd_match;
extern const struct cli_command cli_cmd_generate;
extern const struct cli_command cli_cmd_verify;
extern const struct cli_command cli_cmd_plot;
extern const struct cli_command cli_cmd_report;
extern const struct cli_command cli_cmd_campaign;
extern const struct cli_command cli_cmd_db;

const struct cli_command *const cli_commands[] = {
    &cli_cmd_emulate,
    &cli_cmd_bench,
    &cli_cmd_import,
    &cli_cmd_predict,
    &cli_cmd_fit,
    &cli_cmd_match,
    &cli_cmd_generate,
    &cli_cmd_verify,
    &cli_cmd_plot,
    &cli_cmd_report,
    &cli_cmd_campaign,
    &cli_cmd_db,
    NULL,
};

const struct cli_command *cli_find(const char *name)
{
	for (const struct cli_command *const *c = cli_commands; *c; c++)
		if (strcmp((*c)->name, name) == 0)
			return *c;
	return NULL;
}
