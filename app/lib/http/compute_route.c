/*
 * compute_route.c - compute routes (pxt_add_compute_route, see pxt/router.h): the
 * insert route's pipeline run for its answer only. The row is inserted with its
 * computed columns and its views' rows in a transaction (a savepoint inside a
 * background job's), the rows answered are read back, and the transaction is rolled
 * back: nothing reaches the table, its views or its indexes, and no concurrent reader
 * ever sees the row. Media the computed columns generate are made under the media
 * store's compute/ folder, which no row owns: they stay after the answer, so the
 * client can fetch the URLs it got, and pxt_compute_sweep removes them once
 * [server] media_url_ttl_s (the lifetime of those URLs) has passed. Uploaded input
 * files go to the same folder and are removed after the answer unless an output
 * carries them.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pxt/log.h"
#include "catalog/catalog_int.h"
#include "engine/value_int.h"
#include "engine/write_int.h"
#include "http/export_sql_int.h"
#include "http/http_int.h"
#include "media/media_store_int.h"

#define PXT_COMPUTE_AREA "compute"

/* Open the transaction the computation is undone with: a savepoint inside a job's. */
static pxt_err
pxt_compute_begin(pxt_db *db, bool outer)
{
	if (outer)
		return pxt_db_exec_once(db, "SAVEPOINT pxt_compute", 0, NULL, NULL);
	return pxt_db_begin(db);
}

/* Undo everything the computation wrote, keeping the error message of rc. */
static pxt_err
pxt_compute_undo(pxt_req *req, pxt_db *db, bool outer, pxt_err rc)
{
	char *msg = rc != PXT_OK ? pxt_pstrdup(req->pool, pxt_errmsg()) : NULL;
	pxt_err urc = PXT_OK;

	if (outer) {
		urc = pxt_db_exec_once(db, "ROLLBACK TO SAVEPOINT pxt_compute; "
		    "RELEASE SAVEPOINT pxt_compute", 0, NULL, NULL);
	} else {
		urc = pxt_db_rollback(db);
	}
	if (rc != PXT_OK)
		return pxt_seterr(rc, "%s", msg != NULL ? msg : pxt_strerror(rc));
	return urc;
}

/*
 * Insert r (its defaults made and columns computed here) and read the answered rows:
 * the inserted row itself, or the rows of the view tr->out made from it (in the
 * order its iterator gave them). *first is the result column of the 1st output.
 */
static pxt_err
pxt_compute_rows(pxt_req *req, const struct pxt_table_route *tr, pxt_wrow *r,
    PGresult **res, int *first)
{
	char *out = pxt_outputs_sql(req, tr), *now = NULL, *sql, id[32];
	const char *params[1] = {id};
	bool view = tr->out != tr->t;
	PGresult *ins = NULL;
	pxt_err rc;

	*res = NULL;
	*first = view ? 0 : 1;
	if (out == NULL)
		return PXT_ENOMEM;
	if ((rc = pxt_wrow_defaults(tr->t, req->pool, r, tr->now, &now)) != PXT_OK ||
	    (rc = pxt_wrow_compute(tr->t, req->pool, r, NULL)) != PXT_OK ||
	    (rc = pxt_write_insert(tr->t, req->pool, r, 1, !view && *out ? out : NULL,
	    &ins)) != PXT_OK)
		return rc;
	if (!view) {
		*res = ins;
		return PXT_OK;
	}
	PQclear(ins);
	snprintf(id, sizeof(id), "%lld", (long long)r->rowid);
	if ((sql = pxt_psprintf(req->pool, "SELECT %s FROM %s WHERE \"_pxt_base\" = "
	    "$1::bigint ORDER BY \"_pxt_rowid\"", out, tr->out->storage_sql)) == NULL)
		return PXT_ENOMEM;
	return pxt_db_exec(pxt_env_db(pxt_req_env(req)), sql, 1, params, res);
}

/*
 * After the answer: the uploaded files no output carries are removed now; what stays
 * (generated media, uploads answered) is left to pxt_compute_sweep.
 */
static void
pxt_compute_settle(pxt_req *req, const struct pxt_table_route *tr, const pxt_wrow *r)
{
	for (int i = 0; i < tr->t->ncols; i++) {
		const pxt_column *c = &tr->t->cols[i];
		const pxt_column *o = pxt_table_find_col(tr->out, c->name);
		char *path;

		if (!r->given[i] || r->v[i].null || !pxt_in_list(tr->uploads, c->name) ||
		    (o != NULL && pxt_is_output(tr, o)))
			continue;
		if ((path = pxt_pstrndup(req->pool, r->v[i].u.str.s, r->v[i].u.str.len)) !=
		    NULL)
			pxt_media_store_forget(req->pool, path);
	}
	pxt_media_store_keep(req->pool);
}

/* Answer the rows of res as a JSON array, or return_fileresponse's one file. */
static pxt_err
pxt_compute_answer(pxt_req *req, const struct pxt_table_route *tr, PGresult *res,
    int first)
{
	int n = PQntuples(res);
	pxt_jw *w;

	if (tr->fileresponse && n == 0)
		return pxt_req_fail(req, PXT_ENOTFOUND, NULL, "the computation gave no row "
		    "of '%s' (its view's iterator yielded none), so no file to answer "
		    "with", tr->out->path);
	if (tr->fileresponse && n > 1)
		return pxt_req_fail(req, PXT_ECONFLICT, NULL, "the computation gave %d rows "
		    "of '%s': return_fileresponse answers the file of exactly one", n,
		    tr->out->path);
	if (tr->fileresponse)
		return pxt_file_answer(req, tr, res, first);
	w = pxt_res_json(req, 200);
	pxt_jw_arr_begin(w);
	for (int i = 0; i < n; i++)
		pxt_value_write_row_at(w, tr->out, pxt_is_output, tr, res, i, first);
	pxt_jw_arr_end(w);
	return PXT_OK;
}

pxt_err
pxt_compute_run(pxt_req *req, const struct pxt_table_route *tr, struct pxt_wrow *r)
{
	pxt_db *db = pxt_env_db(pxt_req_env(req));
	/* run by the jobs runner: a savepoint inside its transaction */
	bool outer = req->in_job && pxt_db_in_tx(db);
	PGresult *res = NULL;
	int first = 0;
	pxt_err rc;

	if ((rc = pxt_media_store_area(req->pool, PXT_COMPUTE_AREA)) != PXT_OK)
		return rc;
	if ((rc = pxt_compute_begin(db, outer)) != PXT_OK)
		return pxt_req_fail(req, rc, NULL, "%s", pxt_errmsg());
	rc = pxt_compute_rows(req, tr, r, &res, &first);
	/* whatever happened, nothing stays: the files go with the pool on failure */
	if ((rc = pxt_compute_undo(req, db, outer, rc)) != PXT_OK) {
		PQclear(res);
		return rc;	/* the message (and cause) are set */
	}
	rc = pxt_compute_answer(req, tr, res, first);
	PQclear(res);
	if (rc != PXT_OK)
		return rc;
	pxt_compute_settle(req, tr, r);
	pxt_compute_sweep((long)pxt_config_int(pxt_env_config(pxt_req_env(req)), "server",
	    "media_url_ttl_s"));
	/* export_sql: every row answered */
	return tr->export != NULL ? pxt_export_row(req, tr->export) : PXT_OK;
}

/* Remove the files below dir (depth levels of folders) last changed before cutoff. */
static void
pxt_compute_sweep_dir(const char *dir, time_t cutoff, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096];
	struct stat st;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    sizeof(path) || lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth > 0)
			pxt_compute_sweep_dir(path, cutoff, depth - 1);
		else if (S_ISREG(st.st_mode) && st.st_mtime < cutoff && unlink(path) != 0 &&
		    errno != ENOENT)
			pxt_log(PXT_LOG_WARN, "compute media sweep: cannot remove %s: %s",
			    path, strerror(errno));
	}
	closedir(d);
}

void
pxt_compute_sweep(long ttl_s)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static time_t last;
	const char *store = pxt_media_store_dir();
	time_t now = time(NULL);
	char dir[4096];
	bool due;

	if (store == NULL || ttl_s <= 0)
		return;
	pthread_mutex_lock(&lock);
	due = last == 0 || now - last >= (ttl_s / 4 > 0 ? ttl_s / 4 : 1);
	if (due)
		last = now;
	pthread_mutex_unlock(&lock);
	if (!due || (size_t)snprintf(dir, sizeof(dir), "%s/%s", store, PXT_COMPUTE_AREA) >=
	    sizeof(dir))
		return;
	/* compute/<2 hex>/<file> (generated) and compute/<file> (uploads) */
	pxt_compute_sweep_dir(dir, now - ttl_s, 1);
}
