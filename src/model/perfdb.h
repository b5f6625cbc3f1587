/* The perf database: calibrated parameters per GPU, backend and model in
 * DB/GPU/BACKEND/MODEL.json (names lower-cased), with uncertainty and
 * provenance. DB is $SERVECAL_DB, else the catalog's calib/db. */
#ifndef SC_PERFDB_H
#define SC_PERFDB_H
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "model/params.h"
#include "util/err.h"

/* The database root in use (writes into buf). */
void perfdb_root(char *buf, size_t len);
/* Path of an entry; NULL backend finds the single backend that has an entry
 * for gpu/model (SC_EINPUT when none or several, listing them). */
int perfdb_path(const char *gpu, const char *backend, const char *model,
		char *buf, size_t len, struct sc_err *e) SC_MUST_CHECK;
/* Writes or refreshes the entry for a fit.json object: params with sigma
 * replace the old ones, whose provenance moves into "history" (newest
 * first, at most PERFDB_HISTORY). `inputs` names the result dirs. Writes
 * the path used into path_out. */
#define PERFDB_HISTORY 20
int perfdb_update(const cJSON *fit, const char *const *inputs, size_t n_inputs,
		  const char *version, char *path_out, size_t len,
		  struct sc_err *e) SC_MUST_CHECK;
/* Loads an entry's parameters over p. */
int perfdb_load_params(const char *gpu, const char *backend, const char *model,
		       struct model_params *p, char *path_out, size_t len,
		       struct sc_err *e) SC_MUST_CHECK;
/* Held-out error metrics an entry keeps at most. */
#define PERFDB_MAPE_MAX 16

/* An entry as perfdb_update writes it (or a fit.json, whose parameters and
 * errors it copies), for display: names "-" when absent, parameters in
 * their JSON units (mp_table's scale), NaN where the file has none. */
struct perfdb_entry {
	char model[128], gpu[64], backend[64], date[40];
	double value[MP_COUNT], sigma[MP_COUNT], prior[MP_COUNT];
	struct {
		char metric[40];
		double pct;
	} held_out[PERFDB_MAPE_MAX]; /* the file's order, numbers only */
	size_t n_held_out;
	int n_history; /* earlier fits kept */
};
/* Reads j (an entry, or a fit.json: its "mape" when there is no
 * "provenance") into out. Never fails: what is missing stays absent. */
void perfdb_entry_from_json(const cJSON *j, struct perfdb_entry *out);

/* Lists entries as "gpu/backend/model" lines into a heap string. */
char *perfdb_list(void);

/* Where a command's model parameters come from: the file given with
 * --params, the perf database's entry for gpu/backend/model with --db
 * (backend NULL: the single backend with an entry), or else the priors. */
struct params_choice {
	const char *file;
	bool db;
	const char *gpu, *backend, *model;
};

/* Fills p from the source c chooses and writes that source into from
 * ("priors", the file, or the database entry's path). SC_EINVAL when both
 * a file and the database are asked for; otherwise the loader's status. */
int params_resolve(const struct params_choice *c, struct model_params *p,
		   char *from, size_t len, struct sc_err *e) SC_MUST_CHECK;

#endif
