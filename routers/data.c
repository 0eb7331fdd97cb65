/*
 * data.c - the reference app's data router (the seed's routers/data.py): the named
 * queries of /api/data, each registered next to the code that builds it.
 *
 *   GET /api/data/documents                 list_documents, newest first
 *   GET /api/data/documents/{uuid}/chunks   document_chunks: one document's chunks
 *   GET /api/data/chunks/similar            similar_chunks: the chunks nearest a text
 *   GET /api/data/images                    list_images, newest first
 *
 * and the starter kit's (its backend/routers/data.py), answered as it answers them:
 *
 *   GET  /api/data/list/documents   {"rows": [{uuid, name, timestamp}]}, newest first
 *   GET  /api/data/list/images      {"rows": [{uuid, name, thumbnail, timestamp}]}
 *   GET  /api/data/list/videos      {"rows": [{uuid, name, timestamp}]}
 *   POST /api/data/chunks           {"file_uuid"} -> {"rows": [{text, title, heading,
 *                                   page}]}, one document's chunks in order
 *
 * The insert, update, delete and upload routes need no C: the service file declares
 * them (routers/service.toml).
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
#define KIT_LIST_DEFAULT 1000	/* the starter kit lists every file: one page of them */
#define KIT_LIST_MAX 10000

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

/*
 * The query prefix<table> over ns/table, newest first; NULL (the error set) when the
 * table is missing.
 */
static pxt_query *
data_newest_query(pxt_router *r, const char *ns, const char *table, const char *prefix)
{
	pxt_table *t = data_table(r, ns, table);
	char qname[128];
	pxt_query *q;

	if (t == NULL)
		return NULL;
	snprintf(qname, sizeof(qname), "%s%s", prefix, table);
	q = pxt_query_new(t, qname);
	pxt_query_order_by(q, "timestamp", true);
	return q;
}

/* GET /<name>: list_<name>, the rows of a table newest first, with limit and offset. */
static pxt_err
data_list_route(pxt_router *r, const char *ns, const char *name)
{
	pxt_query *q = data_newest_query(r, ns, name, "list_");
	char path[128];

	if (q == NULL)
		return pxt_errcode();
	pxt_query_limit(q, DATA_LIST_DEFAULT, DATA_LIST_MAX);
	snprintf(path, sizeof(path), "/%s", name);
	return pxt_add_query_route(r, path, q, PXT_GET, false);
}

/*
 * GET /documents/{uuid}/chunks: document_chunks, the chunks view's rows of one document
 * in order; 404 for an unknown document.
 */
static pxt_err
data_chunks_route(pxt_router *r, const char *ns)
{
	pxt_table *docs = data_table(r, ns, "documents");
	pxt_table *chunks = docs ? data_table(r, ns, "chunks") : NULL;
	pxt_query *q;

	if (chunks == NULL)
		return pxt_errcode();
	q = pxt_query_new(chunks, "document_chunks");
	pxt_query_where(q, pxt_q_eq(pxt_q_col(q, "uuid"), pxt_q_param(q, "uuid",
	    PXT_UUID)));
	pxt_query_order_by(q, "pos", false);
	pxt_query_limit(q, DATA_CHUNKS_DEFAULT, DATA_CHUNKS_MAX);
	pxt_query_parent(q, docs, "uuid", "uuid");
	return pxt_add_query_route(r, "/documents/{uuid}/chunks", q, PXT_GET, false);
}

/*
 * GET /chunks/similar: similar_chunks, the chunks most similar to the text `query`
 * (the chunks' embedding index: similarity in a named query), with their score, best
 * first.
 */
static pxt_err
data_similar_route(pxt_router *r, const char *ns)
{
	static const char *const cols[] = {"uuid", "pos", "text", "heading", NULL};
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
	return pxt_add_query_route(r, "/chunks/similar", q, PXT_GET, false);
}

/*
 * GET /list/<name>s: the starter kit's list_<name>s, the table's uuid, its file as
 * "name" (the frontend shows the URL's last segment), the thumbnail when asked and
 * the timestamp, newest first.
 */
static pxt_err
kit_list_route(pxt_router *r, const char *ns, const char *table, const char *file,
    bool thumbnail)
{
	pxt_query *q = data_newest_query(r, ns, table, "kit_list_");
	char path[128];

	if (q == NULL)
		return pxt_errcode();
	pxt_query_select_as(q, "uuid", pxt_col("uuid"));
	pxt_query_select_as(q, "name", pxt_col(file));
	if (thumbnail)
		pxt_query_select_as(q, "thumbnail", pxt_col("thumbnail"));
	pxt_query_select_as(q, "timestamp", pxt_col("timestamp"));
	pxt_query_limit(q, KIT_LIST_DEFAULT, KIT_LIST_MAX);
	snprintf(path, sizeof(path), "/list/%s", table);
	return pxt_add_query_route(r, path, q, PXT_GET, false);
}

/*
 * POST /chunks {"file_uuid"}: the starter kit's get_chunks, one document's chunks in
 * order with the document's title.
 */
static pxt_err
kit_chunks_route(pxt_router *r, const char *ns)
{
	pxt_table *chunks = data_table(r, ns, "chunks");
	pxt_query *q;

	if (chunks == NULL)
		return pxt_errcode();
	q = pxt_query_new(chunks, "kit_get_chunks");
	pxt_query_where(q, pxt_q_eq(pxt_q_col(q, "uuid"), pxt_q_param(q, "file_uuid",
	    PXT_UUID)));
	pxt_query_select_as(q, "text", pxt_col("text"));
	pxt_query_select_as(q, "title", pxt_col("title"));
	pxt_query_select_as(q, "heading", pxt_col("heading"));
	pxt_query_select_as(q, "page", pxt_col("page"));
	pxt_query_order_by(q, "pos", false);
	pxt_query_limit(q, DATA_CHUNKS_DEFAULT, DATA_CHUNKS_MAX);
	return pxt_add_query_route(r, "/chunks", q, PXT_POST, false);
}

static pxt_err
data_init(pxt_router *r)
{
	const char *ns = pxt_config_str(pxt_env_config(pxt_router_env(r)), "app",
	    "namespace");
	pxt_err rc;

	pxt_router_prefix(r, "/api/data");
	rc = data_list_route(r, ns, "documents");
	if (rc == PXT_OK)
		rc = data_chunks_route(r, ns);
	if (rc == PXT_OK)
		rc = data_similar_route(r, ns);
	if (rc == PXT_OK)
		rc = data_list_route(r, ns, "images");
	if (rc == PXT_OK)
		rc = kit_list_route(r, ns, "documents", "document", false);
	if (rc == PXT_OK)
		rc = kit_list_route(r, ns, "images", "image", true);
	if (rc == PXT_OK)
		rc = kit_list_route(r, ns, "videos", "video", false);
	if (rc == PXT_OK)
		rc = kit_chunks_route(r, ns);
	return rc;
}

PXT_ROUTER("data", "1.0", data_init, NULL)
