/*
 * dup_name.c - a router module named like the probe router: loaded beside probe.so,
 * the worker must refuse to start, naming both files.
 */
#include "pxt/router.h"

static pxt_err
dup_name_init(pxt_router *r)
{
	(void)r;
	return PXT_OK;
}

PXT_ROUTER("probe", "0", dup_name_init, NULL)
