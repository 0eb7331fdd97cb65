/*
 * test_base64.c - standard padded base64 both ways (app/lib/core/base64_int.h), the
 * form of Binary values in JSON and of b64_encode's answers: RFC 4648's test vectors,
 * all byte values, and the texts refused (bad length, characters, padding).
 */
#include <string.h>

#include "pxt_test.h"
#include "core/base64_int.h"

int
main(void)
{
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba",
	    "foobar"};
	static const char *const coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==",
	    "Zm9vYmE=", "Zm9vYmFy"};
	static const char *const bad[] = {"Zg=", "Zg", "Z===", "Zm9v!A==", "Zm=v",
	    "=Zm9", "Zg==Zg==", "Zm9 v", "Zm9v\n", "Zm-_"};
	pxt_pool *p = pxt_pool_new(0);
	unsigned char all[256], *out;
	size_t n;
	char *s;

	for (int i = 0; i < 7; i++) {
		s = pxt_b64_encode(p, plain[i], strlen(plain[i]));
		PXT_CHECK_STR(s, coded[i]);
		PXT_CHECK(pxt_b64_len(strlen(plain[i])) == strlen(coded[i]));
		PXT_CHECK(pxt_b64_decode(p, coded[i], strlen(coded[i]), &out, &n));
		PXT_CHECK(n == strlen(plain[i]) && memcmp(out, plain[i], n) == 0);
	}
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)(255 - i);
	s = pxt_b64_encode(p, all, sizeof(all));
	PXT_CHECK(pxt_b64_decode(p, s, strlen(s), &out, &n));
	PXT_CHECK(n == sizeof(all) && memcmp(out, all, n) == 0);
	PXT_CHECK(pxt_b64_decode(p, "AAEC/w==", 8, &out, &n) && n == 4 && out[3] == 0xff);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		PXT_CHECK(!pxt_b64_decode(p, bad[i], strlen(bad[i]), &out, &n));
		PXT_CHECK(out == NULL && n == 0);
	}
	pxt_pool_free(p);
	return pxt_test_done();
}
