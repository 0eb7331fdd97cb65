/*
 * migrate.c - comparing a declared table with the catalog, schema synchronization for
 * setup programs, and pxt_describe (see pxt/catalog.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/ident.h"
#include "catalog/catalog_int.h"

void
pxt_set_sync(pxt_env *env, bool sync, bool allow_destructive)
{
	env->sync = sync;
	env->allow_destructive = allow_destructive;
}

void
pxt_on_change(pxt_env *env, pxt_change_fn fn, void *ud)
{
	env->change_fn = fn;
	env->change_ud = ud;
}

static const char *
pxt_coltype_text(pxt_pool *pool, pxt_type type, pxt_type elem, bool nullable)
{
	const char *base = type == PXT_ARRAY ?
	    pxt_psprintf(pool, "Array(%s)", pxt_type_name(elem ? elem : PXT_FLOAT)) :
	    pxt_type_name(type);

	return nullable ? base : pxt_psprintf(pool, "Required[%s]", base);
}

/* Compare one declared column with the catalog's; NULL when they match. */
static const char *
pxt_col_diff(pxt_pool *pool, const pxt_coldef *def, const pxt_column *have)
{
	bool want_null = !(def->flags & (PXT_COL_REQUIRED | PXT_COL_PRIMARY_KEY));
	pxt_type want_elem = def->type == PXT_ARRAY && !def->elem ? PXT_FLOAT : def->elem;
	pxt_type have_elem = have->type == PXT_ARRAY && !have->elem ? PXT_FLOAT :
	    have->elem;

	if (def->type == have->type && (def->type != PXT_ARRAY || want_elem ==
	    have_elem) && want_null == have->nullable &&
	    ((def->flags & PXT_COL_PRIMARY_KEY) != 0) == have->primary_key)
		return NULL;
	return pxt_psprintf(pool, "column '%s' is %s%s here, %s%s in the catalog",
	    def->name, pxt_coltype_text(pool, def->type, def->elem, want_null),
	    def->flags & PXT_COL_PRIMARY_KEY ? " (primary key)" : "",
	    pxt_coltype_text(pool, have->type, have->elem, have->nullable),
	    have->primary_key ? " (primary key)" : "");
}

static pxt_err
pxt_reconcile_one(pxt_env *env, pxt_table *t, const pxt_coldef *def, pxt_pool *pool)
{
	const pxt_column *have = pxt_table_find_col(t, def->name);
	const char *diff;
	pxt_err rc;

	if (have == NULL) {
		if (!env->sync)
			return pxt_seterr(PXT_EEXISTS, "table '%s' already exists with a "
			    "different schema: column '%s' is not in the catalog", t->path,
			    def->name);
		if ((rc = pxt_cat_note(env, false, "add column '%s' (%s) to '%s'",
		    def->name, pxt_type_name(def->type), t->path)) != PXT_OK)
			return rc;
		return pxt_cat_add_column(env, t, def);
	}
	if ((diff = pxt_col_diff(pool, def, have)) == NULL)
		return PXT_OK;
	if (!env->sync || have->primary_key || (def->flags & PXT_COL_PRIMARY_KEY))
		return pxt_seterr(PXT_EEXISTS, "table '%s' already exists with a different "
		    "schema: %s", t->path, diff);
	if ((rc = pxt_cat_note(env, true, "re-create column '%s' of '%s' (%s)",
	    def->name, t->path, diff)) != PXT_OK)
		return rc;
	if ((rc = pxt_cat_drop_column(env, t, def->name)) != PXT_OK)
		return rc;
	return pxt_cat_add_column(env, t, def);
}

pxt_err
pxt_cat_reconcile(pxt_env *env, pxt_table *t, const pxt_coldef *cols, int ncols,
    int npk)
{
	pxt_pool *pool = pxt_pool_new(0);
	bool changed = false;
	pxt_err rc = PXT_OK;
	int have_pk = 0;

	if (pool == NULL)
		return PXT_ENOMEM;
	/* a declaration without a key means the default key: "id" alone */
	for (int i = 0; i < t->ncols; i++)
		have_pk += t->cols[i].primary_key;
	if (npk == 0 && (have_pk != 1 || !pxt_table_find_col(t, "id") ||
	    !pxt_table_find_col(t, "id")->primary_key))
		rc = pxt_seterr(PXT_EEXISTS, "table '%s' already exists with a different "
		    "schema: its primary key is not the default 'id'", t->path);
	for (int i = 0; rc == PXT_OK && i < ncols; i++) {
		const pxt_column *have = pxt_table_find_col(t, cols[i].name);

		/* t is not reloaded until the end, so have stays valid */
		changed |= have == NULL || pxt_col_diff(pool, &cols[i], have) != NULL;
		rc = pxt_reconcile_one(env, t, &cols[i], pool);
	}
	if (rc == PXT_OK && changed)
		rc = pxt_cat_bump(env, "sync_table", t->path);
	pxt_pool_free(pool);
	return rc;
}

pxt_err
pxt_cat_declare(pxt_env *env, const char *path, const char *col)
{
	struct pxt_declared *d;

	for (d = env->declared; d != NULL; d = d->next)
		if (strcmp(d->path, path) == 0)
			break;
	if (d == NULL) {
		if ((d = pxt_pcalloc(env->pool, sizeof(*d))) == NULL ||
		    (d->path = pxt_pstrdup(env->pool, path)) == NULL)
			return PXT_ENOMEM;
		d->next = env->declared;
		env->declared = d;
	}
	for (int i = 0; i < d->ncols; i++)
		if (strcmp(d->cols[i], col) == 0)
			return PXT_OK;
	if (d->ncols == d->capcols) {
		int cap = d->capcols ? d->capcols * 2 : 16;
		char **n = pxt_palloc(env->pool, sizeof(char *) * (size_t)cap);

		if (n == NULL)
			return PXT_ENOMEM;
		if (d->ncols)
			memcpy(n, d->cols, sizeof(char *) * (size_t)d->ncols);
		d->cols = n;
		d->capcols = cap;
	}
	if ((d->cols[d->ncols] = pxt_pstrdup(env->pool, col)) == NULL)
		return PXT_ENOMEM;
	d->ncols++;
	return PXT_OK;
}

static bool
pxt_is_declared(const struct pxt_declared *d, const char *col)
{
	for (int i = 0; i < d->ncols; i++)
		if (strcmp(d->cols[i], col) == 0)
			return true;
	return false;
}

static pxt_err
pxt_sync_finish_run(pxt_env *env)
{
	pxt_err rc = PXT_OK;
	bool own;

	if (!env->sync || env->declared == NULL)
		return PXT_OK;
	if ((rc = pxt_cat_change_begin(env, &own)) != PXT_OK)
		return rc;
	for (struct pxt_declared *d = env->declared; rc == PXT_OK && d; d = d->next) {
		pxt_table *t = pxt_cat_load_table(env, d->path);

		if (t == NULL) {
			rc = pxt_errcode() == PXT_ENOTFOUND ? PXT_OK : pxt_errcode();
			continue;
		}
		for (int i = t->ncols - 1; rc == PXT_OK && i >= 0; i--) {
			const pxt_column *c = &t->cols[i];

			/* an index's own column goes with its index */
			if (c->primary_key || c->hidden || pxt_is_declared(d, c->name))
				continue;
			rc = pxt_cat_note(env, true, "drop column '%s' of '%s' (no longer "
			    "declared) and its values", c->name, d->path);
			if (rc == PXT_OK)
				rc = pxt_cat_drop_column(env, t, c->name);
			if (rc == PXT_OK)
				rc = pxt_cat_bump(env, "drop_column", d->path);
		}
		if (rc == PXT_OK && pxt_cat_load_table(env, d->path) == NULL)
			rc = pxt_errcode();
	}
	return pxt_cat_change_end(env, own, rc);
}

pxt_err
pxt_sync_finish(pxt_env *env)
{
	pxt_err rc;

	if (!pxt_decl_enter(env, &rc))
		return rc;
	rc = pxt_sync_finish_run(env);
	return pxt_decl_leave(env, rc, "drop what is no longer declared");
}

char *
pxt_describe(pxt_table *t, pxt_pool *pool)
{
	pxt_buf b = PXT_BUF_INIT;
	char *out;

	if (t == NULL || t->id == 0) {
		pxt_seterr(PXT_ENOTFOUND, "the table of this handle was dropped");
		return NULL;
	}
	pxt_buf_addf(&b, "table '%s'\n  storage: %s\n", t->path, t->storage_sql);
	pxt_buf_addf(&b, "  %-24s %-20s %-9s %s\n", "column", "type", "nullable", "key");
	for (int i = 0; i < t->ncols; i++) {
		const pxt_column *c = &t->cols[i];

		if (c->hidden)
			continue;
		pxt_buf_addf(&b, "  %-24s %-20s %-9s %s%s%s\n", c->name,
		    pxt_coltype_text(pool, c->type, c->elem, true),
		    c->nullable ? "yes" : "no", c->primary_key ? "primary" : "",
		    c->computed ? " computed: " : "", c->computed ? c->computed : "");
	}
	if (b.failed) {
		pxt_buf_free(&b);
		return NULL;
	}
	out = pxt_pstrdup(pool, b.data);
	pxt_buf_free(&b);
	return out;
}
