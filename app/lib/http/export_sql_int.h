/*
 * export_sql_int.h - export_sql: a table route's answered row, written after its commit
 * to a table of another database (PostgreSQL through libpq, SQLite through libsqlite3),
 * as Pixeltable's SqlExport does (internal to libpxt).
 */
#ifndef PXT_EXPORT_SQL_INT_H
#define PXT_EXPORT_SQL_INT_H

#include "pxt/http.h"
#include "pxt/router.h"

struct pxt_table_route;
struct pxt_export;

/*
 * pxt_export_new checks spec for the table route tr (its kind, outputs, keys and
 * fileresponse already set) and prepares the statement, allocating from pool (the
 * app's: it lives as long as the route). Nothing is connected here: connections open
 * on the first export of each worker. PXT_EINVAL with a message starting
 * "export_sql: " for a missing table or db_connect, an unknown scheme or method, an
 * unset ${VAR}, an update export without its key columns among the outputs or with
 * nothing else to set, with return_fileresponse or on a delete route; PXT_EUNAVAIL
 * when libsqlite3 cannot be loaded for a sqlite:// target. The message never
 * contains db_connect past its scheme.
 */
pxt_err pxt_export_new(pxt_pool *pool, const struct pxt_table_route *tr,
    const pxt_export_sql *spec, struct pxt_export **out);

/*
 * pxt_export_row writes the row the request answers (its JSON body, so media are the
 * URLs the client got) to the export target. PXT_OK, or a failure set on req: 500
 * internal_error, retryable false, whose message says the row itself was committed
 * (in a background job: that the job's write was undone); the target's own error is
 * logged, never answered. A broken connection is dropped and reopened next time.
 */
pxt_err pxt_export_row(pxt_req *req, const struct pxt_export *ex);

#endif
