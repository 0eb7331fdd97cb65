/*
 * write_int.h - the write engine shared by the HTTP table routes and the C API:
 * rows as typed values, computing the computed columns, and the statements that
 * insert and update them with the views kept current (internal to libpxt).
 */
#ifndef PXT_WRITE_INT_H
#define PXT_WRITE_INT_H

#include "pxt/compute.h"
#include "catalog/catalog_int.h"
#include "engine/expr_int.h"

/* One row of table t on its way to storage; everything lives in a request pool. */
typedef struct pxt_wrow {
	pxt_value *v;		/* t->ncols values */
	unsigned char *given;	/* 1: the caller gave (or the engine computed) it */
	const char **et, **em;	/* error type and message of computed cells */
	int64_t rowid;		/* after the write: _pxt_rowid */
	int64_t base_rowid;	/* a view row: the _pxt_rowid of its base row */
} pxt_wrow;

/* A column is written when given[i] is set; now columns are given as text. */
pxt_err pxt_wrow_init(pxt_pool *pool, const pxt_table *t, pxt_wrow *r);

/*
 * pxt_wrow_defaults gives every plain column of r that was not given its declared
 * default (pxt_column.dflt), made here, before the computed columns run, so they, the
 * views and RETURNING see it: uuid7() a new UUIDv7, now() the time of the write.
 * The columns of now_cols (a route's now_columns, NULL-ended, may be NULL) without a
 * default of their own take now(). *now caches the write's time (start with NULL;
 * in pool), so every row of one write gets the same. PXT_ENOMEM, PXT_EINTERNAL.
 */
pxt_err pxt_wrow_defaults(const pxt_table *t, pxt_pool *pool, pxt_wrow *r,
    char *const *now_cols, char **now);

/* Whether column c gets a value when a write leaves it out (pxt_wrow_defaults). */
bool pxt_col_has_default(const pxt_column *c, char *const *now_cols);

/*
 * pxt_wrow_required checks the required (NOT NULL) plain columns of r: given null,
 * or (insert) not given, is PXT_EINVAL with pxt_required_error's message and *bad
 * the column's index. Call it after pxt_wrow_defaults, before any SQL.
 */
pxt_err pxt_wrow_required(const pxt_table *t, const pxt_wrow *r, bool insert,
    int *bad);

/*
 * pxt_required_error sets and returns PXT_EINVAL: "column 'document' is required
 * (Required[Document]): give it a value".
 */
pxt_err pxt_required_error(const pxt_table *t, const pxt_column *c);

/*
 * pxt_media_gen_settle decides the fate of the media files generated with pool: kept
 * when the write committed (ok), removed otherwise.
 */
void pxt_media_gen_settle(pxt_pool *pool, bool ok);

/*
 * pxt_value_from_text reads text (as PostgreSQL or a client writes it for column c)
 * into *out; NULL text is a NULL value. Json is parsed into pool (PXT_EINVAL when
 * it is not JSON); Int and Float must be numbers.
 */
pxt_err pxt_value_from_text(pxt_pool *pool, const pxt_column *c, const char *text,
    pxt_value *out);

/* pxt_value_to_text gives the text parameter for v (NULL for NULL), in pool. */
pxt_err pxt_value_to_text(pxt_pool *pool, const pxt_value *v, char **out);

/*
 * pxt_wrow_compute evaluates the computed columns of t marked in todo (NULL: all),
 * in column order, over r. A failing column with on_error = abort returns its error,
 * its message naming the column; with ignore, the cell is NULL and et/em are set.
 * *names (optional) gets a ", "-joined list of the columns computed.
 */
pxt_err pxt_wrow_compute(const pxt_table *t, pxt_pool *pool, pxt_wrow *r,
    const unsigned char *todo);

/*
 * pxt_rows_compute is pxt_wrow_compute over rows[0..n), column by column, calling a
 * batch-capable function once for all of them.
 */
pxt_err pxt_rows_compute(const pxt_table *t, pxt_pool *pool, pxt_wrow *rows, int n,
    const unsigned char *todo);

/*
 * pxt_write_dependents marks in todo (t->ncols bytes, zeroed by the caller) the
 * computed columns that depend, directly or not, on a column marked in changed.
 * Returns how many it marked.
 */
int pxt_write_dependents(const pxt_table *t, const unsigned char *changed,
    unsigned char *todo);

/*
 * pxt_write_insert inserts rows[0..nrows) of t (computed columns must be computed)
 * and the rows of the views over t, with as few statements as the parameter limit
 * allows. returning (may be NULL) is appended to "RETURNING _pxt_rowid, " so *res
 * (when res is not NULL) holds _pxt_rowid then those columns, one row per input
 * row in order. The caller runs it inside a transaction when t has views.
 */
pxt_err pxt_write_insert(pxt_table *t, pxt_pool *pool, pxt_wrow *rows, int nrows,
    const char *returning, PGresult **res);

/*
 * pxt_write_views_refresh replaces the view rows of the base row rowid (whose values
 * are r) in every view of t whose iterator reads a column marked in changed (NULL:
 * every view). The owned media of the view rows replaced (and of the rows of their
 * own views) are released into drops, for the keep after the commit to delete.
 */
pxt_err pxt_write_views_refresh(pxt_table *t, pxt_pool *pool, pxt_wrow *r,
    const unsigned char *changed, pxt_pool *drops);

/*
 * pxt_write_release_replaced releases into drops the owned media files of the media
 * columns marked in set whose value after differs from before (a new upload, a
 * thumbnail made again): the keep after the commit deletes them. PXT_ENOMEM.
 */
pxt_err pxt_write_release_replaced(pxt_pool *drops, const pxt_table *t,
    const pxt_wrow *before, const pxt_wrow *after, const unsigned char *set);

/*
 * pxt_write_update_row sets, in the row r->rowid of t, the columns marked in set (and
 * the error cells of the computed ones among them). returning as for pxt_write_insert.
 */
pxt_err pxt_write_update_row(pxt_table *t, pxt_pool *pool, const pxt_wrow *r,
    const unsigned char *set, const char *returning, PGresult **res);

/*
 * pxt_write_read_rows reads rows of t as pxt_wrow (every column, rowid set) with the
 * statement "SELECT _pxt_rowid, <columns> FROM t <tail>" and its params.
 */
pxt_err pxt_write_read_rows(pxt_table *t, pxt_pool *pool, const char *tail, int n,
    const char *const *params, pxt_wrow **rows, int *nrows);

/* Append the SQL expression that reads column i of t as text for pxt_value_from_text. */
void pxt_write_sql_read(pxt_buf *b, const pxt_table *t, int i);

/* The text of the current time as PostgreSQL's timestamptz reads it (UTC), in pool. */
char *pxt_write_now(pxt_pool *pool);

/* The expression of column i when it is computed, else NULL. */
static inline const pxt_expr *
pxt_write_expr(const pxt_table *t, int i)
{
	return t->exprs != NULL ? t->exprs[i] : NULL;
}

/* Views (view_rows.c): the rows of view v for the base row r (of v's base b). */
pxt_err pxt_view_rows(pxt_table *v, const pxt_table *b, pxt_pool *pool,
    const pxt_wrow *r, pxt_wrow **out, int *n);

#endif
