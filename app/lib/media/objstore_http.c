/*
 * objstore_http.c - one request to an object store with libcurl (see pxt_obj_http in
 * objstore_req_int.h): a file streamed as the body of a PUT, the answer's error code
 * picked out of its XML body.
 *
 * The endpoint is the operator's configuration, not a user's input, so the
 * connection is not put through the private-address check URL fetching uses.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "media/file_cache_int.h"
#include "media/objstore_req_int.h"

#define PXT_OBJ_BODY_MAX 4096

/* The answer's body, kept up to PXT_OBJ_BODY_MAX bytes (error documents are small). */
struct pxt_obj_body {
	char data[PXT_OBJ_BODY_MAX + 1];
	size_t len;
};

static size_t
pxt_obj_body_write(char *data, size_t size, size_t nmemb, void *ud)
{
	struct pxt_obj_body *b = ud;
	size_t n = size * nmemb, room = PXT_OBJ_BODY_MAX - b->len;

	memcpy(b->data + b->len, data, n < room ? n : room);
	b->len += n < room ? n : room;
	b->data[b->len] = '\0';
	return n;
}

/* CURLOPT_READFUNCTION: the upload file, read as libcurl asks. */
static size_t
pxt_obj_body_read(char *buf, size_t size, size_t nitems, void *ud)
{
	int fd = *(int *)ud;
	ssize_t n;

	do
		n = read(fd, buf, size * nitems);
	while (n < 0 && errno == EINTR);
	return n < 0 ? CURL_READFUNC_ABORT : (size_t)n;
}

/* Copies the text of the first <Code>...</Code> of body into code. */
static void
pxt_obj_error_code(const char *body, char *code, size_t codelen)
{
	const char *s = strstr(body, "<Code>"), *e;

	code[0] = '\0';
	if (s == NULL || (e = strstr(s + 6, "</Code>")) == NULL)
		return;
	s += 6;
	snprintf(code, codelen, "%.*s", (int)(e - s < 128 ? e - s : 128), s);
}

pxt_err
pxt_obj_http(const struct pxt_obj_req *req, long *status, char *code, size_t codelen)
{
	struct pxt_obj_body *body = calloc(1, sizeof(*body));
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *c = NULL;
	CURLcode e = CURLE_OK;
	struct stat st;
	int fd = -1;
	pxt_err rc = PXT_OK;

	*status = 0;
	code[0] = '\0';
	if (body == NULL)
		return pxt_seterr(PXT_ENOMEM, "out of memory calling the object store");
	if ((rc = pxt_curl_ready()) != PXT_OK) {
		free(body);
		return rc;
	}
	if (req->upload_path != NULL &&
	    ((fd = open(req->upload_path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0)) {
		rc = pxt_seterr(errno == ENOENT ? PXT_ENOTFOUND : PXT_EIO, "cannot upload "
		    "%s to %s: %s", req->upload_path, req->shown, strerror(errno));
		goto out;
	}
	if ((c = curl_easy_init()) == NULL) {
		rc = pxt_seterr(PXT_ENOMEM, "out of memory calling the object store");
		goto out;
	}
#define PXT_SET(opt, val) if (e == CURLE_OK) e = curl_easy_setopt(c, opt, val)
	PXT_SET(CURLOPT_URL, req->url);
	PXT_SET(CURLOPT_ERRORBUFFER, errbuf);
	PXT_SET(CURLOPT_NOSIGNAL, 1L);
	PXT_SET(CURLOPT_PROTOCOLS_STR, "http,https");
	PXT_SET(CURLOPT_TIMEOUT, req->timeout_s > 0 ? req->timeout_s : 60L);
	PXT_SET(CURLOPT_CONNECTTIMEOUT, 10L);
	PXT_SET(CURLOPT_SSL_VERIFYPEER, 1L);
	PXT_SET(CURLOPT_SSL_VERIFYHOST, 2L);
	PXT_SET(CURLOPT_USERAGENT, "pxtc/0.1 (media store)");
	PXT_SET(CURLOPT_HTTPHEADER, req->headers);
	PXT_SET(CURLOPT_WRITEFUNCTION, pxt_obj_body_write);
	PXT_SET(CURLOPT_WRITEDATA, body);
	if (fd >= 0) {
		PXT_SET(CURLOPT_UPLOAD, 1L);
		PXT_SET(CURLOPT_READFUNCTION, pxt_obj_body_read);
		PXT_SET(CURLOPT_READDATA, &fd);
		PXT_SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)st.st_size);
	} else if (strcmp(req->method, "HEAD") == 0) {
		PXT_SET(CURLOPT_NOBODY, 1L);
	} else {
		PXT_SET(CURLOPT_CUSTOMREQUEST, req->method);
	}
#undef PXT_SET
	if (e != CURLE_OK) {
		rc = pxt_seterr(PXT_EINTERNAL, "libcurl refused an option: %s",
		    curl_easy_strerror(e));
		goto out;
	}
	e = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (e == CURLE_OPERATION_TIMEDOUT)
		rc = pxt_seterr(PXT_ETIMEOUT, "object store: %s %s timed out", req->method,
		    req->shown);
	else if (e == CURLE_ABORTED_BY_CALLBACK || e == CURLE_READ_ERROR)
		rc = pxt_seterr(PXT_EIO, "object store: reading %s for %s failed",
		    req->upload_path ? req->upload_path : "the body", req->shown);
	else if (e != CURLE_OK && *status == 0)
		rc = pxt_seterr(PXT_EUPSTREAM, "object store: %s %s: %s", req->method,
		    req->shown, errbuf[0] ? errbuf : curl_easy_strerror(e));
	else if (*status >= 300)
		pxt_obj_error_code(body->data, code, codelen);
out:
	if (fd >= 0)
		close(fd);
	curl_easy_cleanup(c);
	free(body);
	return rc;
}
