/*
 * pxt/pool.h - memory pools: many allocations, one release.
 *
 * A pool hands out memory that lives until pxt_pool_free (or pxt_pool_reset); cleanup
 * callbacks registered on it run then, last registered first. The dispatcher gives each
 * request a pool and frees it right after the response, as nginx does.
 */
#ifndef PXT_POOL_H
#define PXT_POOL_H

#include "pxt/api.h"

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pxt_pool pxt_pool;
typedef void (*pxt_cleanup_fn)(void *data);

/*
 * pxt_pool_new creates a pool whose blocks are at least block_size bytes (0 for the
 * default, 16 KiB). Returns NULL when out of memory. Free with pxt_pool_free.
 */
PXT_API pxt_pool *pxt_pool_new(size_t block_size);

/* pxt_pool_free runs the cleanups and releases every block. NULL is allowed. */
PXT_API void pxt_pool_free(pxt_pool *pool);

/*
 * pxt_pool_reset runs the cleanups and forgets every allocation, keeping the first
 * block for reuse (the per-request pool of a long-lived worker).
 */
PXT_API void pxt_pool_reset(pxt_pool *pool);

/*
 * pxt_palloc returns size bytes aligned for any type, owned by the pool; pxt_pcalloc
 * zeroes them. NULL only when out of memory (the error is recorded).
 */
PXT_API void *pxt_palloc(pxt_pool *pool, size_t size);
PXT_API void *pxt_pcalloc(pxt_pool *pool, size_t size);

/* pxt_pstrdup / pxt_pstrndup copy a string into the pool; NULL in gives NULL out. */
PXT_API char *pxt_pstrdup(pxt_pool *pool, const char *s);
PXT_API char *pxt_pstrndup(pxt_pool *pool, const char *s, size_t n);

/* pxt_psprintf formats into pool memory; NULL when out of memory. */
PXT_API char *pxt_psprintf(pxt_pool *pool, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
PXT_API char *pxt_pvsprintf(pxt_pool *pool, const char *fmt, va_list ap);

/*
 * pxt_pool_cleanup registers fn(data) to run when the pool is freed or reset.
 * Returns 0, or -1 when out of memory (then fn is not registered).
 */
PXT_API int pxt_pool_cleanup(pxt_pool *pool, pxt_cleanup_fn fn, void *data);

/* pxt_pool_used returns the bytes currently handed out (for limits and stats). */
PXT_API size_t pxt_pool_used(const pxt_pool *pool);

#ifdef __cplusplus
}
#endif
#endif
