/*
 * dir.c - directories (logical namespaces in the catalog) and listing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/ident.h"
#include "catalog/catalog_int.h"

static pxt_err
pxt_create_dir_locked(pxt_env *env, const char *path, pxt_if_exists if_exists,
    pxt_pool *pool)
{
	char *parent, *name, idbuf[32];
	const char *params[2];
	int64_t dir_id, parent_id;
	bool exists;
	PGresult *res;
	pxt_err rc;

	if ((rc = pxt_cat_dir_id(env, path, &dir_id, &exists)) != PXT_OK)
		return rc;
	if (exists) {
		if (if_exists == PXT_IF_EXISTS_ERROR)
			return pxt_seterr(PXT_EEXISTS, "directory '%s' already exists", path);
		return PXT_OK;
	}
	params[0] = path;
	rc = pxt_db_exec(env->db, "SELECT 1 FROM pxt_catalog.tables WHERE path = $1", 1,
	    params, &res);
	if (rc != PXT_OK)
		return rc;
	exists = PQntuples(res) > 0;
	PQclear(res);
	if (exists)
		return pxt_seterr(PXT_EEXISTS, "'%s' is a table, not a directory", path);
	if ((rc = pxt_cat_split(pool, path, &parent, &name)) != PXT_OK)
		return rc;
	if ((rc = pxt_cat_dir_id(env, parent, &parent_id, &exists)) != PXT_OK)
		return rc;
	if (!exists)
		return pxt_seterr(PXT_ENOTFOUND, "cannot create directory '%s': its parent "
		    "'%s' does not exist", path, parent);
	if ((rc = pxt_cat_note(env, false, "create directory '%s'", path)) != PXT_OK)
		return rc;
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)parent_id);
	params[1] = parent_id ? idbuf : NULL;
	rc = pxt_db_exec(env->db, "INSERT INTO pxt_catalog.dirs (path, parent_id)"
	    " VALUES ($1, $2::bigint)", 2, params, NULL);
	if (rc == PXT_OK)
		rc = pxt_cat_bump(env, "create_dir", path);
	return rc;
}

static pxt_err
pxt_create_dir_run(pxt_env *env, const char *path, pxt_if_exists if_exists)
{
	pxt_pool *pool;
	pxt_err rc;
	bool own;

	if ((rc = pxt_path_check(path, "directory")) != PXT_OK)
		return rc;
	if ((pool = pxt_pool_new(0)) == NULL)
		return PXT_ENOMEM;
	if ((rc = pxt_cat_change_begin(env, &own)) == PXT_OK) {
		rc = pxt_create_dir_locked(env, path, if_exists, pool);
		rc = pxt_cat_change_end(env, own, rc);
	}
	pxt_pool_free(pool);
	return rc;
}

pxt_err
pxt_create_dir(pxt_env *env, const char *path, pxt_if_exists if_exists)
{
	pxt_err rc;

	if (!pxt_decl_enter(env, &rc))
		return rc;
	rc = pxt_create_dir_run(env, path, if_exists);
	return pxt_decl_leave(env, rc, "create directory '%s'", path ? path : "");
}

/* Drop every table below prefix (deepest path first), then the directories. */
static pxt_err
pxt_drop_dir_contents(pxt_env *env, const char *path)
{
	const char *params[] = {path};
	PGresult *res;
	pxt_err rc;

	rc = pxt_db_exec(env->db, "SELECT path FROM pxt_catalog.tables"
	    " WHERE starts_with(path, $1 || '/') ORDER BY length(path) DESC, path",
	    1, params, &res);
	if (rc != PXT_OK)
		return rc;
	for (int i = 0; i < PQntuples(res) && rc == PXT_OK; i++)
		rc = pxt_drop_table(env, PQgetvalue(res, i, 0), PXT_IF_MISSING_IGNORE);
	PQclear(res);
	if (rc != PXT_OK)
		return rc;
	return pxt_db_exec(env->db, "DELETE FROM pxt_catalog.dirs"
	    " WHERE starts_with(path, $1 || '/')", 1, params, NULL);
}

static pxt_err
pxt_drop_dir_locked(pxt_env *env, const char *path, pxt_if_missing if_missing,
    bool force)
{
	const char *params[] = {path};
	PGresult *res;
	int64_t id;
	bool exists;
	long children;
	pxt_err rc;

	if ((rc = pxt_cat_dir_id(env, path, &id, &exists)) != PXT_OK)
		return rc;
	if (!exists)
		return if_missing == PXT_IF_MISSING_IGNORE ? PXT_OK :
		    pxt_seterr(PXT_ENOTFOUND, "directory '%s' does not exist", path);
	rc = pxt_db_exec(env->db, "SELECT (SELECT count(*) FROM pxt_catalog.dirs"
	    " WHERE starts_with(path, $1 || '/')) + (SELECT count(*) FROM"
	    " pxt_catalog.tables WHERE starts_with(path, $1 || '/'))", 1, params, &res);
	if (rc != PXT_OK)
		return rc;
	children = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	if (children > 0 && !force)
		return pxt_seterr(PXT_ECONFLICT, "directory '%s' is not empty (%ld "
		    "entries): drop its contents first or pass force", path, children);
	if ((rc = pxt_cat_note(env, children > 0, "drop directory '%s'%s", path,
	    children > 0 ? " and everything in it" : "")) != PXT_OK)
		return rc;
	if (children > 0 && (rc = pxt_drop_dir_contents(env, path)) != PXT_OK)
		return rc;
	rc = pxt_db_exec(env->db, "DELETE FROM pxt_catalog.dirs WHERE path = $1", 1,
	    params, NULL);
	if (rc == PXT_OK)
		rc = pxt_cat_bump(env, "drop_dir", path);
	return rc;
}

pxt_err
pxt_drop_dir(pxt_env *env, const char *path, pxt_if_missing if_missing, bool force)
{
	pxt_err rc;
	bool own;

	if (!pxt_decl_enter(env, &rc))
		return rc;
	if ((rc = pxt_path_check(path, "directory")) == PXT_OK &&
	    (rc = pxt_cat_change_begin(env, &own)) == PXT_OK) {
		rc = pxt_drop_dir_locked(env, path, if_missing, force);
		rc = pxt_cat_change_end(env, own, rc);
	}
	return pxt_decl_leave(env, rc, "drop directory '%s'", path ? path : "");
}

pxt_err
pxt_list(pxt_env *env, const char *dir, bool recursive, pxt_pool *pool,
    pxt_entry **entries, int *n)
{
	const char *params[] = {dir ? dir : "", recursive ? "t" : "f"};
	PGresult *res;
	int64_t id;
	bool exists;
	pxt_err rc;

	*entries = NULL;
	*n = 0;
	if (*params[0] != '\0' && (rc = pxt_path_check(params[0], "directory")) != PXT_OK)
		return rc;
	if ((rc = pxt_cat_dir_id(env, params[0], &id, &exists)) != PXT_OK)
		return rc;
	if (!exists)
		return pxt_seterr(PXT_ENOTFOUND, "directory '%s' does not exist", params[0]);
	rc = pxt_db_exec(env->db,
	    "WITH e AS (SELECT path, 'dir' AS kind FROM pxt_catalog.dirs"
	    " UNION ALL SELECT path, kind FROM pxt_catalog.tables)"
	    " SELECT path, kind FROM e WHERE"
	    " ($1 = '' OR starts_with(path, $1 || '/')) AND"
	    " ($2::boolean OR position('/' IN substr(path, length($1) +"
	    " CASE WHEN $1 = '' THEN 1 ELSE 2 END)) = 0)"
	    " ORDER BY path", 2, params, &res);
	if (rc != PXT_OK)
		return rc;
	*entries = pxt_pcalloc(pool, sizeof(pxt_entry) * ((size_t)PQntuples(res) + 1));
	if (*entries == NULL) {
		PQclear(res);
		return PXT_ENOMEM;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		(*entries)[i].path = pxt_pstrdup(pool, PQgetvalue(res, i, 0));
		(*entries)[i].kind = pxt_pstrdup(pool, PQgetvalue(res, i, 1));
	}
	*n = PQntuples(res);
	PQclear(res);
	return PXT_OK;
}
