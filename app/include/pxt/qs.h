/*
 * pxt/qs.h - query strings and percent-encoding, as they arrive from clients.
 */
#ifndef PXT_QS_H
#define PXT_QS_H

#include "pxt/api.h"

#include <stdbool.h>
#include <stddef.h>

#include "pxt/error.h"
#include "pxt/pool.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pxt_kv {
	const char *key;
	const char *value;	/* "" for "a" or "a=" */
} pxt_kv;

/*
 * pxt_qs_parse splits "a=1&b=x%20y" into decoded pairs (in order, '+' is a space,
 * empty segments skipped; the first '=' splits key and value), allocated in pool.
 * qs may be NULL (no pairs). *out is NULL-key terminated, *n its length. Refused with
 * PXT_EBADREQUEST, *out NULL and *n 0: "malformed query string: " followed by
 * "bad percent-escape at byte N", "encoded NUL byte at byte N", "invalid UTF-8 at
 * byte N" (N counts from 0 in qs) or "more than N parameters" (more than max_pairs
 * non-empty segments; checked before decoding). PXT_ENOMEM.
 */
PXT_API pxt_err pxt_qs_parse(pxt_pool *pool, const char *qs, size_t max_pairs,
    pxt_kv **out, size_t *n);

/* pxt_qs_get returns the first value of key, or NULL. */
PXT_API const char *pxt_qs_get(const pxt_kv *kv, size_t n, const char *key);

/*
 * pxt_url_decode percent-decodes len bytes of s (and '+' to space when plus_space) into
 * NUL-terminated pool memory, with the same refusals as pxt_qs_parse (PXT_EBADREQUEST,
 * byte offsets within s; a raw NUL byte is refused too); *out is NULL on failure.
 */
PXT_API pxt_err pxt_url_decode(pxt_pool *pool, const char *s, size_t len,
    bool plus_space, char **out);

#ifdef __cplusplus
}
#endif
#endif
