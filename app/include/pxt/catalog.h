/*
 * pxt/catalog.h - the public C API for schema code: environments, directories, tables
 * and columns, in the spirit of Pixeltable's pxt.create_dir / create_table / get_table.
 *
 * The catalog lives in the PostgreSQL schema "pxt_catalog" (dirs, tables, columns,
 * indexes, history, state); user rows live in ordinary tables of the schema "pxt_data",
 * named after the table's path ("pxt_data"."app/documents"), so psql finds them.
 * Every change runs in a transaction under one advisory lock, bumps the catalog version
 * and sends NOTIFY pxt_catalog with it, so concurrent setup programs serialize and
 * workers learn of changes without polling.
 *
 * Errors: functions return a pxt_err (or NULL for handles) and leave a message a user
 * can act on in pxt_errmsg().
 */
#ifndef PXT_CATALOG_H
#define PXT_CATALOG_H

#include "pxt/api.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pxt/config.h"
#include "pxt/db.h"
#include "pxt/error.h"
#include "pxt/pool.h"
#include "pxt/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pxt_env pxt_env;
typedef struct pxt_table pxt_table;

typedef enum pxt_if_exists {
	PXT_IF_EXISTS_ERROR = 0,	/* fail with PXT_EEXISTS */
	PXT_IF_EXISTS_IGNORE,		/* keep what exists (it must match the request) */
	PXT_IF_EXISTS_REPLACE		/* drop it (and its data) and create anew */
} pxt_if_exists;

typedef enum pxt_if_missing {
	PXT_IF_MISSING_ERROR = 0,	/* fail with PXT_ENOTFOUND */
	PXT_IF_MISSING_IGNORE		/* succeed without doing anything */
} pxt_if_missing;

/*
 * Column flags of pxt_coldef. Nullability is Pixeltable's: a bare type is nullable
 * (pxt.String), PXT_COL_REQUIRED is pxt.Required[pxt.String] (NOT NULL). A primary
 * key column is always required, whether or not the flag is given.
 */
#define PXT_COL_REQUIRED	0x1u	/* NOT NULL: Required[...] */
#define PXT_COL_PRIMARY_KEY	0x2u	/* part of the primary key (implies REQUIRED) */

/*
 * A column to create. A list of them ends with an entry whose name is NULL ({0}).
 * elem is the element type of an Array (default Float). dflt is the column's default,
 * the value a write that does not give the column stores: "uuid7()" (a UUID column:
 * a new UUIDv7, 48 bits of Unix milliseconds then random bits, so keys sort by
 * creation) or "now()" (a Timestamp column: the time of the write, one value for
 * every row of one insert); NULL for none. Any other text is PXT_EINVAL at
 * declaration. comment says what the column holds, in a sentence or less (one line
 * of at most 1000 bytes of UTF-8 text, no control characters, else PXT_EINVAL): the
 * OpenAPI document gives it as the description of the column's property, and the
 * storage as PostgreSQL's COMMENT ON COLUMN. Declared again (a setup run), a
 * different comment replaces the catalog's; NULL leaves the catalog's as it is (see
 * pxt_set_column_comment to remove one). Fields left out of a designated initializer
 * are zero: no flags, the default element type, no default, no comment.
 */
typedef struct pxt_coldef {
	const char *name;
	pxt_type type;
	unsigned flags;
	pxt_type elem;
	const char *dflt;	/* appended: "uuid7()", "now()" or NULL */
	const char *comment;	/* appended: what the column holds, or NULL */
} pxt_coldef;

/*
 * Column list entries, for column lists such as
 *
 *	(pxt_coldef[]){PXT_UUID7_KEY("uuid"), PXT_REQUIRED("document", PXT_DOCUMENT),
 *	    PXT_COL("metadata", PXT_JSON),
 *	    PXT_REQUIRED_DEFAULT("timestamp", PXT_TIMESTAMP, "now()"), {0}}
 *
 * PXT_COL(name, type): a nullable column (Pixeltable's bare type).
 * PXT_REQUIRED(name, type): a required column (pxt.Required[type], NOT NULL): a write
 *   that leaves it out (with no default) or sets it to null fails, naming it.
 * PXT_KEY(name, type): a primary key column (required).
 * PXT_UUID7_KEY(name): a UUID primary key made with uuid7() when a write does not
 *   give one, as the Pixeltable starter kit declares {"uuid": uuid7()} with
 *   primary_key=["uuid"].
 * PXT_COL_DEFAULT(name, type, dflt), PXT_REQUIRED_DEFAULT(name, type, dflt): a
 *   nullable or required column with a default (dflt as for pxt_coldef).
 */
#define PXT_COL(NAME, TYPE) {.name = (NAME), .type = (TYPE)}
#define PXT_REQUIRED(NAME, TYPE) \
	{.name = (NAME), .type = (TYPE), .flags = PXT_COL_REQUIRED}
#define PXT_KEY(NAME, TYPE) {.name = (NAME), .type = (TYPE), \
	.flags = PXT_COL_REQUIRED | PXT_COL_PRIMARY_KEY}
#define PXT_UUID7_KEY(NAME) {.name = (NAME), .type = PXT_UUID, \
	.flags = PXT_COL_REQUIRED | PXT_COL_PRIMARY_KEY, .dflt = "uuid7()"}
#define PXT_COL_DEFAULT(NAME, TYPE, DFLT) \
	{.name = (NAME), .type = (TYPE), .dflt = (DFLT)}
#define PXT_REQUIRED_DEFAULT(NAME, TYPE, DFLT) \
	{.name = (NAME), .type = (TYPE), .flags = PXT_COL_REQUIRED, .dflt = (DFLT)}

/* A column as the catalog knows it; owned by its pxt_table handle. */
typedef struct pxt_column {
	const char *name;
	pxt_type type;
	pxt_type elem;
	bool nullable;
	bool primary_key;
	int position;
	const char *computed;	/* serialized expression, NULL for a plain column */
	const char *media_dest;	/* NULL: the default media store */
	/*
	 * A column pxtc keeps for itself (its name starts with "_pxt", which user names
	 * cannot): an embedding index's vectors. Never an input or an output.
	 */
	bool hidden;
	const char *dflt;	/* appended: the declared default ("now()"), or NULL */
	const char *comment;	/* appended: the column's comment, or NULL */
} pxt_column;

/* Options of pxt_open; pass NULL for the defaults. Fields are only ever appended. */
typedef struct pxt_open_opts {
	size_t size;		/* sizeof(pxt_open_opts) */
	const char *dotenv_path;	/* NULL: ".env" in the working directory */
} pxt_open_opts;

/*
 * pxt_open loads the configuration, starts the embedded PostgreSQL when
 * PIXELTABLE_DB_CONNECT_STR is unset, connects, and creates the catalog when missing.
 * Returns a new environment (free with pxt_close) or NULL with pxt_errmsg() set.
 */
PXT_API pxt_env *pxt_open(const pxt_open_opts *opts);

/* pxt_close closes the connection and frees the environment and its table handles. */
PXT_API void pxt_close(pxt_env *env);

/* Accessors; the returned objects are owned by env. */
PXT_API const pxt_config *pxt_env_config(const pxt_env *env);
PXT_API pxt_db *pxt_env_db(pxt_env *env);

/*
 * pxt_catalog_version returns the catalog's schema version (bumped by every change),
 * or -1 on failure.
 */
PXT_API int64_t pxt_catalog_version(pxt_env *env);

/*
 * Group several changes into one transaction (under the catalog lock): all of them
 * land, or none. Without pxt_begin each change is its own transaction. The media
 * files the changes take away (see pxt_drop_table) are deleted by pxt_commit once the
 * commit succeeded, and left in place by pxt_rollback or a failed commit.
 */
PXT_API pxt_err pxt_begin(pxt_env *env);
PXT_API pxt_err pxt_commit(pxt_env *env);
PXT_API pxt_err pxt_rollback(pxt_env *env);

/*
 * A schema program as a flat list of declarations, checked once at the end (as a
 * query keeps its first builder mistake):
 *
 *	pxt_keep_first_error(env, true);
 *	pxt_begin(env);
 *	docs = pxt_create_table(env, "app/documents", cols, PXT_IF_EXISTS_IGNORE);
 *	pxt_add_btree_index(docs, "timestamp", PXT_IF_EXISTS_IGNORE);
 *	pxt_commit(env);
 *	if (pxt_env_error(env) != PXT_OK)
 *		fprintf(stderr, "%s\n", pxt_errmsg());
 *
 * With pxt_keep_first_error on, the first failing schema call (pxt_begin, pxt_commit,
 * pxt_get_table, creating, dropping or renaming a directory, table, view, column or
 * index, adding a computed column, pxt_sync_finish) is kept in env, its message
 * naming the declaration that failed (prefixed with it, "create table 'app/docs':
 * ...", when it does not already), and every such call after it does nothing and
 * returns that error (handles: NULL; a computed column's expression is still freed).
 * A call on a NULL table handle, as a failed create leaves, does nothing and fails
 * with PXT_ENOTFOUND (whether or not the latch is on). pxt_commit with an error kept
 * rolls the transaction back instead. Turning the latch on or off forgets a kept
 * error; it is off by default, so a program that checks every call sees each call's
 * own result.
 */
PXT_API void pxt_keep_first_error(pxt_env *env, bool on);

/*
 * pxt_env_error returns the error env keeps (PXT_OK when none, or when
 * pxt_keep_first_error is off) and sets pxt_errmsg() to its message, which names the
 * declaration that failed.
 */
PXT_API pxt_err pxt_env_error(const pxt_env *env);

/*
 * pxt_create_dir creates a directory (a logical namespace, nested with '/'); parents
 * must exist. PXT_EEXISTS when it exists and if_exists is ERROR (REPLACE acts as
 * IGNORE for directories: they hold no data of their own).
 */
PXT_API pxt_err pxt_create_dir(pxt_env *env, const char *path, pxt_if_exists if_exists);

/*
 * pxt_drop_dir drops an empty directory; with force, everything below it too
 * (a destructive change). PXT_ECONFLICT when not empty and force is false.
 */
PXT_API pxt_err pxt_drop_dir(pxt_env *env, const char *path, pxt_if_missing if_missing,
    bool force);

/*
 * pxt_create_table creates a table with the given columns (ended by {0}). Its
 * primary key is the PXT_COL_PRIMARY_KEY columns, as declared (any type but media,
 * Json and Array; required). A table without one gets no visible key column: its
 * rows are told apart by a hidden row id (the storage's "_pxt_rowid"), and a column
 * named "id" is an ordinary column. With IGNORE, an existing table must have every
 * given column with the same type, else PXT_EEXISTS says which differs ("column
 * 'metadata' is Json here, String in the catalog"); with sync on, a change of
 * nullability or default only is made in place. Returns a handle owned by env, or
 * NULL.
 */
PXT_API pxt_table *pxt_create_table(pxt_env *env, const char *path,
    const pxt_coldef *cols, pxt_if_exists if_exists);

/* pxt_get_table returns a handle (owned by env) or NULL with PXT_ENOTFOUND. */
PXT_API pxt_table *pxt_get_table(pxt_env *env, const char *path);

/*
 * pxt_drop_table drops a table or a view and its rows (destructive); PXT_ECONFLICT
 * while views over it exist. The files of the local media store that its media
 * columns refer to (generated media, uploads) are deleted once the change commits;
 * a drop that fails or is rolled back leaves them.
 */
PXT_API pxt_err pxt_drop_table(pxt_env *env, const char *path,
    pxt_if_missing if_missing);

/*
 * Columns. pxt_add_column adds a column (nullable unless REQUIRED, which an empty
 * table only can take, or a table with rows when the column has a default, which
 * fills them); IGNORE requires the same type. pxt_drop_column drops a column
 * and its values (destructive; never the primary key), and with a media column the
 * store's files its cells refer to once the change commits (not a file another media
 * cell of the same row holds). pxt_rename_column renames it in the catalog and the
 * storage table; a primary key column is renamed in the views over the table too
 * (their copy of the key), rows, values and indexes kept.
 */
PXT_API pxt_err pxt_add_column(pxt_table *t, const pxt_coldef *col,
    pxt_if_exists if_exists);
PXT_API pxt_err pxt_drop_column(pxt_table *t, const char *name,
    pxt_if_missing if_missing);
PXT_API pxt_err pxt_rename_column(pxt_table *t, const char *old_name,
    const char *new_name);

/*
 * pxt_set_column_comment gives column col of t (a table or a view, a computed column
 * too) the comment comment, or removes its comment when comment is NULL or "". The
 * comment is checked as pxt_coldef's (one line, at most 1000 bytes, UTF-8 text) and
 * stored in the catalog and as the storage column's COMMENT ON COLUMN; workers see it
 * (in their OpenAPI document) after their next catalog reload. Returns PXT_OK (also
 * when the comment is already that), PXT_ENOTFOUND for an unknown column, PXT_EINVAL
 * for a comment it refuses, or a database error; the message says which.
 */
PXT_API pxt_err pxt_set_column_comment(pxt_table *t, const char *col,
    const char *comment);

/*
 * pxt_add_btree_index indexes column col of t (with the row order as a tie-breaker), so
 * that queries ordering or filtering by it do not scan the table: a list route ordered
 * by a timestamp reads 20 rows, not all of them. IGNORE keeps an existing index, ERROR
 * fails with PXT_EEXISTS, REPLACE builds it again. The index is dropped with its column.
 */
PXT_API pxt_err pxt_add_btree_index(pxt_table *t, const char *col,
    pxt_if_exists if_exists);

/* Handle accessors; strings are owned by the handle. */
PXT_API const char *pxt_table_path(const pxt_table *t);
/* "pxt_data"."app/docs" */
PXT_API const char *pxt_table_storage(const pxt_table *t);
PXT_API int pxt_table_ncols(const pxt_table *t);
PXT_API const pxt_column *pxt_table_col(const pxt_table *t, int i);
PXT_API const pxt_column *pxt_table_find_col(const pxt_table *t, const char *name);

/* An entry of pxt_list. */
typedef struct pxt_entry {
	const char *path;
	const char *kind;	/* "dir", "table", "view" */
} pxt_entry;

/*
 * pxt_list lists the directories and tables directly in dir ("" for the top), or
 * everything below it when recursive, ordered by path. Entries live in pool.
 */
PXT_API pxt_err pxt_list(pxt_env *env, const char *dir, bool recursive, pxt_pool *pool,
    pxt_entry **entries, int *n);

/*
 * pxt_describe returns a human-readable description of a table (its columns, types,
 * keys, defaults, computed expressions and comments, and its storage), in pool memory;
 * NULL on failure.
 */
PXT_API char *pxt_describe(pxt_table *t, pxt_pool *pool);

/*
 * Schema synchronization, for setup programs. With sync on, create_table / add_column
 * with IGNORE bring an existing table in line with the declaration instead of failing:
 * missing columns are added; a column whose type changed is dropped and re-added, and
 * pxt_sync_finish drops the columns of declared tables that nothing declared any more.
 * Changes that drop data fail with PXT_EDESTRUCTIVE unless allow_destructive.
 * Every change made is reported to the change callback (desc is valid during the call).
 */
typedef void (*pxt_change_fn)(void *ud, const char *desc, bool destructive);
PXT_API void pxt_set_sync(pxt_env *env, bool sync, bool allow_destructive);
PXT_API void pxt_on_change(pxt_env *env, pxt_change_fn fn, void *ud);
PXT_API pxt_err pxt_sync_finish(pxt_env *env);

#ifdef __cplusplus
}
#endif
#endif
