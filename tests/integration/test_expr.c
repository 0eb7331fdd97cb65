/*
 * test_expr.c - expressions: type checking against a real table, the catalog's JSON
 * form (round trip, signature change detected), and evaluation of the built-in
 * functions, paths, arithmetic and comparisons over one row.
 */
#include <stdio.h>
#include <stdlib.h>

#include "pxt/expr.h"
#include "pxt/pxt.h"
#include "pxt_test.h"

static pxt_table *t;

/* Check e's type (or error), then free it. */
static void
expect_type(pxt_expr *e, pxt_err rc, pxt_type want, const char *msg)
{
	pxt_type got = PXT_TYPE_NONE;
	pxt_err r = pxt_expr_check(e, t, &got);

	PXT_CHECK_INT(r, rc);
	if (rc == PXT_OK)
		PXT_CHECK_INT(got, want);
	else if (msg && strstr(pxt_errmsg(), msg) == NULL) {
		fprintf(stderr, "message '%s' lacks '%s'\n", pxt_errmsg(), msg);
		PXT_CHECK(0);
	}
	pxt_expr_free(e);
}

static void
test_check(void)
{
	expect_type(pxt_call("lower", pxt_col("title"), NULL), PXT_OK, PXT_STRING, NULL);
	expect_type(pxt_call("length", pxt_col("doc"), NULL), PXT_OK, PXT_INT, NULL);
	expect_type(pxt_call("lower", pxt_col("n"), NULL), PXT_EINVAL, 0,
	    "function lower(String) -> String: argument 1 must be String, got Int");
	expect_type(pxt_call("concat", pxt_col("title"), NULL), PXT_EINVAL, 0,
	    "takes 2 arguments, got 1");
	expect_type(pxt_call("nope", pxt_col("title"), NULL), PXT_ENOTFOUND, 0,
	    "unknown function 'nope'");
	expect_type(pxt_col("missing"), PXT_ENOTFOUND, 0, "has no column 'missing'");
	expect_type(pxt_col("metadata.author"), PXT_OK, PXT_JSON, NULL);
	expect_type(pxt_col("title.x"), PXT_EINVAL, 0, "only Json columns have paths");
	expect_type(pxt_op("+", pxt_col("n"), pxt_col("score")), PXT_OK, PXT_FLOAT, NULL);
	expect_type(pxt_op("*", pxt_col("n"), pxt_lit_int(2)), PXT_OK, PXT_INT, NULL);
	expect_type(pxt_op("/", pxt_col("n"), pxt_col("n")), PXT_OK, PXT_FLOAT, NULL);
	expect_type(pxt_op("<", pxt_col("title"), pxt_col("n")), PXT_EINVAL, 0,
	    "compares String with Int");
	expect_type(pxt_op("+", pxt_col("title"), pxt_col("n")), PXT_EINVAL, 0,
	    "needs numbers");
	expect_type(pxt_op("^", pxt_col("n"), pxt_col("n")), PXT_EINVAL, 0, "no expression");
	expect_type(pxt_call("json_get", pxt_col("metadata"), pxt_lit_str("a"), NULL),
	    PXT_OK, PXT_JSON, NULL);
	expect_type(pxt_op(">=", pxt_call("word_count", pxt_col("title"), NULL),
	    pxt_lit_float(1.5)), PXT_OK, PXT_BOOL, NULL);
}

static void
test_serialize(void)
{
	pxt_expr *e = pxt_op("+", pxt_call("length", pxt_call("lower",
	    pxt_col("metadata.author.name"), NULL), NULL), pxt_lit_int(-3));
	pxt_expr *back = NULL;
	pxt_buf a = PXT_BUF_INIT, b = PXT_BUF_INIT;
	char *changed;

	PXT_CHECK_INT(pxt_expr_serialize(e, &a), PXT_OK);
	PXT_CHECK_STR(pxt_buf_str(&a), "{\"op\":\"+\",\"args\":[{\"fn\":\"length\","
	    "\"sig\":\"length(String) -> Int\",\"args\":[{\"fn\":\"lower\",\"sig\":"
	    "\"lower(String) -> String\",\"args\":[{\"col\":\"metadata\",\"path\":"
	    "[\"author\",\"name\"]}]}]},{\"lit\":-3,\"type\":\"Int\"}]}");
	PXT_CHECK_INT(pxt_expr_parse(a.data, a.len, &back), PXT_OK);
	PXT_CHECK_INT(pxt_expr_serialize(back, &b), PXT_OK);
	PXT_CHECK_STR(pxt_buf_str(&b), pxt_buf_str(&a));
	pxt_expr_free(back);
	/* a function whose signature differs from the one recorded is refused */
	changed = strdup(a.data);
	memcpy(strstr(changed, "-> Int"), "-> Flt", 6);
	PXT_CHECK_INT(pxt_expr_parse(changed, strlen(changed), &back), PXT_OK);
	expect_type(back, PXT_EINVAL, 0, "function 'length' changed: the catalog says "
	    "length(String) -> Flt, this build has length(String) -> Int");
	PXT_CHECK_INT(pxt_expr_parse("{\"op\": \"+\", \"args\": [1]}", 25, &back),
	    PXT_EINVAL);
	PXT_CHECK_INT(pxt_expr_parse("[", 1, &back), PXT_EINVAL);
	free(changed);
	pxt_expr_free(e);
	pxt_buf_free(&a);
	pxt_buf_free(&b);
}

static pxt_value
eval(pxt_expr *e, const pxt_value *row, pxt_pool *pool, pxt_err want)
{
	pxt_value v;
	pxt_type ty;

	PXT_CHECK_INT(pxt_expr_check(e, t, &ty), PXT_OK);
	PXT_CHECK_INT(pxt_expr_eval(e, t, row, pool, &v), want);
	pxt_expr_free(e);
	return v;
}

static void
test_eval(void)
{
	pxt_pool *pool = pxt_pool_new(0);
	pxt_value row[8], v;
	pxt_json *meta;
	const char *json = "{\"author\": \"Ann\", \"a\": {\"b\": 2}}";
	int i;

	memset(row, 0, sizeof(row));
	PXT_CHECK_INT(pxt_json_parse(pool, json, strlen(json), 8, &meta), PXT_OK);
	for (i = 0; i < pxt_table_ncols(t); i++) {
		const pxt_column *c = pxt_table_col(t, i);

		row[i].type = c->type;
		if (strcmp(c->name, "title") == 0) {
			row[i].u.str.s = "Hello  big World";
			row[i].u.str.len = 16;
		} else if (strcmp(c->name, "n") == 0) {
			row[i].u.i = 3;
		} else if (strcmp(c->name, "score") == 0) {
			row[i].u.f = 0.5;
		} else if (strcmp(c->name, "metadata") == 0) {
			row[i].u.json = meta;
		} else if (strcmp(c->name, "doc") == 0) {
			row[i].u.str.s = "h\xc3\xa9llo";
			row[i].u.str.len = 6;
		} else {
			row[i].null = true;
		}
	}
	v = eval(pxt_call("lower", pxt_col("title"), NULL), row, pool, PXT_OK);
	PXT_CHECK(v.type == PXT_STRING && strcmp(v.u.str.s, "hello  big world") == 0);
	v = eval(pxt_call("word_count", pxt_col("title"), NULL), row, pool, PXT_OK);
	PXT_CHECK_INT(v.u.i, 3);
	v = eval(pxt_call("length", pxt_col("doc"), NULL), row, pool, PXT_OK);
	PXT_CHECK_INT(v.u.i, 5);	/* characters, not bytes */
	v = eval(pxt_call("upper", pxt_call("concat", pxt_col("doc"), pxt_lit_str("!"),
	    NULL), NULL), row, pool, PXT_OK);
	PXT_CHECK(strcmp(v.u.str.s, "H\xc3\xa9LLO!") == 0);
	v = eval(pxt_op("+", pxt_op("*", pxt_col("n"), pxt_lit_int(2)), pxt_col("score")),
	    row, pool, PXT_OK);
	PXT_CHECK(v.type == PXT_FLOAT && v.u.f == 6.5);
	v = eval(pxt_col("metadata.a.b"), row, pool, PXT_OK);
	PXT_CHECK(v.type == PXT_JSON && !v.null && v.u.json->u.i == 2);
	v = eval(pxt_col("metadata.a.zz"), row, pool, PXT_OK);
	PXT_CHECK(v.null);
	v = eval(pxt_call("json_get", pxt_col("metadata"), pxt_lit_str("author"), NULL),
	    row, pool, PXT_OK);
	PXT_CHECK(v.u.json && strcmp(v.u.json->u.str.s, "Ann") == 0);
	v = eval(pxt_call("lower", pxt_col("other"), NULL), row, pool, PXT_OK);
	PXT_CHECK(v.null && v.type == PXT_STRING);	/* NULL in, NULL out */
	v = eval(pxt_op(">", pxt_col("n"), pxt_lit_float(2.5)), row, pool, PXT_OK);
	PXT_CHECK(v.type == PXT_BOOL && v.u.b);
	v = eval(pxt_op("<", pxt_col("title"), pxt_lit_str("Hello")), row, pool, PXT_OK);
	PXT_CHECK(!v.u.b);
	eval(pxt_op("/", pxt_col("n"), pxt_lit_int(0)), row, pool, PXT_EINVAL);
	PXT_CHECK(strstr(pxt_errmsg(), "division by zero") != NULL);
	eval(pxt_op("*", pxt_lit_int(INT64_MAX), pxt_col("n")), row, pool, PXT_EINVAL);
	PXT_CHECK(strstr(pxt_errmsg(), "overflow") != NULL);
	pxt_pool_free(pool);
}

static pxt_err
fn_twice(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	(void)pool;
	(void)n;
	out->u.i = a[0].u.i * 2;
	return PXT_OK;
}

int
main(void)
{
	static const pxt_udf twice = {"twice", PXT_INT, 1, {PXT_INT}, fn_twice, NULL};
	pxt_env *env = pxt_open(NULL);

	PXT_CHECK(env != NULL);
	if (env == NULL)
		return pxt_test_done();
	PXT_CHECK_INT(pxt_create_dir(env, "x", PXT_IF_EXISTS_IGNORE), PXT_OK);
	t = pxt_create_table(env, "x/e", (pxt_coldef[]){{"title", PXT_STRING, 0, 0, NULL, NULL},
	    {"n", PXT_INT, 0, 0, NULL, NULL}, {"score", PXT_FLOAT, 0, 0, NULL, NULL}, {"metadata", PXT_JSON, 0, 0, NULL, NULL},
	    {"doc", PXT_DOCUMENT, 0, 0, NULL, NULL}, {"other", PXT_STRING, 0, 0, NULL, NULL}, {0}},
	    PXT_IF_EXISTS_REPLACE);
	PXT_CHECK(t != NULL);
	if (t == NULL)
		return pxt_test_done();
	PXT_CHECK_INT(pxt_udf_register(&twice), PXT_OK);
	PXT_CHECK_INT(pxt_udf_register(&twice), PXT_EEXISTS);
	expect_type(pxt_call("twice", pxt_col("n"), NULL), PXT_OK, PXT_INT, NULL);
	test_check();
	test_serialize();
	test_eval();
	pxt_close(env);
	return pxt_test_done();
}
