/*
 * computed.c - computed columns and views in the catalog: the storage names of a
 * computed column's error cells, the check of a handle and the start-up check of the
 * whole catalog, and whether a column is in use by another column or a view (see
 * pxt/compute.h). Reading them into a handle is handle.c's; adding one is the
 * engine's (engine/computed_add.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/ident.h"
#include "engine/write_int.h"

char *
pxt_cat_errtype_col(pxt_pool *pool, const pxt_table *t, int i)
{
	return pxt_psprintf(pool, "_pxt_et_%d", t->cols[i].position);
}

char *
pxt_cat_errmsg_col(pxt_pool *pool, const pxt_table *t, int i)
{
	return pxt_psprintf(pool, "_pxt_em_%d", t->cols[i].position);
}

pxt_err
pxt_table_check(const pxt_table *t)
{
	if (t == NULL || t->id == 0)
		return pxt_seterr(PXT_ENOTFOUND, "the table of this handle was dropped");
	if (t->expr_err != NULL)
		return pxt_seterr(PXT_ECONFIG, "%s", t->expr_err);
	for (int i = 0; i < t->nviews; i++) {
		pxt_table *v = pxt_cat_table_cached(t->env, t->views[i]);

		if (v == NULL)
			return pxt_errcode();
		if (v->expr_err != NULL)
			return pxt_seterr(PXT_ECONFIG, "%s", v->expr_err);
	}
	return PXT_OK;
}

bool
pxt_table_is_view(const pxt_table *t)
{
	return t != NULL && t->is_view;
}

pxt_err
pxt_catalog_check(pxt_env *env)
{
	pxt_pool *pool = pxt_pool_new(0);
	pxt_entry *entries;
	pxt_err rc;
	int n;

	if (pool == NULL)
		return PXT_ENOMEM;
	rc = pxt_list(env, "", true, pool, &entries, &n);
	for (int i = 0; rc == PXT_OK && i < n; i++) {
		const pxt_table *t;

		if (strcmp(entries[i].kind, "dir") == 0)
			continue;
		if ((t = pxt_cat_table_cached(env, entries[i].path)) == NULL)
			rc = pxt_errcode();
		else if (t->expr_err != NULL)
			rc = pxt_seterr(PXT_ECONFIG, "%s", t->expr_err);
	}
	pxt_pool_free(pool);
	return rc;
}

pxt_err
pxt_cat_col_in_use(pxt_table *t, const char *name, const char *what)
{
	const pxt_column *c = pxt_table_find_col(t, name);
	int j, nc = t->ncols;

	if (c == NULL || t->deps == NULL)
		return PXT_OK;
	j = (int)(c - t->cols);
	for (int i = 0; i < nc; i++)
		if (i != j && t->exprs[i] != NULL && t->deps[i * nc + j])
			return pxt_seterr(PXT_ECONFLICT, "cannot %s column '%s' of '%s': "
			    "computed column '%s' uses it (drop that first)", what, name,
			    t->path, t->cols[i].name);
	for (int i = 0; i < t->nviews; i++) {
		pxt_table *v = pxt_cat_table_cached(t->env, t->views[i]);

		if (v != NULL && pxt_view_reads(v, t, j))
			return pxt_seterr(PXT_ECONFLICT, "cannot %s column '%s' of '%s': "
			    "view '%s' splits it (drop the view first)", what, name, t->path,
			    v->path);
	}
	if (t->is_view && c->computed == NULL)
		return pxt_seterr(PXT_EINVAL, "cannot %s column '%s' of view '%s': it "
		    "comes from the view's iterator", what, name, t->path);
	return PXT_OK;
}
