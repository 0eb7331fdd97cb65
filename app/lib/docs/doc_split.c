/*
 * doc_split.c - cutting extracted documents and strings into chunks (see doc_int.h), the
 * way Pixeltable's DocumentSplitter and string_splitter do, plus the text helpers the
 * extractors share.
 *
 * Blocks are first grouped into pieces (the whole document, one per heading section,
 * or one per paragraph); a piece is then cut into sentences when asked, and anything
 * longer than a limit into overlapping windows. Pieces remember where each page and
 * each heading's section starts in their text, so every chunk knows the page it
 * starts on and the heading above it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pxt/buf.h"
#include "docs/doc_int.h"
#include "core/utf8_int.h"

/* Where a page or a heading's section starts in the text of a piece. */
struct pxt_mark {
	size_t off;
	int page;
	const char *heading;
};

/* The state of one split: options, the piece being built, the chunks so far. */
struct pxt_split {
	pxt_pool *pool;
	const pxt_split_opts *o;
	pxt_buf piece;		/* text of the current piece, paragraphs joined by "\n\n" */
	struct pxt_mark *marks;
	int nmarks, capmarks;
	pxt_chunk *chunks;
	int n, cap;
};

/* ASCII whitespace (locale-independent, unlike isspace). */
static bool
pxt_sp_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* ---- text helpers shared with doc_extract.c ------------------------------------ */

char *
pxt_text_clean(pxt_pool *pool, const char *s, size_t len, size_t *outlen)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t bad = 0, o = 0;
	char *d;

	for (size_t i = 0; i < len;) {
		size_t k = u[i] ? pxt_utf8_len(u + i, len - i) : 0;

		bad += k == 0;
		i += k ? k : 1;
	}
	/* U+FFFD is 3 bytes in place of 1 */
	if ((d = pxt_palloc(pool, len + 2 * bad + 1)) == NULL)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t k = u[i] ? pxt_utf8_len(u + i, len - i) : 0;

		memcpy(d + o, k ? s + i : "\xef\xbf\xbd", k ? k : 3);
		o += k ? k : 3;
		i += k ? k : 1;
	}
	d[o] = '\0';
	*outlen = o;
	return d;
}

pxt_err
pxt_doc_text(pxt_pool *pool, const pxt_doc *doc, const char **text, size_t *len)
{
	size_t n = 0, o = 0;
	char *d;

	for (int i = 0; i < doc->nblocks; i++)
		n += doc->blocks[i].len + (i ? 2 : 0);
	if ((d = pxt_palloc(pool, n + 1)) == NULL)
		return PXT_ENOMEM;
	for (int i = 0; i < doc->nblocks; i++) {
		if (i) {
			memcpy(d + o, "\n\n", 2);
			o += 2;
		}
		memcpy(d + o, doc->blocks[i].text, doc->blocks[i].len);
		o += doc->blocks[i].len;
	}
	d[o] = '\0';
	*text = d;
	*len = o;
	return PXT_OK;
}

/* ---- options ------------------------------------------------------------------- */

static const struct {
	const char *name;
	unsigned bit;
} pxt_seps[] = {
	{"heading", PXT_SPLIT_HEADING}, {"paragraph", PXT_SPLIT_PARAGRAPH},
	{"sentence", PXT_SPLIT_SENTENCE}, {"token_limit", PXT_SPLIT_TOKEN_LIMIT},
	{"char_limit", PXT_SPLIT_CHAR_LIMIT},
};

pxt_err
pxt_split_check(const pxt_split_opts *o)
{
	unsigned lim = o->seps & (PXT_SPLIT_TOKEN_LIMIT | PXT_SPLIT_CHAR_LIMIT);
	const char *name = lim == PXT_SPLIT_CHAR_LIMIT ? "char_limit" : "token_limit";

	if (o->seps & ~0x1fu)
		return pxt_seterr(PXT_EINVAL, "unknown separator bits 0x%x", o->seps);
	if (lim == (PXT_SPLIT_TOKEN_LIMIT | PXT_SPLIT_CHAR_LIMIT))
		return pxt_seterr(PXT_EINVAL, "token_limit and char_limit cannot be "
		    "combined: choose one");
	if (lim == 0)
		return PXT_OK;
	if (o->limit <= 0)
		return pxt_seterr(PXT_EINVAL, "%s needs a limit above 0, got %d", name,
		    o->limit);
	if (o->overlap < 0)
		return pxt_seterr(PXT_EINVAL, "%s: overlap %d is negative", name,
		    o->overlap);
	if (o->overlap >= o->limit)
		return pxt_seterr(PXT_EINVAL, "%s: overlap %d must be below the limit %d",
		    name, o->overlap, o->limit);
	return PXT_OK;
}

/* Reads the N of "key=N" into *v; false when it is not a number. */
static bool
pxt_split_num(const char *s, int *v)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < -1000000000L || n > 1000000000L)
		return false;
	*v = (int)n;
	return true;
}

pxt_err
pxt_split_parse(const char *spec, pxt_split_opts *o)
{
	pxt_split_opts r = *o;
	const char *p = spec ? spec : "";

	r.seps = 0;
	while (*p) {
		const char *e = strchr(p, ',');
		const char *next = e ? e + 1 : p + strlen(p);
		size_t n = (size_t)(next - p) - (e != NULL);
		char item[64];
		size_t k;

		while (n > 0 && pxt_sp_space(*p))
			p++, n--;
		while (n > 0 && pxt_sp_space(p[n - 1]))
			n--;
		if (n == 0 || n >= sizeof(item))
			return pxt_seterr(PXT_EINVAL, "separators '%s': %s item", spec,
			    n ? "overlong" : "empty");
		memcpy(item, p, n);
		item[n] = '\0';
		for (k = 0; k < sizeof(pxt_seps) / sizeof(*pxt_seps); k++)
			if (strcasecmp(item, pxt_seps[k].name) == 0)
				break;
		if (k < sizeof(pxt_seps) / sizeof(*pxt_seps))
			r.seps |= pxt_seps[k].bit;
		else if (!(strncasecmp(item, "limit=", 6) == 0 && pxt_split_num(item + 6,
		    &r.limit)) && !(strncasecmp(item, "overlap=", 8) == 0 &&
		    pxt_split_num(item + 8, &r.overlap)))
			return pxt_seterr(PXT_EINVAL, "separators '%s': unknown "
			    "separator '%s' (expected heading, paragraph, sentence, "
			    "token_limit, char_limit, limit=N, overlap=N)", spec, item);
		p = next;
	}
	if (pxt_split_check(&r) != PXT_OK)
		return pxt_seterr(PXT_EINVAL, "separators '%s': %s", spec, pxt_errmsg());
	*o = r;
	return PXT_OK;
}

/* ---- chunks -------------------------------------------------------------------- */

/* The mark in effect at offset off of the current piece (there is one at 0). */
static const struct pxt_mark *
pxt_split_mark(const struct pxt_split *s, size_t off)
{
	int i = 0;

	while (i + 1 < s->nmarks && s->marks[i + 1].off <= off)
		i++;
	return &s->marks[i];
}

/* Adds piece[a..b) as a chunk, trimmed; whitespace-only text is dropped. */
static pxt_err
pxt_split_emit(struct pxt_split *s, size_t a, size_t b)
{
	const char *t = s->piece.data;
	pxt_chunk *c;

	while (a < b && pxt_sp_space(t[a]))
		a++;
	while (b > a && pxt_sp_space(t[b - 1]))
		b--;
	if (a == b)
		return PXT_OK;
	if (s->n == s->cap) {
		int cap = s->cap ? 2 * s->cap : 16;
		pxt_chunk *nc = pxt_palloc(s->pool, (size_t)cap * sizeof(*nc));

		if (nc == NULL)
			return PXT_ENOMEM;
		if (s->n)
			memcpy(nc, s->chunks, (size_t)s->n * sizeof(*nc));
		s->chunks = nc;
		s->cap = cap;
	}
	c = &s->chunks[s->n];
	if ((c->text = pxt_pstrndup(s->pool, t + a, b - a)) == NULL)
		return PXT_ENOMEM;
	c->pos = s->n++;
	c->len = b - a;
	c->heading = pxt_split_mark(s, a)->heading;
	c->page = pxt_split_mark(s, a)->page;
	return PXT_OK;
}

/*
 * Cuts piece[a..b) into windows of o->limit units with o->overlap repeated, where
 * units are words (token_limit) or UTF-8 characters (char_limit); a piece within the
 * limit is one chunk.
 */
static pxt_err
pxt_split_limit(struct pxt_split *s, size_t a, size_t b)
{
	const char *t = s->piece.data;
	bool words = s->o->seps & PXT_SPLIT_TOKEN_LIMIT;
	size_t *st = NULL, *en = NULL, nu = 0, lim = (size_t)s->o->limit, cap = b - a + 1;
	pxt_err rc = PXT_OK;

	if (!(s->o->seps & (PXT_SPLIT_TOKEN_LIMIT | PXT_SPLIT_CHAR_LIMIT)))
		return pxt_split_emit(s, a, b);
	/* the start and end offset of each unit */
	if ((st = malloc(cap * sizeof(*st))) == NULL || (en = malloc(cap *
	    sizeof(*en))) == NULL) {
		rc = PXT_ENOMEM;
		goto out;
	}
	for (size_t i = a; i < b;) {
		size_t j = i + 1;

		if (words && pxt_sp_space(t[i])) {
			i++;
			continue;
		}
		if (words)
			while (j < b && !pxt_sp_space(t[j]))
				j++;
		else
			while (j < b && ((unsigned char)t[j] & 0xc0) == 0x80)
				j++;
		st[nu] = i;
		en[nu++] = j;
		i = j;
	}
	if (nu <= lim) {
		rc = pxt_split_emit(s, a, b);
		goto out;
	}
	for (size_t k = 0; rc == PXT_OK; k += lim - (size_t)s->o->overlap) {
		size_t last = k + lim < nu ? k + lim : nu;

		rc = pxt_split_emit(s, st[k], en[last - 1]);
		if (last == nu)
			break;
	}
out:
	free(st);
	free(en);
	return rc;
}

/* Whether the word ending at the period t[dot] is an abbreviation or an initial. */
static bool
pxt_split_abbrev(const char *t, size_t start, size_t dot)
{
	static const char *const abbr[] = {"mr", "mrs", "ms", "dr", "prof", "sr", "jr",
		"st", "vs", "e.g", "i.e", "cf", "fig", "no", "al", NULL};
	size_t w = dot;

	while (w > start && !pxt_sp_space(t[w - 1]))
		w--;
	if (dot - w == 1 && isalpha((unsigned char)t[w]))
		return true;	/* an initial: "J. Smith" */
	for (int i = 0; abbr[i]; i++)
		if (strlen(abbr[i]) == dot - w && strncasecmp(t + w, abbr[i], dot - w) == 0)
			return true;
	return false;
}

/*
 * Cuts piece[a..b) into sentences: after '.', '!' or '?' (and closing quotes or
 * brackets) followed by whitespace and not a lower-case letter, except after a short
 * list of abbreviations and initials; a blank line also ends a sentence.
 */
static pxt_err
pxt_split_sentences(struct pxt_split *s, size_t a, size_t b)
{
	const char *t = s->piece.data;
	size_t start = a, i = a;
	pxt_err rc = PXT_OK;

	while (i < b && rc == PXT_OK) {
		size_t j = i + 1, k;

		if (t[i] == '\n' && j < b && t[j] == '\n') {
			rc = pxt_split_limit(s, start, i);
			start = i = j;
			continue;
		}
		if (t[i] != '.' && t[i] != '!' && t[i] != '?') {
			i++;
			continue;
		}
		while (j < b && strchr(".!?", t[j]) != NULL)
			j++;
		while (j < b && strchr("\"')]", t[j]) != NULL)
			j++;
		for (k = j; k < b && pxt_sp_space(t[k]); k++)
			;
		if (j < b && k > j && k < b && !islower((unsigned char)t[k]) &&
		    !(t[i] == '.' && j == i + 1 && pxt_split_abbrev(t, start, i))) {
			rc = pxt_split_limit(s, start, j);
			start = j;
		}
		i = j;
	}
	return rc == PXT_OK ? pxt_split_limit(s, start, b) : rc;
}

/* Cuts the current piece and starts a new one. */
static pxt_err
pxt_split_flush(struct pxt_split *s)
{
	pxt_err rc = PXT_OK;

	if (s->piece.failed)
		return PXT_ENOMEM;
	if (s->piece.len > 0)
		rc = s->o->seps & PXT_SPLIT_SENTENCE ?
		    pxt_split_sentences(s, 0, s->piece.len) :
		    pxt_split_limit(s, 0, s->piece.len);
	pxt_buf_reset(&s->piece);
	s->nmarks = 0;
	return rc;
}

/* Appends a paragraph, under heading, to the current piece. */
static pxt_err
pxt_split_add(struct pxt_split *s, const pxt_block *blk, const char *heading)
{
	if (s->piece.len > 0)
		pxt_buf_add(&s->piece, "\n\n", 2);
	if (s->nmarks == 0 || s->marks[s->nmarks - 1].page != blk->page ||
	    s->marks[s->nmarks - 1].heading != heading) {
		if (s->nmarks == s->capmarks) {
			int cap = s->capmarks ? 2 * s->capmarks : 16;
			struct pxt_mark *m = realloc(s->marks, (size_t)cap * sizeof(*m));

			if (m == NULL)
				return PXT_ENOMEM;
			s->marks = m;
			s->capmarks = cap;
		}
		s->marks[s->nmarks++] = (struct pxt_mark){s->piece.len, blk->page, heading};
	}
	pxt_buf_add(&s->piece, blk->text, blk->len);
	return s->piece.failed ? PXT_ENOMEM : PXT_OK;
}

pxt_err
pxt_doc_split(pxt_pool *pool, const pxt_doc *doc, const pxt_split_opts *o,
    pxt_chunk **out, int *n)
{
	struct pxt_split s = {pool, o, PXT_BUF_INIT, NULL, 0, 0, NULL, 0, 0};
	const char *heading = NULL;
	pxt_err rc;

	if ((rc = pxt_split_check(o)) != PXT_OK)
		return rc;
	for (int i = 0; i < doc->nblocks && rc == PXT_OK; i++) {
		const pxt_block *blk = &doc->blocks[i];

		if (blk->kind == PXT_BLOCK_HEADING) {
			if (o->seps & PXT_SPLIT_HEADING)
				rc = pxt_split_flush(&s);
			heading = blk->text;
			continue;
		}
		if ((rc = pxt_split_add(&s, blk, heading)) == PXT_OK &&
		    (o->seps & PXT_SPLIT_PARAGRAPH))
			rc = pxt_split_flush(&s);
	}
	if (rc == PXT_OK)
		rc = pxt_split_flush(&s);
	pxt_buf_free(&s.piece);
	free(s.marks);
	if (rc != PXT_OK)
		return pxt_seterr(rc, "%s: out of memory splitting", doc->path ? doc->path :
		    "text");
	*out = s.chunks;
	*n = s.n;
	return PXT_OK;
}

pxt_err
pxt_string_split(pxt_pool *pool, const char *str, size_t len, const pxt_split_opts *o,
    pxt_chunk **out, int *n)
{
	pxt_doc doc = {NULL, "txt", NULL, 0, NULL, 0};
	pxt_block *blocks;
	size_t cl, start = 0;
	char *t;
	int nb = 0;

	if (o->seps & PXT_SPLIT_HEADING)
		return pxt_seterr(PXT_EINVAL, "string_split: the heading separator needs a "
		    "document; use paragraph, sentence or a limit");
	if ((t = pxt_text_clean(pool, str, len, &cl)) == NULL)
		return PXT_ENOMEM;
	/* at most one paragraph per two bytes */
	if ((blocks = pxt_palloc(pool, (cl / 2 + 1) * sizeof(*blocks))) == NULL)
		return PXT_ENOMEM;
	for (size_t i = 0; i <= cl; i++) {
		bool end = i == cl;

		if (!end && (o->seps & PXT_SPLIT_PARAGRAPH) && t[i] == '\n') {
			size_t j = i + 1;

			while (j < cl && t[j] != '\n' && pxt_sp_space(t[j]))
				j++;
			end = j < cl && t[j] == '\n';
		}
		if (end && i > start) {
			blocks[nb] = (pxt_block){PXT_BLOCK_PARAGRAPH, 0, 0, t + start,
			    i - start};
			nb++;
			start = i + 1;
		}
	}
	doc.blocks = blocks;
	doc.nblocks = nb;
	return pxt_doc_split(pool, &doc, o, out, n);
}
