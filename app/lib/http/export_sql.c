/*
 * export_sql.c - export_sql (see export_sql_int.h): after a table route's write
 * commits, the row it answers is written to a table of another database.
 *
 * The statement is built once, when the route is added (quoted identifiers, values
 * only as parameters). Connections open on a worker's first export of each db_connect
 * and are kept for the life of the process, shared by the routes that name the same
 * target; a PostgreSQL connection found broken is dropped and opened again next time.
 * ${VAR} in db_connect is read from the environment only to connect, and the expanded
 * text is wiped at once: neither it nor db_connect is ever logged or answered.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "catalog/catalog_int.h"
#include "core/lazylib_int.h"
#include "http/export_sql_int.h"
#include "http/http_int.h"
#include "pxt/ident.h"
#include "pxt/log.h"

#define PXT_XCONN_MAX 16
#define PXT_XCONN_TIMEOUT_S "10"
#define PXT_SQLITE_BUSY_MS 5000

/* One prepared export: where to, and the statement with its parameter columns. */
struct pxt_export {
	bool sqlite;
	char *db_connect;	/* as configured (${VAR} unexpanded): the connection key */
	char *target;		/* "schema"."table", for messages */
	char *source;		/* the route's table path, for messages */
	char *sql;		/* $n (PostgreSQL) or ?n (SQLite) parameters */
	bool update;
	bool compute;		/* a compute route's: nothing of the source is stored */
	int n;
	char **cols;		/* parameter i+1 is output column cols[i] */
};

/* An open connection of this process. */
struct pxt_xconn {
	char *key;
	PGconn *pg;
	sqlite3 *lite;
};

static pthread_mutex_t pxt_xconn_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pxt_xconn pxt_xconns[PXT_XCONN_MAX];

/*
 * Split db_connect into its kind and the part after "://". PXT_EINVAL naming only the
 * scheme for anything but postgresql[+driver] and sqlite[+driver].
 */
static pxt_err
pxt_export_scheme(const char *url, bool *sqlite, const char **rest)
{
	const char *sep = strstr(url, "://");
	size_t n, base;

	if (sep == NULL)
		return pxt_seterr(PXT_EINVAL, "export_sql: db_connect must be a URL: "
		    "postgresql[+driver]://user:pass@host:port/db or sqlite:///path");
	n = (size_t)(sep - url);
	base = strcspn(url, "+");
	base = base < n ? base : n;
	*rest = sep + 3;
	if (base == 10 && strncmp(url, "postgresql", 10) == 0)
		*sqlite = false;
	else if (base == 6 && strncmp(url, "sqlite", 6) == 0)
		*sqlite = true;
	else
		return pxt_seterr(PXT_EINVAL, "export_sql: db_connect scheme '%.*s' is not "
		    "supported: use postgresql[+driver]://... or sqlite:///path",
		    (int)(n > 40 ? 40 : n), url);
	if (*sqlite && (**rest != '/' || (*rest)[1] == '\0'))
		return pxt_seterr(PXT_EINVAL, "export_sql: db_connect for SQLite names a "
		    "file: sqlite:///relative/path or sqlite:////absolute/path");
	return PXT_OK;
}

/*
 * url with each ${NAME} replaced by the environment variable NAME (malloc'd; wipe and
 * free it). NULL when out of memory, or with the first unset NAME in missing.
 */
static char *
pxt_export_expand(const char *url, char *missing, size_t cap)
{
	pxt_buf b = PXT_BUF_INIT;
	const char *p = url;

	missing[0] = '\0';
	while (*p != '\0') {
		const char *end = p[0] == '$' && p[1] == '{' ? strchr(p + 2, '}') : NULL;
		char name[128];
		const char *val;

		if (end == NULL || (size_t)(end - p - 2) >= sizeof(name) || end == p + 2) {
			pxt_buf_addc(&b, *p++);
			continue;
		}
		memcpy(name, p + 2, (size_t)(end - p - 2));
		name[end - p - 2] = '\0';
		if ((val = getenv(name)) == NULL) {
			snprintf(missing, cap, "%s", name);
			pxt_buf_free(&b);
			return NULL;
		}
		pxt_buf_adds(&b, val);
		p = end + 1;
	}
	if (b.failed) {
		pxt_buf_free(&b);
		return NULL;
	}
	pxt_buf_addc(&b, '\0');
	return b.failed ? (pxt_buf_free(&b), NULL) : pxt_buf_steal(&b);
}

/* Wipe and free an expanded db_connect. */
static void
pxt_export_wipe(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

/* Build ex->sql: INSERT of all columns, or UPDATE of the first nset by the rest. */
static pxt_err
pxt_export_build(pxt_pool *pool, struct pxt_export *ex, const char *schema,
    const char *table, int nset)
{
	pxt_buf b = PXT_BUF_INIT, t = PXT_BUF_INIT;
	pxt_err rc = PXT_OK;

	if (schema != NULL && (pxt_quote_ident(&t, schema) != PXT_OK ||
	    pxt_buf_addc(&t, '.') != 0))
		rc = pxt_seterr(PXT_EINVAL, "export_sql: db_schema '%s' is not a valid "
		    "identifier", schema);
	if (rc == PXT_OK && pxt_quote_ident(&t, table) != PXT_OK)
		rc = pxt_seterr(PXT_EINVAL, "export_sql: table '%s' is not a valid "
		    "identifier", table);
	pxt_buf_addf(&b, "%s %s ", ex->update ? "UPDATE" : "INSERT INTO",
	    pxt_buf_str(&t));
	pxt_buf_adds(&b, ex->update ? "SET " : "(");
	for (int i = 0; rc == PXT_OK && i < ex->n; i++) {
		if (ex->update && i == nset)
			pxt_buf_adds(&b, " WHERE ");
		else if (i > 0)
			pxt_buf_adds(&b, ex->update && i > nset ? " AND " : ", ");
		pxt_quote_ident(&b, ex->cols[i]);
		if (ex->update)
			pxt_buf_addf(&b, " = %c%d", ex->sqlite ? '?' : '$', i + 1);
	}
	for (int i = 0; rc == PXT_OK && !ex->update && i < ex->n; i++)
		pxt_buf_addf(&b, "%s%c%d", i ? ", " : ") VALUES (", ex->sqlite ? '?' : '$',
		    i + 1);
	if (!ex->update)
		pxt_buf_addc(&b, ')');
	if (rc == PXT_OK && (b.failed || t.failed || (ex->sql = pxt_pstrdup(pool,
	    pxt_buf_str(&b))) == NULL || (ex->target = pxt_pstrdup(pool,
	    pxt_buf_str(&t))) == NULL))
		rc = PXT_ENOMEM;
	pxt_buf_free(&b);
	pxt_buf_free(&t);
	return rc;
}

/* Whether column c of tr's table selects the target row of an update export. */
static bool
pxt_export_is_key(const struct pxt_table_route *tr, const pxt_column *c)
{
	return tr->match != NULL ? pxt_in_list(tr->match, c->name) : c->primary_key;
}

pxt_err
pxt_export_new(pxt_pool *pool, const struct pxt_table_route *tr,
    const pxt_export_sql *spec, struct pxt_export **out)
{
	const pxt_table *t = tr->out;
	const struct pxt_sqlite *lite;
	struct pxt_export *ex;
	const char *rest;
	char missing[128], *url;
	int nset = 0, nkey = 0, k = 0;
	pxt_err rc;

	*out = NULL;
	if (tr->kind == PXT_ROUTE_DELETE)
		return pxt_seterr(PXT_EINVAL, "export_sql: a delete route has no row to "
		    "export (insert and update routes only)");
	if (tr->fileresponse)
		return pxt_seterr(PXT_EINVAL, "export_sql: a route answering with a file "
		    "(return_fileresponse) has no row to export");
	if (spec->db_connect == NULL || spec->table == NULL)
		return pxt_seterr(PXT_EINVAL, "export_sql: needs 'db_connect' and 'table'");
	if ((ex = pxt_pcalloc(pool, sizeof(*ex))) == NULL)
		return PXT_ENOMEM;
	/* the scheme as the worker will see it: db_connect = "${DATABASE_URL}" works */
	if ((url = pxt_export_expand(spec->db_connect, missing, sizeof(missing))) == NULL)
		return missing[0] ? pxt_seterr(PXT_EINVAL, "export_sql: db_connect uses "
		    "${%s}, which is not set in the environment", missing) : PXT_ENOMEM;
	rc = pxt_export_scheme(url, &ex->sqlite, &rest);
	pxt_export_wipe(url);
	if (rc != PXT_OK)
		return rc;
	if (spec->method != NULL && strcmp(spec->method, "insert") != 0 &&
	    strcmp(spec->method, "update") != 0)
		return pxt_seterr(PXT_EINVAL, "export_sql: method must be \"insert\" or "
		    "\"update\", not \"%s\"%s", spec->method, strcmp(spec->method,
		    "merge") == 0 ? " (merge is not supported, as in Pixeltable)" : "");
	ex->update = spec->method != NULL && strcmp(spec->method, "update") == 0;
	ex->compute = tr->kind == PXT_ROUTE_COMPUTE;
	if (ex->sqlite && (rc = pxt_sqlite_get(&lite)) != PXT_OK)
		return pxt_seterr(rc, "export_sql: %s", pxt_errmsg());
	for (int i = 0; i < t->ncols; i++) {
		bool out_ = pxt_is_output(tr, &t->cols[i]);

		ex->n += out_;
		if (ex->update && pxt_export_is_key(tr, &t->cols[i])) {
			if (!out_)
				return pxt_seterr(PXT_EINVAL, "export_sql: method \"update\" finds "
				    "the target row by '%s': add it to the outputs",
				    t->cols[i].name);
			nkey++;
		}
	}
	nset = ex->n - nkey;
	if (ex->update && nset == 0)
		return pxt_seterr(PXT_EINVAL, "export_sql: method \"update\" needs an output "
		    "besides the key columns to set");
	if ((ex->cols = pxt_pcalloc(pool, sizeof(char *) * (size_t)(ex->n + 1))) == NULL)
		return PXT_ENOMEM;
	/* the columns set (all of them for an insert), then the keys */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < t->ncols; i++)
			if (pxt_is_output(tr, &t->cols[i]) && (pass == 1) == (ex->update &&
			    pxt_export_is_key(tr, &t->cols[i])))
				if ((ex->cols[k++] = pxt_pstrdup(pool, t->cols[i].name)) ==
				    NULL)
					return PXT_ENOMEM;
	if ((ex->db_connect = pxt_pstrdup(pool, spec->db_connect)) == NULL ||
	    (ex->source = pxt_pstrdup(pool, t->path)) == NULL)
		return PXT_ENOMEM;
	if ((rc = pxt_export_build(pool, ex, spec->db_schema, spec->table, nset)) != PXT_OK)
		return rc;
	*out = ex;
	return PXT_OK;
}

/* Drop connection c (the caller holds the lock). */
static void
pxt_xconn_drop(struct pxt_xconn *c)
{
	const struct pxt_sqlite *lite;

	if (c->pg != NULL)
		PQfinish(c->pg);
	if (c->lite != NULL && pxt_sqlite_get(&lite) == PXT_OK)
		lite->close_v2(c->lite);
	free(c->key);
	memset(c, 0, sizeof(*c));
}

/* Open a connection for ex into c; on failure the reason (no secret) in why. */
static pxt_err
pxt_xconn_open(const struct pxt_export *ex, struct pxt_xconn *c, char *why, size_t cap)
{
	static const char *const keys[] = {"dbname", "connect_timeout", NULL};
	const struct pxt_sqlite *lite;
	char missing[128], *url, *full = NULL;
	const char *rest, *vals[3];
	bool sqlite;
	pxt_err rc = PXT_OK;

	if ((url = pxt_export_expand(ex->db_connect, missing, sizeof(missing))) == NULL) {
		snprintf(why, cap, missing[0] ? "${%s} is not set" : "out of memory",
		    missing);
		return PXT_EUNAVAIL;
	}
	if (pxt_export_scheme(url, &sqlite, &rest) != PXT_OK || sqlite != ex->sqlite) {
		snprintf(why, cap, "db_connect (its ${VAR}) names another kind of "
		    "database than at start-up");
		rc = PXT_EUNAVAIL;
	} else if ((c->key = strdup(ex->db_connect)) == NULL) {
		rc = PXT_ENOMEM;
	} else if (sqlite) {
		if ((rc = pxt_sqlite_get(&lite)) != PXT_OK)
			snprintf(why, cap, "%s", pxt_errmsg());
		else if (lite->open_v2(rest + 1, &c->lite, SQLITE_OPEN_READWRITE, NULL) !=
		    SQLITE_OK) {
			snprintf(why, cap, "cannot open the SQLite file: %s", c->lite ?
			    lite->errmsg(c->lite) : "out of memory");
			rc = PXT_EUNAVAIL;
		} else {
			lite->busy_timeout(c->lite, PXT_SQLITE_BUSY_MS);
		}
	} else if ((full = malloc(strlen(rest) + 16)) == NULL) {
		rc = PXT_ENOMEM;
	} else {
		/* libpq takes the URL itself once the SQLAlchemy +driver is gone */
		snprintf(full, strlen(rest) + 16, "postgresql://%s", rest);
		vals[0] = full;
		vals[1] = PXT_XCONN_TIMEOUT_S;
		vals[2] = NULL;
		c->pg = PQconnectdbParams(keys, vals, 1);
		if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK) {
			snprintf(why, cap, "cannot connect: %s", c->pg ?
			    PQerrorMessage(c->pg) : "out of memory");
			why[strcspn(why, "\n")] = '\0';
			rc = PXT_EUNAVAIL;
		}
	}
	pxt_export_wipe(full);
	pxt_export_wipe(url);
	if (rc == PXT_ENOMEM)
		snprintf(why, cap, "out of memory");
	if (rc != PXT_OK)
		pxt_xconn_drop(c);
	return rc;
}

/* The process's connection for ex, opened when needed (the caller holds the lock). */
static struct pxt_xconn *
pxt_xconn_get(const struct pxt_export *ex, char *why, size_t cap)
{
	struct pxt_xconn *free_slot = NULL;

	for (int i = 0; i < PXT_XCONN_MAX; i++) {
		if (pxt_xconns[i].key != NULL && strcmp(pxt_xconns[i].key,
		    ex->db_connect) == 0)
			return &pxt_xconns[i];
		if (pxt_xconns[i].key == NULL && free_slot == NULL)
			free_slot = &pxt_xconns[i];
	}
	if (free_slot == NULL) {	/* more targets than slots: reuse the first */
		free_slot = &pxt_xconns[0];
		pxt_xconn_drop(free_slot);
	}
	return pxt_xconn_open(ex, free_slot, why, cap) == PXT_OK ? free_slot : NULL;
}

/* v as the text of a parameter (NULL for null; objects and arrays as JSON). */
static const char *
pxt_export_text(pxt_pool *pool, const pxt_json *v)
{
	pxt_buf b = PXT_BUF_INIT;
	pxt_jw w;
	char *s;

	switch (v == NULL ? PXT_JSON_NULL : v->type) {
	case PXT_JSON_NULL:
		return NULL;
	case PXT_JSON_BOOL:
		return v->u.b ? "true" : "false";
	case PXT_JSON_INT:
	case PXT_JSON_DOUBLE:
		return v->num;
	case PXT_JSON_STRING:
		return v->u.str.s;
	default:
		pxt_jw_init(&w, &b);
		pxt_jw_value(&w, v);
		s = b.failed ? NULL : pxt_pstrdup(pool, pxt_buf_str(&b));
		pxt_buf_free(&b);
		return s ? s : "";
	}
}

/* Run ex on PostgreSQL; the number of rows written in *nrows. */
static pxt_err
pxt_export_pg(struct pxt_xconn *c, const struct pxt_export *ex, const char **vals,
    long *nrows, char *why, size_t cap)
{
	PGresult *res = PQexecParams(c->pg, ex->sql, ex->n, NULL, vals, NULL, NULL, 0);
	pxt_err rc = PXT_OK;

	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		snprintf(why, cap, "%s", PQresultErrorMessage(res));
		why[strcspn(why, "\n")] = '\0';
		rc = PXT_EDB;
	} else {
		*nrows = strtol(PQcmdTuples(res), NULL, 10);
	}
	PQclear(res);
	if (PQstatus(c->pg) != CONNECTION_OK)
		pxt_xconn_drop(c);	/* opened again by the next export */
	return rc;
}

/* Run ex on SQLite, binding the row's JSON values by their type. */
static pxt_err
pxt_export_lite(pxt_pool *pool, struct pxt_xconn *c, const struct pxt_export *ex,
    const pxt_json *row, long *nrows, char *why, size_t cap)
{
	const struct pxt_sqlite *lite;
	sqlite3_stmt *st = NULL;
	int src = SQLITE_OK;

	if (pxt_sqlite_get(&lite) != PXT_OK)
		return PXT_EUNAVAIL;
	if (lite->prepare_v2(c->lite, ex->sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(why, cap, "%s", lite->errmsg(c->lite));
		return PXT_EDB;
	}
	for (int i = 0; src == SQLITE_OK && i < ex->n; i++) {
		const pxt_json *v = pxt_json_get(row, ex->cols[i]);
		const char *s;

		if (v == NULL || v->type == PXT_JSON_NULL)
			src = lite->bind_null(st, i + 1);
		else if (v->type == PXT_JSON_INT)
			src = lite->bind_int64(st, i + 1, v->u.i);
		else if (v->type == PXT_JSON_BOOL)
			src = lite->bind_int64(st, i + 1, v->u.b);
		else if (v->type == PXT_JSON_DOUBLE)
			src = lite->bind_double(st, i + 1, v->u.d);
		else if (v->type == PXT_JSON_STRING)
			src = lite->bind_text(st, i + 1, v->u.str.s, (int)v->u.str.len,
			    SQLITE_TRANSIENT);
		else if ((s = pxt_export_text(pool, v)) != NULL)
			src = lite->bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT);
	}
	if (src == SQLITE_OK && (src = lite->step(st)) == SQLITE_DONE)
		src = SQLITE_OK;
	if (src != SQLITE_OK)
		snprintf(why, cap, "%s", lite->errmsg(c->lite));
	else
		*nrows = lite->changes(c->lite);
	lite->finalize(st);
	return src == SQLITE_OK ? PXT_OK : PXT_EDB;
}

/* Export one answered row (a JSON object); why gets the target's error. */
static pxt_err
pxt_export_one(pxt_req *req, const struct pxt_export *ex, const pxt_json *row,
    char *why, size_t cap)
{
	const char **vals = NULL;
	struct pxt_xconn *c;
	long nrows = -1;
	pxt_err rc = PXT_OK;

	if (row->type != PXT_JSON_OBJECT) {
		snprintf(why, cap, "the answer is not a row");
		return PXT_EINTERNAL;
	}
	if (!ex->sqlite && (vals = pxt_pcalloc(req->pool, sizeof(char *) *
	    (size_t)(ex->n + 1))) == NULL)
		return PXT_ENOMEM;
	for (int i = 0; vals != NULL && i < ex->n; i++)
		vals[i] = pxt_export_text(req->pool, pxt_json_get(row, ex->cols[i]));
	pthread_mutex_lock(&pxt_xconn_lock);
	if ((c = pxt_xconn_get(ex, why, cap)) == NULL)
		rc = PXT_EUNAVAIL;
	else if (ex->sqlite)
		rc = pxt_export_lite(req->pool, c, ex, row, &nrows, why, cap);
	else
		rc = pxt_export_pg(c, ex, vals, &nrows, why, cap);
	pthread_mutex_unlock(&pxt_xconn_lock);
	/* a strict update, as Pixeltable's: exactly one target row */
	if (rc == PXT_OK && ex->update && nrows != 1) {
		snprintf(why, cap, "the update matched %ld rows, not 1", nrows);
		rc = PXT_EDB;
	}
	return rc;
}

pxt_err
pxt_export_row(pxt_req *req, const struct pxt_export *ex)
{
	pxt_buf *body = pxt_res_body(req);
	pxt_json *row = NULL;
	char why[512] = "";
	pxt_err rc;

	rc = pxt_json_parse(req->pool, pxt_buf_str(body), body->len, PXT_JSON_MAX_DEPTH,
	    &row);
	if (rc != PXT_OK)
		snprintf(why, sizeof(why), "the answer is not a row");
	else if (row->type != PXT_JSON_ARRAY)
		rc = pxt_export_one(req, ex, row, why, sizeof(why));
	/* a compute route's answer: each of its rows */
	for (size_t i = 0; rc == PXT_OK && row->type == PXT_JSON_ARRAY &&
	    i < row->u.arr.n; i++)
		rc = pxt_export_one(req, ex, row->u.arr.items[i], why, sizeof(why));
	if (rc == PXT_OK)
		return PXT_OK;
	pxt_log(PXT_LOG_ERROR, "export_sql to %s failed: %s", ex->target, why);
	req->fail_public = true;
	if (ex->compute)
		return pxt_req_fail(req, PXT_EDB, NULL, "the rows of '%s' were computed "
		    "(nothing is stored), but exporting them to %s (export_sql) failed: "
		    "see the server log", ex->source, ex->target);
	if (req->in_job)
		return pxt_req_fail(req, PXT_EDB, NULL, "exporting the row of '%s' to %s "
		    "(export_sql) failed, so the job's write was undone: see the server log",
		    ex->source, ex->target);
	return pxt_req_fail(req, PXT_EDB, NULL, "the row was committed to '%s', but "
	    "exporting it to %s (export_sql) failed: see the server log", ex->source,
	    ex->target);
}
