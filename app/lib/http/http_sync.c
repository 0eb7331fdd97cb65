/*
 * http_sync.c - keeping a worker's view of the catalog current: LISTEN pxt_catalog
 * once, then before each request read pending notifications from the socket without
 * a query, and reload the table handles when the schema changed or the connection was
 * re-established (notifications sent while it was down are lost).
 */
#include <stdlib.h>
#include <string.h>

#include "pxt/log.h"
#include "catalog/catalog_int.h"
#include "http/http_int.h"

pxt_err
pxt_app_sync(pxt_app *app)
{
	pxt_db *db = pxt_env_db(app->env);
	PGconn *conn = pxt_db_conn(db);
	PGnotify *n;
	bool reload = false;
	pxt_err rc;

	if (!app->listening || pxt_db_reconnects(db) != app->reconnects) {
		rc = pxt_db_exec_once(db, "LISTEN pxt_catalog", 0, NULL, NULL);
		/* the jobs runner also wakes up for new jobs */
		if (rc == PXT_OK && app->job_runner)
			rc = pxt_db_exec_once(db, "LISTEN pxt_jobs", 0, NULL, NULL);
		if (rc != PXT_OK)
			return rc;
		reload = app->listening;	/* after a reconnect: changes may be missed */
		app->listening = true;
		app->reconnects = pxt_db_reconnects(db);
		conn = pxt_db_conn(db);
	}
	/* a broken connection shows here as 0; the next statement reconnects */
	if (PQconsumeInput(conn) == 1) {
		while ((n = PQnotifies(conn)) != NULL) {
			if (strcmp(n->relname, "pxt_catalog") == 0)
				reload = true;
			else
				app->jobs_pending = true;
			PQfreemem(n);
		}
	}
	if (!reload)
		return PXT_OK;
	if ((rc = pxt_cat_reload_all(app->env)) != PXT_OK)
		return rc;
	app->catalog_version = pxt_catalog_version(app->env);
	pxt_log(PXT_LOG_INFO, "catalog changed: reloaded (version %lld)",
	    (long long)app->catalog_version);
	return PXT_OK;
}
