/* bench's progress lines (see bench_progress.h). The TTFT median is over
 * measured requests (warm-up excluded), as in the summary. */
#include "out/bench_progress.h"

#include <math.h>

/* "12.3 s", "4 min 05 s", "1 h 02 min"; "?" when unknown. */
static void fmt_span(double s, char *buf, size_t cap)
{
	if (!isfinite(s) || s < 0)
		snprintf(buf, cap, "?");
	else if (s < 60)
		snprintf(buf, cap, "%.1f s", s);
	else if (s < 3600)
		snprintf(buf, cap, "%d min %02d s", (int)(s / 60),
			 (int)fmod(s, 60));
	else
		snprintf(buf, cap, "%d h %02d min", (int)(s / 3600),
			 (int)fmod(s / 60, 60));
}

void bench_progress_write(FILE *f, const struct bench_progress *p, bool tty)
{
	if (!tty && !p->final)
		return;
	if (tty && p->final) {
		fprintf(f, "\r\033[K");
		return;
	}
	char tot[32] = "?", ttft[32] = "-", el[32], lleft[32], rleft[32],
	     rel[32];
	if (p->planned >= 0)
		snprintf(tot, sizeof tot, "%ld", p->planned);
	if (isfinite(p->ttft_p50_ms))
		snprintf(ttft, sizeof ttft, "%.1f ms", p->ttft_p50_ms);
	fmt_span(p->level_elapsed_s, el, sizeof el);
	fmt_span(p->level_left_s, lleft, sizeof lleft);
	fmt_span(p->run_left_s, rleft, sizeof rleft);
	fmt_span(p->run_elapsed_s, rel, sizeof rel);
	if (tty)
		fprintf(f,
			"\r\033[K[%s %zu/%zu] %zu/%s done, %zu failed, TTFT "
			"p50 %s | %s elapsed, level ~%s left, run ~%s left",
			p->level, p->index + 1, p->n_levels, p->done, tot,
			p->failed, ttft, el, lleft, rleft);
	else
		fprintf(f,
			"servecal: level %s (%zu/%zu) done: %zu requests, %zu "
			"failed, TTFT p50 %s; %s elapsed in the level, %s in "
			"the run, ~%s left\n",
			p->level, p->index + 1, p->n_levels, p->done, p->failed,
			ttft, el, rel, rleft);
}
