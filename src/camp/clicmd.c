/* Cluster tools: proc_run with the output in scratch files that are then
 * appended to the deployment's log. */
#include "camp/clicmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "camp/proc.h"
#include "util/clock.h"
#include "util/xalloc.h"

/* How much of a tool's output a caller gets; the log keeps it all. */
#define LOG_COPY_MAX (1 << 20)

int clicmd_which(const char *program, char *buf, size_t len)
{
	struct stat st;
	if (strchr(program, '/')) {
		snprintf(buf, len, "%s", program);
		return stat(buf, &st) == 0 && S_ISREG(st.st_mode) &&
			       access(buf, X_OK) == 0
			   ? 0
			   : -1;
	}
	const char *path = getenv("PATH");
	char *copy =
	    xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	char *save = NULL;
	int rc = -1;
	for (char *d = strtok_r(copy, ":", &save); d && rc;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(buf, len, "%s/%s", *d ? d : ".", program);
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(buf, X_OK) == 0)
			rc = 0;
	}
	free(copy);
	return rc;
}

/* Appends file's content to log (at most LOG_COPY_MAX bytes) and copies
 * its start into out. */
static void copy_out(const char *file, FILE *log, char *out, size_t out_len,
		     char *last, size_t last_len)
{
	FILE *f = fopen(file, "r");
	size_t n = 0, total = 0;
	char line[1024];
	if (out && out_len)
		out[0] = '\0';
	while (f && fgets(line, sizeof line, f) && total < LOG_COPY_MAX) {
		total += strlen(line);
		if (log)
			fputs(line, log);
		if (out && n + 1 < out_len) {
			snprintf(out + n, out_len - n, "%s", line);
			n += strlen(out + n);
		}
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (last && line[0])
			snprintf(last, last_len, "%s", line);
		if (log && !nl)
			fputs("\n", log);
	}
	if (f)
		fclose(f);
	unlink(file);
}

int clicmd_run(const struct clicmd *c, char *const argv[], char *out,
	       size_t out_len, char *err, size_t err_len, struct sc_err *e)
{
	char prog[4096], outf[4200], errf[4200];
	if (err && err_len)
		err[0] = '\0';
	if (out && out_len)
		out[0] = '\0';
	FILE *log = fopen(c->log, "a");
	char when[32];
	clock_wall_iso(when, sizeof when);
	if (log) {
		fprintf(log, "[%s] $", when);
		for (size_t i = 0; argv[i]; i++)
			fprintf(log, " %s", argv[i]);
		fputs("\n", log);
	}
	if (clicmd_which(argv[0], prog, sizeof prog)) {
		if (log) {
			fprintf(log, "(%s: not found in PATH)\n", argv[0]);
			fclose(log);
		}
		return sc_err_set(e, SC_ERUNTIME,
				  "%s: not found (looked up in $PATH)",
				  argv[0]);
	}
	char *args[CLICMD_MAX_ARGS + 1];
	size_t n = 0;
	args[n++] = prog;
	for (size_t i = 1; argv[i] && n < CLICMD_MAX_ARGS; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	snprintf(outf, sizeof outf, "%s.out", c->scratch);
	snprintf(errf, sizeof errf, "%s.err", c->scratch);
	int rc = proc_run(args, outf, errf, c->timeout_s, c->stop, e);
	char last_out[400] = "", last_err[400] = "";
	copy_out(outf, log, out, out_len, last_out, sizeof last_out);
	copy_out(errf, log, NULL, 0, last_err, sizeof last_err);
	if (err && err_len)
		snprintf(err, err_len, "%s", last_err[0] ? last_err : last_out);
	if (log) {
		if (rc >= 0)
			fprintf(log, "(exit %d)\n", rc);
		else
			fprintf(log, "(not run: %s)\n", e ? e->msg : "");
		fclose(log);
	}
	return rc;
}
