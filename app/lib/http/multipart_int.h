/*
 * multipart_int.h - streaming multipart/form-data for uploads (RFC 7578 over RFC 2046
 * section 5.1), internal to libpxt: a push parser (multipart.c, with the header
 * syntax in multipart_hdr.c) and, on top of it, a sink that writes file parts to new
 * files in a folder and keeps plain fields in memory (upload.c).
 *
 * Line endings: CRLF is required, as the RFCs say, in the boundary lines and the part
 * headers. A bare LF there is refused with a message that says so ("... ends in a bare
 * LF: line endings must be CRLF") rather than tolerated: every browser and HTTP client
 * sends CRLF, and guessing would make "\n--boundary" inside binary file data ambiguous.
 * Inside part data every byte is data, CR and LF included.
 *
 * Other choices: the preamble and the epilogue are ignored; CRLF "--boundary"
 * followed by a byte other than '-', a space, a tab, CR or LF is data, not a
 * delimiter (after '-' a second '-' must come); spaces and tabs between a boundary
 * and its CRLF (transport padding) are skipped; folded header lines are refused; a
 * body whose first boundary is the closing one has zero parts and is accepted. In
 * quoted parameter values only \" and \\ are escapes (other backslashes stay, so an
 * old browser's "C:\dir\a.txt" survives); browsers' %22 stays as sent.
 * filename*=UTF-8''... (RFC 8187) is percent-decoded and wins over filename=; other
 * charsets are refused. Names and filenames must be valid UTF-8 without control bytes.
 *
 * Memory: the parser holds one part's header block (at most max_header bytes) and the
 * delimiter; part data is never copied. Bytes that might start a delimiter are held
 * back only as a count (they are always the delimiter's first bytes).
 */
#ifndef PXT_MULTIPART_H
#define PXT_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

#include "pxt/error.h"
#include "pxt/pool.h"

#define PXT_MP_BOUNDARY_MAX	70	/* RFC 2046: 1 to 70 characters */
#define PXT_MP_DEFAULT_PARTS	64
#define PXT_MP_DEFAULT_FIELD	((size_t)1 << 20)	/* 1 MiB */
#define PXT_MP_DEFAULT_TOTAL	((size_t)256 << 20)	/* 256 MiB */
#define PXT_MP_DEFAULT_HEADER	((size_t)8 << 10)	/* 8 KiB */
#define PXT_MP_HEADER_CAP	((size_t)1 << 20)	/* largest max_header taken */

/*
 * pxt_mp_boundary extracts the boundary parameter of a Content-Type header value
 * ("multipart/form-data; boundary=xyz", the parameter name in any case, the value
 * quoted or not) into out (outlen bytes; PXT_MP_BOUNDARY_MAX + 1 always suffice) as a
 * NUL-terminated string. Returns PXT_EMEDIATYPE when content_type is NULL or not
 * multipart/form-data; PXT_EBADREQUEST when the boundary is missing, given twice, not 1
 * to 70 characters of the RFC 2046 set (letters, digits, '()+_,-./:=? and spaces, not
 * ending in a space) or the parameters are malformed; PXT_EINVAL when out is too small.
 * out is "" on failure. Never allocates.
 */
pxt_err pxt_mp_boundary(const char *content_type, char *out, size_t outlen);

/* Limits of one body; a field left 0 takes the default above. */
typedef struct pxt_mp_limits {
	size_t max_parts;	/* parts in the body */
	size_t max_field;	/* data bytes of one plain (non-file) field */
	size_t max_total;	/* bytes of the whole body, preamble and epilogue too */
	size_t max_header;	/* bytes of one part's header block, CRLFs included */
} pxt_mp_limits;

/*
 * The callbacks, each optional (NULL). part_begin gets the part's name, its filename
 * (NULL for a plain field; "" when the client sent filename="") and its Content-Type
 * (the header's value, else the RFC 7578 default: "text/plain" for a field,
 * "application/octet-stream" for a file); the strings are valid only during the call.
 * part_data gets the part's bytes in pieces of any size (never 0). part_end follows
 * the last piece; it is not called for a part the parse stopped in. A callback that
 * returns an error stops the parse: pxt_mp_feed returns that code and the message the
 * callback recorded with pxt_seterr.
 */
typedef struct pxt_mp_callbacks {
	pxt_err (*part_begin)(void *ud, const char *name, const char *filename,
	    const char *content_type);
	pxt_err (*part_data)(void *ud, const char *data, size_t len);
	pxt_err (*part_end)(void *ud);
} pxt_mp_callbacks;

typedef struct pxt_mp pxt_mp;

/*
 * pxt_mp_new creates a parser for a body delimited by boundary (as pxt_mp_boundary
 * returns it; copied), with limits lim (NULL for the defaults) and callbacks cb
 * (copied; NULL for none) that receive ud. Returns NULL with PXT_EINVAL for a bad
 * boundary or a max_header over PXT_MP_HEADER_CAP, PXT_ENOMEM when out of memory.
 * The caller frees it with pxt_mp_free. One parser reads one body, in one thread.
 */
pxt_mp *pxt_mp_new(const char *boundary, const pxt_mp_limits *lim,
    const pxt_mp_callbacks *cb, void *ud);

/*
 * pxt_mp_feed parses the next len bytes of the body; the split between calls may be
 * anywhere (down to one byte at a time). Bytes after the closing boundary are ignored.
 * Returns PXT_OK, or: PXT_EBADREQUEST for malformed multipart ("multipart part 3: no
 * name in Content-Disposition"); PXT_ETOOLARGE when a limit is hit ("field 'metadata'
 * is larger than 1 MiB", "multipart body has more than 64 parts", "multipart body is
 * larger than 256 MiB", "multipart part 2: headers are larger than 8 KiB"); a
 * callback's error. After a failure every later call returns the same error.
 */
pxt_err pxt_mp_feed(pxt_mp *p, const char *data, size_t len);

/*
 * pxt_mp_finish declares the end of the body. Returns PXT_OK when the closing boundary
 * was seen, else PXT_EBADREQUEST naming where the body stopped (and the earlier error
 * after a failed feed).
 */
pxt_err pxt_mp_finish(pxt_mp *p);

/* pxt_mp_free releases the parser; NULL is allowed. Calls no callback. */
void pxt_mp_free(pxt_mp *p);

/* ---- between multipart.c and multipart_hdr.c only ------------------------------- */

/*
 * pxt_mp_boundary_valid returns whether the len bytes at b are a boundary: 1 to 70
 * characters of the RFC 2046 set, not ending in a space. b may be NULL (then false).
 */
bool pxt_mp_boundary_valid(const char *b, size_t len);

/*
 * pxt_mp_part_headers parses the header block of part number part: len bytes at hdr,
 * lines ending in CRLF, the last one empty, without any other CR or control byte but
 * tabs. It decodes in place and points *name, *filename (NULL for a plain field) and
 * *ctype (the RFC 7578 default when absent) at NUL-terminated strings inside hdr or
 * static. PXT_EBADREQUEST with a message naming the part when malformed.
 */
pxt_err pxt_mp_part_headers(char *hdr, size_t len, size_t part, char **name,
    char **filename, const char **ctype);

/* ---- the upload sink (upload.c) ------------------------------------------------ */

/* A file part, written to a new file under the sink's folder. */
typedef struct pxt_upload_file {
	const char *field;	/* the form field's name */
	const char *path;	/* <dir>/upload-<32 hex>[.<ext from filename>] */
	const char *filename;	/* as the client sent it: never use it as a path */
	const char *content_type;
	size_t size;		/* bytes written */
	bool on_disk;		/* the file exists (false once an error removed it) */
	bool kept;		/* kept or moved: the pool no longer deletes it */
} pxt_upload_file;

/* A plain field, in memory. */
typedef struct pxt_upload_field {
	const char *name;
	const char *value;	/* NUL-terminated; may hold NUL bytes: see len */
	size_t len;
	const char *content_type;
} pxt_upload_field;

typedef struct pxt_upload pxt_upload;

/*
 * pxt_upload_new creates a sink in pool that parses one body delimited by boundary
 * with limits lim (NULL: defaults) and writes each file part to a new file in the
 * existing folder dir: a random name created with O_EXCL, mode 0640 (less the umask),
 * whose only part taken from the client is the extension of its filename when that is
 * 1 to 8 letters or digits (lower-cased). A file part gets its file even when empty
 * or its filename is "" (a browser's empty file input): check size. Plain fields are
 * kept in pool memory, at most max_parts x max_field bytes. Everything, the parser
 * included, is released with the pool, and every file created is deleted then unless
 * kept (pxt_upload_keep, pxt_upload_move). Returns NULL with PXT_EINVAL (bad
 * boundary), PXT_ENOTFOUND (dir is not a folder) or PXT_ENOMEM.
 */
pxt_upload *pxt_upload_new(pxt_pool *pool, const char *dir, const char *boundary,
    const pxt_mp_limits *lim);

/*
 * pxt_upload_feed / pxt_upload_finish pass the body on as pxt_mp_feed / pxt_mp_finish
 * do and return their errors, plus PXT_EIO / PXT_EPERM / PXT_ESTORAGE (disk full) when
 * a file cannot be created or written, PXT_ENOMEM. On any error every file the sink
 * created is deleted at once, and the error sticks.
 */
pxt_err pxt_upload_feed(pxt_upload *u, const char *data, size_t len);
pxt_err pxt_upload_finish(pxt_upload *u);

/*
 * pxt_upload_read_fn reads up to cap bytes of the body into buf; returns the count,
 * 0 at the end of the body, or a negative number on error (after pxt_seterr, else the
 * error is reported as PXT_EIO).
 */
typedef long (*pxt_upload_read_fn)(void *ctx, char *buf, size_t cap);

/*
 * pxt_upload_to_dir reads a whole body with rd(ctx, ...) into a new sink made from
 * the request's content_type (pxt_mp_boundary) and returns it in *out once finished.
 * Errors: those of pxt_mp_boundary, pxt_upload_new, pxt_upload_feed and
 * pxt_upload_finish, and of rd; then *out is NULL and no file is left behind.
 */
pxt_err pxt_upload_to_dir(pxt_pool *pool, const char *dir, const char *content_type,
    const pxt_mp_limits *lim, pxt_upload_read_fn rd, void *ctx, pxt_upload **out);

/*
 * pxt_upload_files / pxt_upload_fields return the file parts / plain fields in body
 * order and their count in *n; owned by the sink's pool, valid until it is freed. Read
 * them after pxt_upload_finish returned PXT_OK. Duplicate names are kept, in order.
 */
const pxt_upload_file *pxt_upload_files(const pxt_upload *u, size_t *n);
const pxt_upload_field *pxt_upload_fields(const pxt_upload *u, size_t *n);

/* pxt_upload_file_get / pxt_upload_field_get return the first part named name, or NULL. */
const pxt_upload_file *pxt_upload_file_get(const pxt_upload *u, const char *name);
const pxt_upload_field *pxt_upload_field_get(const pxt_upload *u, const char *name);

/*
 * pxt_upload_keep declares file i (an index into pxt_upload_files) permanent: the pool
 * will not delete it. Call it once it is referenced (or after moving it yourself).
 * PXT_EINVAL when i is out of range or the file is not on disk.
 */
pxt_err pxt_upload_keep(pxt_upload *u, size_t i);

/*
 * pxt_upload_move renames file i to dest (same file system; an existing dest is
 * replaced), updates its path (copied into the pool) and keeps it as pxt_upload_keep
 * does. PXT_EINVAL as pxt_upload_keep; PXT_EIO / PXT_EPERM naming dest when rename(2)
 * fails (the file then stays where it was, still owned by the pool).
 */
pxt_err pxt_upload_move(pxt_upload *u, size_t i, const char *dest);

/*
 * pxt_upload_discard deletes now every file of the sink not kept, instead of when the
 * pool goes (a request refused before its answer is sent). Idempotent; never fails.
 */
void pxt_upload_discard(pxt_upload *u);

#endif
