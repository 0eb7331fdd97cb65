/*
 * openapi_int.h - the OpenAPI 3.1 document of an app's routes (internal to libpxt):
 * openapi.c builds the paths and operations from the route table and answers
 * GET /api/openapi.json (and /openapi.json); openapi_schema.c writes the request and
 * row objects and the shared components (the error body, the security scheme);
 * openapi_media.c turns types and columns into JSON Schemas and writes the
 * multipart/form-data bodies and the file answers.
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
 * GET /api/openapi.json and GET /openapi.json (FastAPI's path): the document, built on the first request and again whenever
 * the catalog (its version or the env's generation) or the route table changed.
 */
pxt_err pxt_http_openapi(pxt_req *req, void *ud);

/* --- openapi_media.c ------------------------------------------------------------- */

/*
 * Write the JSON Schema of a value of type t (elem: an Array's element type). nullable
 * admits null; response: the value as answered (media as given or a /media/ URL), else
 * as accepted in a request (media: a path or URL). Media are strings of format uri
 * with the contentMediaType of their type (an image, video or audio type range; a
 * Document application/octet-stream).
 */
void pxt_oa_type(pxt_jw *w, pxt_type t, pxt_type elem, bool nullable, bool response);
/* The same for column c, its comment (if any) as the description. */
void pxt_oa_column(pxt_jw *w, const pxt_column *c, bool nullable, bool response);
/*
 * The property of input column c of table route tr in its multipart/form-data body:
 * a file of its uploadfile_inputs as a binary string, another column as in JSON.
 */
void pxt_oa_form_property(pxt_jw *w, const struct pxt_table_route *tr,
    const pxt_column *c, bool nullable);
/* Whether route rt takes a multipart/form-data body (an insert or update with uploads). */
bool pxt_oa_takes_form(const struct pxt_route *rt);
/*
 * Write "multipart/form-data": the form body of table route tr (a member of a content
 * object), with each upload's accepted media types as its encoding's contentType.
 */
void pxt_oa_form_content(pxt_jw *w, const struct pxt_table_route *tr);
/*
 * Write the members of the content object of a file answer of media type t: one per
 * media type a file of t is sent with, each a binary string.
 */
void pxt_oa_file_content(pxt_jw *w, pxt_type t);

/* --- openapi_schema.c ------------------------------------------------------------ */

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

/*
 * The request body schema of a table route (insert, update, delete); form: its
 * multipart/form-data body (uploads as files), else its JSON body.
 */
void pxt_oa_table_request(pxt_jw *w, const struct pxt_table_route *tr, bool form);
/* The row a table route answers: its output columns. */
void pxt_oa_table_row(pxt_jw *w, const struct pxt_table_route *tr);
/* The row a query answers: its selected columns and error cells. */
void pxt_oa_query_row(pxt_jw *w, const pxt_query *q);

/* --- openapi_compute.c ----------------------------------------------------------- */

/* The description of compute route tr's operation (static). */
const char *pxt_oa_compute_description(const struct pxt_table_route *tr);
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
