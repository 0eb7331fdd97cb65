/*
 * column_store.c - one column in the catalog and in storage: checking its definition,
 * its DDL, its catalog row, and adding or dropping it without further checks (what
 * column changes, migrations, new tables and views build on).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/ident.h"
#include "catalog/catalog_int.h"
#include "engine/write_int.h"
#include "media/media_store_int.h"

/* The defaults a column may declare, the type each needs and their SQL. */
static const struct {
	const char *name;
	pxt_type type;
	const char *sql;
} pxt_cat_defaults[] = {
	{"uuid7()", PXT_UUID, "pxt_catalog.uuid_v7()"},
	{"now()", PXT_TIMESTAMP, "now()"},
};

const char *
pxt_cat_default_sql(const char *dflt)
{
	for (size_t i = 0; dflt != NULL && i < sizeof(pxt_cat_defaults) /
	    sizeof(pxt_cat_defaults[0]); i++)
		if (strcmp(dflt, pxt_cat_defaults[i].name) == 0)
			return pxt_cat_defaults[i].sql;
	return NULL;
}

/* Check def's default: known, and of the column's type. */
static pxt_err
pxt_cat_default_check(const pxt_coldef *def)
{
	if (def->dflt == NULL)
		return PXT_OK;
	for (size_t i = 0; i < sizeof(pxt_cat_defaults) / sizeof(pxt_cat_defaults[0]);
	    i++) {
		if (strcmp(def->dflt, pxt_cat_defaults[i].name) != 0)
			continue;
		if (def->type != pxt_cat_defaults[i].type)
			return pxt_seterr(PXT_EINVAL, "column '%s': the default %s makes "
			    "a %s, the column is %s", def->name, def->dflt,
			    pxt_type_name(pxt_cat_defaults[i].type),
			    pxt_type_name(def->type));
		return PXT_OK;
	}
	return pxt_seterr(PXT_EINVAL, "column '%s': unknown default '%.64s' (pxtc "
	    "knows uuid7() for a UUID column and now() for a Timestamp column)",
	    def->name, def->dflt);
}

pxt_err
pxt_cat_column_sql(pxt_buf *b, const pxt_coldef *def)
{
	const char *dsql = pxt_cat_default_sql(def->dflt);
	pxt_err rc;

	if ((rc = pxt_quote_ident(b, def->name)) != PXT_OK)
		return rc;
	pxt_buf_addf(b, " %s", pxt_type_sql(def->type, def->elem));
	if (def->flags & (PXT_COL_REQUIRED | PXT_COL_PRIMARY_KEY))
		pxt_buf_adds(b, " NOT NULL");
	/* writes make the value in C; the storage's default serves plain SQL */
	if (dsql != NULL)
		pxt_buf_addf(b, " DEFAULT %s", dsql);
	return b->failed ? PXT_ENOMEM : PXT_OK;
}

pxt_err
pxt_cat_coldef_check(const pxt_coldef *def)
{
	pxt_err rc;

	if ((rc = pxt_name_check(def->name, "column")) != PXT_OK)
		return rc;
	if (pxt_type_sql(def->type, def->elem) == NULL)
		return pxt_seterr(PXT_EINVAL, "column '%s': %s", def->name,
		    def->type == PXT_ARRAY ? "an Array's element type must be Int, "
		    "Float, Bool or String" : "unknown column type");
	if (def->flags & ~(PXT_COL_REQUIRED | PXT_COL_PRIMARY_KEY))
		return pxt_seterr(PXT_EINVAL, "column '%s': unknown flags 0x%x",
		    def->name, def->flags);
	if ((def->flags & PXT_COL_PRIMARY_KEY) && (pxt_type_is_media(def->type) ||
	    def->type == PXT_JSON || def->type == PXT_ARRAY))
		return pxt_seterr(PXT_EINVAL, "column '%s': a %s column cannot be part of "
		    "the primary key", def->name, pxt_type_name(def->type));
	if ((rc = pxt_cat_comment_check(def->name, def->comment)) != PXT_OK)
		return rc;
	return pxt_cat_default_check(def);
}

pxt_err
pxt_cat_insert_column(pxt_env *env, int64_t table_id, const pxt_coldef *def,
    int position)
{
	char tid[32], pos[16], params_json[64];
	const char *params[10];
	bool pk = (def->flags & PXT_COL_PRIMARY_KEY) != 0;

	snprintf(tid, sizeof(tid), "%lld", (long long)table_id);
	snprintf(pos, sizeof(pos), "%d", position);
	snprintf(params_json, sizeof(params_json), def->type == PXT_ARRAY ?
	    "{\"elem\": \"%s\"}" : "{}", pxt_type_name(def->elem ? def->elem : PXT_FLOAT));
	params[0] = tid;
	params[1] = def->name;
	params[2] = position >= 0 ? pos : NULL;
	params[3] = pxt_type_name(def->type);
	params[4] = params_json;
	params[5] = (pk || (def->flags & PXT_COL_REQUIRED)) ? "f" : "t";
	params[6] = pk ? "t" : "f";
	params[7] = def->name;
	params[8] = def->dflt;
	params[9] = def->comment != NULL && *def->comment != '\0' ? def->comment : NULL;
	return pxt_db_exec(env->db, "INSERT INTO pxt_catalog.columns (table_id, name,"
	    " position, type, type_params, nullable, is_pk, storage_name, dflt, comment)"
	    " VALUES ($1, $2, coalesce($3::integer, (SELECT coalesce(max(position) + 1,"
	    " 0) FROM pxt_catalog.columns WHERE table_id = $1::bigint)), $4,"
	    " $5::jsonb, $6, $7, $8, $9, $10)", 10, params, NULL);
}

pxt_err
pxt_cat_add_column(pxt_env *env, pxt_table *t, const pxt_coldef *def)
{
	pxt_buf b = PXT_BUF_INIT;
	PGresult *res;
	pxt_err rc;

	/* a default fills the rows there are (the storage's default, per row) */
	if ((def->flags & PXT_COL_REQUIRED) && def->dflt == NULL) {
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
	if ((rc = pxt_cat_column_sql(&b, def)) != PXT_OK)
		goto out;
	if ((rc = pxt_cat_ddl(env, b.data)) != PXT_OK)
		goto out;
	if (def->comment != NULL && (rc = pxt_cat_comment_storage(env, t->storage_sql,
	    def->name, def->comment)) != PXT_OK)
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
