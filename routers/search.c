/*
 * search.c - the reference app's search router (the seed's routers/search.py): its
 * routes and the searches they run, side by side.
 *
 *   POST /api/search/chunks   the chunks of the documents
 *   POST /api/search/images   the images, by the text of their metadata
 *
 * Body: {"query": "...", "limit": 10, "mode": "semantic" | "keyword" | "hybrid",
 * "filters": {"column": value, "metadata.key": value}}; limit 1..100 (default 10),
 * mode hybrid by default. Answer: {"results": [...]}, best first: each result's
 * columns, "score", for keyword and hybrid searches "snippet" (the matching text with
 * the terms in <b>...</b>), and for chunks "document" (its uuid and title).
 */
#include <stdio.h>
#include <string.h>

#include "pxt/http.h"
#include "pxt/pxt.h"
#include "pxt/router.h"

#define SEARCH_DEFAULT_LIMIT 10
#define SEARCH_MAX_LIMIT 100
#define SEARCH_MAX_FILTERS 16

/* One search route: the table searched and what each result carries. */
struct search_route {
	char path[256];
	char parent_path[256];		/* "" for none */
	const char *const *select;
	const char *const *parent_select;
};

static const char *const chunk_cols[] = {"uuid", "pos", "text", "heading", "page",
    NULL};
static const char *const doc_cols[] = {"uuid", "title", NULL};
static const char *const image_cols[] = {"uuid", "image", "metadata", "description",
    "thumbnail", "preview", "width", "height", NULL};

static struct search_route search_chunks, search_images;

/* The OpenAPI description of the routes (pxt_route_doc). */
static const char search_request_schema[] =
    "{\"type\":\"object\",\"required\":[\"query\"],\"additionalProperties\":false,"
    "\"properties\":{\"query\":{\"type\":\"string\",\"minLength\":1,"
    "\"maxLength\":10000,\"description\":\"the text searched for\"},"
    "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100,\"default\":10},"
    "\"mode\":{\"type\":\"string\",\"enum\":[\"semantic\",\"keyword\",\"hybrid\"],"
    "\"default\":\"hybrid\"},\"filters\":{\"type\":\"object\",\"maxProperties\":16,"
    "\"description\":\"equalities on columns, or on keys of a Json column as "
    "'column.key'\",\"additionalProperties\":{\"type\":[\"string\",\"number\","
    "\"boolean\",\"null\"]}}}}";
static const char search_chunks_schema[] =
    "{\"type\":\"object\",\"required\":[\"results\"],\"properties\":{\"results\":"
    "{\"type\":\"array\",\"description\":\"best first\",\"items\":{\"type\":"
    "\"object\",\"properties\":{\"uuid\":{\"type\":\"string\",\"format\":\"uuid\","
    "\"description\":\"the document's uuid\"},\"pos\":{\"type\":\"integer\"},"
    "\"text\":{\"type\":[\"string\",\"null\"]},\"heading\":{\"type\":[\"string\","
    "\"null\"]},\"page\":{\"type\":[\"integer\",\"null\"]},\"score\":{\"type\":"
    "\"number\"},\"snippet\":{\"type\":[\"string\",\"null\"],\"description\":"
    "\"keyword and hybrid: the matching text, words in <b>...</b>\"},\"document\":"
    "{\"type\":[\"object\",\"null\"],\"properties\":{\"uuid\":{\"type\":\"string\"},"
    "\"title\":{\"type\":[\"string\",\"null\"]}}}}}}}}";
static const char search_images_schema[] =
    "{\"type\":\"object\",\"required\":[\"results\"],\"properties\":{\"results\":"
    "{\"type\":\"array\",\"description\":\"best first\",\"items\":{\"type\":"
    "\"object\",\"properties\":{\"uuid\":{\"type\":\"string\"},\"image\":{\"type\":"
    "\"string\"},\"metadata\":{},\"description\":{\"type\":[\"string\",\"null\"]},"
    "\"thumbnail\":{\"type\":[\"string\",\"null\"],\"contentEncoding\":"
    "\"base64\",\"description\":\"PNG, at most 320 x 320\"},\"preview\":{\"type\":"
    "[\"string\",\"null\"]},\"width\":{\"type\":[\"integer\","
    "\"null\"]},\"height\":{\"type\":[\"integer\",\"null\"]},\"score\":{\"type\":"
    "\"number\"},\"snippet\":{\"type\":[\"string\",\"null\"]}}}}}}";

/* The mode named by v (absent: hybrid); PXT_EINVAL otherwise. */
static pxt_err
search_mode(pxt_req *req, const pxt_json *v, pxt_search_mode *mode)
{
	static const char *const names[] = {"semantic", "keyword", "hybrid"};

	*mode = PXT_SEARCH_HYBRID;
	if (v == NULL || v->type == PXT_JSON_NULL)
		return PXT_OK;
	for (int i = 0; v->type == PXT_JSON_STRING && i < 3; i++)
		if (strcmp(v->u.str.s, names[i]) == 0) {
			*mode = (pxt_search_mode)i;
			return PXT_OK;
		}
	return pxt_req_fail(req, PXT_EINVAL, "mode", "mode must be \"semantic\", "
	    "\"keyword\" or \"hybrid\"");
}

/* The filters object (absent: none) as pairs; values must be scalars. */
static pxt_err
search_filters(pxt_req *req, const pxt_json *v, pxt_search_filter *f, int *n)
{
	pxt_pool *pool = pxt_req_pool(req);

	*n = 0;
	if (v == NULL || v->type == PXT_JSON_NULL)
		return PXT_OK;
	if (v->type != PXT_JSON_OBJECT)
		return pxt_req_fail(req, PXT_EINVAL, "filters", "filters must be an object "
		    "of column names and values");
	if (v->u.obj.n > SEARCH_MAX_FILTERS)
		return pxt_req_fail(req, PXT_EINVAL, "filters", "at most %d filters",
		    SEARCH_MAX_FILTERS);
	for (size_t i = 0; i < v->u.obj.n; i++) {
		const pxt_json *x = v->u.obj.vals[i];

		f[*n].column = v->u.obj.keys[i];
		if (x->type == PXT_JSON_NULL)
			f[*n].value = NULL;
		else if (x->type == PXT_JSON_STRING)
			f[*n].value = x->u.str.s;
		else if (x->type == PXT_JSON_INT || x->type == PXT_JSON_DOUBLE)
			f[*n].value = x->num;
		else if (x->type == PXT_JSON_BOOL)
			f[*n].value = x->u.b ? "true" : "false";
		else
			return pxt_req_fail(req, PXT_EINVAL, v->u.obj.keys[i], "filter '%s': "
			    "the value must be a string, a number, a boolean or null",
			    v->u.obj.keys[i]);
		if (f[*n].value != NULL && (f[*n].value = pxt_pstrdup(pool,
		    f[*n].value)) == NULL)
			return PXT_ENOMEM;
		(*n)++;
	}
	return PXT_OK;
}

/* The request body into *s; fails the request with 422 on a bad field. */
static pxt_err
search_spec(pxt_req *req, pxt_search_spec *s, pxt_search_filter *f)
{
	const pxt_json *body, *q, *limit;
	pxt_err rc;

	if ((rc = pxt_req_json(req, &body)) != PXT_OK)
		return rc;
	if (body == NULL || body->type != PXT_JSON_OBJECT)
		return pxt_req_fail(req, PXT_EINVAL, NULL, "the body must be a JSON object "
		    "with \"query\"");
	for (size_t i = 0; i < body->u.obj.n; i++)
		if (strcmp(body->u.obj.keys[i], "query") && strcmp(body->u.obj.keys[i],
		    "limit") && strcmp(body->u.obj.keys[i], "mode") &&
		    strcmp(body->u.obj.keys[i], "filters"))
			return pxt_req_fail(req, PXT_EINVAL, body->u.obj.keys[i], "unknown "
			    "field '%s' (query, limit, mode, filters)", body->u.obj.keys[i]);
	q = pxt_json_get(body, "query");
	if (q == NULL || q->type != PXT_JSON_STRING || q->u.str.len == 0 ||
	    strlen(q->u.str.s) != q->u.str.len)
		return pxt_req_fail(req, PXT_EINVAL, "query", "query must be a non-empty "
		    "string");
	s->query = q->u.str.s;
	s->limit = SEARCH_DEFAULT_LIMIT;
	if ((limit = pxt_json_get(body, "limit")) != NULL && limit->type != PXT_JSON_NULL) {
		if (limit->type != PXT_JSON_INT || limit->u.i < 1 ||
		    limit->u.i > SEARCH_MAX_LIMIT)
			return pxt_req_fail(req, PXT_EINVAL, "limit", "limit must be an "
			    "integer from 1 to %d", SEARCH_MAX_LIMIT);
		s->limit = (int)limit->u.i;
	}
	if ((rc = search_mode(req, pxt_json_get(body, "mode"), &s->mode)) != PXT_OK)
		return rc;
	s->filters = f;
	return search_filters(req, pxt_json_get(body, "filters"), f, &s->nfilters);
}

static pxt_err
search_handle(pxt_req *req, void *ud)
{
	const struct search_route *sr = ud;
	pxt_env *env = pxt_req_env(req);
	pxt_search_filter f[SEARCH_MAX_FILTERS];
	pxt_search_spec s = {.size = sizeof(s)};
	pxt_table *t = pxt_get_table(env, sr->path);
	pxt_buf results = PXT_BUF_INIT;
	pxt_jw *w, rw;
	pxt_err rc;

	if (t == NULL)
		return pxt_req_fail(req, pxt_errcode(), NULL, "%s", pxt_errmsg());
	if ((rc = search_spec(req, &s, f)) != PXT_OK)
		return rc;
	s.select = sr->select;
	if (sr->parent_path[0] != '\0') {
		if ((s.parent = pxt_get_table(env, sr->parent_path)) == NULL)
			return pxt_req_fail(req, pxt_errcode(), NULL, "%s", pxt_errmsg());
		s.parent_key = "uuid";
		s.parent_select = sr->parent_select;
		s.parent_as = "document";
	}
	/* the results apart first: a failure half-way answers an error, not half a list */
	pxt_jw_init(&rw, &results);
	if ((rc = pxt_search(t, pxt_req_pool(req), &s, &rw)) != PXT_OK || results.failed) {
		pxt_buf_free(&results);
		return pxt_req_fail(req, rc ? rc : PXT_ENOMEM, NULL, "%s", rc ?
		    pxt_errmsg() : "out of memory");
	}
	w = pxt_res_json(req, 200);
	pxt_jw_obj_begin(w);
	pxt_jw_key(w, "results");
	pxt_jw_raw(w, results.data, results.len);
	pxt_jw_obj_end(w);
	pxt_buf_free(&results);
	return PXT_OK;
}

static pxt_err
search_init(pxt_router *r)
{
	pxt_env *env = pxt_router_env(r);
	const char *ns = pxt_config_str(pxt_env_config(env), "app", "namespace");
	pxt_err rc;

	snprintf(search_chunks.path, sizeof(search_chunks.path), "%s/chunks", ns);
	snprintf(search_chunks.parent_path, sizeof(search_chunks.parent_path),
	    "%s/documents", ns);
	search_chunks.select = chunk_cols;
	search_chunks.parent_select = doc_cols;
	snprintf(search_images.path, sizeof(search_images.path), "%s/images", ns);
	search_images.select = image_cols;
	/* the tables must be there (and indexed) when the worker starts */
	if (pxt_get_table(env, search_chunks.path) == NULL ||
	    pxt_get_table(env, search_images.path) == NULL)
		return pxt_seterr(pxt_errcode(), "%s (run pxtc-setup first)", pxt_errmsg());
	pxt_router_prefix(r, "/api/search");
	if ((rc = pxt_add_route(r, PXT_POST, "/chunks", search_handle, &search_chunks)) !=
	    PXT_OK || (rc = pxt_route_doc(r, PXT_POST, "/chunks", "search the documents' "
	    "chunks (semantic, keyword or hybrid)", search_request_schema,
	    search_chunks_schema)) != PXT_OK ||
	    (rc = pxt_add_route(r, PXT_POST, "/images", search_handle, &search_images)) !=
	    PXT_OK)
		return rc;
	return pxt_route_doc(r, PXT_POST, "/images", "search the images by the text of "
	    "their metadata", search_request_schema, search_images_schema);
}

PXT_ROUTER("search", "1.0", search_init, NULL)
