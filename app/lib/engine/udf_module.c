/*
 * udf_module.c - loading UDF modules (shared objects with a table of functions, through
 * the one module loader of config/dso.c) and bounding each call of a function with the
 * process's alarm (see pxt/expr.h and pxt/compute.h).
 */
#include <dlfcn.h>
#include <unistd.h>

#include "pxt/compute.h"
#include "pxt/config.h"
#include "pxt/log.h"
#include "config/dso_int.h"
#include "engine/udf_int.h"

#define PXT_UDF_MAX_MODULES 32

static void *pxt_loaded[PXT_UDF_MAX_MODULES];
static int pxt_nloaded;
static unsigned pxt_timeout_s;

void
pxt_udf_set_timeout(unsigned seconds)
{
	pxt_timeout_s = seconds;
}

pxt_err
pxt_udf_call(const pxt_udf *u, pxt_pool *pool, const pxt_value *args, int nargs,
    pxt_value *out)
{
	pxt_err rc;

	if (pxt_timeout_s == 0)
		return u->fn(pool, args, nargs, out);
	alarm(pxt_timeout_s);
	rc = u->fn(pool, args, nargs, out);
	alarm(0);
	return rc;
}

pxt_err
pxt_udf_call_batch(const pxt_udf *u, pxt_pool *pool, const pxt_value *args,
    int nargs, int nrows, pxt_value *out)
{
	pxt_err rc;

	if (pxt_timeout_s == 0)
		return u->batch(pool, args, nargs, nrows, out);
	alarm(pxt_timeout_s);
	rc = u->batch(pool, args, nargs, nrows, out);
	alarm(0);
	return rc;
}

/* Keep the module (once per process) and register its functions. */
static pxt_err
pxt_udf_use(void *ud, const char *path, void *handle, const void *module)
{
	const pxt_udf_module *m = module;
	pxt_err rc;

	(void)ud;
	/* dlopen gave the same handle for a file already loaded: drop the extra count */
	for (int i = 0; i < pxt_nloaded; i++)
		if (pxt_loaded[i] == handle) {
			dlclose(handle);
			return PXT_OK;
		}
	if (pxt_nloaded == PXT_UDF_MAX_MODULES) {
		dlclose(handle);
		return pxt_seterr(PXT_ECONFIG, "more than %d UDF modules",
		    PXT_UDF_MAX_MODULES);
	}
	/* the module stays mapped: the registry points into it */
	pxt_loaded[pxt_nloaded++] = handle;
	for (int i = 0; i < m->nudfs; i++)
		if ((rc = pxt_udf_register(&m->udfs[i])) != PXT_OK)
			return pxt_seterr(PXT_ECONFIG, "UDF module %s (%s): %s", path,
			    m->name ? m->name : "?", pxt_errmsg());
	pxt_log(PXT_LOG_DEBUG, "loaded UDF module %s (%d functions) from %s",
	    m->name ? m->name : "?", m->nudfs, path);
	return PXT_OK;
}

static const struct pxt_dso_kind pxt_udf_kind = {
	.what = "UDF module",
	.abi_name = "UDF",
	.entry = PXT_UDF_ENTRY,
	.macro = "PXT_UDF_MODULE(...)",
	.abi = PXT_UDF_ABI,
	.min_size = sizeof(pxt_udf_module),
	.max_size = sizeof(pxt_udf_module),
	.use = pxt_udf_use,
};

pxt_err
pxt_udf_load_module(const char *path)
{
	return pxt_dso_load(&pxt_udf_kind, path);
}

pxt_err
pxt_udf_load_configured(const pxt_config *cfg)
{
	return pxt_dso_load_configured(&pxt_udf_kind, cfg, "pixeltable", "udf_dir",
	    "udf_modules");
}
