/*
 * computed.c - computed columns in the catalog: reading them into a table handle
 * (parsed, checked, with their dependencies), adding one, and the start-up check
 * (see pxt/compute.h).
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

/* What a handle's pool frees with it: the expression trees and the iterator. */
struct pxt_handle_owned {
	struct pxt_expr **exprs;
	int n;
	struct pxt_iter *iter;
};

static void
pxt_handle_owned_free(void *data)
{
	struct pxt_handle_owned *o = data;

	for (int i = 0; i < o->n; i++)
		pxt_expr_free(o->exprs[i]);
	pxt_iter_free(o->iter);
}

/* Mark in row (ncols bytes) the columns e reads directly. */
static void
pxt_expr_refs(const pxt_expr *e, const pxt_table *t, unsigned char *row)
{
	if (e->kind == PXT_EXPR_COL) {
		const pxt_column *c = pxt_table_find_col(t, e->name);

		if (c != NULL)
			row[c - t->cols] = 1;
		return;
	}
	for (int i = 0; i < e->nargs; i++)
		pxt_expr_refs(e->args[i], t, row);
}

/* Parse and check column i's stored expression; a message in t->expr_err if not. */
static pxt_err
pxt_load_one(pxt_table *t, int i)
{
	const pxt_column *c = &t->cols[i];
	pxt_type type;
	pxt_err rc;

	if (pxt_expr_parse(c->computed, strlen(c->computed), &t->exprs[i]) != PXT_OK) {
		t->expr_err = pxt_psprintf(t->pool, "column '%s' of '%s': the stored "
		    "expression cannot be read: %s", c->name, t->path, pxt_errmsg());
		return PXT_OK;
	}
	rc = pxt_expr_check(t->exprs[i], t, &type);
	if (rc == PXT_OK && type != c->type && !(c->type == PXT_FLOAT &&
	    type == PXT_INT))
		rc = pxt_seterr(PXT_EINVAL, "it now computes %s, the column is %s",
		    pxt_type_name(type), pxt_type_name(c->type));
	if (rc != PXT_OK && t->expr_err == NULL)
		t->expr_err = pxt_psprintf(t->pool, "computed column '%s' of '%s': %s "
		    "(run the setup program again, with the module that has the new "
		    "signature, to re-check the column)", c->name, t->path, pxt_errmsg());
	pxt_clearerr();
	return PXT_OK;
}

pxt_err
pxt_cat_load_computed(pxt_table *t, PGresult *res)
{
	struct pxt_handle_owned *own;
	int nc = t->ncols;

	t->exprs = pxt_pcalloc(t->pool, sizeof(pxt_expr *) * ((size_t)nc + 1));
	t->ignore_errors = pxt_pcalloc(t->pool, (size_t)nc + 1);
	t->deps = pxt_pcalloc(t->pool, (size_t)nc * (size_t)nc + 1);
	own = pxt_pcalloc(t->pool, sizeof(*own));
	if (t->exprs == NULL || t->ignore_errors == NULL || t->deps == NULL ||
	    own == NULL || pxt_pool_cleanup(t->pool, pxt_handle_owned_free, own) != 0)
		return PXT_ENOMEM;
	own->exprs = t->exprs;
	own->n = nc;
	for (int i = 0; i < nc; i++) {
		t->ignore_errors[i] = !PQgetisnull(res, i, 9) &&
		    strcmp(PQgetvalue(res, i, 9), "ignore") == 0;
		if (t->cols[i].computed == NULL)
			continue;
		t->has_computed = true;
		pxt_load_one(t, i);
		if (t->exprs[i] == NULL)
			continue;
		/* direct references, then those of the computed columns referenced */
		pxt_expr_refs(t->exprs[i], t, &t->deps[i * nc]);
		for (int j = 0; j < i; j++)
			if (t->deps[i * nc + j] && t->cols[j].computed != NULL)
				for (int k = 0; k < nc; k++)
					t->deps[i * nc + k] |= t->deps[j * nc + k];
	}
	return PXT_OK;
}

pxt_err
pxt_cat_load_views(pxt_table *t)
{
	char idbuf[32];
	const char *params[1] = {idbuf};
	struct pxt_handle_owned *own;
	PGresult *res;
	pxt_err rc;

	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)t->id);
	rc = pxt_db_exec(t->env->db, "SELECT t.kind, b.path, t.iterator::text,"
	    " (SELECT string_agg(v.path, E'\\n' ORDER BY v.id) FROM pxt_catalog.tables v"
	    "  WHERE v.base_id = t.id)"
	    " FROM pxt_catalog.tables t LEFT JOIN pxt_catalog.tables b"
	    " ON b.id = t.base_id WHERE t.id = $1", 1, params, &res);
	if (rc != PXT_OK)
		return rc;
	if (PQntuples(res) == 1) {
		t->is_view = strcmp(PQgetvalue(res, 0, 0), "view") == 0;
		if (!PQgetisnull(res, 0, 1))
			t->base_path = pxt_pstrdup(t->pool, PQgetvalue(res, 0, 1));
		if (!PQgetisnull(res, 0, 3)) {
			char *list = pxt_pstrdup(t->pool, PQgetvalue(res, 0, 3)), *save;

			t->views = pxt_pcalloc(t->pool, sizeof(char *) * 64);
			for (char *p = strtok_r(list, "\n", &save); p != NULL &&
			    t->nviews < 63; p = strtok_r(NULL, "\n", &save))
				t->views[t->nviews++] = p;
		}
		if (t->is_view && !PQgetisnull(res, 0, 2) &&
		    pxt_iter_parse(PQgetvalue(res, 0, 2), &t->iter) != PXT_OK &&
		    t->expr_err == NULL)
			t->expr_err = pxt_psprintf(t->pool, "view '%s': %s", t->path,
			    pxt_errmsg());
	}
	PQclear(res);
	/* the iterator is freed with the handle's pool */
	if (t->iter != NULL) {
		if ((own = pxt_pcalloc(t->pool, sizeof(*own))) == NULL ||
		    pxt_pool_cleanup(t->pool, pxt_handle_owned_free, own) != 0) {
			pxt_iter_free(t->iter);
			t->iter = NULL;
			return PXT_ENOMEM;
		}
		own->iter = t->iter;
	}
	return PXT_OK;
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
