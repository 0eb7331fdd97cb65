/*
 * test_embed.c - the driver of it_embed.sh: calls openai_embed through the UDF
 * registry against the local stand-in (tests/http/openai_server.py), one call per
 * run, so the script can change the configuration between runs.
 *
 *   batch N        the batch form over N texts; every vector must be the one the
 *                  stand-in derives from its text, in input order
 *   one TEXT       the one-row form
 * Prints "OK n=N dim=D ms=T" or "ERR <code> <message>" (ms: the call's wall time).
 * Exit 0 for OK, 1 for an error result or a wrong vector, 2 for misuse.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/pxt.h"
#include "pxt/os.h"
#include "functions/embed_int.h"
#include "engine/udf_int.h"
#include "functions/vec_int.h"

/* The stand-in's vector of text: FNV-1a (32-bit), 4 bits an element, minus 7.5. */
static void
expected(const char *text, size_t len, float *v)
{
	uint32_t h = 0x811c9dc5u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)text[i]) * 0x01000193u;
	for (int k = 0; k < 8; k++)
		v[k] = (float)((h >> (4 * k)) & 15) - 7.5f;
}

/* Checks out[0..n) against the stand-in's vectors of texts; prints the first miss. */
static int
verify(const pxt_value *texts, const pxt_value *out, int n)
{
	for (int i = 0; i < n; i++) {
		float got[8], want[8];

		if (out[i].type != PXT_ARRAY || out[i].null ||
		    pxt_vec_parse(out[i].u.str.s, out[i].u.str.len, got, 8) != PXT_OK) {
			printf("BAD row %d: not an 8-element vector: %s\n", i, pxt_errmsg());
			return 1;
		}
		expected(texts[i].u.str.s, texts[i].u.str.len, want);
		if (memcmp(got, want, sizeof(got)) != 0) {
			printf("BAD row %d: %.*s is not the vector of its text\n", i,
			    (int)out[i].u.str.len, out[i].u.str.s);
			return 1;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const pxt_udf *u = pxt_udf_find("openai_embed");
	pxt_config *cfg = NULL;
	pxt_value *texts, *out;
	pxt_pool *pool;
	long long t0;
	int n, ret;
	pxt_err rc;

	if (argc != 3 || (strcmp(argv[1], "batch") != 0 && strcmp(argv[1], "one") != 0)) {
		fprintf(stderr, "usage: test_embed batch N | one TEXT\n");
		return 2;
	}
	if (u == NULL || u->batch == NULL || u->ret != PXT_ARRAY) {
		fprintf(stderr, "openai_embed is not a batch-capable built-in\n");
		return 2;
	}
	if (pxt_config_load(NULL, &cfg) != PXT_OK) {
		printf("ERR %s %s\n", pxt_err_name(pxt_errcode()), pxt_errmsg());
		return 1;
	}
	pxt_embed_config(cfg);
	pool = pxt_pool_new(0);
	n = strcmp(argv[1], "one") == 0 ? 1 : atoi(argv[2]);
	if (n < 1 || n > 100000)
		return 2;
	texts = pxt_pcalloc(pool, (size_t)n * sizeof(*texts));
	out = pxt_pcalloc(pool, (size_t)n * sizeof(*out));
	for (int i = 0; i < n; i++) {
		/* quotes, escapes and UTF-8 must survive the JSON both ways */
		const char *s = n == 1 && strcmp(argv[1], "one") == 0 ? argv[2] :
		    pxt_psprintf(pool, "input %d: h\xc3\xa9llo \"q\" \\ \t\n\xe2\x98\x83", i);

		texts[i] = (pxt_value){.type = PXT_STRING, .u.str = {s, strlen(s)}};
	}
	t0 = pxt_now_ms();
	rc = strcmp(argv[1], "one") == 0 ? pxt_udf_call(u, pool, texts, 1, out) :
	    pxt_udf_call_batch(u, pool, texts, 1, n, out);
	if (rc != PXT_OK) {
		printf("ERR %s %s\n", pxt_err_name(rc), pxt_errmsg());
		ret = 1;
	} else if ((ret = verify(texts, out, n)) == 0) {
		printf("OK n=%d dim=8 ms=%lld\n", n, pxt_now_ms() - t0);
	}
	pxt_embed_config(NULL);
	pxt_pool_free(pool);
	pxt_config_free(cfg);
	return ret;
}
