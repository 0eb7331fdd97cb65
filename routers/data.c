/*
 * data.c - the reference app's data router (the seed's routers/data.py): the named
 * queries of /api/data. Its routes need no C and are declared in the service file
 * (routers/service.toml): list documents and images newest first, the chunks of one
 * document, and the insert, update and delete routes of both tables.
 */
#include <stdio.h>

#include "pxt/pxt.h"
#include "pxt/router.h"

#define DATA_LIST_DEFAULT 20
#define DATA_LIST_MAX 1000
#define DATA_CHUNKS_DEFAULT 1000
#define DATA_CHUNKS_MAX 10000
#define DATA_SIMILAR_DEFAULT 10
#define DATA_SIMILAR_MAX 100

/* The table ns/name, or NULL with a message saying to run the setup program. */
static pxt_table *
data_table(pxt_router *r, const char *ns, const char *name)
{
	char path[256];
	pxt_table *t;

	snprintf(path, sizeof(path), "%s/%s", ns, name);
	if ((t = pxt_get_table(pxt_router_env(r), path)) == NULL)
		pxt_seterr(pxt_errcode(), "%s (run pxtc-setup first)", pxt_errmsg());
	return t;
}

/* list_<name>: the rows of a table, newest first, with limit and offset. */
static pxt_err
data_list_query(pxt_router *r, const char *ns, const char *name)
{
	pxt_table *t = data_table(r, ns, name);
	char qname[128];
	pxt_query *q;

	if (t == NULL)
		return pxt_errcode();
	snprintf(qname, sizeof(qname), "list_%s", name);
	q = pxt_query_new(t, qname);
	pxt_query_order_by(q, "timestamp", true);
	pxt_query_limit(q, DATA_LIST_DEFAULT, DATA_LIST_MAX);
	return pxt_query_check(q);
}

/* document_chunks: the chunks view's rows of one document, in order; 404 for none. */
static pxt_err
data_chunks_query(pxt_router *r, const char *ns)
{
	pxt_table *docs = data_table(r, ns, "documents");
	pxt_table *chunks = docs ? data_table(r, ns, "chunks") : NULL;
	pxt_query *q;

	if (chunks == NULL)
		return pxt_errcode();
	q = pxt_query_new(chunks, "document_chunks");
	pxt_query_where(q, pxt_q_eq(pxt_q_col(q, "id"), pxt_q_param(q, "id", PXT_UUID)));
	pxt_query_order_by(q, "pos", false);
	pxt_query_limit(q, DATA_CHUNKS_DEFAULT, DATA_CHUNKS_MAX);
	pxt_query_parent(q, docs, "id", "id");
	return pxt_query_check(q);
}

/*
 * similar_chunks: the chunks most similar to the text `query` (the chunks' embedding
 * index: similarity in a named query), with their score, best first.
 */
static pxt_err
data_similar_query(pxt_router *r, const char *ns)
{
	static const char *const cols[] = {"id", "pos", "text", "heading", NULL};
	pxt_table *chunks = data_table(r, ns, "chunks");
	pxt_query *q;
	pxt_qexpr *sim;

	if (chunks == NULL)
		return pxt_errcode();
	q = pxt_query_new(chunks, "similar_chunks");
	pxt_query_select(q, cols);
	sim = pxt_q_similarity(q, "text", pxt_q_param(q, "query", PXT_STRING));
	pxt_query_select_expr(q, "score", sim);
	pxt_query_order_by_expr(q, sim, true);
	pxt_query_limit(q, DATA_SIMILAR_DEFAULT, DATA_SIMILAR_MAX);
	return pxt_query_check(q);
}

static pxt_err
data_init(pxt_router *r)
{
	const char *ns = pxt_config_str(pxt_env_config(pxt_router_env(r)), "app",
	    "namespace");
	pxt_err rc;

	if ((rc = data_list_query(r, ns, "documents")) != PXT_OK ||
	    (rc = data_list_query(r, ns, "images")) != PXT_OK)
		return rc;
	if ((rc = data_chunks_query(r, ns)) != PXT_OK)
		return rc;
	return data_similar_query(r, ns);
}

PXT_ROUTER("data", "1.0", data_init, NULL)
