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

/* Whether two defaults are the same (NULL: none). */
static bool
pxt_same_default(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

/* " = uuid7()" for a column with a default, "" otherwise (in pool). */
static const char *
pxt_default_text(pxt_pool *pool, const char *dflt)
{
	return dflt != NULL ? pxt_psprintf(pool, " = %s", dflt) : "";
}

/*
 * Compare one declared column with the catalog's; NULL when they match. *in_place
 * tells whether only its nullability or default differ (changed without data loss).
 */
static const char *
pxt_col_diff(pxt_pool *pool, const pxt_coldef *def, const pxt_column *have,
    bool *in_place)
{
	bool want_null = !(def->flags & (PXT_COL_REQUIRED | PXT_COL_PRIMARY_KEY));
	pxt_type want_elem = def->type == PXT_ARRAY && !def->elem ? PXT_FLOAT : def->elem;
	pxt_type have_elem = have->type == PXT_ARRAY && !have->elem ? PXT_FLOAT :
	    have->elem;
	bool same_type = def->type == have->type && (def->type != PXT_ARRAY ||
	    want_elem == have_elem) && ((def->flags & PXT_COL_PRIMARY_KEY) != 0) ==
	    have->primary_key;

	*in_place = same_type;
	if (same_type && want_null == have->nullable &&
	    pxt_same_default(def->dflt, have->dflt))
		return NULL;
	return pxt_psprintf(pool, "column '%s' is %s%s%s here, %s%s%s in the catalog",
	    def->name, pxt_coltype_text(pool, def->type, def->elem, want_null),
	    pxt_default_text(pool, def->dflt),
	    def->flags & PXT_COL_PRIMARY_KEY ? " (primary key)" : "",
	    pxt_coltype_text(pool, have->type, have->elem, have->nullable),
	    pxt_default_text(pool, have->dflt),
	    have->primary_key ? " (primary key)" : "");
}

/*
 * Change the nullability and default of column have of t to def's, rows kept. A
 * column becoming required takes its default in its null cells; without one, null
 * cells refuse the change (PXT_EINVAL naming the column and how many).
 */
static pxt_err
pxt_col_alter(pxt_env *env, pxt_table *t, const pxt_coldef *def, const pxt_column *have,
    const char *diff)
{
	bool required = (def->flags & (PXT_COL_REQUIRED | PXT_COL_PRIMARY_KEY)) != 0;
	const char *dsql = pxt_cat_default_sql(def->dflt), *storage;
	char tid[32];
	const char *params[4] = {tid, def->name, required ? "f" : "t", def->dflt};
	pxt_buf b = PXT_BUF_INIT, col = PXT_BUF_INIT;
	PGresult *res = NULL;
	pxt_err rc;

	if ((rc = pxt_cat_note(env, false, "change column '%s' of '%s' in place (%s)",
	    def->name, t->path, diff)) != PXT_OK)
		return rc;
	storage = t->col_storage[have - t->cols];
	pxt_quote_ident(&col, storage);
	if (required && have->nullable && dsql != NULL) {
		pxt_buf_addf(&b, "UPDATE %s SET %s = %s WHERE %s IS NULL", t->storage_sql,
		    pxt_buf_str(&col), dsql, pxt_buf_str(&col));
		rc = b.failed ? PXT_ENOMEM : pxt_cat_ddl(env, b.data);
		pxt_buf_reset(&b);
	} else if (required && have->nullable) {
		pxt_buf_addf(&b, "SELECT count(*) FROM %s WHERE %s IS NULL", t->storage_sql,
		    pxt_buf_str(&col));
		rc = b.failed ? PXT_ENOMEM : pxt_db_exec(env->db, b.data, 0, NULL, &res);
		if (rc == PXT_OK && strcmp(PQgetvalue(res, 0, 0), "0") != 0)
			rc = pxt_seterr(PXT_EINVAL, "column '%s' of '%s' cannot become "
			    "required: %s row(s) have no value (give them one, or declare "
			    "it nullable)", def->name, t->path, PQgetvalue(res, 0, 0));
		PQclear(res);
		pxt_buf_reset(&b);
	}
	pxt_buf_addf(&b, "ALTER TABLE %s ALTER COLUMN %s %s NOT NULL, ALTER COLUMN %s ",
	    t->storage_sql, pxt_buf_str(&col), required ? "SET" : "DROP",
	    pxt_buf_str(&col));
	if (dsql != NULL)
		pxt_buf_addf(&b, "SET DEFAULT %s", dsql);
	else
		pxt_buf_adds(&b, "DROP DEFAULT");
	if (rc == PXT_OK)
		rc = b.failed || col.failed ? PXT_ENOMEM : pxt_cat_ddl(env, b.data);
	snprintf(tid, sizeof(tid), "%lld", (long long)t->id);
	if (rc == PXT_OK)
		rc = pxt_db_exec(env->db, "UPDATE pxt_catalog.columns SET nullable = $3,"
		    " dflt = $4 WHERE table_id = $1 AND name = $2", 4, params, NULL);
	pxt_buf_free(&b);
	pxt_buf_free(&col);
	return rc;
}

/* Whether def declares a comment other than have's ("" declares none). */
static bool
pxt_comment_differs(const pxt_coldef *def, const pxt_column *have)
{
	return def->comment != NULL && strcmp(def->comment, have->comment != NULL ?
	    have->comment : "") != 0;
}

static pxt_err
pxt_reconcile_one(pxt_env *env, pxt_table *t, const pxt_coldef *def, pxt_pool *pool)
{
	const pxt_column *have = pxt_table_find_col(t, def->name);
	const char *diff;
	bool in_place;
	pxt_err rc;

	if (have == NULL) {
		if (!env->sync)
			return pxt_seterr(PXT_EEXISTS, "table '%s' already exists with a "
			    "different schema: column '%s' is not in the catalog", t->path,
			    def->name);
		if (def->flags & PXT_COL_PRIMARY_KEY)
			return pxt_seterr(PXT_EEXISTS, "table '%s' already exists with "
			    "another primary key: key column '%s' is not in the catalog "
			    "(a table's key cannot change; rename the key column with "
			    "pxt_rename_column, or create a new table)", t->path, def->name);
		if ((rc = pxt_cat_note(env, false, "add column '%s' (%s) to '%s'",
		    def->name, pxt_type_name(def->type), t->path)) != PXT_OK)
			return rc;
		return pxt_cat_add_column(env, t, def);
	}
	/* a comment is no schema: a new one is taken whether syncing or not */
	diff = pxt_col_diff(pool, def, have, &in_place);
	if (diff == NULL || (env->sync && in_place)) {
		rc = diff == NULL ? PXT_OK : pxt_col_alter(env, t, def, have, diff);
		if (rc == PXT_OK && pxt_comment_differs(def, have))
			rc = pxt_cat_comment_store(env, t, (int)(have - t->cols),
			    def->comment);
		return rc;
	}
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
	bool changed = false, in_place;
	pxt_err rc = PXT_OK;

	if (pool == NULL)
		return PXT_ENOMEM;
	/*
	 * A key column the declaration lacks stays (a catalog made before keys were
	 * declared has an implicit "id" key); a declared key must be the catalog's.
	 */
	for (int i = 0; npk > 0 && i < t->ncols; i++) {
		bool declared = false;

		for (int k = 0; k < ncols && !declared; k++)
			declared = strcmp(cols[k].name, t->cols[i].name) == 0;
		if (t->cols[i].primary_key && !declared)
			rc = pxt_seterr(PXT_EEXISTS, "table '%s' already exists with another "
			    "primary key: '%s' is a key column in the catalog, not declared "
			    "here", t->path, t->cols[i].name);
	}
	for (int i = 0; rc == PXT_OK && i < ncols; i++) {
		const pxt_column *have = pxt_table_find_col(t, cols[i].name);

		/* t is not reloaded until the end, so have stays valid */
		changed |= have == NULL || pxt_col_diff(pool, &cols[i], have, &in_place) !=
		    NULL || pxt_comment_differs(&cols[i], have);
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
	pxt_buf_addf(&b, "  %-24s %-20s %-9s %-8s %s\n", "column", "type", "nullable",
	    "key", "default");
	for (int i = 0; i < t->ncols; i++) {
		const pxt_column *c = &t->cols[i];

		if (c->hidden)
			continue;
		pxt_buf_addf(&b, "  %-24s %-20s %-9s %-8s %s%s%s\n", c->name,
		    pxt_coltype_text(pool, c->type, c->elem, true),
		    c->nullable ? "yes" : "no", c->primary_key ? "primary" : "",
		    c->dflt ? c->dflt : "", c->computed ? "computed: " : "",
		    c->computed ? c->computed : "");
		if (c->comment != NULL)
			pxt_buf_addf(&b, "  %-24s -- %s\n", "", c->comment);
	}
	if (!t->is_view) {
		int npk = 0;

		for (int i = 0; i < t->ncols; i++)
			npk += t->cols[i].primary_key;
		if (npk == 0)
			pxt_buf_adds(&b, "  no primary key: rows are told apart by a hidden "
			    "row id\n");
	}
	if (b.failed) {
		pxt_buf_free(&b);
		return NULL;
	}
	out = pxt_pstrdup(pool, b.data);
	pxt_buf_free(&b);
	return out;
}
