/*
 * pxt/app.h - the application object the dispatcher drives: the route table, request
 * objects and the one function that answers a request. Routers never use this header;
 * it exists so the FastCGI loop (app/fcgi) and in-process tests share one code path.
 */
#ifndef PXT_APP_H
#define PXT_APP_H

#include "pxt/api.h"

#include <stddef.h>

#include <signal.h>
#include <stdio.h>

#include "pxt/http.h"
#include "pxt/router.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pxt_app pxt_app;

/*
 * pxt_app_new creates an application over env (not owned) with the built-in routes
 * (GET /api/health). NULL when out of memory.
 */
PXT_API pxt_app *pxt_app_new(pxt_env *env);

/* pxt_app_free runs every router's fini and frees the application. */
PXT_API void pxt_app_free(pxt_app *app);

/*
 * pxt_app_router returns a registration context for the router named name (copied);
 * owned by app. fini (may be NULL) runs at pxt_app_free.
 */
PXT_API pxt_router *pxt_app_router(pxt_app *app, const char *name,
    void (*fini)(pxt_router *r));

/*
 * pxt_load_routers loads the router modules the configuration names ([server] routers,
 * names relative to routers_dir or absolute paths, else every .so in [server]
 * routers_dir, in name order), checks each against the router ABI (pxt/router.h) and
 * runs its init. A routers_dir that is set and missing is an error; the built-in
 * default missing means no modules. Any failure names the file and is returned (the
 * caller stops start-up); PXT_ECONFIG for a module that is refused.
 */
PXT_API pxt_err pxt_load_routers(pxt_app *app, const pxt_config *cfg);

/*
 * pxt_unload_routers closes the router modules; call it after pxt_app_free ran their
 * fini and after the last use of anything they registered.
 */
PXT_API void pxt_unload_routers(void);

/* pxt_app_nroutes returns the number of registered routes. */
PXT_API int pxt_app_nroutes(const pxt_app *app);

/*
 * pxt_app_load_service adds the routes of the TOML service file at path ([[service]]
 * with [[service.routes]], Pixeltable's keys) to the route table, after the router
 * modules (its query routes name queries they made). Any mistake (an unknown key, table
 * or column, a computed column as input, a duplicate path, a clash with a C router's
 * route) is PXT_ECONFIG with "FILE:LINE:COL: what" in pxt_errmsg().
 */
PXT_API pxt_err pxt_app_load_service(pxt_app *app, const char *path);

/*
 * pxt_app_write_routes prints the route table to out, one line a route: methods, path,
 * what it does (insert into a table, a named query, a handler), and where it was
 * declared (the router, or the service file and line).
 */
PXT_API void pxt_app_write_routes(const pxt_app *app, FILE *out);

/*
 * pxt_jobs_serve is the jobs runner's loop (pxtc-worker --jobs): LISTEN pxt_jobs,
 * claim queued jobs one at a time and run their routes, remove finished jobs older
 * than [jobs] ttl_s, until *stop is set (by a signal handler). Returns PXT_OK then.
 */
PXT_API pxt_err pxt_jobs_serve(pxt_app *app, volatile sig_atomic_t *stop);

/*
 * pxt_app_sync checks, without a query, whether the catalog changed (LISTEN/NOTIFY) or
 * the connection was re-established, and reloads the table handles before the next
 * request. Returns PXT_OK, or the reload's error.
 */
PXT_API pxt_err pxt_app_sync(pxt_app *app);

/* Where a request's data comes from: the FastCGI parameters, or a test's table. */
typedef const char *(*pxt_param_fn)(void *ctx, const char *name);

/*
 * pxt_req_new makes a request in pool (which the caller resets after the response):
 * method, path (without the query string), query (may be NULL), the body (len bytes,
 * not copied: it must live as long as the request) and a function looking up
 * FastCGI-style parameters ("CONTENT_TYPE", "HTTP_IDEMPOTENCY_KEY", "REQUEST_ID").
 * body_too_large marks a body the caller refused to read (over max_json_body_mb).
 */
PXT_API pxt_req *pxt_req_new(pxt_app *app, pxt_pool *pool, const char *method,
    const char *path, const char *query, const char *body, size_t len,
    bool body_too_large, pxt_param_fn param, void *ctx);

/*
 * pxt_app_admit_upload decides whether req's multipart body may be read at all, before
 * a byte of it is: its route must be a table route (a background one included), and
 * the API key must be right. The error (401, 415) is set on req otherwise; a path no
 * route takes passes (the dispatcher answers 404 or 405 without the body).
 */
PXT_API pxt_err pxt_app_admit_upload(pxt_app *app, pxt_req *req);

/*
 * pxt_req_read_upload streams a multipart/form-data body (read with rd until it
 * returns 0; -1 for an error) into files under $PIXELTABLE_HOME/tmp and plain fields
 * in memory, never holding a file whole in memory; content_length may be NULL.
 * Limits: [server] max_upload_mb for the body, max_json_body_mb for a plain field.
 * The files are removed with the request's pool unless a route moved them into the
 * media store and its transaction committed. PXT_ETOOLARGE, PXT_EBADREQUEST or
 * PXT_EIO with a message when the body cannot be taken; nothing is left behind then.
 */
PXT_API pxt_err pxt_req_read_upload(pxt_req *req, const char *content_length,
    long (*rd)(void *ctx, char *buf, size_t cap), void *ctx);

/*
 * pxt_app_handle answers req: routing (404, 405 with Allow), the handler, and the JSON
 * error body of any failure. Never fails; the response is read with the getters below.
 */
PXT_API void pxt_app_handle(pxt_app *app, pxt_req *req);

/*
 * pxt_app_reject answers req with the JSON error of code without routing it (a request
 * the dispatcher refuses before any handler: headers over the limits).
 */
PXT_API void pxt_app_reject(pxt_req *req, pxt_err code, const char *message);

/* The response: status, extra header lines ("Name: value\r\n"...), body. */
PXT_API int pxt_res_get_status(const pxt_req *req);
PXT_API const char *pxt_res_get_content_type(const pxt_req *req);
PXT_API const char *pxt_res_get_headers(const pxt_req *req);
PXT_API const char *pxt_res_get_body(const pxt_req *req, size_t *len);

/* pxt_req_free releases the request's buffers (its pool is the caller's). */
PXT_API void pxt_req_free(pxt_req *req);

/* pxt_app_max_body returns the JSON body limit in bytes ([server] max_json_body_mb). */
PXT_API size_t pxt_app_max_body(const pxt_app *app);

#ifdef __cplusplus
}
#endif
#endif
