/*
 * pxt/db.h - the process's one PostgreSQL connection (libpq).
 *
 * Statements are always parameterized ($1..$n with text values); identifiers that are
 * built into SQL go through pxt_quote_ident. pxt_db_exec prepares each distinct SQL text
 * once per connection and reuses the prepared statement. When the connection breaks
 * outside a transaction (the server restarted), the next call reconnects and retries
 * once, transparently; inside a transaction it fails with PXT_EUNAVAIL, since work was
 * lost, and the connection is reset before the next statement.
 */
#ifndef PXT_DB_H
#define PXT_DB_H

#include "pxt/api.h"

#include <stdbool.h>
#include <libpq-fe.h>

#include "pxt/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pxt_db pxt_db;

/*
 * A hook run before each reconnect attempt (the embedded mode uses it to restart a
 * server that went away). A non-PXT_OK return aborts the reconnect with that error.
 */
typedef pxt_err (*pxt_db_hook)(void *ud);

/*
 * pxt_db_connect opens a connection with conninfo (a libpq keyword/value string or
 * URI). *out is owned by the caller (pxt_db_close). Returns PXT_EUNAVAIL with the
 * server's message when it cannot connect; the message never includes a password.
 * The server's notices are logged (pxt/log.h): WARNING as a warning, others at debug.
 */
PXT_API pxt_err pxt_db_connect(const char *conninfo, pxt_db **out);

/* pxt_db_close closes the connection and frees the handle; NULL is allowed. */
PXT_API void pxt_db_close(pxt_db *db);

/*
 * pxt_db_session sets a session setting (set_config(name, value)) now and again after
 * every reconnect. PXT_EDB (or another mapped code) when the server refuses the value.
 */
PXT_API pxt_err pxt_db_session(pxt_db *db, const char *name, const char *value);

/* pxt_db_set_hook sets the reconnect hook (NULL to clear). */
PXT_API void pxt_db_set_hook(pxt_db *db, pxt_db_hook fn, void *ud);

/*
 * pxt_db_exec runs sql with nparams text parameters (a NULL entry is SQL NULL),
 * preparing it once per connection. When res is not NULL, *res receives the result
 * (PGRES_TUPLES_OK or PGRES_COMMAND_OK), which the caller frees with PQclear; it is
 * NULL on failure. On failure returns the mapped error (see pxt_db_map_sqlstate) with
 * the server's message kept in pxt_errmsg().
 */
PXT_API pxt_err pxt_db_exec(pxt_db *db, const char *sql, int nparams,
    const char *const *params, PGresult **res);

/*
 * pxt_db_exec_once is pxt_db_exec without the statement cache, for DDL and one-off
 * statements (those PostgreSQL cannot prepare or that are never repeated). Without
 * parameters, sql may hold several statements separated by ';' (the result is the
 * last one's).
 */
PXT_API pxt_err pxt_db_exec_once(pxt_db *db, const char *sql, int nparams,
    const char *const *params, PGresult **res);

/*
 * Transactions. pxt_db_begin fails with PXT_EINTERNAL when one is already open.
 * pxt_db_rollback is safe to call when none is open (it does nothing).
 */
PXT_API pxt_err pxt_db_begin(pxt_db *db);
PXT_API pxt_err pxt_db_commit(pxt_db *db);
PXT_API pxt_err pxt_db_rollback(pxt_db *db);
PXT_API bool pxt_db_in_tx(const pxt_db *db);

/*
 * pxt_db_sqlstate returns the SQLSTATE of the last failed statement ("" when none);
 * static storage valid until the next call on db.
 */
PXT_API const char *pxt_db_sqlstate(const pxt_db *db);

/* pxt_db_map_sqlstate maps a SQLSTATE to the pxt error enum. */
PXT_API pxt_err pxt_db_map_sqlstate(const char *sqlstate);

/* pxt_db_conn returns the libpq handle (for LISTEN/NOTIFY, COPY); owned by db. */
PGconn *pxt_db_conn(pxt_db *db);

/* pxt_db_reconnects returns how many times the connection was re-established. */
PXT_API unsigned pxt_db_reconnects(const pxt_db *db);

#ifdef __cplusplus
}
#endif
#endif
