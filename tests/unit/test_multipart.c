/*
 * test_multipart.c - unit tests of the multipart/form-data parser (app/lib/http/multipart.c)
 * and the upload sink on top of it (app/lib/http/upload.c).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/multipart_int.h"
#include "pxt/buf.h"
#include "pxt_test.h"

#define BND	"AaB03x"
#define CD	"Content-Disposition: form-data; "

/* ---- a recorder of the callbacks ------------------------------------------------ */

struct rec {
	pxt_buf out;		/* "[name|filename|type]data...[end]" per part */
	size_t bytes;		/* part_data bytes */
	const char *stop;	/* part_begin fails for this name */
};

static pxt_err
rec_begin(void *ud, const char *name, const char *filename, const char *ct)
{
	struct rec *r = ud;

	pxt_buf_addf(&r->out, "[%s|%s|%s]", name, filename ? filename : "(null)", ct);
	if (r->stop != NULL && strcmp(name, r->stop) == 0)
		return pxt_seterr(PXT_EPERM, "stopped at '%s'", name);
	return PXT_OK;
}

static pxt_err
rec_data(void *ud, const char *data, size_t len)
{
	struct rec *r = ud;

	PXT_CHECK(len > 0);
	pxt_buf_add(&r->out, data, len);
	r->bytes += len;
	return PXT_OK;
}

static pxt_err
rec_end(void *ud)
{
	pxt_buf_adds(&((struct rec *)ud)->out, "[end]");
	return PXT_OK;
}

static const pxt_mp_callbacks rec_cb = {rec_begin, rec_data, rec_end};

/* parse feeds body in pieces of chunk bytes (0: at once) and finishes. */
static pxt_err
parse(const char *body, size_t len, size_t chunk, const pxt_mp_limits *lim,
    struct rec *r)
{
	pxt_mp *p = pxt_mp_new(BND, lim, &rec_cb, r);
	pxt_err err = PXT_OK;
	size_t n;

	PXT_CHECK(p != NULL);
	if (chunk == 0)
		chunk = len ? len : 1;
	for (size_t i = 0; i < len && err == PXT_OK; i += n) {
		n = len - i < chunk ? len - i : chunk;
		err = pxt_mp_feed(p, body + i, n);
	}
	if (err == PXT_OK)
		err = pxt_mp_finish(p);
	pxt_mp_free(p);
	return err;
}

/* parse_fail expects err and message msg for body (a C string), fed at once. */
static void
parse_fail(const char *body, const pxt_mp_limits *lim, pxt_err err, const char *msg)
{
	struct rec r = {PXT_BUF_INIT, 0, NULL};

	PXT_CHECK_INT(parse(body, strlen(body), 0, lim, &r), err);
	PXT_CHECK_STR(pxt_errmsg(), msg);
	pxt_buf_free(&r.out);
}

/* ---- boundaries ------------------------------------------------------------------ */

static void
bnd_ok(const char *ct, const char *expect)
{
	char b[PXT_MP_BOUNDARY_MAX + 1];

	PXT_CHECK_INT(pxt_mp_boundary(ct, b, sizeof(b)), PXT_OK);
	PXT_CHECK_STR(b, expect);
}

static void
bnd_fail(const char *ct, pxt_err err, const char *msg)
{
	char b[PXT_MP_BOUNDARY_MAX + 1] = "x";

	PXT_CHECK_INT(pxt_mp_boundary(ct, b, sizeof(b)), err);
	PXT_CHECK_STR(b, "");
	if (msg != NULL)
		PXT_CHECK_STR(pxt_errmsg(), msg);
}

static void
test_boundary(void)
{
	char b70[100], ct[200], small[4];

	bnd_ok("multipart/form-data; boundary=AaB03x", "AaB03x");
	bnd_ok("  Multipart/Form-Data ;BOUNDARY=\"a b:c\" ", "a b:c");
	bnd_ok("multipart/form-data; charset=utf-8; boundary=\"----WebKitFormBoundary"
	    "7MA4YWxkTrZu0gW\"; x=\"q;\\\"\";", "----WebKitFormBoundary7MA4YWxkTrZu0gW");
	bnd_ok("multipart/form-data;boundary=--=_(x)+,./:?'", "--=_(x)+,./:?'");
	memset(b70, 'z', 70);
	b70[70] = '\0';
	snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%s", b70);
	bnd_ok(ct, b70);
	snprintf(ct, sizeof(ct), "multipart/form-data; boundary=\"%sz\"", b70);
	bnd_fail(ct, PXT_EBADREQUEST, "multipart boundary must be 1 to 70 characters "
	    "long");
	bnd_fail("multipart/form-data; boundary=\"\"", PXT_EBADREQUEST,
	    "multipart boundary must be 1 to 70 characters long");
	bnd_fail("multipart/form-data", PXT_EBADREQUEST, "multipart/form-data "
	    "Content-Type without a boundary parameter");
	bnd_fail("multipart/form-data; charset=utf-8", PXT_EBADREQUEST, NULL);
	bnd_fail("multipart/form-data; boundary", PXT_EBADREQUEST, "multipart/form-data "
	    "Content-Type: a parameter without '='");
	bnd_fail("multipart/form-data; boundary=\"abc", PXT_EBADREQUEST,
	    "multipart/form-data Content-Type: an unterminated quoted string");
	bnd_fail("multipart/form-data; boundary=a; Boundary=b", PXT_EBADREQUEST,
	    "multipart/form-data Content-Type: a parameter given twice");
	bnd_fail("multipart/form-data; boundary=\"ab \"", PXT_EBADREQUEST, NULL);
	bnd_fail("multipart/form-data; boundary=a@b", PXT_EBADREQUEST,
	    "multipart boundary may hold only letters, digits, spaces (not last) and "
	    "'()+_,-./:=?");
	bnd_fail("multipart/form-data boundary=x", PXT_EBADREQUEST, NULL);
	bnd_fail("application/json", PXT_EMEDIATYPE, "Content-Type 'application/json' "
	    "is not multipart/form-data");
	bnd_fail("multipart/mixed; boundary=x", PXT_EMEDIATYPE, NULL);
	bnd_fail("multipart/form-datax; boundary=x", PXT_EMEDIATYPE, NULL);
	bnd_fail("", PXT_EMEDIATYPE, NULL);
	bnd_fail(NULL, PXT_EMEDIATYPE, "no Content-Type: expected multipart/form-data");
	PXT_CHECK_INT(pxt_mp_boundary("multipart/form-data; boundary=abcd", small,
	    sizeof(small)), PXT_EINVAL);
	PXT_CHECK(pxt_mp_new("bad\"one", NULL, NULL, NULL) == NULL);
	PXT_CHECK_INT(pxt_errcode(), PXT_EINVAL);
	PXT_CHECK(pxt_mp_new("", NULL, NULL, NULL) == NULL);
}

/* ---- parsing ------------------------------------------------------------------- */

static const char body1[] =
    "preamble text\r\n--AaB03 not yet\r\n"
    "--AaB03x\r\n"
    CD "name=\"title\"\r\n"
    "\r\n"
    "hello world\r\n"
    "--AaB03x  \t\r\n"
    "content-disposition:form-data;name=\"doc\";  FILENAME=\"a \\\"b\\\\.txt\"\r\n"
    "Content-Type: text/plain; charset=utf-8 \r\n"
    "\r\n"
    "line1\r\nline2\r\n--AaB03\r\n-\r\n--AaB03xyz--AaB03x\r\r\n"
    "--AaB03x\r\n"
    CD "name=empty\r\n"
    "X-Other: ignored: really\r\n"
    "\r\n"
    "\r\n"
    "--AaB03x\r\n"
    CD "name=\"up\"; filename=\"\"\r\n"
    "\r\n"
    "\r\n"
    "--AaB03x--\r\n"
    "epilogue\r\n--AaB03x\r\nno: headers\r\n\r\n";

static const char expect1[] =
    "[title|(null)|text/plain]hello world[end]"
    "[doc|a \"b\\.txt|text/plain; charset=utf-8]"
    "line1\r\nline2\r\n--AaB03\r\n-\r\n--AaB03xyz--AaB03x\r[end]"
    "[empty|(null)|text/plain][end]"
    "[up||application/octet-stream][end]";

static void
test_fields_files(void)
{
	struct rec r = {PXT_BUF_INIT, 0, NULL};
	const char *b = "--AaB03x\r\n" CD "name=a\r\n\r\nx\r\n--AaB03x--";

	PXT_CHECK_INT(parse(body1, sizeof(body1) - 1, 0, NULL, &r), PXT_OK);
	PXT_CHECK_STR(pxt_buf_str(&r.out), expect1);
	pxt_buf_free(&r.out);

	/* the first boundary at byte 0, zero parts, a body of only the closing line */
	PXT_CHECK_INT(parse(b, strlen(b), 0, NULL, &r), PXT_OK);
	PXT_CHECK_STR(pxt_buf_str(&r.out), "[a|(null)|text/plain]x[end]");
	pxt_buf_free(&r.out);
	PXT_CHECK_INT(parse("--AaB03x--", 10, 0, NULL, &r), PXT_OK);
	PXT_CHECK_INT(parse("\r\n--AaB03x--\r\n", 14, 1, NULL, &r), PXT_OK);
	PXT_CHECK_STR(pxt_buf_str(&r.out), "");
	pxt_buf_free(&r.out);
}

/* Every chunk size from 1 to 64 gives the same events as feeding at once. */
static void
test_chunks(void)
{
	for (size_t chunk = 1; chunk <= 64; chunk++) {
		struct rec r = {PXT_BUF_INIT, 0, NULL};

		PXT_CHECK_INT(parse(body1, sizeof(body1) - 1, chunk, NULL, &r), PXT_OK);
		PXT_CHECK(r.out.len == sizeof(expect1) - 1 &&
		    memcmp(r.out.data, expect1, r.out.len) == 0);
		pxt_buf_free(&r.out);
	}
}

/* Data streams out as it comes: at most the delimiter's length is held back. */
static void
test_streaming(void)
{
	static char chunk[4096];
	struct rec r = {PXT_BUF_INIT, 0, NULL};
	pxt_mp *p = pxt_mp_new(BND, NULL, &rec_cb, &r);
	const char *head = "--AaB03x\r\n" CD "name=f; filename=big.bin\r\n\r\n";
	size_t fed = 0;

	memset(chunk, '\r', sizeof(chunk));
	PXT_CHECK_INT(pxt_mp_feed(p, head, strlen(head)), PXT_OK);
	for (int i = 0; i < 256; i++) {		/* 1 MiB of CRs */
		PXT_CHECK_INT(pxt_mp_feed(p, chunk, sizeof(chunk)), PXT_OK);
		fed += sizeof(chunk);
		PXT_CHECK(r.bytes + 1 >= fed);
	}
	PXT_CHECK_INT(pxt_mp_feed(p, "\r\n--AaB03x--", 12), PXT_OK);
	PXT_CHECK_INT(pxt_mp_finish(p), PXT_OK);
	PXT_CHECK_INT(r.bytes, fed);
	pxt_mp_free(p);
	pxt_buf_free(&r.out);
}

static void
test_filename_star(void)
{
	struct rec r = {PXT_BUF_INIT, 0, NULL};
	const char *b = "--AaB03x\r\n" CD "name=f; filename=\"fallback.txt\"; "
	    "filename*=UTF-8''%E2%82%ac%20rates.pdf\r\n\r\n%41\r\n"
	    "--AaB03x\r\n" CD "filename*=\"utf-8'en'%C3%A9t%C3%A9\"; name=g\r\n\r\n"
	    "\r\n--AaB03x--";

	PXT_CHECK_INT(parse(b, strlen(b), 0, NULL, &r), PXT_OK);
	PXT_CHECK_STR(pxt_buf_str(&r.out), "[f|\xE2\x82\xAC rates.pdf|"
	    "application/octet-stream]%41[end][g|\xC3\xA9t\xC3\xA9|"
	    "application/octet-stream][end]");
	pxt_buf_free(&r.out);
	parse_fail("--AaB03x\r\n" CD "name=f; filename*=iso-8859-1''caf%E9\r\n\r\n",
	    NULL, PXT_EBADREQUEST, "multipart part 1: filename* charset 'iso-8859-1' "
	    "is not supported: use UTF-8");
	parse_fail("--AaB03x\r\n" CD "name=f; filename*=UTF-8''a%2\r\n\r\n", NULL,
	    PXT_EBADREQUEST, "multipart part 1: bad percent-escape in filename*");
	parse_fail("--AaB03x\r\n" CD "name=f; filename*=UTF-8''a%00b\r\n\r\n", NULL,
	    PXT_EBADREQUEST, "multipart part 1: bad percent-escape in filename*");
	parse_fail("--AaB03x\r\n" CD "name=f; filename*=UTF-8''%C3\r\n\r\n", NULL,
	    PXT_EBADREQUEST, "multipart part 1: name or filename is not valid UTF-8 "
	    "text");
	parse_fail("--AaB03x\r\n" CD "name=f; filename*=abc\r\n\r\n", NULL,
	    PXT_EBADREQUEST, "multipart part 1: filename* is not "
	    "charset'language'text");
}

static void
test_limits(void)
{
	pxt_mp_limits lim = {2, 10, 0, 0};
	struct rec r = {PXT_BUF_INIT, 0, NULL};
	pxt_buf big = PXT_BUF_INIT;
	const char *two = "--AaB03x\r\n" CD "name=a\r\n\r\n0123456789\r\n"
	    "--AaB03x\r\n" CD "name=f; filename=x\r\n\r\n0123456789ABCDEF\r\n"
	    "--AaB03x--\r\n";
	size_t len = strlen(two);

	/* at the limits: 2 parts, a 10-byte field, a 16-byte file, the exact total */
	lim.max_total = len;
	PXT_CHECK_INT(parse(two, len, 3, &lim, &r), PXT_OK);
	lim.max_total = len - 1;
	PXT_CHECK_INT(parse(two, len, 0, &lim, &r), PXT_ETOOLARGE);
	PXT_CHECK(strncmp(pxt_errmsg(), "multipart body is larger than ", 30) == 0);
	PXT_CHECK_INT(parse(two, len, 7, &lim, &r), PXT_ETOOLARGE);
	lim.max_total = 1024;
	PXT_CHECK_INT(parse(two, len, 0, &lim, &r), PXT_OK);
	lim.max_total = 0;
	lim.max_parts = 1;
	parse_fail(two, &lim, PXT_ETOOLARGE, "multipart body has more than 1 parts");
	lim.max_parts = 0;
	lim.max_field = 9;
	parse_fail(two, &lim, PXT_ETOOLARGE, "field 'a' is larger than 9 bytes");
	for (size_t c = 1; c < 12; c++) {
		PXT_CHECK_INT(parse(two, len, c, &lim, &r), PXT_ETOOLARGE);
		PXT_CHECK_STR(pxt_errmsg(), "field 'a' is larger than 9 bytes");
	}
	lim.max_field = 0;
	lim.max_header = 40;
	parse_fail(two, &lim, PXT_ETOOLARGE, "multipart part 1: headers are larger "
	    "than 40 bytes");
	lim.max_header = 0;

	/* the default field limit, 1 MiB, with a long name cut in the message */
	pxt_buf_adds(&big, "--AaB03x\r\n" CD "name=metadata\r\n\r\n");
	for (int i = 0; i < 1024; i++)
		pxt_buf_addf(&big, "%01024d", i);
	pxt_buf_adds(&big, "\r\n--AaB03x--");
	PXT_CHECK_INT(parse(big.data, big.len, 0, NULL, &r), PXT_OK);
	pxt_buf_reset(&big);
	pxt_buf_adds(&big, "--AaB03x\r\n" CD "name=metadata\r\n\r\n");
	for (int i = 0; i <= 1024; i++)
		pxt_buf_addf(&big, "%01024d", i);
	PXT_CHECK_INT(parse(big.data, big.len, 4000, NULL, &r), PXT_ETOOLARGE);
	PXT_CHECK_STR(pxt_errmsg(), "field 'metadata' is larger than 1 MiB");
	pxt_buf_reset(&big);
	pxt_buf_addf(&big, "--AaB03x\r\n" CD "name=%0100d\r\n\r\n0123456789x", 7);
	lim.max_field = 10;
	PXT_CHECK_INT(parse(big.data, big.len, 0, &lim, &r), PXT_ETOOLARGE);
	pxt_buf_reset(&big);
	pxt_buf_addf(&big, "field '%064d...' is larger than 10 bytes", 0);
	PXT_CHECK_STR(pxt_errmsg(), big.data);
	pxt_buf_free(&big);
	pxt_buf_free(&r.out);
}

/* Every strict prefix of a good body fails at pxt_mp_finish, none earlier. */
static void
test_truncated(void)
{
	size_t len = sizeof(body1) - 1, close = (size_t)(strstr(body1, "--AaB03x--") -
	    body1) + 10;

	for (size_t n = 0; n < len; n++) {
		struct rec r = {PXT_BUF_INIT, 0, NULL};

		PXT_CHECK_INT(parse(body1, n, 0, NULL, &r), n < close ? PXT_EBADREQUEST :
		    PXT_OK);
		pxt_buf_free(&r.out);
	}
	parse_fail("--AaB03x\r\n" CD "name=a\r\n", NULL, PXT_EBADREQUEST,
	    "multipart part 1: the body ends inside the part's headers");
	parse_fail("--AaB03x\r\n" CD "name=a\r\n\r\nabc\r\n--AaB03x-", NULL,
	    PXT_EBADREQUEST, "multipart body ends inside boundary line 2");
	parse_fail("--AaB03x\r\n" CD "name=\"a b\"\r\n\r\nabc\r\n--AaB0", NULL,
	    PXT_EBADREQUEST, "multipart part 1 ('a b'): the body ends before the "
	    "closing boundary");
	parse_fail("", NULL, PXT_EBADREQUEST, "multipart body has no boundary line "
	    "'--AaB03x'");
}

static void
test_garbage(void)
{
	struct rec r = {PXT_BUF_INIT, 0, NULL};
	const char *stop = "\r\n--AaB03x\r\n" CD "name=b\r\n\r\n";
	char junk[3000];
	uint32_t x = 12345;
	pxt_mp *p;

	for (size_t i = 0; i < sizeof(junk); i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		junk[i] = (char)x;
	}
	PXT_CHECK_INT(parse(junk, sizeof(junk), 5, NULL, &r), PXT_EBADREQUEST);
	PXT_CHECK_INT(r.out.len, 0);
	parse_fail("--AaB03x\n" CD "name=a\n\nx\n--AaB03x--\n", NULL, PXT_EBADREQUEST,
	    "multipart boundary line 1 ends in a bare LF: line endings must be CRLF");
	parse_fail("--AaB03x\r\n" CD "name=a\n\r\n", NULL, PXT_EBADREQUEST,
	    "multipart part 1: a header line ends in a bare LF: line endings must be "
	    "CRLF");
	parse_fail("--AaB03x\r\n" CD "name=a\r\n\r\nx\r\n--AaB03x\r\n" CD
	    "name=b\r\n\r\ny\r\n--AaB03x\r\nContent-Disposition: form-data; "
	    "filename=\"c.txt\"\r\n\r\nz\r\n--AaB03x--\r\n", NULL, PXT_EBADREQUEST,
	    "multipart part 3: no name in Content-Disposition");
	parse_fail("--AaB03x\r\nContent-Type: text/plain\r\n\r\n", NULL,
	    PXT_EBADREQUEST, "multipart part 1: no Content-Disposition header");
	parse_fail("--AaB03x\r\nContent-Disposition: attachment; name=a\r\n\r\n", NULL,
	    PXT_EBADREQUEST, "multipart part 1: Content-Disposition is 'attachment', "
	    "expected form-data");
	parse_fail("--AaB03x\r\n" CD "name=a\r\n" CD "name=b\r\n\r\n", NULL,
	    PXT_EBADREQUEST, "multipart part 1: two Content-Disposition headers");
	parse_fail("--AaB03x\r\n" CD "name=a; name=b\r\n\r\n", NULL, PXT_EBADREQUEST,
	    "multipart part 1: Content-Disposition has a parameter given twice");
	parse_fail("--AaB03x\r\n" CD "name=\"a\r\n\r\n", NULL, PXT_EBADREQUEST,
	    "multipart part 1: Content-Disposition has an unterminated quoted string");
	parse_fail("--AaB03x\r\n" CD "name=\"\"\r\n\r\n", NULL, PXT_EBADREQUEST,
	    "multipart part 1: empty name in Content-Disposition");
	parse_fail("--AaB03x\r\n" CD "name=a\r\nbroken header\r\n\r\n", NULL,
	    PXT_EBADREQUEST, "multipart part 1: header line without ':'");
	parse_fail("--AaB03x\r\n" CD "name=a\r\n  folded\r\n\r\n", NULL,
	    PXT_EBADREQUEST, "multipart part 1: folded header lines are not supported");
	parse_fail("--AaB03x\r\n" CD "name=\"a\rb\"\r\n\r\n", NULL, PXT_EBADREQUEST,
	    "multipart part 1: control character in a header line");
	parse_fail("--AaB03x\r\n" CD "name=\"\xff\"\r\n\r\n", NULL, PXT_EBADREQUEST,
	    "multipart part 1: name or filename is not valid UTF-8 text");
	parse_fail("--AaB03x junk\r\n", NULL, PXT_EBADREQUEST, "multipart boundary "
	    "line 1: unexpected text after the boundary");
	parse_fail("--AaB03x\rX", NULL, PXT_EBADREQUEST, "multipart boundary line 1: "
	    "CR not followed by LF");
	parse_fail("--AaB03x\r\n" CD "name=a\r\n\r\n\r\n--AaB03x-X", NULL,
	    PXT_EBADREQUEST, "multipart boundary line 2: '-' after the boundary not "
	    "followed by a second '-'");

	/* a callback's error stops the parse with its code and message, and sticks */
	r.stop = "b";
	p = pxt_mp_new(BND, NULL, &rec_cb, &r);
	PXT_CHECK_INT(pxt_mp_feed(p, body1, 10), PXT_OK);
	PXT_CHECK_INT(pxt_mp_feed(p, stop, strlen(stop)), PXT_EPERM);
	PXT_CHECK_STR(pxt_buf_str(&r.out), "[b|(null)|text/plain]");
	PXT_CHECK_STR(pxt_errmsg(), "stopped at 'b'");
	pxt_clearerr();
	PXT_CHECK_INT(pxt_mp_feed(p, "x", 1), PXT_EPERM);
	PXT_CHECK_STR(pxt_errmsg(), "stopped at 'b'");
	PXT_CHECK_INT(pxt_mp_finish(p), PXT_EPERM);
	pxt_mp_free(p);
	pxt_buf_free(&r.out);
}

/* ---- the upload sink --------------------------------------------------------------- */

static char tmpdir[256];

/* count_dir returns the entries of tmpdir besides . and .. */
static int
count_dir(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	int n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	if (d != NULL)
		closedir(d);
	return n;
}

/* file_is returns whether the file at path holds exactly len bytes of data. */
static int
file_is(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "rb");
	char *got = malloc(len + 1);
	size_t n = f && got ? fread(got, 1, len + 1, f) : 0;
	int ok = n == len && memcmp(got, data, len) == 0;

	if (f != NULL)
		fclose(f);
	free(got);
	return ok;
}

/* big_body builds fields and files around a 5 MiB binary part into *b. */
static char *
big_body(pxt_buf *b, size_t *binlen)
{
	size_t n = (size_t)5 << 20;
	char *bin = malloc(n);
	uint32_t x = 2463534242u;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		bin[i] = (char)(x >> 11);
		if (i % 100003 == 7 && i + 12 < n) {	/* near-delimiters in the data */
			memcpy(bin + i, "\r\n--bnd-X\r\n--", 13);
			i += 12;
		}
	}
	*binlen = n;
	pxt_buf_adds(b, "--bnd-X7\r\n" CD "name=title\r\n\r\nA photo\r\n"
	    "--bnd-X7\r\n" CD "name=\"img\"; filename=\"../../etc/passwd.PNG\"\r\n"
	    "Content-Type: image/png\r\n\r\n");
	pxt_buf_add(b, bin, n);
	pxt_buf_adds(b, "\r\n--bnd-X7\r\n" CD "name=notes; filename=\"notes.tar.gz;x\"\r\n"
	    "\r\nsmall\r\n--bnd-X7\r\n" CD "name=bin; filename=\"C:\\data\\raw\"\r\n\r\n"
	    "\r\n--bnd-X7--\r\n");
	return bin;
}

static void
test_upload_big(void)
{
	static const size_t steps[] = {1, 7, 4093, 65537, 13, 999983, 2, 31};
	pxt_pool *pool = pxt_pool_new(0);
	pxt_buf body = PXT_BUF_INIT;
	size_t binlen, nf, nd, n, i, k = 0;
	char *bin = big_body(&body, &binlen), kept[300];
	const pxt_upload_file *files;
	const pxt_upload_field *fields;
	pxt_upload *u = pxt_upload_new(pool, tmpdir, "bnd-X7", NULL);
	struct stat st;

	PXT_CHECK(u != NULL);
	for (i = 0; i < body.len; i += n) {
		n = steps[k++ % 8];
		n = n < body.len - i ? n : body.len - i;
		if (pxt_upload_feed(u, body.data + i, n) != PXT_OK)
			break;
	}
	PXT_CHECK_INT(i, body.len);
	PXT_CHECK_INT(pxt_upload_finish(u), PXT_OK);
	files = pxt_upload_files(u, &nf);
	fields = pxt_upload_fields(u, &nd);
	PXT_CHECK_INT(nf, 3);
	PXT_CHECK_INT(nd, 1);
	PXT_CHECK_STR(fields[0].name, "title");
	PXT_CHECK_STR(fields[0].value, "A photo");
	PXT_CHECK_INT(fields[0].len, 7);
	PXT_CHECK(pxt_upload_field_get(u, "title") == &fields[0]);
	PXT_CHECK(pxt_upload_field_get(u, "img") == NULL);
	PXT_CHECK(pxt_upload_file_get(u, "img") == &files[0]);
	PXT_CHECK_STR(files[0].filename, "../../etc/passwd.PNG");
	PXT_CHECK_STR(files[0].content_type, "image/png");
	PXT_CHECK_INT(files[0].size, binlen);
	PXT_CHECK(strncmp(files[0].path, tmpdir, strlen(tmpdir)) == 0);
	PXT_CHECK(strchr(files[0].path + strlen(tmpdir) + 1, '/') == NULL);
	PXT_CHECK(strstr(files[0].path, "passwd") == NULL);
	PXT_CHECK(strcmp(files[0].path + strlen(files[0].path) - 4, ".png") == 0);
	PXT_CHECK(file_is(files[0].path, bin, binlen));
	PXT_CHECK(stat(files[0].path, &st) == 0 && (st.st_mode & 0777) == 0640);
	PXT_CHECK(strchr(strrchr(files[1].path, '/'), '.') == NULL);	/* "gz;x" */
	PXT_CHECK(file_is(files[1].path, "small", 5));
	PXT_CHECK_STR(files[2].filename, "C:\\data\\raw");
	PXT_CHECK(strchr(strrchr(files[2].path, '/'), '.') == NULL);
	PXT_CHECK(file_is(files[2].path, "", 0));
	PXT_CHECK_INT(count_dir(), 3);

	/* keep one, move one, let the pool delete the third */
	snprintf(kept, sizeof(kept), "%s/kept.png", tmpdir);
	PXT_CHECK_INT(pxt_upload_move(u, 0, kept), PXT_OK);
	PXT_CHECK_STR(files[0].path, kept);
	PXT_CHECK_INT(pxt_upload_keep(u, 1), PXT_OK);
	PXT_CHECK_INT(pxt_upload_keep(u, 3), PXT_EINVAL);
	snprintf(kept, sizeof(kept), "%s", files[1].path);
	pxt_pool_free(pool);
	PXT_CHECK_INT(count_dir(), 2);
	PXT_CHECK(unlink(kept) == 0);
	snprintf(kept, sizeof(kept), "%s/kept.png", tmpdir);
	PXT_CHECK(file_is(kept, bin, binlen));
	PXT_CHECK(unlink(kept) == 0);
	pxt_buf_free(&body);
	free(bin);
}

/* After any error no file the sink created remains. */
static void
test_upload_errors(void)
{
	const char *two = "--b\r\n" CD "name=one; filename=1.txt\r\n\r\n"
	    "first file\r\n--b\r\n" CD "name=two; filename=2.txt\r\n\r\n"
	    "second file, longer\r\n--b\r\n" CD "name=f\r\n\r\nfield value\r\n--b--";
	size_t len = strlen(two), cut = (size_t)(strstr(two, "longer") - two);
	pxt_mp_limits lim = {0, 0, 0, 0};
	pxt_pool *pool = pxt_pool_new(0);
	pxt_upload *u;

	/* the total limit hit inside the second file */
	lim.max_total = cut;
	u = pxt_upload_new(pool, tmpdir, "b", &lim);
	PXT_CHECK_INT(pxt_upload_feed(u, two, cut - 10), PXT_OK);
	PXT_CHECK_INT(count_dir(), 2);
	PXT_CHECK_INT(pxt_upload_feed(u, two + cut - 10, 11), PXT_ETOOLARGE);
	PXT_CHECK_INT(count_dir(), 0);
	PXT_CHECK_INT(pxt_upload_finish(u), PXT_ETOOLARGE);

	/* the field limit, after both files were written */
	lim.max_total = 0;
	lim.max_field = 5;
	u = pxt_upload_new(pool, tmpdir, "b", &lim);
	PXT_CHECK_INT(pxt_upload_feed(u, two, len), PXT_ETOOLARGE);
	PXT_CHECK_STR(pxt_errmsg(), "field 'f' is larger than 5 bytes");
	PXT_CHECK_INT(count_dir(), 0);

	/* a truncated body, and garbage at the end */
	u = pxt_upload_new(pool, tmpdir, "b", NULL);
	PXT_CHECK_INT(pxt_upload_feed(u, two, len - 3), PXT_OK);
	PXT_CHECK_INT(count_dir(), 2);
	PXT_CHECK_INT(pxt_upload_finish(u), PXT_EBADREQUEST);
	PXT_CHECK_INT(count_dir(), 0);
	u = pxt_upload_new(pool, tmpdir, "b", NULL);
	PXT_CHECK_INT(pxt_upload_feed(u, two, len - 5), PXT_OK);
	PXT_CHECK_INT(pxt_upload_feed(u, "\r\n--b\r\nx\n", 9), PXT_EBADREQUEST);
	PXT_CHECK_INT(count_dir(), 0);

	/* no error, but the pool is freed without keeping anything */
	u = pxt_upload_new(pool, tmpdir, "b", NULL);
	PXT_CHECK_INT(pxt_upload_feed(u, two, len), PXT_OK);
	PXT_CHECK_INT(pxt_upload_finish(u), PXT_OK);
	PXT_CHECK_STR(pxt_upload_field_get(u, "f")->value, "field value");
	PXT_CHECK_INT(count_dir(), 2);
	pxt_pool_free(pool);
	PXT_CHECK_INT(count_dir(), 0);

	pool = pxt_pool_new(0);
	PXT_CHECK(pxt_upload_new(pool, "/nonexistent-pxt-dir", "b", NULL) == NULL);
	PXT_CHECK_INT(pxt_errcode(), PXT_ENOTFOUND);
	PXT_CHECK(pxt_upload_new(pool, tmpdir, "", NULL) == NULL);
	PXT_CHECK_INT(pxt_errcode(), PXT_EINVAL);
	pxt_pool_free(pool);
}

struct reader {
	const char *data;
	size_t len, pos, step;
	int fail_at;		/* return -1 once pos reaches it (-1: never) */
};

static long
read_mem(void *ctx, char *buf, size_t cap)
{
	struct reader *r = ctx;
	size_t n = r->len - r->pos;

	if (r->fail_at >= 0 && r->pos >= (size_t)r->fail_at)
		return -1;
	n = n < r->step ? n : r->step;
	n = n < cap ? n : cap;
	memcpy(buf, r->data + r->pos, n);
	r->pos += n;
	return (long)n;
}

static void
test_upload_to_dir(void)
{
	const char *b = "--zz\r\n" CD "name=doc; filename=report.PDF\r\n"
	    "Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n--zz\r\n" CD "name=k\r\n\r\n"
	    "v\r\n--zz--\r\n";
	struct reader r = {b, strlen(b), 0, 5, -1};
	pxt_pool *pool = pxt_pool_new(0);
	pxt_upload *u = NULL;
	const pxt_upload_file *f;

	PXT_CHECK_INT(pxt_upload_to_dir(pool, tmpdir, "multipart/form-data; "
	    "boundary=zz", NULL, read_mem, &r, &u), PXT_OK);
	PXT_CHECK(u != NULL);
	f = pxt_upload_file_get(u, "doc");
	PXT_CHECK(f != NULL && file_is(f->path, "%PDF-1.4", 8));
	PXT_CHECK(f != NULL && strcmp(f->path + strlen(f->path) - 4, ".pdf") == 0);
	PXT_CHECK_STR(pxt_upload_field_get(u, "k")->value, "v");
	PXT_CHECK_INT(count_dir(), 1);

	r.pos = 0;
	r.fail_at = 60;
	PXT_CHECK_INT(pxt_upload_to_dir(pool, tmpdir, "multipart/form-data; "
	    "boundary=zz", NULL, read_mem, &r, &u), PXT_EIO);
	PXT_CHECK(u == NULL);
	PXT_CHECK_INT(count_dir(), 1);
	PXT_CHECK_INT(pxt_upload_to_dir(pool, tmpdir, "text/plain", NULL, read_mem, &r,
	    &u), PXT_EMEDIATYPE);
	pxt_pool_free(pool);
	PXT_CHECK_INT(count_dir(), 0);
}

int
main(void)
{
	const char *t = getenv("TMPDIR");

	umask(022);
	snprintf(tmpdir, sizeof(tmpdir), "%s/pxt-mp-XXXXXX", t && *t ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_boundary();
	test_fields_files();
	test_chunks();
	test_streaming();
	test_filename_star();
	test_limits();
	test_truncated();
	test_garbage();
	test_upload_big();
	test_upload_errors();
	test_upload_to_dir();
	PXT_CHECK(rmdir(tmpdir) == 0);
	return pxt_test_done();
}
