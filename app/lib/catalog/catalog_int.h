/*
 * catalog_int.h - the environment and table handles, and the catalog helpers shared by
 * the catalog's files and the engine (internal to libpxt).
 */
#ifndef PXT_CATALOG_INT_H
#define PXT_CATALOG_INT_H

#include "pxt/buf.h"
#include "pxt/catalog.h"
#include "pxt/compute.h"
#include "docs/doc_int.h"

#define PXT_CATALOG_SCHEMA "pxt_catalog"
#define PXT_DATA_SCHEMA "pxt_data"
#define PXT_CATALOG_FORMAT 6

struct pxt_declared {
	struct pxt_declared *next;
	char *path;
	char **cols;
	int ncols, capcols;
};

struct pxt_env {
	pxt_config *cfg;
	pxt_db *db;
	pxt_pool *pool;			/* lives as long as env */
	pxt_table *tables;		/* handles handed out, freed at close */
	bool user_tx;			/* inside pxt_begin ... pxt_commit */
	bool sync, allow_destructive;
	pxt_change_fn change_fn;
	void *change_ud;
	struct pxt_declared *declared;	/* tables declared while syncing */
	unsigned generation;		/* bumped when the handles are reloaded */
	void (*progress_fn)(void *, const char *, int64_t, int64_t);
	void *progress_ud;
	struct pxt_query *queries;	/* every named query, newest first */
	int change_depth;		/* catalog changes open (pxt_cat_change_begin) */
	struct pxt_cat_drops *drops;	/* media they released, newest level first */
	/* pxt_keep_first_error (declare.c) */
	bool keep_first;		/* keep the first failure, skip the calls after it */
	int decl_depth;			/* public schema calls open (nested ones included) */
	pxt_err first_err;
	char *first_msg;		/* in pool: the declaration and its message */
};

struct pxt_table {
	pxt_table *next;
	pxt_env *env;
	pxt_pool *pool;			/* strings and columns of this handle */
	int64_t id;
	char *path;
	char *storage_name;
	char *storage_sql;		/* quoted "pxt_data"."name" */
	pxt_column *cols;
	char **col_storage;		/* storage column name of each column */
	int ncols;
	int64_t schema_version;
	/* computed columns (read in by handle.c) */
	struct pxt_expr **exprs;	/* per column: its parsed expression, or NULL */
	bool *ignore_errors;		/* per column: on_error = ignore */
	unsigned char *deps;		/* ncols x ncols: [i*ncols+j] = i depends on j */
	char *expr_err;			/* why the expressions cannot run, or NULL */
	bool has_computed;
	/* views (read in by handle.c; the iterator: view.c) */
	bool is_view;
	char *base_path;		/* a view's base table */
	struct pxt_iter *iter;		/* a view's iterator */
	char **views;			/* paths of the views over this table */
	int nviews;
};

/* Storage names of the error cells of computed column i (in pool). */
char *pxt_cat_errtype_col(pxt_pool *pool, const pxt_table *t, int i);
char *pxt_cat_errmsg_col(pxt_pool *pool, const pxt_table *t, int i);
/*
 * PXT_ECONFLICT when another computed column or a view of t uses column name (what:
 * "drop" or "rename", for the message); PXT_EINVAL for a view's iterator column.
 */
pxt_err pxt_cat_col_in_use(pxt_table *t, const char *name, const char *what);
/*
 * Compute column name of t again for every row (errors_only: the rows whose cell has
 * an error) and the computed columns depending on it; inside the caller's change.
 */
pxt_err pxt_recompute_locked(pxt_table *t, const char *name, bool errors_only,
    void (*progress)(void *, const char *, int64_t, int64_t), void *ud);

/*
 * Add the computed column name = e (taken over) to t inside the caller's change, its
 * existing rows computed; no name check, so pxtc's own "_pxt" columns go through it.
 */
struct pxt_computed_opts;
pxt_err pxt_computed_add_locked(pxt_table *t, const char *name, struct pxt_expr *e,
    pxt_if_exists if_exists, const struct pxt_computed_opts *o);

/*
 * Open a transaction (inside the caller's: a savepoint) and take the catalog lock.
 * *own tells whether the transaction is ours.
 */
pxt_err pxt_cat_change_begin(pxt_env *env, bool *own);
/*
 * Commit (rc == PXT_OK) or roll back what pxt_cat_change_begin opened, so a failed
 * change leaves nothing behind even inside a caller's transaction. Returns rc, or the
 * commit's error.
 */
pxt_err pxt_cat_change_end(pxt_env *env, bool own, pxt_err rc);
/*
 * pxt_cat_change_table begins a catalog change on table t and reloads its handle under
 * the catalog lock, so the change sees the table as committed. PXT_OK: the caller ends
 * the change with pxt_cat_change_end(t->env, *own, rc). Otherwise the change is already
 * ended: PXT_ENOTFOUND for a handle whose table was dropped, or the error of the lock
 * or the reload.
 */
pxt_err pxt_cat_change_table(pxt_table *t, bool *own);
/*
 * pxt_cat_drop_pool returns the pool (owned by env) in which the change being made
 * records the owned media files it takes away (pxt_media_store_release): they are
 * deleted once the transaction of the outermost change commits (pxt_cat_change_end,
 * or pxt_commit after pxt_begin), and forgotten, the files left in place, when that
 * change or an enclosing one rolls back. NULL with PXT_EINTERNAL outside a change,
 * PXT_ENOMEM.
 */
pxt_pool *pxt_cat_drop_pool(pxt_env *env);
/*
 * pxt_cat_drops_settle ends the media of every open change level: deleted when ok
 * (the transaction committed), forgotten otherwise; frees the levels. Never fails.
 */
void pxt_cat_drops_settle(pxt_env *env, bool ok);
/* Bump the catalog version, log the change in history and NOTIFY pxt_catalog. */
pxt_err pxt_cat_bump(pxt_env *env, const char *op, const char *path);
/*
 * Record a change about to be made; PXT_EDESTRUCTIVE when it drops data while syncing
 * without allow_destructive (the message says what and how to allow it).
 */
pxt_err pxt_cat_note(pxt_env *env, bool destructive, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Create the catalog schema when missing. */
pxt_err pxt_cat_bootstrap(pxt_env *env);
/* The id of a directory, PXT_ENOTFOUND when it does not exist. "" is the top. */
pxt_err pxt_cat_dir_id(pxt_env *env, const char *path, int64_t *id, bool *exists);
/* Split "a/b/c" into parent "a/b" and name "c" (in pool). */
pxt_err pxt_cat_split(pxt_pool *pool, const char *path, char **parent, char **name);
/* Load (or reload) the handle of path; NULL with PXT_ENOTFOUND when missing. */
pxt_table *pxt_cat_load_table(pxt_env *env, const char *path);
/* The loaded handle of path when there is one, else load it. */
pxt_table *pxt_cat_table_cached(pxt_env *env, const char *path);
/* Forget the handle of path, if any (after drop); handles stay allocated until close. */
void pxt_cat_forget_table(pxt_env *env, const char *path);
/* Append the column DDL `"name" type [NOT NULL] [DEFAULT ...]` for def. */
pxt_err pxt_cat_column_sql(pxt_buf *b, const pxt_coldef *def);
/* The SQL expression of a declared default ("uuid7()", "now()"); NULL for others. */
const char *pxt_cat_default_sql(const char *dflt);
/* Remember a column declared for a table while syncing. */
pxt_err pxt_cat_declare(pxt_env *env, const char *path, const char *col);
/*
 * Bring existing table t in line with a create_table declaration (IGNORE): without
 * sync, any difference is PXT_EEXISTS naming the column; with sync, missing columns
 * are added and changed ones re-created (destructive).
 */
pxt_err pxt_cat_reconcile(pxt_env *env, pxt_table *t, const pxt_coldef *cols,
    int ncols, int npk);
/* Add a column to t (catalog and storage) at the next position; no checks. */
pxt_err pxt_cat_add_column(pxt_env *env, pxt_table *t, const pxt_coldef *def);
/* Drop column name of t (catalog and storage); no checks. */
pxt_err pxt_cat_drop_column(pxt_env *env, pxt_table *t, const char *name);
/* Insert the catalog row of column def of table table_id at position. */
pxt_err pxt_cat_insert_column(pxt_env *env, int64_t table_id, const pxt_coldef *def,
    int position);
/* Insert the catalog row of a new table; *id and *storage get its id and PG name. */
pxt_err pxt_cat_insert_table(pxt_env *env, const char *path, pxt_pool *pool,
    int64_t *id, char **storage);
/* Validate one column definition (name, type, flags, default, comment). */
pxt_err pxt_cat_coldef_check(const pxt_coldef *def);
/*
 * Column comments (column_comment.c). pxt_cat_comment_check: PXT_OK for NULL or one
 * line of UTF-8 text of at most 1000 bytes, else PXT_EINVAL naming column col.
 * pxt_cat_comment_storage sets COMMENT ON COLUMN of column col_storage of storage_sql
 * (NULL or "": none). pxt_cat_comment_store sets column idx of t's comment in the
 * storage and the catalog (no bump, no reload). PXT_OK or the database's error.
 */
pxt_err pxt_cat_comment_check(const char *col, const char *comment);
pxt_err pxt_cat_comment_storage(pxt_env *env, const char *storage_sql,
    const char *col_storage, const char *comment);
pxt_err pxt_cat_comment_store(pxt_env *env, pxt_table *t, int idx, const char *comment);
/*
 * Reload every table handle from the catalog (after a schema change elsewhere) and
 * bump env->generation so compiled statements are rebuilt.
 */
pxt_err pxt_cat_reload_all(pxt_env *env);
/*
 * The first-error latch around each public schema call (declare.c). pxt_decl_enter
 * returns false when env keeps an error from an earlier declaration: the call does
 * nothing and returns *rc, that error (its message restored). Otherwise the call runs
 * and ends with pxt_decl_leave, which returns rc; the first failure of a call made by
 * the program (not by another call) while pxt_keep_first_error is on is kept, its
 * message prefixed by what the call declared ("create table 'app/docs': ...") unless
 * it names each quoted item of that already.
 */
bool pxt_decl_enter(pxt_env *env, pxt_err *rc);
pxt_err pxt_decl_leave(pxt_env *env, pxt_err rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/*
 * pxt_decl_enter for a call on table t; false, with PXT_ENOTFOUND, for a NULL handle
 * (a failed create or get returns NULL and kept its own failure).
 */
bool pxt_decl_enter_table(const pxt_table *t, pxt_err *rc);
/* The error a call returning handle (NULL on failure) ends with, for pxt_decl_leave. */
pxt_err pxt_decl_rc(const void *handle);
/* Execute a DDL string. */
pxt_err pxt_cat_ddl(pxt_env *env, const char *sql);

/*
 * Views (view.c): a view's iterator as the catalog stores it. The rows it yields are
 * made by the engine (view_rows.c).
 */
enum pxt_iter_kind { PXT_ITER_DOCUMENT, PXT_ITER_STRING };

struct pxt_iter {
	enum pxt_iter_kind kind;
	char *input;
	char *separators;
	pxt_split_opts opts;
};

/*
 * Validate d and build the iterator (the caller frees it with pxt_iter_free).
 * PXT_EINVAL naming what is wrong, PXT_ENOMEM.
 */
pxt_err pxt_iter_make(const pxt_iter_def *d, struct pxt_iter **out);
/* The iterator's name: "document_splitter" or "string_splitter" (static). */
const char *pxt_iter_name(const struct pxt_iter *it);
/* Append the catalog form {"name", "input", "separators", "limit", "overlap"} to b. */
pxt_err pxt_iter_json(const struct pxt_iter *it, pxt_buf *b);
/* Parse a stored iterator (tables.iterator); PXT_EINVAL naming what is wrong. */
pxt_err pxt_iter_parse(const char *json, struct pxt_iter **out);
/* Free a parsed iterator (NULL is fine). */
void pxt_iter_free(struct pxt_iter *it);
/* Whether the iterator of view v reads column i of its base b. */
bool pxt_view_reads(const pxt_table *v, const pxt_table *b, int i);

/*
 * Media of rows that go (media_release.c). Each reads the values inside the caller's
 * transaction (PXT_EINTERNAL outside one) through a cursor, 1000 rows at a time, and
 * hands every value to pxt_media_store_release(pool, value), which ignores what the
 * store does not own; the caller keeps pool only after its COMMIT, so a rollback
 * leaves the files. Errors: the database's, PXT_ENOMEM; a failure may leave the
 * cursor open until the caller's rollback.
 *
 * pxt_media_release_select releases every value of the query select (media columns
 * only; params $1..$n).
 */
pxt_err pxt_media_release_select(pxt_db *db, pxt_pool *pool, const char *select, int n,
    const char *const *params);
/*
 * pxt_media_release_column releases the values of media column i of t in every row,
 * except a value another media column of the same row also holds (about to be
 * dropped: call it before the column goes).
 */
pxt_err pxt_media_release_column(pxt_table *t, int i, pxt_pool *pool);
/*
 * pxt_media_release_views releases the media of the rows of every view over t, and of
 * their own views in turn, whose base row is one of those rowids selects (a query of
 * _pxt_rowid values of t with params $1..$n): what ON DELETE CASCADE takes with them.
 * pxt_media_release_view does the same for the one view v (rowids: rows of its base).
 */
pxt_err pxt_media_release_views(pxt_table *t, pxt_pool *pool, const char *rowids, int n,
    const char *const *params);
pxt_err pxt_media_release_view(pxt_table *v, pxt_pool *pool, const char *rowids, int n,
    const char *const *params);
/*
 * pxt_media_in_views tells whether a view over t (or over one of its views) has a
 * media column, or cannot be loaded to tell: a delete of t's rows must then read
 * their media first.
 */
bool pxt_media_in_views(pxt_table *t);

#endif
