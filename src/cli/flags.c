/* The flag tables of the commands: getopt over a table, the value parsers
 * of cli.h chosen by each row's kind, and the options part of the help
 * rendered from the same rows. */
#include "cli/flags.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/num.h"
#include "util/statsel.h"

/* Most flags one command may have (bench has about 30). */
#define CLI_FLAGS_MAX 64
/* Help layout: option column, text column, right margin. */
#define HELP_TEXT_COL 28
#define HELP_WIDTH    79

const struct cli_enum_name cli_stat_names[] = {
    {"mean", STAT_MEAN}, {"p50", STAT_P50}, {"p90", STAT_P90},
    {"p95", STAT_P95},	 {"p99", STAT_P99}, {NULL, 0},
};

/* "a, b or c" into buf. */
static const char *enum_choices(const struct cli_enum_name *nm, char *buf,
				size_t size)
{
	size_t n = 0, len = 0;
	while (nm[n].name)
		n++;
	buf[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					i == 0	     ? ""
					: i == n - 1 ? " or "
						     : ", ",
					nm[i].name);
	return buf;
}

static int parse_enum(const struct cli_command *cmd, const struct cli_flag *f,
		      const char *arg, int *out)
{
	for (const struct cli_enum_name *nm = f->names; nm->name; nm++)
		if (!strcmp(nm->name, arg)) {
			*out = nm->value;
			return 0;
		}
	char choices[512];
	return cli_usage_error(cmd->name, "--%s must be %s, got '%s'", f->name,
			       enum_choices(f->names, choices, sizeof choices),
			       arg);
}

/* Parses arg for row f and stores it into opts. */
static int store(const struct cli_command *cmd, const struct cli_flag *f,
		 const char *arg, char *opts)
{
	char flag[80];
	snprintf(flag, sizeof flag, "--%s", f->name);
	void *at = opts + f->off;
	int rc = 0;
	switch (f->kind) {
	case CLI_F_STR:
		*(const char **)at = arg;
		break;
	case CLI_F_SET:
		*(bool *)at = true;
		break;
	case CLI_F_LONG:
		rc = cli_parse_long(flag, arg, f->lmin, f->lmax, at);
		break;
	case CLI_F_WHOLE: {
		long v;
		rc = cli_parse_long(flag, arg, f->lmin, f->lmax, &v);
		if (!rc)
			*(double *)at = (double)v;
		break;
	}
	case CLI_F_REAL:
		rc = cli_parse_real(flag, arg, f->dmin, f->dmax, at);
		break;
	case CLI_F_DURATION:
		rc = cli_parse_duration_s(flag, arg, f->dmin, f->dmax, at);
		break;
	case CLI_F_LONG_LIST:
		rc = cli_parse_long_list(flag, arg, f->lmin, f->lmax, at,
					 f->max, (size_t *)(opts + f->n_off));
		break;
	case CLI_F_RATE_LIST:
		rc = cli_parse_rate_list(flag, arg, at, f->max,
					 (size_t *)(opts + f->n_off));
		break;
	case CLI_F_ENUM:
		rc = parse_enum(cmd, f, arg, at);
		break;
	case CLI_F_CUSTOM:
		rc = f->fn(flag, arg, opts);
		break;
	}
	if (!rc && f->given_off)
		*(bool *)(opts + f->given_off - 1) = true;
	return rc;
}

int cli_flags_parse(const struct cli_command *cmd, int argc, char **argv,
		    void *opts, int *first_arg, bool *done)
{
	const struct cli_flagset *fs = cmd->flags;
	if (fs->n > CLI_FLAGS_MAX)
		abort(); /* a table longer than the room here: a build bug */
	if (fs->defaults)
		memcpy(opts, fs->defaults, fs->size);
	else
		memset(opts, 0, fs->size);
	struct option longopts[CLI_FLAGS_MAX + 2];
	char shortopts[2 * CLI_FLAGS_MAX + 2] = "h";
	size_t ns = 1;
	for (size_t i = 0; i < fs->n; i++) {
		const struct cli_flag *f = &fs->rows[i];
		bool arg = f->kind != CLI_F_SET;
		longopts[i] = (struct option){
		    f->name, arg ? required_argument : no_argument, NULL,
		    256 + (int)i};
		if (f->short_name) {
			shortopts[ns++] = (char)f->short_name;
			if (arg)
				shortopts[ns++] = ':';
		}
	}
	shortopts[ns] = '\0';
	longopts[fs->n] = (struct option){"help", no_argument, NULL, 'h'};
	longopts[fs->n + 1] = (struct option){NULL, 0, NULL, 0};

	*done = false;
	optind = 0; /* glibc: start afresh (a test parses many argv) */
	int c;
	while ((c = cli_getopt(argc, argv, shortopts, longopts, cmd, done)) !=
	       -1) {
		if (c == -2)
			return EXIT_USAGE;
		const struct cli_flag *f = NULL;
		if (c >= 256 && (size_t)(c - 256) < fs->n)
			f = &fs->rows[c - 256];
		for (size_t i = 0; !f && i < fs->n; i++)
			if (fs->rows[i].short_name == c)
				f = &fs->rows[i];
		if (!f)
			return cli_usage_error(cmd->name, "unexpected option");
		int rc = store(cmd, f, optarg, opts);
		if (rc)
			return rc;
	}
	*first_arg = optind;
	if (*done)
		return 0;
	if (!fs->positional && optind < argc)
		return cli_usage_error(cmd->name, "unexpected argument '%s'",
				       argv[optind]);
	return 0;
}

/* ---- help ---------------------------------------------------------------- */

/* The default of row f in words, from the defaults struct; "" for none. */
static const char *default_text(const struct cli_flagset *fs,
				const struct cli_flag *f, char *buf,
				size_t size)
{
	buf[0] = '\0';
	if (f->required) {
		snprintf(buf, size, "required");
		return buf;
	}
	if (f->dflt) {
		snprintf(buf, size, "%s", f->dflt);
		return buf;
	}
	if (!fs->defaults)
		return buf;
	const char *at = (const char *)fs->defaults + f->off;
	switch (f->kind) {
	case CLI_F_STR: {
		const char *s = *(const char *const *)at;
		if (s)
			snprintf(buf, size, "%s", s);
		break;
	}
	case CLI_F_LONG: {
		long v = *(const long *)at;
		if (v >= f->lmin && v <= f->lmax)
			snprintf(buf, size, "%ld", v);
		break;
	}
	case CLI_F_WHOLE: {
		double v = *(const double *)at;
		if (v >= (double)f->lmin && v <= (double)f->lmax)
			snprintf(buf, size, "%.0f", v);
		break;
	}
	case CLI_F_REAL:
	case CLI_F_DURATION: {
		double v = *(const double *)at;
		if (v >= f->dmin && v <= f->dmax)
			snprintf(buf, size, "%.10g%s", v,
				 f->kind == CLI_F_DURATION ? "s" : "");
		break;
	}
	case CLI_F_ENUM:
		for (const struct cli_enum_name *nm = f->names; nm->name; nm++)
			if (nm->value == *(const int *)at)
				snprintf(buf, size, "%s", nm->name);
		break;
	default:
		break;
	}
	return buf;
}

/* The range or the names row f accepts, in the words of the errors. */
static const char *range_text(const struct cli_flag *f, char *buf, size_t size)
{
	char choices[512];
	buf[0] = '\0';
	switch (f->kind) {
	case CLI_F_LONG:
	case CLI_F_WHOLE:
		snprintf(buf, size, "in [%ld, %ld]", f->lmin, f->lmax);
		break;
	case CLI_F_REAL:
		snprintf(buf, size, "in [%.10g, %.10g]", f->dmin, f->dmax);
		break;
	case CLI_F_DURATION:
		snprintf(buf, size, "in [%.10g, %.10g] s", f->dmin, f->dmax);
		break;
	case CLI_F_LONG_LIST:
		snprintf(buf, size, "up to %zu, each in [%ld, %ld]", f->max,
			 f->lmin, f->lmax);
		break;
	case CLI_F_RATE_LIST:
		snprintf(buf, size, "up to %zu, each in [%.10g, %.10g] /s",
			 f->max, NUM_RATE_MIN_PER_S, NUM_RATE_MAX_PER_S);
		break;
	case CLI_F_ENUM:
		snprintf(buf, size, "%s",
			 enum_choices(f->names, choices, sizeof choices));
		break;
	default:
		break;
	}
	return buf;
}

/* Writes text from column col, wrapped at HELP_WIDTH, continuation lines
 * indented to HELP_TEXT_COL. */
static void write_wrapped(FILE *out, const char *text, size_t col)
{
	const char *p = text;
	while (*p) {
		while (*p == ' ')
			p++;
		size_t w = strcspn(p, " ");
		if (!w)
			break;
		if (col > HELP_TEXT_COL && col + 1 + w > HELP_WIDTH) {
			fprintf(out, "\n%*s", HELP_TEXT_COL, "");
			col = HELP_TEXT_COL;
		} else if (col > HELP_TEXT_COL) {
			fputc(' ', out);
			col++;
		}
		fwrite(p, 1, w, out);
		col += w;
		p += w;
	}
	fputc('\n', out);
}

static void write_row(FILE *out, const struct cli_flagset *fs,
		      const struct cli_flag *f, bool any_short)
{
	char left[128], range[600], dflt[128], text[1400];
	int n = snprintf(left, sizeof left, "  ");
	if (f->short_name)
		n += snprintf(left + n, sizeof left - (size_t)n, "-%c, ",
			      f->short_name);
	else if (any_short)
		n += snprintf(left + n, sizeof left - (size_t)n, "    ");
	snprintf(left + n, sizeof left - (size_t)n, "--%s%s%s", f->name,
		 f->metavar ? " " : "", f->metavar ? f->metavar : "");
	range_text(f, range, sizeof range);
	default_text(fs, f, dflt, sizeof dflt);
	n = snprintf(text, sizeof text, "%s", f->help);
	if (range[0] || dflt[0])
		snprintf(text + n, sizeof text - (size_t)n, " (%s%s%s%s)",
			 range, range[0] && dflt[0] ? "; " : "",
			 dflt[0] && !f->required ? "default " : "", dflt);
	fputs(left, out);
	size_t col = strlen(left);
	if (col + 2 > HELP_TEXT_COL) {
		fputc('\n', out);
		col = 0;
	}
	fprintf(out, "%*s", (int)(HELP_TEXT_COL - col), "");
	/* The first word starts at the text column; the rest wrap. */
	size_t w = strcspn(text, " ");
	fwrite(text, 1, w, out);
	write_wrapped(out, text + w, HELP_TEXT_COL + w);
}

void cli_help_write(FILE *out, const struct cli_command *cmd)
{
	fputs(cmd->usage, out);
	const struct cli_flagset *fs = cmd->flags;
	if (fs) {
		bool any_short = false;
		for (size_t i = 0; i < fs->n; i++)
			any_short |= fs->rows[i].short_name != 0;
		fputs("\noptions:\n", out);
		for (size_t i = 0; i < fs->n; i++)
			write_row(out, fs, &fs->rows[i], any_short);
		static const struct cli_flag help = {
		    .name = "help", .short_name = 'h', .help = "this text"};
		write_row(out, fs, &help, true);
	}
	if (cmd->notes) {
		fputc('\n', out);
		fputs(cmd->notes, out);
	}
}
