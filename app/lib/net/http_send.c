/*
 * http_send.c - pxt_net_send (see net_int.h): a request made on http_client.c's easy
 * handle, tried again on 429 and 503 as Retry-After says, all within one time limit,
 * and the message of a request that got no answer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pxt/os.h"
#include "net/http_client_int.h"

#define PXT_NET_TIMEOUT_MS 60000	/* timeout_ms when 0 */
#define PXT_NET_WAIT_MAX_MS 10000	/* retry_wait_max_ms when 0 */

void
pxt_net_res_free(struct pxt_net_res *res)
{
	pxt_buf_free(&res->error_body);
}

/* The header list of q (NULL when none): its lines and the bearer token. */
static pxt_err
pxt_net_headers(const struct pxt_net_req *q, struct curl_slist **out)
{
	struct curl_slist *h = NULL, *n = NULL;
	pxt_buf auth = PXT_BUF_INIT;

	*out = NULL;
	for (size_t i = 0; i < PXT_NET_HEADERS_MAX && q->headers[i] != NULL; i++) {
		if ((n = curl_slist_append(h, q->headers[i])) == NULL)
			goto nomem;
		h = n;
	}
	if (q->bearer != NULL) {
		pxt_buf_addf(&auth, "Authorization: Bearer %s", q->bearer);
		n = auth.failed ? NULL : curl_slist_append(h, auth.data);
		if (auth.data != NULL)
			explicit_bzero(auth.data, auth.len);
		pxt_buf_free(&auth);
		if (n == NULL)
			goto nomem;
		h = n;
	}
	*out = h;
	return PXT_OK;
nomem:
	curl_slist_free_all(h);
	return pxt_seterr(PXT_ENOMEM, "out of memory");
}

/* Opens q->body_path into x (nothing to do without one). */
static pxt_err
pxt_net_open_body(const struct pxt_net_req *q, struct pxt_net_xfer *x, const char *shown)
{
	struct stat st;
	int err;

	if (q->body_path == NULL)
		return PXT_OK;
	if ((x->body_fd = open(q->body_path, O_RDONLY | O_CLOEXEC)) >= 0 &&
	    fstat(x->body_fd, &st) == 0) {
		x->body_size = st.st_size;
		return PXT_OK;
	}
	err = errno;
	x->res->sys_errno = err;
	x->res->outcome = PXT_NET_BODY_FAILED;
	return pxt_seterr(err == ENOENT ? PXT_ENOTFOUND : PXT_EIO, "cannot upload %s to "
	    "%s: %s", q->body_path, shown, strerror(err));
}

/* The failure of a request that got no answer, by x->res->outcome. */
static pxt_err
pxt_net_fail(const struct pxt_net_xfer *x, const char *shown, long limit_ms)
{
	const struct pxt_net_req *q = x->req;
	const struct pxt_net_res *r = x->res;

	switch (r->outcome) {
	case PXT_NET_REFUSED:
		return pxt_seterr(PXT_EPERM, "refusing to connect to %s: %s is %s; set "
		    "[pixeltable] fetch_allow_private to allow it", shown, r->refused_ip,
		    r->refused_why);
	case PXT_NET_TOO_LARGE:
		return pxt_seterr(PXT_ETOOLARGE, "%s answered more than %zu bytes", shown,
		    q->max_bytes);
	case PXT_NET_SINK_FAILED:
		/* a receiver function set its own message */
		return q->sink == PXT_NET_TO_FN ? x->sink_rc : pxt_seterr(x->sink_rc,
		    "writing the answer of %s: %s", shown, strerror(r->sys_errno));
	case PXT_NET_BODY_FAILED:
		return pxt_seterr(PXT_EIO, "reading %s for %s failed", q->body_path ?
		    q->body_path : "the body", shown);
	case PXT_NET_TIMEOUT:
		return pxt_seterr(PXT_ETIMEOUT, "%s did not answer within %ld ms", shown,
		    limit_ms);
	case PXT_NET_REDIRECTS:
		return pxt_seterr(PXT_EUPSTREAM, "%s: more than %d redirects", shown,
		    q->max_redirects);
	case PXT_NET_BAD_SCHEME:
		return pxt_seterr(PXT_EUPSTREAM, "%s redirected to a URL that is not http "
		    "or https", shown);
	case PXT_NET_UNREACHABLE:
		return pxt_seterr(PXT_EUNAVAIL, "cannot reach %s: %s", shown, r->detail);
	case PXT_NET_NOMEM:
		return pxt_seterr(PXT_ENOMEM, "out of memory calling %s", shown);
	default:
		return pxt_seterr(PXT_EUPSTREAM, "%s: %s", shown, r->detail);
	}
}

/*
 * How long to wait before trying again after the answer in res, or -1 not to: only
 * 429 and 503 are tried again, while tries remain.
 */
static long long
pxt_net_retry_wait(const struct pxt_net_req *q, const struct pxt_net_res *res)
{
	long long max = q->retry_wait_max_ms > 0 ? q->retry_wait_max_ms :
	    PXT_NET_WAIT_MAX_MS, wait;

	if ((res->status != 429 && res->status != 503) || res->attempts >= q->attempts)
		return -1;
	if (res->retry_after_s >= 0)
		wait = res->retry_after_s * 1000LL;
	else
		wait = res->attempts < 20 ? 1000LL << (res->attempts - 1) : max;
	return wait < max ? wait : max;
}

pxt_err
pxt_net_send(const struct pxt_net_req *req, struct pxt_net_res *res)
{
	long limit = req->timeout_ms > 0 ? req->timeout_ms : PXT_NET_TIMEOUT_MS;
	long long deadline = pxt_now_ms() + limit, left, wait = 0;
	struct pxt_net_xfer x = {.req = req, .res = res, .body_fd = -1};
	struct curl_slist *h = NULL;
	char shown[512], errbuf[CURL_ERROR_SIZE] = "";
	CURLcode e;
	pxt_err rc;

	memset(res, 0, sizeof(*res));
	res->retry_after_s = -1;
	res->outcome = PXT_NET_SETUP;
	if (req->url == NULL)
		return pxt_seterr(PXT_EINVAL, "pxt_net_send: no URL");
	if (req->shown != NULL)
		snprintf(shown, sizeof(shown), "%s", req->shown);
	else
		pxt_net_url_redacted(req->url, shown, sizeof(shown));
	if ((rc = pxt_net_ready()) != PXT_OK)
		return rc;
	x.allow_private = req->trusted || (req->cfg != NULL &&
	    pxt_config_bool(req->cfg, "pixeltable", "fetch_allow_private"));
	if ((rc = pxt_net_headers(req, &h)) != PXT_OK) {
		res->outcome = PXT_NET_NOMEM;
		return rc;
	}
	if ((rc = pxt_net_open_body(req, &x, shown)) != PXT_OK)
		goto out;
	if ((x.curl = curl_easy_init()) == NULL) {
		res->outcome = PXT_NET_NOMEM;
		rc = pxt_seterr(PXT_ENOMEM, "out of memory calling %s", shown);
		goto out;
	}
	if ((e = pxt_net_setup(x.curl, &x, h, errbuf)) != CURLE_OK) {
		rc = pxt_seterr(PXT_EINTERNAL, "libcurl refused an option: %s",
		    curl_easy_strerror(e));
		goto out;
	}
	for (;;) {
		if ((left = deadline - pxt_now_ms()) <= 0) {
			res->outcome = PXT_NET_TIMEOUT;
			break;
		}
		pxt_buf_reset(&res->error_body);
		if (x.body_fd >= 0 && lseek(x.body_fd, 0, SEEK_SET) != 0) {
			res->sys_errno = errno;
			res->outcome = PXT_NET_BODY_FAILED;
			break;
		}
		res->outcome = pxt_net_perform(x.curl, &x, (long)left, errbuf);
		res->attempts++;
		if (res->outcome != PXT_NET_ANSWERED || (wait = pxt_net_retry_wait(req,
		    res)) < 0)
			break;
		if (pxt_now_ms() + wait >= deadline) {
			res->retry_cut = true;
			break;
		}
		pxt_sleep_ms((long)wait);
	}
	rc = res->outcome == PXT_NET_ANSWERED ? PXT_OK : pxt_net_fail(&x, shown, limit);
out:
	curl_easy_cleanup(x.curl);
	curl_slist_free_all(h);
	if (x.body_fd >= 0)
		close(x.body_fd);
	return rc;
}
