/*
 * bad_abi.c - a router module built for an older router ABI (2, before pxt_route_opts
 * had its size field): the worker must refuse to start, naming this file and both ABI
 * versions, and saying to rebuild it.
 */
#include "pxt/router.h"

static pxt_err
bad_init(pxt_router *r)
{
	(void)r;
	return PXT_OK;
}

const pxt_router_module *pxt_router_entry(void);

__attribute__((visibility("default"))) const pxt_router_module *
pxt_router_entry(void)
{
	static const pxt_router_module m = {2, sizeof(m), "bad_abi", "0", bad_init, NULL};

	return &m;
}
