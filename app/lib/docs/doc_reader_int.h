/*
 * doc_reader_int.h - what the document readers share (internal to doc_extract.c, doc_html.c
 * and doc_pdf.c, and to the fuzz target of the readers).
 *
 * doc_extract.c owns the entry point, the per-pool memo, plain text and Markdown; it
 * hands HTML to doc_html.c (libxml2) and PDF to doc_pdf.c (poppler-glib, loaded on
 * first use). Every reader appends blocks to one struct pxt_doc_build through
 * pxt_doc_add, so all formats end up with the same trimmed, non-empty blocks.
 */
#ifndef PXT_DOC_INT_H
#define PXT_DOC_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "docs/doc_int.h"

/* Blocks being collected for one document. */
struct pxt_doc_build {
	pxt_pool *pool;
	pxt_doc *doc;		/* in pool; doc->path names the source in messages */
	pxt_block *blocks;	/* doc->blocks, with room for cap of them */
	int cap;
	int page;		/* page of the blocks added next, 0 without pages */
};

/* pxt_doc_space returns whether c is ASCII whitespace (locale-independent). */
static inline bool
pxt_doc_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/*
 * pxt_doc_add appends a block of kind and level (0 for paragraphs) with the text
 * s[0..len) trimmed of whitespace, on page b->page; an empty text adds nothing. The
 * block and its copy of the text are in b->pool. Fails only with PXT_ENOMEM (no
 * message set).
 */
pxt_err pxt_doc_add(struct pxt_doc_build *b, enum pxt_block_kind kind, int level,
    const char *s, size_t len);

/*
 * pxt_doc_lines splits the n bytes of valid UTF-8 text at s into paragraphs at blank
 * lines; with md, ATX headings are blocks of their own (not inside ``` / ~~~ fences)
 * and the first level-1 heading becomes the title. Used for text, Markdown and PDF
 * pages without character boxes. Fails only with PXT_ENOMEM (no message set).
 */
pxt_err pxt_doc_lines(struct pxt_doc_build *b, const char *s, size_t n, bool md);

/*
 * pxt_doc_html (doc_html.c) parses n bytes of HTML at s into blocks and the <title>;
 * utf8 says the bytes are known to be valid UTF-8, otherwise libxml2 detects the
 * charset. The text of the blocks is UTF-8. Fails with a message naming b->doc->path:
 * PXT_EINVAL when libxml2 gives up, PXT_ENOMEM.
 */
pxt_err pxt_doc_html(struct pxt_doc_build *b, const char *s, size_t n, bool utf8);

/*
 * pxt_doc_pdf (doc_pdf.c) reads the PDF file at b->doc->path: the title, the page
 * count and one paragraph block per text paragraph of each page. poppler-glib is
 * loaded on the first call. Fails with a message naming the path: PXT_EUNAVAIL
 * (poppler-glib missing), PXT_EINVAL (not a readable PDF), PXT_ENOMEM.
 */
pxt_err pxt_doc_pdf(struct pxt_doc_build *b);

/*
 * pxt_doc_from_memory reads len bytes at data as a document of format "txt", "md" or
 * "html" (PDF is read from files only), exactly as pxt_doc_extract reads a file of that
 * format, and sets *out to the result in pool (path "(memory)", never memoized).
 * Fails with PXT_EINVAL for another format or unreadable HTML, PXT_ETOOLARGE over
 * PXT_DOC_MAX_BYTES, PXT_ENOMEM; each with a message.
 */
pxt_err pxt_doc_from_memory(pxt_pool *pool, const char *format, const char *data,
    size_t len, const pxt_doc **out);

#endif
