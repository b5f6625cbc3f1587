/* Shared pieces of the command layer: lookup, exit codes, option parsing. */
#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct cli_command *cli_find(const char *name)
{
	for (const struct cli_command *const *c = cli_commands; *c; c++)
		if (strcmp((*c)->name, name) == 0)
			return *c;
	return NULL;
}

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
		fputs(cmd->usage, stdout);
		*done = true;
		return -1;
	}
	if (c == '?') {
		const char *bad = argv[optind - 1];
		if (optopt)
			cli_usage_error(cmd->name,
					"option '%s' needs a value or is unknown",
					bad);
		else
			cli_usage_error(cmd->name, "unknown option '%s'", bad);
		return -2;
	}
	if (c == ':') {
		cli_usage_error(cmd->name, "option '%s' needs a value",
				argv[optind - 1]);
		return -2;
	}
	return c;
}

int cli_parse_pos_double(const char *flag, const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0) {
		fprintf(stderr,
			"servecal: %s: expected a positive number, got '%s'\n",
			flag, s);
		return EXIT_USAGE;
	}
	*out = v;
	return 0;
}

int cli_parse_nonneg_double(const char *flag, const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0) {
		fprintf(stderr,
			"servecal: %s: expected a number >= 0, got '%s'\n",
			flag, s);
		return EXIT_USAGE;
	}
	*out = v;
	return 0;
}

int cli_parse_long(const char *flag, const char *s, long lo, long hi,
		   long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr,
			"servecal: %s: expected a whole number in [%ld, %ld], got '%s'\n",
			flag, lo, hi, s);
		return EXIT_USAGE;
	}
	*out = v;
	return 0;
}

int cli_parse_long_list(const char *flag, const char *s, long lo, long hi,
			long *out, size_t max, size_t *n)
{
	*n = 0;
	const char *p = s;
	while (*p) {
		char *end;
		errno = 0;
		long v = strtol(p, &end, 10);
		if (errno || end == p || (*end && *end != ',') || v < lo ||
		    v > hi || *n >= max) {
			fprintf(stderr,
				"servecal: %s: expected up to %zu comma-separated whole numbers in [%ld, %ld], got '%s'\n",
				flag, max, lo, hi, s);
			return EXIT_USAGE;
		}
		out[(*n)++] = v;
		p = *end ? end + 1 : end;
	}
	if (*n == 0) {
		fprintf(stderr, "servecal: %s: empty list\n", flag);
		return EXIT_USAGE;
	}
	return 0;
}

int cli_parse_duration_s(const char *flag, const char *s, double *out)
{
	static const struct {
		const char *suffix;
		double scale_s;
	} units[] = {{"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600}, {"", 1}};
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (!errno && end != s && isfinite(v) && v > 0) {
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
			if (strcmp(end, units[i].suffix) == 0) {
				*out = v * units[i].scale_s;
				return 0;
			}
		}
	}
	fprintf(stderr,
		"servecal: %s: expected a duration such as 60s, 500ms or 2m, got '%s'\n",
		flag, s);
	return EXIT_USAGE;
}
