/* Watching a running bench through its level directories. */
#include "camp/runner_levels.h"

#include <stdio.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "camp/runner_note.h"
#include "metrics/level.h"
#include "metrics/summary.h"
#include "util/jsonio.h"

/* How often a running bench's level directories are looked at. */
#define LEVEL_POLL_S 0.25

bool runner_levels_file(const struct runner_levels *w, size_t k,
			const char *file, char *name, size_t len)
{
	level_name(false, (double)w->r->c->levels[k], name, len);
	char p[4300];
	snprintf(p, sizeof p, "%s/%s%s%s", w->dir, name, file ? "/" : "",
		 file ? file : "");
	struct stat st;
	return stat(p, &st) == 0;
}

/* Counts of a finished level's summary.json into text. */
static void level_counts(const struct runner_levels *w, const char *lv,
			 char *text, size_t len)
{
	char p[4300];
	snprintf(p, sizeof p, "%s/%s/summary.json", w->dir, lv);
	cJSON *j = jsonio_load_file(p, NULL);
	struct level_summary s;
	struct level_info li;
	if (j && summary_from_json(j, p, &s, &li, NULL) == SC_OK)
		snprintf(text, len, ": %zu ok, %zu failed", s.ok, s.failed);
	else
		text[0] = '\0';
	cJSON_Delete(j);
}

void runner_levels_watch(struct runner_levels *w)
{
	struct runner *r = w->r;
	size_t n = r->c->n_levels;
	char lv[64], counts[96], took[32];
	while (w->next < n) {
		if (!w->begun) {
			if (!runner_levels_file(w, w->next, NULL, lv,
						sizeof lv))
				break;
			w->begun = true;
			if (!w->quiet)
				runner_note_progress(
				    r,
				    "  bench %s: level %s started (%zu of %zu)",
				    w->d->name, lv, w->next + 1, n);
		}
		if (!runner_levels_file(w, w->next, "summary.json", lv,
					sizeof lv))
			break;
		double s = runner_since_s(r->piece_t0_ns);
		eta_piece_done(&r->eta, r->cur_step, 1 + w->next, s);
		w->next++;
		w->begun = false;
		r->cur_piece = 1 + w->next;
		r->piece_t0_ns = clock_mono_ns();
		runner_note_save(r);
		if (!w->quiet) {
			level_counts(w, lv, counts, sizeof counts);
			runner_note_progress(
			    r, "  bench %s: level %s done in %s%s", w->d->name,
			    lv, eta_fmt(s, took, sizeof took), counts);
		}
	}
}

bool runner_levels_poll(void *ud)
{
	struct runner_levels *w = ud;
	if (runner_since_s(w->polled_ns) >= LEVEL_POLL_S) {
		w->polled_ns = clock_mono_ns();
		runner_levels_watch(w);
	}
	return w->gone && w->gone(w->gone_ud);
}
