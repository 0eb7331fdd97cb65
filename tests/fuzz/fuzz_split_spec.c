/*
 * fuzz_split_spec.c - libFuzzer target for the splitter's options and string splitting
 * (app/lib/docs/doc_split.c).
 *
 * The input, as a C string (cut at its first NUL), is a separator spec for
 * pxt_split_parse: it must succeed with options pxt_split_check accepts, or fail with
 * PXT_EINVAL, a message, and the options left alone. Its first 12 bytes, as raw
 * separator bits, limit and overlap, go to pxt_split_check, which must agree with the
 * rules of doc_int.h. The whole input is then cut by pxt_string_split with "sentence",
 * "paragraph" and, when usable for a string, the parsed and the raw options; the chunks
 * must be numbered 0..n-1, non-empty, trimmed, valid UTF-8 and within any limit.
 * Any broken promise traps.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "docs/doc_int.h"
#include "core/utf8_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t fuzz_sink;

#define FUZZ_CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

/* Whether c is whitespace as the splitter counts words (ASCII only). */
static int
fuzz_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Whether o is usable by the rules doc_int.h gives for pxt_split_check. */
static int
fuzz_opts_ok(const pxt_split_opts *o)
{
	unsigned lim = o->seps & (PXT_SPLIT_TOKEN_LIMIT | PXT_SPLIT_CHAR_LIMIT);

	if (o->seps & ~0x1fu)
		return 0;
	if (lim == 0)
		return 1;
	return lim != (PXT_SPLIT_TOKEN_LIMIT | PXT_SPLIT_CHAR_LIMIT) && o->limit > 0 &&
	    o->overlap >= 0 && o->overlap < o->limit;
}

/*
 * Cuts the size bytes at s with o (which must be usable for strings) and checks the
 * chunks: positions, text, and the limit in words or characters.
 */
static void
fuzz_string_split(const char *s, size_t size, const pxt_split_opts *o)
{
	pxt_pool *pool = pxt_pool_new(0);
	pxt_chunk *c = NULL;
	int n = -1;

	if (pool == NULL)
		return;
	if (pxt_string_split(pool, s, size, o, &c, &n) != PXT_OK) {
		pxt_pool_free(pool);	/* out of memory only */
		return;
	}
	FUZZ_CHECK(n >= 0 && (n == 0 || c != NULL));
	for (int i = 0; i < n; i++) {
		const char *t = c[i].text;
		size_t len = c[i].len, chars = 0, words = 0;

		FUZZ_CHECK(c[i].pos == i && c[i].heading == NULL && c[i].page == 0);
		FUZZ_CHECK(t != NULL && len > 0 && t[len] == '\0' && strlen(t) == len);
		FUZZ_CHECK(!fuzz_space(t[0]) && !fuzz_space(t[len - 1]));
		for (size_t k = 0, l; k < len; k += l, chars++)
			FUZZ_CHECK((l = pxt_utf8_len((const unsigned char *)t + k,
			    len - k)) != 0);
		for (size_t k = 0; k < len; k++)
			words += !fuzz_space(t[k]) && (k == 0 || fuzz_space(t[k - 1]));
		if (o->seps & PXT_SPLIT_CHAR_LIMIT)
			FUZZ_CHECK(chars <= (size_t)o->limit);
		if (o->seps & PXT_SPLIT_TOKEN_LIMIT)
			FUZZ_CHECK(words <= (size_t)o->limit);
		fuzz_sink += chars + words;
	}
	pxt_pool_free(pool);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pxt_split_opts o = {0, 10, 3}, before, raw = {0, 0, 0}, fixed = {0, 0, 0};
	char *spec = malloc(size + 1);
	pxt_err rc;

	if (spec == NULL)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';

	/* the input as a spec */
	before = o;
	rc = pxt_split_parse(spec, &o);
	if (rc == PXT_OK) {
		FUZZ_CHECK(pxt_split_check(&o) == PXT_OK && fuzz_opts_ok(&o));
		if (!(o.seps & PXT_SPLIT_HEADING))
			fuzz_string_split((const char *)data, size, &o);
	} else {
		FUZZ_CHECK(rc == PXT_EINVAL && pxt_errmsg()[0] != '\0');
		FUZZ_CHECK(memcmp(&o, &before, sizeof(o)) == 0);
	}

	/* the first bytes as raw options */
	if (size >= 12) {
		memcpy(&raw.seps, data, 4);
		memcpy(&raw.limit, data + 4, 4);
		memcpy(&raw.overlap, data + 8, 4);
		rc = pxt_split_check(&raw);
		FUZZ_CHECK(rc == PXT_OK || rc == PXT_EINVAL);
		FUZZ_CHECK((rc == PXT_OK) == fuzz_opts_ok(&raw));
		if (rc == PXT_OK && !(raw.seps & PXT_SPLIT_HEADING))
			fuzz_string_split((const char *)data, size, &raw);
	}

	/* the input as text, by sentences and by paragraphs */
	FUZZ_CHECK(pxt_split_parse("sentence", &fixed) == PXT_OK);
	fuzz_string_split((const char *)data, size, &fixed);
	FUZZ_CHECK(pxt_split_parse("paragraph", &fixed) == PXT_OK);
	fuzz_string_split((const char *)data, size, &fixed);
	free(spec);
	return 0;
}
