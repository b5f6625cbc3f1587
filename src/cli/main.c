/* servecal's entry point: dispatches to a subcommand from the table in
 * cli/commands.c and handles the global --help, --version and `help CMD`. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "config.h"

static void print_overview(FILE *out)
{
	fprintf(out,
		"servecal %s: benchmark calibration and alignment for LLM "
		"serving\n\n"
		"usage: servecal <command> [options]\n\ncommands:\n",
		PACKAGE_VERSION);
	for (const struct cli_command *const *c = cli_commands; *c; c++)
		fprintf(out, "  %-10s %s\n", (*c)->name, (*c)->summary);
	fprintf(
	    out,
	    "\n'servecal help CMD' or 'servecal CMD --help' shows a command's "
	    "options.\n"
	    "Exit codes: 0 ok, 1 runtime failure, 2 usage, 3 bad input file,\n"
	    "4 no configuration meets the SLA.\n");
}

static int unknown_command(const char *name)
{
	fprintf(stderr,
		"servecal: unknown command '%s' (try 'servecal --help')\n",
		name);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		print_overview(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		print_overview(stdout);
		return EXIT_OK_;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		printf("servecal %s\n", PACKAGE_VERSION);
		return EXIT_OK_;
	}
	if (!strcmp(cmd, "help")) {
		if (argc < 3) {
			print_overview(stdout);
			return EXIT_OK_;
		}
		const struct cli_command *c = cli_find(argv[2]);
		if (!c)
			return unknown_command(argv[2]);
		cli_help_write(stdout, c);
		return EXIT_OK_;
	}
	if (cmd[0] == '-') {
		fprintf(
		    stderr,
		    "servecal: unknown option '%s' (try 'servecal --help')\n",
		    cmd);
		return EXIT_USAGE;
	}
	const struct cli_command *c = cli_find(cmd);
	if (!c)
		return unknown_command(cmd);
	return c->run(argc - 1, argv + 1);
}
