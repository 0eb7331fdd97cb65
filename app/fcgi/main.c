/*
 * main.c - pxtc-worker, the FastCGI worker: configuration, database, catalog, router
 * modules, then FCGX_Accept_r forever on the socket spawn-fcgi passes as fd 0. One
 * process is one worker; many run side by side on one socket. SIGTERM (or SIGINT, or
 * SIGUSR1 from multiwatch) finishes the request in hand, then exits.
 *
 *   pxtc-worker           serve (started by spawn-fcgi)
 *   pxtc-worker --check   load everything, print the number of routes, exit 0 (or 1)
 *   pxtc-worker --routes  the same, printing the route table first
 *   pxtc-worker --jobs    the jobs runner: run the background jobs routes queue
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "pxt/compute.h"
#include "pxt/log.h"
#include "pxt/app.h"
#include "pxt/pxt.h"

static volatile sig_atomic_t pxt_stop;

static void
pxt_on_term(int sig)
{
	(void)sig;
	pxt_stop = 1;
	FCGX_ShutdownPending();
}

static const char *
pxt_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 507: return "Insufficient Storage";
	default: return "";
	}
}

static const char *
pxt_fcgi_param(void *ctx, const char *name)
{
	const char *v = FCGX_GetParam(name, ((FCGX_Request *)ctx)->envp);

	return v != NULL && strlen(v) <= PXT_MAX_HEADER ? v : NULL;
}

/* The name of the first parameter (header) over PXT_MAX_HEADER bytes, or NULL. */
static const char *
pxt_oversized(FCGX_Request *r)
{
	for (char **e = r->envp; e != NULL && *e != NULL; e++) {
		const char *eq = strchr(*e, '=');

		if (eq != NULL && strlen(eq + 1) > PXT_MAX_HEADER)
			return *e;
	}
	return NULL;
}

/* Read the body into *buf (grown as needed); false when it exceeds max. */
static bool
pxt_read_body(FCGX_Request *r, char **buf, size_t *cap, size_t max, size_t *len)
{
	const char *cl = FCGX_GetParam("CONTENT_LENGTH", r->envp);
	size_t want = cl ? strtoull(cl, NULL, 10) : 0;
	int got;

	*len = 0;
	if (want > max)
		return false;
	if (want + 1 > *cap) {
		char *grown = realloc(*buf, want + 1);

		if (grown == NULL)
			return false;
		*buf = grown;
		*cap = want + 1;
	}
	while (*len < want && (got = FCGX_GetStr(*buf + *len, (int)(want - *len),
	    r->in)) > 0)
		*len += (size_t)got;
	(*buf)[*len] = '\0';
	return true;
}

/* Read up to cap bytes of the request body (the upload sink's reader). */
static long
pxt_fcgi_read(void *ctx, char *buf, size_t cap)
{
	int n = FCGX_GetStr(buf, cap > INT_MAX ? INT_MAX : (int)cap,
	    ((FCGX_Request *)ctx)->in);

	return n < 0 ? -1 : n;
}

/* Whether the request carries multipart/form-data (an upload). */
static bool
pxt_is_multipart(const char *ct)
{
	static const char mp[] = "multipart/form-data";

	while (ct != NULL && *ct == ' ')
		ct++;
	return ct != NULL && strncasecmp(ct, mp, sizeof(mp) - 1) == 0;
}

static void
pxt_serve_one(pxt_app *app, FCGX_Request *r, pxt_pool *pool, char **body,
    size_t *cap)
{
	bool upload = pxt_is_multipart(FCGX_GetParam("CONTENT_TYPE", r->envp));
	pxt_err uprc = PXT_OK;
	const char *uri = FCGX_GetParam("REQUEST_URI", r->envp);
	const char *method = FCGX_GetParam("REQUEST_METHOD", r->envp);
	const char *qs = FCGX_GetParam("QUERY_STRING", r->envp);
	const char *out, *path, *big;
	char *head;
	size_t len = 0, outlen;
	bool fits;
	pxt_req *req;

	pxt_log_set_request_id(FCGX_GetParam("REQUEST_ID", r->envp));
	if (uri == NULL)
		uri = FCGX_GetParam("DOCUMENT_URI", r->envp);
	path = uri ? uri : "/";
	if (strchr(path, '?') != NULL)
		path = pxt_pstrndup(pool, path, (size_t)(strchr(path, '?') - path));
	/* an upload streams to files (pxt_req_read_upload), anything else to memory */
	fits = upload || pxt_read_body(r, body, cap, pxt_app_max_body(app), &len);
	req = pxt_req_new(app, pool, method, path, qs, fits && !upload ? *body : NULL,
	    len, !fits, pxt_fcgi_param, r);
	if (req == NULL) {
		FCGX_FPrintF(r->out, "Status: 500\r\nContent-Type: application/json\r\n\r\n"
		    "{\"detail\": {\"error_code\": \"internal_error\", \"message\": \"out "
		    "of memory\", \"retryable\": true, \"cause\": null, \"retry_after\": "
		    "null}}");
		return;
	}
	/* the route and the key are checked before a byte of an upload is read */
	if (upload && (uprc = pxt_app_admit_upload(app, req)) == PXT_OK)
		uprc = pxt_req_read_upload(req, FCGX_GetParam("CONTENT_LENGTH", r->envp),
		    pxt_fcgi_read, r);
	if ((big = pxt_oversized(r)) != NULL)
		pxt_app_reject(req, PXT_EBADREQUEST, pxt_psprintf(pool, "request header "
		    "%.40s is longer than %d bytes", big, PXT_MAX_HEADER));
	else if (uprc != PXT_OK)
		pxt_app_reject(req, uprc, pxt_errmsg());
	else
		pxt_app_handle(app, req);
	out = pxt_res_get_body(req, &outlen);
	/* libfcgi's own printf lacks %zu: format the head with snprintf */
	head = pxt_psprintf(pool, "Status: %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\n%s\r\n", pxt_res_get_status(req),
	    pxt_reason(pxt_res_get_status(req)), pxt_res_get_content_type(req), outlen,
	    pxt_res_get_headers(req));
	if (head != NULL)
		FCGX_PutStr(head, (int)strlen(head), r->out);
	FCGX_PutStr(out, (int)outlen, r->out);
	pxt_req_free(req);
	pxt_log_set_request_id(NULL);
}

static int
pxt_serve(pxt_app *app)
{
	FCGX_Request r;
	pxt_pool *pool = pxt_pool_new(0);
	size_t cap = 0;
	char *body = NULL;

	if (pool == NULL || FCGX_Init() != 0 || FCGX_InitRequest(&r, 0, 0) != 0) {
		pxt_log(PXT_LOG_ERROR, "cannot initialize FastCGI");
		return 1;
	}
	while (!pxt_stop && FCGX_Accept_r(&r) >= 0) {
		pxt_serve_one(app, &r, pool, &body, &cap);
		FCGX_Finish_r(&r);
		pxt_pool_reset(pool);
		/* a large body's buffer is not kept between requests */
		if (cap > 1024 * 1024) {
			free(body);
			body = NULL;
			cap = 0;
		}
	}
	free(body);
	pxt_pool_free(pool);
	pxt_log(PXT_LOG_INFO, "worker exiting");
	return 0;
}

/* A statement past [server] request_timeout_s is cancelled by PostgreSQL: a 504. */
static pxt_err
pxt_statement_timeout(pxt_env *env)
{
	char ms[32];

	snprintf(ms, sizeof(ms), "%lld", (long long)pxt_config_int(pxt_env_config(env),
	    "server", "request_timeout_s") * 1000);
	return pxt_db_session(pxt_env_db(env), "statement_timeout", ms);
}

/*
 * A UDF ran past [server] udf_timeout_s. Nothing in the process can be trusted to
 * unwind it, so the worker ends here: its database connection closes (the request's
 * transaction is rolled back), nginx answers that request with an error, and the
 * supervisor starts a fresh worker.
 */
static void
pxt_on_alarm(int sig)
{
	static const char msg[] = "pxtc-worker: a UDF call exceeded [server] "
	    "udf_timeout_s; ending this worker (the request is rolled back)\n";

	(void)sig;
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(3);
}

/* The service file of [server] service_file, when one is set. */
static pxt_err
pxt_load_service(pxt_app *app, pxt_env *env)
{
	const char *path = pxt_config_str(pxt_env_config(env), "server", "service_file");

	if (path == NULL || *path == '\0')
		return PXT_OK;
	return pxt_app_load_service(app, path);
}

static void
pxt_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = pxt_on_term;	/* no SA_RESTART: accept() returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* multiwatch turns a SIGTERM it receives into SIGUSR1 for its children */
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sa.sa_handler = pxt_on_alarm;
	sigaction(SIGALRM, &sa, NULL);
}

int
main(int argc, char **argv)
{
	bool routes = argc > 1 && strcmp(argv[1], "--routes") == 0;
	bool jobs = argc > 1 && strcmp(argv[1], "--jobs") == 0;
	bool check = routes || (argc > 1 && strcmp(argv[1], "--check") == 0);
	pxt_app *app = NULL;
	pxt_env *env;
	int code;

	if (argc > 1 && !check && !jobs) {
		fprintf(stderr, "usage: pxtc-worker [--check | --routes | --jobs]\n");
		return 2;
	}
	pxt_signals();
	if ((env = pxt_open(NULL)) == NULL ||
	    pxt_statement_timeout(env) != PXT_OK ||
	    (app = pxt_app_new(env)) == NULL ||
	    pxt_load_routers(app, pxt_env_config(env)) != PXT_OK ||
	    pxt_load_service(app, env) != PXT_OK ||
	    pxt_catalog_check(env) != PXT_OK) {
		pxt_log(PXT_LOG_ERROR, "pxtc-worker cannot start: %s", pxt_errmsg());
		pxt_app_free(app);
		pxt_close(env);
		pxt_unload_routers();
		return 1;
	}
	/* a UDF call past its limit ends this process (pxt_on_alarm) */
	pxt_udf_set_timeout((unsigned)pxt_config_int(pxt_env_config(env), "server",
	    "udf_timeout_s"));
	if (check) {
		if (routes)
			pxt_app_write_routes(app, stdout);
		printf("ok: %d routes\n", pxt_app_nroutes(app));
		code = 0;
	} else if (jobs) {
		code = pxt_jobs_serve(app, &pxt_stop) == PXT_OK ? 0 : 1;
	} else {
		pxt_log(PXT_LOG_INFO, "worker ready: %d routes", pxt_app_nroutes(app));
		code = pxt_serve(app);
	}
	pxt_app_free(app);
	pxt_close(env);
	pxt_unload_routers();
	return code;
}
