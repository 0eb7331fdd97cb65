/*
 * table.c - tables: checking a column list, a table's catalog row, creating, getting
 * and dropping a table with its storage and owned media (see pxt/catalog.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/ident.h"
#include "catalog/catalog_int.h"
#include "engine/write_int.h"

/* Validate a column list; *npk gets the number of primary key columns. */
static pxt_err
pxt_coldefs_check(const pxt_coldef *cols, int *n, int *npk)
{
	pxt_err rc;

	*n = *npk = 0;
	if (cols == NULL)
		return pxt_seterr(PXT_EINVAL, "a table needs a column list (end it with {0})");
	for (int i = 0; cols[i].name != NULL; i++) {
		if ((rc = pxt_cat_coldef_check(&cols[i])) != PXT_OK)
			return rc;
		for (int j = 0; j < i; j++)
			if (strcmp(cols[i].name, cols[j].name) == 0)
				return pxt_seterr(PXT_EINVAL, "column '%s' is declared twice",
				    cols[i].name);
		*npk += (cols[i].flags & PXT_COL_PRIMARY_KEY) != 0;
		(*n)++;
	}
	return PXT_OK;
}

/* Insert the catalog row of a new table; *id and *storage get its id and PG name. */
pxt_err
pxt_cat_insert_table(pxt_env *env, const char *path, pxt_pool *pool, int64_t *id,
    char **storage)
{
	char *parent, *name, dirbuf[32], idbuf[32];
	const char *params[3];
	int64_t dir_id;
	bool exists;
	PGresult *res;
	pxt_err rc;

	if ((rc = pxt_cat_split(pool, path, &parent, &name)) != PXT_OK)
		return rc;
	if ((rc = pxt_cat_dir_id(env, parent, &dir_id, &exists)) != PXT_OK)
		return rc;
	if (!exists)
		return pxt_seterr(PXT_ENOTFOUND, "cannot create table '%s': directory '%s' "
		    "does not exist (create it first with pxt_create_dir)", path, parent);
	snprintf(dirbuf, sizeof(dirbuf), "%lld", (long long)dir_id);
	params[0] = path;
	params[1] = dir_id ? dirbuf : NULL;
	/* the PG table is named after the path; long paths fall back to t<id> */
	params[2] = strlen(path) <= PXT_NAME_MAX ? path : NULL;
	rc = pxt_db_exec(env->db, "INSERT INTO pxt_catalog.tables (path, dir_id,"
	    " storage_name) VALUES ($1, $2::bigint, coalesce($3, 'pending-' || $1))"
	    " RETURNING id, storage_name", 3, params, &res);
	if (rc != PXT_OK)
		return rc;
	*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	*storage = pxt_pstrdup(pool, PQgetvalue(res, 0, 1));
	PQclear(res);
	if (params[2] == NULL) {
		snprintf(idbuf, sizeof(idbuf), "%lld", (long long)*id);
		*storage = pxt_psprintf(pool, "t%s", idbuf);
		params[0] = idbuf;
		params[1] = *storage;
		rc = pxt_db_exec(env->db, "UPDATE pxt_catalog.tables SET storage_name = $2"
		    " WHERE id = $1", 2, params, NULL);
	}
	return rc;
}

static pxt_err
pxt_create_table_new(pxt_env *env, const char *path, const pxt_coldef *cols,
    int ncols, int npk, pxt_pool *pool)
{
	pxt_buf b = PXT_BUF_INIT;
	char *storage = NULL;
	int64_t id = 0;
	int pos = 0;
	pxt_err rc;

	if ((rc = pxt_cat_note(env, false, "create table '%s'", path)) != PXT_OK)
		return rc;
	if ((rc = pxt_cat_insert_table(env, path, pool, &id, &storage)) != PXT_OK)
		return rc;
	pxt_buf_adds(&b, "CREATE TABLE ");
	if ((rc = pxt_quote_qualified(&b, PXT_DATA_SCHEMA, storage)) != PXT_OK)
		goto out;
	/* without a declared key, the hidden row id is the storage's key */
	pxt_buf_addf(&b, " (\"_pxt_rowid\" bigint GENERATED ALWAYS AS IDENTITY%s",
	    npk == 0 ? " PRIMARY KEY" : "");
	for (int i = 0; i < ncols; i++) {
		pxt_buf_adds(&b, ", ");
		if ((rc = pxt_cat_column_sql(&b, &cols[i])) != PXT_OK)
			goto out;
		if ((rc = pxt_cat_insert_column(env, id, &cols[i], pos++)) != PXT_OK)
			goto out;
	}
	for (int i = 0, k = 0; npk > 0 && i < ncols; i++) {
		if (!(cols[i].flags & PXT_COL_PRIMARY_KEY))
			continue;
		pxt_buf_adds(&b, k++ > 0 ? ", " : ", PRIMARY KEY (");
		pxt_quote_ident(&b, cols[i].name);
	}
	pxt_buf_adds(&b, npk > 0 ? "))" : ")");
	if (b.failed)
		rc = PXT_ENOMEM;
	else
		rc = pxt_cat_ddl(env, b.data);
	pxt_buf_reset(&b);
	if (rc == PXT_OK && pxt_quote_qualified(&b, PXT_DATA_SCHEMA, storage) != PXT_OK)
		rc = PXT_ENOMEM;
	for (int i = 0; rc == PXT_OK && i < ncols; i++)
		if (cols[i].comment != NULL)
			rc = pxt_cat_comment_storage(env, b.data, cols[i].name,
			    cols[i].comment);
	if (rc == PXT_OK)
		rc = pxt_cat_bump(env, "create_table", path);
out:
	pxt_buf_free(&b);
	return rc;
}

/*
 * The owned media files in the media columns of table id (storage: its quoted
 * storage table) go when the change dropping it commits: released into the change's
 * drop pool now, while the rows are still there.
 */
static pxt_err
pxt_drop_table_media(pxt_env *env, const char *id, const char *storage)
{
	const char *params[1] = {id};
	pxt_buf sql = PXT_BUF_INIT;
	pxt_pool *drops;
	PGresult *res;
	int n = 0;
	pxt_err rc;

	rc = pxt_db_exec(env->db, "SELECT storage_name, type FROM pxt_catalog.columns"
	    " WHERE table_id = $1 ORDER BY position", 1, params, &res);
	if (rc != PXT_OK)
		return rc;
	pxt_buf_adds(&sql, "SELECT ");
	for (int i = 0; i < PQntuples(res); i++) {
		if (!pxt_type_is_media(pxt_type_parse(PQgetvalue(res, i, 1))))
			continue;
		pxt_buf_adds(&sql, n++ ? ", " : "");
		pxt_quote_ident(&sql, PQgetvalue(res, i, 0));
	}
	PQclear(res);
	pxt_buf_addf(&sql, " FROM %s", storage);
	if (n > 0 && (drops = pxt_cat_drop_pool(env)) == NULL)
		rc = pxt_errcode();
	else if (n > 0)
		rc = sql.failed ? PXT_ENOMEM : pxt_media_release_select(env->db, drops,
		    sql.data, 0, NULL);
	pxt_buf_free(&sql);
	return rc;
}

static pxt_err
pxt_drop_table_locked(pxt_env *env, const char *path, pxt_if_missing if_missing)
{
	const char *params[] = {path};
	char *base = NULL, id[32];
	pxt_buf b = PXT_BUF_INIT, storage = PXT_BUF_INIT;
	bool stored;
	PGresult *res;
	pxt_err rc;

	rc = pxt_db_exec(env->db, "SELECT t.storage_name, (SELECT string_agg(v.path, ', ')"
	    " FROM pxt_catalog.tables v WHERE v.base_id = t.id), (SELECT b.path FROM"
	    " pxt_catalog.tables b WHERE b.id = t.base_id), t.id, to_regclass("
	    "quote_ident('" PXT_DATA_SCHEMA "') || '.' || quote_ident(t.storage_name))"
	    " IS NOT NULL FROM pxt_catalog.tables t WHERE t.path = $1", 1, params, &res);
	if (rc != PXT_OK)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return if_missing == PXT_IF_MISSING_IGNORE ? PXT_OK :
		    pxt_seterr(PXT_ENOTFOUND, "table '%s' does not exist", path);
	}
	if (!PQgetisnull(res, 0, 1)) {
		rc = pxt_seterr(PXT_ECONFLICT, "table '%s' has views (%s): drop them first",
		    path, PQgetvalue(res, 0, 1));
		PQclear(res);
		return rc;
	}
	rc = pxt_quote_qualified(&storage, PXT_DATA_SCHEMA, PQgetvalue(res, 0, 0));
	pxt_buf_addf(&b, "DROP TABLE IF EXISTS %s", pxt_buf_str(&storage));
	base = PQgetisnull(res, 0, 2) ? NULL : strdup(PQgetvalue(res, 0, 2));
	snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, 3));
	stored = PQgetvalue(res, 0, 4)[0] == 't';
	PQclear(res);
	if (rc == PXT_OK && (b.failed || storage.failed))
		rc = PXT_ENOMEM;
	if (rc == PXT_OK)
		rc = pxt_cat_note(env, true, "drop table '%s' and its rows", path);
	if (rc == PXT_OK && stored)
		rc = pxt_drop_table_media(env, id, storage.data);
	if (rc == PXT_OK)
		rc = pxt_cat_ddl(env, b.data);
	if (rc == PXT_OK)
		rc = pxt_db_exec(env->db, "DELETE FROM pxt_catalog.tables WHERE path = $1",
		    1, params, NULL);
	if (rc == PXT_OK)
		rc = pxt_cat_bump(env, "drop_table", path);
	if (rc == PXT_OK)
		pxt_cat_forget_table(env, path);
	/* a view's base no longer writes it */
	if (rc == PXT_OK && base != NULL && pxt_cat_load_table(env, base) == NULL)
		rc = pxt_errcode();
	free(base);
	pxt_buf_free(&b);
	pxt_buf_free(&storage);
	return rc;
}

pxt_err
pxt_drop_table(pxt_env *env, const char *path, pxt_if_missing if_missing)
{
	pxt_err rc;
	bool own;

	if (!pxt_decl_enter(env, &rc))
		return rc;
	if ((rc = pxt_path_check(path, "table")) == PXT_OK &&
	    (rc = pxt_cat_change_begin(env, &own)) == PXT_OK) {
		rc = pxt_drop_table_locked(env, path, if_missing);
		rc = pxt_cat_change_end(env, own, rc);
	}
	return pxt_decl_leave(env, rc, "drop table '%s'", path ? path : "");
}

/* Whether path names a directory; used to refuse tables that would shadow one. */
static pxt_err
pxt_cat_is_dir(pxt_env *env, const char *path, bool *is_dir)
{
	int64_t id;

	return pxt_cat_dir_id(env, path, &id, is_dir);
}

static pxt_table *
pxt_create_table_run(pxt_env *env, const char *path, const pxt_coldef *cols,
    pxt_if_exists if_exists)
{
	pxt_table *t = NULL;
	pxt_pool *pool = NULL;
	int ncols, npk;
	bool own, is_dir;
	pxt_err rc;

	if (pxt_path_check(path, "table") != PXT_OK ||
	    pxt_coldefs_check(cols, &ncols, &npk) != PXT_OK)
		return NULL;
	if ((pool = pxt_pool_new(0)) == NULL)
		return NULL;
	if ((rc = pxt_cat_change_begin(env, &own)) != PXT_OK)
		goto out;
	if ((rc = pxt_cat_is_dir(env, path, &is_dir)) == PXT_OK && is_dir)
		rc = pxt_seterr(PXT_EEXISTS, "'%s' is a directory, not a table", path);
	if (rc == PXT_OK && (t = pxt_cat_load_table(env, path)) != NULL) {
		if (if_exists == PXT_IF_EXISTS_ERROR)
			rc = pxt_seterr(PXT_EEXISTS, "table '%s' already exists", path);
		else if (if_exists == PXT_IF_EXISTS_IGNORE)
			rc = pxt_cat_reconcile(env, t, cols, ncols, npk);
		else
			rc = pxt_drop_table_locked(env, path, PXT_IF_MISSING_ERROR);
		if (rc != PXT_OK || if_exists == PXT_IF_EXISTS_IGNORE)
			goto done;
	} else if (rc == PXT_OK && pxt_errcode() != PXT_ENOTFOUND) {
		rc = pxt_errcode();
		goto done;
	}
	if (rc == PXT_OK)
		rc = pxt_create_table_new(env, path, cols, ncols, npk, pool);
done:
	for (int i = 0; rc == PXT_OK && env->sync && i < ncols; i++)
		rc = pxt_cat_declare(env, path, cols[i].name);
	rc = pxt_cat_change_end(env, own, rc);
	t = rc == PXT_OK ? pxt_cat_load_table(env, path) : NULL;
out:
	pxt_pool_free(pool);
	return t;
}

pxt_table *
pxt_create_table(pxt_env *env, const char *path, const pxt_coldef *cols,
    pxt_if_exists if_exists)
{
	pxt_table *t;
	pxt_err rc;

	if (!pxt_decl_enter(env, &rc))
		return NULL;
	t = pxt_create_table_run(env, path, cols, if_exists);
	pxt_decl_leave(env, pxt_decl_rc(t), "create table '%s'", path ? path : "");
	return t;
}

pxt_table *
pxt_get_table(pxt_env *env, const char *path)
{
	pxt_table *t = NULL;
	pxt_err rc;

	if (!pxt_decl_enter(env, &rc))
		return NULL;
	if (pxt_path_check(path, "table") == PXT_OK)
		t = pxt_cat_load_table(env, path);
	pxt_decl_leave(env, pxt_decl_rc(t), "get table '%s'", path ? path : "");
	return t;
}
