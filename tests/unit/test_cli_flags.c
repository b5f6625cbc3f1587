/* The flag tables (cli/flags): every kind parses into its field, refused
 * values exit 2 with a message naming the flag and quoting the value, and
 * the help shows each flag's range and default from the same row. A
 * failure here means a command accepts what its help says it refuses, or
 * documents a range or default it does not apply. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/statsel.h"
#include "testutil.h"

struct topts {
	const char *name;
	bool quiet, name_given;
	long n;
	double whole, frac, dur_s;
	long levels[4];
	size_t n_levels;
	double rates[3];
	size_t n_rates;
	enum stat_sel stat;
	int odd; /* custom: the length of an even-length value */
};

static int parse_odd(const char *flag, const char *arg, void *opts)
{
	if (strlen(arg) % 2)
		return cli_usage_error("t", "%s: even length please, got '%s'",
				       flag, arg);
	((struct topts *)opts)->odd = (int)strlen(arg);
	return 0;
}

#define O(f) offsetof(struct topts, f)
static const struct cli_flag rows[] = {
    CLI_FLAG_STR("name", "NAME", O(name), "a name",
		 .given_off = CLI_GIVEN(struct topts, name_given),
		 .short_name = 'n'),
    CLI_FLAG_SET("quiet", O(quiet), "say less"),
    CLI_FLAG_LONG("count", "N", O(n), 1, 1024, "how many"),
    CLI_FLAG_WHOLE("tokens", "N", O(whole), 1, 100, "tokens", .required = true),
    CLI_FLAG_REAL("frac", "F", O(frac), 0, 1, "a share"),
    CLI_FLAG_DURATION("timeout", "T", O(dur_s), 0.001, 60, "how long"),
    {.name = "levels",
     .metavar = "N,N..",
     .kind = CLI_F_LONG_LIST,
     .off = O(levels),
     .n_off = O(n_levels),
     .max = 4,
     .lmin = 1,
     .lmax = 9,
     .help = "levels",
     .dflt = "1"},
    {.name = "rates",
     .metavar = "R,R..",
     .kind = CLI_F_RATE_LIST,
     .off = O(rates),
     .n_off = O(n_rates),
     .max = 3,
     .help = "rates"},
    CLI_FLAG_ENUM("stat", "S", O(stat), cli_stat_names, "statistic"),
    CLI_FLAG_CUSTOM("odd", "X", parse_odd, "an even-length word", .dflt = ""),
};
static const struct topts defaults = {
    .n = 8, .frac = 2 /* outside [0, 1]: "not given" */, .stat = STAT_P90};
static const struct cli_flagset flagset = {rows, sizeof rows / sizeof rows[0],
					   &defaults, sizeof defaults, false};
static const struct cli_command cmd = {"t",  "test",   "usage: servecal t\n",
				       NULL, &flagset, "Exit codes: 0 ok.\n"};

/* Runs the parser on a NULL-terminated argument list with stderr and
 * stdout captured; returns its exit code. */
static char err_text[4096], out_text[8192];
static int first, done_flag;

static void slurp(int fd, char *buf, size_t size)
{
	lseek(fd, 0, SEEK_SET);
	ssize_t n = read(fd, buf, size - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

static int parse(struct topts *o, const char *const *args)
{
	char *argv[32];
	int argc = 0;
	argv[argc++] = "t";
	for (; *args; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	fflush(stderr);
	fflush(stdout);
	char ep[] = "/tmp/sc_flags_errXXXXXX", op[] = "/tmp/sc_flags_outXXXXXX";
	int efd = mkstemp(ep), ofd = mkstemp(op);
	unlink(ep);
	unlink(op);
	int save_e = dup(2), save_o = dup(1);
	dup2(efd, 2);
	dup2(ofd, 1);
	bool done = false;
	int rc = cli_flags_parse(&cmd, argc, argv, o, &first, &done);
	fflush(stderr);
	fflush(stdout);
	dup2(save_e, 2);
	dup2(save_o, 1);
	close(save_e);
	close(save_o);
	slurp(efd, err_text, sizeof err_text);
	slurp(ofd, out_text, sizeof out_text);
	done_flag = done;
	return rc;
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_kinds(void)
{
	struct topts o;
	int rc =
	    parse(&o, ARGS("--name", "x", "--quiet", "--count", "1024",
			   "--tokens", "100", "--frac", "0.25", "--timeout",
			   "500ms", "--levels", "1,2,9", "--rates", "0.5,2",
			   "--stat", "p99", "--odd", "ab"));
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(err_text, "");
	CU_ASSERT_STRING_EQUAL(o.name, "x");
	CU_ASSERT(o.name_given);
	CU_ASSERT(o.quiet);
	CU_ASSERT_EQUAL(o.n, 1024);
	CU_ASSERT_DOUBLE_EQUAL(o.whole, 100, 0);
	CU_ASSERT_DOUBLE_EQUAL(o.frac, 0.25, 0);
	CU_ASSERT_DOUBLE_EQUAL(o.dur_s, 0.5, 1e-12);
	CU_ASSERT_EQUAL(o.n_levels, 3);
	CU_ASSERT_EQUAL(o.levels[2], 9);
	CU_ASSERT_EQUAL(o.n_rates, 2);
	CU_ASSERT_DOUBLE_EQUAL(o.rates[1], 2, 0);
	CU_ASSERT_EQUAL(o.stat, STAT_P99);
	CU_ASSERT_EQUAL(o.odd, 2);
}

static void test_defaults_and_short(void)
{
	struct topts o;
	o.n = 99;
	CU_ASSERT_EQUAL(parse(&o, ARGS("-n", "y")), 0);
	/* Fields not given keep the defaults; -n is --name. */
	CU_ASSERT_EQUAL(o.n, 8);
	CU_ASSERT_EQUAL(o.stat, STAT_P90);
	CU_ASSERT_FALSE(o.quiet);
	CU_ASSERT_STRING_EQUAL(o.name, "y");
	CU_ASSERT(o.name_given);
	CU_ASSERT_EQUAL(parse(&o, ARGS("--quiet")), 0);
	CU_ASSERT_FALSE(o.name_given); /* reset between parses */
}

static const struct {
	const char *flag, *value, *msg;
} refused[] = {
    {"--count", "0",
     "servecal: --count: must be a whole number in [1, 1024], "
     "got '0'"},
    {"--count", "1025", "got '1025'"},
    {"--count", "two",
     "--count: must be a whole number in [1, 1024], got "
     "'two'"},
    {"--count", "1.5", "got '1.5'"},
    {"--tokens", "101",
     "--tokens: must be a whole number in [1, 100], got "
     "'101'"},
    {"--frac", "1.5", "--frac: must be a number in [0, 1], got '1.5'"},
    {"--frac", "nan", "got 'nan'"},
    {"--frac", "0.5x", "got '0.5x'"},
    {"--timeout", "61s", "--timeout: must be a duration in [0.001, 60] s"},
    {"--timeout", "1e308h", "got '1e308h'"},
    {"--levels", "1,10",
     "--levels: must be up to 4 comma-separated whole "
     "numbers"},
    {"--levels", "1,2,3,4,5", "got '1,2,3,4,5'"},
    {"--levels", "1,", "got '1,'"},
    {"--rates", "1e10", "--rates:"},
    {"--stat", "p42",
     "servecal t: --stat must be mean, p50, p90, p95 or p99, "
     "got 'p42'"},
    {"--odd", "abc", "servecal t: --odd: even length please, got 'abc'"},
    {"--name", "", "option '--name' needs a non-empty value"},
};

static void test_refused(void)
{
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		struct topts o;
		int rc = parse(&o, ARGS(refused[i].flag, refused[i].value));
		if (rc != EXIT_USAGE || !strstr(err_text, refused[i].msg))
			fprintf(stderr, "\n%s '%s': rc %d, stderr: %s",
				refused[i].flag, refused[i].value, rc,
				err_text);
		CU_ASSERT_EQUAL(rc, EXIT_USAGE);
		CU_ASSERT_PTR_NOT_NULL(strstr(err_text, refused[i].msg));
	}
}

static void test_usage_errors(void)
{
	struct topts o;
	CU_ASSERT_EQUAL(parse(&o, ARGS("--frob")), EXIT_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err_text, "unknown option '--frob'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err_text, "servecal t --help"));
	CU_ASSERT_EQUAL(parse(&o, ARGS("--count")), EXIT_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err_text, "'--count' needs a value"));
	CU_ASSERT_EQUAL(parse(&o, ARGS("--quiet", "extra")), EXIT_USAGE);
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(err_text, "servecal t: unexpected argument 'extra'"));
	/* The first refused flag stops the parse: nothing after it counts. */
	CU_ASSERT_EQUAL(parse(&o, ARGS("--count", "0", "--frob")), EXIT_USAGE);
	CU_ASSERT_PTR_NULL(strstr(err_text, "--frob"));
}

static void test_help(void)
{
	struct topts o;
	CU_ASSERT_EQUAL(parse(&o, ARGS("--count", "3", "--help")), 0);
	CU_ASSERT(done_flag);
	const char *h = out_text;
	/* The usage, each flag with its range and default, the notes. */
	static const char *const want[] = {
	    "usage: servecal t\n",
	    "\noptions:\n",
	    "  -n, --name NAME",
	    "      --quiet ",
	    "      --count N ",
	    "how many (in [1, 1024]; default 8)\n",
	    "tokens (in [1, 100]; required)\n",
	    "a share (in [0, 1])\n", /* 2 lies outside: no default */
	    "how long (in [0.001, 60] s)\n",
	    "levels (up to 4, each in [1, 9]; default 1)\n",
	    "rates (up to 3, each in [0.001, 100000] /s)\n",
	    "statistic (mean, p50, p90, p95 or p99; default p90)\n",
	    "an even-length word\n",
	    "  -h, --help",
	    "\nExit codes: 0 ok.\n",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		if (!strstr(h, want[i]))
			fprintf(stderr, "\nhelp lacks '%s':\n%s", want[i], h);
		CU_ASSERT_PTR_NOT_NULL(strstr(h, want[i]));
	}
	/* Text starts at one column and no line passes 79 columns. */
	for (const char *l = h; *l;) {
		size_t len = strcspn(l, "\n");
		CU_ASSERT(len <= 79);
		l += len + (l[len] == '\n');
	}
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(h, "      --count N             how many"));
}

/* A help line longer than the width wraps under the text column. */
static void test_help_wraps(void)
{
	static const struct cli_flag long_rows[] = {
	    CLI_FLAG_SET("a-rather-long-flag-name", 0,
			 "one two three four five six seven eight nine ten "
			 "eleven twelve thirteen fourteen fifteen sixteen"),
	};
	static const struct cli_flagset fs = {long_rows, 1, NULL, sizeof(bool),
					      false};
	static const struct cli_command c = {"w",  "",	"usage\n",
					     NULL, &fs, NULL};
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	cli_help_write(f, &c);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf,
				      "  --a-rather-long-flag-name\n"
				      "                            one two"));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(buf, "nine ten\n                            eleven twelve"));
	free(buf);
}

static CU_TestInfo tests[] = {
    {"every kind parses into its field", test_kinds},
    {"defaults, short names, given marks", test_defaults_and_short},
    {"refused values quote the flag and value", test_refused},
    {"unknown flag, missing value, stray argument", test_usage_errors},
    {"help renders ranges and defaults from the table", test_help},
    {"help wraps long lines", test_help_wraps},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("cli_flags", tests)
