/* Results files. CSV columns are a table of JSON paths into summary.json, so
 * the CSV and the JSON cannot disagree. */
#include "load/results.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics/aiperf_out.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/jsonw.h"
#include "util/jsonio.h"
#include "util/xalloc.h"

int results_lock(const char *dir, int *fd, struct sc_err *e)
{
	/* O_CLOEXEC: a child (a launched server) must not keep it. */
	*fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0 && errno == ENOENT)
		return SC_OK;
	if (*fd < 0)
		return sc_err_set(e, SC_ERUNTIME, "%s: %s", dir,
				  strerror(errno));
	if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
		return SC_OK;
	int err = errno;
	close(*fd);
	*fd = -1;
	if (err == EWOULDBLOCK)
		return sc_err_set(e, SC_ERUNTIME,
				  "%s: another servecal holds this results "
				  "directory (a bench writing it now); wait "
				  "for it to end or pick another --out",
				  dir);
	return sc_err_set(e, SC_ERUNTIME, "%s: cannot lock: %s", dir,
			  strerror(err));
}

void results_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* Lines of a records file, each a JSON object; -1 when a line is not. */
static long count_records(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char *line = NULL;
	size_t cap = 0;
	long n = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) >= 0) {
		cJSON *j = cJSON_ParseWithLength(line, (size_t)len);
		bool ok = cJSON_IsObject(j);
		cJSON_Delete(j);
		if (!ok) {
			n = -1;
			break;
		}
		n++;
	}
	free(line);
	fclose(f);
	return n;
}

bool results_level_verified(const char *dir, const char *level)
{
	char p[1024];
	snprintf(p, sizeof p, "%s/%s/summary.json", dir, level);
	struct stat sb;
	if (stat(p, &sb) || !S_ISREG(sb.st_mode))
		return false;
	cJSON *j = jsonio_load_file(p, NULL);
	bool done =
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "complete"));
	const cJSON *total = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(j, "requests"), "total");
	long want = cJSON_IsNumber(total) ? (long)total->valuedouble : -2;
	cJSON_Delete(j);
	if (!done)
		return false;
	snprintf(p, sizeof p, "%s/%s/requests.jsonl", dir, level);
	return count_records(p) == want;
}

/* An unlinked file in the level directory for the export lines: no temp
 * file outlives a killed bench, and it sits on the results' own disk. */
static FILE *open_unlinked(const char *dir, struct sc_err *e)
{
	char p[1100];
	snprintf(p, sizeof p, "%s/.profile_export.jsonl.%ld", dir,
		 (long)getpid());
	int fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		sc_err_set(e, SC_ERUNTIME, "%s: %s", p, strerror(errno));
		return NULL;
	}
	unlink(p);
	FILE *f = fdopen(fd, "w+");
	if (!f) {
		sc_err_set(e, SC_ERUNTIME, "%s: %s", p, strerror(errno));
		close(fd);
	}
	return f;
}

int results_level_begin(struct results_writer *w, const char *dir,
			const char *level, struct sc_err *e)
{
	char d[1024];
	snprintf(d, sizeof d, "%s/%s", dir, level);
	int rc = fs_mkdir_p(d, e);
	if (rc)
		return rc;
	snprintf(w->path, sizeof w->path, "%s/requests.jsonl", d);
	w->wall_offset_ns = (long long)(clock_wall_ns() - clock_mono_ns());
	w->exp = open_unlinked(d, e);
	if (!w->exp)
		return SC_ERUNTIME;
	w->f = fopen(w->path, "w");
	if (!w->f) {
		results_level_release(w);
		return sc_err_set(e, SC_ERUNTIME, "%s: %s", w->path,
				  strerror(errno));
	}
	return SC_OK;
}

int results_append(struct results_writer *w, const struct req_record *r,
		   unsigned json_flags, struct sc_err *e)
{
	/* Written item by item (no cJSON tree: a record holds one
	 * inter-token latency per received chunk), cJSON's bytes. */
	int ok = req_write_json(w->f, r, json_flags) &&
		 fputc('\n', w->f) != EOF && fflush(w->f) == 0;
	if (!ok)
		return sc_err_set(e, SC_ERUNTIME, "%s: write failed: %s",
				  w->path, strerror(errno));
	if (w->itl_cap < r->n_itl)
		w->itl = xgrow(w->itl, &w->itl_cap, r->n_itl, sizeof *w->itl);
	struct req_record b;
	req_read_back(r, json_flags, &b, w->itl);
	if (!aiperf_write_record(w->exp, &b, w->wall_offset_ns) ||
	    putc('\n', w->exp) == EOF)
		return sc_err_set(e, SC_ERUNTIME,
				  "%s: the profile_export.jsonl lines: write "
				  "failed: %s",
				  w->path, strerror(errno));
	return SC_OK;
}

void results_level_end(struct results_writer *w)
{
	if (w->f)
		fclose(w->f);
	w->f = NULL;
}

void results_level_release(struct results_writer *w)
{
	results_level_end(w);
	if (w->exp)
		fclose(w->exp);
	w->exp = NULL;
	free(w->itl);
	w->itl = NULL;
	w->itl_cap = 0;
}

/* Copies the gathered export lines into out_path, atomically. */
static int export_records(FILE *in, const char *out_path, struct sc_err *e)
{
	struct fs_atomic dst = {0};
	int rc = fs_atomic_open(&dst, out_path, e);
	if (rc)
		return rc;
	char buf[1 << 16];
	size_t n;
	bool bad = fflush(in) != 0 || fseek(in, 0, SEEK_SET) != 0;
	while (!bad && (n = fread(buf, 1, sizeof buf, in)) > 0)
		bad = fwrite(buf, 1, n, dst.f) != n;
	if (bad || ferror(in)) {
		rc = sc_err_set(e, SC_ERUNTIME, "%s: write failed: %s", dst.tmp,
				strerror(errno));
		fs_atomic_abort(&dst);
		return rc;
	}
	return fs_atomic_commit(&dst, e);
}

int results_write_aiperf(struct results_writer *w, const char *dir,
			 const char *level, const struct level_summary *s,
			 const struct level_info *li, const char *model,
			 struct sc_err *e)
{
	char p[1100];
	snprintf(p, sizeof p, "%s/%s/profile_export.jsonl", dir, level);
	int rc = w->exp ? export_records(w->exp, p, e)
			: sc_err_set(e, SC_ERUNTIME,
				     "%s: no export lines were gathered", p);
	results_level_release(w);
	if (rc)
		return rc;
	cJSON *agg = aiperf_summary(s, li, model);
	snprintf(p, sizeof p, "%s/%s/profile_export_aiperf.json", dir, level);
	rc = jsonio_save_file(p, agg, e);
	if (rc)
		goto out;
	snprintf(p, sizeof p, "%s/%s/profile_export_aiperf.csv", dir, level);
	FILE *f = fopen(p, "w");
	int bad = !f || aiperf_csv(f, agg);
	if (f && fclose(f))
		bad = 1;
	if (bad)
		rc = sc_err_set(e, SC_ERUNTIME, "%s: %s", p, strerror(errno));
out:
	cJSON_Delete(agg);
	return rc;
}

int results_write_summary(const char *dir, const char *level,
			  const cJSON *summary, struct sc_err *e)
{
	char p[1024];
	snprintf(p, sizeof p, "%s/%s/summary.json", dir, level);
	return jsonio_save_file(p, summary, e);
}

/* A cell of summary.csv: a number (NaN: empty) or a verdict (-1: empty,
 * else false/true). */
struct csv_cell {
	double num;
	int flag;
};

static struct csv_cell num_cell(double v)
{
	return (struct csv_cell){v, -2};
}

/* The load columns: a closed loop has a concurrency, an open one a rate. */
static struct csv_cell cell_load(const struct level_info *li, int col)
{
	double v[3] = {li->open_loop ? NAN : (double)li->concurrency,
		       li->open_loop ? li->rate_per_s : NAN,
		       li->open_loop ? li->achieved_rate_per_s : NAN};
	return num_cell(v[col]);
}

/* Where a column's value sits: a double, a count (size_t) or a verdict
 * (int, -1 for none) of struct level_summary, a double of struct
 * level_info, one of the three load columns, the GPUs (0: unknown) or
 * whether the level ran to its end. */
enum csv_src { C_NUM, C_COUNT, C_FLAG, C_INFO, C_LOAD, C_GPUS, C_DONE };

#define S_AT(f)	      offsetof(struct level_summary, f)
#define S_STAT(f, st) (S_AT(f) + offsetof(struct stats, st))
#define LI_AT(f)      offsetof(struct level_info, f)

static const struct {
	const char *column;
	enum csv_src src;
	size_t off; /* C_LOAD: the column's index */
} csv_cols[] = {
    {"concurrency", C_LOAD, 0},
    {"request_rate", C_LOAD, 1},
    {"achieved_rate", C_LOAD, 2},
    {"isl", C_INFO, LI_AT(isl)},
    {"osl", C_INFO, LI_AT(osl)},
    {"gpus", C_GPUS, 0},
    {"requests", C_COUNT, S_AT(total)},
    {"ok", C_COUNT, S_AT(ok)},
    {"failed", C_COUNT, S_AT(failed)},
    {"ttft_ms_mean", C_NUM, S_STAT(ttft_ms, mean)},
    {"ttft_ms_p50", C_NUM, S_STAT(ttft_ms, p50)},
    {"ttft_ms_p90", C_NUM, S_STAT(ttft_ms, p90)},
    {"ttft_ms_p99", C_NUM, S_STAT(ttft_ms, p99)},
    {"tpot_ms_mean", C_NUM, S_STAT(tpot_ms, mean)},
    {"tpot_ms_p50", C_NUM, S_STAT(tpot_ms, p50)},
    {"tpot_ms_p90", C_NUM, S_STAT(tpot_ms, p90)},
    {"tpot_ms_p99", C_NUM, S_STAT(tpot_ms, p99)},
    {"itl_ms_p50", C_NUM, S_STAT(itl_ms, p50)},
    {"itl_ms_p99", C_NUM, S_STAT(itl_ms, p99)},
    {"e2e_ms_p50", C_NUM, S_STAT(e2e_ms, p50)},
    {"e2e_ms_p99", C_NUM, S_STAT(e2e_ms, p99)},
    {"output_tokens_mean", C_NUM, S_STAT(output_tokens, mean)},
    {"output_tokens_per_s", C_NUM, S_AT(output_tokens_per_s)},
    {"requests_per_s", C_NUM, S_AT(requests_per_s)},
    {"tokens_per_s_per_gpu", C_NUM, S_AT(tokens_per_s_per_gpu)},
    {"tokens_per_s_per_user", C_NUM, S_AT(tokens_per_s_per_user)},
    {"little_rel_error", C_NUM, S_AT(little_rel_error)},
    {"goodput_per_s", C_NUM, S_AT(goodput_per_s)},
    {"goodput_tokens_per_s", C_NUM, S_AT(goodput_tokens_per_s)},
    {"attainment_ttft", C_NUM, S_AT(attainment[SLA_TTFT])},
    {"attainment_tpot", C_NUM, S_AT(attainment[SLA_TPOT])},
    {"attainment_e2e", C_NUM, S_AT(attainment[SLA_E2E])},
    {"attainment_all", C_NUM, S_AT(attainment_all)},
    {"sla_met_ttft", C_FLAG, S_AT(sla_met[SLA_TTFT])},
    {"sla_met_tpot", C_FLAG, S_AT(sla_met[SLA_TPOT])},
    {"sla_met_all", C_FLAG, S_AT(sla_met_all)},
    {"complete", C_DONE, 0},
};

#undef S_AT
#undef S_STAT
#undef LI_AT

static struct csv_cell cell_of(const struct level_summary *s,
			       const struct level_info *li, size_t c)
{
	const char *sp = (const char *)s + csv_cols[c].off;
	const char *lp = (const char *)li + csv_cols[c].off;
	switch (csv_cols[c].src) {
	case C_NUM:
		return num_cell(*(const double *)sp);
	case C_COUNT:
		return num_cell((double)*(const size_t *)sp);
	case C_FLAG:
		return (struct csv_cell){NAN, *(const int *)sp};
	case C_LOAD:
		return cell_load(li, (int)csv_cols[c].off);
	case C_GPUS:
		return num_cell(li->gpus > 0 ? (double)li->gpus : NAN);
	case C_DONE:
		return (struct csv_cell){NAN, li->complete};
	case C_INFO:
		break;
	}
	return num_cell(*(const double *)lp);
}

int results_write_csv(const char *dir, char *const *levels, size_t n,
		      struct sc_err *e)
{
	char p[1024];
	snprintf(p, sizeof p, "%s/summary.csv", dir);
	struct fs_atomic a;
	int rc = fs_atomic_open(&a, p, e);
	if (rc)
		return rc;
	FILE *f = a.f;
	fputs("level", f);
	for (size_t c = 0; c < sizeof csv_cols / sizeof *csv_cols; c++)
		fprintf(f, ",%s", csv_cols[c].column);
	fputc('\n', f);
	for (size_t i = 0; i < n; i++) {
		char sp[1024];
		snprintf(sp, sizeof sp, "%s/%s/summary.json", dir, levels[i]);
		struct stat sb;
		if (stat(sp, &sb))
			continue;
		cJSON *j = jsonio_load_file(sp, e);
		struct level_summary s;
		struct level_info li;
		/* an import's level may state its load elsewhere */
		if (!j || summary_body_from_json(j, sp, &s, &li, e)) {
			cJSON_Delete(j);
			fs_atomic_abort(&a);
			return SC_EINPUT;
		}
		cJSON_Delete(j);
		fputs(levels[i], f);
		for (size_t c = 0; c < sizeof csv_cols / sizeof *csv_cols;
		     c++) {
			struct csv_cell v = cell_of(&s, &li, c);
			if (isfinite(v.num))
				fprintf(f, ",%.10g", v.num);
			else if (v.flag >= 0)
				fprintf(f, ",%s", v.flag ? "true" : "false");
			else
				fputc(',', f);
		}
		fputc('\n', f);
	}
	return fs_atomic_commit(&a, e);
}

int results_copy_file(const char *src, const char *dst, struct sc_err *e)
{
	size_t len;
	char *text = jsonio_read_text(src, JSONIO_MAX_FILE_BYTES, &len, e);
	if (!text)
		return SC_EINPUT;
	int rc = fs_write_atomic(dst, text, len, e);
	free(text);
	return rc;
}
