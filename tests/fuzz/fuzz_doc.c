/*
 * fuzz_doc.c - libFuzzer target for the document readers and the splitter
 * (app/lib/docs/doc_extract.c, doc_html.c, doc_split.c); PDF is left out (see
 * fuzz_doc_nopdf.c).
 *
 * The input is read from memory as plain text, as Markdown and as HTML, each in a
 * fresh pool. Reading may fail only with PXT_EINVAL (HTML only) or PXT_ENOMEM, with a
 * message. A document's blocks must be what doc_int.h promises: non-empty, trimmed,
 * NUL-terminated valid UTF-8 of the stated length, headings of level 1 to 6 and
 * paragraphs of level 0, no pages. Each document is then split with a few separator
 * specs, and the chunks must be numbered 0..n-1 in order, non-empty, trimmed valid
 * UTF-8, and within the limit: words for token_limit, UTF-8 characters for char_limit.
 * Any broken promise traps.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "docs/doc_reader_int.h"
#include "core/utf8_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t fuzz_sink;

#define FUZZ_CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

/* The splits each document goes through: a spec, then its limit and overlap. */
static const struct {
	const char *spec;
	int limit, overlap;
} fuzz_specs[] = {
	{"", 0, 0},
	{"heading", 0, 0},
	{"paragraph", 0, 0},
	{"sentence", 0, 0},
	{"heading,token_limit", 7, 2},
	{"char_limit", 13, 3},
};

/* Whether c is whitespace as the splitter counts words (ASCII only). */
static int
fuzz_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/*
 * Checks that s (len bytes) is non-empty, NUL-terminated at len without an earlier
 * NUL, trimmed of whitespace and valid UTF-8; returns its number of characters.
 */
static size_t
fuzz_text(const char *s, size_t len)
{
	size_t chars = 0;

	FUZZ_CHECK(s != NULL && len > 0 && s[len] == '\0' && strlen(s) == len);
	FUZZ_CHECK(!fuzz_space(s[0]) && !fuzz_space(s[len - 1]));
	for (size_t i = 0, k; i < len; i += k, chars++)
		FUZZ_CHECK((k = pxt_utf8_len((const unsigned char *)s + i, len - i)) != 0);
	return chars;
}

/* Returns the number of words (runs of non-whitespace) in s, of len bytes. */
static size_t
fuzz_words(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += !fuzz_space(s[i]) && (i == 0 || fuzz_space(s[i - 1]));
	return n;
}

/* Checks the blocks and title of a document read from memory. */
static void
fuzz_check_doc(const pxt_doc *d)
{
	FUZZ_CHECK(d->nblocks >= 0 && d->npages == 0);
	FUZZ_CHECK(d->nblocks == 0 || d->blocks != NULL);
	for (int i = 0; i < d->nblocks; i++) {
		const pxt_block *b = &d->blocks[i];

		fuzz_sink += fuzz_text(b->text, b->len);
		FUZZ_CHECK(b->page == 0);
		if (b->kind == PXT_BLOCK_HEADING)
			FUZZ_CHECK(b->level >= 1 && b->level <= 6);
		else
			FUZZ_CHECK(b->kind == PXT_BLOCK_PARAGRAPH && b->level == 0);
	}
	if (d->title != NULL)
		fuzz_sink += fuzz_text(d->title, strlen(d->title));
}

/* Splits d with every spec of fuzz_specs and checks the chunks. */
static void
fuzz_split(pxt_pool *pool, const pxt_doc *d)
{
	for (size_t k = 0; k < sizeof(fuzz_specs) / sizeof(*fuzz_specs); k++) {
		pxt_split_opts o = {0, fuzz_specs[k].limit, fuzz_specs[k].overlap};
		pxt_chunk *c = NULL;
		int n = -1;

		FUZZ_CHECK(pxt_split_parse(fuzz_specs[k].spec, &o) == PXT_OK);
		if (pxt_doc_split(pool, d, &o, &c, &n) != PXT_OK)
			continue;	/* out of memory only: nothing to check */
		FUZZ_CHECK(n >= 0 && (n == 0 || c != NULL));
		for (int i = 0; i < n; i++) {
			size_t chars = fuzz_text(c[i].text, c[i].len);

			FUZZ_CHECK(c[i].pos == i && c[i].page == 0);
			if (o.seps & PXT_SPLIT_CHAR_LIMIT)
				FUZZ_CHECK(chars <= (size_t)o.limit);
			if (o.seps & PXT_SPLIT_TOKEN_LIMIT)
				FUZZ_CHECK(fuzz_words(c[i].text, c[i].len) <=
				    (size_t)o.limit);
			if (c[i].heading != NULL)
				fuzz_sink += strlen(c[i].heading);
			fuzz_sink += chars;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const formats[] = {"txt", "md", "html"};

	for (size_t f = 0; f < sizeof(formats) / sizeof(*formats); f++) {
		pxt_pool *pool = pxt_pool_new(0);
		const pxt_doc *d = NULL;
		const char *text;
		size_t len;
		pxt_err rc;

		if (pool == NULL)
			return 0;
		rc = pxt_doc_from_memory(pool, formats[f], (const char *)data, size, &d);
		if (rc != PXT_OK) {
			FUZZ_CHECK(d == NULL && (rc == PXT_ENOMEM || (rc == PXT_EINVAL &&
			    strcmp(formats[f], "html") == 0)));
			FUZZ_CHECK(pxt_errmsg()[0] != '\0');
			pxt_pool_free(pool);
			continue;
		}
		FUZZ_CHECK(d != NULL && strcmp(d->format, formats[f]) == 0);
		fuzz_check_doc(d);
		if (pxt_doc_text(pool, d, &text, &len) == PXT_OK)
			FUZZ_CHECK(strlen(text) == len);
		fuzz_split(pool, d);
		pxt_pool_free(pool);
	}
	return 0;
}
