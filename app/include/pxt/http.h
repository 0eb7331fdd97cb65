/*
 * pxt/http.h - requests, responses and handlers, as router code sees them.
 *
 * A handler receives a pxt_req, reads what it needs (path parameters, query string,
 * JSON body, headers), and either writes a response and returns PXT_OK, or returns an
 * error code with pxt_req_fail's message, which the dispatcher turns into the JSON error
 * body and HTTP status (docs/ARCHITECTURE.md, "HTTP errors"). Everything a handler
 * allocates from pxt_req_pool lives until the response is sent.
 */
#ifndef PXT_HTTP_H
#define PXT_HTTP_H

#include "pxt/api.h"

#include <stdbool.h>
#include <stddef.h>

#include "pxt/catalog.h"
#include "pxt/error.h"
#include "pxt/json.h"
#include "pxt/pool.h"
#include "pxt/qs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* HTTP methods, as bits so a route can take several. */
#define PXT_GET		0x01u
#define PXT_POST	0x02u
#define PXT_PUT		0x04u
#define PXT_DELETE	0x08u
#define PXT_PATCH	0x10u
#define PXT_HEAD	0x20u
#define PXT_OPTIONS	0x40u

/* Limits the dispatcher enforces before a handler runs. */
#define PXT_JSON_MAX_DEPTH	64	/* nesting of a JSON body */
#define PXT_MAX_PATH		2048	/* bytes of the request path */
#define PXT_MAX_QUERY		8192	/* bytes of the query string */
#define PXT_MAX_QUERY_PAIRS	256
#define PXT_MAX_HEADER		8192	/* bytes of one header value */

typedef struct pxt_req pxt_req;
typedef pxt_err (*pxt_handler_fn)(pxt_req *req, void *ud);

/* Request accessors; strings are owned by the request and live until it ends. */
PXT_API pxt_pool *pxt_req_pool(pxt_req *req);
PXT_API pxt_env *pxt_req_env(pxt_req *req);
PXT_API unsigned pxt_req_method(const pxt_req *req);
PXT_API const char *pxt_req_method_name(const pxt_req *req);
PXT_API const char *pxt_req_path(const pxt_req *req);
PXT_API const char *pxt_req_id(const pxt_req *req);

/*
 * pxt_req_header returns a request header by its HTTP name ("Idempotency-Key"), or
 * NULL when absent.
 */
PXT_API const char *pxt_req_header(pxt_req *req, const char *name);

/* pxt_req_param returns the decoded value of a {name} path segment, or NULL. */
PXT_API const char *pxt_req_param(const pxt_req *req, const char *name);

/*
 * pxt_req_query parses the query string (once) into decoded pairs. PXT_EBADREQUEST
 * when malformed (the message says where).
 */
PXT_API pxt_err pxt_req_query(pxt_req *req, const pxt_kv **kv, size_t *n);

/*
 * pxt_req_json parses the body (once) as JSON. Fails with PXT_EMEDIATYPE when the
 * Content-Type is not application/json, PXT_EBADREQUEST for an empty or malformed body
 * (with the parser's position), PXT_ETOOLARGE past max_json_body_mb.
 */
PXT_API pxt_err pxt_req_json(pxt_req *req, const pxt_json **out);

/*
 * pxt_req_fail records why the request failed and returns code, for
 * `return pxt_req_fail(req, PXT_EINVAL, "column 'x' ...");`. cause (may be NULL) is a
 * short machine-friendly detail (the column or parameter name) for the error body.
 */
PXT_API pxt_err pxt_req_fail(pxt_req *req, pxt_err code, const char *cause,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * pxt_req_committed tells the dispatcher that this request committed data: an error
 * after this point is reported with retryable = false.
 */
PXT_API void pxt_req_committed(pxt_req *req);

/*
 * Responses. pxt_res_json sets the status and Content-Type: application/json and
 * returns the writer of the body (owned by the request). pxt_res_header adds a header
 * (name and value are copied). pxt_res_body returns the raw body buffer.
 */
PXT_API pxt_jw *pxt_res_json(pxt_req *req, int status);
PXT_API void pxt_res_header(pxt_req *req, const char *name, const char *value);
PXT_API pxt_buf *pxt_res_body(pxt_req *req);
PXT_API void pxt_res_status(pxt_req *req, int status, const char *content_type);

#ifdef __cplusplus
}
#endif
#endif
