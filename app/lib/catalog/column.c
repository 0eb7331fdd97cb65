/*
 * column.c - column changes: adding, dropping and renaming a column of a table, inside
 * a catalog change and within what syncing allows (see pxt/catalog.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/ident.h"
#include "catalog/catalog_int.h"
#include "engine/write_int.h"
#include "media/media_store_int.h"

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
	if ((rc = pxt_cat_change_table(t, &own)) != PXT_OK)
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
	if ((rc = pxt_cat_change_table(t, &own)) != PXT_OK)
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

/* Rename column idx of t in storage and catalog; no checks. */
static pxt_err
pxt_rename_stored(pxt_table *t, int idx, const char *new_name)
{
	char tid[32];
	const char *params[3] = {tid, t->cols[idx].name, new_name};
	pxt_buf b = PXT_BUF_INIT;
	pxt_err rc;

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
	return rc;
}

/*
 * A key column's copy in the views over t (and their views) follows its rename, so
 * view rows keep naming their base row.
 */
static pxt_err
pxt_rename_key_in_views(pxt_table *t, const char *old_name, const char *new_name)
{
	pxt_err rc = PXT_OK;

	for (int k = 0; rc == PXT_OK && k < t->nviews; k++) {
		pxt_table *v = pxt_cat_table_cached(t->env, t->views[k]);
		const pxt_column *c = v ? pxt_table_find_col(v, old_name) : NULL;
		int j;

		if (v == NULL)
			return pxt_errcode();
		if (c == NULL || c->computed != NULL)
			continue;
		if (pxt_table_find_col(v, new_name) != NULL)
			return pxt_seterr(PXT_EEXISTS, "view '%s' already has a column '%s'",
			    v->path, new_name);
		j = (int)(c - v->cols);
		for (int i = 0; i < v->ncols; i++)
			if (v->exprs != NULL && v->exprs[i] != NULL &&
			    v->deps[i * v->ncols + j])
				return pxt_seterr(PXT_ECONFLICT, "cannot rename column '%s' of "
				    "view '%s': computed column '%s' uses it (drop that first)",
				    old_name, v->path, v->cols[i].name);
		if ((rc = pxt_rename_key_in_views(v, old_name, new_name)) == PXT_OK &&
		    (rc = pxt_rename_stored(v, j, new_name)) == PXT_OK &&
		    (rc = pxt_cat_bump(t->env, "rename_column", v->path)) == PXT_OK &&
		    pxt_cat_load_table(t->env, v->path) == NULL)
			rc = pxt_errcode();
	}
	return rc;
}

static pxt_err
pxt_rename_column_locked(pxt_table *t, const char *old_name, const char *new_name)
{
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
	if (t->cols[idx].primary_key &&
	    (rc = pxt_rename_key_in_views(t, old_name, new_name)) != PXT_OK)
		return rc;
	if ((rc = pxt_rename_stored(t, idx, new_name)) == PXT_OK)
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
	if ((rc = pxt_cat_change_table(t, &own)) != PXT_OK)
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
