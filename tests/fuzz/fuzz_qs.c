/*
 * fuzz_qs.c - libFuzzer target for query strings and percent-decoding (app/lib/http/qs.c).
 *
 * The input (cut at its first NUL, as a query string is a C string) goes through
 * pxt_qs_parse with a limit of 64 pairs, and the raw bytes through pxt_url_decode both
 * ways. Checks: failures are PXT_EBADREQUEST with a one-line message and NULL results;
 * successes give NUL-terminated, NULL-key-terminated results where pxt_qs_get finds
 * each key's first value; decoding never grows the text. Results go to a volatile sink.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/qs.h"

#define FUZZ_MAX_PAIRS	64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t fuzz_sink;

static void
check_fail(pxt_err err)
{
	if (err != PXT_EBADREQUEST && err != PXT_ENOMEM)
		abort();
	if (strchr(pxt_errmsg(), '\n') != NULL)
		abort();
	fuzz_sink += strlen(pxt_errmsg());
}

static void
fuzz_parse(pxt_pool *pool, const char *qs)
{
	pxt_kv *kv = NULL;
	size_t n = 0, i, j;
	const char *v;
	pxt_err err;

	err = pxt_qs_parse(pool, qs, FUZZ_MAX_PAIRS, &kv, &n);
	if (err != PXT_OK) {
		if (kv != NULL || n != 0)
			abort();
		check_fail(err);
		return;
	}
	if (kv == NULL || n > FUZZ_MAX_PAIRS || kv[n].key != NULL)
		abort();
	for (i = 0; i < n; i++) {
		if (kv[i].key == NULL || kv[i].value == NULL)
			abort();
		/* the first pair with this key is the one pxt_qs_get returns */
		for (j = 0; strcmp(kv[j].key, kv[i].key) != 0; j++)
			;
		if ((v = pxt_qs_get(kv, n, kv[i].key)) != kv[j].value)
			abort();
		fuzz_sink += strlen(kv[i].key) + strlen(v);
	}
}

static void
fuzz_decode(pxt_pool *pool, const char *s, size_t len, bool plus)
{
	char *out = NULL;
	pxt_err err;

	err = pxt_url_decode(pool, s, len, plus, &out);
	if (err != PXT_OK) {
		if (out != NULL)
			abort();
		check_fail(err);
		return;
	}
	if (out == NULL || strlen(out) > len)
		abort();
	fuzz_sink += strlen(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pxt_pool *pool;
	char *qs;

	if ((pool = pxt_pool_new(0)) == NULL)
		return 0;
	if ((qs = pxt_pstrndup(pool, (const char *)data, size)) != NULL) {
		fuzz_parse(pool, qs);
		fuzz_decode(pool, (const char *)data, size, true);
		fuzz_decode(pool, (const char *)data, size, false);
	}
	pxt_pool_free(pool);
	return 0;
}
