/*
 * fuzz_objurl.c - libFuzzer target for object-store URLs (app/lib/media/objstore_url.c),
 * which arrive in media cells and destinations from clients and configuration.
 *
 * The input (cut at its first NUL) goes through pxt_obj_parse with and without an
 * empty key allowed. Checks: a failure is PXT_EINVAL with a one-line message; a
 * success is a URL pxt_obj_is_url accepts, with a bucket of 3 to 63 bytes, a key that
 * is a suffix of the input without "..", and an account only for https URLs.
 * Results go to a volatile sink.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/objstore_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t fuzz_sink;

static void
fuzz_one(pxt_pool *pool, const char *url, bool allow_empty)
{
	pxt_obj_loc loc;
	pxt_err err = pxt_obj_parse(pool, url, allow_empty, &loc);
	size_t blen, klen, ulen = strlen(url);

	if (err != PXT_OK) {
		if (err != PXT_EINVAL && err != PXT_ENOMEM)
			abort();
		if (strchr(pxt_errmsg(), '\n') != NULL)
			abort();
		fuzz_sink += strlen(pxt_errmsg());
		return;
	}
	if (!pxt_obj_is_url(url) || loc.bucket == NULL || loc.key == NULL)
		abort();
	blen = strlen(loc.bucket);
	klen = strlen(loc.key);
	if (blen < 3 || blen > 63 || klen > ulen || strcmp(url + ulen - klen, loc.key) != 0)
		abort();
	if (strstr(loc.key, "/../") != NULL || strncmp(loc.key, "../", 3) == 0)
		abort();
	if (!allow_empty && klen == 0)
		abort();
	if ((loc.account != NULL) != (strncmp(url, "https://", 8) == 0))
		abort();
	fuzz_sink += blen + klen;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pxt_pool *pool;
	char *url;

	if ((pool = pxt_pool_new(0)) == NULL)
		return 0;
	if ((url = pxt_pstrndup(pool, (const char *)data, size)) != NULL) {
		fuzz_one(pool, url, false);
		fuzz_one(pool, url, true);
	}
	pxt_pool_free(pool);
	return 0;
}
