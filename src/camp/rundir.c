/* The campaign directory: lock, provenance and the specs for the steps. */
#include "camp/rundir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "emu/emu_server.h"
#include "fit/nlls.h"
#include "net/http.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/jsonio.h"

bool rundir_busy(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/.lock", dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool busy = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	close(fd); /* drops the lock if we took it */
	return busy;
}

int rundir_lock(const char *dir, int *lock_fd, struct sc_err *e)
{
	char path[4096];
	*lock_fd = -1;
	snprintf(path, sizeof path, "%s/logs", dir);
	int mk = fs_mkdir_p(path, e);
	if (mk)
		return mk;
	/* One campaign process per directory: a second one would interleave
	 * its records with the first's. */
	snprintf(path, sizeof path, "%s/.lock", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB)) {
		if (fd >= 0)
			close(fd);
		return sc_err_set(
		    e, SC_ERUNTIME,
		    "%s: another campaign process is running on this directory",
		    dir);
	}
	*lock_fd = fd;
	return SC_OK;
}

static int write_env(const char *dir, const char *version, const char *gnuplot,
		     struct sc_err *e)
{
	cJSON *j = cJSON_CreateObject();
	char host[256] = "", date[32];
	struct utsname u;
	gethostname(host, sizeof host - 1);
	clock_wall_iso(date, sizeof date);
	cJSON_AddStringToObject(j, "servecal_version", version);
	cJSON_AddStringToObject(j, "hostname", host);
	if (uname(&u) == 0) {
		char k[600];
		snprintf(k, sizeof k, "%s %s %s", u.sysname, u.release,
			 u.machine);
		cJSON_AddStringToObject(j, "kernel", k);
	}
	cJSON_AddStringToObject(j, "date", date);
	cJSON_AddStringToObject(j, "cjson", cJSON_Version());
	cJSON_AddStringToObject(j, "libcurl", http_curl_version());
	cJSON_AddStringToObject(j, "gsl", nlls_gsl_version());
	cJSON_AddStringToObject(j, "libevent", emu_libevent_version());
	cJSON_AddStringToObject(j, "gnuplot", gnuplot ? gnuplot : "not found");
	char path[4096];
	snprintf(path, sizeof path, "%s/env.json", dir);
	int rc = jsonio_save_file(path, j, e);
	cJSON_Delete(j);
	return rc;
}

/* DIR/campaign.json: the campaign file as given, plus resolved fields the
 * report uses. */
static int write_campaign(const char *dir, const struct campaign *c,
			  struct sc_err *e)
{
	cJSON *j = jsonio_load_file(c->path, e);
	if (!j)
		return SC_EINPUT;
	cJSON_DeleteItemFromObject(j, "total_gpus");
	cJSON_AddNumberToObject(j, "total_gpus", (double)c->total_gpus);
	char path[4096];
	snprintf(path, sizeof path, "%s/campaign.json", dir);
	int rc = jsonio_save_file(path, j, e);
	cJSON_Delete(j);
	return rc;
}

/* Specs as files the child commands read: each deployment, and the model
 * and GPU for match. */
static int write_specs(const char *dir, const struct campaign *c,
		       struct sc_err *e)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/specs", dir);
	int mk = fs_mkdir_p(path, e);
	if (mk)
		return mk;
	int rc;
	for (size_t i = 0; i < c->n_deploys; i++) {
		snprintf(path, sizeof path, "%s/specs/%s.json", dir,
			 c->deploys[i].name);
		if ((rc = deploy_save(path, &c->deploys[i].spec, e)))
			return rc;
	}
	const struct deploy_spec *d = &c->deploys[0].spec;
	cJSON *m = model_spec_to_json(&d->model),
	      *g = gpu_spec_to_json(&d->gpu);
	snprintf(path, sizeof path, "%s/specs/model.json", dir);
	rc = jsonio_save_file(path, m, e);
	snprintf(path, sizeof path, "%s/specs/gpu.json", dir);
	if (rc == SC_OK)
		rc = jsonio_save_file(path, g, e);
	cJSON_Delete(m);
	cJSON_Delete(g);
	return rc;
}

int rundir_write(const char *dir, const struct campaign *c, const char *version,
		 const char *gnuplot, struct sc_err *e)
{
	int rc;
	if ((rc = write_env(dir, version, gnuplot, e)) ||
	    (rc = write_campaign(dir, c, e)) || (rc = write_specs(dir, c, e)))
		return rc;
	return SC_OK;
}
