/*
 * base64_int.h - standard base64 (RFC 4648, section 4: '+' and '/', padded), as JSON
 * carries Binary values and b64_encode answers images (internal to libpxt).
 */
#ifndef PXT_BASE64_H
#define PXT_BASE64_H

#include <stdbool.h>
#include <stddef.h>

#include "pxt/pool.h"

/* The length of the base64 text of n bytes, without a terminating NUL. */
size_t pxt_b64_len(size_t n);

/*
 * pxt_b64_encode returns the base64 text of data[0..n) NUL-terminated in pool memory
 * (its length is pxt_b64_len(n)), or NULL when out of memory.
 */
char *pxt_b64_encode(pxt_pool *pool, const void *data, size_t n);

/*
 * pxt_b64_decode decodes s[0..len) (padded standard base64; no spaces or line breaks)
 * into pool memory: *out (NUL-terminated for convenience) and *outlen. Returns false
 * when s is not base64 or out of memory (*out is then NULL).
 */
bool pxt_b64_decode(pxt_pool *pool, const char *s, size_t len, unsigned char **out,
    size_t *outlen);

#endif
