/*
 * pxt/compute.h - computed columns, views with iterators, and writing rows from C.
 *
 * A computed column is stored: its value is computed in the worker when a row is
 * inserted, and recomputed on update for exactly the columns that depend on what
 * changed. A view is a table whose rows come from an iterator applied to each row of
 * its base (a document split into chunks); it is kept current on every insert, update
 * and delete of the base, in the same transaction.
 *
 *	pxt_add_computed_column(docs, "text",
 *	    pxt_call("extract_text", pxt_col("document"), NULL), PXT_IF_EXISTS_IGNORE);
 *	pxt_create_view(env, "app/chunks", docs, &(pxt_iter_def){
 *	    .size = sizeof(pxt_iter_def), .name = "document_splitter",
 *	    .input = "document", .separators = "token_limit", .limit = 500},
 *	    PXT_IF_EXISTS_IGNORE);
 */
#ifndef PXT_COMPUTE_H
#define PXT_COMPUTE_H

#include "pxt/api.h"

#include <stdbool.h>
#include <stdint.h>

#include "pxt/catalog.h"
#include "pxt/expr.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pxt_on_error {
	PXT_ON_ERROR_ABORT = 0,	/* a failing row fails the whole write */
	PXT_ON_ERROR_IGNORE	/* store NULL plus the error type and message */
} pxt_on_error;

/*
 * Progress of long work: what ("compute 'text' of 'app/documents'"), done of total
 * rows (total -1 when unknown). Called at the start and after each batch.
 */
typedef void (*pxt_progress_fn)(void *ud, const char *what, int64_t done,
    int64_t total);

/*
 * pxt_on_progress sets the progress callback of env's long work (computing a new
 * column's existing rows, recomputing, splitting a base into a new view) when the
 * call itself names none. NULL turns it off.
 */
PXT_API void pxt_on_progress(pxt_env *env, pxt_progress_fn fn, void *ud);

/* Options of pxt_add_computed_column_opts; fields are only ever appended. */
typedef struct pxt_computed_opts {
	size_t size;			/* sizeof(pxt_computed_opts) */
	pxt_on_error on_error;
	const char *destination;	/* media store of generated media; NULL: default */
	pxt_progress_fn progress;	/* called while existing rows are computed */
	void *progress_ud;
} pxt_computed_opts;

/*
 * pxt_add_computed_column adds a stored column computed by expr, which it takes over
 * (freed whatever happens). The expression is type-checked against t first: an
 * unknown column or function is PXT_ENOTFOUND, a wrong argument type PXT_EINVAL,
 * both with a message naming the function and the argument. Existing rows are
 * computed in the same transaction (a failure with on_error = abort undoes the whole
 * change). if_exists IGNORE keeps an existing column with the same expression (a
 * recorded function signature that changed with the same result type is updated;
 * anything else is PXT_EEXISTS, or a re-creation when syncing with
 * allow_destructive).
 */
PXT_API pxt_err pxt_add_computed_column(pxt_table *t, const char *name, pxt_expr *expr,
    pxt_if_exists if_exists);
PXT_API pxt_err pxt_add_computed_column_opts(pxt_table *t, const char *name,
    pxt_expr *expr, pxt_if_exists if_exists, const pxt_computed_opts *opts);

/*
 * pxt_recompute_column computes column name again for every row (errors_only: only
 * the rows whose cell holds an error), and the computed columns that depend on it.
 * One transaction; progress as for adding.
 */
PXT_API pxt_err pxt_recompute_column(pxt_table *t, const char *name, bool errors_only,
    pxt_progress_fn progress, void *progress_ud);

/*
 * pxt_table_check returns PXT_OK when every computed column of t (and of the views
 * over it) can run in this process: its functions are registered with the signatures
 * the catalog recorded. Otherwise the error names the column, the function and both
 * signatures. Workers call it at start and refuse to serve when it fails.
 */
PXT_API pxt_err pxt_table_check(const pxt_table *t);

/*
 * pxt_catalog_check runs pxt_table_check on every table and view of the catalog;
 * the first failure is returned (the message names the table, column and function).
 */
PXT_API pxt_err pxt_catalog_check(pxt_env *env);

/* A view's iterator. Fields are only ever appended. */
typedef struct pxt_iter_def {
	size_t size;			/* sizeof(pxt_iter_def) */
	const char *name;		/* "document_splitter" or "string_splitter" */
	const char *input;		/* the base column it reads (Document / String) */
	const char *separators;		/* "heading,paragraph,sentence,token_limit,char_limit" */
	int limit;			/* tokens or characters per chunk (with a *_limit) */
	int overlap;			/* tokens or characters repeated between chunks */
} pxt_iter_def;

/*
 * pxt_create_view creates the view path over base: one row per item the iterator
 * yields for each base row, with the base's primary key columns, `pos` (0-based
 * order within the base row), `text`, and for document_splitter `heading` and
 * `page`. Rows of the base that exist are split at once. Returns the view's handle
 * (owned by env) or NULL with the error set. if_exists as for tables.
 */
PXT_API pxt_table *pxt_create_view(pxt_env *env, const char *path, pxt_table *base,
    const pxt_iter_def *iter, pxt_if_exists if_exists);

/* pxt_table_is_view tells whether t is a view (written only through its base). */
PXT_API bool pxt_table_is_view(const pxt_table *t);

/*
 * pxt_insert inserts nrows rows in one transaction (the caller's, when one is open),
 * computing the computed columns and maintaining the views. names[ncols] are the
 * columns given; values[r * ncols + c] is the text form of row r's column c (NULL
 * for SQL NULL; Json as JSON text; media as a path or URL). Columns not given take
 * their default. A failure inserts nothing.
 */
PXT_API pxt_err pxt_insert(pxt_table *t, const char *const *names, int ncols,
    const char *const *values, int nrows);

/*
 * pxt_udf_set_timeout bounds each call of a UDF to seconds of wall time with
 * alarm(2) (0: unbounded, the default). The process must handle SIGALRM: the worker
 * ends itself (its supervisor starts a new one), which abandons the request's
 * transaction.
 */
PXT_API void pxt_udf_set_timeout(unsigned seconds);

#ifdef __cplusplus
}
#endif
#endif
