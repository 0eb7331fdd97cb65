/*
 * jobs.c - background jobs. A route declared with background = true answers 200
 * {"id", "job_url"} at once (job_url absolute: {prefix}/_pxt/jobs/{id}) and leaves
 * its request in pxt_catalog.jobs; a jobs runner
 * (pxtc-worker --jobs, beside the workers) waits on LISTEN pxt_jobs, claims a job with
 * a session advisory lock (so a dead runner's job is free again the moment its
 * connection closes), records the attempt, and runs the route's handler inside one
 * transaction with the job's result: the job's writes and its "done" commit together,
 * so a job whose runner dies is retried (up to [jobs] max_attempts) and finishes
 * exactly once. GET on the job_url answers {"status": "pending" | "done" | "error",
 * "result", "error", "error_detail"} as Pixeltable's serving does (and the older
 * GET /jobs/{id} the same); finished jobs are removed after [jobs] ttl_s. A multipart
 * request's files are stored before the job is queued (jobs_files.c): the job owns
 * them until its row does.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pxt/log.h"
#include "catalog/catalog_int.h"
#include "http/http_int.h"
#include "engine/write_int.h"

#define PXT_JOB_LOCK_CLASS "1886942308"	/* advisory lock class of jobs */
#define PXT_JOB_IDLE_MS 2000		/* wake up to retry abandoned jobs */
#define PXT_JOB_CANDIDATES 16
#define PXT_JOBS_PATH "/_pxt/jobs"	/* under the service prefix */
#define PXT_XSTR(x) #x
#define PXT_STR(x) PXT_XSTR(x)

/* Fail req with rc after deleting the files stored for its job (never queued). */
static pxt_err
pxt_job_unqueued(pxt_req *req, pxt_err rc)
{
	pxt_job_discard(req);
	return rc;
}

pxt_err
pxt_job_enqueue(pxt_req *req, const struct pxt_route *rt)
{
	const char *params[6] = {req->method_name, req->path, req->query, NULL, NULL,
	    NULL};
	pxt_db *db = pxt_env_db(req->app->env);
	const char *key = pxt_req_header(req, "Idempotency-Key");
	const char *base = pxt_req_base_url(req);
	const pxt_json *body;
	bool replayed = false;
	char *url;
	PGresult *res;
	pxt_jw *w;
	pxt_err rc;

	/* a form is read now, its files stored: the job's body names them */
	if (req->upload != NULL) {
		if (rt->desc == NULL || (rt->kind != PXT_ROUTE_INSERT && rt->kind !=
		    PXT_ROUTE_UPDATE && rt->kind != PXT_ROUTE_DELETE))
			return pxt_req_fail(req, PXT_EMEDIATYPE, "Content-Type", "%s %s takes "
			    "no multipart/form-data", req->method_name, rt->pattern);
		if ((rc = pxt_job_form(req, rt->desc, (char **)&params[3],
		    (char **)&params[4])) != PXT_OK)
			return rc;
	/* a malformed body is refused now, not when the job runs */
	} else if (req->method == PXT_POST) {
		if ((rc = pxt_req_json(req, &body)) != PXT_OK)
			return rc;
		if ((params[3] = pxt_pstrndup(req->pool, req->body, req->body_len)) == NULL)
			return PXT_ENOMEM;
	}
	if (base == NULL)
		return pxt_job_unqueued(req, PXT_ENOMEM);
	/*
	 * the same Idempotency-Key again answers the first answer: one job, not two (and
	 * the files this request stored go)
	 */
	if (key != NULL) {
		if ((rc = pxt_db_begin(db)) != PXT_OK ||
		    (rc = pxt_idem_claim(req, db, key, &replayed)) != PXT_OK)
			return pxt_job_unqueued(req, rc);
		if (replayed) {
			pxt_db_rollback(db);
			pxt_job_discard(req);
			return PXT_OK;
		}
	}
	params[5] = base;
	rc = pxt_db_exec(db, "WITH j AS (INSERT INTO pxt_catalog.jobs (method, path,"
	    " query, body, files, base_url) VALUES ($1, $2, $3, $4, (SELECT array_agg(f)"
	    " FROM jsonb_array_elements_text($5::jsonb) f), $6) RETURNING id)"
	    " SELECT id, pg_notify('pxt_jobs', id::text) FROM j", 6, params, &res);
	if (rc != PXT_OK)
		return pxt_job_unqueued(req, pxt_req_fail(req, rc, NULL, "cannot queue the "
		    "job: %s", pxt_errmsg()));
	url = pxt_psprintf(req->pool, "%s%s" PXT_JOBS_PATH "/%s", base,
	    rt->prefix ? rt->prefix : "", PQgetvalue(res, 0, 0));
	w = pxt_res_json(req, 200);
	pxt_jw_obj_begin(w);
	pxt_jw_key(w, "id");
	pxt_jw_cstr(w, PQgetvalue(res, 0, 0));
	pxt_jw_key(w, "job_url");
	pxt_jw_cstr(w, url);
	pxt_jw_obj_end(w);
	if (url != NULL)
		pxt_res_header(req, "Location", url);
	PQclear(res);
	if (key != NULL && (rc = pxt_idem_finish(req, db, key)) != PXT_OK)
		return pxt_job_unqueued(req, rc);
	/* queued: the job owns its files now (pxt_catalog.jobs files) */
	pxt_media_gen_settle(req->pool, true);
	pxt_req_committed(req);
	return PXT_OK;
}

/* The "detail" object of a stored error body, or NULL when it has none. */
static const pxt_json *
pxt_job_detail(pxt_pool *pool, const char *text, size_t len)
{
	pxt_json *root;
	const pxt_json *d;

	if (pxt_json_parse(pool, text, len, PXT_JSON_MAX_DEPTH, &root) != PXT_OK ||
	    root->type != PXT_JSON_OBJECT)
		return NULL;
	d = pxt_json_get(root, "detail");
	return d != NULL && d->type == PXT_JSON_OBJECT ? d : NULL;
}

pxt_err
pxt_job_status(pxt_req *req, void *ud)
{
	const char *id = pxt_req_param(req, "id");
	const char *params[1] = {id};
	const pxt_json *detail = NULL, *msg = NULL;
	PGresult *res;
	pxt_jw *w;
	pxt_err rc;
	const char *status;

	(void)ud;
	if (id == NULL || strlen(id) != 36 || strspn(id, "0123456789abcdefABCDEF-") != 36)
		return pxt_req_fail(req, PXT_ENOTFOUND, "id", "no job '%.64s'", id ? id : "");
	rc = pxt_db_exec(pxt_env_db(req->app->env), "SELECT status, http_status, result,"
	    " error FROM pxt_catalog.jobs WHERE id = $1::uuid", 1, params, &res);
	if (rc != PXT_OK)
		return pxt_req_fail(req, rc, NULL, "%s", pxt_errmsg());
	if (PQntuples(res) == 0) {
		PQclear(res);
		return pxt_req_fail(req, PXT_ENOTFOUND, "id", "no job '%s' (finished jobs "
		    "are kept [jobs] ttl_s seconds)", id);
	}
	status = PQgetvalue(res, 0, 0);
	status = strcmp(status, "done") == 0 ? "done" : strcmp(status, "failed") == 0 ?
	    "error" : "pending";
	if (!PQgetisnull(res, 0, 3)) {
		detail = pxt_job_detail(req->pool, PQgetvalue(res, 0, 3),
		    (size_t)PQgetlength(res, 0, 3));
		msg = detail ? pxt_json_get(detail, "message") : NULL;
	}
	w = pxt_res_json(req, 200);
	pxt_jw_obj_begin(w);
	pxt_jw_key(w, "id");
	pxt_jw_cstr(w, id);
	pxt_jw_key(w, "status");
	pxt_jw_cstr(w, status);
	pxt_jw_key(w, "result");
	if (PQgetisnull(res, 0, 2))
		pxt_jw_null(w);
	else
		pxt_jw_raw(w, PQgetvalue(res, 0, 2), (size_t)PQgetlength(res, 0, 2));
	pxt_jw_key(w, "error");
	if (msg != NULL && msg->type == PXT_JSON_STRING)
		pxt_jw_str(w, msg->u.str.s, msg->u.str.len);
	else if (strcmp(status, "error") == 0)
		pxt_jw_cstr(w, "the job failed");
	else
		pxt_jw_null(w);
	pxt_jw_key(w, "error_detail");
	if (detail != NULL)
		pxt_jw_value(w, detail);
	else
		pxt_jw_null(w);
	pxt_jw_key(w, "http_status");
	if (PQgetisnull(res, 0, 1))
		pxt_jw_null(w);
	else
		pxt_jw_int(w, atoi(PQgetvalue(res, 0, 1)));
	pxt_jw_obj_end(w);
	PQclear(res);
	return PXT_OK;
}

pxt_err
pxt_job_route_add(pxt_router *r, bool public_route)
{
	pxt_app *app = r->app;
	char *pattern = pxt_psprintf(app->pool, "%s" PXT_JOBS_PATH "/{id}", r->prefix);
	pxt_err rc;

	if (pattern == NULL || app->nroutes == 0)
		return pxt_seterr(PXT_ENOMEM, "out of memory adding a background route");
	app->routes[app->nroutes - 1].background = true;
	for (int i = 0; i < app->nroutes; i++) {
		if (app->routes[i].fn == pxt_job_status &&
		    strcmp(app->routes[i].pattern, pattern) == 0) {
			app->routes[i].public_route |= public_route;
			return PXT_OK;
		}
	}
	if ((rc = pxt_add_route(r, PXT_GET, PXT_JOBS_PATH "/{id}", pxt_job_status,
	    NULL)) != PXT_OK)
		return rc;
	app->routes[app->nroutes - 1].public_route = public_route;
	return PXT_OK;
}

/* The scheme and host a job was asked on ("" for a job queued before they were kept). */
struct pxt_job_origin {
	const char *proto, *host;
};

/*
 * A job's request sees its Content-Type, and the scheme and host it was asked on as
 * X-Forwarded-Proto and X-Forwarded-Host, so its answer's media URLs are absolute as
 * the synchronous route's are.
 */
static const char *
pxt_job_param(void *ctx, const char *name)
{
	const struct pxt_job_origin *o = ctx;

	if (strcmp(name, "CONTENT_TYPE") == 0)
		return "application/json";
	if (strcmp(name, "HTTP_X_FORWARDED_PROTO") == 0 && *o->host != '\0')
		return o->proto;
	if (strcmp(name, "HTTP_X_FORWARDED_HOST") == 0 && *o->host != '\0')
		return o->host;
	return NULL;
}

/* Split base ("https://host:port", or NULL) into o, in pool. */
static void
pxt_job_origin(pxt_pool *pool, const char *base, struct pxt_job_origin *o)
{
	const char *sep = base ? strstr(base, "://") : NULL;

	o->proto = o->host = "";
	if (sep != NULL && (o->proto = pxt_pstrndup(pool, base, (size_t)(sep - base))) !=
	    NULL)
		o->host = sep + 3;
	if (o->proto == NULL)
		o->proto = o->host = "";
}

/* Claim one queued job: *id set (in pool) when this runner got one. */
static pxt_err
pxt_job_claim(pxt_db *db, pxt_pool *pool, char **id, int *attempts)
{
	PGresult *res, *lk;
	pxt_err rc;

	*id = NULL;
	rc = pxt_db_exec(db, "SELECT id, (SELECT count(*) FROM pxt_catalog.job_attempts a"
	    " WHERE a.job_id = j.id) FROM pxt_catalog.jobs j WHERE status = 'queued'"
	    " ORDER BY created_at LIMIT " PXT_STR(PXT_JOB_CANDIDATES), 0, NULL, &res);
	if (rc != PXT_OK)
		return rc;
	for (int i = 0; i < PQntuples(res) && *id == NULL; i++) {
		const char *params[1] = {PQgetvalue(res, i, 0)};

		rc = pxt_db_exec(db, "SELECT pg_try_advisory_lock(" PXT_JOB_LOCK_CLASS ","
		    " hashtext($1))", 1, params, &lk);
		if (rc != PXT_OK)
			break;
		if (PQgetvalue(lk, 0, 0)[0] == 't') {
			*id = pxt_pstrdup(pool, params[0]);
			*attempts = atoi(PQgetvalue(res, i, 1));
		}
		PQclear(lk);
	}
	PQclear(res);
	return rc;
}

static void
pxt_job_unlock(pxt_db *db, const char *id)
{
	const char *params[1] = {id};

	pxt_db_exec(db, "SELECT pg_advisory_unlock(" PXT_JOB_LOCK_CLASS ", hashtext($1))",
	    1, params, NULL);
}

/* Run the claimed job id in one transaction with its outcome. */
static pxt_err
pxt_job_execute(pxt_app *app, pxt_pool *pool, const char *id)
{
	pxt_db *db = pxt_env_db(app->env);
	const char *params[5] = {id, NULL, NULL, NULL, NULL};
	struct pxt_job_origin origin;
	const char *out;
	size_t outlen;
	PGresult *res;
	pxt_req *req;
	int status;
	pxt_err rc;

	if ((rc = pxt_db_begin(db)) != PXT_OK)
		return rc;
	rc = pxt_db_exec(db, "SELECT method, path, query, body, base_url FROM"
	    " pxt_catalog.jobs WHERE id = $1::uuid AND status = 'queued' FOR UPDATE", 1,
	    params, &res);
	if (rc != PXT_OK || PQntuples(res) == 0) {	/* finished meanwhile */
		PQclear(res);
		pxt_db_rollback(db);
		return rc;
	}
	pxt_job_origin(pool, PQgetisnull(res, 0, 4) ? NULL : pxt_pstrdup(pool,
	    PQgetvalue(res, 0, 4)), &origin);
	req = pxt_req_new(app, pool, pxt_pstrdup(pool, PQgetvalue(res, 0, 0)),
	    pxt_pstrdup(pool, PQgetvalue(res, 0, 1)), PQgetisnull(res, 0, 2) ? NULL :
	    pxt_pstrdup(pool, PQgetvalue(res, 0, 2)), PQgetisnull(res, 0, 3) ? NULL :
	    pxt_pstrdup(pool, PQgetvalue(res, 0, 3)), (size_t)PQgetlength(res, 0, 3),
	    false, pxt_job_param, &origin);
	PQclear(res);
	if (req == NULL || (rc = pxt_db_exec_once(db, "SAVEPOINT pxt_job", 0, NULL,
	    NULL)) != PXT_OK) {
		pxt_db_rollback(db);
		return req == NULL ? PXT_ENOMEM : rc;
	}
	req->in_job = true;
	app->run_job(app, req);
	status = pxt_res_get_status(req);
	out = pxt_res_get_body(req, &outlen);
	/* a database outage is retried later; any other failure is the job's answer */
	if (status == 503) {
		pxt_req_free(req);
		pxt_db_rollback(db);
		return PXT_EUNAVAIL;
	}
	if (status >= 400)
		pxt_db_exec_once(db, "ROLLBACK TO SAVEPOINT pxt_job", 0, NULL, NULL);
	params[1] = status < 400 ? "done" : "failed";
	params[2] = pxt_psprintf(pool, "%d", status);
	params[3] = status < 400 ? pxt_pstrndup(pool, out, outlen) : NULL;
	params[4] = status < 400 ? NULL : pxt_pstrndup(pool, out, outlen);
	/* done: the uploads the job stored belong to its row from this commit on */
	rc = pxt_db_exec(db, "UPDATE pxt_catalog.jobs SET status = $2, http_status = $3,"
	    " result = $4, error = $5, finished_at = clock_timestamp(), files = CASE"
	    " WHEN $2 = 'done' THEN NULL ELSE files END WHERE id = $1::uuid", 5, params,
	    NULL);
	if (rc == PXT_OK)
		rc = pxt_db_commit(db);
	else
		pxt_db_rollback(db);
	/* the media of a rolled-back answer went with it */
	pxt_media_gen_settle(pool, rc == PXT_OK && status < 400);
	pxt_log(rc == PXT_OK ? PXT_LOG_INFO : PXT_LOG_WARN, "job %s: %s %s -> %d%s", id,
	    req->method_name, req->path, status, rc == PXT_OK ? "" : " (not recorded)");
	pxt_req_free(req);
	/* failed for good: no row refers to its uploads */
	if (rc == PXT_OK && status >= 400)
		rc = pxt_job_files_drop(db, id);
	return rc;
}

/* Claim and run one job; *ran tells whether there was one. */
static pxt_err
pxt_job_once(pxt_app *app, pxt_pool *pool, int max_attempts, bool *ran)
{
	pxt_db *db = pxt_env_db(app->env);
	char *id, pidbuf[16];
	int attempts;
	pxt_err rc;

	*ran = false;
	if ((rc = pxt_job_claim(db, pool, &id, &attempts)) != PXT_OK || id == NULL)
		return rc;
	*ran = true;
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)getpid());
	if (attempts >= max_attempts) {
		const char *params[2] = {id, pxt_psprintf(pool, "{\"detail\": {\"error_code\":"
		    " \"internal_error\", \"message\": \"the job was started %d times and its"
		    " runner never finished it\", \"retryable\": false, \"cause\": null,"
		    " \"retry_after\": null}}", attempts)};

		rc = pxt_db_exec(db, "UPDATE pxt_catalog.jobs SET status = 'failed',"
		    " http_status = 500, error = $2, finished_at = now() WHERE id = $1::uuid"
		    " AND status = 'queued'", 2, params, NULL);
		pxt_log(PXT_LOG_WARN, "job %s: given up after %d attempts", id, attempts);
		if (rc == PXT_OK)
			rc = pxt_job_files_drop(db, id);
	} else {
		const char *params[2] = {id, pidbuf};

		/* the attempt is recorded first: it counts even if this process dies */
		rc = pxt_db_exec(db, "INSERT INTO pxt_catalog.job_attempts (job_id, runner)"
		    " VALUES ($1::uuid, $2::integer)", 2, params, NULL);
		if (rc == PXT_OK)
			rc = pxt_job_execute(app, pool, id);
	}
	pxt_job_unlock(db, id);
	return rc;
}

/*
 * Wait for a NOTIFY (or the idle timeout, or a signal) unless one already came:
 * pxt_app_sync reads the notifications, reloading on pxt_catalog and marking
 * jobs_pending on pxt_jobs, so nothing is dropped here.
 */
static void
pxt_job_wait(pxt_app *app)
{
	PGconn *conn = pxt_db_conn(pxt_env_db(app->env));
	struct pollfd pfd = {PQsocket(conn), POLLIN, 0};

	if (pxt_app_sync(app) != PXT_OK || app->jobs_pending)
		return;
	if (pfd.fd >= 0)
		(void)poll(&pfd, 1, PXT_JOB_IDLE_MS);
}

pxt_err
pxt_jobs_serve(pxt_app *app, volatile sig_atomic_t *stop)
{
	const pxt_config *cfg = pxt_env_config(app->env);
	int max_attempts = (int)pxt_config_int(cfg, "jobs", "max_attempts");
	char ttl[32];
	pxt_db *db = pxt_env_db(app->env);
	pxt_pool *pool = pxt_pool_new(0);
	bool ran;
	pxt_err rc;

	if (pool == NULL)
		return PXT_ENOMEM;
	snprintf(ttl, sizeof(ttl), "%lld", (long long)pxt_config_int(cfg, "jobs", "ttl_s"));
	pxt_log(PXT_LOG_INFO, "jobs runner ready (%d attempts per job)", max_attempts);
	app->job_runner = true;
	app->listening = false;	/* LISTEN pxt_jobs as well, from the next sync */
	while (!*stop) {
		pxt_clearerr();
		app->jobs_pending = false;
		if (pxt_app_sync(app) != PXT_OK ||
		    (rc = pxt_job_once(app, pool, max_attempts, &ran)) != PXT_OK) {
			pxt_log(PXT_LOG_WARN, "jobs runner: %s", pxt_errmsg());
			if (pxt_db_in_tx(db))
				pxt_db_rollback(db);
			ran = false;
		}
		pxt_pool_reset(pool);
		if (ran)
			continue;
		(void)pxt_jobs_sweep(db, ttl);
		if (!*stop)
			pxt_job_wait(app);
	}
	pxt_pool_free(pool);
	pxt_log(PXT_LOG_INFO, "jobs runner exiting");
	return PXT_OK;
}
