/* A step's servecal process: run with its output in log files, its last
 * message quoted when it fails. */
#include "camp/runner_child.h"

#include <stdio.h>
#include <string.h>

#include "camp/proc.h"

void runner_child_log_path(const struct runner *r, const char *step,
			   const char *ext, char *buf, size_t len)
{
	snprintf(buf, len, "%s/logs/%s.%s", r->o->dir, step, ext);
	for (char *p = strrchr(buf, '/') + 1; *p; p++)
		if (*p == ':')
			*p = '-';
}

int runner_child_run(struct runner *r, const char *step, struct argbuf *a,
		     bool show_stdout, bool (*gone)(void *), void *ud,
		     struct sc_err *e)
{
	char out[4096], err[4096];
	runner_child_log_path(r, step, "out", out, sizeof out);
	runner_child_log_path(r, step, "err", err, sizeof err);
	bool to_stdout = show_stdout && r->o->bench_stdout;
	int rc = proc_run_watch(a->v, to_stdout ? NULL : out, err, 0,
				r->o->stop, gone, ud, e);
	if (rc > 0) {
		/* Keep the child's own message for the manifest and the user.
		 */
		FILE *f = fopen(err, "r");
		char line[400] = "", last[400] = "";
		while (f && fgets(line, sizeof line, f))
			if (line[0] != '\n')
				snprintf(last, sizeof last, "%s", line);
		if (f)
			fclose(f);
		last[strcspn(last, "\n")] = '\0';
		sc_err_set(e, SC_ERUNTIME, "%s exited with %d%s%s (log: %s)",
			   step, rc, last[0] ? ": " : "", last, err);
	}
	return rc;
}
