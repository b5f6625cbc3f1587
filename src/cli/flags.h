/* Table-driven command-line flags: one row per flag gives its name, value
 * kind, range, place in the command's options struct and help line. The
 * same row drives getopt, the range check and the options part of
 * `--help`, so the range a user reads is the range that is checked. */
#ifndef SC_CLI_FLAGS_H
#define SC_CLI_FLAGS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct cli_command;

enum cli_flag_kind {
	CLI_F_STR,	 /* const char *: the argument as given */
	CLI_F_SET,	 /* bool: true when the flag is present; no value */
	CLI_F_LONG,	 /* long in [lmin, lmax] */
	CLI_F_WHOLE,	 /* double holding a whole number in [lmin, lmax] */
	CLI_F_REAL,	 /* double in [dmin, dmax] */
	CLI_F_DURATION,	 /* double seconds in [dmin, dmax]: 60s, 500ms, 2m */
	CLI_F_LONG_LIST, /* long[max] in [lmin, lmax]; count at n_off */
	CLI_F_RATE_LIST, /* double[max] requests/s; count at n_off */
	CLI_F_ENUM,	 /* int: the value paired with the name given (an
			  enum field is written as int: int-sized in gcc and
			  clang for enums of small non-negative values) */
	CLI_F_CUSTOM,	 /* fn parses and stores */
};

/* One name of an enum flag and the value it stores. */
struct cli_enum_name {
	const char *name;
	int value;
};

/* A custom flag's parser: stores into opts, returns 0, or prints why the
 * value is refused (quoting it) and returns EXIT_USAGE. flag is "--NAME". */
typedef int (*cli_flag_fn)(const char *flag, const char *arg, void *opts);

struct cli_flag {
	const char *name;    /* long name, without the dashes */
	int short_name;	     /* 'd' for -d, or 0 */
	const char *metavar; /* the value in help ("N", "FILE"); NULL: none */
	enum cli_flag_kind kind;
	size_t off;	   /* offsetof the field in the options */
	long lmin, lmax;   /* LONG, LONG_LIST */
	double dmin, dmax; /* REAL, DURATION */
	const struct cli_enum_name *names; /* ENUM: ends with a NULL name */
	size_t n_off, max; /* lists: offsetof the size_t count, room */
	size_t given_off;  /* CLI_GIVEN(): a bool set when given, or 0 */
	cli_flag_fn fn;	   /* CUSTOM */
	const char *help;  /* what it does, one sentence */
	bool required;	   /* shown in help; the command checks it */
	/* The default in words where the options' initial value cannot say
	 * it ("10 x N closed, 100 open"); "" shows none. NULL: the initial
	 * value, when it lies in the range (outside it means "not given"). */
	const char *dflt;
};

/* A constant's digits in a help string: "in [1, " CLI_STR(PROCS_MAX) "]". */
#define CLI_STR_(x) #x
#define CLI_STR(x)  CLI_STR_(x)

/* A bool field set when a flag is given: offsetof + 1, so 0 means none. */
#define CLI_GIVEN(type, field) (offsetof(type, field) + 1)

#define CLI_FLAG_STR(n, mv, o, h, ...)                                         \
	{                                                                      \
		.name = (n), .metavar = (mv), .kind = CLI_F_STR, .off = (o),   \
		.help = (h), __VA_ARGS__                                       \
	}
#define CLI_FLAG_SET(n, o, h, ...)                                             \
	{                                                                      \
		.name = (n), .kind = CLI_F_SET, .off = (o), .help = (h),       \
		__VA_ARGS__                                                    \
	}
#define CLI_FLAG_LONG(n, mv, o, lo, hi, h, ...)                                \
	{                                                                      \
		.name = (n), .metavar = (mv), .kind = CLI_F_LONG, .off = (o),  \
		.lmin = (lo), .lmax = (hi), .help = (h), __VA_ARGS__           \
	}
#define CLI_FLAG_WHOLE(n, mv, o, lo, hi, h, ...)                               \
	{                                                                      \
		.name = (n), .metavar = (mv), .kind = CLI_F_WHOLE, .off = (o), \
		.lmin = (lo), .lmax = (hi), .help = (h), __VA_ARGS__           \
	}
#define CLI_FLAG_REAL(n, mv, o, lo, hi, h, ...)                                \
	{                                                                      \
		.name = (n), .metavar = (mv), .kind = CLI_F_REAL, .off = (o),  \
		.dmin = (lo), .dmax = (hi), .help = (h), __VA_ARGS__           \
	}
#define CLI_FLAG_DURATION(n, mv, o, lo, hi, h, ...)                            \
	{                                                                      \
		.name = (n), .metavar = (mv), .kind = CLI_F_DURATION,          \
		.off = (o), .dmin = (lo), .dmax = (hi), .help = (h),           \
		__VA_ARGS__                                                    \
	}
#define CLI_FLAG_LONG_LIST(n, mv, o, n_o, room, lo, hi, h, ...)                \
	{                                                                      \
		.name = (n), .metavar = (mv), .kind = CLI_F_LONG_LIST,         \
		.off = (o), .n_off = (n_o), .max = (room), .lmin = (lo),       \
		.lmax = (hi), .help = (h), __VA_ARGS__                         \
	}
#define CLI_FLAG_RATE_LIST(n, mv, o, n_o, room, h, ...)                        \
	{                                                                      \
		.name = (n), .metavar = (mv), .kind = CLI_F_RATE_LIST,         \
		.off = (o), .n_off = (n_o), .max = (room), .help = (h),        \
		__VA_ARGS__                                                    \
	}
#define CLI_FLAG_ENUM(n, mv, o, nm, h, ...)                                    \
	{                                                                      \
		.name = (n), .metavar = (mv), .kind = CLI_F_ENUM, .off = (o),  \
		.names = (nm), .help = (h), __VA_ARGS__                        \
	}
#define CLI_FLAG_CUSTOM(n, mv, f, h, ...)                                      \
	{                                                                      \
		.name = (n), .metavar = (mv), .kind = CLI_F_CUSTOM, .fn = (f), \
		.help = (h), __VA_ARGS__                                       \
	}

/* A command's flags and the options they fill. */
struct cli_flagset {
	const struct cli_flag *rows;
	size_t n;
	const void *defaults; /* the options before any flag; NULL: zeros */
	size_t size;	      /* sizeof the options struct */
	bool positional; /* false: an argument that is no flag is refused */
};

/* Statistic names for the SLA flags (enum stat_sel values). */
extern const struct cli_enum_name cli_stat_names[];

/* Parses argv[1..] against cmd->flags into opts (first set to the
 * defaults). Returns 0 with *first_arg the index of the first positional
 * argument (argv is permuted so they come last); 0 with *done set after
 * --help printed the help; or EXIT_USAGE after printing
 * "servecal CMD: ..." or "servecal: --FLAG: must be ..., got 'VALUE'". */
int cli_flags_parse(const struct cli_command *cmd, int argc, char **argv,
		    void *opts, int *first_arg, bool *done);

/* Writes cmd's help: its usage text, the options rendered from its flag
 * table (each with its range, names and default) and its notes. */
void cli_help_write(FILE *out, const struct cli_command *cmd);

#endif
