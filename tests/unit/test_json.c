/*
 * test_json.c - unit tests of the JSON reader and writer (app/lib/core/json.c, json_write.c).
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/json.h"
#include "pxt_test.h"

static pxt_pool *pool;

static pxt_json *
parse(const char *text, int depth)
{
	pxt_json *v = NULL;

	if (pxt_json_parse(pool, text, strlen(text), depth, &v) != PXT_OK) {
		fprintf(stderr, "unexpected error for %s: %s\n", text, pxt_errmsg());
		return NULL;
	}
	return v;
}

/* parse_fail checks that text (len bytes) is refused with exactly msg. */
static void
parse_fail_n(const char *text, size_t len, int depth, const char *msg)
{
	pxt_json *v = (pxt_json *)&v;

	PXT_CHECK_INT(pxt_json_parse(pool, text, len, depth, &v), PXT_EBADREQUEST);
	PXT_CHECK(v == NULL);
	PXT_CHECK_STR(pxt_errmsg(), msg);
}

static void
parse_fail(const char *text, const char *msg)
{
	parse_fail_n(text, strlen(text), 64, msg);
}

/* json_equal compares two trees, numbers by their text. */
static int
json_equal(const pxt_json *a, const pxt_json *b)
{
	size_t i;

	if (a == NULL || b == NULL || a->type != b->type)
		return 0;
	switch (a->type) {
	case PXT_JSON_NULL:
		return 1;
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
			if (!json_equal(a->u.arr.items[i], b->u.arr.items[i]))
				return 0;
		return 1;
	case PXT_JSON_OBJECT:
		if (a->u.obj.n != b->u.obj.n)
			return 0;
		for (i = 0; i < a->u.obj.n; i++)
			if (a->u.obj.keylens[i] != b->u.obj.keylens[i] ||
			    memcmp(a->u.obj.keys[i], b->u.obj.keys[i],
			    a->u.obj.keylens[i]) != 0 ||
			    !json_equal(a->u.obj.vals[i], b->u.obj.vals[i]))
				return 0;
		return 1;
	}
	return 0;
}

/* write_value serializes v into a pool string. */
static const char *
write_value(const pxt_json *v)
{
	pxt_buf b = PXT_BUF_INIT;
	pxt_jw w;
	char *s;

	pxt_jw_init(&w, &b);
	pxt_jw_value(&w, v);
	s = pxt_pstrdup(pool, b.failed ? "(failed)" : pxt_buf_str(&b));
	pxt_buf_free(&b);
	return s;
}

/* roundtrip checks parse -> write gives expect, and parsing that gives an equal tree. */
static void
roundtrip(const char *text, const char *expect)
{
	pxt_json *a = parse(text, 64), *b;
	const char *out;

	PXT_CHECK(a != NULL);
	if (a == NULL)
		return;
	out = write_value(a);
	PXT_CHECK_STR(out, expect);
	b = parse(out, 64);
	PXT_CHECK(json_equal(a, b));
}

static void
test_types(void)
{
	pxt_json *v;

	v = parse("null", 8);
	PXT_CHECK(v && v->type == PXT_JSON_NULL);
	v = parse(" true ", 8);
	PXT_CHECK(v && v->type == PXT_JSON_BOOL && v->u.b);
	v = parse("false", 8);
	PXT_CHECK(v && v->type == PXT_JSON_BOOL && !v->u.b);
	v = parse("-42", 8);
	PXT_CHECK(v && v->type == PXT_JSON_INT && v->u.i == -42);
	PXT_CHECK_STR(v ? v->num : NULL, "-42");
	v = parse("2.5e1", 8);
	PXT_CHECK(v && v->type == PXT_JSON_DOUBLE && v->u.d == 25.0);
	PXT_CHECK_STR(v ? v->num : NULL, "2.5e1");
	v = parse("1E2", 8);
	PXT_CHECK(v && v->type == PXT_JSON_DOUBLE && v->u.d == 100.0);
	v = parse("\"h\\u00e9\\n\"", 8);
	PXT_CHECK(v && v->type == PXT_JSON_STRING && v->u.str.len == 4);
	PXT_CHECK_STR(v ? v->u.str.s : NULL, "h\xC3\xA9\n");
	v = parse("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", 8);
	PXT_CHECK_STR(v ? v->u.str.s : NULL, "\"\\/\b\f\n\r\t");
	v = parse("[]", 8);
	PXT_CHECK(v && v->type == PXT_JSON_ARRAY && v->u.arr.n == 0);
	v = parse("{}", 8);
	PXT_CHECK(v && v->type == PXT_JSON_OBJECT && v->u.obj.n == 0);
	PXT_CHECK_STR(pxt_json_type_name(PXT_JSON_NULL), "null");
	PXT_CHECK_STR(pxt_json_type_name(PXT_JSON_BOOL), "boolean");
	PXT_CHECK_STR(pxt_json_type_name(PXT_JSON_INT), "integer");
	PXT_CHECK_STR(pxt_json_type_name(PXT_JSON_DOUBLE), "number");
	PXT_CHECK_STR(pxt_json_type_name(PXT_JSON_STRING), "string");
	PXT_CHECK_STR(pxt_json_type_name(PXT_JSON_ARRAY), "array");
	PXT_CHECK_STR(pxt_json_type_name(PXT_JSON_OBJECT), "object");
	PXT_CHECK_STR(pxt_json_type_name((pxt_json_type)99), "unknown");
}

static void
test_nesting(void)
{
	const pxt_json *v, *m, *a;
	size_t i;
	char big[4096];

	v = parse("{\"document\": \"/data/a.pdf\", \"metadata\": {\"author\": \"x\","
	    " \"tags\": [1, 2.5, \"t\", null, [true]]}}", 8);
	PXT_CHECK(v && v->type == PXT_JSON_OBJECT && v->u.obj.n == 2);
	PXT_CHECK_STR(v ? v->u.obj.keys[0] : NULL, "document");
	PXT_CHECK_STR(pxt_json_get(v, "document")->u.str.s, "/data/a.pdf");
	m = pxt_json_get(v, "metadata");
	PXT_CHECK(m && m->type == PXT_JSON_OBJECT);
	PXT_CHECK_STR(pxt_json_get(m, "author")->u.str.s, "x");
	a = pxt_json_get(m, "tags");
	PXT_CHECK(a && a->type == PXT_JSON_ARRAY && a->u.arr.n == 5);
	PXT_CHECK(a && a->u.arr.items[4]->type == PXT_JSON_ARRAY &&
	    a->u.arr.items[4]->u.arr.items[0]->u.b);
	PXT_CHECK(pxt_json_get(v, "missing") == NULL);
	PXT_CHECK(pxt_json_get(a, "x") == NULL);
	PXT_CHECK(pxt_json_get(NULL, "x") == NULL);

	/* arrays and objects grow past their first allocation */
	strcpy(big, "[0");
	for (i = 1; i < 500; i++)
		sprintf(big + strlen(big), ",%zu", i);
	strcat(big, "]");
	v = parse(big, 2);
	PXT_CHECK(v && v->u.arr.n == 500 && v->u.arr.items[499]->u.i == 499);
	strcpy(big, "{\"k0\":0");
	for (i = 1; i < 300; i++)
		sprintf(big + strlen(big), ",\"k%zu\":%zu", i, i);
	strcat(big, "}");
	v = parse(big, 2);
	PXT_CHECK(v && v->u.obj.n == 300);
	PXT_CHECK(pxt_json_get(v, "k299") && pxt_json_get(v, "k299")->u.i == 299);
	PXT_CHECK(pxt_json_get(v, "k0") && pxt_json_get(v, "k0")->u.i == 0);
}

static void
test_depth(void)
{
	PXT_CHECK(parse("[[[1]]]", 3) != NULL);
	PXT_CHECK(parse("{\"a\":[{\"b\":1}]}", 3) != NULL);
	PXT_CHECK(parse("1", 0) != NULL);
	parse_fail_n("[[[[1]]]]", 9, 3,
	    "JSON nested deeper than 3 levels at line 1, column 4 (byte 3)");
	parse_fail_n("{\"a\":[{\"b\":{}}]}", 16, 3,
	    "JSON nested deeper than 3 levels at line 1, column 12 (byte 11)");
	parse_fail_n("[]", 2, 0,
	    "JSON nested deeper than 0 levels at line 1, column 1 (byte 0)");
	parse_fail_n("[\n [\n  [\n", 9, 2,
	    "JSON nested deeper than 2 levels at line 3, column 3 (byte 7)");
}

static void
test_errors(void)
{
	parse_fail("", "empty JSON body");
	parse_fail(" \n\t ", "empty JSON body");
	parse_fail("[1 2]", "malformed JSON at line 1, column 5 (byte 4): "
	    "after array element, I expect ',' or ']'");
	parse_fail("[1] x", "malformed JSON at line 1, column 6 (byte 5): trailing garbage");
	parse_fail("{} {}", "malformed JSON at line 1, column 5 (byte 4): trailing garbage");
	parse_fail("[1,", "malformed JSON at line 1, column 4 (byte 3): premature EOF");
	parse_fail("{\n  \"a\": 1,\n  \"b\": }",
	    "malformed JSON at line 3, column 9 (byte 20): "
	    "unallowed token at this point in JSON text");
	parse_fail("{\"a\":1,}", "malformed JSON at line 1, column 9 (byte 8): "
	    "invalid object key (must be a string)");
	parse_fail("// c\n1", "malformed JSON at line 1, column 1 (byte 0): "
	    "probable comment found in input text, comments are not enabled");
	parse_fail("[1] /* c */", "malformed JSON at line 1, column 5 (byte 4): "
	    "trailing garbage");
	parse_fail("\"a\tb\"", "malformed JSON at line 1, column 3 (byte 2): "
	    "invalid character inside string");
	parse_fail("1e400", "malformed JSON at line 1, column 1 (byte 0): "
	    "number out of range");
	parse_fail("[0, -1e999]", "malformed JSON at line 1, column 5 (byte 4): "
	    "number out of range");
	/* columns count characters, not bytes */
	parse_fail("[\"\xC3\xA9\" x]", "malformed JSON at line 1, column 7 (byte 7): "
	    "invalid char in json text");
	parse_fail_n("[1]\0", 4, 64, "malformed JSON at line 1, column 5 (byte 4): "
	    "trailing garbage");
	parse_fail_n("[\0]", 3, 64, "malformed JSON at line 1, column 3 (byte 2): "
	    "invalid char in json text");
	/* the message is one line */
	parse_fail("nul", "malformed JSON at line 1, column 4 (byte 3): "
	    "invalid string in json text");
	PXT_CHECK(strchr(pxt_errmsg(), '\n') == NULL);
	parse_fail("'a'", "malformed JSON at line 1, column 2 (byte 1): "
	    "invalid char in json text");
	parse_fail("01", "malformed JSON at line 1, column 3 (byte 2): trailing garbage");
}

static void
test_numbers(void)
{
	pxt_json *v;

	v = parse("9223372036854775807", 1);
	PXT_CHECK(v && v->type == PXT_JSON_INT && v->u.i == INT64_MAX);
	v = parse("-9223372036854775808", 1);
	PXT_CHECK(v && v->type == PXT_JSON_INT && v->u.i == INT64_MIN);
	v = parse("9223372036854775808", 1);
	PXT_CHECK(v && v->type == PXT_JSON_DOUBLE && v->u.d == 9223372036854775808.0);
	PXT_CHECK_STR(v ? v->num : NULL, "9223372036854775808");
	v = parse("-9223372036854775809", 1);
	PXT_CHECK(v && v->type == PXT_JSON_DOUBLE);
	v = parse("123456789012345678901234567890", 1);
	PXT_CHECK(v && v->type == PXT_JSON_DOUBLE);
	PXT_CHECK_STR(write_value(v), "123456789012345678901234567890");
	v = parse("-0", 1);
	PXT_CHECK(v && v->type == PXT_JSON_INT && v->u.i == 0);
	v = parse("1e-400", 1);
	PXT_CHECK(v && v->type == PXT_JSON_DOUBLE && v->u.d == 0.0);
	v = parse("0.1", 1);
	PXT_CHECK(v && v->type == PXT_JSON_DOUBLE && v->u.d == 0.1);
	roundtrip("[1.50, -0.0, 1E+2, 0e0, 9223372036854775808]",
	    "[1.50,-0.0,1E+2,0e0,9223372036854775808]");
}

static void
test_strings(void)
{
	pxt_json *v;

	v = parse("\"a\\u0000b\"", 1);
	PXT_CHECK(v && v->u.str.len == 3 && memcmp(v->u.str.s, "a\0b", 4) == 0);
	v = parse("\"\\ud83d\\ude00\"", 1);
	PXT_CHECK_STR(v ? v->u.str.s : NULL, "\xF0\x9F\x98\x80");
	v = parse("\"\\uDBFF\\uDFFF\"", 1);
	PXT_CHECK_STR(v ? v->u.str.s : NULL, "\xF4\x8F\xBF\xBF");
	v = parse("\"\xE2\x82\xAC \xF0\x9F\x98\x80\"", 1);
	PXT_CHECK(v && v->u.str.len == 8);
	v = parse("\"a\\\\\"", 1);
	PXT_CHECK_STR(v ? v->u.str.s : NULL, "a\\");
	v = parse("{\"\\\"k\\\\\":\"\\\\\"}", 2);
	PXT_CHECK_STR(v ? v->u.obj.keys[0] : NULL, "\"k\\");
	v = parse("{\"k\\u0000x\":1}", 2);
	PXT_CHECK(v && v->u.obj.keylens[0] == 3);
	PXT_CHECK(pxt_json_get(v, "k") == NULL);
	parse_fail("\"\\uD800\"", "malformed JSON at line 1, column 2 (byte 1): "
	    "unpaired surrogate in \\u escape");
	parse_fail("[\"x\", \"\\uDC00\"]", "malformed JSON at line 1, column 8 (byte 7): "
	    "unpaired surrogate in \\u escape");
	parse_fail("\"\\uD800\\u0041\"", "malformed JSON at line 1, column 2 (byte 1): "
	    "unpaired surrogate in \\u escape");
	parse_fail("\"ab\xC0\x80\"", "malformed JSON at line 1, column 4 (byte 3): "
	    "invalid UTF-8 in string");
	parse_fail("\"\xED\xA0\x80\"", "malformed JSON at line 1, column 2 (byte 1): "
	    "invalid UTF-8 in string");
	parse_fail("{\"\xF4\x90\x80\x80\":1}", "malformed JSON at line 1, column 3 "
	    "(byte 2): invalid UTF-8 in string");
	parse_fail("\"\x80\"", "malformed JSON at line 1, column 2 (byte 2): "
	    "invalid bytes in UTF8 string");
	parse_fail("\"a\\x\"", "malformed JSON at line 1, column 4 (byte 3): "
	    "inside a string, '\\' occurs before a character which it may not");
	parse_fail("\"abc", "malformed JSON at line 1, column 5 (byte 4): premature EOF");
}

static void
test_duplicates(void)
{
	pxt_json *v = parse("{\"a\":1,\"b\":2,\"a\":3}", 2);

	PXT_CHECK(v && v->u.obj.n == 3);
	PXT_CHECK(pxt_json_get(v, "a") && pxt_json_get(v, "a")->u.i == 3);
	PXT_CHECK(pxt_json_get(v, "b") && pxt_json_get(v, "b")->u.i == 2);
	roundtrip("{\"a\":1,\"b\":2,\"a\":3}", "{\"a\":1,\"b\":2,\"a\":3}");
}

static const char *
write_str(const char *s, size_t len)
{
	pxt_buf b = PXT_BUF_INIT;
	pxt_jw w;
	char *out;

	pxt_jw_init(&w, &b);
	pxt_jw_str(&w, s, len);
	out = pxt_pstrdup(pool, pxt_buf_str(&b));
	pxt_buf_free(&b);
	return out;
}

static void
test_write_strings(void)
{
	PXT_CHECK_STR(write_str("a\"b\\c/d", 7), "\"a\\\"b\\\\c/d\"");
	PXT_CHECK_STR(write_str("\b\f\n\r\t", 5), "\"\\b\\f\\n\\r\\t\"");
	PXT_CHECK_STR(write_str("\x01\x1f\x7f", 3), "\"\\u0001\\u001f\x7f\"");
	PXT_CHECK_STR(write_str("a\0b", 3), "\"a\\u0000b\"");
	PXT_CHECK_STR(write_str("\xE2\x80\xA8|\xE2\x80\xA9", 7), "\"\\u2028|\\u2029\"");
	PXT_CHECK_STR(write_str("\xE2\x82\xAC\xF0\x9F\x98\x80", 7),
	    "\"\xE2\x82\xAC\xF0\x9F\x98\x80\"");
	PXT_CHECK_STR(write_str("a\xFF" "b", 3), "\"a\xEF\xBF\xBD" "b\"");
	PXT_CHECK_STR(write_str("\xC0\x80", 2), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
	PXT_CHECK_STR(write_str("\xED\xA0\x80", 3),
	    "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
	PXT_CHECK_STR(write_str("\xE2\x82", 2), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
	PXT_CHECK_STR(write_str("", 0), "\"\"");
	roundtrip("[\"\\u0001\\u001F\\\"\\\\\\/\\u2028\\u00e9\\ud83d\\ude00\\u0000\"]",
	    "[\"\\u0001\\u001f\\\"\\\\/\\u2028\xC3\xA9\xF0\x9F\x98\x80\\u0000\"]");
	roundtrip("{\"k\\n\\u0000\":\"v\"}", "{\"k\\n\\u0000\":\"v\"}");
}

static const char *
write_double(double d)
{
	pxt_buf b = PXT_BUF_INIT;
	pxt_jw w;
	char *out;

	pxt_jw_init(&w, &b);
	pxt_jw_double(&w, d);
	out = pxt_pstrdup(pool, pxt_buf_str(&b));
	pxt_buf_free(&b);
	return out;
}

static void
test_write_doubles(void)
{
	static const double vals[] = {0.1, 1.0 / 3, 1e300, -1e-300, DBL_MAX, DBL_MIN,
	    5e-324, 123456.789, 2.5, 9007199254740993.0, -0.0};
	size_t i;

	PXT_CHECK_STR(write_double(0.1), "0.1");
	PXT_CHECK_STR(write_double(1e300), "1e+300");
	PXT_CHECK_STR(write_double(-0.0), "-0.0");
	PXT_CHECK_STR(write_double(0.0), "0");
	PXT_CHECK_STR(write_double(3.0), "3");
	PXT_CHECK_STR(write_double(1.0 / 3), "0.3333333333333333");
	PXT_CHECK_STR(write_double(NAN), "null");
	PXT_CHECK_STR(write_double(INFINITY), "null");
	PXT_CHECK_STR(write_double(-INFINITY), "null");
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		const char *s = write_double(vals[i]);
		pxt_json *v = parse(s, 1);

		/* integral values may come back as INT; the text reads back exactly */
		PXT_CHECK(v != NULL && (v->type == PXT_JSON_DOUBLE ||
		    v->type == PXT_JSON_INT));
		PXT_CHECK(v != NULL && strtod(v->num, NULL) == vals[i] &&
		    signbit(strtod(v->num, NULL)) == signbit(vals[i]));
		PXT_CHECK(v == NULL || v->type == PXT_JSON_INT || v->u.d == vals[i]);
	}
}

static void
test_writer(void)
{
	pxt_buf b = PXT_BUF_INIT;
	pxt_jw w;
	int i;

	pxt_jw_init(&w, &b);
	pxt_jw_obj_begin(&w);
	pxt_jw_key(&w, "id");
	pxt_jw_int(&w, INT64_MIN);
	pxt_jw_key(&w, "k\"e\ny");
	pxt_jw_arr_begin(&w);
	pxt_jw_bool(&w, true);
	pxt_jw_bool(&w, false);
	pxt_jw_null(&w);
	pxt_jw_cstr(&w, NULL);
	pxt_jw_cstr(&w, "s");
	pxt_jw_arr_begin(&w);
	pxt_jw_arr_end(&w);
	pxt_jw_obj_begin(&w);
	pxt_jw_obj_end(&w);
	pxt_jw_double(&w, 0.5);
	pxt_jw_arr_end(&w);
	pxt_jw_key(&w, "raw");
	pxt_jw_raw(&w, "{\"x\": [1, 2]}", 13);
	pxt_jw_key(&w, "last");
	pxt_jw_value(&w, parse("{\"n\":1.0e1}", 2));
	pxt_jw_obj_end(&w);
	PXT_CHECK(!b.failed);
	PXT_CHECK_STR(pxt_buf_str(&b), "{\"id\":-9223372036854775808,\"k\\\"e\\ny\":"
	    "[true,false,null,null,\"s\",[],{},0.5],\"raw\":{\"x\": [1, 2]},"
	    "\"last\":{\"n\":1.0e1}}");
	PXT_CHECK(parse(pxt_buf_str(&b), 8) != NULL);

	/* exactly PXT_JW_MAX_DEPTH levels are fine; one more fails the buffer */
	pxt_buf_reset(&b);
	pxt_jw_init(&w, &b);
	for (i = 0; i < PXT_JW_MAX_DEPTH; i++)
		pxt_jw_arr_begin(&w);
	for (i = 0; i < PXT_JW_MAX_DEPTH; i++)
		pxt_jw_arr_end(&w);
	PXT_CHECK(!b.failed && b.len == 2 * PXT_JW_MAX_DEPTH);
	pxt_buf_reset(&b);
	pxt_jw_init(&w, &b);
	for (i = 0; i <= PXT_JW_MAX_DEPTH; i++)
		pxt_jw_obj_begin(&w);
	PXT_CHECK(b.failed);
	PXT_CHECK_INT(pxt_errcode(), PXT_EINTERNAL);
	for (i = 0; i <= PXT_JW_MAX_DEPTH; i++)
		pxt_jw_obj_end(&w);
	PXT_CHECK(pxt_buf_steal(&b) == NULL);
	pxt_buf_free(&b);
}

static void
test_roundtrips(void)
{
	roundtrip(" { \"query\" : \"cats\" , \"limit\" : 10 , \"x\" : [ ] } ",
	    "{\"query\":\"cats\",\"limit\":10,\"x\":[]}");
	roundtrip("[null,true,false,{},[[]],{\"a\":{\"b\":{\"c\":[1,{}]}}}]",
	    "[null,true,false,{},[[]],{\"a\":{\"b\":{\"c\":[1,{}]}}}]");
	roundtrip("\"only a string\"", "\"only a string\"");
	roundtrip("-12", "-12");
}

int
main(void)
{
	pool = pxt_pool_new(0);
	if (pool == NULL)
		return 1;
	test_types();
	test_nesting();
	test_depth();
	test_errors();
	test_numbers();
	test_strings();
	test_duplicates();
	test_write_strings();
	test_write_doubles();
	test_writer();
	test_roundtrips();
	pxt_pool_free(pool);
	return pxt_test_done();
}
