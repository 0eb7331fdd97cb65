/*
 * test_catalog_api.c - the public schema API against a real PostgreSQL: directories,
 * tables, columns, if_exists semantics, error messages, storage naming, the data
 * model (nullability as Pixeltable's, declared keys, no implicit key, declared
 * defaults uuid7() and now()), catalog versions, sync mode, and the first-error latch
 * of schema programs.
 */
#include <stdio.h>
#include <stdlib.h>

#include "pxt/pxt.h"
#include "pxt_test.h"

#define HAS(needle) (strstr(pxt_errmsg(), (needle)) != NULL)

static void
test_dirs(pxt_env *env)
{
	pxt_pool *pool = pxt_pool_new(0);
	pxt_entry *e;
	int n;

	PXT_CHECK_INT(pxt_create_dir(env, "t1", PXT_IF_EXISTS_ERROR), PXT_OK);
	PXT_CHECK_INT(pxt_create_dir(env, "t1", PXT_IF_EXISTS_ERROR), PXT_EEXISTS);
	PXT_CHECK_INT(pxt_create_dir(env, "t1", PXT_IF_EXISTS_IGNORE), PXT_OK);
	PXT_CHECK_INT(pxt_create_dir(env, "t1/sub", PXT_IF_EXISTS_ERROR), PXT_OK);
	PXT_CHECK_INT(pxt_create_dir(env, "nope/sub", PXT_IF_EXISTS_ERROR), PXT_ENOTFOUND);
	PXT_CHECK(HAS("parent 'nope' does not exist"));
	PXT_CHECK_INT(pxt_create_dir(env, "bad name", PXT_IF_EXISTS_ERROR), PXT_EINVAL);
	PXT_CHECK_INT(pxt_list(env, "", false, pool, &e, &n), PXT_OK);
	PXT_CHECK(n >= 1);
	PXT_CHECK_INT(pxt_list(env, "t1", true, pool, &e, &n), PXT_OK);
	PXT_CHECK_INT(n, 1);
	PXT_CHECK(n == 1 && strcmp(e[0].path, "t1/sub") == 0 &&
	    strcmp(e[0].kind, "dir") == 0);
	PXT_CHECK_INT(pxt_list(env, "missing", false, pool, &e, &n), PXT_ENOTFOUND);
	pxt_pool_free(pool);
}

static void
test_tables(pxt_env *env)
{
	pxt_pool *pool = pxt_pool_new(0);
	const pxt_coldef docs[] = {PXT_UUID7_KEY("id"), {"document", PXT_DOCUMENT, 0, 0,
	    NULL, NULL}, {"metadata", PXT_JSON, 0, 0, NULL, NULL}, {"timestamp", PXT_TIMESTAMP, 0, 0,
	    NULL, NULL}, {"vec", PXT_ARRAY, 0, PXT_FLOAT, NULL, NULL}, {0}};
	const pxt_coldef other[] = {PXT_UUID7_KEY("id"), {"document", PXT_DOCUMENT, 0, 0,
	    NULL, NULL}, {"metadata", PXT_STRING, 0, 0, NULL, NULL}, {0}};
	const pxt_column *c;
	pxt_table *t, *t2;
	int64_t v0, v1;
	char *text;

	v0 = pxt_catalog_version(env);
	t = pxt_create_table(env, "t1/docs", docs, PXT_IF_EXISTS_ERROR);
	PXT_CHECK(t != NULL);
	if (t == NULL) {
		fprintf(stderr, "%s\n", pxt_errmsg());
		return;
	}
	v1 = pxt_catalog_version(env);
	PXT_CHECK(v1 > v0);
	PXT_CHECK_INT(pxt_table_ncols(t), 5);	/* the declared key id + 4 */
	c = pxt_table_col(t, 0);
	PXT_CHECK(c && strcmp(c->name, "id") == 0 && c->type == PXT_UUID &&
	    c->primary_key && !c->nullable && c->dflt && !strcmp(c->dflt, "uuid7()"));
	PXT_CHECK_STR(pxt_table_storage(t), "\"pxt_data\".\"t1/docs\"");
	PXT_CHECK(pxt_create_table(env, "t1/docs", docs, PXT_IF_EXISTS_ERROR) == NULL);
	PXT_CHECK(HAS("table 't1/docs' already exists"));
	t2 = pxt_create_table(env, "t1/docs", docs, PXT_IF_EXISTS_IGNORE);
	PXT_CHECK(t2 == t);	/* one handle per path */
	PXT_CHECK_INT(pxt_catalog_version(env), v1);	/* nothing changed */
	PXT_CHECK(pxt_create_table(env, "t1/docs", other, PXT_IF_EXISTS_IGNORE) == NULL);
	PXT_CHECK(HAS("table 't1/docs' already exists with a different schema: column "
	    "'metadata' is String here, Json in the catalog"));
	PXT_CHECK(pxt_create_table(env, "t1/nodir/x", docs, 0) == NULL);
	PXT_CHECK(HAS("directory 't1/nodir' does not exist"));
	PXT_CHECK(pxt_create_table(env, "t1/sub", docs, 0) == NULL);
	PXT_CHECK(HAS("is a directory"));
	PXT_CHECK(pxt_create_table(env, "t1/k2", (pxt_coldef[]){{"a", PXT_INT, 0, 0, NULL, NULL},
	    {"a", PXT_INT, 0, 0, NULL, NULL}, {0}}, 0) == NULL);
	PXT_CHECK(HAS("declared twice"));

	/* rows: the key's default uuid7() serves plain SQL too */
	PXT_CHECK_INT(pxt_db_exec(pxt_env_db(env), "INSERT INTO pxt_data.\"t1/docs\""
	    " (document) VALUES ('/tmp/a.pdf')", 0, NULL, NULL), PXT_OK);
	{
		PGresult *res;

		PXT_CHECK_INT(pxt_db_exec(pxt_env_db(env), "SELECT substr(id::text, 15, 1)"
		    " FROM pxt_data.\"t1/docs\"", 0, NULL, &res), PXT_OK);
		PXT_CHECK_STR(PQgetvalue(res, 0, 0), "7");
		PQclear(res);
	}

	/* columns */
	PXT_CHECK_INT(pxt_add_column(t, &(pxt_coldef){"title", PXT_STRING, 0, 0, NULL, NULL},
	    PXT_IF_EXISTS_ERROR), PXT_OK);
	PXT_CHECK(pxt_table_find_col(t, "title") != NULL);
	PXT_CHECK_INT(pxt_add_column(t, &(pxt_coldef){"title", PXT_STRING, 0, 0, NULL, NULL},
	    PXT_IF_EXISTS_ERROR), PXT_EEXISTS);
	PXT_CHECK_INT(pxt_add_column(t, &(pxt_coldef){"title", PXT_STRING, 0, 0, NULL, NULL},
	    PXT_IF_EXISTS_IGNORE), PXT_OK);
	PXT_CHECK_INT(pxt_add_column(t, &(pxt_coldef){"title", PXT_INT, 0, 0, NULL, NULL},
	    PXT_IF_EXISTS_IGNORE), PXT_EEXISTS);
	PXT_CHECK(HAS("column 'title' is Int here, String in the catalog"));
	PXT_CHECK_INT(pxt_add_column(t, &(pxt_coldef){"must", PXT_INT, PXT_COL_REQUIRED,
	    0, NULL, NULL}, 0), PXT_EINVAL);
	PXT_CHECK(HAS("has rows"));
	PXT_CHECK_INT(pxt_rename_column(t, "title", "heading"), PXT_OK);
	PXT_CHECK(pxt_table_find_col(t, "heading") && !pxt_table_find_col(t, "title"));
	PXT_CHECK_INT(pxt_rename_column(t, "nope", "x"), PXT_ENOTFOUND);
	PXT_CHECK_INT(pxt_rename_column(t, "heading", "metadata"), PXT_EEXISTS);
	PXT_CHECK_INT(pxt_drop_column(t, "heading", PXT_IF_MISSING_ERROR), PXT_OK);
	PXT_CHECK_INT(pxt_drop_column(t, "heading", PXT_IF_MISSING_ERROR), PXT_ENOTFOUND);
	PXT_CHECK_INT(pxt_drop_column(t, "heading", PXT_IF_MISSING_IGNORE), PXT_OK);
	PXT_CHECK_INT(pxt_drop_column(t, "id", 0), PXT_EINVAL);
	PXT_CHECK(HAS("primary key"));
	/* column comments: declared, set (the same again changes nothing), cleared */
	PXT_CHECK_INT(pxt_add_column(t, &(pxt_coldef){.name = "note", .type = PXT_STRING,
	    .comment = "a note"}, 0), PXT_OK);
	PXT_CHECK(strcmp(pxt_table_find_col(t, "note")->comment, "a note") == 0);
	v0 = pxt_catalog_version(env);
	PXT_CHECK_INT(pxt_set_column_comment(t, "note", "a note"), PXT_OK);
	PXT_CHECK_INT(pxt_catalog_version(env), v0);
	PXT_CHECK_INT(pxt_set_column_comment(t, "note", "the user's note"), PXT_OK);
	PXT_CHECK(pxt_catalog_version(env) > v0);
	PXT_CHECK(strcmp(pxt_table_find_col(t, "note")->comment, "the user's note") == 0);
	{
		PGresult *res = NULL;

		PXT_CHECK_INT(pxt_db_exec(pxt_env_db(env), "SELECT col_description("
		    "'pxt_data.\"t1/docs\"'::regclass, attnum) FROM pg_attribute WHERE "
		    "attrelid = 'pxt_data.\"t1/docs\"'::regclass AND attname = 'note'", 0,
		    NULL, &res), PXT_OK);
		PXT_CHECK_STR(PQgetvalue(res, 0, 0), "the user's note");
		PQclear(res);
	}
	PXT_CHECK_INT(pxt_set_column_comment(t, "note", NULL), PXT_OK);
	PXT_CHECK(pxt_table_find_col(t, "note")->comment == NULL);
	PXT_CHECK_INT(pxt_set_column_comment(t, "note", "two\nlines"), PXT_EINVAL);
	PXT_CHECK(HAS("control character"));
	PXT_CHECK_INT(pxt_set_column_comment(t, "nope", "x"), PXT_ENOTFOUND);
	PXT_CHECK_INT(pxt_add_column(t, &(pxt_coldef){.name = "bad", .type = PXT_STRING,
	    .comment = "\xff"}, 0), PXT_EINVAL);
	PXT_CHECK(HAS("not UTF-8"));
	PXT_CHECK_INT(pxt_drop_column(t, "note", 0), PXT_OK);
	/* B-tree indexes */
	v0 = pxt_catalog_version(env);
	PXT_CHECK_INT(pxt_add_btree_index(t, "timestamp", PXT_IF_EXISTS_ERROR), PXT_OK);
	PXT_CHECK(pxt_catalog_version(env) > v0);
	v0 = pxt_catalog_version(env);
	PXT_CHECK_INT(pxt_add_btree_index(t, "timestamp", PXT_IF_EXISTS_IGNORE), PXT_OK);
	PXT_CHECK_INT(pxt_catalog_version(env), v0);
	PXT_CHECK_INT(pxt_add_btree_index(t, "timestamp", PXT_IF_EXISTS_ERROR), PXT_EEXISTS);
	PXT_CHECK_INT(pxt_add_btree_index(t, "timestamp", PXT_IF_EXISTS_REPLACE), PXT_OK);
	PXT_CHECK_INT(pxt_add_btree_index(t, "metadata", 0), PXT_EINVAL);
	PXT_CHECK_INT(pxt_add_btree_index(t, "nope", 0), PXT_ENOTFOUND);
	{
		PGresult *res;

		PXT_CHECK_INT(pxt_db_exec(pxt_env_db(env), "SELECT count(*) FROM pg_indexes"
		    " WHERE schemaname = 'pxt_data' AND tablename = 't1/docs' AND"
		    " indexdef LIKE '%(\"timestamp\", _pxt_rowid)%'", 0, NULL, &res), PXT_OK);
		PXT_CHECK_STR(PQgetvalue(res, 0, 0), "1");
		PQclear(res);
	}
	text = pxt_describe(t, pool);
	PXT_CHECK(text && strstr(text, "Array(Float)") && strstr(text, "document"));

	/* a path too long for a PostgreSQL name is stored as t<id> */
	PXT_CHECK_INT(pxt_create_dir(env, "t1/a_very_long_directory_name_for_testing", 0),
	    PXT_OK);
	t2 = pxt_create_table(env, "t1/a_very_long_directory_name_for_testing/"
	    "and_a_long_table_name", docs, 0);
	PXT_CHECK(t2 && strncmp(pxt_table_storage(t2), "\"pxt_data\".\"t", 13) == 0);

	/* replace drops the rows */
	t2 = pxt_create_table(env, "t1/docs", other, PXT_IF_EXISTS_REPLACE);
	PXT_CHECK(t2 == t && pxt_table_find_col(t, "metadata")->type == PXT_STRING);

	/* drop */
	PXT_CHECK_INT(pxt_drop_dir(env, "t1", 0, false), PXT_ECONFLICT);
	PXT_CHECK(HAS("not empty"));
	PXT_CHECK_INT(pxt_drop_table(env, "t1/docs", 0), PXT_OK);
	PXT_CHECK(pxt_get_table(env, "t1/docs") == NULL);
	PXT_CHECK_INT(pxt_errcode(), PXT_ENOTFOUND);
	PXT_CHECK_INT(pxt_drop_table(env, "t1/docs", 0), PXT_ENOTFOUND);
	PXT_CHECK_INT(pxt_drop_table(env, "t1/docs", PXT_IF_MISSING_IGNORE), PXT_OK);
	PXT_CHECK_INT(pxt_add_column(t, &(pxt_coldef){"x", PXT_INT, 0, 0, NULL, NULL}, 0),
	    PXT_ENOTFOUND);
	PXT_CHECK_INT(pxt_drop_dir(env, "t1", 0, true), PXT_OK);
	PXT_CHECK(pxt_get_table(env, "t1/a_very_long_directory_name_for_testing/"
	    "and_a_long_table_name") == NULL);
	pxt_pool_free(pool);
}

/* The value of a one-cell query, in pool. */
static char *
one(pxt_env *env, pxt_pool *pool, const char *sql)
{
	PGresult *res;
	char *v = NULL;

	if (pxt_db_exec(pxt_env_db(env), sql, 0, NULL, &res) != PXT_OK)
		return NULL;
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		v = pxt_pstrdup(pool, PQgetvalue(res, 0, 0));
	PQclear(res);
	return v;
}

/*
 * Pixeltable's data model: a bare type is nullable, PXT_REQUIRED is Required[...]; keys
 * as declared, none implicit (a user's own "id" is an ordinary column, a table without
 * a key has a hidden row id); declared defaults made on insert and shown by describe.
 */
static void
test_data_model(pxt_env *env)
{
	pxt_pool *pool = pxt_pool_new(0);
	const char *names[] = {"document", "metadata", "timestamp"};
	const char *row[] = {"/srv/a.pdf", "{\"k\": 1}", NULL};
	const char *nodoc[] = {"{}"};
	pxt_table *t, *u;
	const pxt_column *c;
	char *text, *v;

	PXT_CHECK_INT(pxt_create_dir(env, "dm", 0), PXT_OK);
	t = pxt_create_table(env, "dm/docs", (pxt_coldef[]){PXT_UUID7_KEY("uuid"),
	    PXT_REQUIRED("document", PXT_DOCUMENT), PXT_COL("metadata", PXT_JSON),
	    PXT_REQUIRED_DEFAULT("timestamp", PXT_TIMESTAMP, "now()"), {0}}, 0);
	PXT_CHECK(t != NULL);
	if (t == NULL) {
		fprintf(stderr, "%s\n", pxt_errmsg());
		return;
	}
	PXT_CHECK_INT(pxt_table_ncols(t), 4);	/* no implicit key */
	c = pxt_table_find_col(t, "document");
	PXT_CHECK(c && !c->nullable && !c->primary_key && c->dflt == NULL);
	c = pxt_table_find_col(t, "metadata");
	PXT_CHECK(c && c->nullable);
	c = pxt_table_find_col(t, "timestamp");
	PXT_CHECK(c && !c->nullable && c->dflt && strcmp(c->dflt, "now()") == 0);
	text = pxt_describe(t, pool);
	PXT_CHECK(text && strstr(text, "uuid7()") && strstr(text, "now()") &&
	    strstr(text, "primary") && !strstr(text, "hidden row id"));

	/* required: left out or null is refused before any SQL, naming the column */
	PXT_CHECK_INT(pxt_insert(t, names + 1, 1, nodoc, 1), PXT_EINVAL);
	PXT_CHECK(HAS("column 'document' is required (Required[Document]): give it a "
	    "value"));
	row[0] = NULL;
	PXT_CHECK_INT(pxt_insert(t, names, 3, row, 1), PXT_EINVAL);
	PXT_CHECK(HAS("column 'document' is required"));
	/* a default fills what is left out, not what is given as null */
	row[0] = "/srv/a.pdf";
	PXT_CHECK_INT(pxt_insert(t, names, 3, row, 1), PXT_EINVAL);
	PXT_CHECK(HAS("column 'timestamp' is required (Required[Timestamp])"));
	PXT_CHECK_INT(pxt_insert(t, names, 2, row, 1), PXT_OK);
	PXT_CHECK_INT(pxt_insert(t, names, 2, row, 1), PXT_OK);
	v = one(env, pool, "SELECT count(*) FROM pxt_data.\"dm/docs\"");
	PXT_CHECK(v && strcmp(v, "2") == 0);
	/* uuid7(): version 7, variant 10, its first 48 bits the insert's milliseconds */
	v = one(env, pool, "SELECT bool_and(substr(uuid::text, 15, 1) = '7' AND"
	    " substr(uuid::text, 20, 1) IN ('8','9','a','b') AND abs(('x' ||"
	    " lpad(replace(substr(uuid::text, 1, 13), '-', ''), 16, '0'))::bit(64)::bigint"
	    " - extract(epoch FROM clock_timestamp()) * 1000) < 60000) FROM"
	    " pxt_data.\"dm/docs\"");
	PXT_CHECK(v && strcmp(v, "t") == 0);
	/* keys made later sort later; now() is one time per write */
	v = one(env, pool, "SELECT (array_agg(uuid ORDER BY _pxt_rowid))[1] <"
	    " (array_agg(uuid ORDER BY _pxt_rowid))[2] AND count(DISTINCT \"timestamp\")"
	    " = 2 AND max(\"timestamp\") > now() - interval '1 minute'"
	    " FROM pxt_data.\"dm/docs\"");
	PXT_CHECK(v && strcmp(v, "t") == 0);
	{
		const char *two[] = {"/srv/b.pdf", "/srv/c.pdf"};

		PXT_CHECK_INT(pxt_insert(t, names, 1, two, 2), PXT_OK);
		v = one(env, pool, "SELECT count(DISTINCT \"timestamp\") FROM pxt_data."
		    "\"dm/docs\" WHERE document IN ('/srv/b.pdf', '/srv/c.pdf')");
		PXT_CHECK(v && strcmp(v, "1") == 0);
	}

	/* a user's own "id" is an ordinary column; no key: a hidden row id */
	u = pxt_create_table(env, "dm/users", (pxt_coldef[]){PXT_COL("id", PXT_INT),
	    PXT_REQUIRED("name", PXT_STRING), {0}}, 0);
	PXT_CHECK(u != NULL);
	if (u != NULL) {
		c = pxt_table_find_col(u, "id");
		PXT_CHECK_INT(pxt_table_ncols(u), 2);
		PXT_CHECK(c && c->type == PXT_INT && c->nullable && !c->primary_key);
		text = pxt_describe(u, pool);
		PXT_CHECK(text && strstr(text, "hidden row id"));
	}
	/* any type may be a key, several columns too; a key column is required */
	u = pxt_create_table(env, "dm/pairs", (pxt_coldef[]){PXT_KEY("a", PXT_STRING),
	    {.name = "b", .type = PXT_INT, .flags = PXT_COL_PRIMARY_KEY}, {0}}, 0);
	PXT_CHECK(u && !pxt_table_find_col(u, "b")->nullable &&
	    pxt_table_find_col(u, "b")->primary_key);

	/* defaults are checked at declaration */
	PXT_CHECK(pxt_create_table(env, "dm/bad", (pxt_coldef[]){PXT_COL_DEFAULT("u",
	    PXT_UUID, "uuid4()"), {0}}, 0) == NULL);
	PXT_CHECK(HAS("column 'u': unknown default 'uuid4()'"));
	PXT_CHECK(pxt_create_table(env, "dm/bad", (pxt_coldef[]){PXT_COL_DEFAULT("n",
	    PXT_INT, "now()"), {0}}, 0) == NULL);
	PXT_CHECK(HAS("the default now() makes a Timestamp, the column is Int"));

	/* a required column with a default can join a table with rows: it fills them */
	PXT_CHECK_INT(pxt_add_column(t, &(pxt_coldef)PXT_REQUIRED_DEFAULT("seen",
	    PXT_TIMESTAMP, "now()"), 0), PXT_OK);
	v = one(env, pool, "SELECT count(*) FROM pxt_data.\"dm/docs\" WHERE seen IS NULL");
	PXT_CHECK(v && strcmp(v, "0") == 0);

	/* syncing changes nullability and defaults in place, rows kept */
	pxt_set_sync(env, true, false);
	t = pxt_create_table(env, "dm/docs", (pxt_coldef[]){PXT_UUID7_KEY("uuid"),
	    PXT_COL("document", PXT_DOCUMENT), PXT_COL("metadata", PXT_JSON),
	    PXT_COL("timestamp", PXT_TIMESTAMP), PXT_REQUIRED_DEFAULT("seen",
	    PXT_TIMESTAMP, "now()"), {0}}, PXT_IF_EXISTS_IGNORE);
	PXT_CHECK(t && pxt_table_find_col(t, "document")->nullable &&
	    pxt_table_find_col(t, "timestamp")->dflt == NULL);
	v = one(env, pool, "SELECT count(*) FROM pxt_data.\"dm/docs\"");
	PXT_CHECK(v && strcmp(v, "4") == 0);
	PXT_CHECK_INT(pxt_db_exec(pxt_env_db(env), "INSERT INTO pxt_data.\"dm/docs\""
	    " (metadata) VALUES ('{}')", 0, NULL, NULL), PXT_OK);
	PXT_CHECK(pxt_create_table(env, "dm/docs", (pxt_coldef[]){PXT_UUID7_KEY("uuid"),
	    PXT_REQUIRED("document", PXT_DOCUMENT), {0}}, PXT_IF_EXISTS_IGNORE) == NULL);
	PXT_CHECK(HAS("column 'document' of 'dm/docs' cannot become required: 1 row(s)"));
	/* a declared key must be the catalog's */
	PXT_CHECK(pxt_create_table(env, "dm/docs", (pxt_coldef[]){PXT_UUID7_KEY("key"),
	    {0}}, PXT_IF_EXISTS_IGNORE) == NULL);
	PXT_CHECK(HAS("'uuid' is a key column in the catalog"));
	pxt_set_sync(env, false, false);
	pxt_clearerr();
	PXT_CHECK_INT(pxt_drop_dir(env, "dm", 0, true), PXT_OK);
	pxt_pool_free(pool);
}

static int nchanges, ndestructive;

static void
count_change(void *ud, const char *desc, bool destructive)
{
	(void)ud;
	(void)desc;
	nchanges++;
	ndestructive += destructive;
}

static void
test_sync_and_tx(pxt_env *env)
{
	const pxt_coldef v1[] = {{"a", PXT_INT, 0, 0, NULL, NULL}, {"b", PXT_STRING, 0, 0, NULL, NULL}, {0}};
	const pxt_coldef v2[] = {{"a", PXT_INT, 0, 0, NULL, NULL}, {"c", PXT_BOOL, 0, 0, NULL, NULL}, {0}};

	PXT_CHECK_INT(pxt_create_dir(env, "s", 0), PXT_OK);
	PXT_CHECK(pxt_create_table(env, "s/t", v1, 0) != NULL);
	/* a rolled-back transaction leaves nothing behind */
	PXT_CHECK_INT(pxt_begin(env), PXT_OK);
	PXT_CHECK(pxt_create_table(env, "s/gone", v1, 0) != NULL);
	PXT_CHECK_INT(pxt_rollback(env), PXT_OK);
	PXT_CHECK(pxt_get_table(env, "s/gone") == NULL);

	/* a change that fails half-way inside a transaction undoes only itself */
	PXT_CHECK_INT(pxt_db_exec_once(pxt_env_db(env), "CREATE TABLE pxt_data.\"s/clash\""
	    " (x int)", 0, NULL, NULL), PXT_OK);
	PXT_CHECK_INT(pxt_begin(env), PXT_OK);
	PXT_CHECK(pxt_create_table(env, "s/clash", v1, 0) == NULL);
	PXT_CHECK_INT(pxt_errcode(), PXT_EEXISTS);	/* the storage table exists */
	PXT_CHECK(pxt_create_table(env, "s/after", v1, 0) != NULL);
	PXT_CHECK_INT(pxt_commit(env), PXT_OK);
	PXT_CHECK(pxt_get_table(env, "s/after") != NULL);
	PXT_CHECK(pxt_get_table(env, "s/clash") == NULL);	/* no catalog row left */
	PXT_CHECK_INT(pxt_db_exec_once(pxt_env_db(env), "DROP TABLE pxt_data.\"s/clash\"",
	    0, NULL, NULL), PXT_OK);

	pxt_on_change(env, count_change, NULL);
	pxt_set_sync(env, true, false);
	PXT_CHECK_INT(pxt_begin(env), PXT_OK);
	PXT_CHECK(pxt_create_table(env, "s/t", v2, PXT_IF_EXISTS_IGNORE) != NULL);
	PXT_CHECK_INT(nchanges, 1);	/* add c */
	PXT_CHECK_INT(pxt_sync_finish(env), PXT_EDESTRUCTIVE);	/* drop b refused */
	PXT_CHECK(HAS("drop column 'b'") && HAS("--allow-destructive"));
	PXT_CHECK_INT(pxt_rollback(env), PXT_OK);
	PXT_CHECK(pxt_get_table(env, "s/t") && !pxt_table_find_col(pxt_get_table(env,
	    "s/t"), "c"));
	pxt_set_sync(env, false, false);
	pxt_on_change(env, NULL, NULL);
	PXT_CHECK_INT(pxt_drop_dir(env, "s", 0, true), PXT_OK);
}

/*
 * pxt_keep_first_error: the first failing declaration is kept with its name, the
 * calls after it do nothing, a commit rolls back; turning it off forgets the error.
 */
static void
test_first_error(pxt_env *env)
{
	const pxt_coldef cols[] = {PXT_COL("title", PXT_STRING),
	    {.name = "n", .type = PXT_INT, .flags = PXT_COL_REQUIRED}, {0}};
	const pxt_coldef bad[] = {PXT_COL("bad name", PXT_STRING), {0}};
	pxt_table *t, *u;

	pxt_keep_first_error(env, true);
	PXT_CHECK_INT(pxt_env_error(env), PXT_OK);
	PXT_CHECK_INT(pxt_begin(env), PXT_OK);
	PXT_CHECK_INT(pxt_create_dir(env, "k", PXT_IF_EXISTS_IGNORE), PXT_OK);
	t = pxt_create_table(env, "k/t", cols, PXT_IF_EXISTS_IGNORE);
	PXT_CHECK(t != NULL);
	PXT_CHECK(pxt_create_table(env, "k/bad", bad, PXT_IF_EXISTS_IGNORE) == NULL);
	/* the rest is skipped: no table, no column, no index */
	u = pxt_create_table(env, "k/u", cols, PXT_IF_EXISTS_IGNORE);
	PXT_CHECK(u == NULL);
	PXT_CHECK_INT(pxt_add_btree_index(u, "n", PXT_IF_EXISTS_IGNORE), PXT_ENOTFOUND);
	PXT_CHECK_INT(pxt_add_column(t, &(pxt_coldef)PXT_COL("more", PXT_INT), 0),
	    PXT_EINVAL);
	PXT_CHECK_INT(pxt_add_computed_column(t, "len", pxt_call("word_count",
	    pxt_col("title"), NULL), PXT_IF_EXISTS_IGNORE), PXT_EINVAL);
	PXT_CHECK(pxt_get_table(env, "k/t") == NULL);
	PXT_CHECK_INT(pxt_commit(env), PXT_EINVAL);	/* rolled back instead */
	PXT_CHECK_INT(pxt_env_error(env), PXT_EINVAL);
	PXT_CHECK(HAS("create table 'k/bad': ") && HAS("bad name"));
	pxt_keep_first_error(env, false);
	PXT_CHECK_INT(pxt_env_error(env), PXT_OK);
	PXT_CHECK(pxt_get_table(env, "k/t") == NULL);	/* the commit did not happen */
	PXT_CHECK(pxt_get_table(env, "k/u") == NULL);

	/* without the latch each call gives its own result */
	PXT_CHECK(pxt_create_table(env, "k/bad", bad, 0) == NULL);
	PXT_CHECK_INT(pxt_create_dir(env, "k", PXT_IF_EXISTS_IGNORE), PXT_OK);
	PXT_CHECK(pxt_create_table(env, "k/t", cols, 0) != NULL);
	PXT_CHECK_INT(pxt_env_error(env), PXT_OK);

	/* dropping a directory drops its tables through the same calls: one declaration */
	pxt_keep_first_error(env, true);
	PXT_CHECK_INT(pxt_drop_dir(env, "k", PXT_IF_MISSING_ERROR, true), PXT_OK);
	PXT_CHECK_INT(pxt_drop_dir(env, "k", PXT_IF_MISSING_ERROR, true), PXT_ENOTFOUND);
	PXT_CHECK(HAS("directory 'k'") && !HAS("drop directory 'k': "));	/* named */
	PXT_CHECK_INT(pxt_create_dir(env, "k", 0), PXT_ENOTFOUND);	/* skipped */
	pxt_keep_first_error(env, false);
	PXT_CHECK_INT(pxt_drop_dir(env, "k", PXT_IF_MISSING_IGNORE, true), PXT_OK);
}

int
main(void)
{
	pxt_env *env = pxt_open(NULL);

	PXT_CHECK(env != NULL);
	if (env == NULL) {
		fprintf(stderr, "%s\n", pxt_errmsg());
		return pxt_test_done();
	}
	test_dirs(env);
	test_tables(env);
	test_data_model(env);
	test_sync_and_tx(env);
	test_first_error(env);
	pxt_close(env);
	return pxt_test_done();
}
