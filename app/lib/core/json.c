/*
 * json.c - the JSON reader (pxt/json.h): request bodies into pool-allocated trees.
 *
 * yajl 2 does the tokenizing through its callback API; this file builds the tree.
 * Containers are filled through a stack of open frames whose arrays grow by doubling
 * in the pool, so neither yajl nor this code recurses, and the depth limit is checked
 * when a container opens.
 *
 * Numbers come through yajl's number callback as text: the text is kept, integers that
 * fit int64_t become PXT_JSON_INT, everything else PXT_JSON_DOUBLE, and numbers that
 * overflow a double are refused.
 *
 * Strings are not taken from yajl's decoder: the callbacks find the raw token in the
 * input (yajl has already checked its syntax) and decode it here, so that the rules are
 * strict and the error positions exact: UTF-8 must be well-formed (no overlong forms,
 * no encoded surrogates, nothing above U+10FFFF), a \u escape of a surrogate must be a
 * high-low pair, and \u0000 is kept as a NUL byte counted in the length.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "pxt/json.h"
#include "core/utf8_int.h"

/* An open array or object and the room in its arrays. */
typedef struct pxt_jframe {
	pxt_json *v;
	size_t cap;
} pxt_jframe;

typedef struct pxt_jctx {
	pxt_pool *pool;
	yajl_handle h;
	const char *text;
	size_t len;
	int max_depth;
	bool finishing;		/* inside yajl_complete_parse */
	pxt_json *root;
	pxt_jframe *stack;
	size_t depth, stack_cap;
	const char *key;	/* the key waiting for its value */
	size_t keylen;
	pxt_err err;		/* set by a callback that stopped the parse */
} pxt_jctx;

/*
 * pxt_json_pos finds the line and column of byte at: lines count '\n' from 1, columns
 * count UTF-8 characters from 1 (continuation bytes do not start a column).
 */
static void
pxt_json_pos(const char *text, size_t at, size_t *line, size_t *col)
{
	size_t i;

	*line = *col = 1;
	for (i = 0; i < at; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			(*col)++;
		}
	}
}

/*
 * pxt_json_fail records "malformed JSON at line L, column C (byte B): reason" and
 * returns PXT_EBADREQUEST.
 */
static pxt_err
pxt_json_fail(const char *text, size_t len, size_t at, const char *reason)
{
	size_t line, col;

	if (at > len)
		at = len;
	pxt_json_pos(text, at, &line, &col);
	return pxt_seterr(PXT_EBADREQUEST,
	    "malformed JSON at line %zu, column %zu (byte %zu): %s", line, col, at, reason);
}

/* pxt_jctx_fail records a callback's error and returns 0 to stop yajl. */
static int
pxt_jctx_fail(pxt_jctx *c, size_t at, const char *reason)
{
	c->err = pxt_json_fail(c->text, c->len, at, reason);
	return 0;
}

static int
pxt_jctx_oom(pxt_jctx *c)
{
	c->err = pxt_seterr(PXT_ENOMEM, "out of memory parsing JSON");
	return 0;
}

/*
 * pxt_json_grow returns arr (n elements of size sz used, cap allocated) with room for
 * one more: arr itself, or a copy in a pool block twice as large (then *newcap is
 * the new capacity). NULL when out of memory.
 */
static void *
pxt_json_grow(pxt_pool *pool, void *arr, size_t n, size_t cap, size_t sz,
    size_t *newcap)
{
	void *na;

	*newcap = cap;
	if (n < cap)
		return arr;
	*newcap = cap ? cap * 2 : 4;
	if (*newcap > ((size_t)-1) / 2 / sz ||
	    (na = pxt_palloc(pool, *newcap * sz)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(na, arr, n * sz);
	return na;
}

/*
 * pxt_jctx_add attaches a new value of type t to the open container (or makes it the
 * root) and returns it, or NULL when out of memory (c->err is then set). An object's
 * keys, key lengths and values grow together, sharing the frame's capacity.
 */
static pxt_json *
pxt_jctx_add(pxt_jctx *c, pxt_json_type t)
{
	pxt_json *v, *p, **items, **vals;
	const char **keys;
	size_t *lens, cap;
	pxt_jframe *f;

	if ((v = pxt_pcalloc(c->pool, sizeof(*v))) == NULL)
		goto oom;
	v->type = t;
	if (c->depth == 0) {
		c->root = v;
		return v;
	}
	f = &c->stack[c->depth - 1];
	p = f->v;
	if (p->type == PXT_JSON_ARRAY) {
		items = pxt_json_grow(c->pool, p->u.arr.items, p->u.arr.n, f->cap,
		    sizeof(*items), &cap);
		if (items == NULL)
			goto oom;
		p->u.arr.items = items;
		f->cap = cap;
		items[p->u.arr.n++] = v;
		return v;
	}
	keys = pxt_json_grow(c->pool, p->u.obj.keys, p->u.obj.n, f->cap, sizeof(*keys),
	    &cap);
	lens = pxt_json_grow(c->pool, p->u.obj.keylens, p->u.obj.n, f->cap,
	    sizeof(*lens), &cap);
	vals = pxt_json_grow(c->pool, p->u.obj.vals, p->u.obj.n, f->cap, sizeof(*vals),
	    &cap);
	if (keys == NULL || lens == NULL || vals == NULL)
		goto oom;
	p->u.obj.keys = keys;
	p->u.obj.keylens = lens;
	p->u.obj.vals = vals;
	f->cap = cap;
	keys[p->u.obj.n] = c->key;
	lens[p->u.obj.n] = c->keylen;
	vals[p->u.obj.n++] = v;
	return v;
oom:
	pxt_jctx_oom(c);
	return NULL;
}

/* pxt_hex4 reads four hex digits; -1 when they are not. */
static long
pxt_hex4(const char *s, size_t n)
{
	long v = 0;
	size_t i;
	int c;

	if (n < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		c = (unsigned char)s[i];
		if (c >= '0' && c <= '9')
			c -= '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			c = (c | 0x20) - 'a' + 10;
		else
			return -1;
		v = v << 4 | c;
	}
	return v;
}

/* pxt_put_utf8 encodes code point cp (at most U+10FFFF) at d; returns the bytes. */
static size_t
pxt_put_utf8(char *d, unsigned long cp)
{
	size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4, i;
	static const unsigned char lead[] = {0, 0x00, 0xC0, 0xE0, 0xF0};

	for (i = n - 1; i > 0; i--, cp >>= 6)
		d[i] = (char)(0x80 | (cp & 0x3F));
	d[0] = (char)(lead[n] | cp);
	return n;
}

/*
 * pxt_json_unicode decodes the \uXXXX escape (or surrogate pair) at raw + i (the
 * backslash) into d. Returns the raw bytes used, 0 for a bad escape, -1 for an
 * unpaired surrogate; *dn gets the bytes written.
 */
static long
pxt_json_unicode(const char *raw, size_t n, size_t i, char *d, size_t *dn)
{
	long hi, lo;

	if ((hi = pxt_hex4(raw + i + 2, n - i - 2)) < 0)
		return 0;
	if (hi >= 0xDC00 && hi <= 0xDFFF)
		return -1;
	if (hi < 0xD800 || hi > 0xDBFF) {
		*dn = pxt_put_utf8(d, (unsigned long)hi);
		return 6;
	}
	if (n - i < 12 || raw[i + 6] != '\\' || raw[i + 7] != 'u' ||
	    (lo = pxt_hex4(raw + i + 8, n - i - 8)) < 0xDC00 || lo > 0xDFFF)
		return -1;
	*dn = pxt_put_utf8(d, 0x10000 + (((unsigned long)hi - 0xD800) << 10) +
	    ((unsigned long)lo - 0xDC00));
	return 12;
}

/*
 * pxt_json_unescape decodes the raw string body text[off, off + n) into pool memory
 * (NUL-terminated, *outlen bytes). Returns 0, or sets c->err and returns -1.
 */
static int
pxt_json_unescape(pxt_jctx *c, size_t off, size_t n, char **out, size_t *outlen)
{
	static const char esc_in[] = "\"\\/bfnrt", esc_out[] = "\"\\/\b\f\n\r\t";
	const char *raw = c->text + off, *e;
	size_t i = 0, o = 0, k;
	long used;
	char *d;

	if ((d = pxt_palloc(c->pool, n + 1)) == NULL)
		return pxt_jctx_oom(c) - 1;
	while (i < n) {
		unsigned char ch = (unsigned char)raw[i];

		if (ch == '\\' && i + 1 < n && raw[i + 1] == 'u') {
			used = pxt_json_unicode(raw, n, i, d + o, &k);
			if (used <= 0)
				return pxt_jctx_fail(c, off + i, used < 0 ?
				    "unpaired surrogate in \\u escape" :
				    "invalid \\u escape") - 1;
			o += k;
			i += (size_t)used;
		} else if (ch == '\\') {
			if (i + 1 >= n || raw[i + 1] == '\0' ||
			    (e = strchr(esc_in, raw[i + 1])) == NULL)
				return pxt_jctx_fail(c, off + i, "invalid escape") - 1;
			d[o++] = esc_out[e - esc_in];
			i += 2;
		} else if (ch < 0x20) {
			return pxt_jctx_fail(c, off + i,
			    "control character in string") - 1;
		} else if ((k = pxt_utf8_len((const unsigned char *)raw + i, n - i)) == 0) {
			return pxt_jctx_fail(c, off + i, "invalid UTF-8 in string") - 1;
		} else {
			memcpy(d + o, raw + i, k);
			o += k;
			i += k;
		}
	}
	d[o] = '\0';
	*out = d;
	*outlen = o;
	return 0;
}

/*
 * pxt_json_rawstr decodes the string token yajl just reported. The token ends right
 * before yajl's position; its opening quote is the nearest '"' before that which is
 * not escaped (preceded by an even number of backslashes: what comes before a string
 * is never a backslash).
 */
static int
pxt_json_rawstr(pxt_jctx *c, char **out, size_t *outlen)
{
	size_t end = yajl_get_bytes_consumed(c->h), p, bs;

	if (c->finishing || end == 0 || end > c->len || c->text[end - 1] != '"') {
		c->err = pxt_seterr(PXT_EINTERNAL, "JSON string token not found");
		return -1;
	}
	for (p = end - 1; p-- > 0;) {
		if (c->text[p] != '"')
			continue;
		for (bs = 0; bs < p && c->text[p - bs - 1] == '\\'; bs++)
			;
		if (bs % 2 == 0)
			return pxt_json_unescape(c, p + 1, end - 2 - p, out, outlen);
	}
	c->err = pxt_seterr(PXT_EINTERNAL, "JSON string token not found");
	return -1;
}

static int
pxt_cb_null(void *ctx)
{
	return pxt_jctx_add(ctx, PXT_JSON_NULL) != NULL;
}

static int
pxt_cb_bool(void *ctx, int b)
{
	pxt_json *v = pxt_jctx_add(ctx, PXT_JSON_BOOL);

	if (v != NULL)
		v->u.b = b != 0;
	return v != NULL;
}

/*
 * pxt_cb_number keeps the text; plain integers within int64_t become INT, other
 * numbers DOUBLE, unless they overflow to infinity. A number ends where yajl stopped,
 * or at the end of the input when yajl only saw its end while finishing.
 */
static int
pxt_cb_number(void *ctx, const char *s, size_t n)
{
	pxt_jctx *c = ctx;
	size_t end = c->finishing ? c->len : yajl_get_bytes_consumed(c->h);
	pxt_json *v;
	char *num, *ep;

	if ((num = pxt_pstrndup(c->pool, s, n)) == NULL)
		return pxt_jctx_oom(c);
	if (strpbrk(num, ".eE") == NULL) {
		long long i;

		errno = 0;
		i = strtoll(num, &ep, 10);
		if (errno == 0 && *ep == '\0') {
			if ((v = pxt_jctx_add(c, PXT_JSON_INT)) == NULL)
				return 0;
			v->num = num;
			v->u.i = i;
			return 1;
		}
	}
	{
		double d = strtod(num, &ep);

		if (*ep != '\0' || isinf(d))
			return pxt_jctx_fail(c, end >= n ? end - n : 0,
			    "number out of range");
		if ((v = pxt_jctx_add(c, PXT_JSON_DOUBLE)) == NULL)
			return 0;
		v->num = num;
		v->u.d = d;
	}
	return 1;
}

static int
pxt_cb_string(void *ctx, const unsigned char *s, size_t n)
{
	pxt_jctx *c = ctx;
	pxt_json *v;
	char *str;
	size_t len;

	(void)s;
	(void)n;
	if (pxt_json_rawstr(c, &str, &len) != 0 ||
	    (v = pxt_jctx_add(c, PXT_JSON_STRING)) == NULL)
		return 0;
	v->u.str.s = str;
	v->u.str.len = len;
	return 1;
}

static int
pxt_cb_key(void *ctx, const unsigned char *s, size_t n)
{
	pxt_jctx *c = ctx;
	char *key;

	(void)s;
	(void)n;
	if (pxt_json_rawstr(c, &key, &c->keylen) != 0)
		return 0;
	c->key = key;
	return 1;
}

/* pxt_jctx_open adds a container and pushes it, refusing it past max_depth. */
static int
pxt_jctx_open(pxt_jctx *c, pxt_json_type t)
{
	pxt_jframe *stack;
	pxt_json *v;

	if (c->depth >= (size_t)(c->max_depth < 0 ? 0 : c->max_depth)) {
		size_t at = yajl_get_bytes_consumed(c->h), line, col;

		at = at > 0 && at <= c->len ? at - 1 : 0;	/* the bracket */
		pxt_json_pos(c->text, at, &line, &col);
		c->err = pxt_seterr(PXT_EBADREQUEST, "JSON nested deeper than %d levels "
		    "at line %zu, column %zu (byte %zu)", c->max_depth < 0 ? 0 :
		    c->max_depth, line, col, at);
		return 0;
	}
	if ((v = pxt_jctx_add(c, t)) == NULL)
		return 0;
	stack = pxt_json_grow(c->pool, c->stack, c->depth, c->stack_cap,
	    sizeof(*stack), &c->stack_cap);
	if (stack == NULL)
		return pxt_jctx_oom(c);
	c->stack = stack;
	c->stack[c->depth].v = v;
	c->stack[c->depth].cap = 0;
	c->depth++;
	return 1;
}

static int
pxt_cb_start_map(void *ctx)
{
	return pxt_jctx_open(ctx, PXT_JSON_OBJECT);
}

static int
pxt_cb_start_array(void *ctx)
{
	return pxt_jctx_open(ctx, PXT_JSON_ARRAY);
}

static int
pxt_cb_end(void *ctx)
{
	pxt_jctx *c = ctx;

	c->depth--;
	return 1;
}

static const yajl_callbacks pxt_json_callbacks = {
	.yajl_null = pxt_cb_null,
	.yajl_boolean = pxt_cb_bool,
	.yajl_number = pxt_cb_number,
	.yajl_string = pxt_cb_string,
	.yajl_start_map = pxt_cb_start_map,
	.yajl_map_key = pxt_cb_key,
	.yajl_end_map = pxt_cb_end,
	.yajl_start_array = pxt_cb_start_array,
	.yajl_end_array = pxt_cb_end,
};

/*
 * pxt_json_yajl_error turns yajl's error into ours: the position is where yajl
 * stopped (the end of the input for errors found while finishing), the reason yajl's
 * short message without its "parse error: " prefix, final period and newline.
 */
static pxt_err
pxt_json_yajl_error(pxt_jctx *c)
{
	unsigned char *msg;
	char reason[128];
	const char *r;
	size_t at, n;

	at = c->finishing ? c->len : yajl_get_bytes_consumed(c->h);
	msg = yajl_get_error(c->h, 0, (const unsigned char *)c->text, c->len);
	if (msg == NULL)
		return pxt_seterr(PXT_ENOMEM, "out of memory parsing JSON");
	r = strstr((const char *)msg, "error: ");
	r = r != NULL ? r + 7 : (const char *)msg;
	n = strcspn(r, "\r\n");
	if (n >= sizeof(reason))
		n = sizeof(reason) - 1;
	memcpy(reason, r, n);
	while (n > 0 && (reason[n - 1] == '.' || reason[n - 1] == ' '))
		n--;
	reason[n] = '\0';
	yajl_free_error(c->h, msg);
	return pxt_json_fail(c->text, c->len, at, reason[0] ? reason : "syntax error");
}

pxt_err
pxt_json_parse(pxt_pool *pool, const char *text, size_t len, int max_depth,
    pxt_json **out)
{
	pxt_jctx c;
	yajl_status st;
	pxt_err err;
	size_t i;

	*out = NULL;
	for (i = 0; text != NULL && i < len; i++)
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n')
			break;
	if (text == NULL || i == len)
		return pxt_seterr(PXT_EBADREQUEST, "empty JSON body");
	memset(&c, 0, sizeof(c));
	c.pool = pool;
	c.text = text;
	c.len = len;
	c.max_depth = max_depth;
	if ((c.h = yajl_alloc(&pxt_json_callbacks, NULL, &c)) == NULL)
		return pxt_seterr(PXT_ENOMEM, "out of memory parsing JSON");
	yajl_config(c.h, yajl_allow_comments, 0);
	st = yajl_parse(c.h, (const unsigned char *)text, len);
	if (st == yajl_status_ok) {
		c.finishing = true;
		st = yajl_complete_parse(c.h);
	}
	if (st == yajl_status_ok && c.root != NULL) {
		*out = c.root;
		err = PXT_OK;
	} else if (c.err != PXT_OK) {
		err = c.err;
	} else if (st == yajl_status_ok) {
		err = pxt_seterr(PXT_EINTERNAL, "JSON parser produced no value");
	} else {
		err = pxt_json_yajl_error(&c);
	}
	yajl_free(c.h);
	return err;
}

const pxt_json *
pxt_json_get(const pxt_json *obj, const char *key)
{
	size_t i, n;

	if (obj == NULL || obj->type != PXT_JSON_OBJECT || key == NULL)
		return NULL;
	n = strlen(key);
	for (i = obj->u.obj.n; i-- > 0;)
		if (obj->u.obj.keylens[i] == n && memcmp(obj->u.obj.keys[i], key, n) == 0)
			return obj->u.obj.vals[i];
	return NULL;
}

const char *
pxt_json_type_name(pxt_json_type t)
{
	static const char *const names[] = {"null", "boolean", "integer", "number",
	    "string", "array", "object"};

	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}
