/*
 * json_write.c - the JSON writer (pxt/json.h): compact JSON appended to a pxt_buf.
 *
 * The writer tracks, per nesting level, whether a comma is due before the next value,
 * and whether a key was just written (then the value follows the colon directly).
 * Strings are escaped per RFC 8259, plus U+2028 and U+2029 so the output is also
 * safe inside JavaScript; bytes that are not well-formed UTF-8 become U+FFFD.
 *
 * Callers must stay within PXT_JW_MAX_DEPTH levels: deeper, the writer marks the
 * buffer failed (b->failed, PXT_EINTERNAL recorded) and the buffer's content is then
 * not to be used; pxt_buf_steal returns NULL.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/json.h"
#include "core/utf8_int.h"

void
pxt_jw_init(pxt_jw *w, pxt_buf *b)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
}

/* pxt_jw_sep writes the comma due before a value or key, if any. */
static void
pxt_jw_sep(pxt_jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth < 0 || w->depth > PXT_JW_MAX_DEPTH)
		return;
	if (w->need_comma[w->depth])
		pxt_buf_addc(w->b, ',');
	w->need_comma[w->depth] = true;
}

/* pxt_jw_open starts an array or object, failing the buffer past the depth limit. */
static void
pxt_jw_open(pxt_jw *w, char c)
{
	pxt_jw_sep(w);
	pxt_buf_addc(w->b, c);
	if (w->depth >= PXT_JW_MAX_DEPTH) {
		if (!w->b->failed)
			pxt_seterr(PXT_EINTERNAL, "JSON output nested deeper than %d levels",
			    PXT_JW_MAX_DEPTH);
		w->b->failed = true;
		w->depth++;
		return;
	}
	w->depth++;
	w->need_comma[w->depth] = false;
}

static void
pxt_jw_close(pxt_jw *w, char c)
{
	w->after_key = false;
	if (w->depth <= 0) {
		if (!w->b->failed)
			pxt_seterr(PXT_EINTERNAL, "JSON output closes more than it opened");
		w->b->failed = true;
		return;
	}
	w->depth--;
	pxt_buf_addc(w->b, c);
}

void
pxt_jw_obj_begin(pxt_jw *w)
{
	pxt_jw_open(w, '{');
}

void
pxt_jw_obj_end(pxt_jw *w)
{
	pxt_jw_close(w, '}');
}

void
pxt_jw_arr_begin(pxt_jw *w)
{
	pxt_jw_open(w, '[');
}

void
pxt_jw_arr_end(pxt_jw *w)
{
	pxt_jw_close(w, ']');
}

/*
 * pxt_jw_escape appends s as a quoted JSON string. Runs of bytes that need nothing
 * are copied at once; each invalid UTF-8 byte becomes one U+FFFD.
 */
static void
pxt_jw_escape(pxt_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0, k;
	char esc[7];

	pxt_buf_addc(b, '"');
	while (i < len) {
		unsigned char c = u[i];
		const char *rep = NULL;
		size_t rlen = 2;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0x80) {
			k = pxt_utf8_len(u + i, len - i);
			if (k > 0 && !(k == 3 && c == 0xE2 && u[i + 1] == 0x80 &&
			    (u[i + 2] == 0xA8 || u[i + 2] == 0xA9))) {
				i += k;
				continue;
			}
			if (k == 0) {
				rep = "\xEF\xBF\xBD";
				rlen = 3;
				k = 1;
			} else {
				rep = u[i + 2] == 0xA8 ? "\\u2028" : "\\u2029";
				rlen = 6;
			}
		} else {
			k = 1;
			switch (c) {
			case '"': rep = "\\\""; break;
			case '\\': rep = "\\\\"; break;
			case '\b': rep = "\\b"; break;
			case '\f': rep = "\\f"; break;
			case '\n': rep = "\\n"; break;
			case '\r': rep = "\\r"; break;
			case '\t': rep = "\\t"; break;
			default:
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 0xF];
				esc[6] = '\0';
				rep = esc;
				rlen = 6;
			}
		}
		pxt_buf_add(b, s + run, i - run);
		pxt_buf_add(b, rep, rlen);
		i += k;
		run = i;
	}
	pxt_buf_add(b, s + run, i - run);
	pxt_buf_addc(b, '"');
}

/* pxt_jw_keyn writes a key of len bytes (keys of parsed objects may hold NUL). */
static void
pxt_jw_keyn(pxt_jw *w, const char *key, size_t len)
{
	pxt_jw_sep(w);
	pxt_jw_escape(w->b, key, len);
	pxt_buf_addc(w->b, ':');
	w->after_key = true;
}

void
pxt_jw_key(pxt_jw *w, const char *key)
{
	pxt_jw_keyn(w, key != NULL ? key : "", key != NULL ? strlen(key) : 0);
}

void
pxt_jw_str(pxt_jw *w, const char *s, size_t len)
{
	if (s == NULL) {
		pxt_jw_null(w);
		return;
	}
	pxt_jw_sep(w);
	pxt_jw_escape(w->b, s, len);
}

void
pxt_jw_cstr(pxt_jw *w, const char *s)
{
	if (s == NULL)
		pxt_jw_null(w);
	else
		pxt_jw_str(w, s, strlen(s));
}

void
pxt_jw_int(pxt_jw *w, int64_t v)
{
	pxt_jw_sep(w);
	pxt_buf_addf(w->b, "%" PRId64, v);
}

/*
 * pxt_jw_double writes the shortest of %.15g, %.16g and %.17g that reads back as the
 * same double (%.17g always does). Integral values may come out without a fraction
 * ("3"); %g's forms ("1e+300", "1e-05") are all valid JSON numbers. Negative zero
 * is written "-0.0" so that it reads back as a double. A decimal comma from a foreign
 * LC_NUMERIC is turned back into a point.
 */
void
pxt_jw_double(pxt_jw *w, double v)
{
	char tmp[40], *p;
	int prec;

	if (!isfinite(v)) {
		pxt_jw_null(w);
		return;
	}
	for (prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	if ((p = strchr(tmp, ',')) != NULL)
		*p = '.';
	if (strcmp(tmp, "-0") == 0)
		strcpy(tmp, "-0.0");	/* reads back as a double, sign kept */
	pxt_jw_sep(w);
	pxt_buf_adds(w->b, tmp);
}

void
pxt_jw_bool(pxt_jw *w, bool v)
{
	pxt_jw_sep(w);
	pxt_buf_adds(w->b, v ? "true" : "false");
}

void
pxt_jw_null(pxt_jw *w)
{
	pxt_jw_sep(w);
	pxt_buf_adds(w->b, "null");
}

/*
 * pxt_jw_raw inserts json as is (the caller vouches that it is one valid JSON value);
 * NULL writes null.
 */
void
pxt_jw_raw(pxt_jw *w, const char *json, size_t len)
{
	if (json == NULL) {
		pxt_jw_null(w);
		return;
	}
	pxt_jw_sep(w);
	pxt_buf_add(w->b, json, len);
}

/*
 * pxt_jw_value writes a parsed tree; numbers keep the text they were parsed from.
 * It recurses once per level, so a tree parsed with a max_depth up to
 * PXT_JW_MAX_DEPTH is written completely. NULL writes null.
 */
void
pxt_jw_value(pxt_jw *w, const pxt_json *v)
{
	size_t i;

	if (v == NULL) {
		pxt_jw_null(w);
		return;
	}
	switch (v->type) {
	case PXT_JSON_NULL:
		pxt_jw_null(w);
		break;
	case PXT_JSON_BOOL:
		pxt_jw_bool(w, v->u.b);
		break;
	case PXT_JSON_INT:
		if (v->num != NULL)
			pxt_jw_raw(w, v->num, strlen(v->num));
		else
			pxt_jw_int(w, v->u.i);
		break;
	case PXT_JSON_DOUBLE:
		if (v->num != NULL)
			pxt_jw_raw(w, v->num, strlen(v->num));
		else
			pxt_jw_double(w, v->u.d);
		break;
	case PXT_JSON_STRING:
		pxt_jw_str(w, v->u.str.s, v->u.str.len);
		break;
	case PXT_JSON_ARRAY:
		pxt_jw_arr_begin(w);
		for (i = 0; i < v->u.arr.n && !w->b->failed; i++)
			pxt_jw_value(w, v->u.arr.items[i]);
		pxt_jw_arr_end(w);
		break;
	case PXT_JSON_OBJECT:
		pxt_jw_obj_begin(w);
		for (i = 0; i < v->u.obj.n && !w->b->failed; i++) {
			pxt_jw_keyn(w, v->u.obj.keys[i], v->u.obj.keylens[i]);
			pxt_jw_value(w, v->u.obj.vals[i]);
		}
		pxt_jw_obj_end(w);
		break;
	default:
		pxt_jw_null(w);
	}
}
