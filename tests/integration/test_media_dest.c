/*
 * test_media_dest.c - per-column media destinations through the C API, for
 * it_media_dest.sh (which starts the object-store servers and exports their
 * configuration): destination= checked when the column is added, a column's own
 * destination winning over output_media_dest, a failed insert deleting the objects it
 * had uploaded, and the table test/dest the stack then serves (its crash case).
 *
 *   test_media_dest setup IMAGE   run the checks, leave test/dest for the stack
 *
 * Needs the test UDF module (testfns.so: boom) in [pixeltable] udf_dir.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pxt/pxt.h"
#include "pxt_test.h"
#include "pxt_test_db.h"
#include "media/objstore_int.h"

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

/* Whether the object url exists (downloaded to a scratch file). */
static bool
object_exists(const char *url)
{
	pxt_pool *pool = pxt_pool_new(2048);
	char tmp[] = "/tmp/pxt-it.objXXXXXX";
	int fd = mkstemp(tmp);
	pxt_err rc;

	if (fd >= 0) {
		close(fd);
		unlink(tmp);	/* pxt_obj_get_file creates it */
	}
	rc = pxt_obj_get_file(pxt_env_config(env), pool, url, tmp, 0);
	unlink(tmp);
	pxt_pool_free(pool);
	if (rc != PXT_OK && rc != PXT_ENOTFOUND)
		fprintf(stderr, "get %s: %s\n", url, pxt_errmsg());
	return rc == PXT_OK;
}

/* destination= is checked when the column is added. */
static void
test_refusals(pxt_table *t)
{
	pxt_computed_opts o = {sizeof(o), PXT_ON_ERROR_ABORT, NULL, NULL, NULL};

	o.destination = "s3://pxt-media/x";
	PXT_CHECK_INT(pxt_add_computed_column_opts(t, "up", pxt_call("upper",
	    pxt_col("s"), NULL), PXT_IF_EXISTS_ERROR, &o), PXT_EINVAL);
	expect_msg("destination= is for media results");
	o.destination = "ftp://host/x";
	PXT_CHECK_INT(pxt_add_computed_column_opts(t, "t_bad", pxt_call("thumbnail",
	    pxt_col("img"), pxt_lit_int(16), NULL), PXT_IF_EXISTS_ERROR, &o), PXT_EINVAL);
	expect_msg("expected s3://bucket[/prefix]");
	o.destination = "s3://Upper_Case/x";
	PXT_CHECK_INT(pxt_add_computed_column_opts(t, "t_bad", pxt_call("thumbnail",
	    pxt_col("img"), pxt_lit_int(16), NULL), PXT_IF_EXISTS_ERROR, &o), PXT_EINVAL);
	expect_msg("bucket name");
	o.destination = "az://pxt-media/../x";
	PXT_CHECK_INT(pxt_add_computed_column_opts(t, "t_bad", pxt_call("thumbnail",
	    pxt_col("img"), pxt_lit_int(16), NULL), PXT_IF_EXISTS_ERROR, &o), PXT_EINVAL);
	PXT_CHECK(pxt_table_find_col(t, "t_bad") == NULL);
}

/* The column's destination wins; a failed insert deletes what it uploaded. */
static void
test_destinations(pxt_table *t, const char *image)
{
	static const char *names[] = {"img", "s"};
	const char *good[] = {image, "fine"}, *bad[] = {image, "fail"};
	char az[1024], s3[1024];
	const char *v;

	PXT_CHECK_INT(pxt_insert(t, names, 2, good, 1), PXT_OK);
	v = one("SELECT t_col FROM pxt_data.\"test/dest\" WHERE s = 'fine'");
	PXT_CHECK(v != NULL && strncmp(v, "az://pxt-media/col/gen/", 23) == 0);
	snprintf(az, sizeof(az), "%s", v ? v : "");
	v = one("SELECT t_out FROM pxt_data.\"test/dest\" WHERE s = 'fine'");
	PXT_CHECK(v != NULL && strncmp(v, "s3://pxt-media/out/gen/", 23) == 0);
	snprintf(s3, sizeof(s3), "%s", v ? v : "");
	PXT_CHECK(object_exists(az));
	PXT_CHECK(object_exists(s3));

	/* boom refuses "fail" after both thumbnails were uploaded: both are deleted */
	PXT_CHECK_INT(pxt_insert(t, names, 2, bad, 1), PXT_EINVAL);
	expect_msg("boom refuses");
	PXT_CHECK_STR(one("SELECT count(*) FROM pxt_data.\"test/dest\""), "1");
	printf("row %s %s\n", az, s3);
}

int
main(int argc, char **argv)
{
	pxt_table *t;
	pxt_computed_opts col = {sizeof(col), PXT_ON_ERROR_ABORT, "az://pxt-media/col",
	    NULL, NULL};

	if (argc != 3 || strcmp(argv[1], "setup") != 0) {
		fprintf(stderr, "usage: test_media_dest setup IMAGE\n");
		return 2;
	}
	env = pxt_open(NULL);
	PXT_CHECK(env != NULL);
	if (env == NULL) {
		fprintf(stderr, "pxt_open: %s\n", pxt_errmsg());
		return 1;
	}
	PXT_CHECK_INT(pxt_create_dir(env, "test", PXT_IF_EXISTS_IGNORE), PXT_OK);
	t = pxt_create_table(env, "test/dest", (pxt_coldef[]){
	    {"img", PXT_IMAGE, 0, 0, NULL, NULL}, {"s", PXT_STRING, 0, 0, NULL, NULL}, {0}},
	    PXT_IF_EXISTS_REPLACE);
	PXT_CHECK(t != NULL);
	if (t != NULL) {
		test_refusals(t);
		PXT_CHECK_INT(pxt_add_computed_column_opts(t, "t_col", pxt_call("thumbnail",
		    pxt_col("img"), pxt_lit_int(32), NULL), PXT_IF_EXISTS_ERROR, &col),
		    PXT_OK);
		PXT_CHECK_INT(pxt_add_computed_column(t, "t_out", pxt_call("thumbnail",
		    pxt_col("img"), pxt_lit_int(40), NULL), PXT_IF_EXISTS_ERROR), PXT_OK);
		PXT_CHECK_INT(pxt_add_computed_column(t, "b", pxt_call("boom",
		    pxt_col("s"), NULL), PXT_IF_EXISTS_ERROR), PXT_OK);
		test_destinations(t, argv[2]);
	}
	pxt_close(env);
	return pxt_test_done();
}
