/*
 * doc_html.c - the HTML reader of the document extractor (see doc_reader_int.h): libxml2's
 * HTML parser (no network, no error output) turns the page into a tree, and a walk in
 * document order makes h1-h6 headings, block elements paragraphs and <title> the
 * document's title, skipping scripts, styles and other non-text elements.
 */
#include <string.h>

#include <libxml/HTMLparser.h>

#include "pxt/buf.h"
#include "docs/doc_reader_int.h"
#include "core/utf8_int.h"

#define PXT_HTML_MAX_DEPTH 512

/* The state of one walk: where blocks go, and the text of the block being read. */
struct pxt_html {
	struct pxt_doc_build *b;
	pxt_buf acc;
};

/* Whether element n is one of names (libxml2 lower-cases HTML names). */
static bool
pxt_html_is(const xmlNode *n, const char *const *names)
{
	for (; *names; names++)
		if (strcmp((const char *)n->name, *names) == 0)
			return true;
	return false;
}

static const char *const pxt_html_skip[] = {"script", "style", "noscript", "template",
	"iframe", "object", "svg", NULL};
static const char *const pxt_html_blocks[] = {"p", "li", "div", "td", "th", "pre",
	"blockquote", "dd", "dt", "ul", "ol", "dl", "table", "tr", "section", "article",
	"header", "footer", "main", "nav", "aside", "figure", "figcaption", "caption",
	"form", "hr", "body", "address", "details", "summary", NULL};

/*
 * Appends the NUL-terminated text s to the block being read, collapsing runs of
 * whitespace to one space unless pre. libxml2 hands out UTF-8, but not always valid
 * UTF-8 (an entity reference cut by a bad byte of a page without a declared charset
 * can leave half a sequence), so each byte that does not start a well-formed sequence
 * becomes U+FFFD, as in text files. Out of memory is remembered in h->acc.failed.
 */
static void
pxt_html_text(struct pxt_html *h, const char *s, bool pre)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), k;

	for (size_t i = 0; i < n; i += k ? k : 1) {
		if ((k = pxt_utf8_len(u + i, n - i)) == 0)
			pxt_buf_add(&h->acc, "\xef\xbf\xbd", 3);
		else if (pre || !pxt_doc_space(s[i]))
			pxt_buf_add(&h->acc, s + i, k);
		else if (h->acc.len > 0 && !pxt_doc_space(h->acc.data[h->acc.len - 1]))
			pxt_buf_addc(&h->acc, ' ');
	}
}

/*
 * Ends the block being read: adds it as a paragraph (or a heading of level lv) and
 * empties the buffer. PXT_ENOMEM only.
 */
static pxt_err
pxt_html_flush(struct pxt_html *h, int lv)
{
	pxt_err rc;

	if (h->acc.failed)
		return PXT_ENOMEM;
	rc = pxt_doc_add(h->b, lv ? PXT_BLOCK_HEADING : PXT_BLOCK_PARAGRAPH, lv,
	    pxt_buf_str(&h->acc), h->acc.len);
	pxt_buf_reset(&h->acc);
	return rc;
}

/*
 * Sets the document's title, when it has none yet, from the text of the <title>
 * element n (whitespace collapsed, in pool memory). A title lost to a lack of memory
 * is only missing.
 */
static void
pxt_html_title(struct pxt_html *h, const xmlNode *n)
{
	xmlChar *t = xmlNodeGetContent(n);

	if (h->b->doc->title == NULL && t != NULL) {
		struct pxt_html th = {h->b, PXT_BUF_INIT};

		pxt_html_text(&th, (const char *)t, false);
		if (th.acc.len > 0 && !th.acc.failed)
			h->b->doc->title = pxt_pstrndup(h->b->pool, th.acc.data,
			    th.acc.len - (th.acc.data[th.acc.len - 1] == ' '));
		pxt_buf_free(&th.acc);
	}
	xmlFree(t);
}

/*
 * Walks the children of n in document order: text goes into the current block,
 * h1-h6 become headings, block elements end the block before and after them, script
 * and style are skipped, <title> is the document's title. Nesting deeper than
 * PXT_HTML_MAX_DEPTH is ignored. PXT_ENOMEM only.
 */
static pxt_err
pxt_html_walk(struct pxt_html *h, const xmlNode *n, bool pre, int depth)
{
	pxt_err rc = PXT_OK;

	if (depth > PXT_HTML_MAX_DEPTH)
		return PXT_OK;
	for (const xmlNode *c = n->children; c != NULL && rc == PXT_OK; c = c->next) {
		const char *name = (const char *)c->name;

		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			if (c->content != NULL)
				pxt_html_text(h, (const char *)c->content, pre);
			continue;
		}
		if (c->type != XML_ELEMENT_NODE || pxt_html_is(c, pxt_html_skip))
			continue;
		if (strcmp(name, "title") == 0) {
			pxt_html_title(h, c);
		} else if (name[0] == 'h' && name[1] >= '1' && name[1] <= '6' && !name[2]) {
			if ((rc = pxt_html_flush(h, 0)) == PXT_OK &&
			    (rc = pxt_html_walk(h, c, false, depth + 1)) == PXT_OK)
				rc = pxt_html_flush(h, name[1] - '0');
		} else if (strcmp(name, "br") == 0) {
			pxt_buf_addc(&h->acc, '\n');
		} else if (pxt_html_is(c, pxt_html_blocks)) {
			if ((rc = pxt_html_flush(h, 0)) == PXT_OK &&
			    (rc = pxt_html_walk(h, c, pre || strcmp(name, "pre") == 0,
			    depth + 1)) == PXT_OK)
				rc = pxt_html_flush(h, 0);
		} else {
			rc = pxt_html_walk(h, c, pre, depth + 1);
		}
	}
	return rc;
}

pxt_err
pxt_doc_html(struct pxt_doc_build *b, const char *s, size_t n, bool utf8)
{
	struct pxt_html h = {b, PXT_BUF_INIT};
	htmlDocPtr x;
	pxt_err rc;

	if (n == 0)
		return PXT_OK;
	x = htmlReadMemory(s, (int)n, NULL, utf8 ? "UTF-8" : NULL, HTML_PARSE_RECOVER |
	    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	if (x == NULL)
		return pxt_seterr(PXT_EINVAL, "%s: not readable as HTML", b->doc->path);
	rc = pxt_html_walk(&h, (const xmlNode *)x, false, 0);
	if (rc == PXT_OK)
		rc = pxt_html_flush(&h, 0);
	pxt_buf_free(&h.acc);
	xmlFreeDoc(x);
	return rc == PXT_ENOMEM ? pxt_seterr(rc, "%s: out of memory", b->doc->path) : rc;
}
