/*
 * http_client.c - the one libcurl easy handle of pxtc's HTTP client: how a
 * struct pxt_net_req becomes libcurl options, the callbacks that apply the address
 * guard (addr_guard.c), stream the request body from a file and the answer to its
 * sink within max_bytes, and how one transfer's end is classified. http_send.c drives
 * it (attempts, retries, messages); see pxt_net_send in net_int.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "net/http_client_int.h"

static pthread_once_t pxt_net_once = PTHREAD_ONCE_INIT;
static CURLcode pxt_net_init_rc;

static void
pxt_net_init(void)
{
	pxt_net_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

pxt_err
pxt_net_ready(void)
{
	pthread_once(&pxt_net_once, pxt_net_init);
	if (pxt_net_init_rc != CURLE_OK)
		return pxt_seterr(PXT_EINTERNAL, "libcurl failed to initialize: %s",
		    curl_easy_strerror(pxt_net_init_rc));
	return PXT_OK;
}

void
pxt_net_url_redacted(const char *url, char *out, size_t outlen)
{
	CURLU *h = curl_url();
	char *s = NULL;

	snprintf(out, outlen, "<malformed URL>");
	if (h == NULL)
		return;
	if (curl_url_set(h, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    curl_url_set(h, CURLUPART_USER, NULL, 0) == CURLUE_OK &&
	    curl_url_set(h, CURLUPART_PASSWORD, NULL, 0) == CURLUE_OK &&
	    curl_url_set(h, CURLUPART_OPTIONS, NULL, 0) == CURLUE_OK &&
	    curl_url_set(h, CURLUPART_QUERY, NULL, 0) == CURLUE_OK &&
	    curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_URL, &s, 0) == CURLUE_OK)
		snprintf(out, outlen, "%s", s);
	curl_free(s);
	curl_url_cleanup(h);
}

pxt_err
pxt_net_header(pxt_pool *pool, struct pxt_net_req *req, const char *name,
    const char *value)
{
	size_t n = 0;

	while (n < PXT_NET_HEADERS_MAX && req->headers[n] != NULL)
		n++;
	if (n == PXT_NET_HEADERS_MAX)
		return pxt_seterr(PXT_EINVAL, "more than %d headers on one request",
		    PXT_NET_HEADERS_MAX);
	if ((req->headers[n] = pxt_psprintf(pool, "%s: %s", name, value)) == NULL)
		return pxt_seterr(PXT_ENOMEM, "out of memory");
	req->headers[n + 1] = NULL;
	return PXT_OK;
}

/* CURLOPT_OPENSOCKETFUNCTION: the address guard, on every connection of every hop. */
static curl_socket_t
pxt_net_opensocket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct pxt_net_xfer *x = ud;
	const char *allow = x->req->allow_addr;
	char ip[64], hostport[96];
	const char *why;
	bool inet = a->family == AF_INET || a->family == AF_INET6;

	(void)purpose;
	why = pxt_net_addr_refusal(&a->addr, a->addrlen, ip, sizeof(ip), hostport,
	    sizeof(hostport));
	if (!inet || (why != NULL && !x->allow_private &&
	    !(allow != NULL && strcmp(allow, hostport) == 0))) {
		x->refused = true;
		x->res->refused_why = why ? why : "not an internet address";
		snprintf(x->res->refused_ip, sizeof(x->res->refused_ip), "%s", ip);
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* Writes all n bytes to fd; false (errno in res->sys_errno) when it cannot. */
static bool
pxt_net_write_fd(struct pxt_net_xfer *x, const char *data, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(x->req->fd, data + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			x->res->sys_errno = w < 0 ? errno : EIO;
			return false;
		}
		done += (size_t)w;
	}
	return true;
}

/*
 * CURLOPT_WRITEFUNCTION: an answer >= 300 into res->error_body (its first bytes; the
 * rest is read and dropped), any other into the sink within max_bytes.
 */
static size_t
pxt_net_write(char *data, size_t size, size_t nmemb, void *ud)
{
	struct pxt_net_xfer *x = ud;
	const struct pxt_net_req *q = x->req;
	pxt_buf *eb = &x->res->error_body;
	size_t n = size * nmemb;
	long status = 0;
	pxt_err rc;

	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 300) {
		size_t room = PXT_NET_ERROR_BODY_MAX - eb->len;

		if (pxt_buf_add(eb, data, n < room ? n : room) != 0) {
			x->nomem = true;
			return 0;
		}
		return n;
	}
	if (q->max_bytes > 0 && n > q->max_bytes - x->res->received) {
		x->too_large = true;
		return 0;
	}
	switch (q->sink) {
	case PXT_NET_TO_BUF:
		if (pxt_buf_add(q->buf, data, n) != 0) {
			x->nomem = true;
			return 0;
		}
		break;
	case PXT_NET_TO_FD:
		if (!pxt_net_write_fd(x, data, n)) {
			x->sink_rc = x->res->sys_errno == ENOSPC ||
			    x->res->sys_errno == EDQUOT ? PXT_ESTORAGE : PXT_EIO;
			return 0;
		}
		break;
	case PXT_NET_TO_FN:
		if ((rc = q->fn(q->ud, data, n)) != PXT_OK) {
			x->sink_rc = rc;
			return 0;
		}
		break;
	case PXT_NET_DISCARD:
		break;
	}
	x->res->received += n;
	return n;
}

/* CURLOPT_READFUNCTION: the body file, read as libcurl asks. */
static size_t
pxt_net_read(char *buf, size_t size, size_t nitems, void *ud)
{
	struct pxt_net_xfer *x = ud;
	ssize_t n;

	do
		n = read(x->body_fd, buf, size * nitems);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		x->res->sys_errno = errno;
		x->body_failed = true;
		return CURL_READFUNC_ABORT;
	}
	return (size_t)n;
}

/* One option, unless an earlier one failed (e is the first failure). */
#define PXT_NET_OPT(opt, val) if (e == CURLE_OK) e = curl_easy_setopt(c, opt, val)

/* The request's method and body: a file (upload), memory (post fields) or none. */
static CURLcode
pxt_net_setup_body(CURL *c, struct pxt_net_xfer *x)
{
	const struct pxt_net_req *q = x->req;
	const char *m = q->method, *implied = "GET";
	CURLcode e = CURLE_OK;

	if (x->body_fd >= 0) {
		implied = "PUT";
		PXT_NET_OPT(CURLOPT_UPLOAD, 1L);
		PXT_NET_OPT(CURLOPT_READFUNCTION, pxt_net_read);
		PXT_NET_OPT(CURLOPT_READDATA, x);
		PXT_NET_OPT(CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->body_size);
	} else if (q->body != NULL) {
		implied = "POST";
		PXT_NET_OPT(CURLOPT_POSTFIELDS, q->body);
		PXT_NET_OPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
	} else if (m != NULL && strcmp(m, "HEAD") == 0) {
		implied = "HEAD";
		PXT_NET_OPT(CURLOPT_NOBODY, 1L);
	}
	if (m != NULL && strcmp(m, implied) != 0)
		PXT_NET_OPT(CURLOPT_CUSTOMREQUEST, m);
	return e;
}

CURLcode
pxt_net_setup(CURL *c, struct pxt_net_xfer *x, struct curl_slist *headers,
    char *errbuf)
{
	const struct pxt_net_req *q = x->req;
	CURLcode e = CURLE_OK;

	PXT_NET_OPT(CURLOPT_URL, q->url);
	PXT_NET_OPT(CURLOPT_ERRORBUFFER, errbuf);
	PXT_NET_OPT(CURLOPT_NOSIGNAL, 1L);
	PXT_NET_OPT(CURLOPT_PROTOCOLS_STR, "http,https");
	if (q->max_redirects > 0) {
		PXT_NET_OPT(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
		PXT_NET_OPT(CURLOPT_FOLLOWLOCATION, 1L);
		PXT_NET_OPT(CURLOPT_MAXREDIRS, (long)q->max_redirects);
	}
	if (q->low_speed_bytes > 0) {
		PXT_NET_OPT(CURLOPT_LOW_SPEED_LIMIT, q->low_speed_bytes);
		PXT_NET_OPT(CURLOPT_LOW_SPEED_TIME, q->low_speed_s);
	}
	PXT_NET_OPT(CURLOPT_SSL_VERIFYPEER, 1L);
	PXT_NET_OPT(CURLOPT_SSL_VERIFYHOST, 2L);
	/* the guard must see the real peer, not a proxy */
	if (!q->use_env_proxy || !x->allow_private)
		PXT_NET_OPT(CURLOPT_PROXY, "");
	if (q->fail_on_error)
		PXT_NET_OPT(CURLOPT_FAILONERROR, 1L);
	PXT_NET_OPT(CURLOPT_USERAGENT, q->agent ? q->agent : "pxtc/0.1");
	if (headers != NULL)
		PXT_NET_OPT(CURLOPT_HTTPHEADER, headers);
	PXT_NET_OPT(CURLOPT_OPENSOCKETFUNCTION, pxt_net_opensocket);
	PXT_NET_OPT(CURLOPT_OPENSOCKETDATA, x);
	PXT_NET_OPT(CURLOPT_WRITEFUNCTION, pxt_net_write);
	PXT_NET_OPT(CURLOPT_WRITEDATA, x);
	if (q->max_bytes > 0)
		PXT_NET_OPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)q->max_bytes);
	return e == CURLE_OK ? pxt_net_setup_body(c, x) : e;
}
#undef PXT_NET_OPT

enum pxt_net_outcome
pxt_net_perform(CURL *c, struct pxt_net_xfer *x, long left_ms, char *errbuf)
{
	long conn = x->req->connect_timeout_ms > 0 ? x->req->connect_timeout_ms : 10000;
	struct pxt_net_res *res = x->res;
	curl_off_t retry = -1;
	CURLcode e;

	errbuf[0] = res->detail[0] = '\0';
	x->refused = x->too_large = x->nomem = x->body_failed = false;
	x->sink_rc = PXT_OK;
	if ((e = curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, left_ms)) == CURLE_OK)
		e = curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, conn < left_ms ? conn :
		    left_ms);
	if (e == CURLE_OK)
		e = curl_easy_perform(c);
	res->status = 0;
	res->retry_after_s = -1;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->status);
	if (res->status != 0 && curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &retry) ==
	    CURLE_OK && retry >= 0)
		res->retry_after_s = retry > 86400 ? 86400 : (long)retry;
	if (e != CURLE_OK)
		snprintf(res->detail, sizeof(res->detail), "%s", errbuf[0] ? errbuf :
		    curl_easy_strerror(e));
	/* a refused address fails the connection (another address may have worked) */
	if (x->refused && e == CURLE_COULDNT_CONNECT)
		return PXT_NET_REFUSED;
	if (x->too_large || e == CURLE_FILESIZE_EXCEEDED)
		return PXT_NET_TOO_LARGE;
	if (x->nomem || e == CURLE_OUT_OF_MEMORY)
		return PXT_NET_NOMEM;
	if (x->sink_rc != PXT_OK)
		return PXT_NET_SINK_FAILED;
	if (x->body_failed || e == CURLE_READ_ERROR || e == CURLE_ABORTED_BY_CALLBACK)
		return PXT_NET_BODY_FAILED;
	switch (e) {
	case CURLE_OK:
	case CURLE_HTTP_RETURNED_ERROR:
		return PXT_NET_ANSWERED;
	case CURLE_OPERATION_TIMEDOUT:
		return PXT_NET_TIMEOUT;
	case CURLE_TOO_MANY_REDIRECTS:
		return PXT_NET_REDIRECTS;
	case CURLE_UNSUPPORTED_PROTOCOL:
		return PXT_NET_BAD_SCHEME;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return PXT_NET_UNREACHABLE;
	default:
		return PXT_NET_FAILED;
	}
}
