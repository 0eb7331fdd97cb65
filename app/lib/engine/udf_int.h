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

/* Whether a value of type have may be passed where want is declared. */
bool pxt_udf_arg_fits(pxt_type want, pxt_type have);

/*
 * pxt_udf_resolve returns the form of function name taking nargs arguments of types:
 * one taking exactly them, else the first they fit (pxt_udf_arg_fits); NULL if none.
 */
const pxt_udf *pxt_udf_resolve(const char *name, int nargs, const pxt_type *types);

/* pxt_udf_next returns the next form of u's name (registration order), or NULL. */
const pxt_udf *pxt_udf_next(const pxt_udf *u);

/* pxt_udf_by_sig returns the form of name whose pxt_udf_signature is sig, or NULL. */
const pxt_udf *pxt_udf_by_sig(const char *name, const char *sig);

/* Load the modules [pixeltable] udf_modules / udf_dir name. */
pxt_err pxt_udf_load_configured(const pxt_config *cfg);

#endif
