/*
 * http_int.h - the request, route and application structures (internal to libpxt).
 */
#ifndef PXT_HTTP_INT_H
#define PXT_HTTP_INT_H

#include "pxt/app.h"
#include "pxt/buf.h"

struct pxt_route {
	unsigned methods;
	char *pattern;		/* full path with {params} */
	char **segs;		/* pattern split at '/' */
	int nsegs;
	pxt_handler_fn fn;
	void *ud;
	const char *router;
};

struct pxt_router {
	pxt_app *app;
	char *name;
	char *prefix;
	void (*fini)(pxt_router *r);
	struct pxt_router *next;
};

struct pxt_app {
	pxt_env *env;
	pxt_pool *pool;		/* routes, routers, compiled statements */
	struct pxt_route *routes;
	int nroutes, caproutes;
	struct pxt_router *routers;
	size_t max_body;
	int64_t catalog_version;
	unsigned reconnects;	/* pxt_db_reconnects seen at the last sync */
	bool listening;
	unsigned long requests;
	pxt_buf spare;		/* a response buffer kept between requests */
	char **media_roots;	/* [pixeltable] media_roots */
	int nmedia_roots;
};

struct pxt_req {
	pxt_pool *pool;
	pxt_app *app;
	unsigned method;
	const char *method_name;
	const char *path;
	const char *query;
	const char *body;
	size_t body_len;
	bool body_too_large;
	pxt_param_fn param;
	void *ctx;
	const char *request_id;
	const char **pnames, **pvalues;	/* path parameters */
	int nparams;
	const pxt_kv *qs;
	size_t nqs;
	bool qs_done;
	const pxt_json *json;
	bool json_done;
	/* response */
	int status;
	const char *content_type;
	pxt_buf headers;
	pxt_buf body_out;
	pxt_jw jw;
	const char *cause;
	bool committed;
	pxt_err failed;
};

/* The generic health handler, registered by pxt_app_new. */
pxt_err pxt_http_health(pxt_req *req, void *ud);
/* Write the DESIGN.md section 5 error body for code into req's response. */
void pxt_http_error(pxt_req *req, pxt_err code, const char *message);
/* Map an error code to an HTTP status and error_code. */
int pxt_http_status(pxt_err code, const char **error_code);

#endif
