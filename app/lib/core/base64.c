/*
 * base64.c - standard, padded base64 both ways (see base64_int.h).
 */
#include <string.h>

#include "core/base64_int.h"

static const char pxt_b64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
pxt_b64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

char *
pxt_b64_encode(pxt_pool *pool, const void *data, size_t n)
{
	const unsigned char *p = data;
	char *out = pxt_palloc(pool, pxt_b64_len(n) + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 :
		    0) | (i + 2 < n ? p[i + 2] : 0);

		*o++ = pxt_b64_chars[v >> 18 & 63];
		*o++ = pxt_b64_chars[v >> 12 & 63];
		*o++ = i + 1 < n ? pxt_b64_chars[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? pxt_b64_chars[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

/* The value of base64 character c, or -1. */
static int
pxt_b64_val(char c)
{
	const char *p = c ? strchr(pxt_b64_chars, c) : NULL;

	return p ? (int)(p - pxt_b64_chars) : -1;
}

bool
pxt_b64_decode(pxt_pool *pool, const char *s, size_t len, unsigned char **out,
    size_t *outlen)
{
	unsigned char *o;
	size_t n = 0;

	*out = NULL;
	*outlen = 0;
	if (len % 4 != 0)
		return false;
	if ((o = pxt_palloc(pool, len / 4 * 3 + 1)) == NULL)
		return false;
	for (size_t i = 0; i < len; i += 4) {
		int v[4], pad = 0;
		bool last = i + 4 == len;

		for (int k = 0; k < 4; k++) {
			if (last && k >= 2 && s[i + k] == '=' && (k == 3 || s[i + 3] == '=')) {
				v[k] = 0;
				pad++;
			} else if ((v[k] = pxt_b64_val(s[i + k])) < 0) {
				return false;
			}
		}
		o[n++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			o[n++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		if (pad < 1)
			o[n++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
	}
	o[n] = '\0';
	*out = o;
	*outlen = n;
	return true;
}
