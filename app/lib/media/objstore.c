/*
 * objstore.c - object URLs, where their requests go, and the operations on objects
 * (see objstore_int.h): upload, delete, download through the fetch path, presigned URLs.
 *
 * Every S3 and GCS request is a SigV4 presigned URL (objstore_sign.c), so one signing
 * routine serves the API's links and pxtc's own requests. Azure requests carry a
 * SharedKey Authorization header when an account key is configured, else the SAS
 * token; downloads and links use a service SAS made with the key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "pxt/buf.h"
#include "media/file_cache_int.h"
#include "media/media_out_int.h"
#include "media/objstore_req_int.h"

#define PXT_OBJ_OP_TTL 900	/* seconds pxtc's own signed requests stay valid */
#define PXT_AZ_HOST_SUFFIX ".blob.core.windows.net"

/* Where one object's requests go and with which credentials (pool memory). */
struct pxt_obj_target {
	pxt_obj_loc loc;
	const char *base;	/* "https://host[:port][/path]" without a trailing '/' */
	const char *path;	/* "/bucket/key" or "/key", encoded */
	const char *region;	/* S3/GCS */
	const char *access_key, *secret, *token;	/* S3/GCS */
	const char *account, *account_key, *sas;	/* Azure */
	long timeout_s;
};

/* A config value, else the environment variable env (may be NULL), else NULL. */
static const char *
pxt_obj_conf(const pxt_config *cfg, const char *section, const char *key,
    const char *env)
{
	const char *v = pxt_config_str(cfg, section, key);

	if ((v == NULL || v[0] == '\0') && env != NULL)
		v = getenv(env);
	return v != NULL && v[0] != '\0' ? v : NULL;
}

pxt_err
pxt_obj_check_config(const pxt_config *cfg, pxt_obj_kind kind)
{
	switch (kind) {
	case PXT_OBJ_S3:
		if (pxt_obj_conf(cfg, "s3", "access_key_id", "AWS_ACCESS_KEY_ID") == NULL ||
		    pxt_obj_conf(cfg, "s3", "secret_access_key", "AWS_SECRET_ACCESS_KEY") ==
		    NULL)
			return pxt_seterr(PXT_ECONFIG, "S3 media needs credentials: set [s3] "
			    "access_key_id and secret_access_key (S3_ACCESS_KEY_ID and "
			    "S3_SECRET_ACCESS_KEY, or AWS_ACCESS_KEY_ID and "
			    "AWS_SECRET_ACCESS_KEY)");
		return PXT_OK;
	case PXT_OBJ_GCS:
		if (pxt_obj_conf(cfg, "gcs", "access_key_id", NULL) == NULL ||
		    pxt_obj_conf(cfg, "gcs", "secret", NULL) == NULL)
			return pxt_seterr(PXT_ECONFIG, "GCS media needs HMAC keys: set [gcs] "
			    "access_key_id and secret (GCS_ACCESS_KEY_ID and GCS_SECRET)");
		return PXT_OK;
	case PXT_OBJ_AZURE:
		if (pxt_obj_conf(cfg, "azure", "account_name", NULL) == NULL ||
		    (pxt_obj_conf(cfg, "azure", "account_key", NULL) == NULL &&
		    pxt_obj_conf(cfg, "azure", "sas_token", NULL) == NULL))
			return pxt_seterr(PXT_ECONFIG, "Azure media needs an account and a key "
			    "or SAS token: set [azure] account_name and account_key or "
			    "sas_token (AZURE_ACCOUNT_NAME, AZURE_ACCOUNT_KEY, "
			    "AZURE_SAS_TOKEN)");
		return PXT_OK;
	}
	return pxt_seterr(PXT_EINTERNAL, "unknown object store kind %d", (int)kind);
}

/* s without trailing '/' characters, in pool. */
static char *
pxt_obj_trim(pxt_pool *pool, const char *s)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '/')
		n--;
	return pxt_pstrndup(pool, s, n);
}

/* Fills t->base and t->path for an S3 or GCS object. */
static pxt_err
pxt_obj_target_s3(const pxt_config *cfg, pxt_pool *pool, struct pxt_obj_target *t)
{
	bool gcs = t->loc.kind == PXT_OBJ_GCS;
	const char *ep = gcs ? pxt_obj_conf(cfg, "gcs", "endpoint", NULL) :
	    pxt_obj_conf(cfg, "s3", "endpoint", "AWS_ENDPOINT_URL");
	pxt_buf p = PXT_BUF_INIT;
	bool path_style = ep != NULL || strchr(t->loc.bucket, '.') != NULL;

	t->region = gcs ? "auto" : pxt_obj_conf(cfg, "s3", "region", NULL);
	if (!gcs && (pxt_config_source(cfg, "s3", "region", pool) == NULL ||
	    strcmp(pxt_config_source(cfg, "s3", "region", pool), "default") == 0) &&
	    getenv("AWS_REGION") != NULL && getenv("AWS_REGION")[0])
		t->region = getenv("AWS_REGION");
	if (t->region == NULL)
		t->region = "us-east-1";
	t->access_key = gcs ? pxt_obj_conf(cfg, "gcs", "access_key_id", NULL) :
	    pxt_obj_conf(cfg, "s3", "access_key_id", "AWS_ACCESS_KEY_ID");
	t->secret = gcs ? pxt_obj_conf(cfg, "gcs", "secret", NULL) :
	    pxt_obj_conf(cfg, "s3", "secret_access_key", "AWS_SECRET_ACCESS_KEY");
	t->token = gcs ? NULL : pxt_obj_conf(cfg, "s3", "session_token",
	    "AWS_SESSION_TOKEN");
	if (ep != NULL && strncmp(ep, "http://", 7) != 0 && strncmp(ep, "https://", 8) != 0)
		return pxt_seterr(PXT_ECONFIG, "[%s] endpoint '%s' must be an http:// or "
		    "https:// URL", gcs ? "gcs" : "s3", ep);
	if (ep != NULL)
		t->base = pxt_obj_trim(pool, ep);
	else if (path_style)
		t->base = pxt_psprintf(pool, "https://s3.%s.amazonaws.com", t->region);
	else
		t->base = pxt_psprintf(pool, "https://%s.s3.%s.amazonaws.com",
		    t->loc.bucket, t->region);
	if (path_style)
		pxt_buf_addf(&p, "/%s", t->loc.bucket);
	pxt_buf_addc(&p, '/');
	pxt_obj_uri_encode(&p, t->loc.key, true);
	t->path = p.failed ? NULL : pxt_pstrdup(pool, pxt_buf_str(&p));
	pxt_buf_free(&p);
	return t->base && t->path ? PXT_OK : pxt_seterr(PXT_ENOMEM, "out of memory");
}

/* Fills t->base and t->path for an Azure blob. */
static pxt_err
pxt_obj_target_az(const pxt_config *cfg, pxt_pool *pool, struct pxt_obj_target *t)
{
	const char *ep = pxt_obj_conf(cfg, "azure", "endpoint", NULL);
	pxt_buf p = PXT_BUF_INIT;

	t->account = pxt_obj_conf(cfg, "azure", "account_name", NULL);
	t->account_key = pxt_obj_conf(cfg, "azure", "account_key", NULL);
	t->sas = pxt_obj_conf(cfg, "azure", "sas_token", NULL);
	if (t->sas != NULL && t->sas[0] == '?')
		t->sas++;
	if (t->loc.account != NULL && (t->account == NULL ||
	    strcmp(t->loc.account, t->account) != 0))
		return pxt_seterr(PXT_ECONFIG, "no credentials for the Azure account '%s' "
		    "([azure] account_name is '%s')", t->loc.account,
		    t->account ? t->account : "unset");
	if (ep != NULL && strncmp(ep, "http://", 7) != 0 && strncmp(ep, "https://", 8) != 0)
		return pxt_seterr(PXT_ECONFIG, "[azure] endpoint '%s' must be an http:// "
		    "or https:// URL", ep);
	t->base = ep ? pxt_obj_trim(pool, ep) : pxt_psprintf(pool, "https://%s%s",
	    t->account, PXT_AZ_HOST_SUFFIX);
	pxt_buf_addf(&p, "/%s/", t->loc.bucket);
	pxt_obj_uri_encode(&p, t->loc.key, true);
	t->path = p.failed ? NULL : pxt_pstrdup(pool, pxt_buf_str(&p));
	pxt_buf_free(&p);
	return t->base && t->path ? PXT_OK : pxt_seterr(PXT_ENOMEM, "out of memory");
}

/* Parses url and resolves where its requests go; PXT_ECONFIG without credentials. */
static pxt_err
pxt_obj_target(const pxt_config *cfg, pxt_pool *pool, const char *url,
    struct pxt_obj_target *t)
{
	pxt_err rc;

	memset(t, 0, sizeof(*t));
	if ((rc = pxt_obj_parse(pool, url, false, &t->loc)) != PXT_OK ||
	    (rc = pxt_obj_check_config(cfg, t->loc.kind)) != PXT_OK)
		return rc;
	t->timeout_s = (long)pxt_config_int(cfg, "server", "request_timeout_s");
	return t->loc.kind == PXT_OBJ_AZURE ? pxt_obj_target_az(cfg, pool, t) :
	    pxt_obj_target_s3(cfg, pool, t);
}

/* A SigV4 presigned URL for method on t, valid ttl_s seconds from now. */
static pxt_err
pxt_obj_sign_s3(pxt_pool *pool, const struct pxt_obj_target *t, const char *method,
    long ttl_s, char **out)
{
	char amz_date[17];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(amz_date, sizeof(amz_date), "%Y%m%dT%H%M%SZ", &tm);
	return pxt_sigv4_presign(pool, method, t->base, t->path, t->region, t->access_key,
	    t->secret, t->token, amz_date, ttl_s, out);
}

/* The Azure URL for t with a SAS for perms valid ttl_s (key), or the configured SAS. */
static pxt_err
pxt_obj_sign_az(pxt_pool *pool, const struct pxt_obj_target *t, const char *perms,
    long ttl_s, char **out)
{
	char *q;
	pxt_err rc;

	if (t->account_key == NULL) {
		*out = pxt_psprintf(pool, "%s%s?%s", t->base, t->path, t->sas);
		return *out ? PXT_OK : pxt_seterr(PXT_ENOMEM, "out of memory");
	}
	if ((rc = pxt_az_service_sas(pool, t->account, t->account_key, t->loc.bucket,
	    t->loc.key, perms, time(NULL) + ttl_s, &q)) != PXT_OK)
		return rc;
	*out = pxt_psprintf(pool, "%s%s?%s", t->base, t->path, q);
	return *out ? PXT_OK : pxt_seterr(PXT_ENOMEM, "out of memory");
}

pxt_err
pxt_obj_presign(const pxt_config *cfg, pxt_pool *pool, const char *url,
    const char *method, long ttl_s, char **out)
{
	struct pxt_obj_target t;
	const char *perms;
	pxt_err rc;

	if (strcmp(method, "GET") == 0)
		perms = "r";
	else if (strcmp(method, "PUT") == 0)
		perms = "cw";
	else if (strcmp(method, "DELETE") == 0)
		perms = "d";
	else
		return pxt_seterr(PXT_EINVAL, "cannot presign the method '%s' (GET, PUT or "
		    "DELETE)", method);
	if (ttl_s < 1 || ttl_s > 604800)
		return pxt_seterr(PXT_EINVAL, "a presigned URL lives 1 to 604800 seconds, "
		    "not %ld", ttl_s);
	if ((rc = pxt_obj_target(cfg, pool, url, &t)) != PXT_OK)
		return rc;
	return t.loc.kind == PXT_OBJ_AZURE ? pxt_obj_sign_az(pool, &t, perms, ttl_s, out) :
	    pxt_obj_sign_s3(pool, &t, method, ttl_s, out);
}

/* Adds the Azure headers of a request (and SharedKey when there is a key). */
static pxt_err
pxt_obj_az_headers(pxt_pool *pool, const struct pxt_obj_target *t, const char *method,
    const char *length, const char *ctype, struct pxt_net_req *r)
{
	char date[64], *ms, *auth;
	time_t now = time(NULL);
	struct tm tm;
	bool put = strcmp(method, "PUT") == 0;
	const char *pathpart = strchr(t->base + 8, '/');
	pxt_err rc;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	ms = pxt_psprintf(pool, "%sx-ms-date:%s\nx-ms-version:%s\n", put ?
	    "x-ms-blob-type:BlockBlob\n" : "", date, PXT_AZ_SAS_VERSION);
	if (ms == NULL)
		return pxt_seterr(PXT_ENOMEM, "out of memory");
	if ((rc = pxt_net_header(pool, r, "x-ms-date", date)) != PXT_OK ||
	    (rc = pxt_net_header(pool, r, "x-ms-version", PXT_AZ_SAS_VERSION)) != PXT_OK ||
	    (put && (rc = pxt_net_header(pool, r, "x-ms-blob-type", "BlockBlob")) !=
	    PXT_OK))
		return rc;
	if (t->account_key == NULL)
		return PXT_OK;
	if ((rc = pxt_az_sharedkey(pool, t->account, t->account_key, method,
	    pxt_psprintf(pool, "%s%s", pathpart ? pathpart : "", t->path), length, ctype,
	    ms, &auth)) != PXT_OK)
		return rc;
	return pxt_net_header(pool, r, "Authorization", auth);
}

/* The URL a PUT or DELETE of t is sent to, and its headers. */
static pxt_err
pxt_obj_prepare(pxt_pool *pool, const struct pxt_obj_target *t, const char *method,
    const char *length, const char *ctype, struct pxt_net_req *r)
{
	char *url = NULL;
	pxt_err rc;

	if (t->loc.kind != PXT_OBJ_AZURE) {
		rc = pxt_obj_sign_s3(pool, t, method, PXT_OBJ_OP_TTL, &url);
		r->url = url;
		return rc;
	}
	r->url = t->account_key ? pxt_psprintf(pool, "%s%s", t->base, t->path) :
	    pxt_psprintf(pool, "%s%s?%s", t->base, t->path, t->sas);
	if (r->url == NULL)
		return pxt_seterr(PXT_ENOMEM, "out of memory");
	return pxt_obj_az_headers(pool, t, method, length, ctype, r);
}

/* Sends method to the object url; *status the answer, code the store's error code. */
static pxt_err
pxt_obj_call(const pxt_config *cfg, pxt_pool *pool, const char *url, const char *method,
    const char *upload, const char *ctype, long *status, char *code, size_t codelen)
{
	struct pxt_obj_target t;
	struct pxt_net_req req = {.method = method, .shown = url, .body_path = upload};
	struct stat st;
	char len[32] = "0";
	pxt_err rc;

	if ((rc = pxt_obj_target(cfg, pool, url, &t)) != PXT_OK)
		return rc;
	if (upload != NULL && stat(upload, &st) != 0)
		return pxt_seterr(PXT_ENOTFOUND, "cannot upload %s to %s: no such file",
		    upload, url);
	if (upload != NULL)
		snprintf(len, sizeof(len), "%lld", (long long)st.st_size);
	req.timeout_ms = t.timeout_s * 1000;
	/* "Expect: " with an empty value is how libcurl is told not to send it */
	if (upload != NULL && ((rc = pxt_net_header(pool, &req, "Content-Type", ctype)) !=
	    PXT_OK || (rc = pxt_net_header(pool, &req, "Expect", "")) != PXT_OK))
		return rc;
	if ((rc = pxt_obj_prepare(pool, &t, method, len, upload ? ctype : NULL, &req)) !=
	    PXT_OK)
		return rc;
	return pxt_obj_http(&req, status, code, codelen);
}

/* The error for a store's refusal of method on url. */
static pxt_err
pxt_obj_refused(const char *method, const char *url, long status, const char *code)
{
	return pxt_seterr(PXT_EUPSTREAM, "the object store refused %s %s: HTTP %ld%s%s",
	    method, url, status, code[0] ? " " : "", code);
}

pxt_err
pxt_obj_put_file(const pxt_config *cfg, pxt_pool *pool, const char *url,
    const char *path, const char *content_type)
{
	char code[160];
	long status;
	pxt_err rc;

	if (content_type == NULL)
		content_type = pxt_media_type(path);
	rc = pxt_obj_call(cfg, pool, url, "PUT", path, content_type, &status, code,
	    sizeof(code));
	if (rc == PXT_OK && (status < 200 || status > 299))
		rc = pxt_obj_refused("PUT", url, status, code);
	return rc;
}

pxt_err
pxt_obj_delete(const pxt_config *cfg, pxt_pool *pool, const char *url)
{
	char code[160];
	long status;
	pxt_err rc = pxt_obj_call(cfg, pool, url, "DELETE", NULL, NULL, &status, code,
	    sizeof(code));

	if (rc == PXT_OK && status != 404 && (status < 200 || status > 299))
		rc = pxt_obj_refused("DELETE", url, status, code);
	return rc;
}

pxt_err
pxt_obj_get_file(const pxt_config *cfg, pxt_pool *pool, const char *url,
    const char *dest_tmp, size_t max_bytes)
{
	struct pxt_fetch_opts o = {.trusted = true};
	long status = 0;
	char *signed_url;
	pxt_err rc;

	if ((rc = pxt_obj_presign(cfg, pool, url, "GET", PXT_OBJ_OP_TTL, &signed_url)) !=
	    PXT_OK)
		return rc;
	o.status = &status;
	o.timeout_s = (long)pxt_config_int(cfg, "server", "request_timeout_s");
	rc = pxt_fetch_url(cfg, signed_url, dest_tmp, max_bytes, &o);
	if (rc == PXT_EUPSTREAM && status == 404)
		return pxt_seterr(PXT_ENOTFOUND, "the object store has no object %s", url);
	if (rc != PXT_OK)
		return pxt_seterr(rc, "%s (%s)", pxt_errmsg(), url);
	return PXT_OK;
}
