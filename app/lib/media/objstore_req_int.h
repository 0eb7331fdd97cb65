/*
 * objstore_req_int.h - what the object-store files share (objstore.c, objstore_http.c,
 * objstore_sign.c); internal to libpxt.
 */
#ifndef PXT_OBJSTORE_INT_H
#define PXT_OBJSTORE_INT_H

#include <stdbool.h>
#include <time.h>

#include "pxt/buf.h"
#include "media/objstore_int.h"
#include "net/net_int.h"

/* The Azure REST version requests and SAS tokens are made for. */
#define PXT_AZ_SAS_VERSION "2020-12-06"

/* Lower-case hex SHA-256 of data. */
void pxt_obj_sha256_hex(const void *data, size_t len, char out[65]);

/*
 * pxt_obj_uri_encode appends s percent-encoded as SigV4 and Azure want it: every byte
 * but A-Z a-z 0-9 - _ . ~ (and '/' when keep_slash) as %XX in upper-case hex.
 */
void pxt_obj_uri_encode(pxt_buf *b, const char *s, bool keep_slash);

/*
 * pxt_az_sharedkey returns in *auth (pool memory) the Authorization header value
 * "SharedKey account:signature" for a request method on url_path (the encoded path
 * as sent, starting with '/'), with Content-Length length (NULL or "0": none),
 * Content-Type ctype (NULL: none) and ms_headers, the canonical x-ms- headers
 * ("x-ms-blob-type:BlockBlob\nx-ms-date:...\nx-ms-version:...\n"). PXT_ECONFIG for a
 * key that is not base64.
 */
pxt_err pxt_az_sharedkey(pxt_pool *pool, const char *account, const char *key_b64,
    const char *method, const char *url_path, const char *length, const char *ctype,
    const char *ms_headers, char **auth);

/*
 * pxt_az_service_sas returns in *query (pool memory) a service SAS token for one blob
 * ("sv=...&se=...&sr=b&sp=...&sig=..."), permissions perms ("r", "w", "d"), valid
 * until expiry, signed with the account key. PXT_ECONFIG for a key that is not base64.
 */
pxt_err pxt_az_service_sas(pxt_pool *pool, const char *account, const char *key_b64,
    const char *container, const char *blob, const char *perms, time_t expiry,
    char **query);

/*
 * pxt_obj_http sends a request to a store: req names the method ("PUT", "DELETE",
 * "HEAD"), the URL (signed in its query or not), shown (the URL for messages, no
 * query), the headers, body_path (PUT: the file to send) and timeout_ms; the rest is
 * filled in here (the endpoint is the operator's, so no address check). Returns the
 * HTTP status in *status (0 when there was no answer) and, for statuses >= 300, the
 * store's error code (S3 and Azure both answer XML with <Code>) in code (at most
 * codelen bytes, "" when none). PXT_OK whenever an answer came, whatever its status;
 * PXT_EUPSTREAM / PXT_ETIMEOUT when none came; PXT_ENOTFOUND / PXT_EIO for the
 * upload file.
 */
pxt_err pxt_obj_http(const struct pxt_net_req *req, long *status, char *code,
    size_t codelen);

#endif
