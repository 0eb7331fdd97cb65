/*
 * http_table.c - the generic table routes: insert, update (by primary key) and delete
 * (by match columns), each one statement in one transaction, answering the row as
 * stored (RETURNING) without a second round trip. What they read from the request
 * is table_row.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_int.h"
#include "engine/value_int.h"
#include "http/export_sql_int.h"
#include "http/http_int.h"
#include "media/media_store_int.h"
#include "engine/write_int.h"

/* One write of a route inside pxt_table_run: *res the rows, *first their 1st output. */
typedef pxt_err (*pxt_step_fn)(pxt_req *req, const struct pxt_table_route *tr,
    void *ud, PGresult **res, int *first);

struct pxt_sql_step {
	pxt_buf *sql;
	int n;
	const char **params;
};

/* Append " RETURNING <outputs>" for the route. */
static void
pxt_returning(pxt_buf *b, const struct pxt_table_route *tr)
{
	pxt_buf_adds(b, " RETURNING ");
	pxt_value_sql_outlist(b, tr->t, pxt_is_output, tr);
}

static pxt_err
pxt_step_sql(pxt_req *req, const struct pxt_table_route *tr, void *ud,
    PGresult **res, int *first)
{
	struct pxt_sql_step *s = ud;
	int n;
	pxt_err rc;

	*first = 0;
	if (s->sql->failed)
		return PXT_ENOMEM;
	rc = pxt_db_exec(pxt_env_db(pxt_req_env(req)), pxt_buf_str(s->sql), s->n,
	    s->params, res);
	/* match_columns that select several rows: an update changes one (rolled back) */
	if (rc == PXT_OK && tr->kind == PXT_ROUTE_UPDATE && (n = PQntuples(*res)) > 1) {
		PQclear(*res);
		*res = NULL;
		return pxt_req_fail(req, PXT_ECONFLICT, NULL, "%d rows of '%s' match: an "
		    "update changes one row", n, tr->t->path);
	}
	return rc;
}

int
pxt_file_column(const struct pxt_table_route *tr)
{
	int found = -1;

	for (int i = 0; i < tr->out->ncols; i++)
		if (pxt_type_is_media(tr->out->cols[i].type) && pxt_is_output(tr,
		    &tr->out->cols[i]))
			found = i;
	return found;
}

/*
 * return_fileresponse: the row's media file itself, sent by nginx (X-Accel-Redirect to
 * an internal location): a file of the local media store, or URL media (an object
 * store's included) from the file cache.
 */
pxt_err
pxt_file_answer(pxt_req *req, const struct pxt_table_route *tr, PGresult *res,
    int first)
{
	int col = first, want = pxt_file_column(tr);

	for (int i = 0; i < want; i++)
		col += pxt_is_output(tr, &tr->out->cols[i]);
	if (want < 0)
		return pxt_req_fail(req, PXT_ENOTFOUND, NULL, "the row has no file to "
		    "answer with");
	return pxt_file_send(req, tr->out->cols[want].name, PQgetisnull(res, 0, col) ?
	    NULL : PQgetvalue(res, 0, col));
}

/* Answer with the returned row (404 when none) or, for a delete, num_rows. */
static pxt_err
pxt_table_answer(pxt_req *req, const struct pxt_table_route *tr, PGresult *res,
    int first)
{
	pxt_jw *w;

	if (tr->kind == PXT_ROUTE_DELETE) {
		w = pxt_res_json(req, 200);
		pxt_jw_obj_begin(w);
		pxt_jw_key(w, "num_rows");
		pxt_jw_int(w, strtoll(PQcmdTuples(res), NULL, 10));
		pxt_jw_obj_end(w);
	} else if (PQntuples(res) == 0) {
		return pxt_req_fail(req, PXT_ENOTFOUND, NULL, "no row of '%s' matches the "
		    "primary key", tr->t->path);
	} else if (tr->fileresponse) {
		return pxt_file_answer(req, tr, res, first);
	} else {
		pxt_value_write_row_at(pxt_res_json(req, 200), tr->t, pxt_is_output, tr,
		    res, 0, first);
	}
	return PXT_OK;
}

/*
 * Run step in the route's transaction: its own when it needs several statements
 * (need_tx) or carries an Idempotency-Key, else the statement's autocommit. Answers
 * and, after the commit, keeps the media the write generated.
 */
static pxt_err
pxt_table_run(pxt_req *req, const struct pxt_table_route *tr, bool need_tx,
    pxt_step_fn step, void *ud)
{
	pxt_db *db = pxt_env_db(pxt_req_env(req));
	/* run by the jobs runner: its transaction holds ours */
	bool outer = req->in_job && pxt_db_in_tx(db);
	const char *key = tr->kind == PXT_ROUTE_INSERT && !outer ?
	    pxt_req_header(req, "Idempotency-Key") : NULL;
	bool replayed = false, tx = !outer && (key != NULL || need_tx);
	PGresult *res = NULL;
	int first = 0;
	pxt_err rc;

	if (tx && (rc = pxt_db_begin(db)) != PXT_OK)
		return pxt_req_fail(req, rc, NULL, "%s", pxt_errmsg());
	if (key != NULL) {
		if ((rc = pxt_idem_claim(req, db, key, &replayed)) != PXT_OK)
			return pxt_req_fail(req, rc, req->cause, "%s", pxt_errmsg());
		if (replayed) {
			pxt_db_rollback(db);
			return PXT_OK;
		}
	}
	if ((rc = step(req, tr, ud, &res, &first)) != PXT_OK)
		return rc;	/* the message (and cause) are set */
	if (!tx && !outer) {
		/* autocommit: the statement was the transaction; its files stay */
		pxt_req_committed(req);
		pxt_media_gen_settle(req->pool, true);
	}
	rc = pxt_table_answer(req, tr, res, first);
	PQclear(res);
	if (rc != PXT_OK)
		return rc;
	if (key != NULL)
		rc = pxt_idem_finish(req, db, key);
	else if (tx)
		rc = pxt_db_commit(db);
	if (rc != PXT_OK)
		return pxt_req_fail(req, rc, NULL, "%s", pxt_errmsg());
	if (!outer) {	/* else the runner commits, then keeps the media */
		pxt_req_committed(req);
		pxt_media_gen_settle(req->pool, true);
	}
	/* export_sql: the answered row, once the write is committed (or in the job's) */
	return tr->export != NULL ? pxt_export_row(req, tr->export) : PXT_OK;
}

static pxt_err
pxt_step_insert(pxt_req *req, const struct pxt_table_route *tr, void *ud,
    PGresult **res, int *first)
{
	pxt_wrow *r = ud;
	char *out = pxt_outputs_sql(req, tr), *now = NULL;
	pxt_err rc;

	*first = 1;
	if (out == NULL)
		return PXT_ENOMEM;
	/* here, not before: a replayed Idempotency-Key runs no pipeline */
	if ((rc = pxt_wrow_defaults(tr->t, req->pool, r, tr->now, &now)) != PXT_OK ||
	    (rc = pxt_wrow_compute(tr->t, req->pool, r, NULL)) != PXT_OK)
		return rc;
	return pxt_write_insert(tr->t, req->pool, r, 1, *out ? out : NULL, res);
}

static pxt_err
pxt_handle_insert(pxt_req *req, const struct pxt_table_route *tr, const pxt_json *obj)
{
	pxt_wrow r;
	pxt_err rc;

	if ((rc = pxt_table_body_row(req, tr, obj, true, &r)) != PXT_OK)
		return rc;
	if (tr->kind == PXT_ROUTE_COMPUTE)
		return pxt_compute_run(req, tr, &r);
	return pxt_table_run(req, tr, tr->t->nviews > 0, pxt_step_insert, &r);
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
		if ((rc = pxt_table_value(req, c, v, NULL, 0, &text)) != PXT_OK &&
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

struct pxt_upd_step {
	pxt_wrow *given;
	unsigned char *set;	/* given + the computed columns depending on them */
	pxt_buf *where;
	int n;
	const char **params;
};

/* Update with dependents: read the row, recompute, write it, refresh its views. */
static pxt_err
pxt_step_update(pxt_req *req, const struct pxt_table_route *tr, void *ud,
    PGresult **res, int *first)
{
	struct pxt_upd_step *u = ud;
	pxt_table *t = tr->t;
	pxt_wrow old;
	char *tail = pxt_psprintf(req->pool, "WHERE %s FOR UPDATE", pxt_buf_str(u->where));
	char *out = pxt_outputs_sql(req, tr);
	pxt_wrow *rows;
	int nrows;
	pxt_err rc;

	*first = 1;
	if (tail == NULL || out == NULL)
		return PXT_ENOMEM;
	if ((rc = pxt_write_read_rows(t, req->pool, tail, u->n, u->params, &rows,
	    &nrows)) != PXT_OK)
		return rc;
	if (nrows == 0)
		return pxt_req_fail(req, PXT_ENOTFOUND, NULL, "no row of '%s' matches the "
		    "primary key", t->path);
	if (nrows > 1)
		return pxt_req_fail(req, PXT_ECONFLICT, NULL, "%d rows of '%s' match: an "
		    "update changes one row", nrows, t->path);
	old = rows[0];
	if ((old.v = pxt_palloc(req->pool, sizeof(pxt_value) * (size_t)t->ncols)) == NULL)
		return PXT_ENOMEM;
	memcpy(old.v, rows[0].v, sizeof(pxt_value) * (size_t)t->ncols);
	for (int i = 0; i < t->ncols; i++)
		if (u->given->given[i])
			rows[0].v[i] = u->given->v[i];
	if ((rc = pxt_wrow_compute(t, req->pool, &rows[0], u->set)) != PXT_OK ||
	    (rc = pxt_write_release_replaced(req->pool, t, &old, &rows[0], u->set)) !=
	    PXT_OK)
		return rc;
	if ((rc = pxt_write_update_row(t, req->pool, &rows[0], u->set, *out ? out :
	    NULL, res)) != PXT_OK)
		return rc;
	return pxt_write_views_refresh(t, req->pool, &rows[0], u->set, req->pool);
}

/* Name the recomputed columns in a response header (what an update touched). */
static void
pxt_recomputed_header(pxt_req *req, const pxt_table *t, const unsigned char *todo)
{
	pxt_buf b = PXT_BUF_INIT;

	for (int i = 0; i < t->ncols; i++)
		if (todo[i])
			pxt_buf_addf(&b, "%s%s", b.len ? ", " : "", t->cols[i].name);
	if (!b.failed)
		pxt_res_header(req, "Pxt-Recomputed", pxt_buf_str(&b));
	pxt_buf_free(&b);
}

static pxt_err
pxt_handle_update(pxt_req *req, const struct pxt_table_route *tr, const pxt_json *obj)
{
	const pxt_table *t = tr->t;
	pxt_buf sql = PXT_BUF_INIT, where = PXT_BUF_INIT;
	const char **params = pxt_pcalloc(req->pool, sizeof(char *) * (size_t)(t->ncols + 1));
	unsigned char *todo = pxt_pcalloc(req->pool, (size_t)t->ncols + 1);
	struct pxt_upd_step u = {NULL, NULL, &where, 0, params};
	struct pxt_sql_step s = {&sql, 0, params};
	int nset = 0, ndeps = 0;
	bool views = false, media = false;
	pxt_wrow r;
	pxt_err rc = params && todo ? PXT_OK : PXT_ENOMEM;

	if (rc != PXT_OK || (rc = pxt_table_body_row(req, tr, obj, false, &r)) != PXT_OK)
		goto out;
	for (int i = 0; i < t->ncols; i++) {
		nset += r.given[i];
		for (int k = 0; r.given[i] && k < t->nviews; k++) {
			pxt_table *v = pxt_cat_table_cached(t->env, t->views[k]);

			views |= v != NULL && pxt_view_reads(v, t, i);
		}
	}
	if (nset == 0) {
		rc = pxt_req_fail(req, PXT_EINVAL, NULL, "nothing to update: give at least "
		    "one column besides the primary key");
		goto out;
	}
	if ((rc = pxt_where_keys(req, tr, obj, &where, params, &u.n)) != PXT_OK)
		goto out;
	ndeps = pxt_write_dependents(t, r.given, todo);
	pxt_recomputed_header(req, t, todo);
	for (int i = 0; i < t->ncols; i++)
		media |= r.given[i] && pxt_type_is_media(t->cols[i].type);
	/* read the row first when something depends on the change or a file may go */
	if (ndeps > 0 || views || media) {
		for (int i = 0; i < t->ncols; i++)
			todo[i] |= r.given[i];
		u.given = &r;
		u.set = todo;
		rc = pxt_table_run(req, tr, true, pxt_step_update, &u);
		goto out;
	}
	/* nothing depends on what changed: one statement */
	s.n = u.n;
	pxt_buf_addf(&sql, "UPDATE %s SET ", t->storage_sql);
	for (int i = 0, k = 0; rc == PXT_OK && i < t->ncols; i++) {
		if (!r.given[i])
			continue;
		pxt_buf_adds(&sql, k++ ? ", " : "");
		pxt_quote_ident(&sql, t->col_storage[i]);
		pxt_buf_adds(&sql, " = ");
		rc = pxt_value_to_text(req->pool, &r.v[i], (char **)&params[s.n++]);
		pxt_value_sql_param(&sql, &t->cols[i], s.n);
	}
	pxt_buf_addf(&sql, " WHERE %s", pxt_buf_str(&where));
	pxt_returning(&sql, tr);
	/* match_columns may select several rows: a transaction undoes such an update */
	if (rc == PXT_OK)
		rc = pxt_table_run(req, tr, tr->match != NULL, pxt_step_sql, &s);
out:
	pxt_buf_free(&sql);
	pxt_buf_free(&where);
	return rc;
}

struct pxt_del_step {
	struct pxt_sql_step s;	/* DELETE ... RETURNING the rows' media */
	char *rowids;		/* the rows, locked, when their view rows hold media */
};

/*
 * A delete that returns the rows' media: the files the store made for them go too,
 * and those of the view rows the foreign keys delete with them, read first.
 */
static pxt_err
pxt_step_delete(pxt_req *req, const struct pxt_table_route *tr, void *ud,
    PGresult **res, int *first)
{
	struct pxt_del_step *d = ud;
	pxt_err rc = PXT_OK;

	if (d->rowids != NULL)
		rc = pxt_media_release_views(tr->t, req->pool, d->rowids, d->s.n,
		    d->s.params);
	if (rc == PXT_OK)
		rc = pxt_step_sql(req, tr, &d->s, res, first);
	for (int r = 0; rc == PXT_OK && r < PQntuples(*res); r++)
		for (int c = 0; rc == PXT_OK && c < PQnfields(*res); c++)
			if (!PQgetisnull(*res, r, c))
				rc = pxt_media_store_release(req->pool, PQgetvalue(*res, r, c));
	return rc;
}

static pxt_err
pxt_handle_delete(pxt_req *req, const struct pxt_table_route *tr, const pxt_json *obj)
{
	pxt_table *t = tr->t;
	pxt_buf sql = PXT_BUF_INIT, where = PXT_BUF_INIT;
	const char **params = pxt_pcalloc(req->pool, sizeof(char *) * (size_t)(t->ncols + 1));
	struct pxt_del_step d = {{&sql, 0, params}, NULL};
	pxt_err rc = params ? PXT_OK : PXT_ENOMEM;

	if (rc == PXT_OK)
		rc = pxt_where_keys(req, tr, obj, &where, params, &d.s.n);
	pxt_buf_addf(&sql, "DELETE FROM %s WHERE %s", t->storage_sql, pxt_buf_str(&where));
	for (int i = 0, k = 0; i < t->ncols; i++) {
		if (!pxt_type_is_media(t->cols[i].type))
			continue;
		pxt_buf_adds(&sql, k++ ? ", " : " RETURNING ");
		pxt_quote_ident(&sql, t->col_storage[i]);
	}
	if (rc == PXT_OK && !where.failed && pxt_media_in_views(t) &&
	    (d.rowids = pxt_psprintf(req->pool, "SELECT \"_pxt_rowid\" FROM %s WHERE %s"
	    " FOR UPDATE", t->storage_sql, where.data)) == NULL)
		rc = PXT_ENOMEM;
	if (rc == PXT_OK)
		rc = where.failed ? PXT_ENOMEM : pxt_table_run(req, tr, d.rowids != NULL,
		    pxt_step_delete, &d);
	pxt_buf_free(&sql);
	pxt_buf_free(&where);
	return rc;
}

pxt_err
pxt_table_handler(pxt_req *req, void *ud)
{
	const struct pxt_table_route *tr = ud;
	const pxt_json *obj;
	pxt_err rc;

	if (tr->t->id == 0)
		return pxt_req_fail(req, PXT_ENOTFOUND, NULL, "table '%s' was dropped",
		    tr->t->path);
	if ((rc = pxt_table_read(req, tr, &obj)) != PXT_OK)
		return rc;
	switch (tr->kind) {
	case PXT_ROUTE_INSERT:
	case PXT_ROUTE_COMPUTE:
		return pxt_handle_insert(req, tr, obj);
	case PXT_ROUTE_UPDATE:
		return pxt_handle_update(req, tr, obj);
	default:
		return pxt_handle_delete(req, tr, obj);
	}
}
