/*
 * http_table.c - the generic table routes: insert, update (by primary key) and delete
 * (by match columns), each one statement in one transaction, answering the row as
 * stored (RETURNING) without a second round trip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_int.h"
#include "http_value.h"

enum pxt_route_kind { PXT_ROUTE_INSERT, PXT_ROUTE_UPDATE, PXT_ROUTE_DELETE };

struct pxt_table_route {
	enum pxt_route_kind kind;
	pxt_table *t;
	char **inputs, **outputs, **match, **now;	/* NULL-terminated; NULL: default */
};

static bool
pxt_in_list(char **list, const char *name)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

static bool
pxt_is_default_key(const pxt_table *t, const pxt_column *c)
{
	int npk = 0;

	for (int i = 0; i < t->ncols; i++)
		npk += t->cols[i].primary_key;
	return npk == 1 && c->primary_key && strcmp(c->name, "id") == 0 &&
	    c->type == PXT_UUID;
}

static bool
pxt_is_input(const struct pxt_table_route *tr, const pxt_column *c)
{
	if (c->computed != NULL)
		return false;
	if (tr->inputs != NULL)
		return pxt_in_list(tr->inputs, c->name);
	return !pxt_is_default_key(tr->t, c);
}

static bool
pxt_is_output(const void *ud, const pxt_column *c)
{
	const struct pxt_table_route *tr = ud;

	return tr->outputs == NULL || pxt_in_list(tr->outputs, c->name);
}

/* Append " RETURNING <outputs>" for the route. */
static void
pxt_returning(pxt_buf *b, const struct pxt_table_route *tr)
{
	pxt_buf_adds(b, " RETURNING ");
	pxt_value_sql_outlist(b, tr->t, pxt_is_output, tr);
}

/* The request body as an object whose keys are all known columns. */
static pxt_err
pxt_body_object(pxt_req *req, const pxt_table *t, const pxt_json **obj)
{
	pxt_err rc;

	if ((rc = pxt_req_json(req, obj)) != PXT_OK)
		return rc;
	if ((*obj)->type != PXT_JSON_OBJECT)
		return pxt_req_fail(req, PXT_EINVAL, NULL, "the body must be a JSON object "
		    "of column values, got %s", pxt_json_type_name((*obj)->type));
	for (size_t i = 0; i < (*obj)->u.obj.n; i++) {
		const char *k = (*obj)->u.obj.keys[i];

		if (pxt_table_find_col(t, k) == NULL)
			return pxt_req_fail(req, PXT_EINVAL, k, "unknown column '%.64s' for "
			    "table '%s'", k, t->path);
	}
	return PXT_OK;
}

#define PXT_IDEMPOTENCY_KEY_MAX 255

/*
 * Claim key for this route in the open transaction. *replayed is true when an earlier
 * request with the same key (within a day) already answered: its response is copied.
 */
static pxt_err
pxt_idem_claim(pxt_req *req, pxt_db *db, const char *key, bool *replayed)
{
	const char *params[2] = {pxt_req_path(req), key};
	PGresult *res;
	pxt_err rc;

	*replayed = false;
	for (const char *c = key; *c; c++)
		if ((unsigned char)*c < 0x21 || (unsigned char)*c > 0x7e)
			return pxt_req_fail(req, PXT_EINVAL, "Idempotency-Key", "the "
			    "Idempotency-Key header must be printable ASCII without spaces");
	if (*key == '\0' || strlen(key) > PXT_IDEMPOTENCY_KEY_MAX)
		return pxt_req_fail(req, PXT_EINVAL, "Idempotency-Key", "the "
		    "Idempotency-Key header must have 1 to %d characters",
		    PXT_IDEMPOTENCY_KEY_MAX);
	rc = pxt_db_exec(db, "DELETE FROM pxt_catalog.idempotency WHERE route = $1 AND"
	    " key = $2 AND created_at < now() - interval '1 day'", 2, params, NULL);
	/* waits for a concurrent request with the same key to commit or roll back */
	if (rc == PXT_OK)
		rc = pxt_db_exec(db, "INSERT INTO pxt_catalog.idempotency (route, key)"
		    " VALUES ($1, $2) ON CONFLICT DO NOTHING", 2, params, &res);
	if (rc != PXT_OK)
		return rc;
	*replayed = strcmp(PQcmdTuples(res), "0") == 0;
	PQclear(res);
	if (!*replayed)
		return PXT_OK;
	rc = pxt_db_exec(db, "SELECT status, body FROM pxt_catalog.idempotency"
	    " WHERE route = $1 AND key = $2", 2, params, &res);
	if (rc != PXT_OK)
		return rc;
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 1)) {
		pxt_res_json(req, atoi(PQgetvalue(res, 0, 0)));
		pxt_buf_adds(pxt_res_body(req), PQgetvalue(res, 0, 1));
		pxt_res_header(req, "Idempotent-Replayed", "true");
	}
	PQclear(res);
	return PXT_OK;
}

/* Store the response under the claimed key and commit. */
static pxt_err
pxt_idem_finish(pxt_req *req, pxt_db *db, const char *key)
{
	const char *params[3] = {pxt_req_path(req), key, pxt_buf_str(pxt_res_body(req))};
	pxt_err rc;

	rc = pxt_db_exec(db, "UPDATE pxt_catalog.idempotency SET status = 200, body = $3"
	    " WHERE route = $1 AND key = $2", 3, params, NULL);
	if (rc == PXT_OK)
		rc = pxt_db_commit(db);
	return rc;
}

/* Run the statement and answer with the returned row (one_row) or num_rows. */
static pxt_err
pxt_table_exec(pxt_req *req, const struct pxt_table_route *tr, pxt_buf *sql,
    int n, const char **params)
{
	pxt_db *db = pxt_env_db(pxt_req_env(req));
	const char *key = tr->kind == PXT_ROUTE_INSERT ?
	    pxt_req_header(req, "Idempotency-Key") : NULL;
	bool replayed = false;
	PGresult *res;
	pxt_err rc;
	pxt_jw *w;

	if (sql->failed)
		return PXT_ENOMEM;
	if (key != NULL) {
		if ((rc = pxt_db_begin(db)) != PXT_OK ||
		    (rc = pxt_idem_claim(req, db, key, &replayed)) != PXT_OK)
			return pxt_req_fail(req, rc, req->cause, "%s", pxt_errmsg());
		if (replayed) {
			pxt_db_rollback(db);
			return PXT_OK;
		}
	}
	rc = pxt_db_exec(db, pxt_buf_str(sql), n, params, &res);
	if (rc != PXT_OK)
		return pxt_req_fail(req, rc, NULL, "%s", pxt_errmsg());
	if (key == NULL)
		pxt_req_committed(req);	/* autocommit: the statement is its transaction */
	if (tr->kind == PXT_ROUTE_DELETE) {
		w = pxt_res_json(req, 200);
		pxt_jw_obj_begin(w);
		pxt_jw_key(w, "num_rows");
		pxt_jw_int(w, strtoll(PQcmdTuples(res), NULL, 10));
		pxt_jw_obj_end(w);
	} else if (PQntuples(res) == 0) {
		PQclear(res);
		return pxt_req_fail(req, PXT_ENOTFOUND, NULL, "no row of '%s' matches the "
		    "primary key", tr->t->path);
	} else {
		pxt_value_write_row(pxt_res_json(req, 200), tr->t, pxt_is_output, tr, res,
		    0);
	}
	PQclear(res);
	if (key != NULL) {
		if ((rc = pxt_idem_finish(req, db, key)) != PXT_OK)
			return pxt_req_fail(req, rc, NULL, "%s", pxt_errmsg());
		pxt_req_committed(req);
	}
	return PXT_OK;
}

static pxt_err
pxt_handle_insert(pxt_req *req, const struct pxt_table_route *tr, const pxt_json *obj)
{
	const pxt_table *t = tr->t;
	pxt_buf sql = PXT_BUF_INIT, vals = PXT_BUF_INIT;
	const char **params = pxt_pcalloc(req->pool, sizeof(char *) * (size_t)(t->ncols + 1));
	int n = 0, ncols = 0;
	pxt_err rc = params ? PXT_OK : PXT_ENOMEM;

	pxt_buf_addf(&sql, "INSERT INTO %s (", t->storage_sql);
	for (int i = 0; rc == PXT_OK && i < t->ncols; i++) {
		const pxt_column *c = &t->cols[i];
		const pxt_json *v = pxt_json_get(obj, c->name);
		bool now = v == NULL && pxt_in_list(tr->now, c->name);
		char *text;

		if (v != NULL && !pxt_is_input(tr, c))
			rc = pxt_req_fail(req, PXT_EINVAL, c->name, "column '%s' cannot be "
			    "set by this route", c->name);
		else if (v == NULL && !now && !c->nullable && !pxt_is_default_key(t, c))
			rc = pxt_req_fail(req, PXT_EINVAL, c->name, "missing required "
			    "column '%s'", c->name);
		if (rc != PXT_OK || (v == NULL && !now))
			continue;
		if (ncols++ > 0) {
			pxt_buf_adds(&sql, ", ");
			pxt_buf_adds(&vals, ", ");
		}
		pxt_quote_ident(&sql, t->col_storage[i]);
		if (now) {
			pxt_buf_adds(&vals, "now()");
			continue;
		}
		rc = pxt_value_param(req, c, v, req->app->media_roots,
		    req->app->nmedia_roots, &text);
		params[n++] = text;
		pxt_value_sql_param(&vals, c, n);
	}
	if (rc == PXT_OK) {
		if (ncols == 0) {
			pxt_buf_reset(&sql);
			pxt_buf_addf(&sql, "INSERT INTO %s DEFAULT VALUES", t->storage_sql);
		} else {
			pxt_buf_addf(&sql, ") VALUES (%s)", pxt_buf_str(&vals));
		}
		pxt_returning(&sql, tr);
		rc = pxt_table_exec(req, tr, &sql, n, params);
	}
	pxt_buf_free(&sql);
	pxt_buf_free(&vals);
	return rc;
}

/* Append "k1 = $i AND k2 = $j" for the key columns, binding their values. */
static pxt_err
pxt_where_keys(pxt_req *req, const struct pxt_table_route *tr, const pxt_json *obj,
    pxt_buf *sql, const char **params, int *n)
{
	const pxt_table *t = tr->t;
	int nkeys = 0;
	pxt_err rc;

	for (int i = 0; i < t->ncols; i++) {
		const pxt_column *c = &t->cols[i];
		bool key = tr->match ? pxt_in_list(tr->match, c->name) : c->primary_key;
		const pxt_json *v = pxt_json_get(obj, c->name);
		char *text;

		if (!key)
			continue;
		if (v == NULL || v->type == PXT_JSON_NULL)
			return pxt_req_fail(req, PXT_EINVAL, c->name, "missing '%s': it "
			    "selects the row", c->name);
		if ((rc = pxt_value_param(req, c, v, NULL, 0, &text)) != PXT_OK &&
		    !(pxt_type_is_media(c->type) && v->type == PXT_JSON_STRING))
			return rc;
		if (rc != PXT_OK)	/* matching a stored media value: compare as text */
			text = (char *)v->u.str.s;
		if (nkeys++ > 0)
			pxt_buf_adds(sql, " AND ");
		pxt_quote_ident(sql, t->col_storage[i]);
		params[(*n)++] = text;
		pxt_buf_adds(sql, " = ");
		pxt_value_sql_param(sql, c, *n);
	}
	return PXT_OK;
}

static pxt_err
pxt_handle_update(pxt_req *req, const struct pxt_table_route *tr, const pxt_json *obj)
{
	const pxt_table *t = tr->t;
	pxt_buf sql = PXT_BUF_INIT;
	const char **params = pxt_pcalloc(req->pool, sizeof(char *) * (size_t)(t->ncols + 1));
	int n = 0, nset = 0;
	pxt_err rc = params ? PXT_OK : PXT_ENOMEM;

	pxt_buf_addf(&sql, "UPDATE %s SET ", t->storage_sql);
	for (int i = 0; rc == PXT_OK && i < t->ncols; i++) {
		const pxt_column *c = &t->cols[i];
		const pxt_json *v = pxt_json_get(obj, c->name);
		char *text;

		if (v == NULL || c->primary_key)
			continue;
		if (!pxt_is_input(tr, c)) {
			rc = pxt_req_fail(req, PXT_EINVAL, c->name, "column '%s' cannot be "
			    "set by this route", c->name);
			break;
		}
		rc = pxt_value_param(req, c, v, req->app->media_roots,
		    req->app->nmedia_roots, &text);
		if (nset++ > 0)
			pxt_buf_adds(&sql, ", ");
		pxt_quote_ident(&sql, t->col_storage[i]);
		pxt_buf_adds(&sql, " = ");
		params[n++] = text;
		pxt_value_sql_param(&sql, c, n);
	}
	if (rc == PXT_OK && nset == 0)
		rc = pxt_req_fail(req, PXT_EINVAL, NULL, "nothing to update: give at least "
		    "one column besides the primary key");
	if (rc == PXT_OK) {
		pxt_buf_adds(&sql, " WHERE ");
		rc = pxt_where_keys(req, tr, obj, &sql, params, &n);
	}
	if (rc == PXT_OK) {
		pxt_returning(&sql, tr);
		rc = pxt_table_exec(req, tr, &sql, n, params);
	}
	pxt_buf_free(&sql);
	return rc;
}

static pxt_err
pxt_handle_delete(pxt_req *req, const struct pxt_table_route *tr, const pxt_json *obj)
{
	const pxt_table *t = tr->t;
	pxt_buf sql = PXT_BUF_INIT;
	const char **params = pxt_pcalloc(req->pool, sizeof(char *) * (size_t)(t->ncols + 1));
	int n = 0;
	pxt_err rc = params ? PXT_OK : PXT_ENOMEM;

	pxt_buf_addf(&sql, "DELETE FROM %s WHERE ", t->storage_sql);
	if (rc == PXT_OK)
		rc = pxt_where_keys(req, tr, obj, &sql, params, &n);
	if (rc == PXT_OK)
		rc = pxt_table_exec(req, tr, &sql, n, params);
	pxt_buf_free(&sql);
	return rc;
}

static pxt_err
pxt_table_handler(pxt_req *req, void *ud)
{
	const struct pxt_table_route *tr = ud;
	const pxt_json *obj;
	pxt_err rc;

	if (tr->t->id == 0)
		return pxt_req_fail(req, PXT_ENOTFOUND, NULL, "table '%s' was dropped",
		    tr->t->path);
	if ((rc = pxt_body_object(req, tr->t, &obj)) != PXT_OK)
		return rc;
	switch (tr->kind) {
	case PXT_ROUTE_INSERT:
		return pxt_handle_insert(req, tr, obj);
	case PXT_ROUTE_UPDATE:
		return pxt_handle_update(req, tr, obj);
	default:
		return pxt_handle_delete(req, tr, obj);
	}
}

/* Copy a NULL-terminated list into pool, checking every name is a column of t. */
static pxt_err
pxt_copy_cols(pxt_pool *pool, const pxt_table *t, const char *const *in, char ***out,
    const char *what)
{
	size_t n = 0;

	*out = NULL;
	if (in == NULL)
		return PXT_OK;
	while (in[n] != NULL)
		n++;
	if ((*out = pxt_pcalloc(pool, sizeof(char *) * (n + 1))) == NULL)
		return PXT_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (pxt_table_find_col(t, in[i]) == NULL)
			return pxt_seterr(PXT_ENOTFOUND, "%s: table '%s' has no column '%s'",
			    what, t->path, in[i]);
		if (((*out)[i] = pxt_pstrdup(pool, in[i])) == NULL)
			return PXT_ENOMEM;
	}
	return PXT_OK;
}

static pxt_err
pxt_add_table_route(pxt_router *r, const char *path, pxt_table *t,
    const pxt_route_opts *opts, enum pxt_route_kind kind)
{
	pxt_pool *pool = r->app->pool;
	struct pxt_table_route *tr;
	pxt_err rc;

	if (t == NULL)
		return pxt_seterr(PXT_ENOTFOUND, "router '%s': route %s has no table (did "
		    "the setup program run?)", r->name, path);
	if ((tr = pxt_pcalloc(pool, sizeof(*tr))) == NULL)
		return PXT_ENOMEM;
	tr->kind = kind;
	tr->t = t;
	if (opts != NULL && ((rc = pxt_copy_cols(pool, t, opts->inputs, &tr->inputs,
	    "inputs")) != PXT_OK || (rc = pxt_copy_cols(pool, t, opts->outputs,
	    &tr->outputs, "outputs")) != PXT_OK || (rc = pxt_copy_cols(pool, t,
	    opts->match_columns, &tr->match, "match_columns")) != PXT_OK ||
	    (rc = pxt_copy_cols(pool, t, opts->now_columns, &tr->now, "now_columns"))
	    != PXT_OK))
		return pxt_seterr(rc, "router '%s', route %s: %s", r->name, path,
		    pxt_errmsg());
	return pxt_add_route(r, PXT_POST, path, pxt_table_handler, tr);
}

pxt_err
pxt_add_insert_route(pxt_router *r, const char *path, pxt_table *t,
    const pxt_route_opts *opts)
{
	return pxt_add_table_route(r, path, t, opts, PXT_ROUTE_INSERT);
}

pxt_err
pxt_add_update_route(pxt_router *r, const char *path, pxt_table *t,
    const pxt_route_opts *opts)
{
	return pxt_add_table_route(r, path, t, opts, PXT_ROUTE_UPDATE);
}

pxt_err
pxt_add_delete_route(pxt_router *r, const char *path, pxt_table *t,
    const pxt_route_opts *opts)
{
	return pxt_add_table_route(r, path, t, opts, PXT_ROUTE_DELETE);
}
