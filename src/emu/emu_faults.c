/* Fault kinds, their rates and the per-request draw. */
#include "emu/emu_faults.h"

#include <math.h>
#include <string.h>

#include "util/jsonio.h"

static const char *const fault_names[EMU_FAULT_COUNT] = {
    [EMU_FAULT_HTTP429] = "http_429",
    [EMU_FAULT_HTTP500] = "http_500",
    [EMU_FAULT_HTTP503] = "http_503",
    [EMU_FAULT_ERROR_CHUNK] = "error_chunk",
    [EMU_FAULT_DROP] = "drop",
    [EMU_FAULT_STALL] = "stall",
    [EMU_FAULT_MALFORMED] = "malformed",
};

const char *emu_fault_name(enum emu_fault f)
{
	if (f < 0 || f >= EMU_FAULT_COUNT)
		return NULL;
	return fault_names[f];
}

enum emu_fault emu_fault_find(const char *name)
{
	for (int i = 0; i < EMU_FAULT_COUNT; i++) {
		const char *a = fault_names[i], *b = name;
		while (*a && *b && (*a == *b || (*a == '_' && *b == '-'))) {
			a++;
			b++;
		}
		if (!*a && !*b)
			return (enum emu_fault)i;
	}
	return EMU_FAULT_NONE;
}

void emu_faults_default(struct emu_faults *f)
{
	memset(f, 0, sizeof *f);
	f->stall_s = 2.0;
}

int emu_faults_check(const struct emu_faults *f, struct sc_err *e)
{
	double sum = 0;
	for (int i = 0; i < EMU_FAULT_COUNT; i++) {
		if (!(f->rate[i] >= 0 && f->rate[i] <= 1))
			return sc_err_set(
			    e, SC_EINVAL,
			    "fault rate '%s' must be in [0, 1], got %g",
			    fault_names[i], f->rate[i]);
		sum += f->rate[i];
	}
	if (sum > 1 + 1e-9)
		return sc_err_set(
		    e, SC_EINVAL,
		    "fault rates sum to %g; they must sum to <= 1", sum);
	if (!(f->stall_s >= 0) || !isfinite(f->stall_s))
		return sc_err_set(e, SC_EINVAL, "stall length must be >= 0");
	return SC_OK;
}

int emu_faults_from_json(const cJSON *j, const char *where,
			 struct emu_faults *f, struct sc_err *e)
{
	static const char *const known[] = {
	    "http_429", "http_500",  "http_503", "error_chunk", "drop",
	    "stall",	"malformed", "stall_ms", NULL};
	int rc = jsonio_known_keys(j, known, where, e);
	if (rc)
		return rc;
	for (int i = 0; i < EMU_FAULT_COUNT; i++) {
		rc = jsonio_num(j, fault_names[i], false, f->rate[i],
				&f->rate[i], where, e);
		if (rc)
			return rc;
	}
	double stall_ms = f->stall_s * 1e3;
	rc = jsonio_num(j, "stall_ms", false, stall_ms, &stall_ms, where, e);
	if (rc)
		return rc;
	f->stall_s = stall_ms / 1e3;
	rc = emu_faults_check(f, e);
	if (rc) {
		sc_err_prefix(e, "%s", where);
		return SC_EINPUT;
	}
	return SC_OK;
}

enum emu_fault emu_faults_draw(const struct emu_faults *f, struct rng *r)
{
	double u = rng_uniform(r), acc = 0;
	for (int i = 0; i < EMU_FAULT_COUNT; i++) {
		acc += f->rate[i];
		if (u < acc)
			return (enum emu_fault)i;
	}
	return EMU_FAULT_NONE;
}

bool emu_fault_is_http(enum emu_fault f)
{
	return f == EMU_FAULT_HTTP429 || f == EMU_FAULT_HTTP500 ||
	       f == EMU_FAULT_HTTP503;
}

int emu_fault_http_status(enum emu_fault f)
{
	switch (f) {
	case EMU_FAULT_HTTP429:
		return 429;
	case EMU_FAULT_HTTP500:
		return 500;
	case EMU_FAULT_HTTP503:
		return 503;
	default:
		return 0;
	}
}
