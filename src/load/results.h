/* The results directory of a bench run: DIR/run.json, DIR/deployment.json,
 * DIR/LEVEL/requests.jsonl (appended and flushed as each request ends),
 * DIR/LEVEL/summary.json and DIR/summary.csv (one row per level, rebuilt
 * from the summaries so a resumed run lists every level), and beside each
 * level's own files AIPerf's exports of it, in place at the level's end:
 * profile_export.jsonl (a line per record, kept in an unlinked file of the
 * level directory as records are written), profile_export_aiperf.json and
 * profile_export_aiperf.csv. LEVEL is "cN" for concurrency N or "rR" for
 * request rate R (metrics/level.h). */
#ifndef SC_RESULTS_H
#define SC_RESULTS_H
#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "metrics/request.h"
#include "metrics/summary.h"
#include "util/err.h"

/* Takes the results directory dir for this process for as long as *fd
 * stays open: an exclusive flock on the directory itself (no lock file is
 * left behind; the kernel drops it when the process ends, however it
 * ends). Returns SC_OK with *fd set; SC_OK with *fd = -1 when dir does not
 * exist yet (nobody can hold it: lock it again once made); SC_ERUNTIME
 * (*fd = -1) naming dir when another process holds it or it cannot be
 * opened. Never waits. */
int results_lock(const char *dir, int *fd, struct sc_err *e) SC_MUST_CHECK;
/* Releases a lock from results_lock; -1 does nothing. */
void results_unlock(int fd);
/* True when DIR/LEVEL/summary.json says "complete": true and
 * DIR/LEVEL/requests.jsonl holds exactly requests.total records, each a
 * JSON object: a level a resume may skip. */
bool results_level_verified(const char *dir, const char *level);

struct results_writer {
	FILE *f;
	char path[1100];
	long long wall_offset_ns; /* wall clock = monotonic + this */
	FILE *exp;   /* profile_export.jsonl lines so far (unlinked file) */
	double *itl; /* a record's ITL samples as read back, reused */
	size_t itl_cap;
};

/* Creates DIR/LEVEL and starts a fresh requests.jsonl there, and the
 * unlinked file that gathers the level's profile_export.jsonl lines. On
 * error nothing is left open. */
int results_level_begin(struct results_writer *w, const char *dir,
			const char *level, struct sc_err *e) SC_MUST_CHECK;
/* Appends one record line (req_write_json with json_flags) and flushes
 * it, then r's profile_export.jsonl line, made from the record as the
 * line reads back (req_read_back), so it is the one an export from
 * requests.jsonl would give; that one is not flushed. */
int results_append(struct results_writer *w, const struct req_record *r,
		   unsigned json_flags, struct sc_err *e) SC_MUST_CHECK;
/* Closes requests.jsonl; the export lines stay for results_write_aiperf. */
void results_level_end(struct results_writer *w);
/* Drops what w still holds (the export lines of a level that failed
 * before results_write_aiperf); w may be zeroed or already released. */
void results_level_release(struct results_writer *w);
/* Writes DIR/LEVEL/profile_export.jsonl (atomically) from the lines w
 * gathered (wall times from w's wall_offset_ns), and
 * profile_export_aiperf.json and .csv from the level's summary s and li
 * with the served model's name; releases w's export lines. SC_ERUNTIME
 * naming the file on an I/O error. */
int results_write_aiperf(struct results_writer *w, const char *dir,
			 const char *level, const struct level_summary *s,
			 const struct level_info *li, const char *model,
			 struct sc_err *e) SC_MUST_CHECK;
/* Writes DIR/LEVEL/summary.json (atomically). */
int results_write_summary(const char *dir, const char *level,
			  const cJSON *summary, struct sc_err *e) SC_MUST_CHECK;
/* Rebuilds DIR/summary.csv from DIR/LEVEL/summary.json of each level that
 * has one. */
int results_write_csv(const char *dir, char *const *levels, size_t n,
		      struct sc_err *e) SC_MUST_CHECK;
/* Copies a file byte for byte (deployment.json). */
int results_copy_file(const char *src, const char *dst,
		      struct sc_err *e) SC_MUST_CHECK;

#endif
