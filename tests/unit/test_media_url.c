/*
 * test_media_url.c - signed /media/ URLs match what nginx's secure_link_md5 computes
 * (the expected signatures were computed with `openssl md5 -binary | base64url`), in
 * the path form BASE/media/EXP/SIG/PATH, absolute under a request's base and relative
 * without one; paths that would leave the media store are refused; how a media value
 * is written into an answer (signed link, file:// URL, URL as given); the names
 * uploads are stored under.
 */
#include <stdlib.h>

#include "pxt/buf.h"
#include "pxt/json.h"
#include "pxt/media.h"
#include "media/media_out_int.h"
#include "media/media_store_int.h"
#include "pxt_test.h"

#define SECRET "0123456789abcdefXYZ"

/* The JSON pxt_media_write_json writes for path, in pool memory. */
static char *
written(pxt_pool *pool, const char *path)
{
	pxt_buf b = PXT_BUF_INIT;
	pxt_jw w;
	char *out;

	pxt_jw_init(&w, &b);
	pxt_media_write_json(&w, path, strlen(path));
	out = pxt_pstrndup(pool, b.data ? b.data : "", b.len);
	pxt_buf_free(&b);
	return out;
}

static void
check_builder(pxt_pool *pool)
{
	PXT_CHECK_STR(pxt_media_url(pool, "demo/a b.png", SECRET, 1000, 1999999000),
	    "/media/2000000000/HLX2OboYcVhvFf_iokIQ7g/demo/a%20b.png");
	PXT_CHECK_STR(pxt_media_url_at(pool, "https://example.org", "demo/a b.png",
	    SECRET, 1000, 1999999000),
	    "https://example.org/media/2000000000/HLX2OboYcVhvFf_iokIQ7g/demo/a%20b.png");
	PXT_CHECK_STR(pxt_media_url_at(pool, "http://127.0.0.1:8080/", "uploads/"
	    "0123456789abcdef0123456789abcdef/report 1.pdf", SECRET, 0, 2000000000),
	    "http://127.0.0.1:8080/media/2000000000/Gp9jE1KkBZP7Rv42luWnTQ/uploads/"
	    "0123456789abcdef0123456789abcdef/report%201.pdf");
	PXT_CHECK(pxt_media_url(pool, "../etc/passwd", SECRET, 10, 0) == NULL);
	PXT_CHECK_INT(pxt_errcode(), PXT_EINVAL);
	PXT_CHECK(pxt_media_url_at(pool, "http://h", "a/../../b", SECRET, 10, 0) == NULL);
	PXT_CHECK(pxt_media_url(pool, "/abs", SECRET, 10, 0) == NULL);
	PXT_CHECK(pxt_media_url(pool, "", SECRET, 10, 0) == NULL);
	PXT_CHECK(pxt_media_url(pool, "a\nb", SECRET, 10, 0) == NULL);
	PXT_CHECK(pxt_media_url(pool, "a", NULL, 10, 0) == NULL);
	PXT_CHECK(pxt_media_url(pool, "..a/b..", SECRET, 10, 0) != NULL);
	PXT_CHECK_STR(pxt_media_file_url(pool, "/srv/data/x.png"), "file:///srv/data/x.png");
	PXT_CHECK_STR(pxt_media_file_url(pool, "/srv/my data/r\xc3\xa9sum\xc3\xa9#1?.pdf"),
	    "file:///srv/my%20data/r%C3%A9sum%C3%A9%231%3F.pdf");
	PXT_CHECK(pxt_media_file_url(pool, "rel/x.png") == NULL);
}

static void
check_json(pxt_pool *pool)
{
	const char *s;

	pxt_media_store_set("/home/px/media");
	pxt_media_sign_set(SECRET, 3600);
	/* no request: relative, in the path form */
	s = written(pool, "/home/px/media/gen/ab/abcd.png");
	PXT_CHECK(strncmp(s, "\"/media/", 8) == 0 && strstr(s, "/gen/ab/abcd.png\"") != NULL);
	pxt_media_base_set("https://example.org");
	s = written(pool, "/home/px/media/uploads/0123456789abcdef0123456789abcdef/a b.pdf");
	PXT_CHECK(strncmp(s, "\"https://example.org/media/", 27) == 0);
	PXT_CHECK(strstr(s, "/uploads/0123456789abcdef0123456789abcdef/a%20b.pdf\"") != NULL);
	/* a local file outside the store: a file:// URL, whatever the base */
	PXT_CHECK_STR(written(pool, "/srv/data/x.png"), "\"file:///srv/data/x.png\"");
	PXT_CHECK_STR(written(pool, "/home/px/mediax/y.png"), "\"file:///home/px/mediax/y.png\"");
	/* URLs as given */
	PXT_CHECK_STR(written(pool, "https://ex.org/a.png"), "\"https://ex.org/a.png\"");
	pxt_media_base_set(NULL);
	/* without a secret the store's files are local files too */
	pxt_media_sign_set(NULL, 0);
	PXT_CHECK_STR(written(pool, "/home/px/media/a.png"), "\"file:///home/px/media/a.png\"");
	pxt_media_store_set(NULL);
}

static void
check_names(pxt_pool *pool)
{
	char big[400], dir[256];
	const char *n;

	PXT_CHECK_STR(pxt_media_upload_name(pool, "report 1.pdf"), "report 1.pdf");
	PXT_CHECK_STR(pxt_media_upload_name(pool, "C:\\fakepath\\a.pdf"), "a.pdf");
	PXT_CHECK_STR(pxt_media_upload_name(pool, "../../etc/passwd"), "passwd");
	PXT_CHECK_STR(pxt_media_upload_name(pool, ".env"), "env");
	PXT_CHECK_STR(pxt_media_upload_name(pool, "a\nb\x01.txt"), "a_b_.txt");
	PXT_CHECK_STR(pxt_media_upload_name(pool, "bad\xff.png"), "bad_.png");
	PXT_CHECK_STR(pxt_media_upload_name(pool, "r\xc3\xa9sum\xc3\xa9.pdf"),
	    "r\xc3\xa9sum\xc3\xa9.pdf");
	PXT_CHECK_STR(pxt_media_upload_name(pool, " .. "), "file");
	PXT_CHECK_STR(pxt_media_upload_name(pool, ""), "file");
	PXT_CHECK_STR(pxt_media_upload_name(pool, NULL), "file");
	PXT_CHECK_STR(pxt_media_upload_name(pool, "dir/"), "file");
	memset(big, 'x', sizeof(big));
	memcpy(big + 300, ".pdf", 5);
	n = pxt_media_upload_name(pool, big);
	PXT_CHECK(n != NULL && strlen(n) == 200 && strcmp(n + 196, ".pdf") == 0);
	/* a long name of 2-byte characters is cut on a character boundary */
	for (int i = 0; i < 300; i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	big[300] = '\0';
	n = pxt_media_upload_name(pool, big);
	PXT_CHECK(n != NULL && strlen(n) == 200 && (unsigned char)n[198] == 0xc3);
	pxt_media_store_set("/s/media");
	PXT_CHECK(pxt_media_upload_folder("/s/media/uploads/"
	    "0123456789abcdef0123456789abcdef/a b.pdf", dir, sizeof(dir)));
	PXT_CHECK_STR(dir, "/s/media/uploads/0123456789abcdef0123456789abcdef");
	PXT_CHECK(!pxt_media_upload_folder("/s/media/uploads/upload-x.pdf", dir,
	    sizeof(dir)));
	PXT_CHECK(!pxt_media_upload_folder("/s/media/gen/0123456789abcdef0123456789abcdef/"
	    "a", dir, sizeof(dir)));
	PXT_CHECK(!pxt_media_upload_folder("/s/media/uploads/"
	    "0123456789abcdef0123456789abcdef/x/y", dir, sizeof(dir)));
	pxt_media_store_set(NULL);
}

int
main(void)
{
	pxt_pool *pool = pxt_pool_new(0);

	check_builder(pool);
	check_json(pool);
	check_names(pool);
	pxt_pool_free(pool);
	return pxt_test_done();
}
