/*
 * bad_abi.c - a router module built for another router ABI: the worker must refuse to
 * start, naming this file and both ABI versions.
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
	static const pxt_router_module m = {PXT_ROUTER_ABI + 41, sizeof(m), "bad_abi",
	    "0", bad_init, NULL};

	return &m;
}
