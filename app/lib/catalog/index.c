/*
 * index.c - B-tree indexes on columns, recorded in pxt_catalog.indexes (kind 'btree')
 * and named pxt_i<id> in PostgreSQL (see pxt_add_btree_index in pxt/catalog.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/ident.h"
#include "catalog/catalog_int.h"

static pxt_err
pxt_index_create(pxt_table *t, int col, const char *name)
{
	char tid[32], cname[PXT_NAME_MAX + 1];
	const char *params[3] = {tid, t->cols[col].name, name};
	pxt_buf b = PXT_BUF_INIT;
	PGresult *res;
	pxt_err rc;

	snprintf(tid, sizeof(tid), "%lld", (long long)t->id);
	rc = pxt_db_exec(t->env->db, "INSERT INTO pxt_catalog.indexes (table_id,"
	    " column_id, name, kind, storage_name) SELECT $1, c.id, $3, 'btree', NULL"
	    " FROM pxt_catalog.columns c WHERE c.table_id = $1 AND c.name = $2"
	    " RETURNING id", 3, params, &res);
	if (rc != PXT_OK)
		return rc;
	snprintf(cname, sizeof(cname), "pxt_i%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	params[1] = cname;
	params[2] = name;
	rc = pxt_db_exec(t->env->db, "UPDATE pxt_catalog.indexes SET storage_name = $2"
	    " WHERE table_id = $1 AND name = $3", 3, params, NULL);
	pxt_buf_adds(&b, "CREATE INDEX ");
	pxt_quote_ident(&b, cname);
	pxt_buf_addf(&b, " ON %s (", t->storage_sql);
	pxt_quote_ident(&b, t->col_storage[col]);
	pxt_buf_adds(&b, ", \"_pxt_rowid\")");
	if (rc == PXT_OK)
		rc = b.failed ? PXT_ENOMEM : pxt_cat_ddl(t->env, b.data);
	pxt_buf_free(&b);
	return rc;
}

/* Drop the index called name of t (catalog row and PostgreSQL index). */
static pxt_err
pxt_index_drop(pxt_table *t, const char *name, const char *storage)
{
	char tid[32];
	const char *params[2] = {tid, name};
	pxt_buf b = PXT_BUF_INIT;
	pxt_err rc;

	snprintf(tid, sizeof(tid), "%lld", (long long)t->id);
	pxt_buf_adds(&b, "DROP INDEX IF EXISTS ");
	pxt_quote_qualified(&b, PXT_DATA_SCHEMA, storage);
	rc = b.failed ? PXT_ENOMEM : pxt_cat_ddl(t->env, b.data);
	pxt_buf_free(&b);
	if (rc == PXT_OK)
		rc = pxt_db_exec(t->env->db, "DELETE FROM pxt_catalog.indexes WHERE"
		    " table_id = $1 AND name = $2", 2, params, NULL);
	return rc;
}

static pxt_err
pxt_btree_locked(pxt_table *t, const char *col, pxt_if_exists if_exists)
{
	char tid[32], name[PXT_NAME_MAX + 16];
	const char *params[2] = {tid, name};
	PGresult *res;
	int idx = -1;
	pxt_err rc;

	for (int i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, col) == 0)
			idx = i;
	if (idx < 0)
		return pxt_seterr(PXT_ENOTFOUND, "table '%s' has no column '%s' to index",
		    t->path, col);
	if (t->cols[idx].type == PXT_JSON || t->cols[idx].type == PXT_ARRAY)
		return pxt_seterr(PXT_EINVAL, "column '%s' of '%s' is %s: a B-tree index "
		    "needs a scalar column", col, t->path, pxt_type_name(t->cols[idx].type));
	snprintf(tid, sizeof(tid), "%lld", (long long)t->id);
	snprintf(name, sizeof(name), "%s_btree", col);
	rc = pxt_db_exec(t->env->db, "SELECT storage_name FROM pxt_catalog.indexes"
	    " WHERE table_id = $1 AND name = $2", 2, params, &res);
	if (rc != PXT_OK)
		return rc;
	if (PQntuples(res) == 1) {
		char storage[PXT_NAME_MAX + 1];

		snprintf(storage, sizeof(storage), "%s", PQgetvalue(res, 0, 0));
		PQclear(res);
		if (if_exists == PXT_IF_EXISTS_IGNORE)
			return PXT_OK;
		if (if_exists == PXT_IF_EXISTS_ERROR)
			return pxt_seterr(PXT_EEXISTS, "column '%s' of '%s' is already "
			    "indexed", col, t->path);
		if ((rc = pxt_index_drop(t, name, storage)) != PXT_OK)
			return rc;
	} else {
		PQclear(res);
	}
	if ((rc = pxt_cat_note(t->env, false, "add index on '%s' of '%s'", col,
	    t->path)) != PXT_OK)
		return rc;
	if ((rc = pxt_index_create(t, idx, name)) != PXT_OK)
		return rc;
	return pxt_cat_bump(t->env, "add_index", t->path);
}

static pxt_err
pxt_add_btree_index_run(pxt_table *t, const char *col, pxt_if_exists if_exists)
{
	pxt_err rc;
	bool own;

	if (t == NULL || t->id == 0)
		return pxt_seterr(PXT_ENOTFOUND, "the table of this handle was dropped");
	if ((rc = pxt_name_check(col, "column")) != PXT_OK)
		return rc;
	if ((rc = pxt_cat_change_table(t, &own)) != PXT_OK)
		return rc;
	rc = pxt_btree_locked(t, col, if_exists);
	return pxt_cat_change_end(t->env, own, rc);
}

pxt_err
pxt_add_btree_index(pxt_table *t, const char *col, pxt_if_exists if_exists)
{
	pxt_err rc;

	if (!pxt_decl_enter_table(t, &rc))
		return rc;
	rc = pxt_add_btree_index_run(t, col, if_exists);
	return pxt_decl_leave(t->env, rc, "add index on '%s' of '%s'", col ? col : "",
	    t->path);
}
