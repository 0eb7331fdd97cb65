/*
 * search.c - the reference app's search router (the seed's routers/search.py): its
 * routes and the searches they run, side by side.
 *
 *   POST /api/search/chunks      the chunks of the documents (pxtc's own contract)
 *   POST /api/search/documents   the starter kit's search_documents: the chunks
 *   POST /api/search/images      the starter kit's search_images: the images, by the
 *                                text of their metadata
 *
 * pxtc's contract. Body: {"query": "...", "limit": 10, "mode": "semantic" | "keyword"
 * | "hybrid", "filters": {"column": value, "metadata.key": value}}; limit 1..100
 * (default 10), mode hybrid by default. Answer: {"results": [...]}, best first: each
 * result's columns, "score", for keyword and hybrid searches "snippet" (the matching
 * text with the terms in <b>...</b>), and for chunks "document" (its uuid and title).
 *
 * The starter kit's contract (its backend/routers/search.py). Body: {"query_text":
 * "..."}, and as pxtc's extensions "limit" (1..100, default 20), "mode" (semantic by
 * default) and "filters". Answer: {"rows": [...]}, best first: for documents text,
 * uuid (the document's), sim, title, source (the document); for images uuid, sim,
 * thumbnail (base64 PNG), source (the image). sim is the cosine similarity of the
 * embeddings in a semantic search; in a keyword or hybrid search it is that search's
 * score, and "snippet" comes along.
 */
#include <stdio.h>
#include <string.h>

#include "pxt/http.h"
#include "pxt/pxt.h"
#include "pxt/router.h"

#define SEARCH_DEFAULT_LIMIT 10
#define SEARCH_MAX_LIMIT 100
#define SEARCH_MAX_FILTERS 16

#define KIT_DEFAULT_LIMIT 20

/* An answer field of the starter kit's contract: out is key (of parent_as if sub). */
struct kit_field {
	const char *out, *key, *sub;
};

/* One search route: the table searched and what each result carries. */
struct search_route {
	char path[256];
	char parent_path[256];		/* "" for none */
	const char *const *select;
	const char *const *parent_select;
	const struct kit_field *kit;	/* NULL: pxtc's contract */
};

static const char *const chunk_cols[] = {"uuid", "pos", "text", "heading", "page",
    NULL};
static const char *const doc_cols[] = {"uuid", "title", NULL};

static const char *const kit_chunk_cols[] = {"uuid", "text", NULL};
static const char *const kit_doc_cols[] = {"title", "document", NULL};
static const char *const kit_image_cols[] = {"uuid", "thumbnail", "image", NULL};
static const struct kit_field kit_doc_fields[] = {
	{"text", "text", NULL}, {"uuid", "uuid", NULL}, {"sim", "score", NULL},
	{"title", "document", "title"}, {"source", "document", "document"},
	{"snippet", "snippet", NULL}, {NULL, NULL, NULL},
};
static const struct kit_field kit_image_fields[] = {
	{"uuid", "uuid", NULL}, {"sim", "score", NULL}, {"thumbnail", "thumbnail", NULL},
	{"source", "image", NULL}, {"snippet", "snippet", NULL}, {NULL, NULL, NULL},
};

static struct search_route search_chunks, kit_documents, kit_images;

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
static const char kit_request_schema[] =
    "{\"type\":\"object\",\"required\":[\"query_text\"],\"additionalProperties\":"
    "false,\"properties\":{\"query_text\":{\"type\":\"string\",\"minLength\":1,"
    "\"maxLength\":10000,\"description\":\"the text searched for\"},"
    "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100,\"default\":20,"
    "\"description\":\"pxtc's extension\"},"
    "\"mode\":{\"type\":\"string\",\"enum\":[\"semantic\",\"keyword\",\"hybrid\"],"
    "\"default\":\"semantic\",\"description\":\"pxtc's extension\"},"
    "\"filters\":{\"type\":\"object\",\"maxProperties\":16,\"description\":"
    "\"pxtc's extension: equalities on columns, or on keys of a Json column as "
    "'column.key'\",\"additionalProperties\":{\"type\":[\"string\",\"number\","
    "\"boolean\",\"null\"]}}}}";
static const char kit_documents_schema[] =
    "{\"type\":\"object\",\"required\":[\"rows\"],\"properties\":{\"rows\":"
    "{\"type\":\"array\",\"description\":\"best first\",\"items\":{\"type\":"
    "\"object\",\"required\":[\"uuid\",\"sim\"],\"properties\":{\"text\":{\"type\":"
    "[\"string\",\"null\"]},\"uuid\":{\"type\":\"string\",\"format\":\"uuid\","
    "\"description\":\"the document's uuid\"},\"sim\":{\"type\":\"number\","
    "\"description\":\"semantic: the cosine similarity; otherwise the search's "
    "score\"},\"title\":{\"type\":[\"string\",\"null\"]},\"source\":{\"type\":"
    "[\"string\",\"null\"],\"description\":\"the document\"},\"snippet\":{\"type\":"
    "[\"string\",\"null\"],\"description\":\"keyword and hybrid: the matching text\"}"
    "}}}}}";
static const char kit_images_schema[] =
    "{\"type\":\"object\",\"required\":[\"rows\"],\"properties\":{\"rows\":"
    "{\"type\":\"array\",\"description\":\"best first\",\"items\":{\"type\":"
    "\"object\",\"required\":[\"uuid\",\"sim\"],\"properties\":{\"uuid\":{\"type\":"
    "\"string\",\"format\":\"uuid\"},\"sim\":{\"type\":\"number\",\"description\":"
    "\"semantic: the cosine similarity; otherwise the search's score\"},"
    "\"thumbnail\":{\"type\":[\"string\",\"null\"],\"contentEncoding\":\"base64\","
    "\"description\":\"PNG, at most 320 x 320\"},\"source\":{\"type\":[\"string\","
    "\"null\"],\"description\":\"the image\"},\"snippet\":{\"type\":[\"string\","
    "\"null\"]}}}}}}";

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

/* Whether key is a field of the body of sr's contract. */
static bool
search_field(const struct search_route *sr, const char *key)
{
	return strcmp(key, sr->kit ? "query_text" : "query") == 0 ||
	    strcmp(key, "limit") == 0 || strcmp(key, "mode") == 0 ||
	    strcmp(key, "filters") == 0;
}

/* The request body into *s; fails the request with 422 on a bad field. */
static pxt_err
search_spec(pxt_req *req, const struct search_route *sr, pxt_search_spec *s,
    pxt_search_filter *f)
{
	const char *qname = sr->kit ? "query_text" : "query";
	const pxt_json *body, *q, *limit;
	pxt_err rc;

	if ((rc = pxt_req_json(req, &body)) != PXT_OK)
		return rc;
	if (body == NULL || body->type != PXT_JSON_OBJECT)
		return pxt_req_fail(req, PXT_EINVAL, NULL, "the body must be a JSON object "
		    "with \"%s\"", qname);
	for (size_t i = 0; i < body->u.obj.n; i++)
		if (!search_field(sr, body->u.obj.keys[i]))
			return pxt_req_fail(req, PXT_EINVAL, body->u.obj.keys[i], "unknown "
			    "field '%s' (%s, limit, mode, filters)", body->u.obj.keys[i],
			    qname);
	q = pxt_json_get(body, qname);
	if (q == NULL || q->type != PXT_JSON_STRING || q->u.str.len == 0 ||
	    strlen(q->u.str.s) != q->u.str.len)
		return pxt_req_fail(req, PXT_EINVAL, qname, "%s must be a non-empty "
		    "string", qname);
	s->query = q->u.str.s;
	s->limit = sr->kit ? KIT_DEFAULT_LIMIT : SEARCH_DEFAULT_LIMIT;
	if ((limit = pxt_json_get(body, "limit")) != NULL && limit->type != PXT_JSON_NULL) {
		if (limit->type != PXT_JSON_INT || limit->u.i < 1 ||
		    limit->u.i > SEARCH_MAX_LIMIT)
			return pxt_req_fail(req, PXT_EINVAL, "limit", "limit must be an "
			    "integer from 1 to %d", SEARCH_MAX_LIMIT);
		s->limit = (int)limit->u.i;
	}
	if ((rc = search_mode(req, pxt_json_get(body, "mode"), &s->mode)) != PXT_OK)
		return rc;
	if (sr->kit != NULL && pxt_json_get(body, "mode") == NULL)
		s->mode = PXT_SEARCH_SEMANTIC;
	s->filters = f;
	return search_filters(req, pxt_json_get(body, "filters"), f, &s->nfilters);
}

/*
 * Writes the results (pxtc's array, as pxt_search wrote it) as the starter kit's
 * {"rows": [...]}: each result's fields under the kit's names, a missing one left out.
 */
static pxt_err
kit_write(pxt_req *req, const struct search_route *sr, const pxt_buf *results)
{
	pxt_json *all;
	pxt_jw *w;
	pxt_err rc;

	if ((rc = pxt_json_parse(pxt_req_pool(req), results->data, results->len, 8,
	    &all)) != PXT_OK)
		return pxt_req_fail(req, PXT_EINTERNAL, NULL, "%s", pxt_errmsg());
	w = pxt_res_json(req, 200);
	pxt_jw_obj_begin(w);
	pxt_jw_key(w, "rows");
	pxt_jw_arr_begin(w);
	for (size_t i = 0; all->type == PXT_JSON_ARRAY && i < all->u.arr.n; i++) {
		const pxt_json *r = all->u.arr.items[i];

		pxt_jw_obj_begin(w);
		for (const struct kit_field *f = sr->kit; f->out != NULL; f++) {
			const pxt_json *v = pxt_json_get(r, f->key);

			if (f->sub != NULL)
				v = pxt_json_get(v, f->sub);
			if (v == NULL)
				continue;
			pxt_jw_key(w, f->out);
			pxt_jw_value(w, v);
		}
		pxt_jw_obj_end(w);
	}
	pxt_jw_arr_end(w);
	pxt_jw_obj_end(w);
	return PXT_OK;
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
	if ((rc = search_spec(req, sr, &s, f)) != PXT_OK)
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
	if (sr->kit != NULL) {
		rc = kit_write(req, sr, &results);
		pxt_buf_free(&results);
		return rc;
	}
	w = pxt_res_json(req, 200);
	pxt_jw_obj_begin(w);
	pxt_jw_key(w, "results");
	pxt_jw_raw(w, results.data, results.len);
	pxt_jw_obj_end(w);
	pxt_buf_free(&results);
	return PXT_OK;
}

/* Registers the search of sr at path, documented by summary and the schemas. */
static pxt_err
search_route_add(pxt_router *r, const char *path, struct search_route *sr,
    const char *summary, const char *request, const char *response)
{
	pxt_err rc = pxt_add_route(r, PXT_POST, path, search_handle, sr);

	return rc != PXT_OK ? rc : pxt_route_doc(r, PXT_POST, path, summary, request,
	    response);
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
	kit_documents = search_chunks;
	kit_documents.select = kit_chunk_cols;
	kit_documents.parent_select = kit_doc_cols;
	kit_documents.kit = kit_doc_fields;
	snprintf(kit_images.path, sizeof(kit_images.path), "%s/images", ns);
	kit_images.select = kit_image_cols;
	kit_images.kit = kit_image_fields;
	/* the tables must be there (and indexed) when the worker starts */
	if (pxt_get_table(env, search_chunks.path) == NULL ||
	    pxt_get_table(env, kit_images.path) == NULL)
		return pxt_seterr(pxt_errcode(), "%s (run pxtc-setup first)", pxt_errmsg());
	pxt_router_prefix(r, "/api/search");
	if ((rc = search_route_add(r, "/chunks", &search_chunks, "search the documents' "
	    "chunks (semantic, keyword or hybrid)", search_request_schema,
	    search_chunks_schema)) != PXT_OK ||
	    (rc = search_route_add(r, "/documents", &kit_documents, "the starter kit's "
	    "search_documents: the chunks nearest a text", kit_request_schema,
	    kit_documents_schema)) != PXT_OK)
		return rc;
	return search_route_add(r, "/images", &kit_images, "the starter kit's "
	    "search_images: the images, by the text of their metadata",
	    kit_request_schema, kit_images_schema);
}

PXT_ROUTER("search", "1.0", search_init, NULL)
