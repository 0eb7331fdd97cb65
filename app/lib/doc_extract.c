/*
 * doc_extract.c - reading documents into headings and paragraphs (see doc.h): plain
 * text, Markdown, HTML (libxml2's HTML parser, no network, no error output) and PDF
 * (poppler-glib, loaded on first use). Results are memoized per pool, so the several
 * functions of one row (extract_text, doc_title, page_count) read a file once.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/HTMLparser.h>

#include "pxt/buf.h"
#include "pxt/os.h"
#include "doc.h"
#include "lazylib.h"
#include "utf8.h"

#define PXT_HTML_MAX_DEPTH 512

/* Blocks being collected for one document. */
struct pxt_doc_build {
	pxt_pool *pool;
	pxt_doc *doc;
	pxt_block *blocks;
	int cap;
	int page;
};

/* ---- the per-pool memo --------------------------------------------------------- */

/* A document read with a pool: in the pool, listed process-wide until the pool goes. */
struct pxt_doc_memo {
	struct pxt_doc_memo *next;
	pxt_pool *pool;
	const pxt_doc *doc;
};

static pthread_mutex_t pxt_memo_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pxt_doc_memo *pxt_memos;

/* Pool cleanup: unlist a memo entry (its memory goes with the pool). */
static void
pxt_doc_memo_drop(void *data)
{
	struct pxt_doc_memo **pp;

	pthread_mutex_lock(&pxt_memo_lock);
	for (pp = &pxt_memos; *pp != NULL && *pp != data; pp = &(*pp)->next)
		;
	if (*pp != NULL)
		*pp = (*pp)->next;
	pthread_mutex_unlock(&pxt_memo_lock);
}

/* The document read from path with pool, or NULL. */
static const pxt_doc *
pxt_doc_memo_find(pxt_pool *pool, const char *path)
{
	const struct pxt_doc_memo *m;

	pthread_mutex_lock(&pxt_memo_lock);
	for (m = pxt_memos; m != NULL; m = m->next)
		if (m->pool == pool && strcmp(m->doc->path, path) == 0)
			break;
	pthread_mutex_unlock(&pxt_memo_lock);
	return m ? m->doc : NULL;
}

/* Remembers doc for pool; out of memory only means it will be read again. */
static void
pxt_doc_memo_add(pxt_pool *pool, const pxt_doc *doc)
{
	struct pxt_doc_memo *m = pxt_palloc(pool, sizeof(*m));

	if (m == NULL || pxt_pool_cleanup(pool, pxt_doc_memo_drop, m) != 0)
		return;
	m->pool = pool;
	m->doc = doc;
	pthread_mutex_lock(&pxt_memo_lock);
	m->next = pxt_memos;
	pxt_memos = m;
	pthread_mutex_unlock(&pxt_memo_lock);
}

/* ---- text helpers -------------------------------------------------------------- */

/* ASCII whitespace (locale-independent, unlike isspace). */
static bool
pxt_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/*
 * Adds a block of the trimmed text s[0..len) (skipped when empty). PXT_ENOMEM only.
 */
static pxt_err
pxt_doc_add(struct pxt_doc_build *b, enum pxt_block_kind kind, int level,
    const char *s, size_t len)
{
	pxt_block *blk;

	while (len > 0 && pxt_is_space(*s))
		s++, len--;
	while (len > 0 && pxt_is_space(s[len - 1]))
		len--;
	if (len == 0)
		return PXT_OK;
	if (b->doc->nblocks == b->cap) {
		int cap = b->cap ? 2 * b->cap : 32;
		pxt_block *nb = pxt_palloc(b->pool, (size_t)cap * sizeof(*nb));

		if (nb == NULL)
			return PXT_ENOMEM;
		if (b->doc->nblocks > 0)
			memcpy(nb, b->blocks, (size_t)b->doc->nblocks * sizeof(*nb));
		b->blocks = nb;
		b->doc->blocks = nb;
		b->cap = cap;
	}
	blk = &b->blocks[b->doc->nblocks];
	if ((blk->text = pxt_pstrndup(b->pool, s, len)) == NULL)
		return PXT_ENOMEM;
	blk->kind = kind;
	blk->level = level;
	blk->page = b->page;
	blk->len = len;
	b->doc->nblocks++;
	return PXT_OK;
}

/* Length of the line at s (up to, not including, '\n'). */
static size_t
pxt_line_len(const char *s, size_t n)
{
	const char *nl = memchr(s, '\n', n);

	return nl ? (size_t)(nl - s) : n;
}

/* Whether the n bytes at s are whitespace only. */
static bool
pxt_line_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!pxt_is_space(s[i]))
			return false;
	return true;
}

/* ---- Markdown ------------------------------------------------------------------ */

/* The level (1-6) of an ATX heading line, with its text in *t / *tl; 0 otherwise. */
static int
pxt_md_heading(const char *s, size_t n, const char **t, size_t *tl)
{
	size_t i = 0, lv = 0;

	while (i < n && i < 3 && s[i] == ' ')
		i++;
	while (i < n && s[i] == '#')
		i++, lv++;
	if (lv < 1 || lv > 6 || (i < n && s[i] != ' ' && s[i] != '\t'))
		return 0;
	while (n > i && pxt_is_space(s[n - 1]))
		n--;
	/* an optional closing run of '#' after a space */
	size_t e = n;
	while (e > i && s[e - 1] == '#')
		e--;
	if (e < n && (e == i || s[e - 1] == ' ' || s[e - 1] == '\t'))
		n = e;
	*t = s + i;
	*tl = n - i;
	return (int)lv;
}

/* Whether a line opens or closes a fenced code block (``` or ~~~). */
static bool
pxt_md_fence(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && i < 3 && s[i] == ' ')
		i++;
	return n - i >= 3 && (memcmp(s + i, "```", 3) == 0 || memcmp(s + i, "~~~", 3) == 0);
}

/*
 * Splits text into paragraphs at blank lines (text files, PDF pages without boxes);
 * with md, ATX headings are blocks of their own, not read inside ``` / ~~~ fences, and
 * the first level-1 heading is the title.
 */
static pxt_err
pxt_doc_lines(struct pxt_doc_build *b, const char *s, size_t n, bool md)
{
	size_t start = 0, i = 0, tl;
	bool fenced = false;
	const char *t;
	pxt_err rc = PXT_OK;

	while (i < n && rc == PXT_OK) {
		size_t l = pxt_line_len(s + i, n - i);
		int lv = !md || fenced ? 0 : pxt_md_heading(s + i, l, &t, &tl), before;

		if (md && pxt_md_fence(s + i, l))
			fenced = !fenced;
		if (lv > 0 || (!fenced && pxt_line_blank(s + i, l))) {
			rc = pxt_doc_add(b, PXT_BLOCK_PARAGRAPH, 0, s + start, i - start);
			before = b->doc->nblocks;
			if (rc == PXT_OK && lv > 0)
				rc = pxt_doc_add(b, PXT_BLOCK_HEADING, lv, t, tl);
			if (lv == 1 && b->doc->title == NULL && b->doc->nblocks > before)
				b->doc->title = b->blocks[before].text;
			start = i + l + 1;
		}
		i += l + 1;
	}
	if (rc == PXT_OK && start < n)
		rc = pxt_doc_add(b, PXT_BLOCK_PARAGRAPH, 0, s + start, n - start);
	return rc;
}

/* ---- HTML ---------------------------------------------------------------------- */

struct pxt_html {
	struct pxt_doc_build *b;
	pxt_buf acc;		/* text of the block being read */
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

/* Appends text, collapsing runs of whitespace to one space unless pre. */
static void
pxt_html_text(struct pxt_html *h, const char *s, bool pre)
{
	if (pre) {
		pxt_buf_adds(&h->acc, s);
		return;
	}
	for (; *s; s++) {
		if (!pxt_is_space(*s))
			pxt_buf_addc(&h->acc, *s);
		else if (h->acc.len > 0 && !pxt_is_space(h->acc.data[h->acc.len - 1]))
			pxt_buf_addc(&h->acc, ' ');
	}
}

/* Ends the current block: a paragraph (or a heading of level lv). */
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
 * Walks the children of n in document order: text goes into the current block,
 * h1-h6 become headings, block elements end the block before and after them, script
 * and style are skipped, <title> is the document's title. PXT_ENOMEM only.
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
			xmlChar *t = xmlNodeGetContent(c);

			if (h->b->doc->title == NULL && t != NULL) {
				struct pxt_html th = {h->b, PXT_BUF_INIT};

				pxt_html_text(&th, (const char *)t, false);
				if (th.acc.len > 0 && !th.acc.failed)
					h->b->doc->title = pxt_pstrndup(h->b->pool,
					    th.acc.data, th.acc.len - (th.acc.data[th.acc.len
					    - 1] == ' '));
				pxt_buf_free(&th.acc);
			}
			xmlFree(t);
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

/*
 * Parses n bytes of HTML (declared UTF-8 when utf8, else libxml2 detects the charset)
 * into blocks. PXT_EINVAL when libxml2 gives up, PXT_ENOMEM.
 */
static pxt_err
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

/* ---- PDF ----------------------------------------------------------------------- */

/*
 * Splits a PDF page's text t (n bytes; r[k] is the box of its k-th character, y
 * growing downwards) into paragraphs by geometry, as poppler's text has no blank
 * lines: a paragraph starts where the gap above a line is over 0.6 line heights, or
 * where the text moves up (a new column).
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
			if (!pxt_is_space(t[i])) {
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

/* Adds the paragraphs of one page (its text and character boxes from poppler). */
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

/* Reads the PDF at file (an absolute path; messages name b->doc->path). */
static pxt_err
pxt_doc_pdf(struct pxt_doc_build *b, const char *file)
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

/* ---- formats and the entry point ----------------------------------------------- */

/* The format named by path's extension, else sniffed from the first bytes. */
static const char *
pxt_doc_format(const char *path, const char *head, size_t n)
{
	static const char *const ext[][2] = {{".txt", "txt"}, {".text", "txt"},
		{".md", "md"}, {".markdown", "md"}, {".html", "html"}, {".htm", "html"},
		{".xhtml", "html"}, {".pdf", "pdf"}};
	static const char *const tags[] = {"<!doctype html", "<html", "<head", "<body"};
	const char *dot = strrchr(path, '.');
	size_t i = 0;

	if (dot != NULL && strchr(dot, '/') == NULL)
		for (size_t k = 0; k < sizeof(ext) / sizeof(*ext); k++)
			if (strcasecmp(dot, ext[k][0]) == 0)
				return ext[k][1];
	if (n >= 5 && memcmp(head, "%PDF-", 5) == 0)
		return "pdf";
	if (n >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < n && pxt_is_space(head[i]))
		i++;
	for (size_t k = 0; k < sizeof(tags) / sizeof(*tags); k++)
		if (n - i >= strlen(tags[k]) && strncasecmp(head + i, tags[k],
		    strlen(tags[k])) == 0)
			return "html";
	return memchr(head, '\0', n) ? NULL : "txt";
}

/* Opens path to check it is a readable regular file within the limit; sniffs it. */
static pxt_err
pxt_doc_probe(const char *path, const char **format)
{
	char head[1024];
	struct stat st;
	ssize_t got;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return pxt_seterr(PXT_ENOTFOUND, "%s: no such file", path);
		return pxt_seterr(errno == EACCES ? PXT_EPERM : PXT_EIO, "%s: cannot "
		    "open: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return pxt_seterr(PXT_EIO, "%s: not a regular file", path);
	}
	if ((size_t)st.st_size > PXT_DOC_MAX_BYTES) {
		close(fd);
		return pxt_seterr(PXT_ETOOLARGE, "%s: %lld bytes, over the %zu MiB limit of "
		    "documents", path, (long long)st.st_size, PXT_DOC_MAX_BYTES >> 20);
	}
	got = read(fd, head, sizeof(head));
	close(fd);
	if (got < 0)
		return pxt_seterr(PXT_EIO, "%s: cannot read: %s", path, strerror(errno));
	if ((*format = pxt_doc_format(path, head, (size_t)got)) == NULL)
		return pxt_seterr(PXT_EINVAL, "%s: binary data, not a document format pxtc "
		    "reads (txt, md, html, pdf)", path);
	return PXT_OK;
}

/* Reads and parses a text-based format (txt, md, html). */
static pxt_err
pxt_doc_textual(struct pxt_doc_build *b)
{
	char *raw, *s;
	size_t n, sl;
	pxt_err rc;
	bool utf8;

	if ((rc = pxt_file_read(b->doc->path, PXT_DOC_MAX_BYTES, &raw, &n)) != PXT_OK)
		return rc;
	if ((s = pxt_text_clean(b->pool, raw, n, &sl)) == NULL) {
		free(raw);
		return pxt_seterr(PXT_ENOMEM, "%s: out of memory", b->doc->path);
	}
	utf8 = sl == n && memcmp(s, raw, n) == 0;
	if (sl >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3, sl -= 3;
	if (strcmp(b->doc->format, "html") == 0)
		rc = pxt_doc_html(b, utf8 ? s : raw, utf8 ? sl : n, utf8);
	else
		rc = pxt_doc_lines(b, s, sl, strcmp(b->doc->format, "md") == 0);
	free(raw);
	if (rc == PXT_ENOMEM)
		pxt_seterr(rc, "%s: out of memory", b->doc->path);
	return rc;
}

pxt_err
pxt_doc_extract(pxt_pool *pool, const char *path, const pxt_doc **out)
{
	struct pxt_doc_build b = {pool, NULL, NULL, 0, 0};
	const char *format, *abs;
	pxt_err rc;

	if (strstr(path, "://") != NULL)
		return pxt_seterr(PXT_EINVAL, "%s: URL media is not fetched yet", path);
	if ((*out = pxt_doc_memo_find(pool, path)) != NULL)
		return PXT_OK;
	if ((rc = pxt_doc_probe(path, &format)) != PXT_OK)
		return rc;
	if ((b.doc = pxt_pcalloc(pool, sizeof(*b.doc))) == NULL ||
	    (b.doc->path = pxt_pstrdup(pool, path)) == NULL)
		return pxt_seterr(PXT_ENOMEM, "%s: out of memory", path);
	b.doc->format = format;
	if (strcmp(format, "pdf") != 0)
		rc = pxt_doc_textual(&b);
	/* poppler wants a file:// URI, made from an absolute path */
	else if ((abs = path[0] == '/' ? path : pxt_path_absolute(pool, path)) != NULL)
		rc = pxt_doc_pdf(&b, abs);
	else
		rc = pxt_seterr(PXT_ENOMEM, "%s: out of memory", path);
	if (rc != PXT_OK)
		return rc;
	pxt_doc_memo_add(pool, b.doc);
	*out = b.doc;
	return PXT_OK;
}
