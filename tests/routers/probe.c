/*
 * probe.c - a test router over the reference app's documents: a one_row query by
 * document path, so a test can get the 404 (no row) and 409 (several rows) answers of
 * one_row routes through the real stack.
 */
#include <stdio.h>

#include "pxt/router.h"

static pxt_err
probe_init(pxt_router *r)
{
	const char *ns = pxt_config_str(pxt_env_config(pxt_router_env(r)), "app",
	    "namespace");
	char path[256];
	pxt_table *t;
	pxt_query *q;

	snprintf(path, sizeof(path), "%s/documents", ns);
	if ((t = pxt_get_table(pxt_router_env(r), path)) == NULL)
		return pxt_errcode();
	q = pxt_query_new(t, "document_by_path");
	pxt_query_where(q, pxt_q_eq(pxt_q_col(q, "document"),
	    pxt_q_param(q, "document", PXT_STRING)));
	pxt_router_prefix(r, "/api/probe");
	return pxt_add_query_route(r, "/by_document", q, PXT_GET, true);
}

PXT_ROUTER("probe", "0", probe_init, NULL)
