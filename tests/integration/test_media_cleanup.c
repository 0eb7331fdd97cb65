/*
 * test_media_cleanup.c - the media files the store made go with what owned them, once
 * the change that takes them commits, and never before: a dropped media column
 * (computed thumbnails, and uploads in a plain column over several cursor batches), a
 * dropped table, a dropped view, view rows deleted by the cascade of an HTTP delete or
 * replaced by an HTTP update, cells replaced by a recompute. A refused drop, a rolled
 * back pxt_begin and a change that fails after reading the files (a forced pxt_drop_dir
 * refused half-way) leave every file in place. argv[1]: a folder with a.png, b.png and
 * c.png (outside the store). Needs as_image() of the test UDF module (testfns.so).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pxt/app.h"
#include "pxt/pxt.h"
#include "pxt_test.h"
#include "pxt_test_db.h"

#define MAXP 64

static pxt_env *env;
static const char *src;		/* the images given (not the store's) */
static char img[3][PATH_MAX];	/* a.png, b.png, c.png */

/* The first column of the first row of sql, or NULL (static buffer). */
static const char *
one(const char *sql)
{
	return pxt_test_one(env, sql);
}

/* A set of file paths read from the database. */
struct paths {
	int n;
	char p[MAXP][PATH_MAX];
};

/* The non-NULL values of the first column of sql, at most MAXP. */
static void
collect(const char *sql, struct paths *out)
{
	PGresult *res = NULL;

	out->n = 0;
	if (pxt_db_exec_once(pxt_env_db(env), sql, 0, NULL, &res) != PXT_OK) {
		fprintf(stderr, "%s: %s\n", sql, pxt_errmsg());
		return;
	}
	for (int r = 0; r < PQntuples(res) && out->n < MAXP; r++)
		if (!PQgetisnull(res, r, 0))
			snprintf(out->p[out->n++], PATH_MAX, "%s", PQgetvalue(res, r, 0));
	PQclear(res);
}

/* How many of the paths exist as files. */
static int
existing(const struct paths *ps)
{
	int n = 0;

	for (int i = 0; i < ps->n; i++)
		n += access(ps->p[i], F_OK) == 0;
	return n;
}

/* Whether path lies in the store's folder sub ("gen", "uploads"). */
static bool
in_store(const char *path, const char *sub)
{
	char want[PATH_MAX];

	snprintf(want, sizeof(want), "%s/media/%s/", pxt_config_home(pxt_env_config(env)),
	    sub);
	return strncmp(path, want, strlen(want)) == 0;
}

static int
sources_left(void)
{
	return (access(img[0], F_OK) == 0) + (access(img[1], F_OK) == 0) +
	    (access(img[2], F_OK) == 0);
}

static pxt_err
add_computed(pxt_table *t, const char *name, pxt_expr *e)
{
	pxt_err rc = pxt_add_computed_column(t, name, e, PXT_IF_EXISTS_ERROR);

	if (rc != PXT_OK)
		fprintf(stderr, "computed column %s: %s\n", name, pxt_errmsg());
	return rc;
}

static bool
has_column(const char *table, const char *col)
{
	char sql[512];
	const char *v;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM information_schema.columns WHERE"
	    " table_schema = 'pxt_data' AND table_name = '%s' AND column_name = '%s'",
	    table, col);
	v = one(sql);
	return v != NULL && strcmp(v, "1") == 0;
}

/*
 * A thumbnail column: recomputed (the old files go), its drop refused by a dependent,
 * a column sharing its files dropped, a drop rolled back, a drop committed.
 */
static void
test_drop_computed(void)
{
	static const char *names[] = {"img", "n"};
	const char *rows[] = {img[0], "1", img[1], "2", NULL, "3"};
	struct paths before, after;
	pxt_table *t;

	t = pxt_create_table(env, "mc/pics", (pxt_coldef[]){{"img", PXT_IMAGE, 0, 0, NULL, NULL},
	    {"n", PXT_INT, 0, 0, NULL, NULL}, {0}}, PXT_IF_EXISTS_REPLACE);
	PXT_CHECK(t != NULL);
	if (t == NULL)
		return;
	PXT_CHECK_INT(add_computed(t, "thumb", pxt_call("thumbnail", pxt_col("img"),
	    pxt_lit_int(16), NULL)), PXT_OK);
	PXT_CHECK_INT(add_computed(t, "alias", pxt_col("thumb")), PXT_OK);
	PXT_CHECK_INT(add_computed(t, "tw", pxt_call("image_width", pxt_col("thumb"),
	    NULL)), PXT_OK);
	PXT_CHECK_INT(pxt_insert(t, names, 2, rows, 3), PXT_OK);
	collect("SELECT thumb FROM pxt_data.\"mc/pics\"", &before);
	PXT_CHECK_INT(before.n, 2);
	PXT_CHECK_INT(existing(&before), 2);
	PXT_CHECK(before.n > 0 && in_store(before.p[0], "gen"));
	PXT_CHECK_STR(one("SELECT count(*) FROM pxt_data.\"mc/pics\" WHERE alias = thumb"),
	    "2");

	/* computed again: new files, the replaced ones gone once it committed */
	PXT_CHECK_INT(pxt_recompute_column(t, "thumb", false, NULL, NULL), PXT_OK);
	collect("SELECT thumb FROM pxt_data.\"mc/pics\"", &after);
	PXT_CHECK_INT(after.n, 2);
	PXT_CHECK_INT(existing(&after), 2);
	PXT_CHECK_INT(existing(&before), 0);

	/* refused: 'tw' uses it; nothing goes */
	PXT_CHECK_INT(pxt_drop_column(t, "thumb", PXT_IF_MISSING_ERROR), PXT_ECONFLICT);
	PXT_CHECK_INT(existing(&after), 2);
	/* 'alias' holds the same files as 'thumb': dropping it leaves them */
	PXT_CHECK_INT(pxt_drop_column(t, "alias", PXT_IF_MISSING_ERROR), PXT_OK);
	PXT_CHECK_INT(pxt_drop_column(t, "tw", PXT_IF_MISSING_ERROR), PXT_OK);
	PXT_CHECK_INT(existing(&after), 2);

	/* dropped, then rolled back: the files stay with the column */
	PXT_CHECK_INT(pxt_begin(env), PXT_OK);
	PXT_CHECK_INT(pxt_drop_column(t, "thumb", PXT_IF_MISSING_ERROR), PXT_OK);
	PXT_CHECK_INT(existing(&after), 2);
	PXT_CHECK_INT(pxt_rollback(env), PXT_OK);
	PXT_CHECK_INT(existing(&after), 2);
	PXT_CHECK(has_column("mc/pics", "thumb"));

	/* dropped and committed: gone, but not before the commit */
	PXT_CHECK_INT(pxt_begin(env), PXT_OK);
	PXT_CHECK_INT(pxt_drop_column(t, "thumb", PXT_IF_MISSING_ERROR), PXT_OK);
	PXT_CHECK_INT(existing(&after), 2);
	PXT_CHECK_INT(pxt_commit(env), PXT_OK);
	PXT_CHECK_INT(existing(&after), 0);
	PXT_CHECK(!has_column("mc/pics", "thumb"));
	PXT_CHECK_INT(sources_left(), 3);
}

#define NUPLOADS 2100	/* three cursor batches */

/* Uploads in a plain Document column, more than one FETCH of them; one file given. */
static void
test_drop_plain(void)
{
	static const char *names[] = {"doc"};
	char (*files)[PATH_MAX] = calloc(NUPLOADS + 1, PATH_MAX);
	const char **vals = calloc(NUPLOADS + 1, sizeof(char *));
	char dir[PATH_MAX - 64], kept[PATH_MAX];
	int left = 0, made = 0;
	pxt_table *t;

	PXT_CHECK(files != NULL && vals != NULL);
	if (files == NULL || vals == NULL)
		goto out;
	snprintf(dir, sizeof(dir), "%s/media/uploads", pxt_config_home(pxt_env_config(env)));
	mkdir(dir, 0750);
	strcat(dir, "/mc");
	mkdir(dir, 0750);
	for (int i = 0; i < NUPLOADS; i++) {
		FILE *f;

		snprintf(files[i], PATH_MAX, "%s/f%04d.txt", dir, i);
		if ((f = fopen(files[i], "w")) != NULL) {
			fputs("upload\n", f);
			made += fclose(f) == 0;
		}
		vals[i] = files[i];
	}
	PXT_CHECK_INT(made, NUPLOADS);
	snprintf(kept, sizeof(kept), "%s/given.txt", src);
	vals[NUPLOADS] = kept;
	t = pxt_create_table(env, "mc/uploads", (pxt_coldef[]){
	    {"doc", PXT_DOCUMENT, 0, 0, NULL, NULL}, {"k", PXT_INT, 0, 0, NULL, NULL}, {0}},
	    PXT_IF_EXISTS_REPLACE);
	PXT_CHECK(t != NULL);
	if (t == NULL)
		goto out;
	PXT_CHECK_INT(pxt_insert(t, names, 1, vals, NUPLOADS + 1), PXT_OK);
	PXT_CHECK_INT(pxt_drop_column(t, "doc", PXT_IF_MISSING_ERROR), PXT_OK);
	for (int i = 0; i < NUPLOADS; i++)
		left += access(files[i], F_OK) == 0;
	PXT_CHECK_INT(left, 0);
	PXT_CHECK_INT(access(kept, F_OK), 0);
	PXT_CHECK_INT(pxt_drop_table(env, "mc/uploads", PXT_IF_MISSING_ERROR), PXT_OK);
	rmdir(dir);
out:
	free(files);
	free(vals);
}

/* Table path with two thumbnail columns and two rows; ps gets the four files. */
static pxt_table *
thumbs_table(const char *path, struct paths *ps)
{
	static const char *names[] = {"img"};
	const char *rows[] = {img[0], img[2]};
	char sql[512];
	pxt_table *t = pxt_create_table(env, path, (pxt_coldef[]){
	    {"img", PXT_IMAGE, 0, 0, NULL, NULL}, {0}}, PXT_IF_EXISTS_REPLACE);

	PXT_CHECK(t != NULL);
	ps->n = 0;
	if (t == NULL)
		return NULL;
	PXT_CHECK_INT(add_computed(t, "big", pxt_call("thumbnail", pxt_col("img"),
	    pxt_lit_int(12), NULL)), PXT_OK);
	PXT_CHECK_INT(add_computed(t, "small", pxt_call("thumbnail", pxt_col("img"),
	    pxt_lit_int(8), NULL)), PXT_OK);
	PXT_CHECK_INT(pxt_insert(t, names, 1, rows, 2), PXT_OK);
	snprintf(sql, sizeof(sql), "SELECT big FROM pxt_data.\"%s\" UNION ALL SELECT"
	    " small FROM pxt_data.\"%s\"", path, path);
	collect(sql, ps);
	PXT_CHECK_INT(ps->n, 4);
	PXT_CHECK_INT(existing(ps), 4);
	return t;
}

/*
 * Dropped tables take their files; a forced pxt_drop_dir refused after dropping a
 * table of thumbnails (another table below has a view elsewhere) leaves them, even
 * inside pxt_begin where the next change commits.
 */
static void
test_drop_table(void)
{
	struct paths whole, sub;
	pxt_table *b;

	PXT_CHECK_INT(pxt_create_dir(env, "mc/sub", PXT_IF_EXISTS_IGNORE), PXT_OK);
	thumbs_table("mc/whole", &whole);
	thumbs_table("mc/sub/a", &sub);
	b = pxt_create_table(env, "mc/sub/b", (pxt_coldef[]){{"s", PXT_STRING, 0, 0, NULL, NULL},
	    {0}}, PXT_IF_EXISTS_REPLACE);
	PXT_CHECK(b != NULL && pxt_create_view(env, "mc/subview", b, &(pxt_iter_def){
	    .size = sizeof(pxt_iter_def), .name = "string_splitter", .input = "s",
	    .separators = "sentence"}, PXT_IF_EXISTS_REPLACE) != NULL);

	/* "mc/sub/a" is dropped first, then "mc/sub/b" refuses: all of it rolls back */
	PXT_CHECK_INT(pxt_drop_dir(env, "mc/sub", PXT_IF_MISSING_ERROR, true),
	    PXT_ECONFLICT);
	PXT_CHECK_INT(existing(&sub), 4);
	PXT_CHECK(one("SELECT 1 FROM pxt_catalog.tables WHERE path = 'mc/sub/a'") != NULL);
	/* the same inside a transaction that commits another drop */
	PXT_CHECK_INT(pxt_begin(env), PXT_OK);
	PXT_CHECK_INT(pxt_drop_dir(env, "mc/sub", PXT_IF_MISSING_ERROR, true),
	    PXT_ECONFLICT);
	PXT_CHECK_INT(pxt_drop_table(env, "mc/whole", PXT_IF_MISSING_ERROR), PXT_OK);
	PXT_CHECK_INT(existing(&whole), 4);
	PXT_CHECK_INT(pxt_commit(env), PXT_OK);
	PXT_CHECK_INT(existing(&whole), 0);
	PXT_CHECK_INT(existing(&sub), 4);

	/* without the view in the way the directory goes, with its files */
	PXT_CHECK_INT(pxt_drop_table(env, "mc/subview", PXT_IF_MISSING_ERROR), PXT_OK);
	PXT_CHECK_INT(pxt_drop_dir(env, "mc/sub", PXT_IF_MISSING_ERROR, true), PXT_OK);
	PXT_CHECK_INT(existing(&sub), 0);
	PXT_CHECK_INT(sources_left(), 3);
}

/* ---- views over HTTP ------------------------------------------------------------- */

static pxt_app *app;
static pxt_pool *rpool;
static char body[8192];
static int status;

static const char *
param(void *ctx, const char *name)
{
	(void)ctx;
	return strcmp(name, "CONTENT_TYPE") == 0 ? "application/json" : NULL;
}

/* POST json to path in process; `status` and `body` get the answer. */
static void
post(const char *path, const char *json)
{
	pxt_req *req;
	const char *out;
	size_t len;

	pxt_pool_reset(rpool);
	req = pxt_req_new(app, rpool, "POST", path, NULL, json, strlen(json), false,
	    param, NULL);
	pxt_app_handle(app, req);
	status = pxt_res_get_status(req);
	out = pxt_res_get_body(req, &len);
	snprintf(body, sizeof(body), "%.*s", (int)len, out);
	pxt_req_free(req);
	if (status != 200)
		fprintf(stderr, "POST %s: %d %s\n", path, status, body);
}

/* The thumbnails of the view rows (and of their own view's rows) of base row n. */
static void
view_files(const char *n, struct paths *v, struct paths *g)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "SELECT v.vthumb FROM pxt_data.\"mc/pv\" v JOIN"
	    " pxt_data.\"mc/paths\" b ON b.id = v.id WHERE b.n = %s", n);
	collect(sql, v);
	snprintf(sql, sizeof(sql), "SELECT g.gthumb FROM pxt_data.\"mc/pvv\" g JOIN"
	    " pxt_data.\"mc/pv\" v ON v.\"_pxt_rowid\" = g.\"_pxt_base\" JOIN"
	    " pxt_data.\"mc/paths\" b ON b.id = v.id WHERE b.n = %s", n);
	collect(sql, g);
}

/* A base of image paths, a view with a thumbnail per path, a view of that view. */
static pxt_table *
views_setup(pxt_table **pv)
{
	static const char *names[] = {"p", "n"};
	char two[2 * PATH_MAX + 4];
	const char *rows[4] = {two, "1", img[2], "2"};
	pxt_table *b, *v, *g = NULL;

	snprintf(two, sizeof(two), "%s\n\n%s", img[0], img[1]);
	b = pxt_create_table(env, "mc/paths", (pxt_coldef[]){PXT_UUID7_KEY("id"),
	    {"p", PXT_STRING, 0, 0, NULL, NULL},
	    {"n", PXT_INT, 0, 0, NULL, NULL}, {0}}, PXT_IF_EXISTS_REPLACE);
	v = b ? pxt_create_view(env, "mc/pv", b, &(pxt_iter_def){
	    .size = sizeof(pxt_iter_def), .name = "string_splitter", .input = "p",
	    .separators = "paragraph"}, PXT_IF_EXISTS_REPLACE) : NULL;
	if (v != NULL && add_computed(v, "vthumb", pxt_call("thumbnail", pxt_call(
	    "as_image", pxt_col("text"), NULL), pxt_lit_int(12), NULL)) == PXT_OK)
		g = pxt_create_view(env, "mc/pvv", v, &(pxt_iter_def){
		    .size = sizeof(pxt_iter_def), .name = "string_splitter",
		    .input = "text", .separators = "paragraph"}, PXT_IF_EXISTS_REPLACE);
	PXT_CHECK(g != NULL && add_computed(g, "gthumb", pxt_call("thumbnail",
	    pxt_call("as_image", pxt_col("text"), NULL), pxt_lit_int(10), NULL)) ==
	    PXT_OK);
	if (g == NULL)
		return NULL;
	PXT_CHECK_INT(pxt_insert(b, names, 2, rows, 2), PXT_OK);
	*pv = v;
	return b;
}

static void
routes(pxt_table *b)
{
	pxt_router *r = pxt_app_router(app, "mc", NULL);

	pxt_router_prefix(r, "/api/mc");
	PXT_CHECK_INT(pxt_add_update_route(r, "/paths/update", b, NULL), PXT_OK);
	PXT_CHECK_INT(pxt_add_delete_route(r, "/paths/delete", b, NULL), PXT_OK);
}

/*
 * An HTTP update replacing a base row's view rows, an HTTP delete cascading to them,
 * a recompute of the view's column, then the views dropped: each time the files of
 * the rows that went are gone, and only those.
 */
static void
test_views(void)
{
	struct paths v1, g1, v1b, g1b, v2, g2, v2b;
	char json[2 * PATH_MAX + 128], id[64];
	const char *key;
	pxt_table *b, *pv = NULL;

	if ((b = views_setup(&pv)) == NULL)
		return;
	routes(b);
	view_files("1", &v1, &g1);
	view_files("2", &v2, &g2);
	PXT_CHECK(v1.n == 2 && g1.n == 2 && v2.n == 1 && g2.n == 1);
	PXT_CHECK(existing(&v1) == 2 && existing(&g1) == 2 && existing(&v2) == 1);
	key = one("SELECT id FROM pxt_data.\"mc/paths\" WHERE n = 1");
	snprintf(id, sizeof(id), "%s", key ? key : "");

	/* a new value of the iterator's input replaces the view rows and their files */
	snprintf(json, sizeof(json), "{\"id\": \"%s\", \"p\": \"%s\"}", id, img[2]);
	post("/api/mc/paths/update", json);
	PXT_CHECK_INT(status, 200);
	PXT_CHECK(existing(&v1) == 0 && existing(&g1) == 0);
	view_files("1", &v1b, &g1b);
	PXT_CHECK(v1b.n == 1 && existing(&v1b) == 1 && g1b.n == 1 && existing(&g1b) == 1);

	/* deleting the base row: the cascade's view rows take their files */
	snprintf(json, sizeof(json), "{\"id\": \"%s\"}", id);
	post("/api/mc/paths/delete", json);
	PXT_CHECK_INT(status, 200);
	PXT_CHECK(existing(&v1b) == 0 && existing(&g1b) == 0);
	PXT_CHECK(existing(&v2) == 1 && existing(&g2) == 1);

	/* the view's column computed again: the replaced files go */
	PXT_CHECK(pv != NULL && pxt_recompute_column(pv, "vthumb", false, NULL, NULL) ==
	    PXT_OK);
	view_files("2", &v2b, &g2);
	PXT_CHECK(v2b.n == 1 && existing(&v2b) == 1 && existing(&v2) == 0);

	/* dropping the views: their files go, the view of the view first */
	PXT_CHECK_INT(pxt_drop_table(env, "mc/pvv", PXT_IF_MISSING_ERROR), PXT_OK);
	PXT_CHECK_INT(existing(&g2), 0);
	PXT_CHECK_INT(existing(&v2b), 1);
	PXT_CHECK_INT(pxt_drop_table(env, "mc/pv", PXT_IF_MISSING_ERROR), PXT_OK);
	PXT_CHECK_INT(existing(&v2b), 0);
	PXT_CHECK_INT(sources_left(), 3);
}

int
main(int argc, char **argv)
{
	FILE *f;
	char given[PATH_MAX];

	if (argc < 2) {
		fprintf(stderr, "usage: test_media_cleanup IMAGE_FOLDER\n");
		return 2;
	}
	src = argv[1];
	for (int i = 0; i < 3; i++)
		snprintf(img[i], sizeof(img[i]), "%s/%c.png", src, 'a' + i);
	snprintf(given, sizeof(given), "%s/given.txt", src);
	if ((f = fopen(given, "w")) != NULL)
		fclose(f);
	env = pxt_open(NULL);
	PXT_CHECK(env != NULL);
	if (env == NULL) {
		fprintf(stderr, "%s\n", pxt_errmsg());
		return pxt_test_done();
	}
	PXT_CHECK_INT(pxt_create_dir(env, "mc", PXT_IF_EXISTS_IGNORE), PXT_OK);
	test_drop_computed();
	test_drop_plain();
	test_drop_table();
	rpool = pxt_pool_new(0);
	app = pxt_app_new(env);
	PXT_CHECK(app != NULL && rpool != NULL);
	if (app != NULL && rpool != NULL)
		test_views();
	/* the rest goes with the directory */
	PXT_CHECK_INT(pxt_drop_dir(env, "mc", PXT_IF_MISSING_ERROR, true), PXT_OK);
	pxt_app_free(app);
	pxt_pool_free(rpool);
	pxt_close(env);
	return pxt_test_done();
}
