/*
 * loader.c - router modules: dlopen, the ABI and size check, init. A module that does
 * not match stops the worker at start with the file named and the expected and found
 * values, never at request time.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/log.h"
#include "worker.h"

#define PXT_MAX_ROUTERS 64

static void *pxt_handles[PXT_MAX_ROUTERS];
static int pxt_nhandles;

static pxt_err
pxt_load_one(pxt_app *app, const char *path)
{
	const pxt_router_module *(*entry)(void);
	const pxt_router_module *m;
	pxt_router *r;
	void *h;
	pxt_err rc;

	if (pxt_nhandles == PXT_MAX_ROUTERS)
		return pxt_seterr(PXT_EINVAL, "more than %d router modules", PXT_MAX_ROUTERS);
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL)
		return pxt_seterr(PXT_EIO, "router %s: cannot load: %s", path, dlerror());
	pxt_handles[pxt_nhandles++] = h;
	*(void **)&entry = dlsym(h, PXT_ROUTER_ENTRY);
	if (entry == NULL)
		return pxt_seterr(PXT_EINVAL, "router %s: no %s symbol (build it with "
		    "PXT_ROUTER(...))", path, PXT_ROUTER_ENTRY);
	m = entry();
	if (m == NULL || m->abi != PXT_ROUTER_ABI || m->size != sizeof(*m))
		return pxt_seterr(PXT_EINVAL, "router %s: built for router ABI %u (struct "
		    "size %u), this pxtc has ABI %u (size %zu): rebuild it against these "
		    "headers", path, m ? m->abi : 0, m ? m->size : 0, PXT_ROUTER_ABI,
		    sizeof(*m));
	if (m->name == NULL || m->init == NULL)
		return pxt_seterr(PXT_EINVAL, "router %s: no name or init function", path);
	if ((r = pxt_app_router(app, m->name, m->fini)) == NULL)
		return PXT_ENOMEM;
	if ((rc = m->init(r)) != PXT_OK)
		return pxt_seterr(rc, "router %s (%s): init failed: %s", path, m->name,
		    pxt_errmsg());
	pxt_log(PXT_LOG_INFO, "loaded router %s %s from %s", m->name,
	    m->version ? m->version : "", path);
	return PXT_OK;
}

static int
pxt_is_so(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 3 && strcmp(d->d_name + n - 3, ".so") == 0;
}

pxt_err
pxt_load_routers(pxt_app *app, const pxt_config *cfg)
{
	const char *dir = pxt_config_str(cfg, "server", "routers_dir");
	pxt_pool *pool = pxt_pool_new(0);
	struct dirent **names = NULL;
	char **list, path[PATH_MAX];
	int n = 0, nlist;
	pxt_err rc = PXT_OK;

	if (pool == NULL)
		return PXT_ENOMEM;
	list = pxt_config_list(cfg, "server", "routers", pool, &nlist);
	if (list != NULL) {
		for (int i = 0; rc == PXT_OK && i < nlist; i++) {
			snprintf(path, sizeof(path), "%s%s%s", list[i][0] == '/' ? "" :
			    dir, list[i][0] == '/' ? "" : "/", list[i]);
			rc = pxt_load_one(app, path);
		}
	} else if (dir != NULL && (n = scandir(dir, &names, pxt_is_so, alphasort)) < 0) {
		rc = pxt_seterr(PXT_ECONFIG, "[server] routers_dir '%s' cannot be read",
		    dir);
		n = 0;
	}
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (rc == PXT_OK)
			rc = pxt_load_one(app, path);
		free(names[i]);
	}
	free(names);
	pxt_pool_free(pool);
	return rc;
}

void
pxt_unload_routers(void)
{
	while (pxt_nhandles > 0)
		dlclose(pxt_handles[--pxt_nhandles]);
}
