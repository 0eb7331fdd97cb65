/*
 * media_dest.c - where generated media and uploads end up (see media_store_int.h): the
 * local media store, or an object store named by a destination URL ("s3://bucket/
 * prefix", "gs://...", "az://container/prefix") given per column (destination=) or
 * by [pixeltable] output_media_dest / input_media_dest.
 *
 * Files are always made locally first (under <store>/gen/ or <store>/uploads/);
 * pxt_media_place then uploads one whose destination is remote, under the same
 * relative name below the destination's prefix, and deletes the local copy. The
 * object belongs to the request's pool like a local file: deleted again unless the
 * transaction that references it commits.
 *
 * The remote destinations seen (configuration and columns) are remembered, so a URL
 * under one of them, below gen/ or uploads/, is known to be the store's own.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/log.h"
#include "media/media_store_int.h"
#include "media/objstore_int.h"

#define PXT_DEST_MAX 64

static const pxt_config *pxt_dest_cfg;
static pthread_mutex_t pxt_dest_lock = PTHREAD_MUTEX_INITIALIZER;
static char *pxt_dests[PXT_DEST_MAX];
static size_t pxt_ndests;

/* Whether dest means the local media store. */
static bool
pxt_dest_is_local(const char *dest)
{
	return dest == NULL || dest[0] == '\0' || strcmp(dest, "local") == 0;
}

pxt_err
pxt_media_dest_check(pxt_pool *pool, const char *dest, const char *what)
{
	static const char expected[] = "expected s3://bucket[/prefix], gs://bucket"
	    "[/prefix], az://container[/prefix], or \"local\" for the local media store";
	pxt_obj_loc loc;

	if (pxt_dest_is_local(dest))
		return PXT_OK;
	if (!pxt_obj_is_url(dest))
		return pxt_seterr(PXT_EINVAL, "%s '%.200s': %s", what, dest, expected);
	if (pxt_obj_parse(pool, dest, true, &loc) != PXT_OK)
		return pxt_seterr(PXT_EINVAL, "%s: %s", what, pxt_errmsg());
	return PXT_OK;
}

void
pxt_media_dest_note(const char *dest)
{
	size_t n;
	char *copy;

	if (pxt_dest_is_local(dest) || !pxt_obj_is_url(dest))
		return;
	n = strlen(dest);
	while (n > 0 && dest[n - 1] == '/')
		n--;
	pthread_mutex_lock(&pxt_dest_lock);
	for (size_t i = 0; i < pxt_ndests; i++)
		if (strlen(pxt_dests[i]) == n && strncmp(pxt_dests[i], dest, n) == 0) {
			pthread_mutex_unlock(&pxt_dest_lock);
			return;
		}
	if (pxt_ndests < PXT_DEST_MAX && (copy = strndup(dest, n)) != NULL)
		pxt_dests[pxt_ndests++] = copy;
	else
		pxt_log(PXT_LOG_WARN, "media destinations: more than %d, files under %.*s "
		    "are not removed with their rows", PXT_DEST_MAX, (int)n, dest);
	pthread_mutex_unlock(&pxt_dest_lock);
}

pxt_err
pxt_media_dest_config(const pxt_config *cfg)
{
	static const char *const keys[] = {"output_media_dest", "input_media_dest"};
	pxt_pool *pool = pxt_pool_new(1024);
	pxt_err rc = pool ? PXT_OK : PXT_ENOMEM;

	pxt_dest_cfg = cfg;
	for (size_t i = 0; rc == PXT_OK && i < 2; i++) {
		const char *d = pxt_config_str(cfg, "pixeltable", keys[i]);
		char what[64];

		snprintf(what, sizeof(what), "[pixeltable] %s", keys[i]);
		if ((rc = pxt_media_dest_check(pool, d, what)) != PXT_OK) {
			rc = pxt_seterr(PXT_ECONFIG, "%s", pxt_errmsg());
			break;
		}
		pxt_media_dest_note(d);
	}
	pxt_pool_free(pool);
	return rc;
}

const pxt_config *
pxt_media_dest_cfg(void)
{
	return pxt_dest_cfg;
}

bool
pxt_media_dest_owns(const char *url)
{
	bool owns = false;

	if (url == NULL || !pxt_obj_is_url(url) || strstr(url, "/../") != NULL)
		return false;
	pthread_mutex_lock(&pxt_dest_lock);
	for (size_t i = 0; i < pxt_ndests && !owns; i++) {
		size_t n = strlen(pxt_dests[i]);

		owns = strncmp(url, pxt_dests[i], n) == 0 && url[n] == '/' &&
		    (strncmp(url + n + 1, "gen/", 4) == 0 ||
		    strncmp(url + n + 1, "uploads/", 8) == 0);
	}
	pthread_mutex_unlock(&pxt_dest_lock);
	return owns;
}

pxt_err
pxt_media_place(pxt_pool *pool, const char *col_dest, pxt_media_role role,
    pxt_value *v)
{
	const char *dir = pxt_media_store_dir(), *dest = col_dest, *rel;
	char *path, *url;
	size_t n = dir ? strlen(dir) : 0;
	pxt_err rc;

	if (v->null || pxt_dest_cfg == NULL)
		return PXT_OK;
	if (pxt_dest_is_local(dest))
		dest = pxt_config_str(pxt_dest_cfg, "pixeltable", role == PXT_MEDIA_INPUT ?
		    "input_media_dest" : "output_media_dest");
	if (pxt_dest_is_local(dest))
		return PXT_OK;
	if ((path = pxt_pstrndup(pool, v->u.str.s, v->u.str.len)) == NULL)
		return PXT_ENOMEM;
	/* only files the store made move; a value the user gave stays as given */
	if (!pxt_media_store_owns(path) || pxt_obj_is_url(path))
		return PXT_OK;
	rel = path + n + 1;
	n = strlen(dest);
	while (n > 0 && dest[n - 1] == '/')
		n--;
	if ((url = pxt_psprintf(pool, "%.*s/%s", (int)n, dest, rel)) == NULL)
		return PXT_ENOMEM;
	pxt_media_dest_note(dest);
	if ((rc = pxt_obj_put_file(pxt_dest_cfg, pool, url, path, NULL)) != PXT_OK)
		return rc;
	/* the object is the pool's now; the local copy is no longer needed */
	if ((rc = pxt_media_store_record_remote(pool, url)) != PXT_OK) {
		pxt_obj_delete(pxt_dest_cfg, pool, url);
		return rc;
	}
	pxt_media_store_forget(pool, path);
	v->u.str.s = url;
	v->u.str.len = strlen(url);
	return PXT_OK;
}
