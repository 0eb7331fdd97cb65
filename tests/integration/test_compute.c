/*
 * test_compute.c - computed columns and views through the C API on a real
 * PostgreSQL: type checks at add time, computing existing rows, on_error abort and
 * ignore (with the error cells), recompute of the rows in error, a function that
 * returns the wrong type, a string_splitter view kept current on insert and delete,
 * and the tables the HTTP test (it_compute.sh) serves through the boom router.
 * Needs the test UDF module (testfns.so) in [pixeltable] udf_dir.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/pxt.h"
#include "pxt_test.h"
#include "pxt_test_db.h"

static pxt_env *env;

/* The first column of the first row of sql, or NULL (static buffer). */
static const char *
one(const char *sql)
{
	return pxt_test_one(env, sql);
}

static void
expect_msg(const char *part)
{
	pxt_test_expect_msg(part);
}

static void
test_checks(pxt_table *t)
{
	PXT_CHECK_INT(pxt_add_computed_column(t, "bad", pxt_call("lower", pxt_col("n"),
	    NULL), PXT_IF_EXISTS_ERROR), PXT_EINVAL);
	expect_msg("computed column 'bad' of 'c/docs': function lower(String) -> "
	    "String: argument 1 must be String, got Int");
	PXT_CHECK_INT(pxt_add_computed_column(t, "bad", pxt_call("nope", pxt_col("s"),
	    NULL), PXT_IF_EXISTS_ERROR), PXT_ENOTFOUND);
	expect_msg("unknown function 'nope'");
	PXT_CHECK_INT(pxt_add_computed_column(t, "bad", pxt_col("missing"),
	    PXT_IF_EXISTS_ERROR), PXT_ENOTFOUND);
	PXT_CHECK_INT(pxt_add_computed_column(t, "bad", NULL, PXT_IF_EXISTS_ERROR),
	    PXT_EINVAL);
	PXT_CHECK(pxt_table_find_col(t, "bad") == NULL);
}

/* Rows exist before the column: they are computed when it is added. */
static void
test_backfill(pxt_table *t)
{
	static const char *names[] = {"s", "n"};
	static const char *rows[] = {"one two three", "3", "four", "1", NULL, "0"};

	PXT_CHECK_INT(pxt_insert(t, names, 2, rows, 3), PXT_OK);
	PXT_CHECK_INT(pxt_add_computed_column(t, "words", pxt_call("word_count",
	    pxt_col("s"), NULL), PXT_IF_EXISTS_ERROR), PXT_OK);
	PXT_CHECK_INT(pxt_add_computed_column(t, "twice", pxt_op("*", pxt_col("words"),
	    pxt_lit_int(2)), PXT_IF_EXISTS_ERROR), PXT_OK);
	PXT_CHECK_STR(one("SELECT string_agg(coalesce(words::text, 'null') || '/' ||"
	    " coalesce(twice::text, 'null'), ',' ORDER BY n) FROM pxt_data.\"c/docs\""),
	    "null/null,1/2,3/6");
	/* the same declaration again is kept; a different one is refused */
	PXT_CHECK_INT(pxt_add_computed_column(t, "words", pxt_call("word_count",
	    pxt_col("s"), NULL), PXT_IF_EXISTS_IGNORE), PXT_OK);
	PXT_CHECK_INT(pxt_add_computed_column(t, "words", pxt_call("length",
	    pxt_col("s"), NULL), PXT_IF_EXISTS_IGNORE), PXT_EEXISTS);
	/* a new row gets both, the dependent computed from the first */
	{
		static const char *r2[] = {"a b c d e", "9"};

		PXT_CHECK_INT(pxt_insert(t, names, 2, r2, 1), PXT_OK);
		PXT_CHECK_STR(one("SELECT twice FROM pxt_data.\"c/docs\" WHERE n = 9"),
		    "10");
	}
	/* a computed column cannot be given */
	{
		static const char *cn[] = {"words"}, *cv[] = {"5"};

		PXT_CHECK_INT(pxt_insert(t, cn, 1, cv, 1), PXT_EINVAL);
		expect_msg("is computed");
	}
}

/* on_error: abort rolls the write back, ignore stores the error in the cell. */
static void
test_on_error(void)
{
	static const char *names[] = {"s"};
	static const char *ok[] = {"fine"}, *bad[] = {"fine", "fail"};
	pxt_computed_opts ign = {sizeof(ign), PXT_ON_ERROR_IGNORE, NULL, NULL, NULL};
	pxt_table *a, *i;

	a = pxt_create_table(env, "test/boom_abort", (pxt_coldef[]){PXT_UUID7_KEY("id"),
	    {"s", PXT_STRING, 0, 0, NULL, NULL}, {0}}, PXT_IF_EXISTS_REPLACE);
	i = pxt_create_table(env, "test/boom_ignore", (pxt_coldef[]){
	    {"s", PXT_STRING, 0, 0, NULL, NULL}, {0}}, PXT_IF_EXISTS_REPLACE);
	PXT_CHECK(a != NULL && i != NULL);
	if (a == NULL || i == NULL)
		return;
	PXT_CHECK_INT(pxt_add_computed_column(a, "b", pxt_call("boom", pxt_col("s"),
	    NULL), PXT_IF_EXISTS_ERROR), PXT_OK);
	PXT_CHECK_INT(pxt_add_computed_column_opts(i, "b", pxt_call("boom",
	    pxt_col("s"), NULL), PXT_IF_EXISTS_ERROR, &ign), PXT_OK);
	PXT_CHECK_INT(pxt_insert(a, names, 1, ok, 1), PXT_OK);
	PXT_CHECK_INT(pxt_insert(a, names, 1, bad, 2), PXT_EINVAL);
	expect_msg("computed column 'b' of 'test/boom_abort': boom: boom refuses");
	PXT_CHECK_STR(one("SELECT count(*) FROM pxt_data.\"test/boom_abort\""), "1");

	PXT_CHECK_INT(pxt_insert(i, names, 1, bad, 2), PXT_OK);
	/* no key: s is column 0, b column 1, its error cells _pxt_et_1 and _pxt_em_1 */
	PXT_CHECK_STR(one("SELECT string_agg(s || '=' || coalesce(b, 'null') || ':' ||"
	    " coalesce(\"_pxt_et_1\", '-'), ',' ORDER BY s) FROM"
	    " pxt_data.\"test/boom_ignore\""), "fail=null:InvalidValue,fine=FINE:-");
	PXT_CHECK(one("SELECT \"_pxt_em_1\" FROM pxt_data.\"test/boom_ignore\" WHERE"
	    " s = 'fail'") != NULL);
	/* recompute only the rows in error: still failing, still one error */
	PXT_CHECK_INT(pxt_recompute_column(i, "b", true, NULL, NULL), PXT_OK);
	PXT_CHECK_STR(one("SELECT count(*) FROM pxt_data.\"test/boom_ignore\" WHERE"
	    " \"_pxt_et_1\" IS NOT NULL"), "1");
	PXT_CHECK_INT(pxt_recompute_column(i, "s", false, NULL, NULL), PXT_EINVAL);
}

/* A function that breaks its own signature never writes its value. */
static void
test_wrong_type(pxt_table *t)
{
	static const char *names[] = {"s", "n"}, *row[] = {"x", "77"};

	PXT_CHECK_INT(pxt_add_computed_column(t, "w", pxt_call("wrong_type",
	    pxt_col("s"), NULL), PXT_IF_EXISTS_ERROR), PXT_EINTERNAL);
	expect_msg("wrong_type returned Int, its signature says String");
	PXT_CHECK(pxt_table_find_col(t, "w") == NULL);
	PXT_CHECK_INT(pxt_insert(t, names, 2, row, 1), PXT_OK);
}

/* A string_splitter view follows its base through insert and delete. */
static void
test_view(pxt_table *t)
{
	static const char *names[] = {"s", "n"};
	static const char *row[] = {"First one. Second one! Third?", "100"};
	pxt_table *v;

	v = pxt_create_view(env, "c/sentences", t, &(pxt_iter_def){
	    .size = sizeof(pxt_iter_def), .name = "string_splitter", .input = "s",
	    .separators = "sentence"}, PXT_IF_EXISTS_ERROR);
	PXT_CHECK(v != NULL);
	if (v == NULL)
		return;
	PXT_CHECK(pxt_table_is_view(v));
	/* existing rows were split at once: "one two three", "four", "a b c d e", "x" */
	PXT_CHECK_STR(one("SELECT count(*) FROM pxt_data.\"c/sentences\""), "4");
	PXT_CHECK_INT(pxt_add_computed_column(v, "shout", pxt_call("upper",
	    pxt_col("text"), NULL), PXT_IF_EXISTS_ERROR), PXT_OK);
	PXT_CHECK_INT(pxt_insert(t, names, 2, row, 1), PXT_OK);
	PXT_CHECK_STR(one("SELECT string_agg(v.pos || ':' || v.shout, '|' ORDER BY"
	    " v.pos) FROM pxt_data.\"c/sentences\" v JOIN pxt_data.\"c/docs\" d ON"
	    " d._pxt_rowid = v._pxt_base WHERE d.n = 100"), "0:FIRST ONE.|1:SECOND ONE!|2:THIRD?");
	/* a view is not written directly */
	PXT_CHECK_INT(pxt_insert(v, names, 1, row, 1), PXT_EINVAL);
	/* the same view again is kept; another iterator under the name is refused */
	PXT_CHECK(pxt_create_view(env, "c/sentences", t, &(pxt_iter_def){
	    .size = sizeof(pxt_iter_def), .name = "string_splitter", .input = "s",
	    .separators = "sentence"}, PXT_IF_EXISTS_IGNORE) != NULL);
	PXT_CHECK(pxt_create_view(env, "c/sentences", t, &(pxt_iter_def){
	    .size = sizeof(pxt_iter_def), .name = "string_splitter", .input = "s",
	    .separators = "paragraph"}, PXT_IF_EXISTS_IGNORE) == NULL);
	PXT_CHECK(pxt_create_view(env, "c/bad", t, &(pxt_iter_def){
	    .size = sizeof(pxt_iter_def), .name = "string_splitter", .input = "n"},
	    PXT_IF_EXISTS_ERROR) == NULL);
	expect_msg("string_splitter reads a String column");
	PXT_CHECK(pxt_create_view(env, "c/bad", t, &(pxt_iter_def){
	    .size = sizeof(pxt_iter_def), .name = "string_splitter", .input = "s",
	    .separators = "token_limit", .limit = 0}, PXT_IF_EXISTS_ERROR) == NULL);
	/* what a computed column or a view uses cannot be dropped or renamed */
	PXT_CHECK_INT(pxt_drop_column(t, "words", PXT_IF_MISSING_ERROR), PXT_ECONFLICT);
	expect_msg("computed column 'twice' uses it");
	PXT_CHECK_INT(pxt_drop_column(t, "s", PXT_IF_MISSING_ERROR), PXT_ECONFLICT);
	PXT_CHECK_INT(pxt_rename_column(t, "s", "s2"), PXT_ECONFLICT);
	expect_msg("cannot rename column 's' of 'c/docs'");
	PXT_CHECK_INT(pxt_drop_column(v, "text", PXT_IF_MISSING_ERROR), PXT_ECONFLICT);
	PXT_CHECK_INT(pxt_drop_table(env, "c/docs", PXT_IF_MISSING_ERROR), PXT_ECONFLICT);
	/* a computed column that nothing uses goes with its error cells */
	PXT_CHECK_INT(pxt_drop_column(t, "twice", PXT_IF_MISSING_ERROR), PXT_OK);
	PXT_CHECK_STR(one("SELECT count(*) FROM information_schema.columns WHERE"
	    " table_name = 'c/docs' AND column_name LIKE '_pxt_e%'"), "2");
		/* deleting base rows removes their view rows */
	pxt_db_exec_once(pxt_env_db(env), "DELETE FROM pxt_data.\"c/docs\" WHERE n = 100",
	    0, NULL, NULL);
	PXT_CHECK_STR(one("SELECT count(*) FROM pxt_data.\"c/sentences\""), "4");
	PXT_CHECK_INT(pxt_catalog_check(env), PXT_OK);
	/* without its view, the base is written as before */
	PXT_CHECK_INT(pxt_drop_table(env, "c/sentences", PXT_IF_MISSING_ERROR), PXT_OK);
	PXT_CHECK_INT(pxt_insert(t, names, 2, row, 1), PXT_OK);
}

/* A batch-capable function is called once for many rows; row by row on failure. */
static void
test_batch(void)
{
	static const char *names[] = {"s"};
	static const char *three[] = {"a", "b", NULL}, *bad[] = {"c", "fail"};
	pxt_computed_opts ign = {sizeof(ign), PXT_ON_ERROR_IGNORE, NULL, NULL, NULL};
	pxt_table *b = pxt_create_table(env, "c/batch", (pxt_coldef[]){
	    {"s", PXT_STRING, 0, 0, NULL, NULL}, {0}}, PXT_IF_EXISTS_REPLACE);

	PXT_CHECK(b != NULL);
	if (b == NULL)
		return;
	PXT_CHECK_INT(pxt_add_computed_column_opts(b, "t", pxt_call("tag", pxt_col("s"),
	    NULL), PXT_IF_EXISTS_ERROR, &ign), PXT_OK);
	PXT_CHECK_INT(pxt_insert(b, names, 1, three, 3), PXT_OK);
	PXT_CHECK_INT(pxt_insert(b, names, 1, three, 1), PXT_OK);
	PXT_CHECK_INT(pxt_insert(b, names, 1, bad, 2), PXT_OK);
	PXT_CHECK_STR(one("SELECT string_agg(coalesce(s, '-') || '=' || coalesce(t,"
	    " coalesce(\"_pxt_et_1\", 'null')), ',' ORDER BY \"_pxt_rowid\") FROM"
	    " pxt_data.\"c/batch\""), "a=B:a,b=B:b,-=null,a=R:a,c=R:c,fail=InvalidValue");
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
	pxt_drop_table(env, "c/sentences", PXT_IF_MISSING_IGNORE);
	PXT_CHECK_INT(pxt_create_dir(env, "c", PXT_IF_EXISTS_IGNORE), PXT_OK);
	PXT_CHECK_INT(pxt_create_dir(env, "test", PXT_IF_EXISTS_IGNORE), PXT_OK);
	t = pxt_create_table(env, "c/docs", (pxt_coldef[]){{"s", PXT_STRING, 0, 0, NULL, NULL},
	    {"n", PXT_INT, 0, 0, NULL, NULL}, {0}}, PXT_IF_EXISTS_REPLACE);
	PXT_CHECK(t != NULL);
	if (t != NULL) {
		test_checks(t);
		test_backfill(t);
		test_wrong_type(t);
		test_view(t);
	}
	test_on_error();
	test_batch();
	/* a function breaking its signature, served by the boom router (it_errors.sh) */
	{
		pxt_table *w = pxt_create_table(env, "test/wrong", (pxt_coldef[]){
		    {"s", PXT_STRING, 0, 0, NULL, NULL}, {0}}, PXT_IF_EXISTS_REPLACE);

		PXT_CHECK(w != NULL && pxt_add_computed_column(w, "w", pxt_call(
		    "wrong_type", pxt_col("s"), NULL), PXT_IF_EXISTS_ERROR) == PXT_OK);
	}
	/* a table of plain files for the upload test (it_upload.sh) */
	PXT_CHECK(pxt_create_table(env, "test/files", (pxt_coldef[]){
	    {"doc", PXT_DOCUMENT, 0, 0, NULL, NULL}, {"note", PXT_STRING, 0, 0, NULL, NULL}, {0}},
	    PXT_IF_EXISTS_REPLACE) != NULL);
	/* uploads whose row boom() may refuse, on a background route (it_jobs_upload.sh) */
	{
		pxt_table *f = pxt_create_table(env, "test/boom_files", (pxt_coldef[]){
		    PXT_UUID7_KEY("uuid"), {"doc", PXT_DOCUMENT, 0, 0, NULL, NULL},
		    {"s", PXT_STRING, 0, 0, NULL, NULL}, {0}}, PXT_IF_EXISTS_REPLACE);

		PXT_CHECK(f != NULL && pxt_add_computed_column(f, "b", pxt_call("boom",
		    pxt_col("s"), NULL), PXT_IF_EXISTS_ERROR) == PXT_OK);
	}
	pxt_close(env);
	return pxt_test_done();
}
