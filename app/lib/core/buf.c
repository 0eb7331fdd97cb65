/*
 * buf.c - growable NUL-terminated byte buffer (see pxt/buf.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/buf.h"
#include "pxt/error.h"

void
pxt_buf_free(pxt_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = false;
}

void
pxt_buf_reset(pxt_buf *b)
{
	b->len = 0;
	b->failed = false;
	if (b->data != NULL)
		b->data[0] = '\0';
}

static int
pxt_buf_grow(pxt_buf *b, size_t extra)
{
	size_t want, cap;
	char *d;

	if (b->failed)
		return -1;
	if (extra > ((size_t)-1) / 2 - b->len)
		goto fail;
	want = b->len + extra + 1;
	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < want)
		cap *= 2;
	d = realloc(b->data, cap);
	if (d == NULL)
		goto fail;
	b->data = d;
	b->cap = cap;
	return 0;
fail:
	b->failed = true;
	pxt_seterr(PXT_ENOMEM, "out of memory growing a buffer");
	return -1;
}

int
pxt_buf_add(pxt_buf *b, const void *data, size_t len)
{
	if (pxt_buf_grow(b, len) != 0)
		return -1;
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int
pxt_buf_adds(pxt_buf *b, const char *s)
{
	return pxt_buf_add(b, s, strlen(s));
}

int
pxt_buf_addc(pxt_buf *b, char c)
{
	return pxt_buf_add(b, &c, 1);
}

int
pxt_buf_vaddf(pxt_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0 || pxt_buf_grow(b, (size_t)n) != 0)
		return -1;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
pxt_buf_addf(pxt_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = pxt_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

const char *
pxt_buf_str(const pxt_buf *b)
{
	return b->data ? b->data : "";
}

char *
pxt_buf_steal(pxt_buf *b)
{
	char *d;

	if (b->failed) {
		pxt_buf_free(b);
		return NULL;
	}
	if (b->data == NULL && pxt_buf_grow(b, 0) == 0)
		b->data[0] = '\0';
	d = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return d;
}
