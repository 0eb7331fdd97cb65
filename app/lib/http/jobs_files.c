/*
 * jobs_files.c - uploads on background routes. A multipart request to a background
 * table route is read at once, as the route itself reads it: each file is stored in
 * the input media destination and the form checked against the columns, so a refusal
 * is answered now (413, 415, 422) and leaves no file. The job is then queued with a
 * JSON body holding each stored file's reference, and the job owns those files
 * (pxt_catalog.jobs.files) until its row does: the runner clears the list in the
 * transaction that commits the row, and removes the files of a job that failed for
 * good or expired while still owning them. A file a committed row refers to is never
 * on the list.
 */
#include <string.h>

#include "catalog/catalog_int.h"
#include "http/http_int.h"
#include "http/multipart_int.h"
#include "media/media_store_int.h"

/* Whether the value of key in the form object came from a stored file part. */
static bool
pxt_job_is_file(const pxt_upload *u, const char *key)
{
	size_t n;
	const pxt_upload_file *f = pxt_upload_files(u, &n);

	/* a kept part is a moved one: pxt_form_object refuses a name given twice */
	for (size_t i = 0; i < n; i++)
		if (f[i].kept && strcmp(f[i].field, key) == 0)
			return true;
	return false;
}

void
pxt_job_discard(pxt_req *req)
{
	pxt_media_store_discard(req->pool);
	if (req->upload != NULL)
		pxt_upload_discard(req->upload);
}

pxt_err
pxt_job_form(pxt_req *req, const struct pxt_table_route *tr, char **body,
    char **files)
{
	pxt_buf b = PXT_BUF_INIT, f = PXT_BUF_INIT;
	const pxt_json *obj;
	pxt_jw w;
	int nfiles = 0;
	pxt_err rc;

	*body = *files = NULL;
	if ((rc = pxt_form_object(req, tr, &obj)) != PXT_OK ||
	    (rc = pxt_table_row_check(req, tr, obj)) != PXT_OK) {
		pxt_job_discard(req);
		return rc;
	}
	pxt_jw_init(&w, &b);
	pxt_jw_value(&w, obj);
	pxt_jw_init(&w, &f);
	pxt_jw_arr_begin(&w);
	for (size_t i = 0; i < obj->u.obj.n; i++) {
		const pxt_json *v = obj->u.obj.vals[i];
		const pxt_column *c = pxt_table_find_col(tr->t, obj->u.obj.keys[i]);

		/* a Binary column's file went into the body itself */
		if (c == NULL || !pxt_type_is_media(c->type) || v->type != PXT_JSON_STRING ||
		    !pxt_job_is_file(req->upload, obj->u.obj.keys[i]))
			continue;
		pxt_jw_str(&w, v->u.str.s, v->u.str.len);
		nfiles++;
	}
	pxt_jw_arr_end(&w);
	if (!b.failed && !f.failed) {
		*body = pxt_pstrdup(req->pool, pxt_buf_str(&b));
		*files = nfiles > 0 ? pxt_pstrdup(req->pool, pxt_buf_str(&f)) : NULL;
	}
	rc = *body == NULL || (nfiles > 0 && *files == NULL) ? PXT_ENOMEM : PXT_OK;
	pxt_buf_free(&b);
	pxt_buf_free(&f);
	if (rc != PXT_OK)
		pxt_job_discard(req);
	return rc;
}

/* Remove the files named in column 0 of res (those the media store owns). */
static void
pxt_job_unlink(const PGresult *res)
{
	pxt_pool *tmp = pxt_pool_new(0);

	if (tmp == NULL)
		return;
	for (int i = 0; i < PQntuples(res); i++)
		if (!PQgetisnull(res, i, 0))
			(void)pxt_media_store_release(tmp, PQgetvalue(res, i, 0));
	pxt_media_store_keep(tmp);	/* deletes what was released */
	pxt_pool_free(tmp);
}

pxt_err
pxt_job_files_drop(pxt_db *db, const char *id)
{
	const char *params[1] = {id};
	PGresult *res;
	pxt_err rc;

	rc = pxt_db_exec(db, "SELECT unnest(files) FROM pxt_catalog.jobs"
	    " WHERE id = $1::uuid AND status = 'failed'", 1, params, &res);
	if (rc != PXT_OK)
		return rc;
	/* removed first, forgotten after: a crash in between only repeats the removal */
	pxt_job_unlink(res);
	PQclear(res);
	return pxt_db_exec(db, "UPDATE pxt_catalog.jobs SET files = NULL"
	    " WHERE id = $1::uuid AND status = 'failed'", 1, params, NULL);
}

pxt_err
pxt_jobs_sweep(pxt_db *db, const char *ttl_s)
{
	const char *params[1] = {ttl_s};
	PGresult *res;
	pxt_err rc;

	rc = pxt_db_exec(db, "WITH d AS (DELETE FROM pxt_catalog.jobs WHERE status <>"
	    " 'queued' AND finished_at < now() - make_interval(secs =>"
	    " $1::double precision) RETURNING files) SELECT f FROM d, unnest(d.files) f",
	    1, params, &res);
	if (rc != PXT_OK)
		return rc;
	pxt_job_unlink(res);
	PQclear(res);
	return PXT_OK;
}
