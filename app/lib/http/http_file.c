/*
 * http_file.c - return_fileresponse: answering with a media file itself rather than
 * JSON, shared by the table routes and the query routes, and the media type their
 * OpenAPI declares. nginx sends the file (X-Accel-Redirect to an internal location);
 * the worker only names it.
 */
#include <stdio.h>
#include <string.h>

#include "catalog/catalog_int.h"
#include "http/http_int.h"
#include "media/media_out_int.h"
#include "media/media_store_int.h"

/*
 * The X-Accel-Redirect location (*loc) of media value v of output name: a file of the
 * local media store under /_pxtc_media/, a URL (http(s) or an object store) through
 * the file cache (fetched now if need be) under /_pxtc_cache/; *path gets the local
 * file. Fails the request when v is neither or cannot be fetched.
 */
static pxt_err
pxt_file_location(pxt_req *req, const char *name, const char *v, const char **loc,
    const char **path)
{
	const char *dir = pxt_media_store_dir(), *local;
	char cache[4096];
	size_t n = dir ? strlen(dir) : 0;
	pxt_err rc;

	*path = v;
	if (n > 0 && strncmp(v, dir, n) == 0 && v[n] == '/' && strstr(v, "/../") == NULL)
		*loc = pxt_psprintf(req->pool, "/_pxtc_media/%s", v + n + 1);
	else if (strstr(v, "://") == NULL)
		return pxt_req_fail(req, PXT_EUNSUPPORTED, name, "the file of '%s' is not "
		    "in the local media store", name);
	else if ((rc = pxt_media_local(req->pool, v, &local)) != PXT_OK)
		return pxt_req_fail(req, rc, name, "'%s': %s", name, pxt_errmsg());
	else {
		/* leased until the request's pool goes, after nginx took the answer */
		snprintf(cache, sizeof(cache), "%s/file_cache/",
		    pxt_config_home(pxt_env_config(req->app->env)));
		n = strlen(cache);
		if (strncmp(local, cache, n) != 0)
			return pxt_req_fail(req, PXT_EINTERNAL, name, "'%s': %s is not in the "
			    "file cache", name, local);
		*path = local;
		*loc = pxt_psprintf(req->pool, "/_pxtc_cache/%s", local + n);
	}
	return *loc != NULL ? PXT_OK : PXT_ENOMEM;
}

pxt_err
pxt_file_send(pxt_req *req, const char *name, const char *value)
{
	const char *loc = NULL, *path;
	pxt_err rc;

	if (value == NULL)
		return pxt_req_fail(req, PXT_ENOTFOUND, name, "the row has no file to "
		    "answer with: '%s' is null", name);
	if ((rc = pxt_file_location(req, name, value, &loc, &path)) != PXT_OK)
		return rc;
	pxt_res_status(req, 200, pxt_media_type(path));
	pxt_res_header(req, "X-Accel-Redirect", loc);
	return PXT_OK;
}

pxt_type
pxt_file_route_type(const struct pxt_route *rt)
{
	const struct pxt_table_route *tr = rt->desc;
	const struct pxt_query_route *qr = rt->desc;
	pxt_type type = PXT_TYPE_NONE;

	if (rt->desc == NULL || rt->background)
		return PXT_TYPE_NONE;
	if ((rt->kind == PXT_ROUTE_INSERT || rt->kind == PXT_ROUTE_UPDATE ||
	    rt->kind == PXT_ROUTE_COMPUTE) &&
	    tr->fileresponse && pxt_file_column(tr) >= 0)
		type = tr->out->cols[pxt_file_column(tr)].type;
	else if (rt->kind == PXT_ROUTE_QUERY && qr->fileresponse)
		(void)pxt_q_file_output(qr->q, &type);
	return pxt_type_is_media(type) ? type : PXT_TYPE_NONE;
}
