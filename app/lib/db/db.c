/*
 * db.c - one libpq connection per process: prepared-statement cache, transactions,
 * transparent reconnect outside transactions, SQLSTATE mapping (see pxt/db.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/buf.h"
#include "pxt/db.h"
#include "pxt/log.h"
#include "pxt/os.h"

#define PXT_DB_CACHE 1024	/* prepared statements kept per connection */
#define PXT_DB_RECONNECT_MS 15000

struct pxt_stmt {
	char *sql;		/* NULL: empty slot */
	uint64_t hash;
	unsigned id;
};

struct pxt_db {
	PGconn *conn;
	char *conninfo;
	bool in_tx;
	bool broken;		/* lost inside a transaction: reset before next use */
	char sqlstate[6];
	unsigned next_id;
	unsigned reconnects;
	size_t ncached;
	struct pxt_stmt cache[PXT_DB_CACHE * 2];
	pxt_db_hook hook;
	void *hook_ud;
	char *session_sql;	/* settings re-applied after every reconnect */
};

static uint64_t
pxt_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void
pxt_db_cache_clear(pxt_db *db)
{
	for (size_t i = 0; i < PXT_DB_CACHE * 2; i++) {
		free(db->cache[i].sql);
		db->cache[i].sql = NULL;
	}
	db->ncached = 0;
}

pxt_err
pxt_db_map_sqlstate(const char *s)
{
	if (s == NULL || strlen(s) != 5)
		return PXT_EDB;
	if (strcmp(s, "23505") == 0 || strcmp(s, "40001") == 0 ||
	    strcmp(s, "40P01") == 0 || strcmp(s, "55P03") == 0)
		return PXT_ECONFLICT;
	if (strncmp(s, "08", 2) == 0 || strcmp(s, "57P01") == 0 ||
	    strcmp(s, "57P02") == 0 || strcmp(s, "57P03") == 0)
		return PXT_EUNAVAIL;
	if (strcmp(s, "57014") == 0)
		return PXT_ETIMEOUT;
	if (strcmp(s, "42P01") == 0 || strcmp(s, "42703") == 0 ||
	    strcmp(s, "3D000") == 0 || strcmp(s, "3F000") == 0 ||
	    strcmp(s, "42883") == 0)
		return PXT_ENOTFOUND;
	if (strcmp(s, "42P07") == 0 || strcmp(s, "42701") == 0 ||
	    strcmp(s, "42P06") == 0 || strcmp(s, "42710") == 0)
		return PXT_EEXISTS;
	if (strncmp(s, "22", 2) == 0 || strncmp(s, "23", 2) == 0)
		return PXT_EINVAL;
	if (strcmp(s, "53100") == 0)
		return PXT_ESTORAGE;
	if (strncmp(s, "42", 2) == 0)
		return PXT_EDB;
	return PXT_EDB;
}

static void
pxt_db_first_line(char *msg)
{
	char *nl;

	/* libpq messages end with a newline and may carry a DETAIL line: keep line 1 */
	if ((nl = strchr(msg, '\n')) != NULL)
		*nl = '\0';
}

/*
 * The server's notices go to pxtc's log, not raw to stderr as libpq would print them:
 * WARNING as a warning, the rest at debug level (a NOTICE such as "relation ...
 * already exists, skipping" from a CREATE ... IF NOT EXISTS of the catalog tells the
 * operator nothing). PQreset keeps the receiver for a reconnected session.
 */
static void
pxt_db_notice(void *ud, const PGresult *res)
{
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	(void)ud;
	if (msg == NULL)
		return;
	if (sev != NULL && strcmp(sev, "WARNING") == 0)
		pxt_log(PXT_LOG_WARN, "PostgreSQL: %s", msg);
	else
		pxt_log(PXT_LOG_DEBUG, "PostgreSQL %s: %s", sev ? sev : "NOTICE", msg);
}

pxt_err
pxt_db_connect(const char *conninfo, pxt_db **out)
{
	char msg[512];
	pxt_db *db;

	*out = NULL;
	db = calloc(1, sizeof(*db));
	if (db == NULL || (db->conninfo = strdup(conninfo)) == NULL) {
		free(db);
		return pxt_seterr(PXT_ENOMEM, "out of memory connecting to the database");
	}
	db->conn = PQconnectdb(conninfo);
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		snprintf(msg, sizeof(msg), "%s",
		    db->conn ? PQerrorMessage(db->conn) : "out of memory");
		pxt_db_first_line(msg);
		pxt_db_close(db);
		return pxt_seterr(PXT_EUNAVAIL, "cannot connect to PostgreSQL: %s", msg);
	}
	PQsetNoticeReceiver(db->conn, pxt_db_notice, NULL);
	*out = db;
	return PXT_OK;
}

void
pxt_db_close(pxt_db *db)
{
	if (db == NULL)
		return;
	pxt_db_cache_clear(db);
	if (db->conn != NULL)
		PQfinish(db->conn);
	free(db->session_sql);
	free(db->conninfo);
	free(db);
}

pxt_err
pxt_db_session(pxt_db *db, const char *name, const char *value)
{
	const char *params[2] = {name, value};
	pxt_buf b = PXT_BUF_INIT;
	PGresult *res;
	pxt_err rc;

	/* apply now (validates the value), then remember the literal for reconnects */
	rc = pxt_db_exec_once(db, "SELECT set_config($1, $2, false),"
	    " format('SET %I = %L;', $1::text, $2::text)", 2, params, &res);
	if (rc != PXT_OK)
		return rc;
	pxt_buf_adds(&b, db->session_sql ? db->session_sql : "");
	pxt_buf_adds(&b, PQgetvalue(res, 0, 1));
	PQclear(res);
	if (b.failed)
		return PXT_ENOMEM;
	free(db->session_sql);
	db->session_sql = pxt_buf_steal(&b);
	return PXT_OK;
}

void
pxt_db_set_hook(pxt_db *db, pxt_db_hook fn, void *ud)
{
	db->hook = fn;
	db->hook_ud = ud;
}

/* Re-establish the connection, retrying with back-off for up to 15 s. */
static pxt_err
pxt_db_reconnect(pxt_db *db)
{
	long long deadline = pxt_now_ms() + PXT_DB_RECONNECT_MS;
	long delay = 50;
	pxt_err rc;

	pxt_db_cache_clear(db);
	db->in_tx = false;
	db->broken = false;
	for (;;) {
		if (db->hook != NULL && (rc = db->hook(db->hook_ud)) != PXT_OK)
			return pxt_seterr(PXT_EUNAVAIL, "the database is unreachable: %s",
			    pxt_errmsg());
		PQreset(db->conn);
		if (PQstatus(db->conn) == CONNECTION_OK) {
			if (db->session_sql != NULL)
				PQclear(PQexec(db->conn, db->session_sql));
			db->reconnects++;
			pxt_log(PXT_LOG_INFO, "reconnected to PostgreSQL");
			return PXT_OK;
		}
		if (pxt_now_ms() + delay > deadline)
			break;
		pxt_sleep_ms(delay);
		delay = delay * 2 > 1000 ? 1000 : delay * 2;
	}
	return pxt_seterr(PXT_EUNAVAIL, "the database is unreachable: %s",
	    PQerrorMessage(db->conn));
}

static bool
pxt_db_lost(const pxt_db *db, const PGresult *res)
{
	const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (PQstatus(db->conn) != CONNECTION_OK)
		return true;
	return st != NULL && pxt_db_map_sqlstate(st) == PXT_EUNAVAIL;
}

/* Record the failure of res (may be NULL) and return its mapped code. */
static pxt_err
pxt_db_fail(pxt_db *db, PGresult *res)
{
	const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	char msg[512];
	pxt_err code;

	snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", st ? st : "08006");
	code = st ? pxt_db_map_sqlstate(st) : PXT_EUNAVAIL;
	if (primary == NULL) {
		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(db->conn));
		pxt_db_first_line(msg);
		primary = msg;
	}
	pxt_seterr(code, "%s%s%s (SQLSTATE %s)", primary, detail ? ": " : "",
	    detail ? detail : "", db->sqlstate);
	return code;
}

/* Find or create the prepared statement for sql; returns its name or NULL. */
static const char *
pxt_db_prepare(pxt_db *db, const char *sql, int nparams, char *name, size_t namelen,
    PGresult **fail)
{
	uint64_t h = pxt_hash(sql);
	size_t slot = (size_t)(h % (PXT_DB_CACHE * 2));
	PGresult *r;

	*fail = NULL;
	while (db->cache[slot].sql != NULL) {
		if (db->cache[slot].hash == h && strcmp(db->cache[slot].sql, sql) == 0) {
			snprintf(name, namelen, "pxt_%u", db->cache[slot].id);
			return name;
		}
		slot = (slot + 1) % (PXT_DB_CACHE * 2);
	}
	if (db->ncached >= PXT_DB_CACHE)
		return NULL;	/* cache full: run unprepared */
	snprintf(name, namelen, "pxt_%u", ++db->next_id);
	r = PQprepare(db->conn, name, sql, nparams, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		*fail = r;
		return NULL;
	}
	PQclear(r);
	if ((db->cache[slot].sql = strdup(sql)) == NULL)
		return name;	/* prepared but not remembered: still usable now */
	db->cache[slot].hash = h;
	db->cache[slot].id = db->next_id;
	db->ncached++;
	return name;
}

static PGresult *
pxt_db_run(pxt_db *db, const char *sql, int nparams, const char *const *params,
    bool cached)
{
	PGresult *fail = NULL;
	char name[32];

	if (cached && pxt_db_prepare(db, sql, nparams, name, sizeof(name), &fail))
		return PQexecPrepared(db->conn, name, nparams, params, NULL, NULL, 0);
	if (fail != NULL)
		return fail;
	if (!cached && nparams == 0)
		return PQexec(db->conn, sql);	/* DDL scripts: several statements */
	return PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
}

static pxt_err
pxt_db_do(pxt_db *db, const char *sql, int nparams, const char *const *params,
    PGresult **out, bool cached)
{
	PGresult *res;
	pxt_err rc;

	if (out != NULL)
		*out = NULL;
	db->sqlstate[0] = '\0';
	if (db->broken || PQstatus(db->conn) != CONNECTION_OK) {
		if ((rc = pxt_db_reconnect(db)) != PXT_OK)
			return rc;
	}
	res = pxt_db_run(db, sql, nparams, params, cached);
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK && pxt_db_lost(db, res)) {
		if (db->in_tx) {
			/* work of this transaction is gone: say so, reset on next use */
			PQclear(res);
			db->broken = true;
			db->in_tx = false;
			return pxt_seterr(PXT_EUNAVAIL, "the database connection was lost "
			    "during a transaction; nothing was committed");
		}
		PQclear(res);
		if ((rc = pxt_db_reconnect(db)) != PXT_OK)
			return rc;
		res = pxt_db_run(db, sql, nparams, params, cached);
	}
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = pxt_db_fail(db, res);
		PQclear(res);
		return rc;
	}
	if (out != NULL)
		*out = res;
	else
		PQclear(res);
	return PXT_OK;
}

pxt_err
pxt_db_exec(pxt_db *db, const char *sql, int nparams, const char *const *params,
    PGresult **res)
{
	return pxt_db_do(db, sql, nparams, params, res, true);
}

pxt_err
pxt_db_exec_once(pxt_db *db, const char *sql, int nparams,
    const char *const *params, PGresult **res)
{
	return pxt_db_do(db, sql, nparams, params, res, false);
}

pxt_err
pxt_db_begin(pxt_db *db)
{
	pxt_err rc;

	if (db->in_tx)
		return pxt_seterr(PXT_EINTERNAL, "a transaction is already open");
	if ((rc = pxt_db_exec_once(db, "BEGIN", 0, NULL, NULL)) == PXT_OK)
		db->in_tx = true;
	return rc;
}

pxt_err
pxt_db_commit(pxt_db *db)
{
	pxt_err rc;

	if (!db->in_tx)
		return pxt_seterr(PXT_EINTERNAL, "commit without a transaction");
	rc = pxt_db_exec_once(db, "COMMIT", 0, NULL, NULL);
	db->in_tx = false;
	return rc;
}

pxt_err
pxt_db_rollback(pxt_db *db)
{
	char saved[1024];
	pxt_err code = pxt_errcode();

	if (!db->in_tx)
		return PXT_OK;
	/* keep the error that made the caller roll back */
	snprintf(saved, sizeof(saved), "%s", pxt_errmsg());
	db->in_tx = false;
	if (PQstatus(db->conn) == CONNECTION_OK)
		PQclear(PQexec(db->conn, "ROLLBACK"));
	pxt_seterr(code, "%s", saved);
	return PXT_OK;
}

bool
pxt_db_in_tx(const pxt_db *db)
{
	return db->in_tx;
}

const char *
pxt_db_sqlstate(const pxt_db *db)
{
	return db->sqlstate;
}

PGconn *
pxt_db_conn(pxt_db *db)
{
	return db->conn;
}

unsigned
pxt_db_reconnects(const pxt_db *db)
{
	return db->reconnects;
}
