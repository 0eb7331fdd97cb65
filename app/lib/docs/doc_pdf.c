/*
 * doc_pdf.c - the PDF reader of the document extractor (see doc_reader_int.h), through
 * poppler-glib loaded on first use (lazylib_int.h). A page's text comes with the box of
 * each character; as poppler's text has no blank lines, paragraphs are found from the
 * geometry of the lines. The title comes from the document information.
 */
#include <string.h>

#include "pxt/os.h"
#include "docs/doc_reader_int.h"
#include "core/lazylib_int.h"
#include "core/utf8_int.h"

/*
 * Splits a PDF page's text t (n bytes; r[k] is the box of its k-th character, y
 * growing downwards) into paragraphs by geometry, as poppler's text has no blank
 * lines: a paragraph starts where the gap above a line is over 0.6 line heights, or
 * where the text moves up (a new column). PXT_ENOMEM only.
 */
static pxt_err
pxt_pdf_paragraphs(struct pxt_doc_build *b, const char *t, size_t n,
    const PopplerRectangle *r)
{
	size_t start = 0, line = 0, k = 0;
	double ptop = 0, pbot = -1, top = 1e300, bot = -1e300;
	pxt_err rc = PXT_OK;

	for (size_t i = 0; i <= n && rc == PXT_OK; k++) {
		if (i < n && t[i] != '\n') {
			if (!pxt_doc_space(t[i])) {
				top = r[k].y1 < top ? r[k].y1 : top;
				bot = r[k].y2 > bot ? r[k].y2 : bot;
			}
			i += pxt_utf8_len((const unsigned char *)t + i, n - i);
			continue;
		}
		/* the end of the line [line, i): compare it with the line above */
		if (top <= bot) {
			double h = bot - top > pbot - ptop ? bot - top : pbot - ptop;

			if (pbot >= ptop && (top - pbot > 0.6 * h || top < ptop - 0.5 * h)) {
				rc = pxt_doc_add(b, PXT_BLOCK_PARAGRAPH, 0, t + start,
				    line - start);
				start = line;
			}
			ptop = top;
			pbot = bot;
		}
		top = 1e300;
		bot = -1e300;
		line = ++i;
	}
	return rc == PXT_OK ? pxt_doc_add(b, PXT_BLOCK_PARAGRAPH, 0, t + start,
	    n - start) : rc;
}

/*
 * Adds the paragraphs of one page (its text and character boxes from poppler); pages
 * whose text needed cleaning, or without boxes, are cut at blank lines instead.
 * PXT_ENOMEM only.
 */
static pxt_err
pxt_pdf_page(struct pxt_doc_build *b, const struct pxt_poppler *P, PopplerPage *pg)
{
	char *text = P->page_get_text(pg), *c;
	PopplerRectangle *r = NULL;
	guint nr = 0;
	size_t len, chars = 0;
	pxt_err rc;

	if (text == NULL)
		return PXT_OK;
	c = pxt_text_clean(b->pool, text, strlen(text), &len);
	for (size_t i = 0; c != NULL && i < len; i++)
		chars += ((unsigned char)c[i] & 0xc0) != 0x80;
	/* boxes match characters only when cleaning changed nothing */
	if (c != NULL && len == strlen(text) && P->page_get_text_layout(pg, &r, &nr) &&
	    nr == chars)
		rc = pxt_pdf_paragraphs(b, c, len, r);
	else
		rc = c ? pxt_doc_lines(b, c, len, false) : PXT_ENOMEM;
	P->gfree(r);
	P->gfree(text);
	return rc;
}

/*
 * Reads the PDF at file (an absolute path; messages name b->doc->path). Errors as
 * pxt_doc_pdf's, with the message set.
 */
static pxt_err
pxt_pdf_read(struct pxt_doc_build *b, const char *file)
{
	const struct pxt_poppler *P;
	PopplerDocument *pd = NULL;
	GError *gerr = NULL;
	char *uri = NULL, *t;
	size_t tl;
	pxt_err rc;

	if ((rc = pxt_poppler_get(&P)) != PXT_OK)
		return pxt_seterr(rc, "%s: cannot read PDF: %s", b->doc->path, pxt_errmsg());
	if ((uri = P->filename_to_uri(file, NULL, &gerr)) != NULL)
		pd = P->document_new_from_file(uri, NULL, &gerr);
	if (pd == NULL) {
		rc = pxt_seterr(PXT_EINVAL, "%s: not a readable PDF: %s", b->doc->path,
		    gerr ? gerr->message : "unknown error");
		goto out;
	}
	b->doc->npages = P->document_get_n_pages(pd);
	if ((t = P->document_get_title(pd)) != NULL) {
		char *c = pxt_text_clean(b->pool, t, strlen(t), &tl);

		b->doc->title = c && *c ? c : NULL;
		P->gfree(t);
	}
	for (int i = 0; i < b->doc->npages && rc == PXT_OK; i++) {
		PopplerPage *pg = P->document_get_page(pd, i);

		b->page = i + 1;
		if (pg != NULL) {
			rc = pxt_pdf_page(b, P, pg);
			P->object_unref(pg);
		}
	}
	if (rc == PXT_ENOMEM)
		pxt_seterr(rc, "%s: out of memory", b->doc->path);
out:
	if (pd != NULL)
		P->object_unref(pd);
	if (gerr != NULL)
		P->error_free(gerr);
	P->gfree(uri);
	return rc;
}

pxt_err
pxt_doc_pdf(struct pxt_doc_build *b)
{
	const char *path = b->doc->path, *abs;

	/* poppler wants a file:// URI, made from an absolute path */
	if ((abs = path[0] == '/' ? path : pxt_path_absolute(b->pool, path)) == NULL)
		return pxt_seterr(PXT_ENOMEM, "%s: out of memory", path);
	return pxt_pdf_read(b, abs);
}
