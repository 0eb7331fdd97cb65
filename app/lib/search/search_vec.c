/*
 * search_vec.c - vectors as PostgreSQL writes arrays ("{0.1,-0.2,...}") or as Array
 * values carry them (JSON, "[0.1,-0.2,...]"), the
 * catalog's description of an index, and whether the server has pgvector (see
 * search_int.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/json.h"
#include "search/search_int.h"
#include "functions/vec_int.h"

int
pxt_vec_text_dim(const char *s, size_t len)
{
	int n = 1;

	/* PostgreSQL's array text {..} or a JSON array [..], as values carry them */
	if (len < 2 || !((s[0] == '{' && s[len - 1] == '}') || (s[0] == '[' &&
	    s[len - 1] == ']')))
		return -1;
	if (len == 2)
		return 0;
	for (size_t i = 1; i + 1 < len; i++)
		n += s[i] == ',';
	return n;
}

pxt_err
pxt_vec_text_floats(const char *s, size_t len, float *out, int dim)
{
	return pxt_vec_parse(s, len, out, dim);
}

/* Copies the string member key of object o into out (empty when absent). */
static void
pxt_json_str_into(const pxt_json *o, const char *key, char *out, size_t outlen)
{
	const pxt_json *v = pxt_json_get(o, key);

	out[0] = '\0';
	if (v != NULL && v->type == PXT_JSON_STRING)
		snprintf(out, outlen, "%.*s", (int)v->u.str.len, v->u.str.s);
}

/* Fills ix from row r of res (id, name, kind, params, storage_name). */
static pxt_err
pxt_index_fill(pxt_pool *pool, PGresult *res, int r, struct pxt_index_info *ix)
{
	const char *params = PQgetvalue(res, r, 3);
	const pxt_json *o, *dim;
	pxt_json *j;
	char metric[16], backend[16];

	memset(ix, 0, sizeof(*ix));
	ix->id = strtoll(PQgetvalue(res, r, 0), NULL, 10);
	snprintf(ix->name, sizeof(ix->name), "%s", PQgetvalue(res, r, 1));
	snprintf(ix->kind, sizeof(ix->kind), "%s", PQgetvalue(res, r, 2));
	snprintf(ix->storage, sizeof(ix->storage), "%s", PQgetvalue(res, r, 4));
	if (pxt_json_parse(pool, params, strlen(params), 8, &j) != PXT_OK ||
	    j->type != PXT_JSON_OBJECT)
		return pxt_seterr(PXT_EINTERNAL, "index '%s': unreadable parameters",
		    ix->name);
	o = j;
	pxt_json_str_into(o, "column", ix->column, sizeof(ix->column));
	pxt_json_str_into(o, "fn", ix->fn, sizeof(ix->fn));
	pxt_json_str_into(o, "language", ix->language, sizeof(ix->language));
	pxt_json_str_into(o, "metric", metric, sizeof(metric));
	pxt_json_str_into(o, "backend", backend, sizeof(backend));
	ix->metric = strcmp(metric, "ip") == 0 ? PXT_METRIC_IP : strcmp(metric, "l2") ==
	    0 ? PXT_METRIC_L2 : PXT_METRIC_COSINE;
	ix->pgvector = strcmp(backend, "pgvector") == 0;
	dim = pxt_json_get(o, "dim");
	ix->dim = dim && dim->type == PXT_JSON_INT ? (int)dim->u.i : 0;
	if (ix->storage[0] == '\0' || (strcmp(ix->kind, "embedding") == 0 && ix->dim < 1))
		return pxt_seterr(PXT_EINTERNAL, "index '%s' is incomplete in the catalog",
		    ix->name);
	return PXT_OK;
}

/*
 * The index rows of t matching cond (over $2, and $3 when np is 3), by name, into
 * *res; the caller frees it.
 */
static pxt_err
pxt_index_select(pxt_table *t, const char *cond, int np, const char *arg2,
    const char *arg3, PGresult **res)
{
	char tid[32], sql[512];
	const char *params[3] = {tid, arg2, arg3};

	snprintf(tid, sizeof(tid), "%lld", (long long)t->id);
	snprintf(sql, sizeof(sql), "SELECT id, name, kind, params::text, storage_name"
	    " FROM pxt_catalog.indexes WHERE table_id = $1 AND %s ORDER BY name", cond);
	return pxt_db_exec(t->env->db, sql, np, params, res);
}

/* Fills ix from the first row of res, parsing in a pool of its own. */
static pxt_err
pxt_index_fill_first(PGresult *res, struct pxt_index_info *ix)
{
	pxt_pool *pool = pxt_pool_new(2048);
	pxt_err rc;

	if (pool == NULL)
		return PXT_ENOMEM;
	rc = pxt_index_fill(pool, res, 0, ix);
	pxt_pool_free(pool);
	return rc;
}

pxt_err
pxt_index_load(pxt_table *t, const char *kind, const char *name,
    struct pxt_index_info *ix)
{
	PGresult *res = NULL;
	pxt_err rc;
	int n;

	rc = pxt_index_select(t, "kind = $2 AND ($3::text IS NULL OR name = $3)", 3, kind,
	    name, &res);
	if (rc != PXT_OK)
		return rc;
	n = PQntuples(res);
	if (n == 0)
		rc = pxt_seterr(PXT_ENOTFOUND, "'%s' has no %s index%s%s", t->path, kind,
		    name ? " named " : "", name ? name : "");
	else if (n > 1)
		rc = pxt_seterr(PXT_EINVAL, "'%s' has %d %s indexes (%s, %s%s): name the "
		    "one to use", t->path, n, kind, PQgetvalue(res, 0, 1),
		    PQgetvalue(res, 1, 1), n > 2 ? ", ..." : "");
	else
		rc = pxt_index_fill_first(res, ix);
	PQclear(res);
	return rc;
}

pxt_err
pxt_index_for_column(pxt_table *t, const char *column, struct pxt_index_info *ix)
{
	PGresult *res = NULL;
	pxt_err rc;

	rc = pxt_index_select(t, "kind = 'embedding' AND params->>'column' = $2", 2,
	    column, NULL, &res);
	if (rc != PXT_OK)
		return rc;
	if (PQntuples(res) == 0)
		rc = pxt_seterr(PXT_ENOTFOUND, "column '%s' of '%s' has no embedding index",
		    column, t->path);
	else if (PQntuples(res) > 1)
		rc = pxt_seterr(PXT_EINVAL, "column '%s' of '%s' has several embedding "
		    "indexes", column, t->path);
	else
		rc = pxt_index_fill_first(res, ix);
	PQclear(res);
	return rc;
}

bool
pxt_vec_pgvector_available(pxt_env *env)
{
	PGresult *res = NULL;
	bool have;

	if (pxt_db_exec(env->db, "SELECT EXISTS (SELECT 1 FROM pg_available_extensions"
	    " WHERE name = 'vector')", 0, NULL, &res) != PXT_OK)
		return false;
	have = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	if (!have)
		return false;
	/* inside the caller's change: a savepoint keeps a refusal from aborting it */
	if (pxt_db_exec_once(env->db, "SAVEPOINT pxt_vector", 0, NULL, NULL) != PXT_OK)
		return false;
	if (pxt_db_exec_once(env->db, "CREATE EXTENSION IF NOT EXISTS vector", 0, NULL,
	    NULL) != PXT_OK) {
		pxt_db_exec_once(env->db, "ROLLBACK TO SAVEPOINT pxt_vector", 0, NULL, NULL);
		pxt_clearerr();
		return false;
	}
	pxt_db_exec_once(env->db, "RELEASE SAVEPOINT pxt_vector", 0, NULL, NULL);
	return true;
}
