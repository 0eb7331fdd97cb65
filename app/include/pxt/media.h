/*
 * pxt/media.h - signed, expiring /media/ URLs for files of the local media store, in the
 * form nginx's secure_link checks itself (nginx.conf.example), so serving them needs no
 * worker:
 *
 *   /media/PATH?exp=EPOCH&sig=SIG
 *   SIG = base64url, unpadded, of MD5(EPOCH + "/media/PATH" + " " + secret)
 *
 * PATH is relative to $PIXELTABLE_HOME/media; the hash is over the decoded URI (nginx's
 * $uri), the link carries it percent-encoded.
 */
#ifndef PXT_MEDIA_H
#define PXT_MEDIA_H

#include "pxt/api.h"

#include <time.h>

#include "pxt/config.h"
#include "pxt/error.h"
#include "pxt/pool.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * pxt_media_secret returns the URL-signing secret: [server] media_url_secret, else the
 * one the stack generated into $PIXELTABLE_HOME/run/media_url_secret. In pool memory;
 * NULL with PXT_ENOTFOUND when there is none, PXT_ECONFIG when it is shorter than 16
 * characters or holds characters nginx's configuration cannot carry.
 */
PXT_API char *pxt_media_secret(const pxt_config *cfg, pxt_pool *pool);

/*
 * pxt_media_url returns the signed URL of relpath (no leading '/', no ".." segment)
 * valid until now + ttl_s, in pool memory; NULL with PXT_EINVAL for a bad path.
 */
PXT_API char *pxt_media_url(pxt_pool *pool, const char *relpath, const char *secret,
    long ttl_s, time_t now);

#ifdef __cplusplus
}
#endif
#endif
