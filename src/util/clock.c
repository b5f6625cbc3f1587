/* Monotonic and wall clocks in nanoseconds. */
#include "util/clock.h"

#include <time.h>

static int64_t ns_of(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t clock_mono_ns(void)
{
	return ns_of(CLOCK_MONOTONIC);
}

int64_t clock_wall_ns(void)
{
	return ns_of(CLOCK_REALTIME);
}

void clock_wall_iso(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
