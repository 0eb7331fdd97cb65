/*
 * http_req.c - the request object: accessors, lazy query-string and JSON parsing,
 * responses, and pxtc's JSON error body (docs/ARCHITECTURE.md, "HTTP errors").
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "pxt/log.h"
#include "http/http_int.h"
#include "http/multipart_int.h"

static const struct {
	const char *name;
	unsigned bit;
} pxt_methods[] = {
	{"GET", PXT_GET}, {"POST", PXT_POST}, {"PUT", PXT_PUT}, {"DELETE", PXT_DELETE},
	{"PATCH", PXT_PATCH}, {"HEAD", PXT_HEAD}, {"OPTIONS", PXT_OPTIONS},
};

pxt_req *
pxt_req_new(pxt_app *app, pxt_pool *pool, const char *method, const char *path,
    const char *query, const char *body, size_t len, bool body_too_large,
    pxt_param_fn param, void *ctx)
{
	pxt_req *req = pxt_pcalloc(pool, sizeof(*req));

	if (req == NULL)
		return NULL;
	req->pool = pool;
	req->app = app;
	req->method_name = method ? method : "";
	for (size_t i = 0; i < sizeof(pxt_methods) / sizeof(*pxt_methods); i++)
		if (strcmp(req->method_name, pxt_methods[i].name) == 0)
			req->method = pxt_methods[i].bit;
	req->path = path ? path : "/";
	req->query = query ? query : "";
	req->body = body ? body : "";
	req->body_len = body ? len : 0;
	req->body_too_large = body_too_large;
	req->param = param;
	req->ctx = ctx;
	req->request_id = param ? param(ctx, "REQUEST_ID") : NULL;
	req->status = 200;
	req->content_type = "application/json";
	/* reuse the last response's memory instead of growing a buffer from nothing */
	req->body_out = app->spare;
	memset(&app->spare, 0, sizeof(app->spare));
	pxt_buf_reset(&req->body_out);
	pxt_jw_init(&req->jw, &req->body_out);
	return req;
}

void
pxt_req_free(pxt_req *req)
{
	if (req == NULL)
		return;
	pxt_buf_free(&req->headers);
	/* keep a buffer of up to 1 MiB for the next request; free larger ones */
	if (req->body_out.cap <= 1024 * 1024 && req->app->spare.data == NULL) {
		req->app->spare = req->body_out;
		memset(&req->body_out, 0, sizeof(req->body_out));
	}
	pxt_buf_free(&req->body_out);
}

pxt_pool *
pxt_req_pool(pxt_req *req)
{
	return req->pool;
}

pxt_env *
pxt_req_env(pxt_req *req)
{
	return req->app->env;
}

unsigned
pxt_req_method(const pxt_req *req)
{
	return req->method;
}

const char *
pxt_req_method_name(const pxt_req *req)
{
	return req->method_name;
}

const char *
pxt_req_path(const pxt_req *req)
{
	return req->path;
}

const char *
pxt_req_id(const pxt_req *req)
{
	return req->request_id;
}

const char *
pxt_req_header(pxt_req *req, const char *name)
{
	char key[128];
	size_t n = 0;

	if (req->param == NULL)
		return NULL;
	if (strcasecmp(name, "Content-Type") == 0)
		return req->param(req->ctx, "CONTENT_TYPE");
	n = (size_t)snprintf(key, sizeof(key), "HTTP_");
	for (const char *c = name; *c && n + 1 < sizeof(key); c++)
		key[n++] = *c == '-' ? '_' : (char)toupper((unsigned char)*c);
	key[n] = '\0';
	return req->param(req->ctx, key);
}

const char *
pxt_req_param(const pxt_req *req, const char *name)
{
	for (int i = 0; i < req->nparams; i++)
		if (strcmp(req->pnames[i], name) == 0)
			return req->pvalues[i];
	return NULL;
}

pxt_err
pxt_req_query(pxt_req *req, const pxt_kv **kv, size_t *n)
{
	pxt_kv *parsed;
	pxt_err rc;

	if (!req->qs_done) {
		if (strlen(req->query) > PXT_MAX_QUERY)
			return pxt_req_fail(req, PXT_EBADREQUEST, NULL, "the query string "
			    "is longer than %d bytes", PXT_MAX_QUERY);
		rc = pxt_qs_parse(req->pool, req->query, PXT_MAX_QUERY_PAIRS, &parsed,
		    &req->nqs);
		if (rc != PXT_OK)
			return pxt_req_fail(req, rc, NULL, "%s", pxt_errmsg());
		req->qs = parsed;
		req->qs_done = true;
	}
	*kv = req->qs;
	*n = req->nqs;
	return PXT_OK;
}

bool
pxt_is_json_type(const char *ct)
{
	size_t n = strlen("application/json");

	if (ct == NULL)
		return false;
	while (*ct == ' ')
		ct++;
	return strncasecmp(ct, "application/json", n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

pxt_err
pxt_req_json(pxt_req *req, const pxt_json **out)
{
	const char *ct = pxt_req_header(req, "Content-Type");
	pxt_json *root;
	pxt_err rc;

	if (!req->json_done) {
		if (req->body_too_large)
			return pxt_req_fail(req, PXT_ETOOLARGE, NULL, "the request body is "
			    "larger than [server] max_json_body_mb (%zu bytes)",
			    req->app->max_body);
		if (req->upload != NULL)
			return pxt_req_fail(req, PXT_EMEDIATYPE, ct, "this route takes "
			    "application/json, not a multipart upload");
		if (!pxt_is_json_type(ct))
			return pxt_req_fail(req, PXT_EMEDIATYPE, ct, "this route takes "
			    "application/json, not %s", ct && *ct ? ct : "a body without "
			    "Content-Type");
		rc = pxt_json_parse(req->pool, req->body, req->body_len,
		    PXT_JSON_MAX_DEPTH, &root);
		if (rc != PXT_OK)
			return pxt_req_fail(req, rc, NULL, "%s", pxt_errmsg());
		req->json = root;
		req->json_done = true;
	}
	*out = req->json;
	return PXT_OK;
}

pxt_err
pxt_req_fail(pxt_req *req, pxt_err code, const char *cause, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pxt_vseterr(code, fmt, ap);
	va_end(ap);
	req->cause = cause ? pxt_pstrdup(req->pool, cause) : NULL;
	return code;
}

void
pxt_req_committed(pxt_req *req)
{
	req->committed = true;
}

pxt_jw *
pxt_res_json(pxt_req *req, int status)
{
	req->status = status;
	req->content_type = "application/json";
	pxt_buf_reset(&req->body_out);
	pxt_jw_init(&req->jw, &req->body_out);
	return &req->jw;
}

void
pxt_res_status(pxt_req *req, int status, const char *content_type)
{
	req->status = status;
	req->content_type = pxt_pstrdup(req->pool, content_type);
}

void
pxt_res_header(pxt_req *req, const char *name, const char *value)
{
	/* header injection: a value never carries a line break */
	if (strpbrk(name, "\r\n:") != NULL || strpbrk(value, "\r\n") != NULL)
		return;
	pxt_buf_addf(&req->headers, "%s: %s\r\n", name, value);
}

pxt_buf *
pxt_res_body(pxt_req *req)
{
	return &req->body_out;
}

int
pxt_res_get_status(const pxt_req *req)
{
	return req->status;
}

const char *
pxt_res_get_content_type(const pxt_req *req)
{
	/* a response without a body (204) still names a type: nginx passes it on */
	return req->content_type ? req->content_type : "text/plain";
}

const char *
pxt_res_get_headers(const pxt_req *req)
{
	return pxt_buf_str(&req->headers);
}

const char *
pxt_res_get_body(const pxt_req *req, size_t *len)
{
	*len = req->body_out.len;
	return pxt_buf_str(&req->body_out);
}

int
pxt_http_status(pxt_err code, const char **error_code)
{
	static const struct {
		pxt_err code;
		int status;
		const char *name;
	} map[] = {
		{PXT_EBADREQUEST, 400, "bad_request"},
		{PXT_EUNAUTH, 401, "unauthorized"},
		{PXT_EPERM, 403, "forbidden"},
		{PXT_ENOTFOUND, 404, "not_found"},
		{PXT_EMETHOD, 405, "method_not_allowed"},
		{PXT_ECONFLICT, 409, "conflict"},
		{PXT_EEXISTS, 409, "conflict"},
		{PXT_ETOOLARGE, 413, "payload_too_large"},
		{PXT_EMEDIATYPE, 415, "unsupported_media_type"},
		{PXT_EINVAL, 422, "validation_error"},
		{PXT_ERATELIMIT, 429, "rate_limited"},
		{PXT_EUPSTREAM, 502, "upstream_error"},
		{PXT_EUNAVAIL, 503, "unavailable"},
		{PXT_ETIMEOUT, 504, "timeout"},
		{PXT_ESTORAGE, 507, "insufficient_storage"},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(*map); i++) {
		if (map[i].code == code) {
			*error_code = map[i].name;
			return map[i].status;
		}
	}
	*error_code = "internal_error";
	return 500;
}

/*
 * Whether a conflict is one a retry can get past: PostgreSQL's serialization failure,
 * deadlock or lock not available (the database layer's message names the SQLSTATE).
 * A duplicate key, several rows where one was expected or a catalog conflict stay
 * what they are on a retry.
 */
static bool
pxt_conflict_transient(const char *message)
{
	static const char *const states[] = {"(SQLSTATE 40001)", "(SQLSTATE 40P01)",
	    "(SQLSTATE 55P03)"};

	for (size_t i = 0; message != NULL && i < sizeof(states) / sizeof(*states); i++)
		if (strstr(message, states[i]) != NULL)
			return true;
	return false;
}

void
pxt_http_error(pxt_req *req, pxt_err code, const char *message)
{
	const char *error_code;
	int status = pxt_http_status(code, &error_code);
	bool transient = status == 429 || status == 502 || status == 503 ||
	    status == 504 || (code == PXT_ECONFLICT && pxt_conflict_transient(message));
	int retry_after = status == 503 ? 1 : status == 429 ? 5 : 0;
	pxt_jw *w;

	if (status >= 500)
		pxt_log(PXT_LOG_ERROR, "%s %s: %d %s: %s", req->method_name, req->path,
		    status, pxt_err_name(code), message);
	w = pxt_res_json(req, status);
	pxt_jw_obj_begin(w);
	pxt_jw_key(w, "detail");
	pxt_jw_obj_begin(w);
	pxt_jw_key(w, "error_code");
	pxt_jw_cstr(w, error_code);
	pxt_jw_key(w, "message");
	/* a bug's details stay in the log, with the request id */
	pxt_jw_cstr(w, status == 500 && !req->fail_public ? "internal error: see the "
	    "server log" : message);
	pxt_jw_key(w, "retryable");
	pxt_jw_bool(w, transient && !req->committed && !req->final);
	pxt_jw_key(w, "cause");
	pxt_jw_cstr(w, req->cause);
	pxt_jw_key(w, "retry_after");
	if (retry_after > 0) {
		char ra[16];

		pxt_jw_int(w, retry_after);
		snprintf(ra, sizeof(ra), "%d", retry_after);
		pxt_res_header(req, "Retry-After", ra);
	} else {
		pxt_jw_null(w);
	}
	pxt_jw_obj_end(w);
	pxt_jw_obj_end(w);
}

pxt_err
pxt_req_read_upload(pxt_req *req, const char *content_length,
    long (*rd)(void *ctx, char *buf, size_t cap), void *ctx)
{
	const pxt_config *cfg = pxt_env_config(req->app->env);
	pxt_mp_limits lim = {0, req->app->max_body, 0, 0};
	char *dir = pxt_psprintf(req->pool, "%s/tmp", pxt_config_home(cfg));
	pxt_err rc;

	lim.max_total = (size_t)(pxt_config_float(cfg, "server", "max_upload_mb") *
	    1024 * 1024);
	if (content_length != NULL && strtoull(content_length, NULL, 10) > lim.max_total)
		return pxt_seterr(PXT_ETOOLARGE, "the upload is larger than [server] "
		    "max_upload_mb (%zu bytes)", lim.max_total);
	if (dir == NULL)
		return PXT_ENOMEM;
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		return pxt_seterr(PXT_EIO, "cannot create %s for uploads: %s", dir,
		    strerror(errno));
	rc = pxt_upload_to_dir(req->pool, dir, pxt_req_header(req, "Content-Type"), &lim,
	    rd, ctx, &req->upload);
	if (rc != PXT_OK)
		req->upload = NULL;
	return rc;
}
