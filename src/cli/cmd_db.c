/* `servecal db`: list, show and compare perf database entries. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "model/perfdb.h"
#include "util/jsonio.h"

static const char usage[] =
    "usage: servecal db list\n"
    "       servecal db show ENTRY\n"
    "       servecal db diff ENTRY_A ENTRY_B\n\n"
    "The perf database holds calibrated parameters per GPU/BACKEND/MODEL "
    "under\n"
    "$SERVECAL_DB (default: the catalog's calib/db). ENTRY is "
    "gpu/backend/model as\n"
    "`db list` prints it, or a path to an entry or a fit.json. `diff` "
    "compares\n"
    "two entries parameter by parameter (change in % and in sigmas).\n";

extern const struct cli_command cli_cmd_db;

/* An existing file (an entry or a fit.json), else gpu/backend/model under
 * the database root: entry names may hold dots ("llama-3.1-8b"). Something
 * that exists but is not a regular file (a FIFO, a directory) is named as
 * such rather than looked up again as "ARG.json" under the root, and so is
 * a missing ARG that ends in ".json". */
static cJSON *load_entry(const char *arg, struct sc_err *e)
{
	struct stat st;
	size_t n = strlen(arg);
	if (stat(arg, &st) == 0 || (n > 5 && !strcmp(arg + n - 5, ".json")))
		return jsonio_load_file(arg, e);
	char root[1024], path[2048];
	perfdb_root(root, sizeof root);
	snprintf(path, sizeof path, "%s/%s.json", root, arg);
	return jsonio_load_file(path, e);
}

static void show(const struct perfdb_entry *d)
{
	printf("%-9s %s\n", "model", d->model);
	printf("%-9s %s\n", "gpu", d->gpu);
	printf("%-9s %s\n", "backend", d->backend);
	printf("%-9s %s\n", "date", d->date);
	printf("\n  %-12s %12s %12s %12s\n", "parameter", "value", "1-sigma",
	       "prior");
	for (int i = 0; i < MP_COUNT; i++)
		printf("  %-12s %12.4g %12.3g %12.4g\n", mp_table[i].json_key,
		       d->value[i], d->sigma[i], d->prior[i]);
	if (d->n_held_out) {
		printf("\n  held-out MAPE %%:");
		for (size_t i = 0; i < d->n_held_out; i++)
			printf(" %s %.1f", d->held_out[i].metric,
			       d->held_out[i].pct);
		putchar('\n');
	}
	printf("  history: %d earlier fit(s)\n", d->n_history);
}

static void diff(const struct perfdb_entry *a, const struct perfdb_entry *b)
{
	printf("  %-12s %12s %12s %9s %9s\n", "parameter", "A", "B", "change%",
	       "sigmas");
	for (int i = 0; i < MP_COUNT; i++) {
		double va = a->value[i], vb = b->value[i];
		double sa = a->sigma[i], sb = b->sigma[i];
		double s = sqrt((isfinite(sa) ? sa * sa : 0) +
				(isfinite(sb) ? sb * sb : 0));
		printf("  %-12s %12.4g %12.4g %+8.1f%% %9.1f\n",
		       mp_table[i].json_key, va, vb, 100 * (vb / va - 1),
		       s > 0 ? (vb - va) / s : NAN);
	}
}

static int do_list(char **args, struct sc_err *e)
{
	(void)args;
	(void)e;
	char *l = perfdb_list();
	char root[1024];
	perfdb_root(root, sizeof root);
	if (!*l)
		printf("(no entries in %s)\n", root);
	fputs(l, stdout);
	free(l);
	return SC_OK;
}

static int do_show(char **args, struct sc_err *e)
{
	cJSON *j = load_entry(args[0], e);
	if (!j)
		return SC_EINPUT;
	struct perfdb_entry d;
	perfdb_entry_from_json(j, &d);
	cJSON_Delete(j);
	show(&d);
	return SC_OK;
}

static int do_diff(char **args, struct sc_err *e)
{
	cJSON *a = load_entry(args[0], e);
	if (!a)
		return SC_EINPUT;
	cJSON *b = load_entry(args[1], e);
	if (!b) {
		cJSON_Delete(a);
		return SC_EINPUT;
	}
	struct perfdb_entry da, db;
	perfdb_entry_from_json(a, &da);
	perfdb_entry_from_json(b, &db);
	cJSON_Delete(a);
	cJSON_Delete(b);
	diff(&da, &db);
	return SC_OK;
}

static const struct {
	const char *verb, *takes; /* what the verb takes, for messages */
	int nargs;
	int (*fn)(char **args, struct sc_err *e);
} verbs[] = {
    {"list", "no arguments", 0, do_list},
    {"show", "one ENTRY", 1, do_show},
    {"diff", "two entries, A and B", 2, do_diff},
};

static int run(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK_;
	}
	const char *verb = argv[1];
	int nargs = argc - 2;
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
		if (strcmp(verb, verbs[i].verb))
			continue;
		if (nargs > verbs[i].nargs)
			return cli_usage_error(
			    "db", "'%s' takes %s, got %d (first extra: '%s')",
			    verb, verbs[i].takes, nargs,
			    argv[2 + verbs[i].nargs]);
		if (nargs < verbs[i].nargs)
			return cli_usage_error("db", "'%s' takes %s, got %d",
					       verb, verbs[i].takes, nargs);
		struct sc_err e = {0};
		if (verbs[i].fn(argv + 2, &e))
			return cli_fail(&e);
		return EXIT_OK_;
	}
	return cli_usage_error(
	    "db", "unknown verb '%s' (expected list, show ENTRY or diff A B)",
	    verb);
}

const struct cli_command cli_cmd_db = {
    .name = "db",
    .summary = "list, show and compare perf database entries",
    .usage = usage,
    .run = run,
};
