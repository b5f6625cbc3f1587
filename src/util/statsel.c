/* SLA statistics by name. */
#include "util/statsel.h"

#include <string.h>

static const struct {
	const char *name;
	double q;
} sels[STAT_SEL_COUNT] = {
    [STAT_MEAN] = {"mean", 0.0}, [STAT_P50] = {"p50", 0.50},
    [STAT_P90] = {"p90", 0.90},	 [STAT_P95] = {"p95", 0.95},
    [STAT_P99] = {"p99", 0.99},
};

const char *statsel_name(enum stat_sel s)
{
	return s < STAT_SEL_COUNT ? sels[s].name : "?";
}

int statsel_parse(const char *name, enum stat_sel *out)
{
	for (int i = 0; i < STAT_SEL_COUNT; i++)
		if (!strcmp(name, sels[i].name)) {
			*out = (enum stat_sel)i;
			return 0;
		}
	return -1;
}

double statsel_quantile(enum stat_sel s)
{
	return s < STAT_SEL_COUNT ? sels[s].q : 0.0;
}
