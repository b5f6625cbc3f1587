/* The name of a load level's directory in a results directory: "cN" for a
 * closed loop of N users, "rR" for an open loop at R requests/s. Every
 * writer of level directories (bench, the importers) names them here, and
 * every reader recognises them here. */
#ifndef SC_LEVEL_H
#define SC_LEVEL_H
#include <stdbool.h>
#include <stddef.h>

/* "c8" (level truncated to a whole number of users) or "r2.5" (%g) into
 * buf; level within util/num.h's ranges (users up to NUM_CONC_MAX, rates
 * up to NUM_RATE_MAX_PER_S). */
void level_name(bool open_loop, double level, char *buf, size_t cap);
/* The level a directory name stands for, when it is one that level_name
 * gives for a level within those ranges ("c08", "r2.50", "c1e+06",
 * "c99999999999999999999" are not); false otherwise. */
bool level_parse(const char *name, bool *open_loop, double *level);

#endif
