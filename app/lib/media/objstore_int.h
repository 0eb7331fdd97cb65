/*
 * objstore_int.h - media in object stores: S3 and S3-compatible stores (AWS SigV4),
 * Google Cloud Storage through its S3-compatible XML API (HMAC keys, SigV4), and Azure
 * Blob storage (SharedKey or a SAS token); internal to libpxt and pxtc's programs.
 *
 * An object is named by a URL: s3://bucket/key, gs://bucket/key, az://container/blob,
 * or https://<account>.blob.core.windows.net/container/blob. Where the requests go
 * and with which credentials comes from the configuration only:
 *
 *   [s3]    access_key_id, secret_access_key, session_token, region (us-east-1),
 *           endpoint (unset: https://<bucket>.s3.<region>.amazonaws.com; set, for
 *           MinIO, R2, B2 or a local server: path-style <endpoint>/<bucket>/<key>)
 *   [gcs]   access_key_id, secret (HMAC keys), endpoint
 *           (https://storage.googleapis.com), path-style, region "auto"
 *   [azure] account_name, account_key (SharedKey) or sas_token, endpoint
 *           (https://<account>.blob.core.windows.net)
 *
 * The AWS names (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
 * AWS_REGION, AWS_ENDPOINT_URL) stand in for unset [s3] keys. The endpoint is the
 * operator's choice, so requests to it are not subject to fetch_allow_private.
 * Secrets never appear in messages: URLs are shown without their query.
 */
#ifndef PXT_OBJSTORE_H
#define PXT_OBJSTORE_H

#include <stdbool.h>
#include <stddef.h>

#include "pxt/config.h"
#include "pxt/error.h"
#include "pxt/pool.h"

typedef enum pxt_obj_kind {
	PXT_OBJ_S3,
	PXT_OBJ_GCS,
	PXT_OBJ_AZURE,
} pxt_obj_kind;

/* A parsed object URL; the strings are in the pool the parse was given. */
typedef struct pxt_obj_loc {
	pxt_obj_kind kind;
	const char *bucket;	/* bucket, or Azure container */
	const char *key;	/* object key / blob name without a leading '/'; may be "" */
	const char *account;	/* Azure account from an https URL, else NULL */
} pxt_obj_loc;

/*
 * pxt_obj_is_url tells whether s names an object in a store: s3://, gs://, az://,
 * or an https URL on *.blob.core.windows.net. Never fails.
 */
bool pxt_obj_is_url(const char *s);

/*
 * pxt_obj_parse splits url into *loc (strings in pool). PXT_EINVAL, naming the URL
 * and the rule broken, for an unknown scheme, a bucket name outside the store's rules
 * (S3/GCS: 3 to 63 of a-z 0-9 . -; Azure: 3 to 63 of a-z 0-9 -), a key with "..",
 * "//", control characters or over 1024 bytes; allow_empty_key permits a URL naming
 * a bucket or prefix only (a destination).
 */
pxt_err pxt_obj_parse(pxt_pool *pool, const char *url, bool allow_empty_key,
    pxt_obj_loc *loc);

/*
 * pxt_obj_check_config tells whether the configuration has what requests to objects
 * of kind need (credentials; Azure also an account). PXT_ECONFIG, naming the keys
 * and their environment variables, when it does not.
 */
pxt_err pxt_obj_check_config(const pxt_config *cfg, pxt_obj_kind kind);

/*
 * pxt_obj_put_file uploads the local file path as the object url, whole, with
 * Content-Type content_type (NULL: by the extension). The store makes the object
 * visible only once complete, so no reader ever sees half of it. PXT_ECONFIG for
 * missing credentials, PXT_ENOTFOUND / PXT_EIO for the local file, PXT_EUPSTREAM
 * (the store's status and error code in the message) when the store refuses,
 * PXT_ETIMEOUT past [server] request_timeout_s.
 */
pxt_err pxt_obj_put_file(const pxt_config *cfg, pxt_pool *pool, const char *url,
    const char *path, const char *content_type);

/*
 * pxt_obj_delete removes the object url; an object already gone is PXT_OK. Errors as
 * pxt_obj_put_file.
 */
pxt_err pxt_obj_delete(const pxt_config *cfg, pxt_pool *pool, const char *url);

/*
 * pxt_obj_presign returns in *out (pool memory) an https (or the endpoint's http)
 * URL that lets whoever holds it do method ("GET", "PUT" or "DELETE") on the object
 * url for ttl_s seconds (1 .. 604800) without credentials: S3/GCS SigV4 query
 * signing, Azure a service SAS signed with the account key, or the configured SAS
 * token when there is no key. PXT_ECONFIG for missing credentials, PXT_EINVAL for a
 * bad ttl or method.
 */
pxt_err pxt_obj_presign(const pxt_config *cfg, pxt_pool *pool, const char *url,
    const char *method, long ttl_s, char **out);

/*
 * pxt_obj_get_file downloads the object url into the new file dest_tmp (as
 * pxt_fetch_url does: streamed, at most max_bytes, nothing left on failure; the
 * endpoint's address is not checked). PXT_ENOTFOUND when the store has no such
 * object; otherwise the errors of pxt_fetch_url.
 */
pxt_err pxt_obj_get_file(const pxt_config *cfg, pxt_pool *pool, const char *url,
    const char *dest_tmp, size_t max_bytes);

/* ---- signing (objstore_sign.c), exposed for the tests ---------------------- */

/*
 * pxt_sigv4_presign builds a SigV4 query-signed URL for method on
 * <base_url><path> (path starting with '/', already URI-encoded as S3 wants it)
 * at the time amz_date ("20130524T000000Z"), valid expires_s seconds, for service
 * "s3" in region, signing only the host header. session_token may be NULL. The URL
 * is written to *out (pool memory). PXT_ENOMEM / PXT_EINVAL (bad base URL).
 */
pxt_err pxt_sigv4_presign(pxt_pool *pool, const char *method, const char *base_url,
    const char *path, const char *region, const char *access_key,
    const char *secret_key, const char *session_token, const char *amz_date,
    long expires_s, char **out);

#endif
