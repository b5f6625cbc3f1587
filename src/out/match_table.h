/* The text table of a match run (plan/search.h's result). Pure: formats
 * a query and its result. */
#ifndef SC_MATCH_TABLE_H
#define SC_MATCH_TABLE_H
#include <stdio.h>

#include "plan/plan.h"

/* Writes r for q to f: the query (params_from names where the parameters
 * came from), the best config of each mode searched or why none fits, the
 * GPUs left idle, the disagg/agg gain, the top configs of each mode (at
 * most top) and the search time ms. */
void match_table_write(FILE *f, const struct plan_query *q,
		       const struct plan_result *r, long top,
		       const char *params_from, double ms);

#endif
