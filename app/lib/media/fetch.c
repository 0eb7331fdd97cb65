/*
 * fetch.c - downloading one http(s) URL to a file within limits: time, speed, size,
 * redirects, protocols, and the addresses it may connect to. See pxt_fetch_url in
 * file_cache_int.h; the request itself is made by the HTTP client (net/net_int.h).
 *
 * The body is streamed to the file as it arrives, never held whole in memory. Proxies
 * from the environment are not used: the address check must see the real peer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "pxt/log.h"
#include "media/file_cache_int.h"
#include "net/net_int.h"

#define PXT_FETCH_UA "pxtc/0.1 (file cache)"

/* PXT_OK when url is an absolute http(s) URL with a host; PXT_EINVAL otherwise. */
static pxt_err
pxt_fetch_check_url(const char *url, const char *shown)
{
	CURLU *h = curl_url();
	char *scheme = NULL, *host = NULL;
	pxt_err rc = PXT_OK;

	if (h == NULL)
		return pxt_seterr(PXT_ENOMEM, "out of memory parsing a URL");
	if (curl_url_set(h, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
		rc = pxt_seterr(PXT_EINVAL, "cannot fetch %s: not a valid URL (expected "
		    "http://host/path or https://host/path)", shown);
	else if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
		rc = pxt_seterr(PXT_EINVAL, "cannot fetch %s: only http and https URLs "
		    "are fetched, not %s", shown, scheme);
	else if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    host[0] == '\0')
		rc = pxt_seterr(PXT_EINVAL, "cannot fetch %s: the URL has no host", shown);
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(h);
	return rc;
}

/* The limits with defaults filled in and each bounded by the overall timeout. */
static void
pxt_fetch_limits(const struct pxt_fetch_opts *in, struct pxt_fetch_opts *o)
{
	*o = *in;
	if (o->timeout_s <= 0)
		o->timeout_s = 60;
	if (o->connect_timeout_s <= 0)
		o->connect_timeout_s = 10;
	if (o->low_speed_bytes <= 0)
		o->low_speed_bytes = 1024;
	if (o->low_speed_s <= 0)
		o->low_speed_s = 30;
	if (o->connect_timeout_s > o->timeout_s)
		o->connect_timeout_s = o->timeout_s;
	if (o->low_speed_s > o->timeout_s)
		o->low_speed_s = o->timeout_s;
}


/* The failure of a download that did not end in a 2xx answer, named in fetch's words. */
static pxt_err
pxt_fetch_result(pxt_err rc, const struct pxt_net_res *r, const char *shown,
    const struct pxt_fetch_opts *o, size_t max_bytes)
{
	switch (r->outcome) {
	case PXT_NET_ANSWERED:
		if (r->status < 200 || r->status > 299)
			return pxt_seterr(PXT_EUPSTREAM, "cannot fetch %s: the server "
			    "answered HTTP %ld", shown, r->status);
		return PXT_OK;
	case PXT_NET_REFUSED:
		return pxt_seterr(PXT_EPERM, "refusing to fetch %s: %s is %s; set "
		    "[pixeltable] fetch_allow_private to allow it", shown, r->refused_ip,
		    r->refused_why);
	case PXT_NET_TOO_LARGE:
		return pxt_seterr(PXT_ETOOLARGE, "cannot fetch %s: larger than %zu bytes",
		    shown, max_bytes);
	case PXT_NET_SINK_FAILED:
		return pxt_seterr(rc, "cannot fetch %s: writing the file: %s", shown,
		    strerror(r->sys_errno));
	case PXT_NET_TIMEOUT:
		return pxt_seterr(PXT_ETIMEOUT, "cannot fetch %s: timed out (limit %ld s, "
		    "or slower than %ld bytes/s for %ld s)", shown, o->timeout_s,
		    o->low_speed_bytes, o->low_speed_s);
	case PXT_NET_REDIRECTS:
		return pxt_seterr(PXT_EUPSTREAM, "cannot fetch %s: more than %d redirects",
		    shown, PXT_FETCH_MAX_REDIRECTS);
	case PXT_NET_BAD_SCHEME:
		return pxt_seterr(PXT_EUPSTREAM, "cannot fetch %s: redirected to a URL "
		    "that is not http or https", shown);
	case PXT_NET_NOMEM:
		return pxt_seterr(PXT_ENOMEM, "out of memory fetching %s", shown);
	case PXT_NET_UNREACHABLE:
	case PXT_NET_FAILED:
		/* libcurl's message names hosts and errors, never the userinfo */
		return pxt_seterr(PXT_EUPSTREAM, "cannot fetch %s: %s", shown, r->detail);
	default:
		return rc;
	}
}

pxt_err
pxt_fetch_url(const pxt_config *cfg, const char *url, const char *dest_tmp,
    size_t max_bytes, const struct pxt_fetch_opts *opts)
{
	static const struct pxt_fetch_opts defaults;
	struct pxt_fetch_opts o;
	struct pxt_net_req req = {.agent = PXT_FETCH_UA, .sink = PXT_NET_TO_FD, .fd = -1,
	    .max_bytes = max_bytes, .max_redirects = PXT_FETCH_MAX_REDIRECTS,
	    .fail_on_error = true, .cfg = cfg};
	struct pxt_net_res res = {0};
	char shown[512];
	pxt_err rc;

	pxt_fetch_limits(opts ? opts : &defaults, &o);
	if (url == NULL || dest_tmp == NULL)
		return pxt_seterr(PXT_EINVAL, "pxt_fetch_url: NULL URL or file");
	pxt_net_url_redacted(url, shown, sizeof(shown));
	if ((rc = pxt_fetch_check_url(url, shown)) != PXT_OK)
		return rc;
	req.url = url;
	req.shown = shown;
	req.timeout_ms = o.timeout_s * 1000;
	req.connect_timeout_ms = o.connect_timeout_s * 1000;
	req.low_speed_bytes = o.low_speed_bytes;
	req.low_speed_s = o.low_speed_s;
	req.trusted = o.trusted;
	req.allow_addr = o.allow_addr;
	req.fd = open(dest_tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (req.fd < 0)
		return pxt_seterr(errno == EACCES ? PXT_EPERM : PXT_EIO,
		    "cannot create %s: %s", dest_tmp, strerror(errno));
	rc = pxt_net_send(&req, &res);
	if (o.status != NULL)
		*o.status = res.status;
	if ((rc = pxt_fetch_result(rc, &res, shown, &o, max_bytes)) == PXT_OK &&
	    fsync(req.fd) != 0)
		rc = pxt_seterr(errno == ENOSPC ? PXT_ESTORAGE : PXT_EIO,
		    "cannot fetch %s: syncing %s: %s", shown, dest_tmp, strerror(errno));
	pxt_net_res_free(&res);
	if (close(req.fd) != 0 && rc == PXT_OK)
		rc = pxt_seterr(PXT_EIO, "cannot fetch %s: closing %s: %s", shown,
		    dest_tmp, strerror(errno));
	if (rc != PXT_OK)
		unlink(dest_tmp);
	else
		pxt_log(PXT_LOG_DEBUG, "fetched %s (%zu bytes)", shown, res.received);
	return rc;
}
