/*
 * search_index.c - adding and dropping embedding and full-text indexes (see
 * pxt/search.h): their rows in pxt_catalog.indexes, the embedding index's hidden
 * computed column "_pxt_e<id>", the back-end's structures (pgvector's HNSW index, or
 * the change log triggers the exact back-end follows), the full-text index's
 * generated tsvector column "_pxt_f<id>" and its GIN index.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/compute.h"
#include "pxt/ident.h"
#include "pxt/search.h"
#include "catalog/catalog_int.h"
#include "search/search_int.h"
#include "engine/udf_int.h"

/* The change log of the exact back-end: one row per written row, per index. */
static const char pxt_vlog_ddl[] =
    "CREATE TABLE IF NOT EXISTS pxt_catalog.vec_log ("
    "  index_id bigint NOT NULL,"
    "  txid bigint NOT NULL DEFAULT txid_current(),"
    "  rowid bigint NOT NULL,"
    "  at timestamptz NOT NULL DEFAULT now());"
    "CREATE INDEX IF NOT EXISTS vec_log_txid ON pxt_catalog.vec_log (index_id, txid);"
    "CREATE TABLE IF NOT EXISTS pxt_catalog.vec_pruned ("
    "  index_id bigint PRIMARY KEY,"
    "  upto bigint NOT NULL);"
    "CREATE OR REPLACE FUNCTION pxt_catalog.vec_log_row() RETURNS trigger"
    "  LANGUAGE plpgsql AS $f$ BEGIN"
    "  INSERT INTO pxt_catalog.vec_log (index_id, rowid) VALUES (TG_ARGV[0]::bigint,"
    "    CASE WHEN TG_OP = 'DELETE' THEN OLD._pxt_rowid ELSE NEW._pxt_rowid END);"
    "  RETURN NULL; END $f$;";

const char *
pxt_metric_name(pxt_metric m)
{
	return m == PXT_METRIC_IP ? "ip" : m == PXT_METRIC_L2 ? "l2" : "cosine";
}

/* The index row of t named name into *id and *kind (static); PXT_ENOTFOUND if none. */
static pxt_err
pxt_index_find(pxt_table *t, const char *name, int64_t *id, char *kind, size_t kindlen)
{
	char tid[32];
	const char *params[2] = {tid, name};
	PGresult *res;
	pxt_err rc;

	snprintf(tid, sizeof(tid), "%lld", (long long)t->id);
	rc = pxt_db_exec(t->env->db, "SELECT id, kind FROM pxt_catalog.indexes WHERE"
	    " table_id = $1 AND name = $2", 2, params, &res);
	if (rc != PXT_OK)
		return rc;
	rc = PQntuples(res) == 1 ? PXT_OK : PXT_ENOTFOUND;
	if (rc == PXT_OK) {
		*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		snprintf(kind, kindlen, "%s", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return rc;
}

bool
pxt_regclass_exists(pxt_env *env, const char *name)
{
	const char *params[1] = {name};
	PGresult *res;
	bool yes;

	if (pxt_db_exec(env->db, "SELECT to_regclass($1) IS NOT NULL", 1, params, &res) !=
	    PXT_OK)
		return false;
	yes = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return yes;
}

/* Drop what index id of t made: triggers, columns, the file, the row. */
static pxt_err
pxt_index_drop_locked(pxt_table *t, int64_t id)
{
	char sql[512], sid[32];
	const char *params[1] = {sid};
	pxt_err rc;

	snprintf(sid, sizeof(sid), "%lld", (long long)id);
	snprintf(sql, sizeof(sql), "DROP TRIGGER IF EXISTS pxt_vlog_%lld ON %s;"
	    " ALTER TABLE %s DROP COLUMN IF EXISTS \"_pxt_f%lld\";", (long long)id,
	    t->storage_sql, t->storage_sql, (long long)id);
	if ((rc = pxt_cat_ddl(t->env, sql)) != PXT_OK)
		return rc;
	/* the embedding column is a computed column of the catalog */
	snprintf(sql, sizeof(sql), "_pxt_e%lld", (long long)id);
	if (pxt_table_find_col(t, sql) != NULL &&
	    (rc = pxt_cat_drop_column(t->env, t, sql)) != PXT_OK)
		return rc;
	if (pxt_regclass_exists(t->env, "pxt_catalog.vec_log") &&
	    (rc = pxt_db_exec(t->env->db, "DELETE FROM pxt_catalog.vec_log WHERE"
	    " index_id = $1", 1, params, NULL)) != PXT_OK)
		return rc;
	if ((rc = pxt_db_exec(t->env->db, "DELETE FROM pxt_catalog.indexes WHERE id = $1",
	    1, params, NULL)) != PXT_OK)
		return rc;
	pxt_vsync_forget(t->env, id);
	return PXT_OK;
}

/*
 * The existing index name of t against if_exists: *done when nothing is left to do
 * (IGNORE with one of the same kind), dropped for REPLACE.
 */
static pxt_err
pxt_index_existing(pxt_table *t, const char *name, const char *kind,
    pxt_if_exists if_exists, bool *done)
{
	char have[32];
	int64_t id;
	pxt_err rc = pxt_index_find(t, name, &id, have, sizeof(have));

	*done = false;
	if (rc == PXT_ENOTFOUND)
		return PXT_OK;
	if (rc != PXT_OK)
		return rc;
	if (if_exists == PXT_IF_EXISTS_ERROR || strcmp(have, kind) != 0)
		return pxt_seterr(PXT_EEXISTS, "table '%s' already has a%s %s index named "
		    "'%s'", t->path, have[0] == 'e' ? "n" : "", have, name);
	if (if_exists == PXT_IF_EXISTS_IGNORE) {
		*done = true;
		return PXT_OK;
	}
	return pxt_index_drop_locked(t, id);
}

/*
 * After a change: t's handle as the catalog has it now. A change that failed keeps its
 * own error, which the reload would otherwise replace.
 */
static pxt_err
pxt_index_reload(pxt_table *t, pxt_err rc)
{
	char *msg;

	if (rc == PXT_OK)
		return pxt_cat_load_table(t->env, t->path) == NULL ? pxt_errcode() : PXT_OK;
	msg = strdup(pxt_errmsg());
	pxt_cat_load_table(t->env, t->path);
	pxt_seterr(rc, "%s", msg ? msg : pxt_strerror(rc));
	free(msg);
	return rc;
}

/* The String column of t the index is on; PXT_ENOTFOUND / PXT_EINVAL otherwise. */
static pxt_err
pxt_index_column(pxt_table *t, const char *column, int *idx)
{
	const pxt_column *c = column ? pxt_table_find_col(t, column) : NULL;

	if (c == NULL || c->hidden)
		return pxt_seterr(PXT_ENOTFOUND, "table '%s' has no column '%s'", t->path,
		    column ? column : "(null)");
	if (c->type != PXT_STRING)
		return pxt_seterr(PXT_EINVAL, "column '%s' of '%s' is %s: indexes for search "
		    "are on String columns", column, t->path, pxt_type_name(c->type));
	*idx = (int)(c - t->cols);
	return PXT_OK;
}

/* Insert the index row; *id gets its id. */
static pxt_err
pxt_index_insert(pxt_table *t, const char *column, const char *name, const char *kind,
    const char *params_json, int64_t *id)
{
	char tid[32];
	const char *params[5] = {tid, column, name, kind, params_json};
	PGresult *res;
	pxt_err rc;

	snprintf(tid, sizeof(tid), "%lld", (long long)t->id);
	rc = pxt_db_exec(t->env->db, "INSERT INTO pxt_catalog.indexes (table_id,"
	    " column_id, name, kind, params) SELECT $1, c.id, $3, $4, $5::jsonb FROM"
	    " pxt_catalog.columns c WHERE c.table_id = $1 AND c.name = $2 RETURNING id",
	    5, params, &res);
	if (rc != PXT_OK)
		return rc;
	*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return PXT_OK;
}

/* Record the storage column and the final parameters of index id. */
static pxt_err
pxt_index_finish(pxt_table *t, int64_t id, const char *storage, const char *params_json)
{
	char sid[32];
	const char *params[3] = {sid, storage, params_json};

	snprintf(sid, sizeof(sid), "%lld", (long long)id);
	return pxt_db_exec(t->env->db, "UPDATE pxt_catalog.indexes SET storage_name = $2,"
	    " params = $3::jsonb WHERE id = $1", 3, params, NULL);
}

/*
 * The pgvector back-end when the server has the extension (created here if it may
 * be): an HNSW index on the embedding column cast to vector(dim). *used tells.
 */
static pxt_err
pxt_index_pgvector(pxt_table *t, int64_t id, const char *col, int dim, pxt_metric m,
    bool *used)
{
	static const char *const ops[] = {"vector_cosine_ops", "vector_ip_ops",
	    "vector_l2_ops"};
	char sql[512];
	pxt_err rc;

	*used = false;
	if (!pxt_vec_pgvector_available(t->env) || dim < 1 || dim > 2000)
		return PXT_OK;
	snprintf(sql, sizeof(sql), "CREATE INDEX \"pxt_v%lld\" ON %s USING hnsw"
	    " ((\"%s\"::vector(%d)) %s)", (long long)id, t->storage_sql, col, dim,
	    ops[m]);
	if ((rc = pxt_cat_ddl(t->env, sql)) != PXT_OK)
		return rc;
	*used = true;
	return PXT_OK;
}

/* The exact back-end: a trigger logs every change of the embedding column. */
static pxt_err
pxt_index_exact(pxt_table *t, int64_t id, const char *col)
{
	char sql[512];
	pxt_err rc;

	if ((rc = pxt_cat_ddl(t->env, pxt_vlog_ddl)) != PXT_OK)
		return rc;
	snprintf(sql, sizeof(sql), "CREATE TRIGGER pxt_vlog_%lld AFTER INSERT OR DELETE OR"
	    " UPDATE OF \"%s\" ON %s FOR EACH ROW EXECUTE FUNCTION"
	    " pxt_catalog.vec_log_row('%lld')", (long long)id, col, t->storage_sql,
	    (long long)id);
	return pxt_cat_ddl(t->env, sql);
}

/* The dimension fn gives (one call on a probe text); PXT_EUPSTREAM etc. from fn. */
static pxt_err
pxt_index_probe_dim(const pxt_udf *u, pxt_pool *pool, int *dim)
{
	pxt_value arg = {PXT_STRING, false, {0}}, out = {PXT_ARRAY, false, {0}};
	pxt_err rc;

	arg.u.str.s = "dimension probe";
	arg.u.str.len = strlen(arg.u.str.s);
	if ((rc = pxt_udf_call(u, pool, &arg, 1, &out)) != PXT_OK)
		return rc;
	*dim = out.null ? 0 : pxt_vec_text_dim(out.u.str.s, out.u.str.len);
	if (*dim < 1)
		return pxt_seterr(PXT_EINVAL, "function '%s' returned no vector for a probe "
		    "text", u->name);
	return PXT_OK;
}

/* The checks of pxt_add_embedding_index that need no transaction. */
static pxt_err
pxt_emb_check(pxt_table *t, const char *column, const char *name, const char *embed_fn,
    pxt_metric metric, const pxt_udf **u)
{
	pxt_err rc;
	int col = -1;

	if (t == NULL || t->id == 0)
		return pxt_seterr(PXT_ENOTFOUND, "the table of this handle was dropped");
	if ((rc = pxt_name_check(name, "index")) != PXT_OK)
		return rc;
	if ((int)metric < PXT_METRIC_COSINE || (int)metric > PXT_METRIC_L2)
		return pxt_seterr(PXT_EINVAL, "unknown metric %d (cosine, ip or l2)",
		    (int)metric);
	if ((rc = pxt_index_column(t, column, &col)) != PXT_OK)
		return rc;
	if ((*u = embed_fn ? pxt_udf_find(embed_fn) : NULL) == NULL)
		return pxt_seterr(PXT_ENOTFOUND, "no function named '%s' to embed with",
		    embed_fn ? embed_fn : "(null)");
	if ((*u)->nargs != 1 || (*u)->args[0] != PXT_STRING || (*u)->ret != PXT_ARRAY)
		return pxt_seterr(PXT_EINVAL, "function '%s' cannot embed: an embedding "
		    "function takes one String and returns Array(Float)", embed_fn);
	return PXT_OK;
}

/* pxt_add_embedding_index inside the change. */
static pxt_err
pxt_emb_add_locked(pxt_table *t, const char *column, const char *name,
    const pxt_udf *u, pxt_metric metric, pxt_if_exists if_exists)
{
	pxt_computed_opts o = {sizeof(o), PXT_ON_ERROR_ABORT, NULL, NULL, NULL};
	pxt_expr *e;
	char col[64], params[512];
	bool done, pgv = false;
	int64_t id;
	int dim = 0;
	pxt_err rc;

	if ((rc = pxt_index_existing(t, name, "embedding", if_exists, &done)) != PXT_OK ||
	    done)
		return rc;
	if ((rc = pxt_index_probe_dim(u, t->pool, &dim)) != PXT_OK)
		return pxt_seterr(rc, "embedding index '%s': %s", name, pxt_errmsg());
	snprintf(params, sizeof(params), "{\"fn\": \"%s\", \"metric\": \"%s\", \"dim\": %d,"
	    " \"column\": \"%s\"}", u->name, pxt_metric_name(metric), dim, column);
	if ((rc = pxt_cat_note(t->env, false, "add embedding index '%s' on '%s'.%s",
	    name, t->path, column)) != PXT_OK ||
	    (rc = pxt_index_insert(t, column, name, "embedding", params, &id)) != PXT_OK)
		return rc;
	snprintf(col, sizeof(col), "_pxt_e%lld", (long long)id);
	/* the vectors: a computed column, embedded with the row, existing rows now */
	e = pxt_call(u->name, pxt_col(column), NULL);
	rc = e ? pxt_computed_add_locked(t, col, e, PXT_IF_EXISTS_ERROR, &o) : PXT_ENOMEM;
	pxt_expr_free(e);
	if (rc == PXT_OK && pxt_cat_load_table(t->env, t->path) == NULL)
		rc = pxt_errcode();
	if (rc == PXT_OK)
		rc = pxt_index_pgvector(t, id, col, dim, metric, &pgv);
	if (rc == PXT_OK && !pgv)
		rc = pxt_index_exact(t, id, col);
	snprintf(params, sizeof(params), "{\"fn\": \"%s\", \"metric\": \"%s\", \"dim\": %d,"
	    " \"column\": \"%s\", \"backend\": \"%s\"}", u->name, pxt_metric_name(metric),
	    dim, column, pgv ? "pgvector" : "exact");
	if (rc == PXT_OK)
		rc = pxt_index_finish(t, id, col, params);
	if (rc == PXT_OK && t->env->sync)
		rc = pxt_cat_declare(t->env, t->path, col);
	if (rc == PXT_OK)
		rc = pxt_cat_bump(t->env, "add_embedding_index", t->path);
	return rc;
}

static pxt_err
pxt_add_embedding_index_run(pxt_table *t, const char *column, const char *name,
    const char *embed_fn, pxt_metric metric, pxt_if_exists if_exists)
{
	char defname[PXT_NAME_MAX + 1];
	const pxt_udf *u = NULL;
	pxt_err rc;
	bool own;

	if (name == NULL && column != NULL) {
		snprintf(defname, sizeof(defname), "%s_embedding", column);
		name = defname;
	}
	if ((rc = pxt_emb_check(t, column, name, embed_fn, metric, &u)) != PXT_OK)
		return rc;
	if ((rc = pxt_cat_change_table(t, &own)) != PXT_OK)
		return rc;
	rc = pxt_emb_add_locked(t, column, name, u, metric, if_exists);
	return pxt_index_reload(t, pxt_cat_change_end(t->env, own, rc));
}

pxt_err
pxt_add_embedding_index(pxt_table *t, const char *column, const char *name,
    const char *embed_fn, pxt_metric metric, pxt_if_exists if_exists)
{
	pxt_err rc;

	if (!pxt_decl_enter_table(t, &rc))
		return rc;
	rc = pxt_add_embedding_index_run(t, column, name, embed_fn, metric, if_exists);
	return pxt_decl_leave(t->env, rc, "add embedding index on '%s' of '%s'",
	    column ? column : "", t->path);
}

/* The text search configuration named language, as the server spells it, in out. */
static pxt_err
pxt_fts_language(pxt_env *env, const char *language, char *out, size_t outlen)
{
	const char *params[1] = {language};
	PGresult *res;
	pxt_err rc;

	rc = pxt_db_exec(env->db, "SELECT c.cfgname, (SELECT string_agg(cfgname, ', '"
	    " ORDER BY cfgname) FROM pg_ts_config) FROM (SELECT 1) x LEFT JOIN pg_ts_config"
	    " c ON c.cfgname = $1", 1, params, &res);
	if (rc != PXT_OK)
		return rc;
	if (PQgetisnull(res, 0, 0))
		rc = pxt_seterr(PXT_EINVAL, "unknown text search language '%s' (the server "
		    "has: %s)", language, PQgetvalue(res, 0, 1));
	else
		snprintf(out, outlen, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

/* pxt_add_fulltext_index inside the change. */
static pxt_err
pxt_fts_add_locked(pxt_table *t, const char *column, const char *name,
    const char *language, pxt_if_exists if_exists)
{
	char lang[64], params[256], sql[1024];
	int64_t id;
	int col = -1;
	bool done;
	pxt_err rc;

	if ((rc = pxt_index_column(t, column, &col)) != PXT_OK ||
	    (rc = pxt_fts_language(t->env, language, lang, sizeof(lang))) != PXT_OK ||
	    (rc = pxt_index_existing(t, name, "fulltext", if_exists, &done)) != PXT_OK ||
	    done)
		return rc;
	snprintf(params, sizeof(params), "{\"language\": \"%s\", \"column\": \"%s\"}",
	    lang, column);
	if ((rc = pxt_cat_note(t->env, false, "add full-text index '%s' on '%s'.%s",
	    name, t->path, column)) != PXT_OK ||
	    (rc = pxt_index_insert(t, column, name, "fulltext", params, &id)) != PXT_OK)
		return rc;
	/* the configuration name is one the server listed: letters, digits, '_' */
	snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN \"_pxt_f%lld\" tsvector"
	    " GENERATED ALWAYS AS (to_tsvector('%s'::regconfig, coalesce(\"%s\", '')))"
	    " STORED; CREATE INDEX \"pxt_f%lld\" ON %s USING gin (\"_pxt_f%lld\")",
	    t->storage_sql, (long long)id, lang, t->col_storage[col], (long long)id,
	    t->storage_sql, (long long)id);
	if (strchr(lang, '\'') != NULL || strchr(t->col_storage[col], '"') != NULL)
		return pxt_seterr(PXT_EINVAL, "unusable language or column name");
	if ((rc = pxt_cat_ddl(t->env, sql)) != PXT_OK)
		return rc;
	snprintf(sql, sizeof(sql), "_pxt_f%lld", (long long)id);
	if ((rc = pxt_index_finish(t, id, sql, params)) != PXT_OK)
		return rc;
	return pxt_cat_bump(t->env, "add_fulltext_index", t->path);
}

static pxt_err
pxt_add_fulltext_index_run(pxt_table *t, const char *column, const char *name,
    const char *language, pxt_if_exists if_exists)
{
	char defname[PXT_NAME_MAX + 1];
	pxt_err rc;
	bool own;

	if (t == NULL || t->id == 0)
		return pxt_seterr(PXT_ENOTFOUND, "the table of this handle was dropped");
	if (name == NULL && column != NULL) {
		snprintf(defname, sizeof(defname), "%s_fulltext", column);
		name = defname;
	}
	if ((rc = pxt_name_check(name, "index")) != PXT_OK)
		return rc;
	if ((rc = pxt_cat_change_table(t, &own)) != PXT_OK)
		return rc;
	rc = pxt_fts_add_locked(t, column, name, language ? language : "english",
	    if_exists);
	return pxt_index_reload(t, pxt_cat_change_end(t->env, own, rc));
}

pxt_err
pxt_add_fulltext_index(pxt_table *t, const char *column, const char *name,
    const char *language, pxt_if_exists if_exists)
{
	pxt_err rc;

	if (!pxt_decl_enter_table(t, &rc))
		return rc;
	rc = pxt_add_fulltext_index_run(t, column, name, language, if_exists);
	return pxt_decl_leave(t->env, rc, "add full-text index on '%s' of '%s'",
	    column ? column : "", t->path);
}

static pxt_err
pxt_drop_index_run(pxt_table *t, const char *name, pxt_if_missing if_missing)
{
	char kind[32];
	int64_t id;
	pxt_err rc;
	bool own;

	if (t == NULL || t->id == 0)
		return pxt_seterr(PXT_ENOTFOUND, "the table of this handle was dropped");
	if ((rc = pxt_cat_change_table(t, &own)) != PXT_OK)
		return rc;
	if ((rc = pxt_index_find(t, name ? name : "", &id, kind, sizeof(kind))) ==
	    PXT_ENOTFOUND)
		rc = if_missing == PXT_IF_MISSING_IGNORE ? PXT_OK : pxt_seterr(PXT_ENOTFOUND,
		    "table '%s' has no index named '%s'", t->path, name ? name : "(null)");
	else if (rc == PXT_OK && (rc = pxt_index_drop_locked(t, id)) == PXT_OK)
		rc = pxt_cat_bump(t->env, "drop_index", t->path);
	return pxt_index_reload(t, pxt_cat_change_end(t->env, own, rc));
}

pxt_err
pxt_drop_index(pxt_table *t, const char *name, pxt_if_missing if_missing)
{
	pxt_err rc;

	if (!pxt_decl_enter_table(t, &rc))
		return rc;
	rc = pxt_drop_index_run(t, name, if_missing);
	return pxt_decl_leave(t->env, rc, "drop index '%s' of '%s'", name ? name : "",
	    t->path);
}
