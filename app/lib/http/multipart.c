/*
 * multipart.c - the streaming multipart/form-data parser (see multipart_int.h for the
 * choices it makes).
 *
 * The body is scanned for the delimiter "\r\n--" boundary; the scan starts as if a CRLF
 * came before the body, so a first boundary line at byte 0 is found too. CR occurs in
 * the delimiter only at its start, so on a mismatch the bytes held back are all data
 * and only the mismatching byte itself may start a new match: no backtracking buffer.
 * A part's header block is collected in the one buffer, up to the header limit, and
 * parsed in place by multipart_hdr.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/multipart_int.h"

enum pxt_mp_state {
	PXT_MP_SCAN,		/* preamble or part data: looking for the delimiter */
	PXT_MP_AFTER,		/* a delimiter matched: "--", padding or CRLF follows */
	PXT_MP_PAD,		/* transport padding after a delimiter */
	PXT_MP_LF,		/* the CR ending a boundary line seen */
	PXT_MP_DASH,		/* the first '-' of a closing delimiter seen */
	PXT_MP_HEADERS,		/* a part's header block */
	PXT_MP_EPILOGUE		/* after the closing delimiter: ignored */
};

#define PXT_MP_NAMECUT	64	/* bytes of a part name quoted in messages */

struct pxt_mp {
	pxt_mp_callbacks cb;
	void *ud;
	pxt_mp_limits lim;
	enum pxt_mp_state state;
	pxt_err err;		/* sticky: every later call returns it */
	bool in_part;		/* the scan is inside a part, not the preamble */
	bool is_file;		/* the current part has a filename */
	size_t m;		/* delimiter bytes matched and held back */
	size_t dlen;		/* strlen(delim) */
	size_t total;		/* bytes fed */
	size_t nparts;		/* parts begun: the current part's number */
	size_t size;		/* data bytes of the current part */
	size_t hlen;		/* header bytes collected */
	size_t line;		/* start of the current header line in hdr */
	char delim[4 + PXT_MP_BOUNDARY_MAX + 1];
	char name[PXT_MP_NAMECUT + 4];	/* the current part's name, cut, for messages */
	char errmsg[512];
	char hdr[];		/* lim.max_header bytes */
};

static pxt_err pxt_mp_fail(pxt_mp *p, pxt_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* pxt_mp_size formats n as "1 MiB", "8 KiB" or "100 bytes" into buf; returns buf. */
static const char *
pxt_mp_size(char buf[32], size_t n)
{
	if (n >= ((size_t)1 << 20) && n % ((size_t)1 << 20) == 0)
		snprintf(buf, 32, "%zu MiB", n >> 20);
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(buf, 32, "%zu KiB", n >> 10);
	else
		snprintf(buf, 32, "%zu bytes", n);
	return buf;
}

pxt_mp *
pxt_mp_new(const char *boundary, const pxt_mp_limits *lim,
    const pxt_mp_callbacks *cb, void *ud)
{
	size_t blen = boundary != NULL ? strlen(boundary) : 0;
	pxt_mp_limits l = {0, 0, 0, 0};
	pxt_mp *p;

	if (!pxt_mp_boundary_valid(boundary, blen)) {
		pxt_seterr(PXT_EINVAL, "multipart boundary must be 1 to %d characters of "
		    "the RFC 2046 set", PXT_MP_BOUNDARY_MAX);
		return NULL;
	}
	if (lim != NULL)
		l = *lim;
	l.max_parts = l.max_parts ? l.max_parts : PXT_MP_DEFAULT_PARTS;
	l.max_field = l.max_field ? l.max_field : PXT_MP_DEFAULT_FIELD;
	l.max_total = l.max_total ? l.max_total : PXT_MP_DEFAULT_TOTAL;
	l.max_header = l.max_header ? l.max_header : PXT_MP_DEFAULT_HEADER;
	if (l.max_header > PXT_MP_HEADER_CAP) {
		pxt_seterr(PXT_EINVAL, "multipart header limit of %zu bytes is over the "
		    "cap of %zu", l.max_header, PXT_MP_HEADER_CAP);
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p) + l.max_header)) == NULL) {
		pxt_seterr(PXT_ENOMEM, "out of memory creating a multipart parser");
		return NULL;
	}
	if (cb != NULL)
		p->cb = *cb;
	p->ud = ud;
	p->lim = l;
	p->dlen = 4 + blen;
	memcpy(p->delim, "\r\n--", 4);
	memcpy(p->delim + 4, boundary, blen + 1);
	p->m = 2;		/* as if a CRLF came before the body */
	p->state = PXT_MP_SCAN;
	return p;
}

void
pxt_mp_free(pxt_mp *p)
{
	free(p);
}

/* pxt_mp_stop makes err (its message already recorded) sticky; returns err. */
static pxt_err
pxt_mp_stop(pxt_mp *p, pxt_err err)
{
	p->err = err;
	snprintf(p->errmsg, sizeof(p->errmsg), "%s", pxt_errmsg());
	return err;
}

/* pxt_mp_fail records a message and makes err sticky; returns err. */
static pxt_err
pxt_mp_fail(pxt_mp *p, pxt_err err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pxt_vseterr(err, fmt, ap);
	va_end(ap);
	return pxt_mp_stop(p, err);
}

/* pxt_mp_cberr stops on a callback's error, giving it a message if it left none. */
static void
pxt_mp_cberr(pxt_mp *p, pxt_err err)
{
	if (pxt_errcode() != err)
		pxt_seterr(err, "multipart part %zu: %s", p->nparts, pxt_strerror(err));
	pxt_mp_stop(p, err);
}

/* pxt_mp_emit hands len bytes of part data on (the preamble's are dropped). */
static void
pxt_mp_emit(pxt_mp *p, const char *s, size_t len)
{
	char sz[32];
	pxt_err err;

	if (len == 0 || !p->in_part || p->err != PXT_OK)
		return;
	if (!p->is_file && len > p->lim.max_field - p->size) {
		pxt_mp_fail(p, PXT_ETOOLARGE, "field '%s' is larger than %s", p->name,
		    pxt_mp_size(sz, p->lim.max_field));
		return;
	}
	p->size += len;
	if (p->cb.part_data != NULL && (err = p->cb.part_data(p->ud, s, len)) != PXT_OK)
		pxt_mp_cberr(p, err);
}

/*
 * pxt_mp_scan looks for the delimiter in d[i..n), passing the data before it on; the
 * bytes that may start a delimiter at the end are held back (p->m). Returns the index
 * after the delimiter (state PXT_MP_AFTER), or n.
 */
static size_t
pxt_mp_scan(pxt_mp *p, const char *d, size_t n, size_t i)
{
	size_t run = i, carry = p->m;	/* carry: held back by an earlier call */
	const char *cr;

	while (i < n) {
		if (p->m == 0) {
			if ((cr = memchr(d + i, '\r', n - i)) == NULL)
				break;
			i = (size_t)(cr - d) + 1;
			p->m = 1;
		} else if (d[i] == p->delim[p->m]) {
			i++;
			if (++p->m == p->dlen) {
				pxt_mp_emit(p, d + run, i - (p->m - carry) - run);
				p->m = 0;
				p->state = PXT_MP_AFTER;
				return i;
			}
		} else {
			if (carry > 0)		/* data after all: before this run */
				pxt_mp_emit(p, p->delim, carry);
			carry = 0;
			p->m = 0;	/* d[i] is looked at again */
		}
	}
	pxt_mp_emit(p, d + run, n - (p->m - carry) - run);
	return n;
}

/* pxt_mp_end ends the current part, if any, with the part_end callback. */
static void
pxt_mp_end(pxt_mp *p)
{
	pxt_err err;

	if (!p->in_part)
		return;
	p->in_part = false;
	if (p->cb.part_end != NULL && (err = p->cb.part_end(p->ud)) != PXT_OK)
		pxt_mp_cberr(p, err);
}

/*
 * pxt_mp_after takes byte c of a boundary line (states AFTER, PAD, LF, DASH). Returns
 * false when c is not consumed: the delimiter was data, and c is scanned again.
 */
static bool
pxt_mp_after(pxt_mp *p, char c)
{
	size_t line = p->nparts + 1;

	if (p->state == PXT_MP_AFTER && c == '-') {
		p->state = PXT_MP_DASH;
	} else if ((p->state == PXT_MP_AFTER || p->state == PXT_MP_PAD) &&
	    (c == ' ' || c == '\t')) {
		p->state = PXT_MP_PAD;
	} else if ((p->state == PXT_MP_AFTER || p->state == PXT_MP_PAD) && c == '\r') {
		p->state = PXT_MP_LF;
	} else if (p->state == PXT_MP_AFTER && c != '\n') {
		pxt_mp_emit(p, p->delim, p->dlen);	/* "--boundaryX": data */
		p->state = PXT_MP_SCAN;
		return false;
	} else if (p->state == PXT_MP_LF && c == '\n') {
		pxt_mp_end(p);
		if (p->err == PXT_OK && p->nparts == p->lim.max_parts)
			pxt_mp_fail(p, PXT_ETOOLARGE, "multipart body has more than %zu "
			    "parts", p->lim.max_parts);
		p->nparts++;
		p->state = PXT_MP_HEADERS;
		p->hlen = p->line = 0;
	} else if (p->state == PXT_MP_DASH && c == '-') {
		pxt_mp_end(p);
		p->state = PXT_MP_EPILOGUE;
	} else if (c == '\n') {
		pxt_mp_fail(p, PXT_EBADREQUEST, "multipart boundary line %zu ends in a "
		    "bare LF: line endings must be CRLF", line);
	} else if (p->state == PXT_MP_LF) {
		pxt_mp_fail(p, PXT_EBADREQUEST, "multipart boundary line %zu: CR not "
		    "followed by LF", line);
	} else if (p->state == PXT_MP_DASH) {
		pxt_mp_fail(p, PXT_EBADREQUEST, "multipart boundary line %zu: '-' after "
		    "the boundary not followed by a second '-'", line);
	} else {
		pxt_mp_fail(p, PXT_EBADREQUEST, "multipart boundary line %zu: unexpected "
		    "text after the boundary", line);
	}
	return true;
}

/*
 * pxt_mp_begin parses the collected header block of a part and calls part_begin; the
 * scan for its data starts next.
 */
static void
pxt_mp_begin(pxt_mp *p)
{
	char *name, *fname;
	const char *ct;
	size_t n;
	pxt_err err;

	if ((err = pxt_mp_part_headers(p->hdr, p->hlen, p->nparts, &name, &fname,
	    &ct)) != PXT_OK) {
		pxt_mp_stop(p, err);
		return;
	}
	if ((n = strlen(name)) > PXT_MP_NAMECUT) {
		for (n = PXT_MP_NAMECUT; ((unsigned char)name[n] & 0xC0) == 0x80; n--)
			;
		snprintf(p->name, sizeof(p->name), "%.*s...", (int)n, name);
	} else {
		memcpy(p->name, name, n + 1);
	}
	p->in_part = true;
	p->is_file = fname != NULL;
	p->size = 0;
	p->m = 0;
	p->state = PXT_MP_SCAN;
	if (p->cb.part_begin != NULL &&
	    (err = p->cb.part_begin(p->ud, name, fname, ct)) != PXT_OK)
		pxt_mp_cberr(p, err);
}

/*
 * pxt_mp_hdr_bytes collects header bytes from d[i..n) up to the end of a line; at the
 * empty line ending the block it begins the part. Returns the index after them.
 */
static size_t
pxt_mp_hdr_bytes(pxt_mp *p, const char *d, size_t n, size_t i)
{
	const char *nl = memchr(d + i, '\n', n - i);
	size_t take = nl != NULL ? (size_t)(nl - d) + 1 - i : n - i, k;
	char sz[32];

	if (take > p->lim.max_header - p->hlen) {
		pxt_mp_fail(p, PXT_ETOOLARGE, "multipart part %zu: headers are larger than "
		    "%s", p->nparts, pxt_mp_size(sz, p->lim.max_header));
		return n;
	}
	memcpy(p->hdr + p->hlen, d + i, take);
	p->hlen += take;
	if (nl == NULL)
		return n;
	if (p->hlen - p->line < 2 || p->hdr[p->hlen - 2] != '\r') {
		pxt_mp_fail(p, PXT_EBADREQUEST, "multipart part %zu: a header line ends in "
		    "a bare LF: line endings must be CRLF", p->nparts);
		return n;
	}
	for (k = p->line; k < p->hlen - 2; k++)
		if (((unsigned char)p->hdr[k] < 0x20 && p->hdr[k] != '\t') ||
		    p->hdr[k] == 0x7f) {
			pxt_mp_fail(p, PXT_EBADREQUEST, "multipart part %zu: control "
			    "character in a header line", p->nparts);
			return n;
		}
	if (p->hlen - p->line == 2)
		pxt_mp_begin(p);
	else if (p->hdr[p->line] == ' ' || p->hdr[p->line] == '\t')
		pxt_mp_fail(p, PXT_EBADREQUEST, "multipart part %zu: folded header lines "
		    "are not supported", p->nparts);
	p->line = p->hlen;
	return i + take;
}

pxt_err
pxt_mp_feed(pxt_mp *p, const char *data, size_t len)
{
	size_t i = 0;
	char sz[32];

	if (p->err != PXT_OK)
		return pxt_seterr(p->err, "%s", p->errmsg);
	if (len > p->lim.max_total - p->total)
		return pxt_mp_fail(p, PXT_ETOOLARGE, "multipart body is larger than %s",
		    pxt_mp_size(sz, p->lim.max_total));
	p->total += len;
	while (i < len && p->err == PXT_OK) {
		switch (p->state) {
		case PXT_MP_SCAN:
			i = pxt_mp_scan(p, data, len, i);
			break;
		case PXT_MP_HEADERS:
			i = pxt_mp_hdr_bytes(p, data, len, i);
			break;
		case PXT_MP_EPILOGUE:
			i = len;
			break;
		default:
			if (pxt_mp_after(p, data[i]))
				i++;
			break;
		}
	}
	return p->err;
}

pxt_err
pxt_mp_finish(pxt_mp *p)
{
	if (p->err != PXT_OK)
		return pxt_seterr(p->err, "%s", p->errmsg);
	switch (p->state) {
	case PXT_MP_EPILOGUE:
		return PXT_OK;
	case PXT_MP_HEADERS:
		return pxt_mp_fail(p, PXT_EBADREQUEST, "multipart part %zu: the body ends "
		    "inside the part's headers", p->nparts);
	case PXT_MP_SCAN:
		if (p->in_part)
			return pxt_mp_fail(p, PXT_EBADREQUEST, "multipart part %zu ('%s'): "
			    "the body ends before the closing boundary", p->nparts, p->name);
		return pxt_mp_fail(p, PXT_EBADREQUEST, "multipart body has no boundary "
		    "line '--%s'", p->delim + 4);
	default:
		return pxt_mp_fail(p, PXT_EBADREQUEST, "multipart body ends inside "
		    "boundary line %zu", p->nparts + 1);
	}
}
