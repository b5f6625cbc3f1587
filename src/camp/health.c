/* The health poll: one GET every PROBE_GAP_MS, each allowed
 * PROBE_TIMEOUT_MS (a loading server may accept and answer late). */
#include "camp/health.h"

#include <stdio.h>
#include <time.h>

#include "net/http.h"
#include "util/clock.h"

#define PROBE_GAP_MS	 500
#define PROBE_TIMEOUT_MS 2000

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

bool health_probe(const char *probe, long timeout_ms, char *last, size_t len)
{
	char body[256];
	long status = 0;
	struct sc_err pe = {0};
	if (http_get_text(NULL, probe, body, sizeof body, timeout_ms, &status,
			  &pe) != SC_OK) {
		snprintf(last, len, "%.150s", sc_err_cause(&pe));
		return false;
	}
	if (status == 200)
		return true;
	snprintf(last, len, "HTTP %ld", status);
	return false;
}

int health_wait(const char *url, const char *path, double timeout_s,
		volatile sig_atomic_t *stop, health_alive_fn alive, void *ud,
		double alive_every_s, struct sc_err *e)
{
	char probe[1024], last[200] = "no answer yet", why[400] = "";
	snprintf(probe, sizeof probe, "%s%s", url, path);
	int64_t t0 = clock_mono_ns(), asked = 0;
	for (;;) {
		double el = (double)(clock_mono_ns() - t0) * 1e-9;
		if (stop && *stop)
			return sc_err_set(
			    e, SC_ERUNTIME,
			    "interrupted while waiting for GET %s", probe);
		if (alive &&
		    (double)(clock_mono_ns() - asked) * 1e-9 >= alive_every_s) {
			asked = clock_mono_ns();
			if (!alive(ud, why, sizeof why))
				return sc_err_set(
				    e, SC_ERUNTIME,
				    "%s before GET %s answered 200", why,
				    probe);
		}
		if (el > timeout_s)
			return sc_err_set(
			    e, SC_ERUNTIME,
			    "GET %s did not answer 200 within %g s (last: %s)",
			    probe, timeout_s, last);
		if (health_probe(probe, PROBE_TIMEOUT_MS, last, sizeof last))
			return SC_OK;
		sleep_ms(PROBE_GAP_MS);
	}
}
