/*
 * pool.c - region allocator with cleanup callbacks (see pxt/pool.h).
 *
 * Blocks form a singly linked list; small allocations are carved from the current block,
 * large ones (over a quarter block) get a block of their own so they do not waste the
 * current one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/error.h"
#include "pxt/pool.h"

#define PXT_POOL_ALIGN	16
#define PXT_POOL_DEFAULT (16 * 1024)

struct pxt_block {
	struct pxt_block *next;
	size_t size;		/* usable bytes after the header */
	size_t used;
	_Alignas(PXT_POOL_ALIGN) unsigned char data[];
};

struct pxt_cleanup {
	struct pxt_cleanup *next;
	pxt_cleanup_fn fn;
	void *data;
};

struct pxt_pool {
	struct pxt_block *head;	/* current block for small allocations */
	struct pxt_block *large; /* dedicated blocks of large allocations */
	struct pxt_cleanup *cleanups;
	size_t block_size;
	size_t used;
};

static struct pxt_block *
pxt_block_new(size_t size)
{
	struct pxt_block *b;

	if (size > SIZE_MAX - sizeof(*b))
		return NULL;
	b = malloc(sizeof(*b) + size);
	if (b == NULL)
		return NULL;
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

pxt_pool *
pxt_pool_new(size_t block_size)
{
	pxt_pool *p;

	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		pxt_seterr(PXT_ENOMEM, "out of memory creating a pool");
		return NULL;
	}
	p->block_size = block_size ? block_size : PXT_POOL_DEFAULT;
	p->head = pxt_block_new(p->block_size);
	if (p->head == NULL) {
		free(p);
		pxt_seterr(PXT_ENOMEM, "out of memory creating a pool");
		return NULL;
	}
	return p;
}

static void
pxt_pool_run_cleanups(pxt_pool *p)
{
	struct pxt_cleanup *c;

	/* cleanups live in the pool itself, so walk before any block is freed */
	for (c = p->cleanups; c != NULL; c = c->next)
		c->fn(c->data);
	p->cleanups = NULL;
}

static void
pxt_blocks_free(struct pxt_block *b)
{
	struct pxt_block *next;

	for (; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
}

void
pxt_pool_free(pxt_pool *p)
{
	if (p == NULL)
		return;
	pxt_pool_run_cleanups(p);
	pxt_blocks_free(p->head);
	pxt_blocks_free(p->large);
	free(p);
}

void
pxt_pool_reset(pxt_pool *p)
{
	struct pxt_block *first;

	pxt_pool_run_cleanups(p);
	/* keep the oldest block (the end of the list); free the rest */
	first = p->head;
	while (first->next != NULL) {
		struct pxt_block *next = first->next;

		free(first);
		first = next;
	}
	first->used = 0;
	p->head = first;
	pxt_blocks_free(p->large);
	p->large = NULL;
	p->used = 0;
}

void *
pxt_palloc(pxt_pool *p, size_t size)
{
	struct pxt_block *b;
	size_t need;

	need = (size + PXT_POOL_ALIGN - 1) & ~(size_t)(PXT_POOL_ALIGN - 1);
	if (need < size) {
		pxt_seterr(PXT_ENOMEM, "allocation of %zu bytes overflows", size);
		return NULL;
	}
	if (need > p->block_size / 4) {
		b = pxt_block_new(need);
		if (b == NULL)
			goto oom;
		b->next = p->large;
		p->large = b;
		b->used = need;
		p->used += need;
		return b->data;
	}
	if (p->head->size - p->head->used < need) {
		b = pxt_block_new(p->block_size);
		if (b == NULL)
			goto oom;
		b->next = p->head;
		p->head = b;
	}
	b = p->head;
	b->used += need;
	p->used += need;
	return b->data + b->used - need;
oom:
	pxt_seterr(PXT_ENOMEM, "out of memory allocating %zu bytes", size);
	return NULL;
}

void *
pxt_pcalloc(pxt_pool *p, size_t size)
{
	void *m = pxt_palloc(p, size);

	if (m != NULL)
		memset(m, 0, size);
	return m;
}

char *
pxt_pstrndup(pxt_pool *p, const char *s, size_t n)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = pxt_palloc(p, n + 1);
	if (d == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *
pxt_pstrdup(pxt_pool *p, const char *s)
{
	return s == NULL ? NULL : pxt_pstrndup(p, s, strlen(s));
}

char *
pxt_pvsprintf(pxt_pool *p, const char *fmt, va_list ap)
{
	va_list cp;
	char *d;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return NULL;
	d = pxt_palloc(p, (size_t)n + 1);
	if (d == NULL)
		return NULL;
	vsnprintf(d, (size_t)n + 1, fmt, ap);
	return d;
}

char *
pxt_psprintf(pxt_pool *p, const char *fmt, ...)
{
	va_list ap;
	char *d;

	va_start(ap, fmt);
	d = pxt_pvsprintf(p, fmt, ap);
	va_end(ap);
	return d;
}

int
pxt_pool_cleanup(pxt_pool *p, pxt_cleanup_fn fn, void *data)
{
	struct pxt_cleanup *c;

	c = pxt_palloc(p, sizeof(*c));
	if (c == NULL)
		return -1;
	c->fn = fn;
	c->data = data;
	c->next = p->cleanups;
	p->cleanups = c;
	return 0;
}

size_t
pxt_pool_used(const pxt_pool *p)
{
	return p->used;
}
