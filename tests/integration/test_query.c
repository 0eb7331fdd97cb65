/*
 * test_query.c - named queries as Pixeltable writes them, against the real PostgreSQL:
 * expression outputs (aliases, JSON paths, arithmetic, length compiled into the SQL;
 * a function call evaluated in C), a view reading its base table's columns (joined
 * only then), >=, <=, !=, NOT, IN, LIKE and length in where, parameter defaults and a
 * limit parameter, route inputs and return_scalar, and the builder mistakes reported
 * at registration. Each form's compiled SQL is checked, then its answer over HTTP in
 * process. Also makes the tables it_query.sh serves through the stack.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/app.h"
#include "pxt/compute.h"
#include "pxt/expr.h"
#include "pxt/pxt.h"
#include "pxt/router.h"
#include "pxt_test.h"

static pxt_env *env;
static pxt_app *app;
static pxt_router *rt;
static pxt_pool *rpool;
static char body[8192];
static int status;

static const char *
param(void *ctx, const char *name)
{
	(void)ctx;
	return strcmp(name, "CONTENT_TYPE") == 0 ? "application/json" : NULL;
}

/* GET (json NULL, query in path after '?') or POST json; sets status and body. */
static void
call(const char *path, const char *json)
{
	char p[512], *qs;
	const char *out;
	pxt_req *req;
	size_t len;

	snprintf(p, sizeof(p), "%s", path);
	qs = strchr(p, '?');
	if (qs != NULL)
		*qs++ = '\0';
	pxt_pool_reset(rpool);
	req = pxt_req_new(app, rpool, json ? "POST" : "GET", p, qs, json ? json : "",
	    json ? strlen(json) : 0, false, param, NULL);
	pxt_app_handle(app, req);
	status = pxt_res_get_status(req);
	out = pxt_res_get_body(req, &len);
	snprintf(body, sizeof(body), "%.*s", (int)len, out);
	pxt_req_free(req);
}

#define EXPECT(path, json, st, want)						\
	do {									\
		call(path, json);						\
		PXT_CHECK_INT(status, st);					\
		if (strstr(body, want) == NULL) {				\
			fprintf(stderr, "%s: %s\n  lacks %s\n", path, body, want); \
			PXT_CHECK(0);						\
		}								\
	} while (0)

static void
expect_in(const char *s, const char *part, bool yes)
{
	if ((s != NULL && strstr(s, part) != NULL) != yes) {
		fprintf(stderr, "'%s' %s '%s'\n", s ? s : "(null)", yes ? "lacks" :
		    "has", part);
		PXT_CHECK(0);
	} else {
		PXT_CHECK(1);
	}
}

static pxt_table *
make_tables(void)
{
	static const char *names[] = {"key", "title", "body", "n", "metadata"};
	static const char *rows[] = {
	    "k1", "Rivers", "Water flows downhill. Stones are smooth.", "1",
	    "{\"author\": \"ann\", \"tags\": [\"wet\"]}",
	    "k2", "Mountains", "Peaks are high. Snow lingers.", "2",
	    "{\"author\": \"bob\"}",
	    "k3", "it's quoted", "Short.", "3", NULL};
	pxt_table *t;

	pxt_drop_table(env, "qx/parts", PXT_IF_MISSING_IGNORE);
	pxt_drop_table(env, "qx/docs", PXT_IF_MISSING_IGNORE);
	PXT_CHECK_INT(pxt_create_dir(env, "qx", PXT_IF_EXISTS_IGNORE), PXT_OK);
	t = pxt_create_table(env, "qx/docs", (pxt_coldef[]){
	    {.name = "key", .type = PXT_STRING, .flags = PXT_COL_PRIMARY_KEY},
	    PXT_COL("title", PXT_STRING), PXT_COL("body", PXT_STRING),
	    PXT_COL("n", PXT_INT), PXT_COL("metadata", PXT_JSON), {0}},
	    PXT_IF_EXISTS_ERROR);
	PXT_CHECK(t != NULL);
	if (t == NULL)
		return NULL;
	PXT_CHECK_INT(pxt_insert(t, names, 5, rows, 3), PXT_OK);
	PXT_CHECK(pxt_create_view(env, "qx/parts", t, &(pxt_iter_def){
	    .size = sizeof(pxt_iter_def), .name = "string_splitter", .input = "body",
	    .separators = "sentence"}, PXT_IF_EXISTS_ERROR) != NULL);
	return t;
}

/* Outputs: aliases, a path, arithmetic and length in SQL; upper() in C. */
static void
test_outputs(pxt_table *t)
{
	pxt_query *plain = pxt_query_new(t, "qx_plain");
	pxt_query *q = pxt_query_new(t, "qx_exprs");
	const char *sql;

	pxt_query_select(plain, (const char *const[]){"title", "n", NULL});
	pxt_query_order_by(plain, "n", false);
	PXT_CHECK_INT(pxt_query_check(plain), PXT_OK);
	/* a select list of plain columns compiles as it always did */
	PXT_CHECK_STR(pxt_query_sql(plain), "SELECT \"title\", \"n\" FROM "
	    "\"pxt_data\".\"qx/docs\" ORDER BY \"n\" ASC, \"_pxt_rowid\" DESC");

	pxt_query_select_as(q, "name", pxt_col("title"));
	pxt_query_select_as(q, "size", pxt_op("+", pxt_call("length", pxt_col("body"),
	    NULL), pxt_lit_int(1)));
	pxt_query_select_as(q, "author", pxt_col("metadata.author"));
	pxt_query_select_as(q, "half", pxt_op("/", pxt_col("n"), pxt_lit_int(2)));
	pxt_query_select_as(q, "big", pxt_op(">=", pxt_col("n"), pxt_lit_int(2)));
	pxt_query_select_as(q, "loud", pxt_call("upper", pxt_col("title"), NULL));
	pxt_query_where(q, pxt_q_ne(pxt_q_col(q, "key"), pxt_q_param_default(q, "skip",
	    PXT_STRING, "none")));
	pxt_query_order_by(q, "n", false);
	PXT_CHECK_INT(pxt_query_check(q), PXT_OK);
	sql = pxt_query_sql(q);
	PXT_CHECK_STR(sql, "SELECT \"title\", (char_length(\"body\") + '1'::bigint), "
	    "(\"metadata\" -> 'author'), (\"n\"::double precision / NULLIF('2'::bigint, "
	    "0)), (\"n\" >= '2'::bigint), \"title\" FROM \"pxt_data\".\"qx/docs\" WHERE "
	    "(\"key\" <> $1::text) ORDER BY \"n\" ASC, \"_pxt_rowid\" DESC");
	/* upper() is not in the SQL: C evaluates it over the fetched title */
	expect_in(sql, "upper", false);
	PXT_CHECK_INT(pxt_add_query_route(rt, "/exprs", q, PXT_GET | PXT_POST, false),
	    PXT_OK);
	EXPECT("/api/qx/exprs", NULL, 200, "{\"rows\":[{\"name\":\"Rivers\",\"size\":41,"
	    "\"author\":\"ann\",\"half\":0.5,\"big\":false,\"loud\":\"RIVERS\"},"
	    "{\"name\":\"Mountains\",\"size\":30,\"author\":\"bob\",\"half\":1,"
	    "\"big\":true,\"loud\":\"MOUNTAINS\"},{\"name\":\"it's quoted\",\"size\":7,"
	    "\"author\":null,\"half\":1.5,\"big\":true,\"loud\":\"IT'S QUOTED\"}]}");
	EXPECT("/api/qx/exprs?skip=k1", NULL, 200, "{\"rows\":[{\"name\":\"Mountains\"");
}

/* A view's query reading its base table's columns: joined only when used. */
static void
test_view(void)
{
	pxt_table *v = pxt_get_table(env, "qx/parts");
	pxt_query *own = pxt_query_new(v, "qx_parts_own");
	pxt_query *q = pxt_query_new(v, "qx_parts");
	const char *sql;

	PXT_CHECK(v != NULL);
	pxt_query_select(own, (const char *const[]){"text", NULL});
	pxt_query_where(own, pxt_q_gt(pxt_q_len(pxt_q_col(own, "text")),
	    pxt_q_expr(own, pxt_lit_int(10))));
	if (pxt_query_check(own) != PXT_OK)
		fprintf(stderr, "%s\n", pxt_errmsg());
	PXT_CHECK_INT(pxt_query_check(own), PXT_OK);
	expect_in(pxt_query_sql(own), "JOIN", false);
	expect_in(pxt_query_sql(own), "WHERE (char_length(\"text\") > '10'::bigint)", true);

	/* chunks.select(chunks.text, title=chunks.title, source=chunks.body) */
	pxt_query_select(q, (const char *const[]){"text", "title", NULL});
	pxt_query_select_as(q, "source", pxt_col("body"));
	pxt_query_select_as(q, "shout", pxt_call("upper", pxt_col("title"), NULL));
	pxt_query_where(q, pxt_q_and(pxt_q_ge(pxt_q_col(q, "n"), pxt_q_param_default(q,
	    "min_n", PXT_INT, "2")), pxt_q_like(pxt_q_col(q, "title"),
	    pxt_q_expr(q, pxt_lit_str("%o%")))));
	pxt_query_order_by(q, "title", false);
	pxt_query_order_by(q, "pos", false);
	PXT_CHECK_INT(pxt_query_check(q), PXT_OK);
	sql = pxt_query_sql(q);
	expect_in(sql, " JOIN (SELECT \"_pxt_rowid\" AS \"_pxt_brow\", ", true);
	expect_in(sql, "AS \"_pxt_b\" ON \"_pxt_b\".\"_pxt_brow\" = "
	    "\"pxt_data\".\"qx/parts\".\"_pxt_base\"", true);
	expect_in(sql, "WHERE ((\"_pxt_b", true);
	expect_in(sql, "\"pxt_data\".\"qx/parts\".\"_pxt_rowid\" DESC", true);
	PXT_CHECK_INT(pxt_add_query_route(rt, "/parts", q, PXT_GET, false), PXT_OK);
	EXPECT("/api/qx/parts", NULL, 200, "{\"rows\":[{\"text\":\"Peaks are high.\","
	    "\"title\":\"Mountains\",\"source\":\"Peaks are high. Snow lingers.\","
	    "\"shout\":\"MOUNTAINS\"},{\"text\":\"Snow lingers.\",\"title\":"
	    "\"Mountains\",");
	EXPECT("/api/qx/parts?min_n=3", NULL, 200, "{\"rows\":[{\"text\":\"Short.\","
	    "\"title\":\"it's quoted\"");
	EXPECT("/api/qx/parts?min_n=x", NULL, 422, "min_n");
}

/* IN (literals or a Json parameter), <=, NOT, a limit parameter with a default. */
static void
test_where(pxt_table *t)
{
	pxt_query *q = pxt_query_new(t, "qx_where");
	pxt_query *l = pxt_query_new(t, "qx_lim");
	const char *sql;

	pxt_query_select(q, (const char *const[]){"key", NULL});
	pxt_query_where(q, pxt_q_and(pxt_q_in(pxt_q_col(q, "key"), pxt_q_param(q, "keys",
	    PXT_JSON)), pxt_q_and(pxt_q_le(pxt_q_col(q, "n"), pxt_q_expr(q,
	    pxt_lit_int(2))), pxt_q_not(pxt_q_in(pxt_q_col(q, "title"), pxt_q_list(q,
	    (const char *const[]){"it's", "Rivers", NULL}))))));
	PXT_CHECK_INT(pxt_query_check(q), PXT_OK);
	sql = pxt_query_sql(q);
	expect_in(sql, "(\"key\" = ANY (ARRAY(SELECT jsonb_array_elements_text("
	    "$1::jsonb))::text[]))", true);
	expect_in(sql, "(NOT (\"title\" IN ('it''s'::text, 'Rivers'::text)))", true);
	PXT_CHECK_INT(pxt_add_query_route(rt, "/where", q, PXT_GET | PXT_POST, false),
	    PXT_OK);
	EXPECT("/api/qx/where", "{\"keys\": [\"k1\", \"k2\", \"k3\"]}", 200,
	    "{\"rows\":[{\"key\":\"k2\"}]}");
	EXPECT("/api/qx/where?keys=%5B%22k2%22%5D", NULL, 200, "{\"key\":\"k2\"}");
	EXPECT("/api/qx/where", "{\"keys\": [1]}", 422, "keys");
	EXPECT("/api/qx/where", "{\"keys\": \"k1\"}", 422, "must be an array");
	EXPECT("/api/qx/where", "{}", 422, "missing parameter 'keys'");

	pxt_query_select(l, (const char *const[]){"key", NULL});
	pxt_query_order_by(l, "n", true);
	pxt_query_limit_param(l, pxt_q_param_default(l, "limit", PXT_INT, "2"));
	PXT_CHECK_INT(pxt_query_check(l), PXT_OK);
	expect_in(pxt_query_sql(l), " LIMIT $1::bigint", true);
	PXT_CHECK_INT(pxt_add_query_route(rt, "/lim", l, PXT_GET, false), PXT_OK);
	EXPECT("/api/qx/lim", NULL, 200, "{\"rows\":[{\"key\":\"k3\"},{\"key\":\"k2\"}]}");
	EXPECT("/api/qx/lim?limit=1", NULL, 200, "{\"rows\":[{\"key\":\"k3\"}]}");
	EXPECT("/api/qx/lim?limit=-1", NULL, 422, "must not be negative");
}

/* Route inputs (the rest take their defaults) and return_scalar. */
static void
test_route_opts(pxt_table *t)
{
	pxt_query *q = pxt_query_new(t, "qx_scalar");
	pxt_query *two = pxt_query_new(t, "qx_two");
	pxt_route_opts o = {PXT_ROUTE_OPTS_INIT, .one_row = true, .return_scalar = true,
	    .inputs = (const char *const[]){"key", NULL}};

	pxt_query_select_as(q, "words", pxt_call("word_count", pxt_col("body"), NULL));
	pxt_query_where(q, pxt_q_and(pxt_q_eq(pxt_q_col(q, "key"), pxt_q_param(q, "key",
	    PXT_STRING)), pxt_q_ge(pxt_q_col(q, "n"), pxt_q_param_default(q, "min",
	    PXT_INT, "0"))));
	PXT_CHECK_INT(pxt_add_query_route_opts(rt, "/scalar", q, PXT_GET | PXT_POST, &o),
	    PXT_OK);
	EXPECT("/api/qx/scalar?key=k2", NULL, 200, "5");
	PXT_CHECK_STR(body, "5");
	EXPECT("/api/qx/scalar", "{\"key\": \"k3\"}", 200, "1");
	EXPECT("/api/qx/scalar?key=k2&min=1", NULL, 422, "'min' is not an input");
	EXPECT("/api/qx/scalar", "{}", 422, "missing parameter 'key'");
	EXPECT("/api/qx/scalar?key=nope", NULL, 404, "found no row");

	/* start-up mistakes */
	pxt_query_select(two, (const char *const[]){"key", "n", NULL});
	pxt_query_where(two, pxt_q_eq(pxt_q_col(two, "key"), pxt_q_param(two, "key",
	    PXT_STRING)));
	PXT_CHECK_INT(pxt_add_query_route_opts(rt, "/two", two, PXT_GET, &o), PXT_EINVAL);
	expect_in(pxt_errmsg(), "return_scalar needs one_row and a query with one "
	    "output; query 'qx_two' has 2", true);
	o.return_scalar = false;
	o.inputs = (const char *const[]){"nope", NULL};
	PXT_CHECK_INT(pxt_add_query_route_opts(rt, "/two", two, PXT_GET, &o), PXT_EINVAL);
	expect_in(pxt_errmsg(), "input 'nope' is not a parameter of query 'qx_two'", true);
	o.inputs = (const char *const[]){NULL};
	PXT_CHECK_INT(pxt_add_query_route_opts(rt, "/two", two, PXT_GET, &o), PXT_EINVAL);
	expect_in(pxt_errmsg(), "parameter 'key' of query 'qx_two' is not an input and "
	    "has no default", true);
}

/* Builder mistakes, each reported with the query's name. */
static void
expect_bad(pxt_query *q, const char *msg)
{
	PXT_CHECK(pxt_query_check(q) != PXT_OK);
	expect_in(pxt_errmsg(), msg, true);
}

static void
test_mistakes(pxt_table *t)
{
	pxt_query *q;

	q = pxt_query_new(t, "bad1");
	pxt_query_select_as(q, "x", pxt_col("nope"));
	expect_bad(q, "query 'bad1' selects 'x = table 'qx/docs' has no column 'nope'");
	q = pxt_query_new(t, "bad2");
	pxt_query_select_as(q, "x", pxt_call("nofn", pxt_col("title"), NULL));
	expect_bad(q, "unknown function 'nofn'");
	q = pxt_query_new(t, "bad3");
	pxt_query_select_as(q, "x", pxt_call("upper", pxt_col("n"), NULL));
	expect_bad(q, "argument 1 must be String, got Int");
	q = pxt_query_new(t, "bad4");
	pxt_query_where(q, pxt_q_eq(pxt_q_expr(q, pxt_call("upper", pxt_col("title"),
	    NULL)), pxt_q_col(q, "title")));
	expect_bad(q, "query 'bad4' filters or sorts by an expression PostgreSQL cannot "
	    "compute");
	q = pxt_query_new(t, "bad5");
	pxt_query_where(q, pxt_q_in(pxt_q_col(q, "n"), pxt_q_list(q,
	    (const char *const[]){"1", "two", NULL})));
	expect_bad(q, "IN: 'two' is not a value");
	q = pxt_query_new(t, "bad6");
	pxt_query_where(q, pxt_q_gt(pxt_q_col(q, "n"), pxt_q_param_default(q, "m",
	    PXT_INT, "many")));
	expect_bad(q, "invalid default for parameter 'm'");
	q = pxt_query_new(t, "bad7");
	pxt_query_select(q, (const char *const[]){"title", NULL});
	pxt_query_select_as(q, "title", pxt_col("body"));
	expect_bad(q, "query 'bad7' has two outputs named 'title'");
	q = pxt_query_new(t, "bad8");
	pxt_query_where(q, pxt_q_gt(pxt_q_len(pxt_q_col(q, "n")), pxt_q_col(q, "n")));
	expect_bad(q, "length needs a String, got Int");
}

int
main(void)
{
	pxt_table *t;

	env = pxt_open(NULL);
	PXT_CHECK(env != NULL);
	if (env == NULL) {
		fprintf(stderr, "%s\n", pxt_errmsg());
		return pxt_test_done();
	}
	rpool = pxt_pool_new(0);
	app = pxt_app_new(env);
	PXT_CHECK(rpool != NULL && app != NULL);
	rt = pxt_app_router(app, "qx", NULL);
	pxt_router_prefix(rt, "/api/qx");
	if ((t = make_tables()) != NULL) {
		test_outputs(t);
		test_view();
		test_where(t);
		test_route_opts(t);
		test_mistakes(t);
	}
	pxt_app_free(app);
	pxt_pool_free(rpool);
	pxt_close(env);
	return pxt_test_done();
}
