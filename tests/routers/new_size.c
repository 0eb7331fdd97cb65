/*
 * new_size.c - a router module built against newer headers than this pxtc (its
 * pxt_router_module is larger): the worker must refuse to start, naming this file.
 */
#include "pxt/router.h"

static pxt_err
new_init(pxt_router *r)
{
	(void)r;
	return PXT_OK;
}

/* The struct of a later pxtc: one field appended. */
struct new_module {
	pxt_router_module m;
	void *appended;
};

const struct new_module *pxt_router_entry(void);

__attribute__((visibility("default"))) const struct new_module *
pxt_router_entry(void)
{
	static const struct new_module m = {{PXT_ROUTER_ABI, sizeof(m), "new_size", "0",
	    new_init, NULL}, NULL};

	return &m;
}
