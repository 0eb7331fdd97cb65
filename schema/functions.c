/*
 * functions.c - the reference app's UDF module (the seed's functions.py): functions
 * its computed columns call by name. Built as functions.so into the UDF folder; a
 * changed body takes effect when the workers restart, a changed signature is
 * reported by the workers until the setup program runs again.
 */
#include <ctype.h>
#include <string.h>

#include "pxt/pxt.h"

/*
 * snippet(text, n): at most n bytes of text, cut at the last space before the limit
 * (never inside a UTF-8 sequence), with "..." when something was cut.
 */
static pxt_err
fn_snippet(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	const char *s = a[0].u.str.s;
	size_t len = a[0].u.str.len, cut;
	char *r;

	(void)n;
	if (a[1].u.i < 1)
		return pxt_seterr(PXT_EINVAL, "the length must be positive, got %lld",
		    (long long)a[1].u.i);
	if (len <= (size_t)a[1].u.i) {
		out->u.str = a[0].u.str;
		return PXT_OK;
	}
	cut = (size_t)a[1].u.i;
	while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	for (size_t i = cut; i > cut / 2; i--)
		if (isspace((unsigned char)s[i])) {
			cut = i;
			break;
		}
	while (cut > 0 && isspace((unsigned char)s[cut - 1]))
		cut--;
	if ((r = pxt_palloc(pool, cut + 4)) == NULL)
		return PXT_ENOMEM;
	memcpy(r, s, cut);
	memcpy(r + cut, "...", 4);
	out->u.str.s = r;
	out->u.str.len = cut + 3;
	return PXT_OK;
}

/* aspect_ratio(width, height): width / height; an error for a zero height. */
static pxt_err
fn_aspect_ratio(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	(void)pool;
	(void)n;
	if (a[1].u.i == 0)
		return pxt_seterr(PXT_EINVAL, "the height is 0");
	out->u.f = (double)a[0].u.i / (double)a[1].u.i;
	return PXT_OK;
}

/* Appends the strings and numbers inside v to b, separated by spaces. */
static void
app_json_words(pxt_buf *b, const pxt_json *v, int depth)
{
	if (v == NULL || depth > 16)
		return;
	switch (v->type) {
	case PXT_JSON_STRING:
		pxt_buf_adds(b, b->len ? " " : "");
		pxt_buf_add(b, v->u.str.s, strlen(v->u.str.s));
		break;
	case PXT_JSON_INT:
	case PXT_JSON_DOUBLE:
		pxt_buf_adds(b, b->len ? " " : "");
		pxt_buf_adds(b, v->num);
		break;
	case PXT_JSON_ARRAY:
		for (size_t i = 0; i < v->u.arr.n; i++)
			app_json_words(b, v->u.arr.items[i], depth + 1);
		break;
	case PXT_JSON_OBJECT:
		for (size_t i = 0; i < v->u.obj.n; i++)
			app_json_words(b, v->u.obj.vals[i], depth + 1);
		break;
	default:
		break;
	}
}

/*
 * json_text(metadata): the text of a Json value, its strings and numbers in order,
 * space-separated (what an image's metadata says, for search). NULL inside: skipped.
 */
static pxt_err
fn_json_text(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	pxt_buf b = PXT_BUF_INIT;

	(void)n;
	app_json_words(&b, a[0].u.json, 0);
	if (b.failed || (out->u.str.s = pxt_pstrndup(pool, b.len ? b.data : "", b.len)) ==
	    NULL) {
		pxt_buf_free(&b);
		return pxt_seterr(PXT_ENOMEM, "json_text: out of memory");
	}
	out->u.str.len = b.len;
	pxt_buf_free(&b);
	return PXT_OK;
}

static const pxt_udf app_functions[] = {
	{"snippet", PXT_STRING, 2, {PXT_STRING, PXT_INT}, fn_snippet, NULL},
	{"aspect_ratio", PXT_FLOAT, 2, {PXT_INT, PXT_INT}, fn_aspect_ratio, NULL},
	{"json_text", PXT_STRING, 1, {PXT_JSON}, fn_json_text, NULL},
};

PXT_UDF_MODULE("app", app_functions)
