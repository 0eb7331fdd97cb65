/*
 * media_release.c - the owned media files that go with rows a drop or a cascading
 * delete removes: their values are read inside the write's transaction, before the
 * rows go, and handed to pxt_media_store_release, so the keep after the commit deletes
 * them and a rollback leaves them (see write_int.h).
 */
#include <stdio.h>
#include <string.h>

#include "pxt/ident.h"
#include "media/media_store_int.h"
#include "engine/write_int.h"

#define PXT_RELEASE_CURSOR "pxt_media_release"
#define PXT_RELEASE_BATCH 1000	/* rows per FETCH: what is held at once */
#define PXT_STR(x) #x
#define PXT_XSTR(x) PXT_STR(x)

/* Release every non-NULL value of res into pool. */
static pxt_err
pxt_release_result(pxt_pool *pool, const PGresult *res)
{
	pxt_err rc = PXT_OK;

	for (int r = 0; rc == PXT_OK && r < PQntuples(res); r++)
		for (int c = 0; rc == PXT_OK && c < PQnfields(res); c++)
			if (!PQgetisnull(res, r, c))
				rc = pxt_media_store_release(pool, PQgetvalue(res, r, c));
	return rc;
}

pxt_err
pxt_media_release_select(pxt_db *db, pxt_pool *pool, const char *select, int n,
    const char *const *params)
{
	pxt_buf sql = PXT_BUF_INIT;
	PGresult *res = NULL;
	int got;
	pxt_err rc;

	if (!pxt_db_in_tx(db))
		return pxt_seterr(PXT_EINTERNAL, "media of dropped rows read outside a "
		    "transaction");
	pxt_buf_addf(&sql, "DECLARE " PXT_RELEASE_CURSOR " NO SCROLL CURSOR FOR %s",
	    select);
	rc = sql.failed ? PXT_ENOMEM : pxt_db_exec_once(db, sql.data, n, params, NULL);
	pxt_buf_free(&sql);
	if (rc != PXT_OK)
		return rc;
	do {
		/* a failure leaves the cursor to the rollback that follows it */
		if ((rc = pxt_db_exec_once(db, "FETCH " PXT_XSTR(PXT_RELEASE_BATCH)
		    " FROM " PXT_RELEASE_CURSOR, 0, NULL, &res)) != PXT_OK)
			return rc;
		got = PQntuples(res);
		rc = pxt_release_result(pool, res);
		PQclear(res);
		if (rc != PXT_OK)
			return rc;
	} while (got == PXT_RELEASE_BATCH);
	return pxt_db_exec_once(db, "CLOSE " PXT_RELEASE_CURSOR, 0, NULL, NULL);
}

pxt_err
pxt_media_release_column(pxt_table *t, int i, pxt_pool *pool)
{
	pxt_buf sql = PXT_BUF_INIT;
	pxt_err rc;

	pxt_buf_adds(&sql, "SELECT ");
	pxt_quote_ident(&sql, t->col_storage[i]);
	pxt_buf_addf(&sql, " FROM %s WHERE ", t->storage_sql);
	pxt_quote_ident(&sql, t->col_storage[i]);
	pxt_buf_adds(&sql, " IS NOT NULL");
	/* a file another media cell of the row refers to stays with the row */
	for (int k = 0; k < t->ncols; k++) {
		if (k == i || !pxt_type_is_media(t->cols[k].type))
			continue;
		pxt_buf_adds(&sql, " AND ");
		pxt_quote_ident(&sql, t->col_storage[i]);
		pxt_buf_adds(&sql, " IS DISTINCT FROM ");
		pxt_quote_ident(&sql, t->col_storage[k]);
	}
	rc = sql.failed ? PXT_ENOMEM : pxt_media_release_select(t->env->db, pool,
	    sql.data, 0, NULL);
	pxt_buf_free(&sql);
	return rc;
}

/* Append t's media storage columns, ", "-separated; returns how many. */
static int
pxt_media_collist(pxt_buf *b, const pxt_table *t)
{
	int n = 0;

	for (int i = 0; i < t->ncols; i++) {
		if (!pxt_type_is_media(t->cols[i].type))
			continue;
		pxt_buf_adds(b, n++ ? ", " : "");
		pxt_quote_ident(b, t->col_storage[i]);
	}
	return n;
}

bool
pxt_media_in_views(pxt_table *t)
{
	for (int i = 0; i < t->nviews; i++) {
		pxt_table *v = pxt_cat_table_cached(t->env, t->views[i]);

		/* a view that cannot be loaded may hold media: look when deleting */
		if (v == NULL || pxt_media_in_views(v))
			return true;
		for (int c = 0; c < v->ncols; c++)
			if (pxt_type_is_media(v->cols[c].type))
				return true;
	}
	return false;
}

pxt_err
pxt_media_release_view(pxt_table *v, pxt_pool *pool, const char *rowids, int n,
    const char *const *params)
{
	pxt_buf sql = PXT_BUF_INIT, where = PXT_BUF_INIT;
	pxt_err rc = PXT_OK;

	pxt_buf_addf(&where, "\"_pxt_base\" IN (%s)", rowids);
	pxt_buf_adds(&sql, "SELECT ");
	if (pxt_media_collist(&sql, v) > 0) {
		pxt_buf_addf(&sql, " FROM %s WHERE %s", v->storage_sql, where.data);
		rc = sql.failed || where.failed ? PXT_ENOMEM :
		    pxt_media_release_select(v->env->db, pool, sql.data, n, params);
	}
	if (rc == PXT_OK && v->nviews > 0) {
		/* the rows of v's own views hang off the rows of v that go */
		pxt_buf_reset(&sql);
		pxt_buf_addf(&sql, "SELECT \"_pxt_rowid\" FROM %s WHERE %s", v->storage_sql,
		    where.data);
		rc = sql.failed || where.failed ? PXT_ENOMEM :
		    pxt_media_release_views(v, pool, sql.data, n, params);
	}
	pxt_buf_free(&sql);
	pxt_buf_free(&where);
	return rc;
}

pxt_err
pxt_media_release_views(pxt_table *t, pxt_pool *pool, const char *rowids, int n,
    const char *const *params)
{
	pxt_err rc = PXT_OK;

	for (int i = 0; rc == PXT_OK && i < t->nviews; i++) {
		pxt_table *v = pxt_cat_table_cached(t->env, t->views[i]);

		rc = v != NULL ? pxt_media_release_view(v, pool, rowids, n, params) :
		    pxt_errcode();
	}
	return rc;
}
