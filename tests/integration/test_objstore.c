/*
 * test_objstore.c - the driver of it_objstore.sh: pxtc's object-store client against
 * real local servers (tests/objstore/peers.sh: s3rver for S3 and for GCS through its
 * S3 API, azurite for Azure Blob), configured only through the environment the peers
 * script exports ([s3] access_key_id is S3_ACCESS_KEY_ID, and so on).
 *
 *   offline                  pxt_sigv4_presign against AWS's documented example;
 *                            pxt_obj_is_url and pxt_obj_parse, good and bad URLs
 *   store KIND PREFIX        the whole round on one store: KIND is s3, gcs, azure
 *                            (SharedKey) or azure-sas (only AZURE_SAS_TOKEN); PREFIX
 *                            an object URL prefix such as s3://pxt-media/run1
 *   put URL FILE             pxt_obj_put_file alone
 *   get URL FILE             pxt_obj_get_file alone
 *   presign URL METHOD TTL   pxt_obj_presign alone; prints the URL
 * Single operations print "OK ..." or "ERR <code> <msg>". Exit 0 when every check
 * passed, 1 otherwise, 2 for misuse. Presigned URLs are fetched with the curl program,
 * which knows nothing of pxtc's signing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pxt/pxt.h"
#include "pxt/os.h"
#include "pxt_test.h"
#include "media/objstore_int.h"

#define MAX_BYTES ((size_t)64 << 20)

static pxt_config *
load_config(void)
{
	pxt_config *cfg = NULL;

	if (pxt_config_load(NULL, &cfg) != PXT_OK) {
		fprintf(stderr, "config: %s\n", pxt_errmsg());
		exit(2);
	}
	return cfg;
}

/* ---- files ----------------------------------------------------------------- */

static void
write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		exit(2);
	}
}

static bool
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* same_file: both files exist and hold the same bytes */
static bool
same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	bool same = fa != NULL && fb != NULL;
	int ca, cb;

	while (same) {
		ca = getc(fa);
		cb = getc(fb);
		if (ca != cb)
			same = false;
		if (ca == EOF || cb == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

/* ---- the curl program -------------------------------------------------------- */

/*
 * curl_req runs `curl` for method on url, uploading the file upload (or nothing),
 * with one extra header hdr (or none), writing the answer to out (NULL: discarded).
 * Returns the HTTP status (0 when curl failed); the answer's Content-Type goes to
 * ctype when it is not NULL.
 */
static long
curl_req(const char *method, const char *url, const char *upload, const char *hdr,
    const char *out, char *ctype, size_t ctlen)
{
	const char *argv[20];
	int n = 0, fd[2], st;
	char buf[512];
	ssize_t got;
	size_t len = 0;
	long status = 0;
	pid_t pid;

	argv[n++] = "curl";
	argv[n++] = "-s";
	argv[n++] = "-g";
	argv[n++] = "-m";
	argv[n++] = "30";
	argv[n++] = "-o";
	argv[n++] = out ? out : "/dev/null";
	argv[n++] = "-w";
	argv[n++] = "%{http_code} %{content_type}";
	argv[n++] = "-X";
	argv[n++] = method;
	if (upload) {
		argv[n++] = "-T";
		argv[n++] = upload;
	}
	if (hdr) {
		argv[n++] = "-H";
		argv[n++] = hdr;
	}
	argv[n++] = "--";
	argv[n++] = url;
	argv[n] = NULL;
	if (pipe(fd) != 0)
		return 0;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return 0;
	if (pid == 0) {
		dup2(fd[1], STDOUT_FILENO);
		close(fd[0]);
		close(fd[1]);
		execvp("curl", (char *const *)argv);
		_exit(127);
	}
	close(fd[1]);
	while (len + 1 < sizeof(buf) &&
	    (got = read(fd[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)got;
	buf[len] = '\0';
	close(fd[0]);
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fprintf(stderr, "  curl %s: exit %d\n", method,
		    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	status = strtol(buf, NULL, 10);
	if (ctype) {
		const char *sp = strchr(buf, ' ');

		snprintf(ctype, ctlen, "%s", sp ? sp + 1 : "");
	}
	return status;
}

/*
 * tamper: a copy of url with one character of the signature after marker changed
 * (the first letter or digit, to another of the same kind, so hex stays hex).
 */
static char *
tamper(pxt_pool *pool, const char *url, const char *marker)
{
	const char *m = strstr(url, marker);
	size_t n = strlen(url);
	char *t = pxt_palloc(pool, n + 1);

	memcpy(t, url, n + 1);
	if (m == NULL)
		return t;
	for (char *p = t + (m - url) + strlen(marker); *p && *p != '&'; p++) {
		char c = *p;

		if ((c >= '0' && c <= '8') || (c >= 'a' && c <= 'e') || (c >= 'A' && c <= 'Y') ||
		    (c >= 'g' && c <= 'y')) {
			*p = (char)(c + 1);
			return t;
		}
		if (c == '9' || c == 'f' || c == 'Z' || c == 'z') {
			*p = (char)(c - 1);
			return t;
		}
	}
	return t;
}

/* ---- offline checks ---------------------------------------------------------- */

/* AWS's documented presigned URL (S3 API reference, "Authenticating Requests: Using
 * Query Parameters (AWS Signature Version 4)", the GET example) */
static void
check_sigv4_example(void)
{
	pxt_pool *pool = pxt_pool_new(0);
	const char *want_sig =
	    "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
	char *url = NULL, *url2 = NULL;
	pxt_err rc;

	rc = pxt_sigv4_presign(pool, "GET", "https://examplebucket.s3.amazonaws.com",
	    "/test.txt", "us-east-1", "AKIAIOSFODNN7EXAMPLE",
	    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", NULL, "20130524T000000Z", 86400, &url);
	PXT_CHECK_INT(rc, PXT_OK);
	if (url == NULL)
		url = "";
	PXT_CHECK(strncmp(url, "https://examplebucket.s3.amazonaws.com/test.txt?", 48) == 0);
	PXT_CHECK(strstr(url, "X-Amz-Algorithm=AWS4-HMAC-SHA256") != NULL);
	PXT_CHECK(strstr(url,
	    "X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request")
	    != NULL);
	PXT_CHECK(strstr(url, "X-Amz-Date=20130524T000000Z") != NULL);
	PXT_CHECK(strstr(url, "X-Amz-Expires=86400") != NULL);
	PXT_CHECK(strstr(url, "X-Amz-SignedHeaders=host") != NULL);
	PXT_CHECK(strstr(url, want_sig) != NULL);
	if (strstr(url, want_sig) == NULL)
		fprintf(stderr, "  presigned: %s\n", url);

	/* a session token is signed too: present, and the signature changes */
	rc = pxt_sigv4_presign(pool, "GET", "https://examplebucket.s3.amazonaws.com",
	    "/test.txt", "us-east-1", "AKIAIOSFODNN7EXAMPLE",
	    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "tok/en+1", "20130524T000000Z", 86400,
	    &url2);
	PXT_CHECK_INT(rc, PXT_OK);
	PXT_CHECK(url2 != NULL && strstr(url2, "X-Amz-Security-Token=tok%2Fen%2B1") != NULL);
	PXT_CHECK(url2 != NULL && strstr(url2, want_sig) == NULL);
	/* another method, another signature */
	rc = pxt_sigv4_presign(pool, "PUT", "https://examplebucket.s3.amazonaws.com",
	    "/test.txt", "us-east-1", "AKIAIOSFODNN7EXAMPLE",
	    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", NULL, "20130524T000000Z", 86400, &url2);
	PXT_CHECK_INT(rc, PXT_OK);
	PXT_CHECK(url2 != NULL && strstr(url2, want_sig) == NULL);
	pxt_pool_free(pool);
}

static void
check_parse(void)
{
	static const char *const bad[] = {
		"s3://UPPER/x", "s3://b/../x", "az://ab/x", "s3://pxt-media/../x",
		"s3://pxt-media/a/../x", "s3://pxt-media/a//b", "s3://pxt-media/a\001b",
		"s3://pxt_media/x", "gs://Pxt-gcs/x", "az://pxt.media/x", "az://PXT-media/x",
		"ftp://pxt-media/x", "s3:/pxt-media/x", "s3://pxt-media", "s3://pxt-media/",
		"s3://", "",
	};
	pxt_pool *pool = pxt_pool_new(0);
	pxt_obj_loc loc;
	char *longkey;
	pxt_err rc;

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		memset(&loc, 0, sizeof(loc));
		rc = pxt_obj_parse(pool, bad[i], false, &loc);
		PXT_CHECK_INT(rc, PXT_EINVAL);
		if (rc != PXT_EINVAL)
			fprintf(stderr, "  parse '%s': %s\n", bad[i], pxt_err_name(rc));
	}
	rc = pxt_obj_parse(pool, "s3://UPPER/x", false, &loc);
	PXT_CHECK(strstr(pxt_errmsg(), "s3://UPPER/x") != NULL);	/* names the URL */

	/* a key over 1024 bytes */
	longkey = pxt_palloc(pool, 1100);
	strcpy(longkey, "s3://pxt-media/");
	memset(longkey + 15, 'k', 1025);
	longkey[15 + 1025] = '\0';
	PXT_CHECK_INT(pxt_obj_parse(pool, longkey, false, &loc), PXT_EINVAL);
	longkey[15 + 1024] = '\0';
	PXT_CHECK_INT(pxt_obj_parse(pool, longkey, false, &loc), PXT_OK);

	PXT_CHECK_INT(pxt_obj_parse(pool, "s3://pxt-media/a/b c.txt", false, &loc), PXT_OK);
	PXT_CHECK(loc.kind == PXT_OBJ_S3);
	PXT_CHECK_STR(loc.bucket, "pxt-media");
	PXT_CHECK_STR(loc.key, "a/b c.txt");
	PXT_CHECK_INT(pxt_obj_parse(pool, "gs://pxt-gcs/k.bin", false, &loc), PXT_OK);
	PXT_CHECK(loc.kind == PXT_OBJ_GCS);
	PXT_CHECK_STR(loc.bucket, "pxt-gcs");
	PXT_CHECK_STR(loc.key, "k.bin");
	PXT_CHECK_INT(pxt_obj_parse(pool, "az://pxt-media/d/e.png", false, &loc), PXT_OK);
	PXT_CHECK(loc.kind == PXT_OBJ_AZURE);
	PXT_CHECK_STR(loc.bucket, "pxt-media");
	PXT_CHECK_STR(loc.key, "d/e.png");
	PXT_CHECK(loc.account == NULL);
	PXT_CHECK_INT(pxt_obj_parse(pool, "https://acct1.blob.core.windows.net/pxt-media/f.jpg",
	    false, &loc), PXT_OK);
	PXT_CHECK(loc.kind == PXT_OBJ_AZURE);
	PXT_CHECK_STR(loc.account, "acct1");
	PXT_CHECK_STR(loc.bucket, "pxt-media");
	PXT_CHECK_STR(loc.key, "f.jpg");
	/* a destination may name the bucket alone */
	PXT_CHECK_INT(pxt_obj_parse(pool, "s3://pxt-media", true, &loc), PXT_OK);
	PXT_CHECK_STR(loc.bucket, "pxt-media");
	PXT_CHECK(loc.key != NULL && loc.key[0] == '\0');
	PXT_CHECK_INT(pxt_obj_parse(pool, "s3://pxt-media/some/prefix/", true, &loc), PXT_OK);

	PXT_CHECK(pxt_obj_is_url("s3://pxt-media/x"));
	PXT_CHECK(pxt_obj_is_url("gs://pxt-gcs/x"));
	PXT_CHECK(pxt_obj_is_url("az://pxt-media/x"));
	PXT_CHECK(pxt_obj_is_url("https://acct1.blob.core.windows.net/c0n/x"));
	PXT_CHECK(!pxt_obj_is_url("https://example.com/x"));
	PXT_CHECK(!pxt_obj_is_url("https://blob.core.windows.net.example.com/c0n/x"));
	PXT_CHECK(!pxt_obj_is_url("/tmp/x"));
	PXT_CHECK(!pxt_obj_is_url(""));
	pxt_pool_free(pool);
}

/* ---- one store, all the way round -------------------------------------------- */

struct kind {
	const char *name;
	const char *secret_env;		/* the variable the wrong-secret case changes */
	const char *cred_env[2];	/* the variables the no-credentials case unsets */
	const char *sig_marker;		/* where a presigned URL carries its signature */
	const char *put_header;		/* what a presigned PUT must send */
	const char *missing_word;	/* a word of the no-credentials message */
	pxt_obj_kind kind;
	bool sas_only;			/* presigned URLs carry the configured token */
};

static const struct kind kinds[] = {
	{"s3", "S3_SECRET_ACCESS_KEY", {"S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"},
	    "X-Amz-Signature=", NULL, "S3_", PXT_OBJ_S3, false},
	{"gcs", "GCS_SECRET", {"GCS_ACCESS_KEY_ID", "GCS_SECRET"}, "X-Amz-Signature=", NULL,
	    "GCS_", PXT_OBJ_GCS, false},
	{"azure", "AZURE_ACCOUNT_KEY", {"AZURE_ACCOUNT_KEY", "AZURE_SAS_TOKEN"}, "sig=",
	    "x-ms-blob-type: BlockBlob", "AZURE_", PXT_OBJ_AZURE, false},
	{"azure-sas", "AZURE_SAS_TOKEN", {"AZURE_ACCOUNT_KEY", "AZURE_SAS_TOKEN"}, "sig=",
	    "x-ms-blob-type: BlockBlob", "AZURE_", PXT_OBJ_AZURE, true},
};

/* saved and restored values of the environment the store's cases change */
static char *
env_save(const char *name)
{
	const char *v = getenv(name);

	return v ? strdup(v) : NULL;
}

static void
env_restore(const char *name, char *saved)
{
	if (saved) {
		setenv(name, saved, 1);
		free(saved);
	} else {
		unsetenv(name);
	}
}

/* get_err: the download fails with want, leaves nothing at dest; returns the message */
static void
expect_get_err(const pxt_config *cfg, pxt_pool *pool, const char *url, const char *dest,
    size_t max, pxt_err want, const char *what)
{
	pxt_err rc = pxt_obj_get_file(cfg, pool, url, dest, max);

	PXT_CHECK_INT(rc, want);
	if (rc != want)
		fprintf(stderr, "  %s: get %s: %s %s\n", what, url, pxt_err_name(rc),
		    rc ? pxt_errmsg() : "");
	if (rc != PXT_OK) {
		/* a signed URL's query is a credential: never in a message */
		const char *msg = pxt_errmsg();

		PXT_CHECK(strstr(msg, "sig=") == NULL && strstr(msg, "X-Amz-") == NULL);
		if (strstr(msg, "sig=") != NULL || strstr(msg, "X-Amz-") != NULL)
			fprintf(stderr, "  %s: a signature in the message: %s\n", what, msg);
	}
	PXT_CHECK(!exists(dest));
	unlink(dest);
}

/* a presigned GET fetched by curl: status want; on 200 the bytes of local */
static void
fetch_presigned(pxt_pool *pool, const char *url, const char *local, long want,
    const char *want_ctype, const char *what)
{
	char out[] = "presigned.out", ctype[256];
	long st;

	(void)pool;
	unlink(out);
	st = curl_req("GET", url, NULL, NULL, out, ctype, sizeof(ctype));
	PXT_CHECK_INT(st, want);
	if (st != want) {
		FILE *f = fopen(out, "r");
		char body[600] = "";

		if (f) {
			body[fread(body, 1, sizeof(body) - 1, f)] = '\0';
			fclose(f);
		}
		fprintf(stderr, "  %s: presigned GET -> %ld, expected %ld: %s\n", what, st, want,
		    body);
	}
	if (want == 200 && st == 200) {
		PXT_CHECK(same_file(local, out));
		if (want_ctype) {
			PXT_CHECK(strncmp(ctype, want_ctype, strlen(want_ctype)) == 0);
			if (strncmp(ctype, want_ctype, strlen(want_ctype)) != 0)
				fprintf(stderr, "  %s: Content-Type '%s', expected '%s'\n", what,
				    ctype, want_ctype);
		}
	}
	unlink(out);
}

static int
cmd_store(const char *name, const char *prefix)
{
	const struct kind *k = NULL;
	pxt_pool *pool = pxt_pool_new(0);
	pxt_config *cfg;
	char bin[] = "local.bin", txt[] = "local.txt", dest[] = "got.tmp";
	char *u_bin, *u_txt, *u_png, *u_odd, *u_put, *u_none, *url = NULL;
	unsigned char data[300000];
	unsigned seed = 12345;
	pxt_err rc;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++)
		if (strcmp(kinds[i].name, name) == 0)
			k = &kinds[i];
	if (k == NULL)
		return 2;
	for (size_t i = 0; i < sizeof(data); i++) {
		seed = seed * 1103515245u + 12345u;
		data[i] = (unsigned char)(i < 256 ? i : seed >> 16);
	}
	write_file(bin, data, sizeof(data));
	write_file(txt, "hello from an object store\n", 27);
	u_bin = pxt_psprintf(pool, "%s/media/data.bin", prefix);
	u_txt = pxt_psprintf(pool, "%s/media/note.txt", prefix);
	u_png = pxt_psprintf(pool, "%s/media/typed.dat", prefix);
	u_odd = pxt_psprintf(pool, "%s/odd name/a b+c=d&e~g (1).txt", prefix);
	u_put = pxt_psprintf(pool, "%s/media/by-presigned-put.bin", prefix);
	u_none = pxt_psprintf(pool, "%s/media/never-written.bin", prefix);
	unlink(dest);
	cfg = load_config();

	PXT_CHECK_INT(pxt_obj_check_config(cfg, k->kind), PXT_OK);

	/* --- put, then get back byte for byte ------------------------------------- */
	rc = pxt_obj_put_file(cfg, pool, u_bin, bin, NULL);
	PXT_CHECK_INT(rc, PXT_OK);
	if (rc != PXT_OK)
		fprintf(stderr, "  put %s: %s %s\n", u_bin, pxt_err_name(rc), pxt_errmsg());
	rc = pxt_obj_get_file(cfg, pool, u_bin, dest, MAX_BYTES);
	PXT_CHECK_INT(rc, PXT_OK);
	if (rc != PXT_OK)
		fprintf(stderr, "  get %s: %s %s\n", u_bin, pxt_err_name(rc), pxt_errmsg());
	PXT_CHECK(same_file(bin, dest));
	unlink(dest);
	/* over max_bytes: refused, nothing left */
	expect_get_err(cfg, pool, u_bin, dest, 1000, PXT_ETOOLARGE, "max_bytes");
	/* the content type: by the extension, or as given */
	PXT_CHECK_INT(pxt_obj_put_file(cfg, pool, u_txt, txt, NULL), PXT_OK);
	PXT_CHECK_INT(pxt_obj_put_file(cfg, pool, u_png, bin, "image/png"), PXT_OK);
	/* a key with characters that URL-encoding must get right */
	rc = pxt_obj_put_file(cfg, pool, u_odd, txt, NULL);
	PXT_CHECK_INT(rc, PXT_OK);
	if (rc != PXT_OK)
		fprintf(stderr, "  put %s: %s %s\n", u_odd, pxt_err_name(rc), pxt_errmsg());
	rc = pxt_obj_get_file(cfg, pool, u_odd, dest, MAX_BYTES);
	PXT_CHECK_INT(rc, PXT_OK);
	if (rc != PXT_OK)
		fprintf(stderr, "  get %s: %s %s\n", u_odd, pxt_err_name(rc), pxt_errmsg());
	PXT_CHECK(same_file(txt, dest));
	unlink(dest);
	/* a local file that is not there */
	PXT_CHECK_INT(pxt_obj_put_file(cfg, pool, u_none, "no-such-file.bin", NULL),
	    PXT_ENOTFOUND);

	/* --- presigned GET: the bytes; a changed signature or an expired URL: 403 ---- */
	rc = pxt_obj_presign(cfg, pool, u_bin, "GET", 300, &url);
	PXT_CHECK_INT(rc, PXT_OK);
	if (rc == PXT_OK && url != NULL) {
		PXT_CHECK(strncmp(url, "http://127.0.0.1:", 17) == 0);
		fetch_presigned(pool, url, bin, 200, NULL, "presigned");
		PXT_CHECK(strstr(url, k->sig_marker) != NULL);
		fetch_presigned(pool, tamper(pool, url, k->sig_marker), bin, 403, NULL, "tampered");
	} else {
		fprintf(stderr, "  presign %s: %s %s\n", u_bin, pxt_err_name(rc), pxt_errmsg());
	}
	url = NULL;
	if (pxt_obj_presign(cfg, pool, u_txt, "GET", 60, &url) == PXT_OK)
		fetch_presigned(pool, url, txt, 200, "text/plain", "by extension");
	else
		PXT_CHECK(!"presign note.txt");
	url = NULL;
	if (pxt_obj_presign(cfg, pool, u_png, "GET", 60, &url) == PXT_OK)
		fetch_presigned(pool, url, bin, 200, "image/png", "as given");
	else
		PXT_CHECK(!"presign typed.dat");
	url = NULL;
	if (pxt_obj_presign(cfg, pool, u_odd, "GET", 60, &url) == PXT_OK)
		fetch_presigned(pool, url, txt, 200, NULL, "odd key");
	else
		PXT_CHECK(!"presign odd key");
	if (!k->sas_only) {
		/* (with only a SAS token the URL carries the token, valid as long as it is) */
		url = NULL;
		rc = pxt_obj_presign(cfg, pool, u_bin, "GET", 1, &url);
		PXT_CHECK_INT(rc, PXT_OK);
		if (rc == PXT_OK) {
			sleep(2);
			fetch_presigned(pool, url, bin, 403, NULL, "expired");
		}
	}
	PXT_CHECK_INT(pxt_obj_presign(cfg, pool, u_bin, "GET", 0, &url), PXT_EINVAL);
	PXT_CHECK_INT(pxt_obj_presign(cfg, pool, u_bin, "GET", 604801, &url), PXT_EINVAL);
	PXT_CHECK_INT(pxt_obj_presign(cfg, pool, u_bin, "POST", 60, &url), PXT_EINVAL);
	/* a presigned PUT lets curl upload; the client reads the object back */
	url = NULL;
	rc = pxt_obj_presign(cfg, pool, u_put, "PUT", 60, &url);
	PXT_CHECK_INT(rc, PXT_OK);
	if (rc == PXT_OK) {
		long st = curl_req("PUT", url, bin, k->put_header, NULL, NULL, 0);

		PXT_CHECK(st == 200 || st == 201);
		if (st != 200 && st != 201)
			fprintf(stderr, "  presigned PUT -> %ld\n", st);
		PXT_CHECK_INT(pxt_obj_get_file(cfg, pool, u_put, dest, MAX_BYTES), PXT_OK);
		PXT_CHECK(same_file(bin, dest));
		unlink(dest);
		st = curl_req("PUT", tamper(pool, url, k->sig_marker), txt, k->put_header, NULL,
		    NULL, 0);
		PXT_CHECK_INT(st, 403);
	}

	/* --- delete: then the object is gone, and deleting again is fine ------------ */
	rc = pxt_obj_delete(cfg, pool, u_put);
	PXT_CHECK_INT(rc, PXT_OK);
	if (rc != PXT_OK)
		fprintf(stderr, "  delete %s: %s %s\n", u_put, pxt_err_name(rc), pxt_errmsg());
	expect_get_err(cfg, pool, u_put, dest, MAX_BYTES, PXT_ENOTFOUND, "deleted");
	rc = pxt_obj_delete(cfg, pool, u_put);
	PXT_CHECK_INT(rc, PXT_OK);
	if (rc != PXT_OK)
		fprintf(stderr, "  delete again %s: %s %s\n", u_put, pxt_err_name(rc),
		    pxt_errmsg());
	expect_get_err(cfg, pool, u_none, dest, MAX_BYTES, PXT_ENOTFOUND, "never written");
	PXT_CHECK_INT(pxt_obj_delete(cfg, pool, u_none), PXT_OK);
	pxt_config_free(cfg);

	/* --- a wrong secret: the store refuses, the message keeps the secret --------- */
	{
		char *saved = env_save(k->secret_env);
		const char *wrong;

		if (k->sas_only) {
			/* the same token with its signature changed */
			wrong = tamper(pool, saved ? saved : "", "sig=");
		} else if (k->kind == PXT_OBJ_AZURE) {
			wrong = "V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5"
			    "V3JvbmdLZXk=";
		} else {
			wrong = "wrongSecretZq81xWv";
		}
		setenv(k->secret_env, wrong, 1);
		cfg = load_config();
		rc = pxt_obj_put_file(cfg, pool, u_txt, txt, NULL);
		PXT_CHECK_INT(rc, PXT_EUPSTREAM);
		{
			const char *msg = pxt_errmsg();
			const char *sig = strstr(wrong, "sig=");

			PXT_CHECK(strstr(msg, "403") != NULL);
			PXT_CHECK(strstr(msg, wrong) == NULL);
			PXT_CHECK(sig == NULL || strstr(msg, sig) == NULL);
			if (k->kind != PXT_OBJ_AZURE)
				PXT_CHECK(strstr(msg, "SignatureDoesNotMatch") != NULL);
			fprintf(stderr, "  (wrong secret, put: %s)\n", msg);
		}
		expect_get_err(cfg, pool, u_bin, dest, MAX_BYTES, PXT_EUPSTREAM, "wrong secret");
		PXT_CHECK(strstr(pxt_errmsg(), wrong) == NULL);
		rc = pxt_obj_delete(cfg, pool, u_bin);
		PXT_CHECK_INT(rc, PXT_EUPSTREAM);
		PXT_CHECK(strstr(pxt_errmsg(), wrong) == NULL);
		pxt_config_free(cfg);
		env_restore(k->secret_env, saved);
	}

	/* --- no credentials: a configuration error, before any request -------------- */
	{
		char *s0 = env_save(k->cred_env[0]), *s1 = env_save(k->cred_env[1]);

		unsetenv(k->cred_env[0]);
		unsetenv(k->cred_env[1]);
		cfg = load_config();
		rc = pxt_obj_check_config(cfg, k->kind);
		PXT_CHECK_INT(rc, PXT_ECONFIG);
		PXT_CHECK(strstr(pxt_errmsg(), k->missing_word) != NULL);
		if (rc != PXT_OK)
			fprintf(stderr, "  (no credentials: %s)\n", pxt_errmsg());
		PXT_CHECK_INT(pxt_obj_put_file(cfg, pool, u_txt, txt, NULL), PXT_ECONFIG);
		expect_get_err(cfg, pool, u_bin, dest, MAX_BYTES, PXT_ECONFIG, "no credentials");
		PXT_CHECK_INT(pxt_obj_delete(cfg, pool, u_bin), PXT_ECONFIG);
		PXT_CHECK_INT(pxt_obj_presign(cfg, pool, u_bin, "GET", 60, &url), PXT_ECONFIG);
		pxt_config_free(cfg);
		env_restore(k->cred_env[0], s0);
		env_restore(k->cred_env[1], s1);
	}

	/* the objects the wrong secret could not delete are still there */
	cfg = load_config();
	PXT_CHECK_INT(pxt_obj_get_file(cfg, pool, u_bin, dest, MAX_BYTES), PXT_OK);
	PXT_CHECK(same_file(bin, dest));
	unlink(dest);
	pxt_config_free(cfg);
	unlink(bin);
	unlink(txt);
	pxt_pool_free(pool);
	printf("%s: ", name);
	return pxt_test_done();
}

/* ---- single operations ------------------------------------------------------- */

static int
report(pxt_err rc, const char *what)
{
	if (rc == PXT_OK)
		printf("OK %s\n", what);
	else
		printf("ERR %s %s\n", pxt_err_name(rc), pxt_errmsg());
	return rc == PXT_OK ? 0 : 1;
}

int
main(int argc, char **argv)
{
	pxt_config *cfg;
	pxt_pool *pool;
	char *url = NULL;
	int ret = 2;

	if (argc == 2 && strcmp(argv[1], "offline") == 0) {
		check_sigv4_example();
		check_parse();
		printf("offline: ");
		return pxt_test_done();
	}
	if (argc == 4 && strcmp(argv[1], "store") == 0)
		return cmd_store(argv[2], argv[3]);
	if (argc < 4)
		return 2;
	cfg = load_config();
	pool = pxt_pool_new(0);
	if (strcmp(argv[1], "put") == 0 && argc == 4)
		ret = report(pxt_obj_put_file(cfg, pool, argv[2], argv[3], NULL), argv[2]);
	else if (strcmp(argv[1], "get") == 0 && argc == 4)
		ret = report(pxt_obj_get_file(cfg, pool, argv[2], argv[3], MAX_BYTES), argv[3]);
	else if (strcmp(argv[1], "presign") == 0 && argc == 5) {
		pxt_err rc = pxt_obj_presign(cfg, pool, argv[2], argv[3], atol(argv[4]), &url);

		ret = report(rc, rc == PXT_OK ? url : "");
	}
	pxt_pool_free(pool);
	pxt_config_free(cfg);
	return ret;
}
