/*
 * media_out_int.h - how media values leave the API: a file in the local media store
 * becomes a signed, expiring /media/... URL nginx checks itself, another local file a
 * file:// URL (internal to libpxt).
 */
#ifndef PXT_MEDIA_OUT_H
#define PXT_MEDIA_OUT_H

#include <stddef.h>

#include "pxt/json.h"

/* Set the secret and lifetime of the URLs (a copy is kept; NULL: no signing). */
void pxt_media_sign_set(const char *secret, long ttl_s);

/*
 * pxt_media_base_set sets the scheme and host of the request being answered
 * ("https://example.org"), which the signed URLs pxt_media_write_json writes start
 * with, until it is called again; NULL (a jobs runner, the CLI, no request): relative
 * /media/ URLs. Not copied: base must live until it is reset. Per thread.
 */
void pxt_media_base_set(const char *base);

/*
 * pxt_media_write_json writes the media value path: a signed /media/ URL (absolute
 * when a base is set) when it lies in the local media store and signing is set; a
 * file:// URL for another absolute local path (a reference to a file left where it
 * is); a presigned URL for an object the store put in an object store; else the value
 * (a URL) as it is.
 */
void pxt_media_write_json(pxt_jw *w, const char *path, size_t len);

/*
 * pxt_media_file_url returns the file:// URL of the absolute local path, its bytes
 * percent-encoded as a URL path needs, in pool memory; NULL with PXT_EINVAL for a path
 * not starting with '/', PXT_ENOMEM.
 */
char *pxt_media_file_url(pxt_pool *pool, const char *path);

/* pxt_media_type returns the Content-Type of a media file by its extension (static). */
const char *pxt_media_type(const char *path);

#endif
