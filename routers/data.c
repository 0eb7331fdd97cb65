/*
 * data.c - the reference app's data router (the seed's routers/data.py): list, insert,
 * update and delete documents and images under /api/data. The queries live next to the
 * routes that use them.
 */
#include <stdio.h>

#include "pxt/pxt.h"
#include "pxt/router.h"

#define DATA_LIST_DEFAULT 20
#define DATA_LIST_MAX 1000
#define DATA_CHUNKS_DEFAULT 1000
#define DATA_CHUNKS_MAX 10000

/* The four routes of one table: list (newest first), insert, update, delete. */
static pxt_err
data_table_routes(pxt_router *r, const char *ns, const char *name)
{
	static const char *const now[] = {"timestamp", NULL};
	pxt_route_opts opts = {.now_columns = now};
	char path[256], route[128];
	pxt_table *t;
	pxt_query *list;
	pxt_err rc;

	snprintf(path, sizeof(path), "%s/%s", ns, name);
	if ((t = pxt_get_table(pxt_router_env(r), path)) == NULL)
		return pxt_seterr(pxt_errcode(), "%s (run pxtc-setup first)", pxt_errmsg());

	snprintf(route, sizeof(route), "list_%s", name);
	list = pxt_query_new(t, route);
	pxt_query_order_by(list, "timestamp", true);
	pxt_query_limit(list, DATA_LIST_DEFAULT, DATA_LIST_MAX);

	snprintf(route, sizeof(route), "/%s", name);
	if ((rc = pxt_add_query_route(r, route, list, PXT_GET, false)) != PXT_OK ||
	    (rc = pxt_add_insert_route(r, route, t, &opts)) != PXT_OK)
		return rc;
	snprintf(route, sizeof(route), "/%s/update", name);
	if ((rc = pxt_add_update_route(r, route, t, NULL)) != PXT_OK)
		return rc;
	snprintf(route, sizeof(route), "/%s/delete", name);
	return pxt_add_delete_route(r, route, t, NULL);
}

/* GET /documents/{id}/chunks: the chunks view's rows of one document, in order. */
static pxt_err
data_chunks_route(pxt_router *r, const char *ns)
{
	char path[256];
	pxt_table *docs, *chunks;
	pxt_query *q;

	snprintf(path, sizeof(path), "%s/documents", ns);
	docs = pxt_get_table(pxt_router_env(r), path);
	snprintf(path, sizeof(path), "%s/chunks", ns);
	if (docs == NULL || (chunks = pxt_get_table(pxt_router_env(r), path)) == NULL)
		return pxt_seterr(pxt_errcode(), "%s (run pxtc-setup first)", pxt_errmsg());
	q = pxt_query_new(chunks, "document_chunks");
	pxt_query_where(q, pxt_q_eq(pxt_q_col(q, "id"), pxt_q_param(q, "id", PXT_UUID)));
	pxt_query_order_by(q, "pos", false);
	pxt_query_limit(q, DATA_CHUNKS_DEFAULT, DATA_CHUNKS_MAX);
	pxt_query_parent(q, docs, "id", "id");
	return pxt_add_query_route(r, "/documents/{id}/chunks", q, PXT_GET, false);
}

static pxt_err
data_init(pxt_router *r)
{
	const char *ns = pxt_config_str(pxt_env_config(pxt_router_env(r)), "app",
	    "namespace");
	pxt_err rc;

	pxt_router_prefix(r, "/api/data");
	if ((rc = data_table_routes(r, ns, "documents")) != PXT_OK ||
	    (rc = data_chunks_route(r, ns)) != PXT_OK)
		return rc;
	return data_table_routes(r, ns, "images");
}

PXT_ROUTER("data", "1.0", data_init, NULL)
