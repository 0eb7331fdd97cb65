/*
 * dup_route.c - a router module that registers a route the data router already has:
 * the worker must refuse to start with a duplicate-route error.
 */
#include "pxt/router.h"

static pxt_err
dup_handler(pxt_req *req, void *ud)
{
	(void)req;
	(void)ud;
	return PXT_OK;
}

static pxt_err
dup_init(pxt_router *r)
{
	pxt_router_prefix(r, "/api/data");
	return pxt_add_route(r, PXT_GET, "/documents", dup_handler, NULL);
}

PXT_ROUTER("dup_route", "0", dup_init, NULL)
