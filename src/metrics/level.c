/* Level directory names. */
#include "metrics/level.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/num.h"

void level_name(bool open_loop, double level, char *buf, size_t cap)
{
	if (open_loop)
		snprintf(buf, cap, "r%g", level);
	else
		snprintf(buf, cap, "c%ld", (long)level);
}

bool level_parse(const char *name, bool *open_loop, double *level)
{
	if ((name[0] != 'c' && name[0] != 'r') || !name[1])
		return false;
	char *end;
	double v = strtod(name + 1, &end);
	if (*end || !(v > 0) || (name[0] == 'c' && v != floor(v)))
		return false;
	/* Beyond the ranges no level is measured at (and a number of users
	 * past a long would not convert). */
	if (v > (name[0] == 'c' ? (double)NUM_CONC_MAX : NUM_RATE_MAX_PER_S))
		return false;
	char back[64];
	level_name(name[0] == 'r', v, back, sizeof back);
	if (strcmp(back, name))
		return false;
	*open_loop = name[0] == 'r';
	*level = v;
	return true;
}
