/*
 * openapi.c - GET /api/openapi.json (and /openapi.json, FastAPI's path): the OpenAPI
 * 3.1 document of every route a worker serves, the C routers' and the service file's
 * alike, derived from the route table:
 * path and query parameters from the pattern and the query's parameters, request
 * bodies from the columns a table route takes (http_table.c) or a query's parameters
 * (query_route.c), answers from the columns it returns, the error responses that apply
 * and, with [pixeltable] api_key set, the bearer scheme on every protected operation.
 * Built on the first request, kept in the app, built again when the catalog changed.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "pxt_build_config.h"
#include "catalog/catalog_int.h"
#include "http/openapi_int.h"
#include "engine/query_int.h"

struct pxt_openapi_cache {
	pxt_buf doc;
	bool valid;
	int64_t version;	/* app->catalog_version it was built for */
	unsigned generation;	/* env->generation (table handles reloaded) */
	int nroutes;
};

/* One build: the writer, the app, and the operationIds handed out so far. */
struct pxt_oa {
	pxt_jw *w;
	const pxt_app *app;
	pxt_pool *pool;
	bool keys;		/* API keys configured: protected routes need one */
	const char **ids;
	int nids;
};

static const char *const pxt_oa_methods[] = {"get", "post", "put", "delete", "patch",
    "head", "options"};

#define PXT_OA_NMETHODS 7
#define PXT_OA_BODY (PXT_POST | PXT_PUT | PXT_PATCH)

/* Write s, one JSON value, as is. */
static void
pxt_oa_raw(pxt_jw *w, const char *s)
{
	pxt_jw_raw(w, s, strlen(s));
}

/* Whether route rt needs the API key (http_guard.c's rule). */
static bool
pxt_oa_protected(const struct pxt_oa *o, const struct pxt_route *rt)
{
	return o->keys && !rt->public_route && rt->kind != PXT_ROUTE_SYSTEM;
}

static const pxt_query *
pxt_oa_query(const struct pxt_route *rt)
{
	const struct pxt_query_route *qr = rt->desc;

	return rt->kind == PXT_ROUTE_QUERY && qr != NULL ? qr->q : NULL;
}

/* The parameter of q named like a path segment "{name}", or NULL. */
static const struct pxt_qparam *
pxt_oa_qparam(const pxt_query *q, const char *seg)
{
	size_t len = strlen(seg);

	for (int i = 0; q != NULL && i < q->nparams; i++)
		if (seg[0] == '{' && len == strlen(q->params[i].name) + 2 &&
		    strncmp(seg + 1, q->params[i].name, len - 2) == 0)
			return &q->params[i];
	return NULL;
}

/* A unique operationId: router, method and path, as letters, digits and '_'. */
static const char *
pxt_oa_op_id(struct pxt_oa *o, const struct pxt_route *rt, const char *method)
{
	char *base = pxt_psprintf(o->pool, "%s_%s_%s", rt->router, method, rt->pattern);
	const char *id = base;
	size_t n = 0;

	if (base == NULL)
		return method;
	for (size_t i = 0; base[i]; i++) {
		if (isalnum((unsigned char)base[i]))
			base[n++] = base[i];
		else if (n > 0 && base[n - 1] != '_')
			base[n++] = '_';
	}
	while (n > 0 && base[n - 1] == '_')
		n--;
	base[n] = '\0';
	for (int k = 2, taken = 1; taken && id != NULL; k++) {
		taken = 0;
		for (int i = 0; i < o->nids; i++)
			taken |= strcmp(o->ids[i], id) == 0;
		if (taken)
			id = pxt_psprintf(o->pool, "%s_%d", base, k);
	}
	if (id == NULL)
		return method;
	o->ids[o->nids++] = id;
	return id;
}

static const char *
pxt_oa_summary(struct pxt_oa *o, const struct pxt_route *rt)
{
	const struct pxt_table_route *tr = rt->desc;
	const char *s = NULL;

	if (rt->doc_summary != NULL)
		return rt->doc_summary;
	if (rt->fn == pxt_http_health)
		return "health of the worker and its database";
	if (rt->fn == pxt_http_openapi)
		return "this OpenAPI document";
	if (rt->fn == pxt_job_status)
		return "the status of a background job";
	if (pxt_oa_query(rt) != NULL)
		s = pxt_psprintf(o->pool, "query %s", pxt_oa_query(rt)->name);
	else if (tr != NULL && rt->kind == PXT_ROUTE_INSERT)
		s = pxt_psprintf(o->pool, "insert into %s", tr->t->path);
	else if (tr != NULL && rt->kind == PXT_ROUTE_UPDATE)
		s = pxt_psprintf(o->pool, "update %s", tr->t->path);
	else if (tr != NULL && rt->kind == PXT_ROUTE_DELETE)
		s = pxt_psprintf(o->pool, "delete from %s", tr->t->path);
	else if (tr != NULL && rt->kind == PXT_ROUTE_COMPUTE)
		s = pxt_psprintf(o->pool, "compute %s", tr->out->path);
	else
		s = pxt_psprintf(o->pool, "a handler of router %s", rt->router);
	return s != NULL ? s : "";
}

static const char *
pxt_oa_description(const struct pxt_route *rt)
{
	const struct pxt_query_route *qr = rt->desc;

	if (rt->background)
		return "Runs as a background job: answers 200 {id, job_url} at once; GET "
		    "the job_url to follow it.";
	switch (rt->kind) {
	case PXT_ROUTE_INSERT:
		return "Inserts one row and answers it as stored, computed columns included. "
		    "An Idempotency-Key header makes a retry answer the first response.";
	case PXT_ROUTE_UPDATE:
		return "Updates the row the key columns select and answers it; the computed "
		    "columns depending on what changed are computed again (header "
		    "Pxt-Recomputed). 404 when no row matches.";
	case PXT_ROUTE_DELETE:
		return "Deletes the rows the key columns select.";
	case PXT_ROUTE_COMPUTE:
		return pxt_oa_compute_description(rt->desc);
	case PXT_ROUTE_QUERY:
		if (qr != NULL && qr->fileresponse)
			return "Answers the media file of the one row the query finds: 404 "
			    "for none or a null file, 409 for several.";
		return qr != NULL && qr->one_row ? "Answers the one row the query finds: 404 "
		    "for none, 409 for several." : "Answers the rows the query finds.";
	default:
		return NULL;
	}
}

static void
pxt_oa_parameters(struct pxt_oa *o, const struct pxt_route *rt, unsigned method)
{
	const pxt_query *q = pxt_oa_query(rt);
	pxt_jw *w = o->w;

	pxt_jw_key(w, "parameters");
	pxt_jw_arr_begin(w);
	for (int i = 0; i < rt->nsegs; i++) {
		const char *seg = rt->segs[i];
		const struct pxt_qparam *p = pxt_oa_qparam(q, seg);
		char *name = seg[0] == '{' ? pxt_pstrndup(o->pool, seg + 1,
		    strlen(seg) - 2) : NULL;

		if (name == NULL)
			continue;
		pxt_jw_obj_begin(w);
		pxt_oa_kstr(w, "name", name);
		pxt_oa_kstr(w, "in", "path");
		pxt_oa_kraw(w, "required", "true");
		pxt_jw_key(w, "schema");
		if (p != NULL)
			pxt_oa_param_schema(w, q, p);
		else
			pxt_oa_raw(w, "{\"type\":\"string\"}");
		pxt_jw_obj_end(w);
	}
	for (int i = 0; q != NULL && method == PXT_GET && i < q->nparams; i++) {
		const struct pxt_qparam *p = &q->params[i];

		if (pxt_oa_in_path(rt, p->name) || !pxt_oa_qinput(rt, i))
			continue;
		pxt_jw_obj_begin(w);
		pxt_oa_kstr(w, "name", p->name);
		pxt_oa_kstr(w, "in", "query");
		pxt_oa_kraw(w, "required", pxt_oa_qrequired(p) ? "true" : "false");
		pxt_jw_key(w, "schema");
		pxt_oa_param_schema(w, q, p);
		pxt_jw_obj_end(w);
	}
	if (rt->kind == PXT_ROUTE_INSERT)
		pxt_oa_raw(w, "{\"name\":\"Idempotency-Key\",\"in\":\"header\",\"required\":"
		    "false,\"description\":\"the same key on this route within a day answers "
		    "the first response again instead of inserting twice\",\"schema\":"
		    "{\"type\":\"string\",\"minLength\":1,\"maxLength\":255}}");
	pxt_jw_arr_end(w);
}

static void
pxt_oa_request_body(struct pxt_oa *o, const struct pxt_route *rt, unsigned method)
{
	pxt_jw *w = o->w;
	bool table = rt->desc != NULL && (rt->kind == PXT_ROUTE_INSERT ||
	    rt->kind == PXT_ROUTE_UPDATE || rt->kind == PXT_ROUTE_DELETE ||
	    rt->kind == PXT_ROUTE_COMPUTE);

	if (!(method & PXT_OA_BODY) || rt->kind == PXT_ROUTE_SYSTEM)
		return;
	pxt_jw_key(w, "requestBody");
	pxt_jw_obj_begin(w);
	pxt_oa_kraw(w, "required", rt->kind == PXT_ROUTE_CUSTOM && rt->doc_request ==
	    NULL ? "false" : "true");
	pxt_jw_key(w, "content");
	pxt_jw_obj_begin(w);
	pxt_jw_key(w, "application/json");
	pxt_jw_obj_begin(w);
	pxt_jw_key(w, "schema");
	if (rt->doc_request != NULL)
		pxt_oa_raw(w, rt->doc_request);
	else if (table)
		pxt_oa_table_request(w, rt->desc, false);
	else if (pxt_oa_query(rt) != NULL)
		pxt_oa_query_body(w, rt, pxt_oa_query(rt));
	else
		pxt_oa_raw(w, "{}");
	pxt_jw_obj_end(w);
	if (rt->doc_request == NULL && pxt_oa_takes_form(rt))
		pxt_oa_form_content(w, rt->desc);
	pxt_jw_obj_end(w);
	pxt_jw_obj_end(w);
}

/* The schema of a successful answer. */
static void
pxt_oa_answer(pxt_jw *w, const struct pxt_route *rt)
{
	const struct pxt_query_route *qr = rt->desc;

	if (rt->doc_response != NULL)
		pxt_oa_raw(w, rt->doc_response);
	else if (rt->fn == pxt_http_health)
		pxt_oa_raw(w, "{\"$ref\":\"#/components/schemas/Health\"}");
	else if (rt->fn == pxt_job_status)
		pxt_oa_raw(w, "{\"$ref\":\"#/components/schemas/JobStatus\"}");
	else if (rt->fn == pxt_http_openapi)
		pxt_oa_raw(w, "{\"type\":\"object\",\"description\":\"an OpenAPI 3.1 "
		    "document\"}");
	else if (rt->desc == NULL)
		pxt_oa_raw(w, "{\"description\":\"the handler's answer\"}");
	else if (rt->kind == PXT_ROUTE_DELETE)
		pxt_oa_raw(w, "{\"$ref\":\"#/components/schemas/NumRows\"}");
	else if (rt->kind == PXT_ROUTE_COMPUTE)
		pxt_oa_compute_rows(w, rt->desc);
	else if (rt->kind != PXT_ROUTE_QUERY)
		pxt_oa_table_row(w, rt->desc);
	else if (qr->return_scalar)
		pxt_oa_query_scalar(w, qr->q);
	else if (qr->one_row)
		pxt_oa_query_row(w, qr->q);
	else {
		pxt_jw_obj_begin(w);
		pxt_oa_kstr(w, "type", "object");
		pxt_oa_kraw(w, "required", "[\"rows\"]");
		pxt_jw_key(w, "properties");
		pxt_jw_obj_begin(w);
		pxt_jw_key(w, "rows");
		pxt_jw_obj_begin(w);
		pxt_oa_kstr(w, "type", "array");
		pxt_jw_key(w, "items");
		pxt_oa_query_row(w, qr->q);
		pxt_jw_obj_end(w);
		pxt_jw_obj_end(w);
		pxt_jw_obj_end(w);
	}
}

/* The error statuses route rt answers for method (beside 405, which is per path). */
static int
pxt_oa_error_statuses(const struct pxt_oa *o, const struct pxt_route *rt,
    unsigned method, int *st)
{
	const struct pxt_query_route *qr = pxt_oa_query(rt) ? rt->desc : NULL;
	bool sys = rt->kind == PXT_ROUTE_SYSTEM, body = (method & PXT_OA_BODY) && !sys;
	int n = 0;

	if (!sys)
		st[n++] = 400;
	if (pxt_oa_protected(o, rt))
		st[n++] = 401;
	if (rt->kind == PXT_ROUTE_UPDATE || rt->kind == PXT_ROUTE_CUSTOM ||
	    (rt->kind == PXT_ROUTE_COMPUTE && pxt_file_route_type(rt) !=
	    PXT_TYPE_NONE) ||
	    (qr != NULL && (qr->one_row || qr->fileresponse || qr->q->parent != NULL)))
		st[n++] = 404;
	if (rt->kind == PXT_ROUTE_INSERT || rt->kind == PXT_ROUTE_UPDATE ||
	    rt->kind == PXT_ROUTE_COMPUTE || (qr != NULL && (qr->one_row ||
	    qr->fileresponse)))
		st[n++] = 409;
	if (body) {
		st[n++] = 413;
		st[n++] = 415;
	}
	if (!sys)
		st[n++] = 422;
	st[n++] = 500;
	st[n++] = 502;
	if (rt->fn != pxt_http_health)
		st[n++] = 503;
	st[n++] = 504;
	return n;
}

static void
pxt_oa_responses(struct pxt_oa *o, const struct pxt_route *rt, unsigned method)
{
	pxt_jw *w = o->w;
	int st[16], n = pxt_oa_error_statuses(o, rt, method, st);
	char key[8], ref[96];

	pxt_jw_key(w, "responses");
	pxt_jw_obj_begin(w);
	if (rt->background) {
		pxt_oa_kraw(w, "200", "{\"description\":\"queued: GET job_url to follow the "
		    "job\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":"
		    "\"#/components/schemas/Job\"}}}}");
	} else {
		pxt_jw_key(w, "200");
		pxt_jw_obj_begin(w);
		pxt_oa_kstr(w, "description", pxt_file_route_type(rt) != PXT_TYPE_NONE ?
		    "the media file itself" : rt->kind == PXT_ROUTE_INSERT ||
		    rt->kind == PXT_ROUTE_UPDATE ? "the row as stored, computed columns "
		    "included" : rt->kind == PXT_ROUTE_COMPUTE ? "the rows computed "
		    "(nothing is stored)" : "success");
		if (rt->kind == PXT_ROUTE_INSERT)
			pxt_oa_kraw(w, "headers", "{\"Idempotent-Replayed\":{\"description\":"
			    "\"true when this answers an earlier request with the same "
			    "Idempotency-Key\",\"schema\":{\"type\":\"string\"}}}");
		else if (rt->kind == PXT_ROUTE_UPDATE)
			pxt_oa_kraw(w, "headers", "{\"Pxt-Recomputed\":{\"description\":\"the "
			    "computed columns computed again\",\"schema\":{\"type\":\"string\"}}}");
		pxt_jw_key(w, "content");
		pxt_jw_obj_begin(w);
		if (pxt_file_route_type(rt) != PXT_TYPE_NONE) {
			pxt_oa_file_content(w, pxt_file_route_type(rt));
		} else {
			pxt_jw_key(w, "application/json");
			pxt_jw_obj_begin(w);
			pxt_jw_key(w, "schema");
			pxt_oa_answer(w, rt);
			pxt_jw_obj_end(w);
		}
		pxt_jw_obj_end(w);
		pxt_jw_obj_end(w);
	}
	if (rt->fn == pxt_http_health)
		pxt_oa_kraw(w, "503", "{\"description\":\"degraded: the database is down\","
		    "\"content\":{\"application/json\":{\"schema\":{\"$ref\":"
		    "\"#/components/schemas/Health\"}}}}");
	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%d", st[i]);
		snprintf(ref, sizeof(ref), "{\"$ref\":\"#/components/responses/%s\"}",
		    pxt_oa_error_name(st[i]));
		pxt_oa_kraw(w, key, ref);
	}
	pxt_jw_obj_end(w);
}

static void
pxt_oa_operation(struct pxt_oa *o, const struct pxt_route *rt, unsigned method,
    const char *name)
{
	pxt_jw *w = o->w;
	const char *desc = pxt_oa_description(rt);

	pxt_jw_key(w, name);
	pxt_jw_obj_begin(w);
	pxt_oa_kstr(w, "operationId", pxt_oa_op_id(o, rt, name));
	pxt_oa_kstr(w, "summary", pxt_oa_summary(o, rt));
	if (desc != NULL)
		pxt_oa_kstr(w, "description", desc);
	pxt_jw_key(w, "tags");
	pxt_jw_arr_begin(w);
	pxt_jw_cstr(w, rt->router);
	pxt_jw_arr_end(w);
	pxt_oa_parameters(o, rt, method);
	pxt_oa_request_body(o, rt, method);
	pxt_oa_responses(o, rt, method);
	if (o->keys)
		pxt_oa_kraw(w, "security", pxt_oa_protected(o, rt) ?
		    "[{\"bearerAuth\":[]}]" : "[]");
	pxt_jw_obj_end(w);
}

/* "paths": one path item per pattern, an operation per route and method. */
static void
pxt_oa_paths(struct pxt_oa *o)
{
	const pxt_app *app = o->app;

	pxt_jw_key(o->w, "paths");
	pxt_jw_obj_begin(o->w);
	for (int i = 0; i < app->nroutes; i++) {
		const char *pattern = app->routes[i].pattern;
		bool seen = false;

		for (int j = 0; j < i && !seen; j++)
			seen = strcmp(app->routes[j].pattern, pattern) == 0;
		if (seen)
			continue;
		pxt_jw_key(o->w, pattern);
		pxt_jw_obj_begin(o->w);
		for (int j = i; j < app->nroutes; j++) {
			if (strcmp(app->routes[j].pattern, pattern) != 0)
				continue;
			for (int m = 0; m < PXT_OA_NMETHODS; m++)
				if (app->routes[j].methods & (1u << m))
					pxt_oa_operation(o, &app->routes[j], 1u << m,
					    pxt_oa_methods[m]);
		}
		pxt_jw_obj_end(o->w);
	}
	pxt_jw_obj_end(o->w);
}

/* "info" and "tags" (one per router or service, in the order they registered). */
static void
pxt_oa_head(struct pxt_oa *o)
{
	pxt_jw *w = o->w;
	const pxt_app *app = o->app;

	pxt_oa_kstr(w, "openapi", "3.1.0");
	pxt_jw_key(w, "info");
	pxt_jw_obj_begin(w);
	pxt_oa_kstr(w, "title", "pxtc");
	pxt_oa_kstr(w, "version", PXT_VERSION);
	pxt_oa_kstr(w, "description", "The routes this pxtc server serves, generated from "
	    "its route table and catalog. Every error answers {\"detail\": Error} with "
	    "the status of its error_code.");
	pxt_jw_key(w, "x-pxt-catalog-version");
	pxt_jw_int(w, app->catalog_version);
	pxt_jw_obj_end(w);
	pxt_jw_key(w, "tags");
	pxt_jw_arr_begin(w);
	for (int i = 0; i < app->nroutes; i++) {
		bool seen = false;

		for (int j = 0; j < i && !seen; j++)
			seen = strcmp(app->routes[j].router, app->routes[i].router) == 0;
		if (seen)
			continue;
		pxt_jw_obj_begin(w);
		pxt_oa_kstr(w, "name", app->routes[i].router);
		pxt_jw_obj_end(w);
	}
	pxt_jw_arr_end(w);
}

static pxt_err
pxt_openapi_build(const pxt_app *app, pxt_pool *pool, pxt_buf *b)
{
	pxt_jw w;
	struct pxt_oa o = {&w, app, pool, app->nkeys > 0, NULL, 0};

	o.ids = pxt_pcalloc(pool, sizeof(char *) * (size_t)(app->nroutes *
	    PXT_OA_NMETHODS + 1));
	if (o.ids == NULL)
		return pxt_seterr(PXT_ENOMEM, "out of memory building the OpenAPI document");
	pxt_buf_reset(b);
	pxt_jw_init(&w, b);
	pxt_jw_obj_begin(&w);
	pxt_oa_head(&o);
	pxt_oa_paths(&o);
	pxt_oa_components(&w, o.keys);
	pxt_jw_obj_end(&w);
	if (b->failed)
		return pxt_seterr(PXT_ENOMEM, "out of memory building the OpenAPI document");
	return PXT_OK;
}

static void
pxt_openapi_cache_free(void *data)
{
	struct pxt_openapi_cache *c = data;

	pxt_buf_free(&c->doc);
}

void *
pxt_openapi_cache_new(pxt_app *app)
{
	struct pxt_openapi_cache *c = pxt_pcalloc(app->pool, sizeof(*c));

	if (c == NULL || pxt_pool_cleanup(app->pool, pxt_openapi_cache_free, c) != 0)
		return NULL;
	return c;
}

pxt_err
pxt_http_openapi(pxt_req *req, void *ud)
{
	struct pxt_openapi_cache *c = ud, once = {0};
	const pxt_app *app = req->app;
	pxt_err rc = PXT_OK;

	if (c == NULL)
		c = &once;
	if (!c->valid || c->version != app->catalog_version ||
	    c->generation != app->env->generation || c->nroutes != app->nroutes) {
		c->valid = false;
		if ((rc = pxt_openapi_build(app, req->pool, &c->doc)) != PXT_OK) {
			pxt_buf_free(&c->doc);
			return pxt_req_fail(req, rc, NULL, "%s", pxt_errmsg());
		}
		c->valid = true;
		c->version = app->catalog_version;
		c->generation = app->env->generation;
		c->nroutes = app->nroutes;
	}
	pxt_res_json(req, 200);
	pxt_buf_add(pxt_res_body(req), c->doc.data, c->doc.len);
	pxt_res_header(req, "Cache-Control", "no-cache");
	if (c == &once)
		pxt_buf_free(&once.doc);
	return pxt_res_body(req)->failed ? PXT_ENOMEM : PXT_OK;
}
