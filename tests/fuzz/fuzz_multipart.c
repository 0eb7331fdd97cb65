/*
 * fuzz_multipart.c - libFuzzer target for the streaming multipart/form-data parser
 * (app/lib/http/multipart.c).
 *
 * The input is a body delimited by the fixed boundary "AaB03x". It is parsed three
 * times: at once, split at three points derived from the input, and one byte at a
 * time. Checks: callbacks come in order (begin, data, end) with a non-empty name of
 * UTF-8 text, never an empty piece of data, never more part_data bytes than the input
 * holds, never more parts than the limit or field bytes than the field limit; every
 * pass ends with the same code and, on success, the same events (hashed, so the
 * chunking of part_data does not count); failures carry a one-line message. A part
 * named "stop" makes part_begin fail, to cover callback errors. The input, cut at its
 * first NUL, is also given to pxt_mp_boundary as a Content-Type; a boundary it accepts
 * must be accepted by pxt_mp_new. Any broken promise aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/multipart_int.h"

#define FUZZ_BOUNDARY	"AaB03x"
#define FUZZ_PARTS	8
#define FUZZ_FIELD	200

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_run {
	uint64_t hash;		/* FNV-1a over the events and the data bytes */
	size_t bytes;		/* part_data bytes */
	size_t parts;
	size_t part_bytes;	/* of the current part */
	int in_part;
	int is_file;
};

static void
fuzz_hash(struct fuzz_run *r, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		r->hash = (r->hash ^ s[i]) * 1099511628211u;
}

static pxt_err
fuzz_begin(void *ud, const char *name, const char *filename, const char *ct)
{
	struct fuzz_run *r = ud;

	if (r->in_part || name == NULL || name[0] == '\0' || ct == NULL ||
	    ct[0] == '\0' || ++r->parts > FUZZ_PARTS)
		abort();
	for (const char *s = name; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			abort();
	r->in_part = 1;
	r->is_file = filename != NULL;
	r->part_bytes = 0;
	fuzz_hash(r, "B", 1);
	fuzz_hash(r, name, strlen(name) + 1);
	fuzz_hash(r, filename ? filename : "-", filename ? strlen(filename) + 1 : 1);
	fuzz_hash(r, ct, strlen(ct) + 1);
	if (strcmp(name, "stop") == 0)
		return pxt_seterr(PXT_EPERM, "stopped");
	return PXT_OK;
}

static pxt_err
fuzz_data(void *ud, const char *data, size_t len)
{
	struct fuzz_run *r = ud;

	if (!r->in_part || len == 0 || data == NULL)
		abort();
	r->bytes += len;
	r->part_bytes += len;
	if (!r->is_file && r->part_bytes > FUZZ_FIELD)
		abort();
	fuzz_hash(r, data, len);
	return PXT_OK;
}

static pxt_err
fuzz_end(void *ud)
{
	struct fuzz_run *r = ud;

	if (!r->in_part)
		abort();
	r->in_part = 0;
	fuzz_hash(r, "E", 1);
	return PXT_OK;
}

/* fuzz_parse feeds data cut at the ncuts sorted offsets in cuts; returns the code. */
static pxt_err
fuzz_parse(const uint8_t *data, size_t size, const size_t *cuts, size_t ncuts,
    size_t max_total, struct fuzz_run *r)
{
	static const pxt_mp_callbacks cb = {fuzz_begin, fuzz_data, fuzz_end};
	pxt_mp_limits lim = {FUZZ_PARTS, FUZZ_FIELD, max_total, 256};
	pxt_mp *p;
	pxt_err err = PXT_OK;
	size_t from = 0;

	memset(r, 0, sizeof(*r));
	r->hash = 14695981039346656037u;
	if ((p = pxt_mp_new(FUZZ_BOUNDARY, &lim, &cb, r)) == NULL)
		abort();
	for (size_t i = 0; i <= ncuts && err == PXT_OK; i++) {
		size_t to = i < ncuts ? cuts[i] : size;

		err = pxt_mp_feed(p, (const char *)data + from, to - from);
		from = to;
	}
	if (err == PXT_OK)
		err = pxt_mp_finish(p);
	pxt_mp_free(p);
	if (r->bytes > size)
		abort();
	if (err != PXT_OK && (pxt_errmsg()[0] == '\0' ||
	    strchr(pxt_errmsg(), '\n') != NULL || (err != PXT_EBADREQUEST &&
	    err != PXT_ETOOLARGE && err != PXT_EPERM)))
		abort();
	if (err == PXT_OK && r->in_part)
		abort();
	return err;
}

/* fuzz_boundary gives the input to pxt_mp_boundary as a Content-Type value. */
static void
fuzz_boundary(const uint8_t *data, size_t size)
{
	char ct[512], b[PXT_MP_BOUNDARY_MAX + 1];
	size_t n = size < sizeof(ct) - 1 ? size : sizeof(ct) - 1;
	pxt_mp *p;

	memcpy(ct, data, n);
	ct[n] = '\0';
	if (pxt_mp_boundary(ct, b, sizeof(b)) != PXT_OK) {
		if (b[0] != '\0' || strchr(pxt_errmsg(), '\n') != NULL)
			abort();
		return;
	}
	if (strlen(b) == 0 || strlen(b) > PXT_MP_BOUNDARY_MAX ||
	    (p = pxt_mp_new(b, NULL, NULL, NULL)) == NULL)
		abort();
	pxt_mp_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_run whole, split, bytes;
	size_t cuts[3], *each;
	pxt_err e1, e2, e3;

	fuzz_boundary(data, size);
	e1 = fuzz_parse(data, size, NULL, 0, (size_t)1 << 20, &whole);

	/* three cut points from the input's bytes, sorted */
	for (size_t i = 0; i < 3; i++)
		cuts[i] = size ? ((size_t)data[(i * 7919) % size] * 31 + i * size / 3) %
		    (size + 1) : 0;
	for (size_t i = 0; i < 3; i++)
		for (size_t j = i + 1; j < 3; j++)
			if (cuts[j] < cuts[i]) {
				size_t t = cuts[i];

				cuts[i] = cuts[j];
				cuts[j] = t;
			}
	e2 = fuzz_parse(data, size, cuts, 3, (size_t)1 << 20, &split);

	if ((each = malloc((size ? size : 1) * sizeof(*each))) == NULL)
		return 0;
	for (size_t i = 0; i < size; i++)
		each[i] = i;
	e3 = fuzz_parse(data, size, each, size, (size_t)1 << 20, &bytes);
	free(each);

	if (e1 != e2 || e1 != e3)
		abort();
	if (e1 == PXT_OK && (whole.hash != split.hash || whole.hash != bytes.hash ||
	    whole.bytes != split.bytes || whole.bytes != bytes.bytes))
		abort();

	/* the body limit, hit somewhere inside the input */
	if (size > 1)
		(void)fuzz_parse(data, size, cuts, 3, size - 1, &split);
	return 0;
}
