/*
 * test_media_url.c - signed /media/ URLs match what nginx's secure_link_md5 computes
 * (the expected signature was computed with `openssl md5 -binary | base64url`), and
 * paths that would leave the media store are refused.
 */
#include "pxt/media.h"
#include "pxt_test.h"

int
main(void)
{
	pxt_pool *pool = pxt_pool_new(0);
	const char *secret = "0123456789abcdefXYZ";

	PXT_CHECK_STR(pxt_media_url(pool, "demo/a b.png", secret, 1000, 1999999000),
	    "/media/demo/a%20b.png?exp=2000000000&sig=HLX2OboYcVhvFf_iokIQ7g");
	PXT_CHECK(pxt_media_url(pool, "../etc/passwd", secret, 10, 0) == NULL);
	PXT_CHECK_INT(pxt_errcode(), PXT_EINVAL);
	PXT_CHECK(pxt_media_url(pool, "a/../../b", secret, 10, 0) == NULL);
	PXT_CHECK(pxt_media_url(pool, "/abs", secret, 10, 0) == NULL);
	PXT_CHECK(pxt_media_url(pool, "", secret, 10, 0) == NULL);
	PXT_CHECK(pxt_media_url(pool, "a\nb", secret, 10, 0) == NULL);
	PXT_CHECK(pxt_media_url(pool, "..a/b..", secret, 10, 0) != NULL);
	pxt_pool_free(pool);
	return pxt_test_done();
}
