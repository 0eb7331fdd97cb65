/*
 * write.c - the statements of the write engine: inserting rows (many per statement)
 * with the rows of the views over their table, updating one row by _pxt_rowid, and
 * reading rows back as values (see write_int.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/value_int.h"
#include "media/media_store_int.h"
#include "engine/write_int.h"

#define PXT_MAX_PARAMS 65535
#define PXT_MAX_ROWS_PER_STMT 200

void
pxt_write_sql_read(pxt_buf *b, const pxt_table *t, int i)
{
	pxt_value_sql_out(b, &t->cols[i], t->col_storage[i]);
}

/* The columns an insert of rows writes: given in any row. */
static int
pxt_insert_cols(const pxt_table *t, const pxt_wrow *rows, int nrows,
    unsigned char *use)
{
	int n = 0;

	for (int i = 0; i < t->ncols; i++) {
		use[i] = 0;
		for (int r = 0; r < nrows && !use[i]; r++)
			use[i] = rows[r].given[i];
		n += use[i] + (use[i] && pxt_write_expr(t, i) != NULL) * 2;
	}
	return n;
}

/* Insert rows[0..n) with one statement; *res holds the RETURNING rows. */
static pxt_err
pxt_insert_chunk(pxt_table *t, pxt_pool *pool, pxt_wrow *rows, int n,
    const unsigned char *use, int per_row, const char *returning, PGresult **res)
{
	const char **params = pxt_palloc(pool, sizeof(char *) * (size_t)(per_row * n + 1));
	pxt_buf sql = PXT_BUF_INIT;
	int np = 0, k = 0;
	pxt_err rc = params ? PXT_OK : PXT_ENOMEM;

	pxt_buf_addf(&sql, "INSERT INTO %s (", t->storage_sql);
	if (t->is_view) {
		pxt_buf_adds(&sql, "\"_pxt_base\"");
		k++;
	}
	for (int i = 0; i < t->ncols; i++) {
		if (!use[i])
			continue;
		pxt_buf_adds(&sql, k++ ? ", " : "");
		pxt_quote_ident(&sql, t->col_storage[i]);
		if (pxt_write_expr(t, i) != NULL)
			pxt_buf_addf(&sql, ", \"_pxt_et_%d\", \"_pxt_em_%d\"",
			    t->cols[i].position, t->cols[i].position);
	}
	if (k == 0) {
		pxt_buf_reset(&sql);
		pxt_buf_addf(&sql, "INSERT INTO %s SELECT FROM generate_series(1, %d)",
		    t->storage_sql, n);
	} else {
		pxt_buf_adds(&sql, ") VALUES ");
	}
	for (int r = 0; k > 0 && rc == PXT_OK && r < n; r++) {
		int m = 0;

		pxt_buf_adds(&sql, r ? ", (" : "(");
		if (t->is_view) {
			params[np++] = pxt_psprintf(pool, "%lld",
			    (long long)rows[r].base_rowid);
			pxt_buf_addf(&sql, "$%d::bigint", np);
			m++;
		}
		for (int i = 0; rc == PXT_OK && i < t->ncols; i++) {
			char *text = NULL;

			if (!use[i])
				continue;
			pxt_buf_adds(&sql, m++ ? ", " : "");
			if (rows[r].given[i])
				rc = pxt_value_to_text(pool, &rows[r].v[i], &text);
			params[np++] = text;
			pxt_value_sql_param(&sql, &t->cols[i], np);
			if (pxt_write_expr(t, i) == NULL)
				continue;
			params[np++] = rows[r].et[i];
			params[np++] = rows[r].em[i];
			pxt_buf_addf(&sql, ", $%d, $%d", np - 1, np);
		}
		pxt_buf_adds(&sql, ")");
	}
	pxt_buf_addf(&sql, " RETURNING \"_pxt_rowid\"%s%s", returning ? ", " : "",
	    returning ? returning : "");
	if (rc == PXT_OK)
		rc = sql.failed ? PXT_ENOMEM : pxt_db_exec(t->env->db, sql.data, np,
		    params, res);
	pxt_buf_free(&sql);
	return rc;
}

/* Insert the view rows of the base rows just written, view by view. */
static pxt_err
pxt_insert_views(pxt_table *t, pxt_pool *pool, pxt_wrow *rows, int nrows)
{
	pxt_err rc = PXT_OK;

	for (int i = 0; rc == PXT_OK && i < t->nviews; i++) {
		pxt_table *v = pxt_cat_table_cached(t->env, t->views[i]);
		pxt_wrow *all = NULL, *one;
		int n = 0, cap = 0, k;

		if (v == NULL)
			return pxt_errcode();
		for (int r = 0; rc == PXT_OK && r < nrows; r++) {
			if ((rc = pxt_view_rows(v, t, pool, &rows[r], &one, &k)) != PXT_OK)
				break;
			if (n + k > cap) {
				pxt_wrow *grown;

				cap = (n + k) * 2 + 16;
				if ((grown = pxt_palloc(pool, sizeof(*grown) * (size_t)cap)) ==
				    NULL)
					return PXT_ENOMEM;
				if (n > 0)
					memcpy(grown, all, sizeof(*grown) * (size_t)n);
				all = grown;
			}
			if (k > 0)	/* a row the iterator yields nothing for */
				memcpy(all + n, one, sizeof(*one) * (size_t)k);
			n += k;
		}
		if (rc == PXT_OK && n > 0)
			rc = pxt_write_insert(v, pool, all, n, NULL, NULL);
	}
	return rc;
}

pxt_err
pxt_write_insert(pxt_table *t, pxt_pool *pool, pxt_wrow *rows, int nrows,
    const char *returning, PGresult **res)
{
	unsigned char *use = pxt_pcalloc(pool, (size_t)t->ncols + 1);
	PGresult *part = NULL;
	char *now = NULL;
	int per_row, step, bad;
	pxt_err rc = PXT_OK;

	if (res != NULL)
		*res = NULL;
	if (use == NULL)
		return PXT_ENOMEM;
	/* every insert passes here: defaults made and required columns checked */
	for (int r = 0; r < nrows; r++)
		if ((rc = pxt_wrow_defaults(t, pool, &rows[r], NULL, &now)) != PXT_OK ||
		    (rc = pxt_wrow_required(t, &rows[r], true, &bad)) != PXT_OK)
			return rc;
	per_row = pxt_insert_cols(t, rows, nrows, use) + t->is_view;
	step = per_row > 0 ? PXT_MAX_PARAMS / per_row : PXT_MAX_ROWS_PER_STMT;
	step = step > PXT_MAX_ROWS_PER_STMT ? PXT_MAX_ROWS_PER_STMT : step;
	/* one statement when the caller wants the rows back (an HTTP insert) */
	if (res != NULL && nrows > step)
		return pxt_seterr(PXT_EINTERNAL, "RETURNING for more than %d rows", step);
	for (int r = 0; rc == PXT_OK && r < nrows; r += step) {
		int n = nrows - r < step ? nrows - r : step;

		rc = pxt_insert_chunk(t, pool, rows + r, n, use, per_row, returning, &part);
		for (int k = 0; rc == PXT_OK && k < n && k < PQntuples(part); k++)
			rows[r + k].rowid = strtoll(PQgetvalue(part, k, 0), NULL, 10);
		if (rc == PXT_OK && res != NULL)
			*res = part;
		else
			PQclear(part);
		part = NULL;
	}
	if (rc == PXT_OK && t->nviews > 0)
		rc = pxt_insert_views(t, pool, rows, nrows);
	if (rc != PXT_OK && res != NULL) {
		PQclear(*res);
		*res = NULL;
	}
	return rc;
}

pxt_err
pxt_write_update_row(pxt_table *t, pxt_pool *pool, const pxt_wrow *r,
    const unsigned char *set, const char *returning, PGresult **res)
{
	const char **params = pxt_palloc(pool, sizeof(char *) * (size_t)(3 * t->ncols + 2));
	pxt_buf sql = PXT_BUF_INIT;
	int np = 0;
	pxt_err rc = params ? PXT_OK : PXT_ENOMEM;

	pxt_buf_addf(&sql, "UPDATE %s SET ", t->storage_sql);
	for (int i = 0; rc == PXT_OK && i < t->ncols; i++) {
		char *text;

		if (!set[i])
			continue;
		if ((rc = pxt_value_to_text(pool, &r->v[i], &text)) != PXT_OK)
			break;
		pxt_buf_adds(&sql, np ? ", " : "");
		pxt_quote_ident(&sql, t->col_storage[i]);
		pxt_buf_adds(&sql, " = ");
		params[np++] = text;
		pxt_value_sql_param(&sql, &t->cols[i], np);
		if (pxt_write_expr(t, i) == NULL)
			continue;
		params[np++] = r->et[i];
		params[np++] = r->em[i];
		pxt_buf_addf(&sql, ", \"_pxt_et_%d\" = $%d, \"_pxt_em_%d\" = $%d",
		    t->cols[i].position, np - 1, t->cols[i].position, np);
	}
	params[np] = pxt_psprintf(pool, "%lld", (long long)r->rowid);
	np++;
	pxt_buf_addf(&sql, " WHERE \"_pxt_rowid\" = $%d RETURNING \"_pxt_rowid\"%s%s", np,
	    returning ? ", " : "", returning ? returning : "");
	if (rc == PXT_OK)
		rc = sql.failed ? PXT_ENOMEM : pxt_db_exec(t->env->db, sql.data, np, params,
		    res);
	pxt_buf_free(&sql);
	return rc;
}

pxt_err
pxt_write_read_rows(pxt_table *t, pxt_pool *pool, const char *tail, int n,
    const char *const *params, pxt_wrow **rows, int *nrows)
{
	pxt_buf sql = PXT_BUF_INIT;
	PGresult *res = NULL;
	pxt_err rc;

	*rows = NULL;
	*nrows = 0;
	pxt_buf_adds(&sql, "SELECT \"_pxt_rowid\"");
	for (int i = 0; i < t->ncols; i++) {
		pxt_buf_adds(&sql, ", ");
		pxt_write_sql_read(&sql, t, i);
	}
	pxt_buf_addf(&sql, " FROM %s %s", t->storage_sql, tail);
	rc = sql.failed ? PXT_ENOMEM : pxt_db_exec(t->env->db, sql.data, n, params, &res);
	pxt_buf_free(&sql);
	if (rc != PXT_OK)
		return rc;
	*nrows = PQntuples(res);
	if ((*rows = pxt_pcalloc(pool, sizeof(pxt_wrow) * ((size_t)*nrows + 1))) == NULL)
		rc = PXT_ENOMEM;
	for (int r = 0; rc == PXT_OK && r < *nrows; r++) {
		pxt_wrow *w = &(*rows)[r];

		if ((rc = pxt_wrow_init(pool, t, w)) != PXT_OK)
			break;
		w->rowid = strtoll(PQgetvalue(res, r, 0), NULL, 10);
		for (int i = 0; rc == PXT_OK && i < t->ncols; i++) {
			const char *text = PQgetisnull(res, r, i + 1) ? NULL :
			    pxt_pstrdup(pool, PQgetvalue(res, r, i + 1));

			rc = pxt_value_from_text(pool, &t->cols[i], text, &w->v[i]);
		}
	}
	PQclear(res);
	return rc;
}

pxt_err
pxt_write_release_replaced(pxt_pool *drops, const pxt_table *t,
    const pxt_wrow *before, const pxt_wrow *after, const unsigned char *set)
{
	pxt_err rc = PXT_OK;

	for (int i = 0; rc == PXT_OK && i < t->ncols; i++) {
		const pxt_value *a = &before->v[i], *b = &after->v[i];
		char *path;

		if (!set[i] || !pxt_type_is_media(t->cols[i].type) || a->null ||
		    (!b->null && a->u.str.len == b->u.str.len &&
		    memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0))
			continue;
		if ((path = pxt_pstrndup(drops, a->u.str.s, a->u.str.len)) == NULL)
			return PXT_ENOMEM;
		rc = pxt_media_store_release(drops, path);
	}
	return rc;
}

pxt_err
pxt_write_views_refresh(pxt_table *t, pxt_pool *pool, pxt_wrow *r,
    const unsigned char *changed, pxt_pool *drops)
{
	char idbuf[32];
	const char *params[1] = {idbuf};
	pxt_err rc = PXT_OK;

	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)r->rowid);
	for (int i = 0; rc == PXT_OK && i < t->nviews; i++) {
		pxt_table *v = pxt_cat_table_cached(t->env, t->views[i]);
		bool reads = changed == NULL;
		pxt_wrow *rows;
		pxt_buf sql = PXT_BUF_INIT;
		int n;

		if (v == NULL)
			return pxt_errcode();
		for (int c = 0; !reads && c < t->ncols; c++)
			reads = changed[c] && pxt_view_reads(v, t, c);
		if (!reads)
			continue;
		/* the rows replaced take their files (and their views' files) along */
		rc = pxt_media_release_view(v, drops, "SELECT $1::bigint", 1, params);
		pxt_buf_addf(&sql, "DELETE FROM %s WHERE \"_pxt_base\" = $1", v->storage_sql);
		if (rc == PXT_OK)
			rc = sql.failed ? PXT_ENOMEM : pxt_db_exec(t->env->db, sql.data, 1,
			    params, NULL);
		pxt_buf_free(&sql);
		if (rc == PXT_OK)
			rc = pxt_view_rows(v, t, pool, r, &rows, &n);
		if (rc == PXT_OK && n > 0)
			rc = pxt_write_insert(v, pool, rows, n, NULL, NULL);
	}
	return rc;
}
