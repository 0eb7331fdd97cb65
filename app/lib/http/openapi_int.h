/*
 * openapi_int.h - the OpenAPI 3.1 document of an app's routes (internal to libpxt):
 * openapi.c builds the paths and operations from the route table and answers
 * GET /api/openapi.json; openapi_schema.c turns column and parameter types into JSON
 * Schemas and writes the shared components (the error body, the security scheme).
 */
#ifndef PXT_OPENAPI_H
#define PXT_OPENAPI_H

#include "pxt/http.h"
#include "pxt/json.h"
#include "pxt/query.h"
#include "http/http_int.h"

struct pxt_qparam;

/*
 * pxt_openapi_cache_new returns the cache of an app's document, allocated in the app's
 * pool (its buffer is freed with the pool), for the route's ud; NULL when out of
 * memory (the handler then builds the document on every request).
 */
void *pxt_openapi_cache_new(pxt_app *app);

/*
 * GET /api/openapi.json: the document, built on the first request and again whenever
 * the catalog (its version or the env's generation) or the route table changed.
 */
pxt_err pxt_http_openapi(pxt_req *req, void *ud);

/* --- openapi_schema.c ------------------------------------------------------------ */

/*
 * Write the JSON Schema of a value of type t (elem: an Array's element type). nullable
 * admits null; response: the value as answered (media as given or a /media/ URL), else
 * as accepted in a request (media: a path or URL).
 */
void pxt_oa_type(pxt_jw *w, pxt_type t, pxt_type elem, bool nullable, bool response);

/* The input, output and key (match) columns of a table route, as http_table.c has them. */
bool pxt_oa_is_key(const struct pxt_table_route *tr, const pxt_column *c);

/* Whether the pattern of rt has the segment {name}. */
bool pxt_oa_in_path(const struct pxt_route *rt, const char *name);
/* Whether parameter i of route rt's query comes from the request (its inputs). */
bool pxt_oa_qinput(const struct pxt_route *rt, int i);
/* Whether query parameter p must be given (no default, not limit or offset). */
bool pxt_oa_qrequired(const struct pxt_qparam *p);
/* The schema of a return_scalar answer: q's one output. */
void pxt_oa_query_scalar(pxt_jw *w, const pxt_query *q);
/* The schema of query parameter p of q (limit and offset with their range). */
void pxt_oa_param_schema(pxt_jw *w, const pxt_query *q, const struct pxt_qparam *p);
/* The JSON body of query route rt called with POST: the parameters not in its path. */
void pxt_oa_query_body(pxt_jw *w, const struct pxt_route *rt, const pxt_query *q);

/* The request body schema of a table route (insert, update, delete). */
void pxt_oa_table_request(pxt_jw *w, const struct pxt_table_route *tr);
/* The row a table route answers: its output columns. */
void pxt_oa_table_row(pxt_jw *w, const struct pxt_table_route *tr);
/* The row a query answers: its selected columns and error cells. */
void pxt_oa_query_row(pxt_jw *w, const pxt_query *q);

/* --- openapi_compute.c ----------------------------------------------------------- */

/* The description of compute route tr's operation (static). */
const char *pxt_oa_compute_description(const struct pxt_table_route *tr);
/*
 * The multipart/form-data request of compute route tr, as a key and its media type
 * object inside an open "content" object: the JSON body's fields, the
 * uploadfile_inputs as files. Nothing when the route takes no upload.
 */
void pxt_oa_compute_form(pxt_jw *w, const struct pxt_table_route *tr);
/* The answer of compute route tr: an array of its output rows. */
void pxt_oa_compute_rows(pxt_jw *w, const struct pxt_table_route *tr);

/* The components.responses name of an error status ("NotFound"), NULL if none. */
const char *pxt_oa_error_name(int status);
/* Write "components": schemas, responses and (with API keys) the security scheme. */
void pxt_oa_components(pxt_jw *w, bool keys);

/* Small writers: "key": value. */
void pxt_oa_kstr(pxt_jw *w, const char *key, const char *value);
void pxt_oa_kraw(pxt_jw *w, const char *key, const char *json);

#endif
