/*
 * multipart_hdr.c - the header syntax of multipart/form-data (multipart_int.h): the
 * boundary parameter of a request's Content-Type, and the header block of each part
 * (Content-Disposition with name, filename and filename*, and Content-Type).
 *
 * A part's header block is parsed in place, in the parser's buffer: values are
 * located first and decoded afterwards, each into its own span, which a decoded value
 * never outgrows; the byte after each span (';', a space, a tab or the line's CR)
 * takes its NUL.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "http/multipart_int.h"
#include "core/utf8_int.h"

/* A located parameter or header value; s is NULL when absent. */
typedef struct pxt_mp_span {
	const char *s;
	size_t len;
} pxt_mp_span;

/* pxt_mp_bchar returns whether c may appear in a boundary (RFC 2046 bchars). */
static bool
pxt_mp_bchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || (c != '\0' && strchr("'()+_,-./:=? ", c) != NULL);
}

bool
pxt_mp_boundary_valid(const char *b, size_t len)
{
	if (b == NULL || len == 0 || len > PXT_MP_BOUNDARY_MAX || b[len - 1] == ' ')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!pxt_mp_bchar(b[i]))
			return false;
	return true;
}

/* pxt_mp_ws skips spaces and tabs from s up to end; returns the first other byte. */
static const char *
pxt_mp_ws(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

/*
 * pxt_mp_value finds the parameter value at s (s < end): a quoted string (where only
 * \" and \\ are escapes) or a token ending at ';', a space or a tab. Sets *v to it,
 * quotes included, and returns the byte after it; NULL for an unterminated string.
 */
static const char *
pxt_mp_value(const char *s, const char *end, const char **v, size_t *vlen)
{
	const char *q = s;

	if (*q == '"') {
		for (q++; q < end && *q != '"'; q++)
			if (*q == '\\' && q + 1 < end && (q[1] == '"' || q[1] == '\\'))
				q++;
		if (q == end)
			return NULL;
		q++;
	} else {
		while (q < end && *q != ';' && *q != ' ' && *q != '\t')
			q++;
	}
	*v = s;
	*vlen = (size_t)(q - s);
	return q;
}

/*
 * pxt_mp_unquote writes the value of a quoted string (or a token) of len bytes at v to
 * out (which may be v itself: the output never gets ahead of the input) and returns
 * the length written; no NUL is added.
 */
static size_t
pxt_mp_unquote(const char *v, size_t len, char *out)
{
	const char *end = v + len;
	size_t o = 0;

	if (len < 2 || *v != '"') {
		memmove(out, v, len);
		return len;
	}
	for (v++, end--; v < end; v++) {
		if (*v == '\\' && v + 1 < end && (v[1] == '"' || v[1] == '\\'))
			v++;
		out[o++] = *v;
	}
	return o;
}

/*
 * pxt_mp_params walks "; key=value" parameters from s to end, calling want(key) to
 * learn where a value goes: a span to fill, or NULL to skip it. Returns NULL when
 * well-formed, else a reason for the message (a span that is filled already means the
 * parameter came twice).
 */
static const char *
pxt_mp_params(const char *s, const char *end, pxt_mp_span *(*want)(void *, const char *,
    size_t), void *ctx)
{
	const char *k, *v;
	size_t klen, vlen;
	pxt_mp_span *dst;

	for (;;) {
		if ((s = pxt_mp_ws(s, end)) == end)
			return NULL;
		if (*s != ';')
			return "malformed parameters";
		if ((s = pxt_mp_ws(s + 1, end)) == end)
			return NULL;	/* a trailing ';' */
		for (k = s; s < end && *s != '=' && *s != ';' && *s != ' ' && *s != '\t'; )
			s++;
		klen = (size_t)(s - k);
		s = pxt_mp_ws(s, end);
		if (klen == 0 || s == end || *s != '=')
			return "a parameter without '='";
		if ((s = pxt_mp_ws(s + 1, end)) == end)
			return "a parameter without a value";
		if ((s = pxt_mp_value(s, end, &v, &vlen)) == NULL)
			return "an unterminated quoted string";
		if ((dst = want(ctx, k, klen)) != NULL && dst->s != NULL)
			return "a parameter given twice";
		if (dst != NULL) {
			dst->s = v;
			dst->len = vlen;
		}
	}
}

/* Parameters of a Content-Type header: only boundary is wanted. */
static pxt_mp_span *
pxt_mp_want_boundary(void *ctx, const char *k, size_t klen)
{
	pxt_mp_span *b = ctx;

	return klen == 8 && strncasecmp(k, "boundary", 8) == 0 ? b : NULL;
}

pxt_err
pxt_mp_boundary(const char *content_type, char *out, size_t outlen)
{
	const char *s = content_type, *end, *why;
	char tmp[PXT_MP_BOUNDARY_MAX + 3];
	pxt_mp_span b = {NULL, 0};
	size_t n;

	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if (s == NULL)
		return pxt_seterr(PXT_EMEDIATYPE, "no Content-Type: expected "
		    "multipart/form-data");
	end = s + strlen(s);
	s = pxt_mp_ws(s, end);
	n = strcspn(s, "; \t");
	if (n != 19 || strncasecmp(s, "multipart/form-data", 19) != 0) {
		for (n = 0; n < 64 && s[n] > ' ' && s[n] < 0x7f && s[n] != ';'; n++)
			;	/* quote no control or non-ASCII byte */
		return pxt_seterr(PXT_EMEDIATYPE, "Content-Type '%.*s' is not "
		    "multipart/form-data", (int)n, s);
	}
	if ((why = pxt_mp_params(s + n, end, pxt_mp_want_boundary, &b)) != NULL)
		return pxt_seterr(PXT_EBADREQUEST, "multipart/form-data Content-Type: %s",
		    why);
	if (b.s == NULL)
		return pxt_seterr(PXT_EBADREQUEST, "multipart/form-data Content-Type "
		    "without a boundary parameter");
	if (b.len > sizeof(tmp))
		n = PXT_MP_BOUNDARY_MAX + 1;	/* too long however it unquotes */
	else
		n = pxt_mp_unquote(b.s, b.len, tmp);
	if (n == 0 || n > PXT_MP_BOUNDARY_MAX)
		return pxt_seterr(PXT_EBADREQUEST, "multipart boundary must be 1 to %d "
		    "characters long", PXT_MP_BOUNDARY_MAX);
	if (!pxt_mp_boundary_valid(tmp, n))
		return pxt_seterr(PXT_EBADREQUEST, "multipart boundary may hold only "
		    "letters, digits, spaces (not last) and '()+_,-./:=?");
	if (out == NULL || outlen <= n)
		return pxt_seterr(PXT_EINVAL, "no room for a multipart boundary of %zu "
		    "characters", n);
	memcpy(out, tmp, n);
	out[n] = '\0';
	return PXT_OK;
}

/* Content-Disposition parameters: name, filename, filename* (ctx: spans[3]). */
static pxt_mp_span *
pxt_mp_want_disp(void *ctx, const char *k, size_t klen)
{
	static const char *const keys[3] = {"name", "filename", "filename*"};
	pxt_mp_span *spans = ctx;

	for (int i = 0; i < 3; i++)
		if (klen == strlen(keys[i]) && strncasecmp(k, keys[i], klen) == 0)
			return &spans[i];
	return NULL;
}

/* pxt_mp_hex returns the value of a hex digit, or -1. */
static int
pxt_mp_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * pxt_mp_ext decodes the filename* value of part at s (len bytes; RFC 8187:
 * charset'language'percent-encoded, UTF-8 only) in place, NUL-terminated. Returns
 * PXT_OK or PXT_EBADREQUEST with the message.
 */
static pxt_err
pxt_mp_ext(char *s, size_t len, size_t part)
{
	char *q1, *q2, *r, *w;
	int hi, lo;

	s[pxt_mp_unquote(s, len, s)] = '\0';
	if ((q1 = strchr(s, '\'')) == NULL || (q2 = strchr(q1 + 1, '\'')) == NULL)
		return pxt_seterr(PXT_EBADREQUEST, "multipart part %zu: filename* is not "
		    "charset'language'text", part);
	if (q1 - s != 5 || strncasecmp(s, "utf-8", 5) != 0)
		return pxt_seterr(PXT_EBADREQUEST, "multipart part %zu: filename* charset "
		    "'%.*s' is not supported: use UTF-8", part,
		    (int)(q1 - s > 32 ? 32 : q1 - s), s);
	for (r = q2 + 1, w = s; *r != '\0'; r++) {
		if (*r != '%') {
			*w++ = *r;
			continue;
		}
		if ((hi = pxt_mp_hex(r[1])) < 0 || (lo = pxt_mp_hex(r[2])) < 0 ||
		    (hi | lo) == 0)
			return pxt_seterr(PXT_EBADREQUEST, "multipart part %zu: bad "
			    "percent-escape in filename*", part);
		*w++ = (char)(hi << 4 | lo);
		r += 2;
	}
	*w = '\0';
	return PXT_OK;
}

/* pxt_mp_text returns whether s is valid UTF-8 without control bytes. */
static bool
pxt_mp_text(const char *s)
{
	size_t n = strlen(s), k;

	for (size_t i = 0; i < n; i += k)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f ||
		    (k = pxt_utf8_len((const unsigned char *)s + i, n - i)) == 0)
			return false;
	return true;
}

/*
 * pxt_mp_lines finds the Content-Disposition and Content-Type values (trimmed) in the
 * header block hdr .. end (lines ending in CRLF, no other CR). Returns PXT_OK or
 * PXT_EBADREQUEST with the message.
 */
static pxt_err
pxt_mp_lines(const char *hdr, const char *end, size_t part, pxt_mp_span *disp,
    pxt_mp_span *ctype)
{
	const char *s, *eol, *colon, *k, *v, *ve;
	pxt_mp_span *dst;
	size_t klen;

	for (s = hdr; s < end; s = eol + 2) {
		eol = memchr(s, '\r', (size_t)(end - s));
		if ((colon = memchr(s, ':', (size_t)(eol - s))) == NULL)
			return pxt_seterr(PXT_EBADREQUEST, "multipart part %zu: header line "
			    "without ':'", part);
		for (k = colon; k > s && (k[-1] == ' ' || k[-1] == '\t'); k--)
			;
		klen = (size_t)(k - s);
		dst = klen == 19 && strncasecmp(s, "Content-Disposition", 19) == 0 ? disp :
		    klen == 12 && strncasecmp(s, "Content-Type", 12) == 0 ? ctype : NULL;
		if (dst == NULL)
			continue;	/* other headers are ignored (RFC 7578 4.8) */
		if (dst->s != NULL)
			return pxt_seterr(PXT_EBADREQUEST, "multipart part %zu: two %.*s "
			    "headers", part, (int)klen, s);
		v = pxt_mp_ws(colon + 1, eol);
		for (ve = eol; ve > v && (ve[-1] == ' ' || ve[-1] == '\t'); ve--)
			;
		dst->s = v;
		dst->len = (size_t)(ve - v);
	}
	if (disp->s == NULL)
		return pxt_seterr(PXT_EBADREQUEST, "multipart part %zu: no "
		    "Content-Disposition header", part);
	return PXT_OK;
}

pxt_err
pxt_mp_part_headers(char *hdr, size_t len, size_t part, char **name, char **filename,
    const char **ctype)
{
	pxt_mp_span disp = {NULL, 0}, ct = {NULL, 0};
	pxt_mp_span prm[3] = {{NULL, 0}, {NULL, 0}, {NULL, 0}};	/* name, filename, * */
	const char *why;
	char *nm, *fn = NULL;
	size_t n;
	pxt_err err;

	*name = *filename = NULL;
	*ctype = NULL;
	if ((err = pxt_mp_lines(hdr, hdr + len - 2, part, &disp, &ct)) != PXT_OK)
		return err;
	n = strcspn(disp.s, "; \t\r");
	n = n < disp.len ? n : disp.len;
	if (n != 9 || strncasecmp(disp.s, "form-data", 9) != 0)
		return pxt_seterr(PXT_EBADREQUEST, "multipart part %zu: "
		    "Content-Disposition is '%.*s', expected form-data", part,
		    (int)(n > 32 ? 32 : n), disp.s);
	if ((why = pxt_mp_params(disp.s + n, disp.s + disp.len, pxt_mp_want_disp,
	    prm)) != NULL)
		return pxt_seterr(PXT_EBADREQUEST, "multipart part %zu: "
		    "Content-Disposition has %s", part, why);
	if (prm[0].s == NULL)
		return pxt_seterr(PXT_EBADREQUEST, "multipart part %zu: no name in "
		    "Content-Disposition", part);
	nm = hdr + (prm[0].s - hdr);	/* the same bytes, writable */
	nm[pxt_mp_unquote(nm, prm[0].len, nm)] = '\0';
	if (prm[2].s != NULL) {
		fn = hdr + (prm[2].s - hdr);
		if ((err = pxt_mp_ext(fn, prm[2].len, part)) != PXT_OK)
			return err;
	} else if (prm[1].s != NULL) {
		fn = hdr + (prm[1].s - hdr);
		fn[pxt_mp_unquote(fn, prm[1].len, fn)] = '\0';
	}
	if (*nm == '\0')
		return pxt_seterr(PXT_EBADREQUEST, "multipart part %zu: empty name in "
		    "Content-Disposition", part);
	if (!pxt_mp_text(nm) || (fn != NULL && !pxt_mp_text(fn)))
		return pxt_seterr(PXT_EBADREQUEST, "multipart part %zu: name or filename "
		    "is not valid UTF-8 text", part);
	if (ct.s != NULL && ct.len > 0) {
		hdr[ct.s - hdr + (ptrdiff_t)ct.len] = '\0';
		*ctype = ct.s;
	} else {
		*ctype = fn != NULL ? "application/octet-stream" : "text/plain";
	}
	*name = nm;
	*filename = fn;
	return PXT_OK;
}
