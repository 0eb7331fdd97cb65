/*
 * pxt/buf.h - a growable byte buffer, always NUL-terminated.
 *
 * Used to build SQL text, messages and JSON. Once an append fails for lack of memory
 * the buffer remembers it (its failed field) and ignores further appends, so a builder
 * can append many pieces and check once at the end.
 */
#ifndef PXT_BUF_H
#define PXT_BUF_H

#include "pxt/api.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pxt_buf {
	char *data;		/* NUL-terminated; "" until something is appended */
	size_t len;
	size_t cap;
	bool failed;		/* an append ran out of memory */
} pxt_buf;

#define PXT_BUF_INIT {NULL, 0, 0, false}

/* pxt_buf_free releases the memory; the buffer may be reused afterwards. */
PXT_API void pxt_buf_free(pxt_buf *b);

/* pxt_buf_reset empties the buffer, keeping its memory. */
PXT_API void pxt_buf_reset(pxt_buf *b);

/* Appends; each returns 0, or -1 when out of memory (then b->failed is set). */
PXT_API int pxt_buf_add(pxt_buf *b, const void *data, size_t len);
PXT_API int pxt_buf_adds(pxt_buf *b, const char *s);
PXT_API int pxt_buf_addc(pxt_buf *b, char c);
PXT_API int pxt_buf_addf(pxt_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
PXT_API int pxt_buf_vaddf(pxt_buf *b, const char *fmt, va_list ap);

/* pxt_buf_str returns the text ("" for an empty buffer); owned by the buffer. */
PXT_API const char *pxt_buf_str(const pxt_buf *b);

/*
 * pxt_buf_steal returns the malloc'd text (caller frees) and empties the buffer;
 * NULL when an append had failed.
 */
PXT_API char *pxt_buf_steal(pxt_buf *b);

#ifdef __cplusplus
}
#endif
#endif
