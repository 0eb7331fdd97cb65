/*
 * test_qs.c - unit tests of query-string parsing and percent-decoding (app/lib/http/qs.c).
 */
#include <string.h>

#include "pxt/qs.h"
#include "pxt_test.h"

static pxt_pool *pool;

static pxt_kv *
qs_ok(const char *qs, size_t max, size_t expect_n)
{
	pxt_kv *kv = NULL;
	size_t n = 99;

	PXT_CHECK_INT(pxt_qs_parse(pool, qs, max, &kv, &n), PXT_OK);
	PXT_CHECK_INT(n, expect_n);
	PXT_CHECK(kv != NULL && kv[n].key == NULL);
	return kv;
}

static void
qs_fail(const char *qs, size_t max, const char *msg)
{
	pxt_kv *kv = (pxt_kv *)&kv;
	size_t n = 99;

	PXT_CHECK_INT(pxt_qs_parse(pool, qs, max, &kv, &n), PXT_EBADREQUEST);
	PXT_CHECK(kv == NULL && n == 0);
	PXT_CHECK_STR(pxt_errmsg(), msg);
}

static void
test_basic(void)
{
	pxt_kv *kv;

	kv = qs_ok("a=1&b=x%20y", 10, 2);
	PXT_CHECK_STR(kv[0].key, "a");
	PXT_CHECK_STR(kv[0].value, "1");
	PXT_CHECK_STR(kv[1].key, "b");
	PXT_CHECK_STR(kv[1].value, "x y");

	kv = qs_ok("q=a+b%2Bc&path=%2Fdata%2Fa.pdf", 10, 2);
	PXT_CHECK_STR(kv[0].value, "a b+c");
	PXT_CHECK_STR(kv[1].value, "/data/a.pdf");

	kv = qs_ok("a+b%3D=%3d%26", 10, 1);
	PXT_CHECK_STR(kv[0].key, "a b=");
	PXT_CHECK_STR(kv[0].value, "=&");

	kv = qs_ok("a=1=2", 10, 1);
	PXT_CHECK_STR(kv[0].value, "1=2");

	kv = qs_ok("name=caf%C3%A9&e=%e2%82%ac&raw=\xC3\xA9", 10, 3);
	PXT_CHECK_STR(kv[0].value, "caf\xC3\xA9");
	PXT_CHECK_STR(kv[1].value, "\xE2\x82\xAC");
	PXT_CHECK_STR(kv[2].value, "\xC3\xA9");
}

static void
test_empty(void)
{
	pxt_kv *kv;

	qs_ok("", 10, 0);
	qs_ok(NULL, 10, 0);
	qs_ok("&&&", 0, 0);

	kv = qs_ok("a&b=&=c&=", 10, 4);
	PXT_CHECK_STR(kv[0].key, "a");
	PXT_CHECK_STR(kv[0].value, "");
	PXT_CHECK_STR(kv[1].key, "b");
	PXT_CHECK_STR(kv[1].value, "");
	PXT_CHECK_STR(kv[2].key, "");
	PXT_CHECK_STR(kv[2].value, "c");
	PXT_CHECK_STR(kv[3].key, "");
	PXT_CHECK_STR(kv[3].value, "");

	kv = qs_ok("a=1&&b=2", 10, 2);
	PXT_CHECK_STR(kv[0].key, "a");
	PXT_CHECK_STR(kv[1].key, "b");
	PXT_CHECK_STR(kv[1].value, "2");
	kv = qs_ok("&a=1&", 10, 1);
	PXT_CHECK_STR(kv[0].value, "1");
}

static void
test_repeated(void)
{
	pxt_kv *kv;

	kv = qs_ok("tag=a&x=0&tag=b", 10, 3);
	PXT_CHECK_STR(pxt_qs_get(kv, 3, "tag"), "a");
	PXT_CHECK_STR(kv[2].value, "b");
	PXT_CHECK_STR(pxt_qs_get(kv, 3, "x"), "0");
	PXT_CHECK(pxt_qs_get(kv, 3, "nope") == NULL);
	PXT_CHECK(pxt_qs_get(kv, 1, "x") == NULL);
	PXT_CHECK(pxt_qs_get(NULL, 0, "x") == NULL);
	kv = qs_ok("a", 10, 1);
	PXT_CHECK_STR(pxt_qs_get(kv, 1, "a"), "");
}

static void
test_errors(void)
{
	qs_fail("a=%zz", 10, "malformed query string: bad percent-escape at byte 2");
	qs_fail("a=1&b=%2", 10, "malformed query string: bad percent-escape at byte 6");
	qs_fail("%", 10, "malformed query string: bad percent-escape at byte 0");
	qs_fail("ok=1&k%g1=2", 10, "malformed query string: bad percent-escape at byte 6");
	qs_fail("a=x%00y", 10, "malformed query string: encoded NUL byte at byte 3");
	qs_fail("a=1&%00=1", 10, "malformed query string: encoded NUL byte at byte 4");
	qs_fail("a=%C3", 10, "malformed query string: invalid UTF-8 at byte 2");
	qs_fail("a=ab%C0%80", 10, "malformed query string: invalid UTF-8 at byte 4");
	qs_fail("a=1&b=x%ED%A0%80", 10, "malformed query string: invalid UTF-8 at byte 7");
	qs_fail("a=\xFF", 10, "malformed query string: invalid UTF-8 at byte 2");
	qs_fail("a=1&b=2&c=3", 2, "malformed query string: more than 2 parameters");
	qs_fail("a", 0, "malformed query string: more than 0 parameters");
	qs_ok("a=1&b=2&&", 2, 2);
}

static void
test_url_decode(void)
{
	char *out = NULL;

	PXT_CHECK_INT(pxt_url_decode(pool, "a+b%20c%2b", 10, false, &out), PXT_OK);
	PXT_CHECK_STR(out, "a+b c+");
	PXT_CHECK_INT(pxt_url_decode(pool, "a+b%20c%2b", 10, true, &out), PXT_OK);
	PXT_CHECK_STR(out, "a b c+");
	/* only len bytes are read */
	PXT_CHECK_INT(pxt_url_decode(pool, "abc%41", 4, false, &out),
	    PXT_EBADREQUEST);
	PXT_CHECK_STR(pxt_errmsg(), "malformed query string: bad percent-escape at byte 3");
	PXT_CHECK(out == NULL);
	PXT_CHECK_INT(pxt_url_decode(pool, "abc%41", 6, false, &out), PXT_OK);
	PXT_CHECK_STR(out, "abcA");
	PXT_CHECK_INT(pxt_url_decode(pool, "", 0, false, &out), PXT_OK);
	PXT_CHECK_STR(out, "");
	PXT_CHECK_INT(pxt_url_decode(pool, "%00", 3, false, &out), PXT_EBADREQUEST);
	PXT_CHECK_STR(pxt_errmsg(), "malformed query string: encoded NUL byte at byte 0");
	PXT_CHECK_INT(pxt_url_decode(pool, "a\0b", 3, false, &out), PXT_EBADREQUEST);
	PXT_CHECK_STR(pxt_errmsg(), "malformed query string: NUL byte at byte 1");
	PXT_CHECK_INT(pxt_url_decode(pool, "%F0%9F%98%80", 12, false, &out), PXT_OK);
	PXT_CHECK_STR(out, "\xF0\x9F\x98\x80");
	PXT_CHECK_INT(pxt_url_decode(pool, "%F4%90%80%80", 12, false, &out),
	    PXT_EBADREQUEST);
	PXT_CHECK_STR(pxt_errmsg(), "malformed query string: invalid UTF-8 at byte 0");
}

int
main(void)
{
	pool = pxt_pool_new(0);
	if (pool == NULL)
		return 1;
	test_basic();
	test_empty();
	test_repeated();
	test_errors();
	test_url_decode();
	pxt_pool_free(pool);
	return pxt_test_done();
}
