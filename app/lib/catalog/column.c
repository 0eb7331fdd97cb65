/*
 * column.c - loading table handles from the catalog, column changes, and the handle
 * accessors (see pxt/catalog.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/ident.h"
#include "catalog/catalog_int.h"
#include "engine/write_int.h"
#include "media/media_store_int.h"

static pxt_table *
pxt_cat_find_handle(pxt_env *env, const char *path)
{
	for (pxt_table *t = env->tables; t != NULL; t = t->next)
		if (t->path != NULL && strcmp(t->path, path) == 0)
			return t;
	return NULL;
}

pxt_table *
pxt_cat_table_cached(pxt_env *env, const char *path)
{
	pxt_table *t = pxt_cat_find_handle(env, path);

	return t != NULL && t->id != 0 ? t : pxt_cat_load_table(env, path);
}

void
pxt_cat_forget_table(pxt_env *env, const char *path)
{
	pxt_table *t = pxt_cat_find_handle(env, path);

	/* later use of the handle reports "dropped" until the path is created again */
	if (t != NULL)
		t->id = 0;
}

static pxt_err
pxt_cat_fill_columns(pxt_table *t, PGresult *res)
{
	int n = PQntuples(res);

	t->ncols = n;
	t->cols = pxt_pcalloc(t->pool, sizeof(pxt_column) * ((size_t)n + 1));
	t->col_storage = pxt_pcalloc(t->pool, sizeof(char *) * ((size_t)n + 1));
	if (t->cols == NULL || t->col_storage == NULL)
		return PXT_ENOMEM;
	for (int i = 0; i < n; i++) {
		pxt_column *c = &t->cols[i];

		c->name = pxt_pstrdup(t->pool, PQgetvalue(res, i, 0));
		c->type = pxt_type_parse(PQgetvalue(res, i, 1));
		c->elem = PQgetisnull(res, i, 2) ? PXT_TYPE_NONE :
		    pxt_type_parse(PQgetvalue(res, i, 2));
		c->nullable = PQgetvalue(res, i, 3)[0] == 't';
		c->primary_key = PQgetvalue(res, i, 4)[0] == 't';
		c->position = atoi(PQgetvalue(res, i, 5));
		c->computed = PQgetisnull(res, i, 6) ? NULL :
		    pxt_pstrdup(t->pool, PQgetvalue(res, i, 6));
		c->media_dest = PQgetisnull(res, i, 7) ? NULL :
		    pxt_pstrdup(t->pool, PQgetvalue(res, i, 7));
		pxt_media_dest_note(c->media_dest);
		c->hidden = strncmp(c->name, "_pxt", 4) == 0;
		t->col_storage[i] = pxt_pstrdup(t->pool, PQgetvalue(res, i, 8));
		if (c->type == PXT_TYPE_NONE)
			return pxt_seterr(PXT_EINTERNAL, "table '%s': column '%s' has an "
			    "unknown type '%s' in the catalog", t->path, c->name,
			    PQgetvalue(res, i, 1));
	}
	return PXT_OK;
}

pxt_table *
pxt_cat_load_table(pxt_env *env, const char *path)
{
	const char *params[1] = {path};
	PGresult *res = NULL;
	pxt_table *t, fresh;
	pxt_buf b = PXT_BUF_INIT;
	char idbuf[32];
	pxt_err rc;

	rc = pxt_db_exec(env->db, "SELECT id, storage_name, schema_version"
	    " FROM pxt_catalog.tables WHERE path = $1", 1, params, &res);
	if (rc != PXT_OK)
		return NULL;
	if (PQntuples(res) == 0) {
		PQclear(res);
		pxt_seterr(PXT_ENOTFOUND, "table '%s' does not exist", path);
		return NULL;
	}
	memset(&fresh, 0, sizeof(fresh));
	fresh.env = env;
	if ((fresh.pool = pxt_pool_new(4096)) == NULL)
		goto fail;
	fresh.id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	fresh.path = pxt_pstrdup(fresh.pool, path);
	fresh.storage_name = pxt_pstrdup(fresh.pool, PQgetvalue(res, 0, 1));
	fresh.schema_version = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	PQclear(res);
	res = NULL;
	if (pxt_quote_qualified(&b, PXT_DATA_SCHEMA, fresh.storage_name) != PXT_OK)
		goto fail;
	fresh.storage_sql = pxt_pstrdup(fresh.pool, b.data);
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)fresh.id);
	params[0] = idbuf;
	rc = pxt_db_exec(env->db, "SELECT name, type, type_params->>'elem',"
	    " nullable, is_pk, position, computed::text, media_dest, storage_name,"
	    " on_error FROM pxt_catalog.columns WHERE table_id = $1 ORDER BY position",
	    1, params, &res);
	if (rc != PXT_OK || pxt_cat_fill_columns(&fresh, res) != PXT_OK ||
	    pxt_cat_load_computed(&fresh, res) != PXT_OK ||
	    pxt_cat_load_views(&fresh) != PXT_OK)
		goto fail;
	PQclear(res);
	pxt_buf_free(&b);
	/* reuse the handle of this path, so pointers callers hold stay valid */
	if ((t = pxt_cat_find_handle(env, path)) != NULL) {
		pxt_pool_free(t->pool);
		fresh.next = t->next;
		*t = fresh;
		return t;
	}
	if ((t = malloc(sizeof(*t))) == NULL)
		goto fail;
	*t = fresh;
	t->next = env->tables;
	env->tables = t;
	return t;
fail:
	PQclear(res);
	pxt_buf_free(&b);
	pxt_pool_free(fresh.pool);
	if (pxt_errcode() == PXT_OK)
		pxt_seterr(PXT_ENOMEM, "out of memory loading table '%s'", path);
	return NULL;
}

pxt_err
pxt_cat_reload_all(pxt_env *env)
{
	for (pxt_table *t = env->tables; t != NULL; t = t->next) {
		if (t->id == 0)
			continue;
		if (pxt_cat_load_table(env, t->path) == NULL) {
			if (pxt_errcode() != PXT_ENOTFOUND)
				return pxt_errcode();
			t->id = 0;	/* dropped elsewhere */
		}
	}
	env->generation++;
	return PXT_OK;
}

pxt_err
pxt_cat_add_column(pxt_env *env, pxt_table *t, const pxt_coldef *def)
{
	pxt_buf b = PXT_BUF_INIT;
	PGresult *res;
	pxt_err rc;

	if (def->flags & PXT_COL_REQUIRED) {
		pxt_buf_addf(&b, "SELECT EXISTS (SELECT 1 FROM %s)", t->storage_sql);
		rc = pxt_db_exec_once(env->db, b.data, 0, NULL, &res);
		if (rc != PXT_OK)
			goto out;
		if (PQgetvalue(res, 0, 0)[0] == 't')
			rc = pxt_seterr(PXT_EINVAL, "column '%s' is required but table '%s' "
			    "has rows: add it without PXT_COL_REQUIRED", def->name, t->path);
		PQclear(res);
		if (rc != PXT_OK)
			goto out;
		pxt_buf_reset(&b);
	}
	pxt_buf_addf(&b, "ALTER TABLE %s ADD COLUMN ", t->storage_sql);
	if ((rc = pxt_cat_column_sql(&b, def, false)) != PXT_OK)
		goto out;
	if ((rc = pxt_cat_ddl(env, b.data)) != PXT_OK)
		goto out;
	rc = pxt_cat_insert_column(env, t->id, def, -1);
out:
	pxt_buf_free(&b);
	return rc;
}

/*
 * The owned media files in column i of t go when the change dropping it commits:
 * released into the change's drop pool now, while the values are still there.
 */
static pxt_err
pxt_cat_release_column(pxt_env *env, pxt_table *t, int i)
{
	pxt_pool *drops;

	if (i < 0 || !pxt_type_is_media(t->cols[i].type))
		return PXT_OK;
	if ((drops = pxt_cat_drop_pool(env)) == NULL)
		return pxt_errcode();
	return pxt_media_release_column(t, i, drops);
}

pxt_err
pxt_cat_drop_column(pxt_env *env, pxt_table *t, const char *name)
{
	char tid[32];
	const char *params[2] = {tid, name};
	pxt_buf b = PXT_BUF_INIT;
	const char *storage = name;
	int pos = -1, idx = -1;
	pxt_err rc;

	for (int i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0) {
			storage = t->col_storage[i];
			pos = t->cols[i].computed != NULL ? t->cols[i].position : -1;
			idx = i;
		}
	if ((rc = pxt_cat_release_column(env, t, idx)) != PXT_OK)
		return rc;
	pxt_buf_addf(&b, "ALTER TABLE %s DROP COLUMN ", t->storage_sql);
	rc = pxt_quote_ident(&b, storage);
	/* a computed column's error cells go with it */
	if (pos >= 0)
		pxt_buf_addf(&b, ", DROP COLUMN IF EXISTS \"_pxt_et_%d\", DROP COLUMN IF "
		    "EXISTS \"_pxt_em_%d\"", pos, pos);
	if (rc == PXT_OK)
		rc = pxt_cat_ddl(env, b.data);
	pxt_buf_free(&b);
	snprintf(tid, sizeof(tid), "%lld", (long long)t->id);
	if (rc == PXT_OK)
		rc = pxt_db_exec(env->db, "DELETE FROM pxt_catalog.columns"
		    " WHERE table_id = $1 AND name = $2", 2, params, NULL);
	return rc;
}

/* Common prologue of column changes: lock, and make sure the table still exists. */
static pxt_err
pxt_col_begin(pxt_table *t, bool *own)
{
	pxt_err rc;

	if (t == NULL || t->id == 0)
		return pxt_seterr(PXT_ENOTFOUND, "the table of this handle was dropped");
	if ((rc = pxt_cat_change_begin(t->env, own)) != PXT_OK)
		return rc;
	if (pxt_cat_load_table(t->env, t->path) == NULL) {
		rc = pxt_errcode();
		return pxt_cat_change_end(t->env, *own, rc);
	}
	return PXT_OK;
}

static pxt_err
pxt_add_column_locked(pxt_table *t, const pxt_coldef *col, pxt_if_exists if_exists)
{
	const pxt_column *have = pxt_table_find_col(t, col->name);
	pxt_env *env = t->env;
	pxt_err rc;

	if (have != NULL) {
		if (if_exists == PXT_IF_EXISTS_ERROR)
			return pxt_seterr(PXT_EEXISTS, "column '%s' already exists in table "
			    "'%s'", col->name, t->path);
		if (if_exists == PXT_IF_EXISTS_IGNORE) {
			pxt_coldef one[2] = {*col, {0}};

			return pxt_cat_reconcile(env, t, one, 1, 0);
		}
		if (have->primary_key)
			return pxt_seterr(PXT_EINVAL, "column '%s' is part of the primary key "
			    "of '%s' and cannot be replaced", col->name, t->path);
		if ((rc = pxt_cat_note(env, true, "replace column '%s' of '%s'",
		    col->name, t->path)) != PXT_OK)
			return rc;
		if ((rc = pxt_cat_drop_column(env, t, col->name)) != PXT_OK)
			return rc;
	} else if ((rc = pxt_cat_note(env, false, "add column '%s' (%s) to '%s'",
	    col->name, pxt_type_name(col->type), t->path)) != PXT_OK) {
		return rc;
	}
	if ((rc = pxt_cat_add_column(env, t, col)) != PXT_OK)
		return rc;
	return pxt_cat_bump(env, "add_column", t->path);
}

static pxt_err
pxt_add_column_run(pxt_table *t, const pxt_coldef *col, pxt_if_exists if_exists)
{
	pxt_err rc;
	bool own;

	if (col == NULL || col->name == NULL)
		return pxt_seterr(PXT_EINVAL, "add_column needs a column definition");
	if (col->flags & PXT_COL_PRIMARY_KEY)
		return pxt_seterr(PXT_EUNSUPPORTED, "column '%s': a primary key column "
		    "cannot be added to an existing table", col->name);
	if ((rc = pxt_cat_coldef_check(col)) != PXT_OK)
		return rc;
	if ((rc = pxt_col_begin(t, &own)) != PXT_OK)
		return rc;
	rc = pxt_add_column_locked(t, col, if_exists);
	if (rc == PXT_OK && t->env->sync)
		rc = pxt_cat_declare(t->env, t->path, col->name);
	rc = pxt_cat_change_end(t->env, own, rc);
	if (rc == PXT_OK && pxt_cat_load_table(t->env, t->path) == NULL)
		rc = pxt_errcode();
	return rc;
}

pxt_err
pxt_add_column(pxt_table *t, const pxt_coldef *col, pxt_if_exists if_exists)
{
	pxt_err rc;

	if (!pxt_decl_enter_table(t, &rc))
		return rc;
	rc = pxt_add_column_run(t, col, if_exists);
	return pxt_decl_leave(t->env, rc, "add column '%s' to '%s'", col && col->name ?
	    col->name : "", t->path);
}

static pxt_err
pxt_drop_column_run(pxt_table *t, const char *name, pxt_if_missing if_missing)
{
	const pxt_column *c;
	pxt_err rc;
	bool own;

	if ((rc = pxt_name_check(name, "column")) != PXT_OK)
		return rc;
	if ((rc = pxt_col_begin(t, &own)) != PXT_OK)
		return rc;
	c = pxt_table_find_col(t, name);
	if (c == NULL)
		rc = if_missing == PXT_IF_MISSING_IGNORE ? PXT_OK :
		    pxt_seterr(PXT_ENOTFOUND, "table '%s' has no column '%s'", t->path,
		    name);
	else if (c->primary_key)
		rc = pxt_seterr(PXT_EINVAL, "column '%s' is part of the primary key of "
		    "'%s' and cannot be dropped", name, t->path);
	else if ((rc = pxt_cat_col_in_use(t, name, "drop")) != PXT_OK)
		;
	else if ((rc = pxt_cat_note(t->env, true, "drop column '%s' of '%s' and its "
	    "values", name, t->path)) == PXT_OK &&
	    (rc = pxt_cat_drop_column(t->env, t, name)) == PXT_OK)
		rc = pxt_cat_bump(t->env, "drop_column", t->path);
	rc = pxt_cat_change_end(t->env, own, rc);
	if (rc == PXT_OK && pxt_cat_load_table(t->env, t->path) == NULL)
		rc = pxt_errcode();
	return rc;
}

pxt_err
pxt_drop_column(pxt_table *t, const char *name, pxt_if_missing if_missing)
{
	pxt_err rc;

	if (!pxt_decl_enter_table(t, &rc))
		return rc;
	rc = pxt_drop_column_run(t, name, if_missing);
	return pxt_decl_leave(t->env, rc, "drop column '%s' of '%s'", name ? name : "",
	    t->path);
}

static pxt_err
pxt_rename_column_locked(pxt_table *t, const char *old_name, const char *new_name)
{
	char tid[32];
	const char *params[3] = {tid, old_name, new_name};
	pxt_buf b = PXT_BUF_INIT;
	int idx = -1;
	pxt_err rc;

	for (int i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, old_name) == 0)
			idx = i;
	if (idx < 0)
		return pxt_seterr(PXT_ENOTFOUND, "table '%s' has no column '%s'", t->path,
		    old_name);
	if (pxt_table_find_col(t, new_name) != NULL)
		return pxt_seterr(PXT_EEXISTS, "table '%s' already has a column '%s'",
		    t->path, new_name);
	if ((rc = pxt_cat_col_in_use(t, old_name, "rename")) != PXT_OK)
		return rc;
	if ((rc = pxt_cat_note(t->env, false, "rename column '%s' of '%s' to '%s'",
	    old_name, t->path, new_name)) != PXT_OK)
		return rc;
	pxt_buf_addf(&b, "ALTER TABLE %s RENAME COLUMN ", t->storage_sql);
	pxt_quote_ident(&b, t->col_storage[idx]);
	pxt_buf_adds(&b, " TO ");
	if ((rc = pxt_quote_ident(&b, new_name)) == PXT_OK)
		rc = pxt_cat_ddl(t->env, b.data);
	pxt_buf_free(&b);
	snprintf(tid, sizeof(tid), "%lld", (long long)t->id);
	if (rc == PXT_OK)
		rc = pxt_db_exec(t->env->db, "UPDATE pxt_catalog.columns SET name = $3,"
		    " storage_name = $3 WHERE table_id = $1 AND name = $2", 3, params,
		    NULL);
	if (rc == PXT_OK)
		rc = pxt_cat_bump(t->env, "rename_column", t->path);
	return rc;
}

static pxt_err
pxt_rename_column_run(pxt_table *t, const char *old_name, const char *new_name)
{
	pxt_err rc;
	bool own;

	if ((rc = pxt_name_check(old_name, "column")) != PXT_OK ||
	    (rc = pxt_name_check(new_name, "column")) != PXT_OK)
		return rc;
	if ((rc = pxt_col_begin(t, &own)) != PXT_OK)
		return rc;
	rc = pxt_rename_column_locked(t, old_name, new_name);
	rc = pxt_cat_change_end(t->env, own, rc);
	if (rc == PXT_OK && pxt_cat_load_table(t->env, t->path) == NULL)
		rc = pxt_errcode();
	return rc;
}

pxt_err
pxt_rename_column(pxt_table *t, const char *old_name, const char *new_name)
{
	pxt_err rc;

	if (!pxt_decl_enter_table(t, &rc))
		return rc;
	rc = pxt_rename_column_run(t, old_name, new_name);
	return pxt_decl_leave(t->env, rc, "rename column '%s' of '%s'", old_name ?
	    old_name : "", t->path);
}

const char *
pxt_table_path(const pxt_table *t)
{
	return t->path;
}

const char *
pxt_table_storage(const pxt_table *t)
{
	return t->storage_sql;
}

int
pxt_table_ncols(const pxt_table *t)
{
	return t->ncols;
}

const pxt_column *
pxt_table_col(const pxt_table *t, int i)
{
	return i >= 0 && i < t->ncols ? &t->cols[i] : NULL;
}

const pxt_column *
pxt_table_find_col(const pxt_table *t, const char *name)
{
	for (int i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return &t->cols[i];
	return NULL;
}
