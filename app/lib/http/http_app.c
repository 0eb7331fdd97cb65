/*
 * http_app.c - the application: route table, routers' registration contexts, request
 * routing (404, 405 with Allow), the health route, and catalog change tracking.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pxt/log.h"
#include "catalog/catalog_int.h"
#include "http/http_int.h"
#include "http/openapi_int.h"
#include "media/media_out_int.h"
#include "pxt/media.h"
#include "pxt/query.h"

static void pxt_app_run_job(pxt_app *app, pxt_req *req);

pxt_app *
pxt_app_new(pxt_env *env)
{
	pxt_app *app = calloc(1, sizeof(*app));
	double mb;

	if (app == NULL || (app->pool = pxt_pool_new(0)) == NULL) {
		free(app);
		pxt_seterr(PXT_ENOMEM, "out of memory creating the application");
		return NULL;
	}
	app->env = env;
	app->run_job = pxt_app_run_job;
	mb = pxt_config_float(pxt_env_config(env), "server", "max_json_body_mb");
	app->max_body = (size_t)(mb * 1024 * 1024);
	app->catalog_version = pxt_catalog_version(env);
	app->reconnects = pxt_db_reconnects(pxt_env_db(env));
	app->media_roots = pxt_config_list(pxt_env_config(env), "pixeltable",
	    "media_roots", app->pool, &app->nmedia_roots);
	/* generated media leaves as signed /media/ URLs (none without a secret) */
	pxt_media_sign_set(pxt_media_secret(pxt_env_config(env), app->pool),
	    (long)pxt_config_int(pxt_env_config(env), "server", "media_url_ttl_s"));
	pxt_clearerr();
	pxt_router *core = pxt_app_router(app, "pxtc", NULL);
	if (core == NULL || pxt_add_route(core, PXT_GET, "/api/health",
	    pxt_http_health, NULL) != PXT_OK) {
		pxt_app_free(app);
		return NULL;
	}
	pxt_route_describe(core, PXT_ROUTE_SYSTEM, NULL);
	/* the document at pxtc's path and at FastAPI's, one cache for both */
	void *oa = pxt_openapi_cache_new(app);
	if (pxt_add_route(core, PXT_GET, "/api/openapi.json", pxt_http_openapi, oa) !=
	    PXT_OK) {
		pxt_app_free(app);
		return NULL;
	}
	pxt_route_describe(core, PXT_ROUTE_SYSTEM, NULL);
	if (pxt_add_route(core, PXT_GET, "/openapi.json", pxt_http_openapi, oa) != PXT_OK) {
		pxt_app_free(app);
		return NULL;
	}
	pxt_route_describe(core, PXT_ROUTE_SYSTEM, NULL);
	if (pxt_add_route(core, PXT_GET, "/jobs/{id}", pxt_job_status, NULL) != PXT_OK ||
	    pxt_guard_init(app) != PXT_OK) {
		pxt_app_free(app);
		return NULL;
	}
	return app;
}

void
pxt_app_free(pxt_app *app)
{
	if (app == NULL)
		return;
	for (struct pxt_router *r = app->routers; r != NULL; r = r->next)
		if (r->fini != NULL)
			r->fini(r);
	free(app->routes);
	pxt_buf_free(&app->spare);
	pxt_pool_free(app->pool);
	free(app);
}

pxt_router *
pxt_app_router(pxt_app *app, const char *name, void (*fini)(pxt_router *r))
{
	pxt_router *r = pxt_pcalloc(app->pool, sizeof(*r));

	if (r == NULL || (r->name = pxt_pstrdup(app->pool, name)) == NULL)
		return NULL;
	r->app = app;
	r->prefix = "";
	r->fini = fini;
	r->next = app->routers;
	app->routers = r;
	return r;
}

int
pxt_app_nroutes(const pxt_app *app)
{
	return app->nroutes;
}

size_t
pxt_app_max_body(const pxt_app *app)
{
	return app->max_body;
}

pxt_env *
pxt_router_env(pxt_router *r)
{
	return r->app->env;
}

void
pxt_router_prefix(pxt_router *r, const char *prefix)
{
	char *p = pxt_pstrdup(r->app->pool, prefix ? prefix : "");

	if (p != NULL) {
		size_t n = strlen(p);

		while (n > 0 && p[n - 1] == '/')
			p[--n] = '\0';
		r->prefix = p;
	}
}

/* Split "/a/{b}/c" into segments in pool; PXT_EINVAL for a malformed pattern. */
static pxt_err
pxt_route_split(pxt_pool *pool, const char *pattern, char ***segs, int *n)
{
	char *copy, *save = NULL, *tok;
	int cap = 1;

	if (pattern[0] != '/' || strstr(pattern, "//") != NULL)
		return pxt_seterr(PXT_EINVAL, "route path '%s' must start with '/' and "
		    "have no empty segment", pattern);
	for (const char *c = pattern; *c; c++)
		cap += *c == '/';
	if ((copy = pxt_pstrdup(pool, pattern)) == NULL ||
	    (*segs = pxt_pcalloc(pool, sizeof(char *) * (size_t)cap)) == NULL)
		return PXT_ENOMEM;
	*n = 0;
	for (tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		size_t len = strlen(tok);

		if (strchr(tok, '{') && (tok[0] != '{' || tok[len - 1] != '}' || len < 3 ||
		    strchr(tok + 1, '{') || strchr(tok, '}') != tok + len - 1))
			return pxt_seterr(PXT_EINVAL, "route path '%s': a parameter must be "
			    "a whole segment like {id}", pattern);
		(*segs)[(*n)++] = tok;
	}
	return PXT_OK;
}

static bool
pxt_same_shape(const struct pxt_route *a, char **segs, int n)
{
	if (a->nsegs != n)
		return false;
	for (int i = 0; i < n; i++) {
		bool pa = a->segs[i][0] == '{', pb = segs[i][0] == '{';

		if (pa != pb || (!pa && strcmp(a->segs[i], segs[i]) != 0))
			return false;
	}
	return true;
}

pxt_err
pxt_add_route(pxt_router *r, unsigned methods, const char *path, pxt_handler_fn fn,
    void *ud)
{
	pxt_app *app = r->app;
	struct pxt_route *rt;
	char *full, **segs = NULL;
	int n = 0;
	pxt_err rc;

	if (fn == NULL || methods == 0 || path == NULL)
		return pxt_seterr(PXT_EINVAL, "router '%s': a route needs methods, a path "
		    "and a handler", r->name);
	full = pxt_psprintf(app->pool, "%s%s", r->prefix, path);
	if (full == NULL)
		return PXT_ENOMEM;
	if (strcmp(full, "") == 0 && (full = pxt_pstrdup(app->pool, "/")) == NULL)
		return PXT_ENOMEM;
	if ((rc = pxt_route_split(app->pool, full, &segs, &n)) != PXT_OK)
		return pxt_seterr(rc, "router '%s': %s", r->name, pxt_errmsg());
	for (int i = 0; i < app->nroutes; i++) {
		rt = &app->routes[i];
		if ((rt->methods & methods) && pxt_same_shape(rt, segs, n))
			return pxt_seterr(PXT_EEXISTS, "duplicate route %s: registered by "
			    "router '%s' and again by router '%s'", full, rt->router,
			    r->name);
	}
	if (app->nroutes == app->caproutes) {
		int cap = app->caproutes ? app->caproutes * 2 : 32;
		struct pxt_route *grown = realloc(app->routes, sizeof(*grown) * (size_t)cap);

		if (grown == NULL)
			return pxt_seterr(PXT_ENOMEM, "out of memory adding a route");
		app->routes = grown;
		app->caproutes = cap;
	}
	rt = &app->routes[app->nroutes++];
	rt->methods = methods;
	rt->pattern = full;
	rt->segs = segs;
	rt->nsegs = n;
	rt->fn = fn;
	rt->ud = ud;
	rt->router = r->name;
	rt->kind = PXT_ROUTE_CUSTOM;
	rt->desc = NULL;
	rt->public_route = rt->background = false;
	rt->prefix = r->prefix;
	rt->source = NULL;
	rt->doc_summary = rt->doc_request = rt->doc_response = NULL;
	return PXT_OK;
}

/* A copy of schema (JSON text) in the app's pool; NULL with PXT_EINVAL if not JSON. */
static const char *
pxt_route_schema(pxt_router *r, const char *schema, const char *what)
{
	pxt_pool *tmp;
	pxt_json *j;
	bool ok;

	if (schema == NULL)
		return NULL;
	if ((tmp = pxt_pool_new(1024)) == NULL)
		return NULL;
	ok = pxt_json_parse(tmp, schema, strlen(schema), 64, &j) == PXT_OK &&
	    j->type == PXT_JSON_OBJECT;
	pxt_pool_free(tmp);
	if (!ok) {
		pxt_seterr(PXT_EINVAL, "router '%s': the %s schema is not a JSON object",
		    r->name, what);
		return NULL;
	}
	return pxt_pstrdup(r->app->pool, schema);
}

pxt_err
pxt_route_doc(pxt_router *r, unsigned method, const char *path, const char *summary,
    const char *request_schema, const char *response_schema)
{
	char *full = path ? pxt_psprintf(r->app->pool, "%s%s", r->prefix, path) : NULL;
	struct pxt_route *rt = NULL;
	const char *req, *res;

	for (int i = 0; full != NULL && i < r->app->nroutes && rt == NULL; i++)
		if ((r->app->routes[i].methods & method) && r->app->routes[i].router ==
		    r->name && strcmp(r->app->routes[i].pattern, full) == 0)
			rt = &r->app->routes[i];
	if (rt == NULL)
		return pxt_seterr(PXT_ENOTFOUND, "router '%s': no route %s to document",
		    r->name, full ? full : "(null)");
	req = pxt_route_schema(r, request_schema, "request");
	if (request_schema != NULL && req == NULL)
		return pxt_errcode();
	res = pxt_route_schema(r, response_schema, "response");
	if (response_schema != NULL && res == NULL)
		return pxt_errcode();
	rt->doc_summary = summary ? pxt_pstrdup(r->app->pool, summary) : NULL;
	rt->doc_request = req;
	rt->doc_response = res;
	return PXT_OK;
}

void
pxt_route_describe(pxt_router *r, enum pxt_route_kind kind, const void *desc)
{
	if (r->app->nroutes > 0) {
		r->app->routes[r->app->nroutes - 1].kind = kind;
		r->app->routes[r->app->nroutes - 1].desc = desc;
	}
}

/* Match req's path against rt; on success fill the path parameters. */
static bool
pxt_route_match(pxt_req *req, const struct pxt_route *rt, char **parts, int nparts)
{
	int np = 0;

	if (rt->nsegs != nparts)
		return false;
	for (int i = 0; i < nparts; i++) {
		if (rt->segs[i][0] == '{')
			np++;
		else if (strcmp(rt->segs[i], parts[i]) != 0)
			return false;
	}
	req->nparams = 0;
	req->pnames = pxt_palloc(req->pool, sizeof(char *) * (size_t)(np + 1));
	req->pvalues = pxt_palloc(req->pool, sizeof(char *) * (size_t)(np + 1));
	if (req->pnames == NULL || req->pvalues == NULL)
		return false;
	for (int i = 0; i < nparts; i++) {
		size_t len = strlen(rt->segs[i]);

		if (rt->segs[i][0] != '{')
			continue;
		req->pnames[req->nparams] = pxt_pstrndup(req->pool, rt->segs[i] + 1,
		    len - 2);
		req->pvalues[req->nparams++] = parts[i];
	}
	return true;
}

/* Decode and split the request path; PXT_EBADREQUEST when malformed. */
static pxt_err
pxt_req_split(pxt_req *req, char ***parts, int *n)
{
	char *copy, *save = NULL, *tok;
	int cap = 1;

	if (strlen(req->path) > PXT_MAX_PATH)
		return pxt_req_fail(req, PXT_EBADREQUEST, NULL, "the path is longer than "
		    "%d bytes", PXT_MAX_PATH);
	for (const char *c = req->path; *c; c++)
		cap += *c == '/';
	copy = pxt_pstrdup(req->pool, req->path);
	*parts = pxt_pcalloc(req->pool, sizeof(char *) * (size_t)cap);
	if (copy == NULL || *parts == NULL)
		return PXT_ENOMEM;
	*n = 0;
	for (tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		char *dec;

		/* segments are matched decoded; an encoded '/' stays inside its segment */
		if (pxt_url_decode(req->pool, tok, strlen(tok), false, &dec) != PXT_OK)
			return pxt_req_fail(req, PXT_EBADREQUEST, NULL, "malformed path: %s",
			    pxt_errmsg());
		(*parts)[(*n)++] = dec;
	}
	return PXT_OK;
}

static void
pxt_method_list(unsigned methods, char *out, size_t outlen)
{
	static const char *const names[] = {"GET", "POST", "PUT", "DELETE", "PATCH",
	    "HEAD", "OPTIONS"};
	size_t n = 0;

	out[0] = '\0';
	for (int i = 0; i < 7; i++)
		if (methods & (1u << i))
			n += (size_t)snprintf(out + n, outlen - n, "%s%s", n ? ", " : "",
			    names[i]);
}

/*
 * The route of req's method and path (*found, NULL when none) and the methods of the
 * other routes of that path (*allowed). Fails only for a malformed path.
 */
static pxt_err
pxt_route_lookup(pxt_app *app, pxt_req *req, const struct pxt_route **found,
    unsigned *allowed)
{
	char **parts = NULL;
	int nparts = 0;
	pxt_err rc;

	*found = NULL;
	*allowed = 0;
	if ((rc = pxt_req_split(req, &parts, &nparts)) != PXT_OK)
		return rc;
	for (int i = 0; i < app->nroutes; i++) {
		const struct pxt_route *rt = &app->routes[i];

		if (!pxt_route_match(req, rt, parts, nparts))
			continue;
		if (rt->methods & req->method) {
			*found = rt;
			return PXT_OK;
		}
		*allowed |= rt->methods;
	}
	return PXT_OK;
}

static pxt_err
pxt_app_route(pxt_app *app, pxt_req *req)
{
	const struct pxt_route *rt;
	unsigned allowed;
	char allow[64];
	bool preflight;
	pxt_err rc;

	if ((rc = pxt_route_lookup(app, req, &rt, &allowed)) != PXT_OK)
		return rc;
	if (rt != NULL) {
		if (req->in_job)
			return rt->fn(req, rt->ud);
		if ((rc = pxt_guard_auth(req, rt)) != PXT_OK)
			return rc;
		return rt->background ? pxt_job_enqueue(req, rt) : rt->fn(req, rt->ud);
	}
	if (allowed == 0)
		return pxt_req_fail(req, PXT_ENOTFOUND, NULL, "no route for %s %s",
		    req->method_name, req->path);
	pxt_method_list(allowed, allow, sizeof(allow));
	if ((rc = pxt_guard_preflight(req, allow, &preflight)) != PXT_OK || preflight)
		return rc;
	pxt_res_header(req, "Allow", allow);
	return pxt_req_fail(req, PXT_EMETHOD, NULL, "%s is not allowed on %s (allowed: "
	    "%s)", req->method_name, req->path, allow);
}

void
pxt_app_handle(pxt_app *app, pxt_req *req)
{
	pxt_err rc;

	app->requests++;
	pxt_clearerr();
	pxt_guard_cors_headers(req);
	/* media in the answer: absolute signed URLs on the host the client used */
	pxt_media_base_set(pxt_req_base_url(req));
	rc = pxt_app_sync(app);
	if (rc == PXT_OK)
		rc = pxt_app_route(app, req);
	/* a handler that failed must not leave its transaction open */
	if (pxt_db_in_tx(pxt_env_db(app->env)))
		pxt_db_rollback(pxt_env_db(app->env));
	if (rc != PXT_OK)
		pxt_http_error(req, rc, *pxt_errmsg() ? pxt_errmsg() : pxt_strerror(rc));
	pxt_media_base_set(NULL);
}

pxt_err
pxt_app_admit_upload(pxt_app *app, pxt_req *req)
{
	const struct pxt_route *rt;
	unsigned allowed;
	pxt_err rc;

	/* no route: the dispatcher answers 404 or 405 without the body */
	if ((rc = pxt_route_lookup(app, req, &rt, &allowed)) != PXT_OK || rt == NULL)
		return rc;
	if ((rc = pxt_guard_auth(req, rt)) != PXT_OK)
		return rc;
	if (rt->kind != PXT_ROUTE_INSERT && rt->kind != PXT_ROUTE_UPDATE &&
	    rt->kind != PXT_ROUTE_DELETE && rt->kind != PXT_ROUTE_COMPUTE)
		return pxt_req_fail(req, PXT_EMEDIATYPE, "Content-Type", "%s %s takes no "
		    "multipart/form-data", req->method_name, rt->pattern);
	return PXT_OK;
}

/*
 * The app's side of the jobs runner (app->run_job): route and run req inside the
 * runner's transaction; a failure's error body is written into req.
 */
static void
pxt_app_run_job(pxt_app *app, pxt_req *req)
{
	pxt_err rc;

	pxt_clearerr();
	/* the host the job was asked on, when known: media URLs absolute as in sync */
	if (pxt_req_header(req, "X-Forwarded-Host") != NULL)
		pxt_media_base_set(pxt_req_base_url(req));
	if ((rc = pxt_app_route(app, req)) != PXT_OK)
		pxt_http_error(req, rc, *pxt_errmsg() ? pxt_errmsg() : pxt_strerror(rc));
	pxt_media_base_set(NULL);
}

void
pxt_app_reject(pxt_req *req, pxt_err code, const char *message)
{
	pxt_http_error(req, code, message);
}

pxt_err
pxt_http_health(pxt_req *req, void *ud)
{
	pxt_db *db = pxt_env_db(pxt_req_env(req));
	bool up;
	pxt_jw *w;

	(void)ud;
	up = pxt_db_exec(db, "SELECT 1", 0, NULL, NULL) == PXT_OK;
	w = pxt_res_json(req, up ? 200 : 503);
	pxt_jw_obj_begin(w);
	pxt_jw_key(w, "status");
	pxt_jw_cstr(w, up ? "ok" : "degraded");
	pxt_jw_key(w, "database");
	pxt_jw_cstr(w, up ? "ok" : "down");
	pxt_jw_key(w, "worker");
	pxt_jw_obj_begin(w);
	pxt_jw_key(w, "pid");
	pxt_jw_int(w, (int64_t)getpid());
	pxt_jw_key(w, "requests");
	pxt_jw_int(w, (int64_t)req->app->requests);
	pxt_jw_key(w, "catalog_version");
	pxt_jw_int(w, req->app->catalog_version);
	pxt_jw_obj_end(w);
	pxt_jw_obj_end(w);
	if (!up)
		pxt_res_header(req, "Retry-After", "1");
	return PXT_OK;
}

void
pxt_app_write_routes(const pxt_app *app, FILE *out)
{
	static const char *const kinds[] = {"handler", "insert", "update", "delete",
	    "query", "system", "compute"};

	for (int i = 0; i < app->nroutes; i++) {
		const struct pxt_route *rt = &app->routes[i];
		const struct pxt_table_route *tr = rt->desc;
		const struct pxt_query_route *qr = rt->desc;
		const char *what = "";
		char methods[32];

		pxt_method_list(rt->methods, methods, sizeof(methods));
		if (rt->desc != NULL && rt->kind == PXT_ROUTE_QUERY)
			what = pxt_query_name(qr->q);
		else if (rt->desc != NULL && rt->kind != PXT_ROUTE_SYSTEM)
			what = pxt_table_path(tr->out);
		fprintf(out, "%-9s %-40s %-7s %-28s %s%s\n", methods, rt->pattern,
		    kinds[rt->kind], what, rt->source ? rt->source : rt->router,
		    rt->public_route ? " (public)" : "");
	}
}
