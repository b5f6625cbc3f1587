/* Numeric formats of weights and KV cache. */
#include "model/dtype.h"

#include <ctype.h>
#include <string.h>

static const struct {
	const char *name;
	double bytes;
} dtypes[DT_COUNT] = {
    [DT_BF16] = {"bf16", 2.0},
    [DT_FP8] = {"fp8", 1.0},
    [DT_FP4] = {"fp4", 0.5},
};

double dtype_bytes(enum dtype d)
{
	return dtypes[d].bytes;
}

const char *dtype_name(enum dtype d)
{
	return dtypes[d].name;
}

int dtype_parse(const char *arg, enum dtype *out)
{
	char s[16];
	size_t n = strlen(arg);
	if (n >= sizeof s)
		return -1;
	for (size_t i = 0; i <= n; i++) /* "FP8" as well as "fp8" */
		s[i] = (char)tolower((unsigned char)arg[i]);
	if (!strcmp(s, "fp16")) {
		*out = DT_BF16;
		return 0;
	}
	for (int i = 0; i < DT_COUNT; i++) {
		if (!strcmp(s, dtypes[i].name)) {
			*out = (enum dtype)i;
			return 0;
		}
	}
	return -1;
}
