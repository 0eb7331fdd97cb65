/*
 * fuzz_json.c - libFuzzer target for the JSON reader and writer (app/lib/core/json.c,
 * json_write.c).
 *
 * Parses the input with a depth limit of 32 in a fresh pool. A failure must be
 * PXT_EBADREQUEST (or PXT_ENOMEM) with a one-line message. A success is walked (every
 * byte into a volatile sink), written back with pxt_jw_value, and the output must parse
 * again to an equal tree: the writer's output is always valid JSON, and reading it back
 * loses nothing. Any broken promise aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/json.h"

#define FUZZ_MAX_DEPTH	32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t fuzz_sink;

/* walk checks the invariants of a parsed value and feeds it to the sink. */
static void
walk(const pxt_json *v, int depth)
{
	size_t i;

	if (v == NULL || (depth > FUZZ_MAX_DEPTH && (v->type == PXT_JSON_ARRAY ||
	    v->type == PXT_JSON_OBJECT)))
		abort();
	fuzz_sink += (size_t)v->type + strlen(pxt_json_type_name(v->type));
	switch (v->type) {
	case PXT_JSON_NULL:
		break;
	case PXT_JSON_BOOL:
		fuzz_sink += v->u.b;
		break;
	case PXT_JSON_INT:
		fuzz_sink += (size_t)v->u.i + strlen(v->num);
		break;
	case PXT_JSON_DOUBLE:
		fuzz_sink += (v->u.d > 0) + strlen(v->num);
		break;
	case PXT_JSON_STRING:
		if (v->u.str.s == NULL || v->u.str.s[v->u.str.len] != '\0')
			abort();
		for (i = 0; i < v->u.str.len; i++)
			fuzz_sink += (unsigned char)v->u.str.s[i];
		break;
	case PXT_JSON_ARRAY:
		for (i = 0; i < v->u.arr.n; i++)
			walk(v->u.arr.items[i], depth + 1);
		break;
	case PXT_JSON_OBJECT:
		for (i = 0; i < v->u.obj.n; i++) {
			if (v->u.obj.keys[i][v->u.obj.keylens[i]] != '\0')
				abort();
			fuzz_sink += v->u.obj.keylens[i];
			walk(v->u.obj.vals[i], depth + 1);
		}
		/* the last of equal keys wins (keys with a NUL cannot be asked for) */
		if (v->u.obj.n > 0 && strlen(v->u.obj.keys[v->u.obj.n - 1]) ==
		    v->u.obj.keylens[v->u.obj.n - 1] && pxt_json_get(v,
		    v->u.obj.keys[v->u.obj.n - 1]) != v->u.obj.vals[v->u.obj.n - 1])
			abort();
		break;
	default:
		abort();
	}
}

/* equal compares two trees; numbers by their text. */
static int
equal(const pxt_json *a, const pxt_json *b)
{
	size_t i;

	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case PXT_JSON_BOOL:
		return a->u.b == b->u.b;
	case PXT_JSON_INT:
	case PXT_JSON_DOUBLE:
		return strcmp(a->num, b->num) == 0;
	case PXT_JSON_STRING:
		return a->u.str.len == b->u.str.len &&
		    memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
	case PXT_JSON_ARRAY:
		if (a->u.arr.n != b->u.arr.n)
			return 0;
		for (i = 0; i < a->u.arr.n; i++)
			if (!equal(a->u.arr.items[i], b->u.arr.items[i]))
				return 0;
		return 1;
	case PXT_JSON_OBJECT:
		if (a->u.obj.n != b->u.obj.n)
			return 0;
		for (i = 0; i < a->u.obj.n; i++)
			if (a->u.obj.keylens[i] != b->u.obj.keylens[i] ||
			    memcmp(a->u.obj.keys[i], b->u.obj.keys[i],
			    a->u.obj.keylens[i]) != 0 ||
			    !equal(a->u.obj.vals[i], b->u.obj.vals[i]))
				return 0;
		return 1;
	default:
		return 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pxt_buf b = PXT_BUF_INIT;
	pxt_json *v = NULL, *again = NULL;
	pxt_pool *pool;
	pxt_jw w;
	pxt_err err;

	if ((pool = pxt_pool_new(0)) == NULL)
		return 0;
	err = pxt_json_parse(pool, (const char *)data, size, FUZZ_MAX_DEPTH, &v);
	if (err != PXT_OK) {
		if (v != NULL || (err != PXT_EBADREQUEST && err != PXT_ENOMEM) ||
		    strchr(pxt_errmsg(), '\n') != NULL)
			abort();
		fuzz_sink += strlen(pxt_errmsg());
		pxt_pool_free(pool);
		return 0;
	}
	walk(v, 1);
	pxt_jw_init(&w, &b);
	pxt_jw_value(&w, v);
	if (b.failed || w.depth != 0)
		abort();
	if (pxt_json_parse(pool, b.data, b.len, FUZZ_MAX_DEPTH, &again) != PXT_OK ||
	    !equal(v, again))
		abort();
	fuzz_sink += b.len;
	pxt_buf_free(&b);
	pxt_pool_free(pool);
	return 0;
}
