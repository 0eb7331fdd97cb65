/*
 * recompute.c - computing a column again over the rows of a table (after it is added,
 * or on demand), and inserting rows from C (see pxt/compute.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/write_int.h"

#define PXT_RECOMPUTE_BATCH 256

/*
 * Compute row r again and write it; the owned media it replaces (its own cells, its
 * view rows) are released into drops, deleted once the change commits.
 */
static pxt_err
pxt_recompute_row(pxt_table *t, pxt_pool *pool, pxt_wrow *r, const unsigned char *todo,
    pxt_pool *drops)
{
	pxt_wrow old = *r;
	pxt_err rc;

	if ((old.v = pxt_palloc(pool, sizeof(pxt_value) * (size_t)t->ncols)) == NULL)
		return PXT_ENOMEM;
	memcpy(old.v, r->v, sizeof(pxt_value) * (size_t)t->ncols);
	if ((rc = pxt_wrow_compute(t, pool, r, todo)) == PXT_OK &&
	    (rc = pxt_write_release_replaced(drops, t, &old, r, todo)) == PXT_OK)
		rc = pxt_write_update_row(t, pool, r, todo, NULL, NULL);
	if (rc == PXT_OK && t->nviews > 0)
		rc = pxt_write_views_refresh(t, pool, r, todo, drops);
	return rc;
}

/* One batch of rows after *last; *n gets how many were done. */
static pxt_err
pxt_recompute_batch(pxt_table *t, int idx, bool errors_only, const unsigned char *todo,
    int64_t *last, int *n)
{
	pxt_pool *pool = pxt_pool_new(0), *drops = pxt_cat_drop_pool(t->env);
	char lastbuf[32], *tail;
	const char *params[1] = {lastbuf};
	pxt_wrow *rows;
	pxt_err rc;

	if (pool == NULL || drops == NULL) {
		pxt_pool_free(pool);
		return drops == NULL ? pxt_errcode() : PXT_ENOMEM;
	}
	snprintf(lastbuf, sizeof(lastbuf), "%lld", (long long)*last);
	tail = pxt_psprintf(pool, "WHERE \"_pxt_rowid\" > $1%s ORDER BY \"_pxt_rowid\""
	    " LIMIT %d FOR UPDATE", errors_only ? pxt_psprintf(pool, " AND \"_pxt_et_%d\""
	    " IS NOT NULL", t->cols[idx].position) : "", PXT_RECOMPUTE_BATCH);
	rc = tail ? pxt_write_read_rows(t, pool, tail, 1, params, &rows, n) : PXT_ENOMEM;
	for (int r = 0; rc == PXT_OK && r < *n; r++) {
		rc = pxt_recompute_row(t, pool, &rows[r], todo, drops);
		*last = rows[r].rowid;
	}
	pxt_media_gen_settle(pool, rc == PXT_OK);
	pxt_pool_free(pool);
	return rc;
}

pxt_err
pxt_recompute_locked(pxt_table *t, const char *name, bool errors_only,
    void (*progress)(void *, const char *, int64_t, int64_t), void *ud)
{
	char what[256];

	const pxt_column *c = pxt_table_find_col(t, name);
	unsigned char *todo;
	int64_t last = 0, done = 0, total = -1;
	pxt_buf sql = PXT_BUF_INIT;
	PGresult *res;
	int idx, n;
	pxt_err rc;

	if (c == NULL || c->computed == NULL)
		return pxt_seterr(c ? PXT_EINVAL : PXT_ENOTFOUND, "table '%s' has no "
		    "computed column '%s'", t->path, name);
	if (t->expr_err != NULL)
		return pxt_seterr(PXT_ECONFIG, "%s", t->expr_err);
	idx = (int)(c - t->cols);
	if ((todo = calloc((size_t)t->ncols, 1)) == NULL)
		return PXT_ENOMEM;
	todo[idx] = 1;
	pxt_write_dependents(t, todo, todo);
	if (progress == NULL) {
		progress = t->env->progress_fn;
		ud = t->env->progress_ud;
	}
	snprintf(what, sizeof(what), "compute '%s' of '%s'", name, t->path);
	if (progress != NULL) {
		pxt_buf_addf(&sql, "SELECT count(*) FROM %s", t->storage_sql);
		if (errors_only)
			pxt_buf_addf(&sql, " WHERE \"_pxt_et_%d\" IS NOT NULL", c->position);
		if ((rc = pxt_db_exec_once(t->env->db, sql.data, 0, NULL, &res)) != PXT_OK)
			goto out;
		total = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
		progress(ud, what, 0, total);
	}
	do {
		if ((rc = pxt_recompute_batch(t, idx, errors_only, todo, &last, &n)) !=
		    PXT_OK)
			break;
		done += n;
		if (progress != NULL && n > 0)
			progress(ud, what, done, total);
	} while (n == PXT_RECOMPUTE_BATCH);
out:
	pxt_buf_free(&sql);
	free(todo);
	return rc;
}

void
pxt_on_progress(pxt_env *env, pxt_progress_fn fn, void *ud)
{
	env->progress_fn = fn;
	env->progress_ud = ud;
}

pxt_err
pxt_recompute_column(pxt_table *t, const char *name, bool errors_only,
    pxt_progress_fn progress, void *progress_ud)
{
	pxt_err rc;
	bool own;

	if (t == NULL || t->id == 0)
		return pxt_seterr(PXT_ENOTFOUND, "the table of this handle was dropped");
	if (name == NULL)
		return pxt_seterr(PXT_EINVAL, "recompute_column needs a column name");
	if ((rc = pxt_cat_change_table(t, &own)) != PXT_OK)
		return rc;
	rc = pxt_recompute_locked(t, name, errors_only, progress, progress_ud);
	return pxt_cat_change_end(t->env, own, rc);
}

/* Fill row r of a C insert from its text values. */
static pxt_err
pxt_insert_row(pxt_table *t, pxt_pool *pool, const int *idx, int ncols,
    const char *const *values, pxt_wrow *w, char **now)
{
	pxt_err rc;
	int bad;

	if ((rc = pxt_wrow_init(pool, t, w)) != PXT_OK)
		return rc;
	for (int c = 0; c < ncols; c++) {
		const pxt_column *col = &t->cols[idx[c]];

		if ((rc = pxt_value_from_text(pool, col, values[c], &w->v[idx[c]])) !=
		    PXT_OK)
			return rc;
		w->given[idx[c]] = 1;
	}
	/* before the computed columns run: they see the defaults */
	if ((rc = pxt_wrow_defaults(t, pool, w, NULL, now)) != PXT_OK)
		return rc;
	return pxt_wrow_required(t, w, true, &bad);
}

pxt_err
pxt_insert(pxt_table *t, const char *const *names, int ncols,
    const char *const *values, int nrows)
{
	pxt_pool *pool;
	pxt_wrow *rows;
	char *now = NULL;
	int *idx;
	bool own = false;
	pxt_err rc = PXT_OK;

	if (t == NULL || t->id == 0)
		return pxt_seterr(PXT_ENOTFOUND, "the table of this handle was dropped");
	if (t->is_view)
		return pxt_seterr(PXT_EINVAL, "'%s' is a view: insert into its base '%s'",
		    t->path, t->base_path);
	if (nrows <= 0 || ncols < 0 || (ncols > 0 && (names == NULL || values == NULL)))
		return nrows == 0 ? PXT_OK : pxt_seterr(PXT_EINVAL, "pxt_insert: bad "
		    "arguments");
	if ((pool = pxt_pool_new(0)) == NULL)
		return PXT_ENOMEM;
	idx = pxt_pcalloc(pool, sizeof(int) * ((size_t)ncols + 1));
	rows = pxt_pcalloc(pool, sizeof(pxt_wrow) * (size_t)nrows);
	if (idx == NULL || rows == NULL)
		rc = PXT_ENOMEM;
	for (int c = 0; rc == PXT_OK && c < ncols; c++) {
		const pxt_column *col = pxt_table_find_col(t, names[c]);

		if (col == NULL)
			rc = pxt_seterr(PXT_ENOTFOUND, "table '%s' has no column '%s'",
			    t->path, names[c]);
		else if (col->computed != NULL)
			rc = pxt_seterr(PXT_EINVAL, "column '%s' of '%s' is computed",
			    col->name, t->path);
		else
			idx[c] = (int)(col - t->cols);
	}
	for (int r = 0; rc == PXT_OK && r < nrows; r++)
		rc = pxt_insert_row(t, pool, idx, ncols, values + (size_t)r * ncols,
		    &rows[r], &now);
	if (rc == PXT_OK)
		rc = pxt_rows_compute(t, pool, rows, nrows, NULL);
	if (rc == PXT_OK && !pxt_db_in_tx(t->env->db)) {
		own = true;
		rc = pxt_db_begin(t->env->db);
	}
	if (rc == PXT_OK)
		rc = pxt_write_insert(t, pool, rows, nrows, NULL, NULL);
	if (own)
		rc = rc == PXT_OK ? pxt_db_commit(t->env->db) :
		    (pxt_db_rollback(t->env->db), rc);
	pxt_media_gen_settle(pool, rc == PXT_OK);
	pxt_pool_free(pool);
	return rc;
}
