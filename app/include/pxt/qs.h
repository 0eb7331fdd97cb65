/*
 * pxt/qs.h - query strings and percent-encoding, as they arrive from clients.
 */
#ifndef PXT_QS_H
#define PXT_QS_H

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
 * empty segments skipped), allocated in pool. *out is NULL-key terminated. Refused with
 * PXT_EBADREQUEST: a bad percent-escape, an encoded NUL (%00), invalid UTF-8 after
 * decoding, more than max_pairs pairs; the message names the position.
 */
pxt_err pxt_qs_parse(pxt_pool *pool, const char *qs, size_t max_pairs, pxt_kv **out,
    size_t *n);

/* pxt_qs_get returns the first value of key, or NULL. */
const char *pxt_qs_get(const pxt_kv *kv, size_t n, const char *key);

/*
 * pxt_url_decode percent-decodes len bytes of s (and '+' to space when plus_space) into
 * pool memory, with the same refusals as pxt_qs_parse (PXT_EBADREQUEST).
 */
pxt_err pxt_url_decode(pxt_pool *pool, const char *s, size_t len, bool plus_space,
    char **out);

#ifdef __cplusplus
}
#endif
#endif
