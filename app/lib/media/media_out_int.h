/*
 * media_out_int.h - how media values leave the API: a file in the local media store
 * becomes a signed, expiring /media/... URL nginx checks itself (internal to libpxt).
 */
#ifndef PXT_MEDIA_OUT_H
#define PXT_MEDIA_OUT_H

#include <stddef.h>

#include "pxt/json.h"

/* Set the secret and lifetime of the URLs (a copy is kept; NULL: no signing). */
void pxt_media_sign_set(const char *secret, long ttl_s);

/*
 * pxt_media_write_json writes the media value path: a signed /media/ URL when it lies
 * in the local media store and signing is set, else the value as it is.
 */
void pxt_media_write_json(pxt_jw *w, const char *path, size_t len);

/* pxt_media_type returns the Content-Type of a media file by its extension (static). */
const char *pxt_media_type(const char *path);

#endif
