/*
 * router_load.c - router modules: found and opened by the shared loader (config/dso.c),
 * checked against the router ABI (see pxt/router.h), then their init. A module that
 * does not match stops the worker at start with the file named and the expected and
 * found values, never at request time.
 */
#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#include "pxt/log.h"
#include "config/dso_int.h"
#include "http/http_int.h"

#define PXT_MAX_ROUTERS 64

static void *pxt_handles[PXT_MAX_ROUTERS];
static const char *pxt_handle_paths[PXT_MAX_ROUTERS];
static const char *pxt_handle_names[PXT_MAX_ROUTERS];
static int pxt_nhandles;

/* The module's fields as this pxtc knows them; those it was built without read zero. */
static void
pxt_router_copy(const void *module, pxt_router_module *m)
{
	const pxt_router_module *in = module;

	memset(m, 0, sizeof(*m));
	memcpy(m, in, in->size < sizeof(*m) ? in->size : sizeof(*m));
}

/* Refuse a router without name or init, and a second router of the same name. */
static pxt_err
pxt_router_check(void *ud, const char *path, const void *module)
{
	pxt_app *app = ud;
	pxt_router_module m;

	pxt_router_copy(module, &m);
	if (m.name == NULL || m.init == NULL)
		return pxt_seterr(PXT_ECONFIG, "router %s: no name or init function", path);
	for (struct pxt_router *r = app->routers; r != NULL; r = r->next)
		if (strcmp(r->name, m.name) == 0) {
			for (int i = 0; i < pxt_nhandles; i++)
				if (strcmp(pxt_handle_names[i], m.name) == 0)
					return pxt_seterr(PXT_ECONFIG, "router %s: a router "
					    "named '%s' is already loaded from %s", path,
					    m.name, pxt_handle_paths[i]);
			return pxt_seterr(PXT_ECONFIG, "router %s: the name '%s' is taken",
			    path, m.name);
		}
	if (pxt_nhandles == PXT_MAX_ROUTERS)
		return pxt_seterr(PXT_ECONFIG, "more than %d router modules",
		    PXT_MAX_ROUTERS);
	return PXT_OK;
}

/* Keep the module open and run its init. */
static pxt_err
pxt_router_use(void *ud, const char *path, void *handle, const void *module)
{
	pxt_app *app = ud;
	pxt_router_module m;
	pxt_router *r;
	pxt_err rc;

	pxt_router_copy(module, &m);
	pxt_handles[pxt_nhandles] = handle;
	if ((r = pxt_app_router(app, m.name, m.fini)) == NULL ||
	    (pxt_handle_paths[pxt_nhandles] = pxt_pstrdup(app->pool, path)) == NULL) {
		pxt_nhandles++;
		return PXT_ENOMEM;
	}
	pxt_handle_names[pxt_nhandles++] = r->name;
	if ((rc = m.init(r)) != PXT_OK)
		return pxt_seterr(rc, "router %s (%s): init failed: %s", path, m.name,
		    pxt_errmsg());
	pxt_log(PXT_LOG_INFO, "loaded router %s %s from %s", m.name,
	    m.version ? m.version : "", path);
	return PXT_OK;
}

pxt_err
pxt_load_routers(pxt_app *app, const pxt_config *cfg)
{
	struct pxt_dso_kind kind = {
		.what = "router",
		.abi_name = "router",
		.entry = PXT_ROUTER_ENTRY,
		.macro = "PXT_ROUTER(...)",
		.abi = PXT_ROUTER_ABI,
		/* the fields every router sets: abi, size, name, version, init */
		.min_size = offsetof(pxt_router_module, fini),
		.max_size = sizeof(pxt_router_module),
		.check = pxt_router_check,
		.use = pxt_router_use,
		.ud = app,
	};

	return pxt_dso_load_configured(&kind, cfg, "server", "routers_dir", "routers");
}

void
pxt_unload_routers(void)
{
	while (pxt_nhandles > 0)
		dlclose(pxt_handles[--pxt_nhandles]);
}
