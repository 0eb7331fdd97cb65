/*
 * search_sync.c - keeping the exact back-end's index file of an embedding index
 * current (see pxt_vsync in search_int.h).
 *
 * The file ($PIXELTABLE_HOME/index/<database>-<index id>.pxv, vindex.c) is shared by
 * every process of the machine. A trigger logs each write of the embedding column
 * into pxt_catalog.vec_log with its transaction id. The file's mark is a transaction
 * horizon X: every change made by a transaction below X is in the file. Bringing it up
 * to date reads, in one statement (one snapshot), the horizon now and the current
 * vectors of the rows logged at or above X, applies them (an upsert of the row's
 * vector, or a removal when the row or its vector is gone: the same result however
 * often it is done) and moves the mark to the new horizon. Log entries older than ten
 * minutes are pruned now and then; a file whose mark is below what was pruned is
 * built again from the table, as is a missing or unusable one.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pxt/log.h"
#include "pxt/os.h"
#include "search/search_int.h"
#include "search/vindex_int.h"

#define PXT_VSYNC_BATCH 2000
#define PXT_VSYNC_PRUNE_EVERY 256

/* An open index file of this process. */
struct pxt_vopen {
	struct pxt_vopen *next;
	int64_t id;
	char path[PATH_MAX];
	pxt_vindex *ix;
};

static pthread_mutex_t pxt_vopen_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pxt_vopen *pxt_vopens;
static unsigned pxt_vsync_count;

/* The database's identity for file names: system identifier and database oid. */
static pxt_err
pxt_vsync_dbid(pxt_env *env, char *out, size_t outlen)
{
	PGresult *res;
	/* pg_control_system may be the superuser's only: then the catalog's own oid */
	pxt_err rc = pxt_db_exec(env->db, "SELECT CASE WHEN has_function_privilege("
	    "'pg_control_system()', 'execute') THEN (SELECT system_identifier::text FROM"
	    " pg_control_system()) ELSE 'c' || 'pxt_catalog.state'::regclass::oid::text END"
	    " || '-' || (SELECT oid FROM pg_database WHERE datname = current_database())"
	    "::text", 0, NULL, &res);

	if (rc != PXT_OK)
		return rc;
	snprintf(out, outlen, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return PXT_OK;
}

/* The path of index id's file, its folder made. */
static pxt_err
pxt_vsync_path(pxt_env *env, int64_t id, char *path, size_t pathlen)
{
	char dir[PATH_MAX], dbid[96];
	pxt_err rc;

	if ((rc = pxt_vsync_dbid(env, dbid, sizeof(dbid))) != PXT_OK)
		return rc;
	snprintf(dir, sizeof(dir), "%s/index", pxt_config_home(env->cfg));
	if ((rc = pxt_mkdir_p(dir, 0750)) != PXT_OK)
		return rc;
	if (snprintf(path, pathlen, "%s/%s-%lld.pxv", dir, dbid, (long long)id) >=
	    (int)pathlen)
		return pxt_seterr(PXT_EINVAL, "index file path too long under %s", dir);
	return PXT_OK;
}

/* The process's handle of index id's file, opened (made, or made again) if need be. */
static pxt_err
pxt_vsync_open(pxt_env *env, const struct pxt_index_info *info, pxt_vindex **ix)
{
	struct pxt_vopen *o;
	char path[PATH_MAX];
	pxt_err rc;

	pthread_mutex_lock(&pxt_vopen_lock);
	for (o = pxt_vopens; o != NULL && o->id != info->id; o = o->next)
		;
	pthread_mutex_unlock(&pxt_vopen_lock);
	if (o != NULL) {
		*ix = o->ix;
		return PXT_OK;
	}
	if ((rc = pxt_vsync_path(env, info->id, path, sizeof(path))) != PXT_OK)
		return rc;
	rc = pxt_vindex_open(path, info->dim, (pxt_metric)info->metric, ix);
	if (rc == PXT_ECONFLICT) {
		/* another format, dimension or metric, or torn: made again from the table */
		pxt_log(PXT_LOG_WARN, "index file %s is unusable (%s); rebuilding it", path,
		    pxt_errmsg());
		unlink(path);
		rc = pxt_vindex_open(path, info->dim, (pxt_metric)info->metric, ix);
	}
	if (rc != PXT_OK)
		return rc;
	if ((o = calloc(1, sizeof(*o))) == NULL) {
		pxt_vindex_close(*ix);
		return pxt_seterr(PXT_ENOMEM, "out of memory opening %s", path);
	}
	o->id = info->id;
	o->ix = *ix;
	snprintf(o->path, sizeof(o->path), "%s", path);
	pthread_mutex_lock(&pxt_vopen_lock);
	o->next = pxt_vopens;
	pxt_vopens = o;
	pthread_mutex_unlock(&pxt_vopen_lock);
	return PXT_OK;
}

void
pxt_vsync_forget(pxt_env *env, int64_t id)
{
	struct pxt_vopen **pp, *o = NULL;
	char path[PATH_MAX];

	pthread_mutex_lock(&pxt_vopen_lock);
	for (pp = &pxt_vopens; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->id == id) {
			o = *pp;
			*pp = o->next;
			break;
		}
	pthread_mutex_unlock(&pxt_vopen_lock);
	if (o != NULL) {
		pxt_vindex_close(o->ix);
		free(o);
	}
	if (pxt_vsync_path(env, id, path, sizeof(path)) == PXT_OK)
		unlink(path);
	pxt_clearerr();
}

/* Applies row r of res (rowid in column c, the vector text in c + 1) to ix. */
static pxt_err
pxt_vsync_apply(pxt_vindex *ix, PGresult *res, int r, int c, int dim, float *buf)
{
	int64_t rowid = strtoll(PQgetvalue(res, r, c), NULL, 10);
	pxt_err rc;

	if (PQgetisnull(res, r, c + 1))
		return pxt_vindex_remove(ix, rowid);
	rc = pxt_vec_text_floats(PQgetvalue(res, r, c + 1),
	    (size_t)PQgetlength(res, r, c + 1), buf, dim);
	if (rc == PXT_EINVAL) {
		/* a vector of another length cannot be searched: left out, logged */
		pxt_log(PXT_LOG_WARN, "row %lld left out of an embedding index: %s",
		    (long long)rowid, pxt_errmsg());
		return pxt_vindex_remove(ix, rowid);
	}
	return rc == PXT_OK ? pxt_vindex_upsert(ix, rowid, buf) : rc;
}

/* Builds ix from every row of t; the caller holds the exclusive lock. */
static pxt_err
pxt_vsync_build(pxt_table *t, const struct pxt_index_info *info, pxt_vindex *ix,
    float *buf)
{
	char sql[512], after[32] = "0", *xmin = NULL;
	const char *params[1] = {after};
	PGresult *res;
	pxt_err rc;
	int n;

	/* the horizon first: whatever commits after it is in the log at or above it */
	if ((rc = pxt_db_exec(t->env->db, "SELECT txid_snapshot_xmin("
	    "txid_current_snapshot())", 0, NULL, &res)) != PXT_OK)
		return rc;
	xmin = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (xmin == NULL || (rc = pxt_vindex_clear(ix)) != PXT_OK)
		goto out;
	snprintf(sql, sizeof(sql), "SELECT \"_pxt_rowid\", \"%s\" FROM %s WHERE"
	    " \"_pxt_rowid\" > $1 AND \"%s\" IS NOT NULL ORDER BY \"_pxt_rowid\" LIMIT %d",
	    info->storage, t->storage_sql, info->storage, PXT_VSYNC_BATCH);
	do {
		if ((rc = pxt_db_exec(t->env->db, sql, 1, params, &res)) != PXT_OK)
			goto out;
		n = PQntuples(res);
		for (int r = 0; rc == PXT_OK && r < n; r++)
			rc = pxt_vsync_apply(ix, res, r, 0, info->dim, buf);
		if (n > 0)
			snprintf(after, sizeof(after), "%s", PQgetvalue(res, n - 1, 0));
		PQclear(res);
	} while (rc == PXT_OK && n == PXT_VSYNC_BATCH);
	if (rc == PXT_OK)
		rc = pxt_vindex_set_mark(ix, strtoull(xmin, NULL, 10));
out:
	free(xmin);
	return xmin == NULL && rc == PXT_OK ? PXT_ENOMEM : rc;
}

/*
 * Reads the horizon and the logged rows at or above mark with their vectors, in one
 * statement: *res (row 0 always there; rowid NULL when nothing is logged; column 4
 * tells whether this session's own transaction, not yet committed, logged some).
 */
static pxt_err
pxt_vsync_changes(pxt_table *t, const struct pxt_index_info *info, uint64_t mark,
    PGresult **res)
{
	char sql[1024], sid[32], smark[32];
	const char *params[2] = {sid, smark};

	snprintf(sid, sizeof(sid), "%lld", (long long)info->id);
	snprintf(smark, sizeof(smark), "%llu", (unsigned long long)mark);
	snprintf(sql, sizeof(sql), "SELECT x.h, (SELECT coalesce(max(upto), 0) FROM"
	    " pxt_catalog.vec_pruned WHERE index_id = $1), c.rowid, c.v, EXISTS (SELECT 1"
	    " FROM pxt_catalog.vec_log WHERE index_id = $1 AND txid ="
	    " txid_current_if_assigned()) FROM (SELECT"
	    " txid_snapshot_xmin(txid_current_snapshot()) AS h) x LEFT JOIN (SELECT DISTINCT"
	    " l.rowid, e.\"%s\"::text AS v FROM pxt_catalog.vec_log l LEFT JOIN %s e ON"
	    " e.\"_pxt_rowid\" = l.rowid WHERE l.index_id = $1 AND l.txid >= $2::bigint) c"
	    " ON true", info->storage, t->storage_sql);
	return pxt_db_exec(t->env->db, sql, 2, params, res);
}

/* Now and then: log entries older than ten minutes go, the horizon they reach kept. */
static void
pxt_vsync_prune(pxt_table *t, int64_t id)
{
	char sid[32];
	const char *params[1] = {sid};

	if (++pxt_vsync_count % PXT_VSYNC_PRUNE_EVERY != 0)
		return;
	snprintf(sid, sizeof(sid), "%lld", (long long)id);
	if (pxt_db_exec(t->env->db, "WITH d AS (DELETE FROM pxt_catalog.vec_log WHERE"
	    " index_id = $1 AND at < now() - interval '10 minutes' RETURNING txid)"
	    " INSERT INTO pxt_catalog.vec_pruned (index_id, upto) SELECT $1, max(txid) + 1"
	    " FROM d HAVING count(*) > 0 ON CONFLICT (index_id) DO UPDATE SET upto ="
	    " greatest(pxt_catalog.vec_pruned.upto, excluded.upto)", 1, params, NULL) !=
	    PXT_OK) {
		pxt_log(PXT_LOG_WARN, "pruning the change log of index %lld: %s",
		    (long long)id, pxt_errmsg());
		pxt_clearerr();
	}
}

/* Applies the changes in res (from pxt_vsync_changes) under the exclusive lock. */
static pxt_err
pxt_vsync_catch_up(pxt_vindex *ix, PGresult *res, int dim, float *buf)
{
	pxt_err rc = PXT_OK;

	for (int r = 0; rc == PXT_OK && r < PQntuples(res); r++)
		if (!PQgetisnull(res, r, 2))
			rc = pxt_vsync_apply(ix, res, r, 2, dim, buf);
	if (rc == PXT_OK)
		rc = pxt_vindex_set_mark(ix, strtoull(PQgetvalue(res, 0, 0), NULL, 10));
	return rc;
}

/* Brings ix up to date; the caller holds no lock. */
static pxt_err
pxt_vsync_run(pxt_table *t, const struct pxt_index_info *info, pxt_vindex *ix,
    float *buf)
{
	uint64_t mark = pxt_vindex_mark(ix), h, pruned;
	PGresult *res = NULL;
	bool own;
	pxt_err rc;

	/* a file to build reads no log: the table is read instead */
	if ((rc = pxt_vsync_changes(t, info, mark == 0 ? (uint64_t)INT64_MAX : mark,
	    &res)) != PXT_OK)
		return rc;
	h = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
	pruned = strtoull(PQgetvalue(res, 0, 1), NULL, 10);
	own = PQgetvalue(res, 0, 4)[0] == 't';
	/* nothing logged at or above the mark and the horizon where it was: current */
	if (mark != 0 && mark > pruned && PQgetisnull(res, 0, 2) && h == mark) {
		PQclear(res);
		return PXT_OK;
	}
	if ((rc = pxt_vindex_lock(ix, true)) != PXT_OK) {
		PQclear(res);
		return rc;
	}
	/* another process may have done it while this one waited */
	if (pxt_vindex_mark(ix) != mark) {
		PQclear(res);
		pxt_vindex_unlock(ix);
		return pxt_vsync_run(t, info, ix, buf);
	}
	if (mark == 0 || mark <= pruned)
		rc = pxt_vsync_build(t, info, ix, buf);
	else
		rc = pxt_vsync_catch_up(ix, res, info->dim, buf);
	/*
	 * This session's transaction saw its own changes, which may yet roll back: the
	 * file is left for the next sync (of any process) to build again from what
	 * committed.
	 */
	if (rc == PXT_OK && own)
		rc = pxt_vindex_set_mark(ix, 0);
	PQclear(res);
	pxt_vindex_unlock(ix);
	return rc;
}

pxt_err
pxt_vsync(pxt_table *t, const struct pxt_index_info *info, pxt_vindex **out)
{
	float *buf;
	pxt_err rc;

	if ((rc = pxt_vsync_open(t->env, info, out)) != PXT_OK)
		return rc;
	if ((buf = malloc(sizeof(float) * (size_t)info->dim)) == NULL)
		return pxt_seterr(PXT_ENOMEM, "out of memory syncing an index");
	rc = pxt_vsync_run(t, info, *out, buf);
	free(buf);
	if (rc == PXT_OK)
		pxt_vsync_prune(t, info->id);
	return rc;
}
