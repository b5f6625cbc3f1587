/* Directory creation and crash-safe file replacement: every writer of a file
 * that readers may open while it is being written (summaries, CSV tables,
 * reports, the perf database) goes through here, so there is one temp-name
 * scheme and one fsync-then-rename sequence. */
#ifndef SC_FS_H
#define SC_FS_H

#include <stdio.h>
#include <stddef.h>

#include "util/err.h"

/* Creates dir and any missing parents (mkdir -p, mode 0777 less umask).
 * An existing directory is success; a path component that exists but is
 * not a directory, an empty path or one of 4096 bytes or more is an error
 * (SC_EINVAL for the path itself, SC_ERUNTIME for a failing mkdir, the
 * message naming the component and the system's reason). */
int fs_mkdir_p(const char *dir, struct sc_err *e) SC_MUST_CHECK;

/* A file being written under a temporary name beside its final path
 * ("PATH.tmp.PID"); readers see either the old file or the whole new one. */
struct fs_atomic {
	FILE *f;
	char *tmp;
	char *path;
};

/* Opens PATH.tmp.PID for writing ("wb") into a->f. On error nothing is
 * left open and SC_ERUNTIME names the temp file. */
int fs_atomic_open(struct fs_atomic *a, const char *path,
		   struct sc_err *e) SC_MUST_CHECK;
/* Flushes, fsyncs and closes a->f, then renames the temp file onto the
 * final path. On any failure (including an earlier write error on a->f)
 * the temp file is removed, the final path is untouched and SC_ERUNTIME is
 * returned. Releases a in every case. */
int fs_atomic_commit(struct fs_atomic *a, struct sc_err *e) SC_MUST_CHECK;
/* Closes and removes the temp file without touching the final path. */
void fs_atomic_abort(struct fs_atomic *a);

/* Replaces path with the len bytes at data (fs_atomic_open + commit). */
int fs_write_atomic(const char *path, const void *data, size_t len,
		    struct sc_err *e) SC_MUST_CHECK;

#endif
