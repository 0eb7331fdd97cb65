/*
 * old_size.c - a router module built against older headers: its pxt_router_module
 * ends before fini, and the options it passes end before now_columns. The worker must
 * accept it and read the missing fields as zero: the fini and the now_columns that lie
 * past the sizes would fail if they were read. Its init also checks that options of
 * size 0, or larger than this pxtc's, are refused.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "pxt/router.h"

/* Past the declared size: never called. */
static void
old_fini(pxt_router *r)
{
	(void)r;
	fprintf(stderr, "old_size: fini past the declared size was called\n");
	abort();
}

static pxt_err
old_init(pxt_router *r)
{
	static const char *const inputs[] = {"document", "metadata", NULL};
	static const char *const bogus[] = {"no_such_column", NULL};
	const char *ns = pxt_config_str(pxt_env_config(pxt_router_env(r)), "app",
	    "namespace");
	struct {
		pxt_route_opts o;
		char newer[16];
	} big = {{PXT_ROUTE_OPTS_INIT}, {0}};
	pxt_route_opts old = {.size = offsetof(pxt_route_opts, now_columns),
	    .inputs = inputs, .now_columns = bogus};
	pxt_route_opts unsized = {.inputs = inputs};
	char path[256];
	pxt_table *t;

	snprintf(path, sizeof(path), "%s/documents", ns);
	if ((t = pxt_get_table(pxt_router_env(r), path)) == NULL)
		return pxt_errcode();
	pxt_router_prefix(r, "/api/old_size");
	big.o.size = sizeof(big);
	if (pxt_add_insert_route(r, "/big", t, &big.o) != PXT_EINVAL)
		return pxt_seterr(PXT_EINTERNAL, "larger pxt_route_opts was taken");
	if (pxt_add_insert_route(r, "/unsized", t, &unsized) != PXT_EINVAL)
		return pxt_seterr(PXT_EINTERNAL, "pxt_route_opts without size was taken");
	return pxt_add_insert_route(r, "/documents", t, &old);
}

const pxt_router_module *pxt_router_entry(void);

__attribute__((visibility("default"))) const pxt_router_module *
pxt_router_entry(void)
{
	static const pxt_router_module m = {PXT_ROUTER_ABI,
	    offsetof(pxt_router_module, fini), "old_size", "0", old_init, old_fini};

	return &m;
}
