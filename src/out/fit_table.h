/* The text table of a calibration (fit/calib.h's result). Pure: formats
 * a result and its JSON. */
#ifndef SC_FIT_TABLE_H
#define SC_FIT_TABLE_H
#include <stdio.h>

#include "fit/calib.h"

/* Writes the fit r of the points s to f; j is calib_to_json(s, r) (the
 * parameters it flags as not identifiable and the correlations). */
void fit_table_write(FILE *f, const struct obs_set *s,
		     const struct calib_result *r, const cJSON *j);

#endif
