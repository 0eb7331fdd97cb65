/*
 * view_create.c - creating a view (see pxt_create_view in pxt/compute.h): its storage
 * and catalog rows, then the rows its base already has, split into it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/ident.h"
#include "media/media_store_int.h"
#include "engine/write_int.h"

/* Split the rows the base already has into the new view v. */
static pxt_err
pxt_view_fill(pxt_table *v, pxt_table *b)
{
	int64_t last = 0;
	int n;
	pxt_err rc;

	do {
		pxt_pool *pool = pxt_pool_new(0);
		char lastbuf[32];
		const char *params[1] = {lastbuf};
		pxt_wrow *rows, *vrows;
		int k;

		if (pool == NULL)
			return PXT_ENOMEM;
		snprintf(lastbuf, sizeof(lastbuf), "%lld", (long long)last);
		rc = pxt_write_read_rows(b, pool, "WHERE \"_pxt_rowid\" > $1 ORDER BY"
		    " \"_pxt_rowid\" LIMIT 256", 1, params, &rows, &n);
		for (int r = 0; rc == PXT_OK && r < n; r++) {
			last = rows[r].rowid;
			if ((rc = pxt_view_rows(v, b, pool, &rows[r], &vrows, &k)) ==
			    PXT_OK && k > 0)
				rc = pxt_write_insert(v, pool, vrows, k, NULL, NULL);
		}
		pxt_media_gen_settle(pool, rc == PXT_OK);
		pxt_pool_free(pool);
	} while (rc == PXT_OK && n == 256);
	return rc;
}

/* The view's storage and catalog. */
static pxt_err
pxt_view_create_new(pxt_env *env, const char *path, pxt_table *b,
    const struct pxt_iter *it, const char *json)
{
	pxt_pool *pool = pxt_pool_new(0);
	pxt_coldef cols[16];
	int ncols = 0;
	char *storage = NULL, bid[32], vid[32];
	const char *params[3] = {vid, bid, json};
	pxt_buf sql = PXT_BUF_INIT;
	int64_t id;
	pxt_err rc;

	if (pool == NULL)
		return PXT_ENOMEM;
	for (int i = 0; i < b->ncols && ncols < 8; i++)
		if (b->cols[i].primary_key)
			cols[ncols++] = (pxt_coldef){b->cols[i].name, b->cols[i].type, 0, 0, NULL,
			    b->cols[i].comment};
	cols[ncols++] = (pxt_coldef){"pos", PXT_INT, PXT_COL_REQUIRED, 0, NULL, NULL};
	cols[ncols++] = (pxt_coldef){"text", PXT_STRING, 0, 0, NULL, NULL};
	if (it->kind == PXT_ITER_DOCUMENT) {
		cols[ncols++] = (pxt_coldef){"heading", PXT_STRING, 0, 0, NULL, NULL};
		cols[ncols++] = (pxt_coldef){"page", PXT_INT, 0, 0, NULL, NULL};
	}
	if ((rc = pxt_cat_note(env, false, "create view '%s' (%s over '%s'.%s)", path,
	    pxt_iter_name(it), b->path, it->input)) != PXT_OK ||
	    (rc = pxt_cat_insert_table(env, path, pool, &id, &storage)) != PXT_OK)
		goto out;
	snprintf(vid, sizeof(vid), "%lld", (long long)id);
	snprintf(bid, sizeof(bid), "%lld", (long long)b->id);
	/* the base's rows get a unique _pxt_rowid the view rows refer to */
	pxt_buf_addf(&sql, "CREATE UNIQUE INDEX IF NOT EXISTS \"pxt_rowid_%s\" ON %s"
	    " (\"_pxt_rowid\"); CREATE TABLE ", bid, b->storage_sql);
	pxt_quote_qualified(&sql, PXT_DATA_SCHEMA, storage);
	pxt_buf_addf(&sql, " (\"_pxt_rowid\" bigint GENERATED ALWAYS AS IDENTITY PRIMARY"
	    " KEY, \"_pxt_base\" bigint NOT NULL REFERENCES %s (\"_pxt_rowid\") ON DELETE"
	    " CASCADE", b->storage_sql);
	for (int i = 0; i < ncols; i++) {
		pxt_buf_adds(&sql, ", ");
		pxt_cat_column_sql(&sql, &cols[i]);
		if ((rc = pxt_cat_insert_column(env, id, &cols[i], i)) != PXT_OK)
			goto out;
	}
	pxt_buf_addf(&sql, "); CREATE INDEX \"pxt_base_%s\" ON ", vid);
	pxt_quote_qualified(&sql, PXT_DATA_SCHEMA, storage);
	pxt_buf_adds(&sql, " (\"_pxt_base\", \"pos\")");
	if ((rc = sql.failed ? PXT_ENOMEM : pxt_cat_ddl(env, sql.data)) != PXT_OK)
		goto out;
	rc = pxt_db_exec(env->db, "UPDATE pxt_catalog.tables SET kind = 'view', base_id"
	    " = $2::bigint, iterator = $3::jsonb WHERE id = $1", 3, params, NULL);
	if (rc == PXT_OK)
		rc = pxt_cat_bump(env, "create_view", path);
out:
	pxt_buf_free(&sql);
	pxt_pool_free(pool);
	return rc;
}

/* Check the iterator's input against the base. */
static pxt_err
pxt_view_input_check(const pxt_table *b, const struct pxt_iter *it)
{
	const pxt_column *c = pxt_table_find_col(b, it->input);
	pxt_type want = it->kind == PXT_ITER_DOCUMENT ? PXT_DOCUMENT : PXT_STRING;

	if (c == NULL)
		return pxt_seterr(PXT_ENOTFOUND, "%s: table '%s' has no column '%s'",
		    pxt_iter_name(it), b->path, it->input);
	if (c->type != want)
		return pxt_seterr(PXT_EINVAL, "%s reads a %s column; '%s' of '%s' is %s",
		    pxt_iter_name(it), pxt_type_name(want), c->name, b->path,
		    pxt_type_name(c->type));
	return PXT_OK;
}

/* Create (or keep, or replace) the view; inside the catalog change. */
static pxt_err
pxt_view_create_locked(pxt_env *env, const char *path, pxt_table *b,
    const struct pxt_iter *it, const char *json, pxt_if_exists if_exists)
{
	pxt_table *have = pxt_cat_load_table(env, path);
	bool same;
	pxt_err rc;

	if (have == NULL && pxt_errcode() != PXT_ENOTFOUND)
		return pxt_errcode();
	pxt_clearerr();
	if (have != NULL) {
		pxt_buf cur = PXT_BUF_INIT;

		same = have->is_view && have->iter != NULL && have->base_path != NULL &&
		    strcmp(have->base_path, b->path) == 0 &&
		    pxt_iter_json(have->iter, &cur) == PXT_OK && strcmp(cur.data, json) == 0;
		pxt_buf_free(&cur);
		if (if_exists == PXT_IF_EXISTS_IGNORE && same)
			return PXT_OK;
		if (if_exists != PXT_IF_EXISTS_REPLACE && !(env->sync && if_exists ==
		    PXT_IF_EXISTS_IGNORE))
			return pxt_seterr(PXT_EEXISTS, "'%s' already exists%s", path, same ?
			    "" : " with a different definition");
		if ((rc = pxt_drop_table(env, path, PXT_IF_MISSING_ERROR)) != PXT_OK)
			return rc;
	}
	if ((rc = pxt_view_create_new(env, path, b, it, json)) != PXT_OK)
		return rc;
	if (pxt_cat_load_table(env, b->path) == NULL ||
	    (have = pxt_cat_load_table(env, path)) == NULL)
		return pxt_errcode();
	return pxt_view_fill(have, b);
}

/* Syncing: the view and its iterator columns are part of the declared schema. */
static pxt_err
pxt_view_declare(pxt_env *env, const char *path)
{
	const pxt_table *v = pxt_cat_load_table(env, path);
	pxt_err rc = v ? PXT_OK : pxt_errcode();

	for (int i = 0; rc == PXT_OK && i < v->ncols; i++)
		if (v->cols[i].computed == NULL)
			rc = pxt_cat_declare(env, path, v->cols[i].name);
	return rc;
}

static pxt_table *
pxt_create_view_run(pxt_env *env, const char *path, pxt_table *base,
    const pxt_iter_def *iter, pxt_if_exists if_exists)
{
	struct pxt_iter *it = NULL;
	pxt_buf json = PXT_BUF_INIT;
	pxt_err rc;
	bool own;

	if ((rc = pxt_path_check(path, "view")) != PXT_OK)
		return NULL;
	if (base == NULL || base->id == 0) {
		pxt_seterr(PXT_ENOTFOUND, "view '%s': the base table handle was dropped",
		    path);
		return NULL;
	}
	if ((rc = pxt_iter_make(iter, &it)) != PXT_OK ||
	    (rc = pxt_iter_json(it, &json)) != PXT_OK)
		goto out;
	if ((rc = pxt_cat_change_begin(env, &own)) != PXT_OK)
		goto out;
	if (pxt_cat_load_table(env, base->path) == NULL)
		rc = pxt_errcode();
	else if ((rc = pxt_view_input_check(base, it)) == PXT_OK)
		rc = pxt_view_create_locked(env, path, base, it, json.data, if_exists);
	if (rc == PXT_OK && env->sync)
		rc = pxt_view_declare(env, path);
	rc = pxt_cat_change_end(env, own, rc);
out:
	pxt_iter_free(it);
	pxt_buf_free(&json);
	if (rc != PXT_OK)
		return NULL;
	return pxt_cat_load_table(env, path);
}

pxt_table *
pxt_create_view(pxt_env *env, const char *path, pxt_table *base,
    const pxt_iter_def *iter, pxt_if_exists if_exists)
{
	pxt_table *v;
	pxt_err rc;

	if (!pxt_decl_enter(env, &rc))
		return NULL;
	v = pxt_create_view_run(env, path, base, iter, if_exists);
	pxt_decl_leave(env, pxt_decl_rc(v), "create view '%s'", path ? path : "");
	return v;
}
