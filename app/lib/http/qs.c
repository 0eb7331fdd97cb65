/*
 * qs.c - query strings and percent-decoding (pxt/qs.h).
 *
 * Decoding is strict: every '%' needs two hex digits, %00 (and a raw NUL byte) is
 * refused because the results are C strings, and the decoded bytes must be well-formed
 * UTF-8. Errors name the byte offset in the text the caller passed (the whole query
 * string for pxt_qs_parse).
 */
#include <string.h>

#include "pxt/qs.h"
#include "core/utf8_int.h"

/* pxt_hexval returns the value of a hex digit, or -1. */
static int
pxt_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * pxt_raw_offset maps decoded byte index di back to the offset in the encoded text
 * s (a '%' escape is one decoded byte from three encoded ones).
 */
static size_t
pxt_raw_offset(const char *s, size_t len, size_t di)
{
	size_t i = 0;

	while (di > 0 && i < len) {
		i += s[i] == '%' ? 3 : 1;
		di--;
	}
	return i;
}

/*
 * pxt_decode is pxt_url_decode with base, the offset of s in the text whose positions
 * the error messages report.
 */
static pxt_err
pxt_decode(pxt_pool *pool, const char *s, size_t len, bool plus_space, size_t base,
    char **out)
{
	size_t i, o = 0, k;
	char *d;
	int hi, lo;

	*out = NULL;
	if ((d = pxt_palloc(pool, len + 1)) == NULL)
		return PXT_ENOMEM;
	for (i = 0; i < len; i++) {
		if (s[i] == '%') {
			if (len - i < 3 || (hi = pxt_hexval(s[i + 1])) < 0 ||
			    (lo = pxt_hexval(s[i + 2])) < 0)
				return pxt_seterr(PXT_EBADREQUEST, "malformed query string: "
				    "bad percent-escape at byte %zu", base + i);
			if (hi == 0 && lo == 0)
				return pxt_seterr(PXT_EBADREQUEST, "malformed query string: "
				    "encoded NUL byte at byte %zu", base + i);
			d[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (s[i] == '\0') {
			return pxt_seterr(PXT_EBADREQUEST, "malformed query string: "
			    "NUL byte at byte %zu", base + i);
		} else {
			d[o++] = plus_space && s[i] == '+' ? ' ' : s[i];
		}
	}
	d[o] = '\0';
	for (i = 0; i < o; i += k)
		if ((k = pxt_utf8_len((const unsigned char *)d + i, o - i)) == 0)
			return pxt_seterr(PXT_EBADREQUEST, "malformed query string: "
			    "invalid UTF-8 at byte %zu", base + pxt_raw_offset(s, len, i));
	*out = d;
	return PXT_OK;
}

pxt_err
pxt_url_decode(pxt_pool *pool, const char *s, size_t len, bool plus_space, char **out)
{
	return pxt_decode(pool, s != NULL ? s : "", s != NULL ? len : 0, plus_space, 0,
	    out);
}

/*
 * pxt_qs_parse counts the non-empty '&'-separated segments first, so the limit is
 * checked before anything is decoded and the array is allocated once.
 */
pxt_err
pxt_qs_parse(pxt_pool *pool, const char *qs, size_t max_pairs, pxt_kv **out,
    size_t *n)
{
	size_t len, count = 0, i, seg, end, eq;
	pxt_kv *kv;
	char *key, *val;
	pxt_err err;

	*out = NULL;
	*n = 0;
	len = qs != NULL ? strlen(qs) : 0;
	for (i = 0; i < len; i = end + 1) {
		end = i + strcspn(qs + i, "&");
		if (end > i && ++count > max_pairs)
			return pxt_seterr(PXT_EBADREQUEST, "malformed query string: "
			    "more than %zu parameters", max_pairs);
	}
	if ((kv = pxt_palloc(pool, (count + 1) * sizeof(*kv))) == NULL)
		return PXT_ENOMEM;
	for (i = 0, seg = 0; i < len; i = end + 1) {
		end = i + strcspn(qs + i, "&");
		if (end == i)
			continue;	/* "a=1&&b=2", a leading or trailing '&' */
		eq = i + strcspn(qs + i, "=&");
		if ((err = pxt_decode(pool, qs + i, eq - i, true, i, &key)) != PXT_OK)
			return err;
		if (eq < end)
			err = pxt_decode(pool, qs + eq + 1, end - eq - 1, true, eq + 1, &val);
		else
			err = pxt_decode(pool, "", 0, true, eq, &val);
		if (err != PXT_OK)
			return err;
		kv[seg].key = key;
		kv[seg].value = val;
		seg++;
	}
	kv[seg].key = NULL;
	kv[seg].value = NULL;
	*out = kv;
	*n = seg;
	return PXT_OK;
}

const char *
pxt_qs_get(const pxt_kv *kv, size_t n, const char *key)
{
	size_t i;

	if (kv == NULL || key == NULL)
		return NULL;
	for (i = 0; i < n && kv[i].key != NULL; i++)
		if (strcmp(kv[i].key, key) == 0)
			return kv[i].value;
	return NULL;
}
