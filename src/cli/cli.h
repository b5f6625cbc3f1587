/* The command layer: a table of subcommands, exit codes, and the option
 * helpers every command uses. Only this layer prints results or picks exit
 * codes; core modules return statuses (util/err.h). */
#ifndef SC_CLI_H
#define SC_CLI_H
#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli/flags.h"
#include "util/err.h"
#include "util/exitcode.h" /* enum cli_exit */

struct cli_command {
	const char *name;
	const char *summary; /* one line for `servecal --help` */
	const char *usage;   /* synopsis and what the command does */
	int (*run)(int argc, char **argv); /* argv[0] is the command name */
	/* The flag table (cli/flags.h), or NULL where usage lists the
	 * options itself; notes follow the options in the help (defaults in
	 * words, exit codes). */
	const struct cli_flagset *flags;
	const char *notes;
};

/* The command table (cli/commands.c), NULL-terminated. Each command lives in
 * its own cli/cmd_NAME.c and exports `const struct cli_command cli_cmd_NAME`.
 */
extern const struct cli_command *const cli_commands[];

const struct cli_command *cli_find(const char *name);
/* Maps a core status to an exit code. */
int cli_exit_of(int status);
/* Prints "servecal: MSG" to stderr and returns the exit code for e. */
int cli_fail(const struct sc_err *e);
/* Prints "servecal CMD: MSG" and a hint to stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* getopt_long over a command's options. Handles --help (prints the help
 * of cli_help_write, sets
 * *done) and turns unknown/malformed options and empty values (--out '')
 * into cli_usage_error. Returns
 * the option value, -1 at the end, or -2 after a usage error was printed. */
int cli_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts, const struct cli_command *cmd,
	       bool *done);

/* Value parsers for flags, over util/num.h (where the documented ranges
 * live): on failure each prints "servecal: FLAG: must be ..., got 'VALUE'"
 * to stderr and returns EXIT_USAGE; 0 on success. */
/* Number in [lo, hi]. */
int cli_parse_real(const char *flag, const char *s, double lo, double hi,
		   double *out);
/* Whole number in [lo, hi]. */
int cli_parse_long(const char *flag, const char *s, long lo, long hi,
		   long *out);
/* Comma list of whole numbers in [lo, hi], at most max, no empty entry;
 * *n gets the count. */
int cli_parse_long_list(const char *flag, const char *s, long lo, long hi,
			long *out, size_t max, size_t *n);
/* Duration: "60s", "500ms", "2m", "1h" or bare seconds, in [lo, hi] s. */
int cli_parse_duration_s(const char *flag, const char *s, double lo, double hi,
			 double *out);
/* Comma list of request rates (NUM_RATE_MIN_PER_S..NUM_RATE_MAX_PER_S). */
int cli_parse_rate_list(const char *flag, const char *s, double *out,
			size_t max, size_t *n);

#endif
