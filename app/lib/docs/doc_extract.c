/*
 * doc_extract.c - reading documents into headings and paragraphs (see doc_int.h): the
 * entry point, format detection, plain text and Markdown; HTML is read in doc_html.c
 * and PDF in doc_pdf.c (doc_reader_int.h). Results are memoized per pool, so the several
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

#include "pxt/os.h"
#include "docs/doc_reader_int.h"

/* ---- the per-pool memo --------------------------------------------------------- */

/* A document read with a pool: in the pool, listed process-wide until the pool goes. */
struct pxt_doc_memo {
	struct pxt_doc_memo *next;
	pxt_pool *pool;
	const pxt_doc *doc;
};

static pthread_mutex_t pxt_memo_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pxt_doc_memo *pxt_memos;

/* Pool cleanup: unlists the memo entry data (its memory goes with the pool). */
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

/* Returns the document read from path with pool (owned by the pool), or NULL. */
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

pxt_err
pxt_doc_add(struct pxt_doc_build *b, enum pxt_block_kind kind, int level,
    const char *s, size_t len)
{
	pxt_block *blk;

	while (len > 0 && pxt_doc_space(*s))
		s++, len--;
	while (len > 0 && pxt_doc_space(s[len - 1]))
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

/* Returns the length of the line at s, of n bytes (up to, not including, '\n'). */
static size_t
pxt_line_len(const char *s, size_t n)
{
	const char *nl = memchr(s, '\n', n);

	return nl ? (size_t)(nl - s) : n;
}

/* Returns whether the n bytes at s are whitespace only. */
static bool
pxt_line_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!pxt_doc_space(s[i]))
			return false;
	return true;
}

/* ---- Markdown ------------------------------------------------------------------ */

/*
 * Returns the level (1-6) of the ATX heading line s (n bytes), with its text in *t /
 * *tl; 0 when the line is not a heading.
 */
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
	while (n > i && pxt_doc_space(s[n - 1]))
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

/* Returns whether the line s (n bytes) opens or closes a fenced code block. */
static bool
pxt_md_fence(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && i < 3 && s[i] == ' ')
		i++;
	return n - i >= 3 && (memcmp(s + i, "```", 3) == 0 || memcmp(s + i, "~~~", 3) == 0);
}

pxt_err
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

/* ---- formats and the entry point ----------------------------------------------- */

/*
 * Returns the format ("txt", "md", "html", "pdf"; static) named by path's extension,
 * else sniffed from the n first bytes at head; NULL for binary data.
 */
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
	while (i < n && pxt_doc_space(head[i]))
		i++;
	for (size_t k = 0; k < sizeof(tags) / sizeof(*tags); k++)
		if (n - i >= strlen(tags[k]) && strncasecmp(head + i, tags[k],
		    strlen(tags[k])) == 0)
			return "html";
	return memchr(head, '\0', n) ? NULL : "txt";
}

/*
 * Opens path to check it is a readable regular file within PXT_DOC_MAX_BYTES and
 * sets *format from its name or first bytes. Fails with a message naming the path:
 * PXT_ENOTFOUND, PXT_EPERM, PXT_EIO, PXT_ETOOLARGE, PXT_EINVAL (binary data).
 */
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

/*
 * Parses the n bytes at raw as b->doc->format (txt, md or html); raw is only read.
 * Text and Markdown are cleaned to valid UTF-8 first; HTML whose bytes are not valid
 * UTF-8 goes to libxml2 as it is, to detect its charset. Fails with a message naming
 * the path: PXT_EINVAL (unreadable HTML), PXT_ENOMEM.
 */
static pxt_err
pxt_doc_parse(struct pxt_doc_build *b, const char *raw, size_t n)
{
	size_t sl;
	pxt_err rc;
	char *s;
	bool utf8;

	if ((s = pxt_text_clean(b->pool, raw, n, &sl)) == NULL)
		return pxt_seterr(PXT_ENOMEM, "%s: out of memory", b->doc->path);
	utf8 = sl == n && memcmp(s, raw, n) == 0;
	if (sl >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3, sl -= 3;
	if (strcmp(b->doc->format, "html") == 0)
		rc = pxt_doc_html(b, utf8 ? s : raw, utf8 ? sl : n, utf8);
	else
		rc = pxt_doc_lines(b, s, sl, strcmp(b->doc->format, "md") == 0);
	if (rc == PXT_ENOMEM)
		pxt_seterr(rc, "%s: out of memory", b->doc->path);
	return rc;
}

/*
 * Reads the file of a text-based format (txt, md, html) and parses it. Errors as
 * pxt_file_read's and pxt_doc_parse's, with the message set.
 */
static pxt_err
pxt_doc_textual(struct pxt_doc_build *b)
{
	size_t n;
	pxt_err rc;
	char *raw;

	if ((rc = pxt_file_read(b->doc->path, PXT_DOC_MAX_BYTES, &raw, &n)) != PXT_OK)
		return rc;
	rc = pxt_doc_parse(b, raw, n);
	free(raw);
	return rc;
}

pxt_err
pxt_doc_from_memory(pxt_pool *pool, const char *format, const char *data, size_t len,
    const pxt_doc **out)
{
	static const char *const formats[] = {"txt", "md", "html"};
	struct pxt_doc_build b = {pool, NULL, NULL, 0, 0};
	pxt_err rc;
	size_t k;

	*out = NULL;
	for (k = 0; k < sizeof(formats) / sizeof(*formats); k++)
		if (strcmp(format, formats[k]) == 0)
			break;
	if (k == sizeof(formats) / sizeof(*formats))
		return pxt_seterr(PXT_EINVAL, "(memory): cannot read format '%s' from "
		    "memory", format);
	if (len > PXT_DOC_MAX_BYTES)
		return pxt_seterr(PXT_ETOOLARGE, "(memory): %zu bytes, over the %zu MiB "
		    "limit of documents", len, PXT_DOC_MAX_BYTES >> 20);
	if ((b.doc = pxt_pcalloc(pool, sizeof(*b.doc))) == NULL)
		return pxt_seterr(PXT_ENOMEM, "(memory): out of memory");
	b.doc->path = "(memory)";
	b.doc->format = formats[k];
	if ((rc = pxt_doc_parse(&b, data, len)) != PXT_OK)
		return rc;
	*out = b.doc;
	return PXT_OK;
}

pxt_err
pxt_doc_extract(pxt_pool *pool, const char *path, const pxt_doc **out)
{
	struct pxt_doc_build b = {pool, NULL, NULL, 0, 0};
	const char *format;
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
	rc = strcmp(format, "pdf") == 0 ? pxt_doc_pdf(&b) : pxt_doc_textual(&b);
	if (rc != PXT_OK)
		return rc;
	pxt_doc_memo_add(pool, b.doc);
	*out = b.doc;
	return PXT_OK;
}
