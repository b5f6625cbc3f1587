/* Shared pieces of the command layer: exit codes, option parsing. */
#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/num.h"

int cli_exit_of(int status)
{
	switch (status) {
	case SC_OK:
		return EXIT_OK_;
	case SC_EINVAL:
		return EXIT_USAGE;
	case SC_EINPUT:
		return EXIT_INPUT;
	case SC_ENOFIT:
		return EXIT_NOFIT;
	default:
		return EXIT_RUNTIME;
	}
}

int cli_fail(const struct sc_err *e)
{
	fprintf(stderr, "servecal: %s\n", e->msg[0] ? e->msg : "failed");
	return cli_exit_of(e->status ? e->status : SC_ERUNTIME);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "servecal %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(try 'servecal %s --help')\n", cmd);
	return EXIT_USAGE;
}

int cli_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts, const struct cli_command *cmd,
	       bool *done)
{
	opterr = 0;
	int idx = -1;
	int c = getopt_long(argc, argv, shortopts, longopts, &idx);
	if (c == 'h') {
		cli_help_write(stdout, cmd);
		*done = true;
		return -1;
	}
	if (c == '?') {
		const char *bad = argv[optind - 1];
		if (optopt)
			cli_usage_error(
			    cmd->name,
			    "option '%s' needs a value or is unknown", bad);
		else
			cli_usage_error(cmd->name, "unknown option '%s'", bad);
		return -2;
	}
	if (c == ':') {
		cli_usage_error(cmd->name, "option '%s' needs a value",
				argv[optind - 1]);
		return -2;
	}
	/* No flag takes an empty value: --out '' would write to the
	 * current directory's root-less "" path and fail at run time. */
	if (optarg && !*optarg) {
		const char *name = idx >= 0 ? longopts[idx].name : NULL;
		if (name)
			cli_usage_error(cmd->name,
					"option '--%s' needs a non-empty value",
					name);
		else
			cli_usage_error(cmd->name,
					"option '-%c' needs a non-empty value",
					c);
		return -2;
	}
	return c;
}

/* The flag parsers: util/num does the parsing and the range; here the
 * message is printed and the status becomes the usage exit code. */
static int flag_error(const struct sc_err *e)
{
	fprintf(stderr, "servecal: %s\n", e->msg);
	return EXIT_USAGE;
}

int cli_parse_real(const char *flag, const char *s, double lo, double hi,
		   double *out)
{
	struct sc_err e = {0};
	return num_parse_real(flag, s, lo, hi, out, &e) ? flag_error(&e) : 0;
}

int cli_parse_long(const char *flag, const char *s, long lo, long hi, long *out)
{
	struct sc_err e = {0};
	return num_parse_count(flag, s, lo, hi, out, &e) ? flag_error(&e) : 0;
}

int cli_parse_long_list(const char *flag, const char *s, long lo, long hi,
			long *out, size_t max, size_t *n)
{
	struct sc_err e = {0};
	return num_parse_count_list(flag, s, lo, hi, out, max, n, &e)
		   ? flag_error(&e)
		   : 0;
}

int cli_parse_duration_s(const char *flag, const char *s, double lo, double hi,
			 double *out)
{
	struct sc_err e = {0};
	return num_parse_duration_s(flag, s, lo, hi, out, &e) ? flag_error(&e)
							      : 0;
}

int cli_parse_rate_list(const char *flag, const char *s, double *out,
			size_t max, size_t *n)
{
	struct sc_err e = {0};
	return num_parse_rate_list(flag, s, out, max, n, &e) ? flag_error(&e)
							     : 0;
}
