#include "util/fs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/xalloc.h"

enum { FS_PATH_MAX = 4096 };

/* mkdir of one component; an existing directory is fine. */
static int mkdir_one(const char *p, struct sc_err *e)
{
	if (mkdir(p, 0777) == 0)
		return SC_OK;
	int err = errno;
	struct stat st;
	if (err == EEXIST && stat(p, &st) == 0 && S_ISDIR(st.st_mode))
		return SC_OK;
	if (err == EEXIST)
		return sc_err_set(e, SC_ERUNTIME, "mkdir %s: not a directory",
				  p);
	return sc_err_set(e, SC_ERUNTIME, "mkdir %s: %s", p, strerror(err));
}

int fs_mkdir_p(const char *dir, struct sc_err *e)
{
	size_t n = strlen(dir);
	if (n == 0 || n >= FS_PATH_MAX)
		return sc_err_set(
		    e, SC_EINVAL,
		    "directory path '%.200s' is %zu bytes (1 to %d)", dir, n,
		    FS_PATH_MAX - 1);
	char buf[FS_PATH_MAX];
	memcpy(buf, dir, n + 1);
	for (size_t i = 1; i < n; i++) {
		if (buf[i] != '/' || buf[i - 1] == '/')
			continue;
		buf[i] = '\0';
		int rc = mkdir_one(buf, e);
		buf[i] = '/';
		if (rc)
			return rc;
	}
	return mkdir_one(buf, e);
}

int fs_atomic_open(struct fs_atomic *a, const char *path, struct sc_err *e)
{
	a->path = xstrdup(path);
	a->tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	a->f = fopen(a->tmp, "wb");
	if (a->f)
		return SC_OK;
	int rc = sc_err_set(e, SC_ERUNTIME, "%s: cannot write: %s", a->tmp,
			    strerror(errno));
	free(a->tmp);
	free(a->path);
	a->tmp = a->path = NULL;
	return rc;
}

static void release(struct fs_atomic *a)
{
	free(a->tmp);
	free(a->path);
	a->f = NULL;
	a->tmp = a->path = NULL;
}

int fs_atomic_commit(struct fs_atomic *a, struct sc_err *e)
{
	int bad = ferror(a->f) || fflush(a->f) != 0;
	int err = errno;
	if (!bad && fsync(fileno(a->f)) != 0) {
		bad = 1;
		err = errno;
	}
	if (fclose(a->f) != 0 && !bad) {
		bad = 1;
		err = errno;
	}
	int rc = SC_OK;
	if (bad) {
		rc = sc_err_set(e, SC_ERUNTIME, "%s: write failed: %s", a->tmp,
				strerror(err));
		unlink(a->tmp);
	} else if (rename(a->tmp, a->path) != 0) {
		rc = sc_err_set(e, SC_ERUNTIME,
				"%s: cannot rename into place: %s", a->path,
				strerror(errno));
		unlink(a->tmp);
	}
	release(a);
	return rc;
}

void fs_atomic_abort(struct fs_atomic *a)
{
	if (a->f) {
		fclose(a->f);
		unlink(a->tmp);
	}
	release(a);
}

int fs_write_atomic(const char *path, const void *data, size_t len,
		    struct sc_err *e)
{
	struct fs_atomic a;
	int rc = fs_atomic_open(&a, path, e);
	if (rc)
		return rc;
	if (len && fwrite(data, 1, len, a.f) != len) {
		int err = errno;
		fs_atomic_abort(&a);
		return sc_err_set(e, SC_ERUNTIME, "%s: write failed: %s", path,
				  strerror(err));
	}
	return fs_atomic_commit(&a, e);
}
