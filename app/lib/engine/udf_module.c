/*
 * udf_module.c - loading UDF modules (shared objects with a table of functions) and
 * bounding each call of a function with the process's alarm (see pxt/expr.h and
 * pxt/compute.h).
 */
#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pxt/compute.h"
#include "pxt/config.h"
#include "pxt/log.h"
#include "engine/udf_int.h"

#define PXT_UDF_MAX_MODULES 32

static char *pxt_loaded[PXT_UDF_MAX_MODULES];
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

pxt_err
pxt_udf_load_module(const char *path)
{
	const pxt_udf_module *(*entry)(void);
	const pxt_udf_module *m;
	char real[PATH_MAX];
	void *h;
	pxt_err rc;

	if (realpath(path, real) == NULL)
		return pxt_seterr(PXT_ECONFIG, "UDF module %s: not found", path);
	for (int i = 0; i < pxt_nloaded; i++)
		if (strcmp(pxt_loaded[i], real) == 0)
			return PXT_OK;
	if (pxt_nloaded == PXT_UDF_MAX_MODULES)
		return pxt_seterr(PXT_ECONFIG, "more than %d UDF modules",
		    PXT_UDF_MAX_MODULES);
	if ((h = dlopen(real, RTLD_NOW | RTLD_LOCAL)) == NULL)
		return pxt_seterr(PXT_ECONFIG, "UDF module %s: cannot load: %s", path,
		    dlerror());
	*(void **)&entry = dlsym(h, PXT_UDF_ENTRY);
	if (entry == NULL) {
		dlclose(h);
		return pxt_seterr(PXT_ECONFIG, "UDF module %s: no %s symbol (build it "
		    "with PXT_UDF_MODULE(...))", path, PXT_UDF_ENTRY);
	}
	m = entry();
	if (m == NULL || m->abi != PXT_UDF_ABI || m->size != sizeof(*m)) {
		rc = pxt_seterr(PXT_ECONFIG, "UDF module %s: built for UDF ABI %u (struct "
		    "size %u), this pxtc has ABI %u (size %zu): rebuild it against these "
		    "headers", path, m ? m->abi : 0, m ? m->size : 0, PXT_UDF_ABI,
		    sizeof(*m));
		dlclose(h);
		return rc;
	}
	/* the module stays mapped: the registry points into it */
	pxt_loaded[pxt_nloaded++] = strdup(real);
	for (int i = 0; i < m->nudfs; i++)
		if ((rc = pxt_udf_register(&m->udfs[i])) != PXT_OK)
			return pxt_seterr(PXT_ECONFIG, "UDF module %s (%s): %s", path,
			    m->name ? m->name : "?", pxt_errmsg());
	pxt_log(PXT_LOG_DEBUG, "loaded UDF module %s (%d functions) from %s",
	    m->name ? m->name : "?", m->nudfs, path);
	return PXT_OK;
}

static int
pxt_is_so(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 3 && strcmp(d->d_name + n - 3, ".so") == 0;
}

pxt_err
pxt_udf_load_configured(const pxt_config *cfg)
{
	const char *dir = pxt_config_str(cfg, "pixeltable", "udf_dir");
	pxt_pool *pool = pxt_pool_new(0);
	struct dirent **names = NULL;
	char path[PATH_MAX];
	char **list;
	int n = 0, nlist;
	pxt_err rc = PXT_OK;

	if (pool == NULL)
		return PXT_ENOMEM;
	list = pxt_config_list(cfg, "pixeltable", "udf_modules", pool, &nlist);
	for (int i = 0; list != NULL && rc == PXT_OK && i < nlist; i++) {
		snprintf(path, sizeof(path), "%s%s%s", list[i][0] == '/' || !dir ? "" : dir,
		    list[i][0] == '/' || !dir ? "" : "/", list[i]);
		rc = pxt_udf_load_module(path);
	}
	/* no list: every module in the folder; a missing folder means none */
	if (list == NULL && dir != NULL && (n = scandir(dir, &names, pxt_is_so,
	    alphasort)) < 0)
		n = 0;
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (rc == PXT_OK)
			rc = pxt_udf_load_module(path);
		free(names[i]);
	}
	free(names);
	pxt_pool_free(pool);
	return rc;
}
