/*
 * pxt/router.h - the router plugin ABI and the route registration API.
 *
 * A router is a shared object that exports one function, pxt_router_entry, returning a
 * static pxt_router_module. The dispatcher dlopen()s each router, checks it, then calls
 * init, which registers routes. The ABI rules:
 *   - abi must equal PXT_ROUTER_ABI; it changes only when an existing field of
 *     pxt_router_module or pxt_route_opts changes meaning or place, and a router built
 *     for another ABI is refused with a message saying to rebuild it.
 *   - Fields of both structs are only ever appended. A router built against older
 *     headers (a smaller size) is accepted, the fields it does not have read as zero;
 *     a larger size (built against newer headers than this pxtc) is refused.
 *   - Two routers with the same name are refused.
 * A refused router stops the worker at start, naming the file, never at request time.
 *
 *	static pxt_err
 *	data_init(pxt_router *r)
 *	{
 *		pxt_table *docs = pxt_get_table(pxt_router_env(r), "app/documents");
 *
 *		pxt_router_prefix(r, "/api/data");
 *		return pxt_add_insert_route(r, "/documents", docs, NULL);
 *	}
 *	PXT_ROUTER("data", "1.0", data_init, NULL)
 *
 * Build routers with -fvisibility=hidden: PXT_ROUTER exports only the entry symbol.
 */
#ifndef PXT_ROUTER_H
#define PXT_ROUTER_H

#include "pxt/api.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pxt/catalog.h"
#include "pxt/http.h"
#include "pxt/query.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 3: pxt_route_opts begins with its size field */
#define PXT_ROUTER_ABI 3

typedef struct pxt_router pxt_router;

typedef struct pxt_router_module {
	uint32_t abi;		/* PXT_ROUTER_ABI the router was built with */
	uint32_t size;		/* sizeof(pxt_router_module) at build time */
	const char *name;
	const char *version;
	pxt_err (*init)(pxt_router *r);
	void (*fini)(pxt_router *r);	/* may be NULL */
} pxt_router_module;

#define PXT_ROUTER_ENTRY "pxt_router_entry"

#define PXT_ROUTER(NAME, VERSION, INIT, FINI)                                  \
	__attribute__((visibility("default"))) const pxt_router_module *       \
	pxt_router_entry(void);                                                \
	__attribute__((visibility("default"))) const pxt_router_module *       \
	pxt_router_entry(void)                                                 \
	{                                                                      \
		static const pxt_router_module pxt_module_ = {PXT_ROUTER_ABI,  \
		    sizeof(pxt_router_module), NAME, VERSION, INIT, FINI};     \
		return &pxt_module_;                                           \
	}

/* pxt_router_env returns the environment (catalog and database) routes work in. */
PXT_API pxt_env *pxt_router_env(pxt_router *r);

/*
 * pxt_router_prefix sets the path prefix of the routes this router registers next
 * ("/api/data"). The prefix is copied.
 */
PXT_API void pxt_router_prefix(pxt_router *r, const char *prefix);

/*
 * pxt_add_route registers a hand-written handler for methods (PXT_GET | ...) and a path
 * under the prefix; {name} segments match one path segment and are read with
 * pxt_req_param. Fails with PXT_EEXISTS when the same method and path are already taken
 * (by any router), PXT_EINVAL for a malformed path.
 */
PXT_API pxt_err pxt_add_route(pxt_router *r, unsigned methods, const char *path,
    pxt_handler_fn fn, void *ud);

/*
 * pxt_route_doc describes the hand-written route of method and path (as given to
 * pxt_add_route, under the current prefix) in /api/openapi.json: a summary and the
 * JSON Schemas of its request body and of its 200 answer (JSON object texts, copied;
 * NULL keeps the generic description). PXT_ENOTFOUND when this router has no such
 * route, PXT_EINVAL for a schema that is not a JSON object.
 */
PXT_API pxt_err pxt_route_doc(pxt_router *r, unsigned method, const char *path,
    const char *summary, const char *request_schema, const char *response_schema);

/*
 * Options of the table routes; NULL lists mean the defaults. Lists end with NULL.
 * Begin the initializer with PXT_ROUTE_OPTS_INIT, which sets size, as in
 * `pxt_route_opts o = {PXT_ROUTE_OPTS_INIT, .inputs = cols};`: a size of 0 or one
 * larger than this pxtc's is PXT_EINVAL; fields past a smaller size read as unset.
 *   inputs:        columns a request may set (default: every non-computed column)
 *   outputs:       columns of the response (default: all)
 *   match_columns: columns an update or delete selects rows by (default: the primary
 *                  key; required for a table without one, else PXT_EINVAL when the
 *                  route is added; an update selecting several rows is a 409)
 *   now_columns:   Timestamp columns whose default, for this route, is now(): set to
 *                  the time of the write when an insert leaves them out, as a
 *                  declared default (pxt_coldef.dflt) is, which is the better place
 *   export_sql:    insert and update routes: after the write commits, the answered row
 *                  (the outputs, media as URLs) is also written to a table of another
 *                  database (pxt_export_sql); a failed export answers 500 with the row
 *                  kept. Checked when the route is added (PXT_EINVAL: an unknown scheme
 *                  or method, an update export whose keys are not outputs, with
 *                  return_fileresponse, on a delete route)
 * For query routes (pxt_add_query_route_opts), inputs names the parameters a request
 * may give (default: all); the others take their defaults, and a request giving one
 * is a 422. one_row answers the single row; return_scalar (with one_row, for a query
 * with one output) answers that output's value alone.
 *   background:    (table routes) queue the request as a background job and answer
 *                  200 {"id", "job_url"} at once; GET job_url ({prefix}/_pxt/jobs/{id})
 *                  follows it. With uploadfile_inputs, a multipart request's files
 *                  are stored at once (as without background) and the job owns them
 *                  until its row does: a job that fails, or a refused request, leaves
 *                  no file. Not with return_fileresponse.
 */
/*
 * The target of export_sql, as Pixeltable's SqlExport takes it. Strings are copied when
 * the route is added.
 *   db_connect: "postgresql[+driver]://user:pass@host:port/db" (libpq; the +driver is
 *               ignored) or "sqlite:///relative/path", "sqlite:////absolute/path"
 *               (libsqlite3, loaded on first use); ${VAR} is replaced by the
 *               environment variable VAR when connecting (keep passwords out of files)
 *   table:      the target table, which must exist
 *   db_schema:  its schema (NULL: the connection's default)
 *   method:     "insert" (NULL: the default) appends the row; "update" sets the other
 *               output columns of the one target row whose key columns (the route's
 *               match_columns, else the table's primary key) equal the row's
 */
typedef struct pxt_export_sql {
	const char *db_connect;
	const char *table;
	const char *db_schema;
	const char *method;
} pxt_export_sql;

typedef struct pxt_route_opts {
	size_t size;		/* sizeof(pxt_route_opts) at build time */
	const char *const *inputs;
	const char *const *outputs;
	const char *const *match_columns;
	const char *const *now_columns;
	const char *const *uploadfile_inputs;	/* media columns taken as file uploads */
	bool return_fileresponse;	/* answer with the row's media file itself */
	bool one_row;		/* query routes: the single row, 404 / 409 otherwise */
	bool return_scalar;	/* query routes: the one output's value alone */
	const pxt_export_sql *export_sql;	/* NULL: no export */
	bool background;	/* table routes: answer 200 {"id", "job_url"} at once */
} pxt_route_opts;

#define PXT_ROUTE_OPTS_INIT .size = sizeof(pxt_route_opts)

/*
 * Generic table routes (POST): insert a row from a JSON object and answer the row as
 * stored; update a row by primary key (404 when missing); delete the rows matching the
 * match columns and answer {"num_rows": n}. Values are validated against the column
 * types (422 naming the column).
 */
PXT_API pxt_err pxt_add_insert_route(pxt_router *r, const char *path, pxt_table *t,
    const pxt_route_opts *opts);
PXT_API pxt_err pxt_add_update_route(pxt_router *r, const char *path, pxt_table *t,
    const pxt_route_opts *opts);
PXT_API pxt_err pxt_add_delete_route(pxt_router *r, const char *path, pxt_table *t,
    const pxt_route_opts *opts);

/*
 * pxt_add_compute_route serves, at path (POST), what an insert route on t would answer
 * without storing anything: the request's row (JSON, or multipart with
 * uploadfile_inputs) is validated and inserted with its computed columns in a
 * transaction, the output rows are read and the transaction is rolled back. The
 * answer is a JSON array of rows. t may be a view: the request then carries a row of
 * the view's base table (inputs, uploadfile_inputs and now_columns name base
 * columns) and the answer is the view's rows for it (its iterator may give several,
 * or none); outputs name the view's columns (default: all). Options as for
 * pxt_add_insert_route (not match_columns); return_fileresponse answers the media
 * file of the one row (404 when there is none, 409 when there are several);
 * export_sql exports each row answered; background runs it as a job. Media the
 * computed columns generate are kept under $PIXELTABLE_HOME/media/compute for
 * [server] media_url_ttl_s, long enough to fetch the URLs of the answer; uploaded
 * files are removed after the answer unless an output names them. Start-up errors
 * as for pxt_add_insert_route, plus PXT_EINVAL for a view over a view. Returns
 * PXT_OK, or the error with a message naming the route.
 */
PXT_API pxt_err pxt_add_compute_route(pxt_router *r, const char *path, pxt_table *t,
    const pxt_route_opts *opts);

/*
 * pxt_add_query_route serves a named query at path for methods (GET reads parameters
 * from the query string, POST from a JSON body) and answers {"rows": [...]}; with
 * one_row, the single row itself, 404 for none and 409 for several.
 */
PXT_API pxt_err pxt_add_query_route(pxt_router *r, const char *path, pxt_query *q,
    unsigned methods, bool one_row);

/*
 * pxt_add_query_route_opts is pxt_add_query_route with options (inputs, one_row,
 * return_scalar; the other fields are for table routes and must be unset). Start-up
 * errors (PXT_EINVAL naming the route): an input that is not a parameter, a parameter
 * neither input nor with a default, return_scalar without one_row or with several
 * outputs.
 */
PXT_API pxt_err pxt_add_query_route_opts(pxt_router *r, const char *path, pxt_query *q,
    unsigned methods, const pxt_route_opts *opts);

#ifdef __cplusplus
}
#endif
#endif
