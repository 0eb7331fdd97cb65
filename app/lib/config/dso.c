/*
 * dso.c - the one shared-object loader: list a folder's *.so or a configured list,
 * dlopen, find the entry symbol, check ABI and struct size, dlclose on any mismatch
 * (see config/dso_int.h). Router modules and UDF modules both load through here.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/dso_int.h"

/* Check the head of module m from path against kind; PXT_ECONFIG naming both. */
static pxt_err
pxt_dso_check_head(const struct pxt_dso_kind *kind, const char *path,
    const struct pxt_dso_head *m)
{
	if (m == NULL)
		return pxt_seterr(PXT_ECONFIG, "%s %s: %s returned NULL", kind->what, path,
		    kind->entry);
	if (m->abi != kind->abi)
		return pxt_seterr(PXT_ECONFIG, "%s %s: built for %s ABI %u (struct size "
		    "%u), this pxtc has ABI %u (size %u): rebuild it against these headers",
		    kind->what, path, kind->abi_name, m->abi, m->size, kind->abi,
		    kind->max_size);
	if (m->size < kind->min_size)
		return pxt_seterr(PXT_ECONFIG, "%s %s: struct size %u is smaller than the "
		    "%u bytes %s ABI %u requires: rebuild it against these headers",
		    kind->what, path, m->size, kind->min_size, kind->abi_name, kind->abi);
	if (m->size > kind->max_size)
		return pxt_seterr(PXT_ECONFIG, "%s %s: struct size %u is larger than this "
		    "pxtc's %u: it was built for a newer pxtc; upgrade pxtc or rebuild it "
		    "against these headers", kind->what, path, m->size, kind->max_size);
	return PXT_OK;
}

pxt_err
pxt_dso_load(const struct pxt_dso_kind *kind, const char *path)
{
	const struct pxt_dso_head *(*entry)(void);
	const struct pxt_dso_head *m = NULL;
	char real[PATH_MAX];
	void *h;
	pxt_err rc;

	if (realpath(path, real) == NULL)
		return pxt_seterr(PXT_ECONFIG, "%s %s: not found", kind->what, path);
	if ((h = dlopen(real, RTLD_NOW | RTLD_LOCAL)) == NULL)
		return pxt_seterr(PXT_ECONFIG, "%s %s: cannot load: %s", kind->what, path,
		    dlerror());
	*(void **)&entry = dlsym(h, kind->entry);
	if (entry == NULL)
		rc = pxt_seterr(PXT_ECONFIG, "%s %s: no %s symbol (build it with %s)",
		    kind->what, path, kind->entry, kind->macro);
	else if ((rc = pxt_dso_check_head(kind, path, (m = entry()))) == PXT_OK &&
	    kind->check != NULL)
		rc = kind->check(kind->ud, path, m);
	if (rc != PXT_OK) {
		dlclose(h);
		return rc;
	}
	return kind->use(kind->ud, path, h, m);
}

static int
pxt_dso_is_so(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 3 && strcmp(d->d_name + n - 3, ".so") == 0;
}

/* Whether section.key has its built-in default value. */
static bool
pxt_dso_is_default(const pxt_config *cfg, const char *section, const char *key,
    pxt_pool *pool)
{
	const char *src = pxt_config_source(cfg, section, key, pool);

	return src != NULL && strcmp(src, "default") == 0;
}

pxt_err
pxt_dso_load_configured(const struct pxt_dso_kind *kind, const pxt_config *cfg,
    const char *section, const char *dir_key, const char *list_key)
{
	const char *dir = pxt_config_str(cfg, section, dir_key);
	pxt_pool *pool = pxt_pool_new(0);
	struct dirent **names = NULL;
	char path[PATH_MAX];
	char **list;
	int n = 0, nlist;
	pxt_err rc = PXT_OK;

	if (pool == NULL)
		return PXT_ENOMEM;
	list = pxt_config_list(cfg, section, list_key, pool, &nlist);
	for (int i = 0; list != NULL && rc == PXT_OK && i < nlist; i++) {
		bool bare = list[i][0] != '/' && dir != NULL;

		snprintf(path, sizeof(path), "%s%s%s", bare ? dir : "", bare ? "/" : "",
		    list[i]);
		rc = pxt_dso_load(kind, path);
	}
	if (list == NULL && dir != NULL &&
	    (n = scandir(dir, &names, pxt_dso_is_so, alphasort)) < 0) {
		int e = errno;

		if (e != ENOENT || !pxt_dso_is_default(cfg, section, dir_key, pool))
			rc = pxt_seterr(PXT_ECONFIG, "[%s] %s '%s' cannot be read: %s",
			    section, dir_key, dir, strerror(e));
		n = 0;
	}
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (rc == PXT_OK)
			rc = pxt_dso_load(kind, path);
		free(names[i]);
	}
	free(names);
	pxt_pool_free(pool);
	return rc;
}
