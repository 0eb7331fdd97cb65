/*
 * doc_int.h - documents as text: extraction (doc_extract.c) and chunking (doc_split.c),
 * internal to libpxt; the extract_text and splitter functions are built on them.
 *
 * A document is read into a flat list of blocks, headings and paragraphs, in reading
 * order. Formats: plain text (.txt), Markdown (.md, .markdown), HTML (.html, .htm)
 * and PDF (.pdf, through poppler-glib loaded on first use); a file with another
 * extension is sniffed (PDF magic, an HTML start tag, else text). PDF pages are cut
 * into paragraphs where the gap between two lines is over 0.6 line heights (poppler's
 * text has no blank lines); PDF gives no heading blocks. Text is always UTF-8:
 * bytes of a text, Markdown or HTML file that are not well-formed UTF-8 (and NUL bytes) are
 * each replaced with U+FFFD rather than refused, so one bad byte never loses a file.
 */
#ifndef PXT_DOC_H
#define PXT_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include "pxt/error.h"
#include "pxt/pool.h"

/* The largest file pxt_doc_extract reads. */
#define PXT_DOC_MAX_BYTES ((size_t)64 << 20)

enum pxt_block_kind {
	PXT_BLOCK_HEADING,
	PXT_BLOCK_PARAGRAPH
};

typedef struct pxt_block {
	enum pxt_block_kind kind;
	int level;		/* headings: 1 to 6; paragraphs: 0 */
	int page;		/* 1-based page, 0 when the format has no pages */
	const char *text;	/* UTF-8, NUL-terminated, trimmed, never empty */
	size_t len;
} pxt_block;

typedef struct pxt_doc {
	const char *path;
	const char *format;	/* "txt", "md", "html" or "pdf" */
	const char *title;	/* NULL when the document has none */
	int npages;		/* 0 when the format has no pages */
	const pxt_block *blocks;
	int nblocks;
} pxt_doc;

/*
 * pxt_doc_extract reads the document at path (a local file) and sets *out to its
 * blocks, allocated in pool and valid until the pool is freed or reset. Extracting the
 * same path again with the same pool returns the same structure without reading the
 * file again. Fails with a message naming the file: PXT_ENOTFOUND (no such file),
 * PXT_EPERM / PXT_EIO (cannot be read), PXT_ETOOLARGE (over PXT_DOC_MAX_BYTES),
 * PXT_EINVAL (a corrupt PDF, a binary file), PXT_EUNAVAIL (poppler-glib is missing,
 * or path is a URL: fetching is not done yet), PXT_ENOMEM.
 */
pxt_err pxt_doc_extract(pxt_pool *pool, const char *path, const pxt_doc **out);

/*
 * pxt_doc_text joins the blocks of doc (headings as their plain text) with blank
 * lines into one string in pool memory: *text (NUL-terminated, "" for a document
 * without blocks) of *len bytes. Fails only with PXT_ENOMEM.
 */
pxt_err pxt_doc_text(pxt_pool *pool, const pxt_doc *doc, const char **text,
    size_t *len);

/* ---- splitting (doc_split.c) ------------------------------------------------- */

/* Separators, as a bit set. */
#define PXT_SPLIT_HEADING	0x01u
#define PXT_SPLIT_PARAGRAPH	0x02u
#define PXT_SPLIT_SENTENCE	0x04u
#define PXT_SPLIT_TOKEN_LIMIT	0x08u	/* tokens: whitespace-separated words */
#define PXT_SPLIT_CHAR_LIMIT	0x10u	/* characters: UTF-8 sequences */

typedef struct pxt_split_opts {
	unsigned seps;		/* PXT_SPLIT_* bits; 0: the whole document is one chunk */
	int limit;		/* tokens or characters per chunk, with a limit separator */
	int overlap;		/* tokens or characters repeated from the chunk before */
} pxt_split_opts;

typedef struct pxt_chunk {
	int pos;		/* 0-based, in document order */
	const char *text;	/* NUL-terminated, trimmed, never empty */
	size_t len;
	const char *heading;	/* text of the most recent heading, NULL if none */
	int page;		/* page where the chunk starts, 0 if none */
} pxt_chunk;

/*
 * pxt_split_parse reads a comma-separated list of separators ("heading", "paragraph",
 * "sentence", "token_limit", "char_limit"; case and spaces around items ignored, ""
 * means none) into o->seps, keeping o->limit and o->overlap unless the list sets them
 * with "limit=N" / "overlap=N" items, then checks the result as pxt_split_check does.
 * PXT_EINVAL with a message naming the offending item.
 */
pxt_err pxt_split_parse(const char *spec, pxt_split_opts *o);

/*
 * pxt_split_check returns PXT_OK for usable options; PXT_EINVAL when a limit separator
 * has limit <= 0, when overlap is negative or not below limit, or when both limits are
 * set.
 */
pxt_err pxt_split_check(const pxt_split_opts *o);

/*
 * pxt_doc_split cuts doc into chunks the way Pixeltable's DocumentSplitter does:
 * HEADING starts a chunk at every heading, PARAGRAPH makes each paragraph a chunk,
 * SENTENCE splits into sentences, a limit cuts any piece longer than limit into
 * windows of limit with overlap. Heading text is not part of a chunk's text; it is the
 * chunk's heading. *out (an array of *n chunks, possibly 0) and all its strings are in
 * pool memory. PXT_EINVAL for bad options, PXT_ENOMEM.
 */
pxt_err pxt_doc_split(pxt_pool *pool, const pxt_doc *doc, const pxt_split_opts *o,
    pxt_chunk **out, int *n);

/*
 * pxt_string_split is pxt_doc_split for a plain string of len bytes (Pixeltable's
 * string_splitter): PARAGRAPH splits at blank lines; SENTENCE and the limits work as
 * above; HEADING is refused with PXT_EINVAL. Chunks have no heading and page 0.
 */
pxt_err pxt_string_split(pxt_pool *pool, const char *s, size_t len,
    const pxt_split_opts *o, pxt_chunk **out, int *n);

/*
 * pxt_text_clean copies len bytes of s into pool memory as valid UTF-8, replacing each
 * byte that is not part of a well-formed sequence (and each NUL) with U+FFFD; *outlen
 * gets the new length. NULL when out of memory.
 */
char *pxt_text_clean(pxt_pool *pool, const char *s, size_t len, size_t *outlen);

#endif
