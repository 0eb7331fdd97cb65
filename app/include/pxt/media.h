/*
 * pxt/media.h - signed, expiring /media/ URLs for files of the local media store, in the
 * form nginx's secure_link checks itself (nginx.conf.example), so serving them needs no
 * worker:
 *
 *   BASE/media/EPOCH/SIG/PATH
 *   SIG = base64url, unpadded, of MD5(EPOCH + "/media/PATH" + " " + secret)
 *
 * PATH is relative to $PIXELTABLE_HOME/media and ends with the file's name (an upload's
 * original name), so the URL's last segment is the name a client shows; the hash is
 * over the decoded PATH, the link carries it percent-encoded. BASE is the scheme and
 * host the client reached pxtc at ("https://example.org"); without one (a jobs runner,
 * the CLI, a program calling the C API) the URL is relative, starting at /media/.
 * nginx still accepts links of the earlier form /media/PATH?exp=EPOCH&sig=SIG, signed
 * the same way.
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
 * pxt_media_url_at returns the signed URL of relpath (no leading '/', no ".." segment)
 * valid until now + ttl_s, BASE/media/EPOCH/SIG/PATH, in pool memory: base is the
 * scheme and host ("https://example.org", trailing '/' ignored), or NULL for the
 * relative URL. NULL with PXT_EINVAL for a bad path or no secret, PXT_ENOMEM.
 */
PXT_API char *pxt_media_url_at(pxt_pool *pool, const char *base, const char *relpath,
    const char *secret, long ttl_s, time_t now);

/*
 * pxt_media_url returns pxt_media_url_at's relative URL (no base): for callers that do
 * not answer a request. The same ownership and failures.
 */
PXT_API char *pxt_media_url(pxt_pool *pool, const char *relpath, const char *secret,
    long ttl_s, time_t now);

#ifdef __cplusplus
}
#endif
#endif
