/*
 * test_db_reconnect.c - the database connection survives a server restart: outside a
 * transaction the next statement reconnects transparently; inside one it fails with
 * PXT_EUNAVAIL (nothing committed) and the connection recovers for the next statement.
 * Also: the embedded server stopped behind the process's back is started again.
 * Runs against the embedded PostgreSQL of $PIXELTABLE_HOME (set by the script).
 */
#include <stdio.h>
#include <stdlib.h>

#include "pxt/pxt.h"
#include "pxt_test.h"

static long
backend_pid(pxt_db *db)
{
	PGresult *res;
	long pid = -1;

	if (pxt_db_exec(db, "SELECT pg_backend_pid()", 0, NULL, &res) == PXT_OK) {
		pid = strtol(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
	} else {
		fprintf(stderr, "query failed: %s\n", pxt_errmsg());
	}
	return pid;
}

static void
restart(const pxt_config *cfg)
{
	PXT_CHECK_INT(pxt_embedded_stop(cfg, 30), PXT_OK);
	PXT_CHECK_INT(pxt_embedded_start(cfg, NULL), PXT_OK);
}

int
main(void)
{
	pxt_env *env = pxt_open(NULL);
	const char *one[] = {"1"};
	pxt_db *db;
	long before, after;

	PXT_CHECK(env != NULL);
	if (env == NULL) {
		fprintf(stderr, "%s\n", pxt_errmsg());
		return pxt_test_done();
	}
	db = pxt_env_db(env);
	before = backend_pid(db);
	PXT_CHECK(before > 0);
	/* a prepared statement cached before the restart */
	PXT_CHECK_INT(pxt_db_exec(db, "SELECT $1::int + 1", 1, one, NULL), PXT_OK);

	restart(pxt_env_config(env));
	after = backend_pid(db);	/* reconnects and retries by itself */
	PXT_CHECK(after > 0 && after != before);
	PXT_CHECK_INT(pxt_db_reconnects(db), 1);
	/* the statement cache was reset with the connection: re-prepared */
	PXT_CHECK_INT(pxt_db_exec(db, "SELECT $1::int + 1", 1, one, NULL), PXT_OK);

	/* lost inside a transaction: an error that says nothing was committed */
	PXT_CHECK_INT(pxt_db_begin(db), PXT_OK);
	PXT_CHECK_INT(pxt_db_exec(db, "CREATE TEMP TABLE t_lost (x int)", 0, NULL, NULL),
	    PXT_OK);
	restart(pxt_env_config(env));
	PXT_CHECK_INT(pxt_db_exec(db, "SELECT 1", 0, NULL, NULL), PXT_EUNAVAIL);
	PXT_CHECK(strstr(pxt_errmsg(), "nothing was committed") != NULL);
	PXT_CHECK(!pxt_db_in_tx(db));
	PXT_CHECK(backend_pid(db) > 0);	/* and usable again */

	/* the server stopped (not restarted): the reconnect hook starts it again */
	PXT_CHECK_INT(pxt_embedded_stop(pxt_env_config(env), 30), PXT_OK);
	PXT_CHECK(backend_pid(db) > 0);
	PXT_CHECK(pxt_catalog_version(env) >= 0);

	/* a server error keeps its message and maps to the error enum */
	PXT_CHECK_INT(pxt_db_exec(db, "SELECT * FROM no_such_table", 0, NULL, NULL),
	    PXT_ENOTFOUND);
	PXT_CHECK(strstr(pxt_errmsg(), "no_such_table") != NULL);
	PXT_CHECK(strstr(pxt_errmsg(), "42P01") != NULL);
	PXT_CHECK_INT(pxt_db_exec(db, "SELECT 1/0", 0, NULL, NULL), PXT_EINVAL);
	pxt_close(env);
	return pxt_test_done();
}
