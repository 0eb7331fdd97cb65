/*
 * test_types.c - the 14 column types through the C API: makes the table test/types
 * (a declared String key k, one column of each type, computed columns over the image:
 * b64_encode(thumbnail(image, [320, 320])) and width(image)), inserts a row with
 * pxt_insert and reads it back from PostgreSQL. argv[1] is the folder of the media
 * files it_types.sh made (pic.png, tone.wav, clip.avi, notes.txt). The types router
 * (tests/routers/types.c) then serves the table over HTTP for the script.
 */
#include <stdio.h>
#include <string.h>

#include "pxt/compute.h"
#include "pxt/expr.h"
#include "pxt_test.h"
#include "pxt_test_db.h"

static pxt_env *env;

static const char *
one(const char *sql)
{
	return pxt_test_one(env, sql);
}

int
main(int argc, char **argv)
{
	static const pxt_coldef cols[] = {
		{.name = "k", .type = PXT_STRING, .flags = PXT_COL_PRIMARY_KEY},
		PXT_COL("s", PXT_STRING), PXT_COL("i", PXT_INT), PXT_COL("f", PXT_FLOAT),
		PXT_COL("b", PXT_BOOL), PXT_COL("ts", PXT_TIMESTAMP),
		PXT_COL("d", PXT_DATE), PXT_COL("u", PXT_UUID), PXT_COL("j", PXT_JSON),
		{.name = "a", .type = PXT_ARRAY, .elem = PXT_INT},
		PXT_COL("image", PXT_IMAGE), PXT_COL("video", PXT_VIDEO),
		PXT_COL("audio", PXT_AUDIO), PXT_COL("doc", PXT_DOCUMENT),
		PXT_COL("bin", PXT_BINARY), {0}};
	static const char *const names[] = {"k", "s", "i", "f", "b", "ts", "d", "u", "j",
	    "a", "image", "video", "audio", "doc", "bin"};
	char path[4][1024], sql[5000];
	const char *values[15];
	pxt_table *t;

	if (argc != 2) {
		fprintf(stderr, "usage: test_types MEDIA-FOLDER\n");
		return 2;
	}
	if ((env = pxt_open(NULL)) == NULL) {
		fprintf(stderr, "%s\n", pxt_errmsg());
		PXT_CHECK(0);
		return pxt_test_done();
	}
	PXT_CHECK_INT(pxt_create_dir(env, "test", PXT_IF_EXISTS_IGNORE), PXT_OK);
	t = pxt_create_table(env, "test/types", cols, PXT_IF_EXISTS_ERROR);
	PXT_CHECK(t != NULL);
	if (t == NULL) {
		fprintf(stderr, "%s\n", pxt_errmsg());
		pxt_close(env);
		return pxt_test_done();
	}
	PXT_CHECK_INT(pxt_add_computed_column(t, "thumb", pxt_call("b64_encode",
	    pxt_call("thumbnail", pxt_col("image"), pxt_lit_json("[320, 320]"), NULL),
	    NULL), PXT_IF_EXISTS_ERROR), PXT_OK);
	PXT_CHECK_INT(pxt_add_computed_column(t, "w", pxt_call("width",
	    pxt_col("image"), NULL), PXT_IF_EXISTS_ERROR), PXT_OK);
	PXT_CHECK_INT(pxt_table_check(t), PXT_OK);

	snprintf(path[0], sizeof(path[0]), "%s/pic.png", argv[1]);
	snprintf(path[1], sizeof(path[1]), "%s/clip.avi", argv[1]);
	snprintf(path[2], sizeof(path[2]), "%s/tone.wav", argv[1]);
	snprintf(path[3], sizeof(path[3]), "%s/notes.txt", argv[1]);
	values[0] = "c-api";
	values[1] = "héllo";
	values[2] = "-42";
	values[3] = "2.5";
	values[4] = "true";
	values[5] = "2024-02-29T12:34:56Z";
	values[6] = "2024-02-29";
	values[7] = "0190a0b4-7c1e-7d3a-9f00-123456789abc";
	values[8] = "{\"a\": [1, 2]}";
	values[9] = "[1, 2, 3]";
	values[10] = path[0];
	values[11] = path[1];
	values[12] = path[2];
	values[13] = path[3];
	values[14] = "AAEC/w==";	/* 00 01 02 ff */
	if (pxt_insert(t, names, 15, values, 1) != PXT_OK)
		fprintf(stderr, "insert: %s\n", pxt_errmsg());
	PXT_CHECK_STR(one("SELECT pg_typeof(bin)::text FROM pxt_data.\"test/types\""),
	    "bytea");
	PXT_CHECK_STR(one("SELECT encode(bin, 'hex') FROM pxt_data.\"test/types\""),
	    "000102ff");
	PXT_CHECK_STR(one("SELECT d::text FROM pxt_data.\"test/types\""), "2024-02-29");
	PXT_CHECK_STR(one("SELECT i || ' ' || f || ' ' || b || ' ' || u || ' ' || s "
	    "FROM pxt_data.\"test/types\""),
	    "-42 2.5 true 0190a0b4-7c1e-7d3a-9f00-123456789abc héllo");
	PXT_CHECK_STR(one("SELECT to_json(ts)#>>'{}' || ' ' || j::text || ' ' || "
	    "array_to_string(a, ',') FROM pxt_data.\"test/types\""),
	    "2024-02-29T12:34:56+00:00 {\"a\": [1, 2]} 1,2,3");
	snprintf(sql, sizeof(sql), "SELECT (image = '%s' AND video = '%s' AND audio = "
	    "'%s' AND doc = '%s')::text FROM pxt_data.\"test/types\"", path[0], path[1],
	    path[2], path[3]);
	PXT_CHECK_STR(one(sql), "true");
	/* the thumbnail: a base64 PNG, 320 wide (pic.png is 640 x 400) */
	PXT_CHECK_STR(one("SELECT encode(substr(decode(thumb, 'base64'), 1, 4), 'hex') "
	    "FROM pxt_data.\"test/types\""), "89504e47");
	PXT_CHECK_STR(one("SELECT get_byte(decode(thumb, 'base64'), 18) * 256 + "
	    "get_byte(decode(thumb, 'base64'), 19) FROM pxt_data.\"test/types\""), "320");
	PXT_CHECK_STR(one("SELECT w FROM pxt_data.\"test/types\""), "640");
	/* a bad value names the column */
	values[0] = "bad";
	values[14] = "not base64!";
	PXT_CHECK_INT(pxt_insert(t, names, 15, values, 1), PXT_EINVAL);
	pxt_test_expect_msg("column 'bin'");
	pxt_close(env);
	return pxt_test_done();
}
