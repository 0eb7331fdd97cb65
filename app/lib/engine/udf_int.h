/*
 * udf_int.h - calling UDFs and loading the configured modules (internal to libpxt).
 */
#ifndef PXT_UDF_INT_H
#define PXT_UDF_INT_H

#include "pxt/config.h"
#include "pxt/expr.h"

/* Call u under the UDF time limit (pxt_udf_set_timeout). */
pxt_err pxt_udf_call(const pxt_udf *u, pxt_pool *pool, const pxt_value *args,
    int nargs, pxt_value *out);

/* Call u's batch function under the same limit. */
pxt_err pxt_udf_call_batch(const pxt_udf *u, pxt_pool *pool, const pxt_value *args,
    int nargs, int nrows, pxt_value *out);

/* Load the modules [pixeltable] udf_modules / udf_dir name. */
pxt_err pxt_udf_load_configured(const pxt_config *cfg);

#endif
