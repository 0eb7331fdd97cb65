/*
 * handle.c - table handles: loading them from the catalog (columns, computed columns
 * parsed and checked with their dependencies, the view definition and the views
 * over the table), the environment's cache of them, and their accessors (see
 * pxt/catalog.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/ident.h"
#include "catalog/catalog_int.h"
#include "engine/write_int.h"
#include "media/media_store_int.h"

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

/*
 * After the columns of a fresh handle are filled: parse and check the computed
 * columns (res holds on_error in column 9). A broken expression is not a failure
 * here: it is kept in t->expr_err for pxt_table_check and for writes.
 */
static pxt_err
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

/* Read the view definition of t and the views over it. */
static pxt_err
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
		c->dflt = PQgetisnull(res, i, 10) ? NULL :
		    pxt_pstrdup(t->pool, PQgetvalue(res, i, 10));
		c->comment = PQgetisnull(res, i, 11) ? NULL :
		    pxt_pstrdup(t->pool, PQgetvalue(res, i, 11));
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
	    " on_error, dflt, comment FROM pxt_catalog.columns WHERE table_id = $1"
	    " ORDER BY position",
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
