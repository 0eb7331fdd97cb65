/*
 * http_int.h - the request, route and application structures (internal to libpxt).
 */
#ifndef PXT_HTTP_INT_H
#define PXT_HTTP_INT_H

#include <libpq-fe.h>

#include "pxt/app.h"
#include "pxt/buf.h"
#include "pxt/json.h"

struct pxt_wrow;	/* engine/write_int.h */

/* What a route does, for the OpenAPI document and the service file's checks. */
enum pxt_route_kind {
	PXT_ROUTE_CUSTOM = 0,	/* a hand-written handler */
	PXT_ROUTE_INSERT,
	PXT_ROUTE_UPDATE,
	PXT_ROUTE_DELETE,
	PXT_ROUTE_QUERY,
	PXT_ROUTE_SYSTEM,	/* health, OpenAPI: never behind the API key */
	PXT_ROUTE_COMPUTE	/* the insert's pipeline, answered and undone */
};

/* The description of a table route (insert, update, delete, compute). */
struct pxt_table_route {
	enum pxt_route_kind kind;
	pxt_table *t;		/* the table written (a compute route's view: its base) */
	pxt_table *out;		/* the table answered: t, or a compute route's view */
	char **inputs, **outputs, **match, **now;	/* NULL-terminated; NULL: default */
	char **uploads;		/* uploadfile_inputs */
	bool fileresponse;	/* return_fileresponse */
	struct pxt_export *export;	/* export_sql; NULL: none */
};

/* The description of a query route. */
struct pxt_query_route {
	pxt_query *q;
	bool one_row;
	bool return_scalar;	/* answer the one output's value alone */
	bool fileresponse;	/* return_fileresponse: the one row's media file */
	unsigned char *input;	/* per parameter: taken from the request (NULL: all) */
};

/*
 * pxt_q_write_row writes row `row` of res as the route's answer object (its columns,
 * error cells, similarities and expression outputs, the ones computed in C evaluated
 * here); with return_scalar, the one output's value alone. PXT_OK, or the error of a
 * function evaluated in C (message set).
 */
pxt_err pxt_q_write_row(pxt_req *req, pxt_jw *w, const struct pxt_query_route *qr,
    const PGresult *res, int row);

/*
 * return_fileresponse on a query route (query_out.c): pxt_q_file_output names the
 * output answered with, the last media one (a column or an expression output; *type
 * its type), or NULL when q has none; pxt_q_file_answer answers req with that output's file in row
 * `row` of res (pxt_file_send: a null cell is a 404).
 */
const char *pxt_q_file_output(const pxt_query *q, pxt_type *type);
pxt_err pxt_q_file_answer(pxt_req *req, pxt_query *q, const PGresult *res, int row);

struct pxt_route {
	unsigned methods;
	char *pattern;		/* full path with {params} */
	char **segs;		/* pattern split at '/' */
	int nsegs;
	pxt_handler_fn fn;
	void *ud;
	const char *router;
	enum pxt_route_kind kind;
	const void *desc;	/* struct pxt_table_route / pxt_query_route, or NULL */
	bool public_route;	/* reachable without the API key */
	bool background;	/* runs as a background job (200 {"id", "job_url"}) */
	const char *prefix;	/* its router's prefix when added (jobs live under it) */
	const char *source;	/* "service.toml:12" for a declared route, else NULL */
	/* pxt_route_doc: OpenAPI of a hand-written route (JSON Schema texts), or NULL */
	const char *doc_summary, *doc_request, *doc_response;
};

/* API keys and CORS (http_guard.c). Read the keys and origins; warn when open. */
pxt_err pxt_guard_init(pxt_app *app);
/* PXT_EUNAUTH (401) when route rt needs the API key and the request lacks it. */
pxt_err pxt_guard_auth(pxt_req *req, const struct pxt_route *rt);
/* Add the CORS headers when the request's Origin is allowed. */
void pxt_guard_cors_headers(pxt_req *req);
/*
 * Answer a CORS preflight (OPTIONS with Origin and Access-Control-Request-Method) for
 * a path whose routes take allow: 204 with the CORS headers for an allowed origin,
 * 403 otherwise. *handled is false when the request is not a preflight.
 */
pxt_err pxt_guard_preflight(pxt_req *req, const char *allow, bool *handled);

/*
 * Background jobs (jobs.c). pxt_job_enqueue queues req's route (rt) for the runner and
 * answers 200 {"id", "job_url"}, job_url absolute under the route's prefix.
 */
pxt_err pxt_job_enqueue(pxt_req *req, const struct pxt_route *rt);
/*
 * GET {prefix}/_pxt/jobs/{id}: {"id", "status": "pending" | "done" | "error",
 * "result", "error", "error_detail", "http_status"}; 404 for an unknown id.
 */
pxt_err pxt_job_status(pxt_req *req, void *ud);
/*
 * pxt_job_route_add makes the route just added by r a background route and registers
 * GET {prefix}/_pxt/jobs/{id} under r's prefix unless it is there already (public when
 * public_route). PXT_OK, or PXT_ENOMEM / the error of pxt_add_route (message set).
 */
pxt_err pxt_job_route_add(pxt_router *r, bool public_route);

/*
 * pxt_req_base_url (req_url.c) returns the absolute URL a client reached req at,
 * without a path ("https://example.com:8443"), in req's pool: the scheme from
 * X-Forwarded-Proto, else the HTTPS / REQUEST_SCHEME params, else http; the host from
 * X-Forwarded-Host, else Host, else SERVER_NAME:SERVER_PORT, a value with characters
 * a host cannot hold skipped. NULL only when out of memory.
 */
const char *pxt_req_base_url(pxt_req *req);

/*
 * The multipart form of req as the JSON object a table route reads (http_form.c):
 * plain fields as the columns' values, files of the route's uploadfile_inputs moved
 * into $PIXELTABLE_HOME/media/uploads (kept when the route commits).
 */
pxt_err pxt_form_object(pxt_req *req, const struct pxt_table_route *tr,
    const pxt_json **obj);

/*
 * What a table route takes and gives (http_table.c), shared with the OpenAPI
 * document so the two never disagree: whether name is in a NULL-terminated list;
 * whether a request may set c (uploads, inputs, else every non-computed column);
 * whether the answer carries c (ud: the struct pxt_table_route).
 */
bool pxt_in_list(char **list, const char *name);
bool pxt_is_input(const struct pxt_table_route *tr, const pxt_column *c);
bool pxt_is_output(const void *ud, const pxt_column *c);

/*
 * pxt_table_handler serves a table route (ud: its struct pxt_table_route, made by
 * table_route_add.c): the body or form read as the row, then the insert, update or
 * delete in one transaction. Returns PXT_OK once answered, else the error it failed
 * the request with.
 */
pxt_err pxt_table_handler(pxt_req *req, void *ud);

/* pxt_is_json_type tells whether Content-Type ct (NULL: none) is application/json. */
bool pxt_is_json_type(const char *ct);

/*
 * Reading a table route's request (table_row.c). pxt_table_read reads req's body as
 * the object of column values of tr: the multipart form (files stored, see
 * pxt_form_object) or the JSON object, whose keys must all be columns of tr's table;
 * a 415 naming both forms when a route taking uploads gets another type. *obj lives
 * in req's pool. pxt_table_body_row reads the input columns of obj into r, a row of
 * tr's table (all of them for an insert; for an update, those given but the key),
 * each value checked against its column and the media roots, required columns
 * refused when null or (insert) missing without a default. pxt_table_value writes
 * JSON value v of column c as the text of its SQL parameter into *out (a local media
 * path checked against roots, when given). All three fail req (the 4xx naming the
 * column) and return its code; PXT_ENOMEM otherwise.
 */
pxt_err pxt_table_read(pxt_req *req, const struct pxt_table_route *tr,
    const pxt_json **obj);
pxt_err pxt_table_body_row(pxt_req *req, const struct pxt_table_route *tr,
    const pxt_json *obj, bool insert, struct pxt_wrow *r);
pxt_err pxt_table_value(pxt_req *req, const pxt_column *c, const pxt_json *v,
    char *const *roots, int nroots, char **out);

/*
 * pxt_outputs_sql returns the select list of tr's outputs (columns of tr->out) in
 * req's pool ("" for none), or NULL when out of memory.
 */
char *pxt_outputs_sql(pxt_req *req, const struct pxt_table_route *tr);

/*
 * pxt_compute_run (compute_route.c) serves a compute route with the request's row r
 * of tr->t (validated, not yet defaulted nor computed): the insert run in a
 * transaction (a savepoint inside a job's), the output rows read back (a view's
 * for a compute route on a view), the transaction rolled back, then the rows
 * answered as a JSON array (or return_fileresponse's one file). Generated media
 * stay in the media store's compute/ folder until pxt_compute_sweep removes them.
 * PXT_OK once answered, else the error the request failed with (nothing kept).
 */
pxt_err pxt_compute_run(pxt_req *req, const struct pxt_table_route *tr,
    struct pxt_wrow *r);

/*
 * pxt_compute_sweep removes the files of the media store's compute/ folder older
 * than ttl_s seconds; it walks the folder at most once per ttl_s / 4 per process.
 * Never fails (a file it cannot remove is logged).
 */
void pxt_compute_sweep(long ttl_s);

/*
 * pxt_table_row_check reads obj as the row of tr's insert or update, as
 * pxt_table_handler will (required columns, each value against its column's type,
 * local media paths against [pixeltable] media_roots), without SQL: PXT_OK, or the
 * error (a 422 naming the column) req was failed with. A delete route's object passes.
 */
pxt_err pxt_table_row_check(pxt_req *req, const struct pxt_table_route *tr,
    const pxt_json *obj);

/*
 * Uploads on background routes (jobs_files.c). pxt_job_form reads req's multipart
 * form for table route tr as the route itself would (pxt_form_object: files stored in
 * the input media destination, recorded in req's pool) and checks it
 * (pxt_table_row_check): *body is the job's JSON body, each file field holding its
 * stored file's reference, and *files a JSON array of those references (NULL when
 * none), both in req's pool.
 * On failure req carries the error and the stored files are deleted already.
 * pxt_job_discard deletes now the files stored for req (its job was not queued).
 */
pxt_err pxt_job_form(pxt_req *req, const struct pxt_table_route *tr, char **body,
    char **files);
void pxt_job_discard(pxt_req *req);

/*
 * pxt_job_files_drop removes the stored uploads job id still owns (pxt_catalog.jobs
 * files; call it once the job failed for good: no row refers to them) and forgets
 * them. PXT_OK, or the database's error (the files then stay listed for the sweep).
 * pxt_jobs_sweep deletes the finished jobs older than ttl_s seconds (decimal text)
 * and the uploads they still own; the database's error otherwise.
 */
pxt_err pxt_job_files_drop(pxt_db *db, const char *id);
pxt_err pxt_jobs_sweep(pxt_db *db, const char *ttl_s);

/*
 * pxt_file_column returns the index in tr->out of the column return_fileresponse
 * answers with (the last media output), or -1 when there is none.
 */
int pxt_file_column(const struct pxt_table_route *tr);

/*
 * pxt_file_answer answers req with the file of return_fileresponse's column in row 0
 * of res, whose outputs (tr's) begin at result column first (http_table.c).
 */
pxt_err pxt_file_answer(pxt_req *req, const struct pxt_table_route *tr, PGresult *res,
    int first);

/*
 * pxt_file_send answers req with the media file of value (a media value as stored:
 * a local media store path or a URL, fetched into the file cache) for
 * return_fileresponse (http_file.c): 200, the file's Content-Type and the
 * X-Accel-Redirect nginx sends it from. value NULL (a null cell) is a 404 naming
 * output name; a file outside the store and the cache fails the request.
 */
pxt_err pxt_file_send(pxt_req *req, const char *name, const char *value);

/*
 * pxt_file_route_type returns the type of the media column or output a
 * return_fileresponse route answers with (PXT_IMAGE...), for its OpenAPI 200, or
 * PXT_TYPE_NONE for a route answering JSON.
 */
pxt_type pxt_file_route_type(const struct pxt_route *rt);

/*
 * Idempotency-Key (idem.c): claim key for req's route in the open transaction
 * (*replayed: an earlier answer was copied into req), then store req's answer under
 * it and commit.
 */
pxt_err pxt_idem_claim(pxt_req *req, pxt_db *db, const char *key, bool *replayed);
pxt_err pxt_idem_finish(pxt_req *req, pxt_db *db, const char *key);

/* Describe the route just added by r (the last one of its app). */
void pxt_route_describe(pxt_router *r, enum pxt_route_kind kind, const void *desc);

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
	unsigned char *key_digests;	/* SHA-256 of each API key (http_guard.c) */
	int nkeys;
	char **cors;		/* [pixeltable] cors_origins */
	int ncors;
	bool job_runner;	/* pxt_jobs_serve: LISTEN pxt_jobs too */
	bool jobs_pending;	/* a NOTIFY pxt_jobs arrived (pxt_app_sync) */
	/*
	 * What the jobs runner (jobs.c) calls to route and run a job's request, inside the
	 * runner's transaction: no API key, no background queueing, no rollback; a
	 * failure's error body is written into req. Registered by pxt_app_new.
	 */
	void (*run_job)(pxt_app *app, pxt_req *req);
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
	bool final;		/* a retry cannot help: the error says retryable false */
	pxt_err failed;
	bool in_job;		/* run by the jobs runner: no key, no own transaction */
	bool fail_public;	/* a 500 whose message may be answered (export_sql) */
	struct pxt_upload *upload;	/* a multipart/form-data body, or NULL */
};

/* The generic health handler, registered by pxt_app_new. */
pxt_err pxt_http_health(pxt_req *req, void *ud);
/* Write pxtc's JSON error body and status for code into req's response. */
void pxt_http_error(pxt_req *req, pxt_err code, const char *message);
/* Map an error code to an HTTP status and error_code. */
int pxt_http_status(pxt_err code, const char **error_code);

#endif
