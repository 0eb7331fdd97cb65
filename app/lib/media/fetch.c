/*
 * fetch.c - downloading one http(s) URL to a file with libcurl, within limits: time,
 * speed, size, redirects, protocols, and the addresses it may connect to
 * (fetch_addr.c). See pxt_fetch_url in file_cache_int.h.
 *
 * The body is streamed to the file as it arrives, never held whole in memory. Proxies
 * from the environment are not used: the address check must see the real peer.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "pxt/log.h"
#include "media/file_cache_int.h"

#define PXT_FETCH_UA "pxtc/0.1 (file cache)"

/* One transfer's state, shared with the callbacks. */
struct pxt_fetch {
	int fd;
	size_t written, max_bytes;
	bool too_large, write_failed;
	int write_errno;
	bool allow_private;
	const char *allow_addr;
	bool refused;		/* the address check said no */
	char refused_ip[64];
	const char *refused_why;
};

static pthread_once_t pxt_curl_once = PTHREAD_ONCE_INIT;
static CURLcode pxt_curl_init_rc;

static void
pxt_curl_init(void)
{
	pxt_curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

pxt_err
pxt_curl_ready(void)
{
	pthread_once(&pxt_curl_once, pxt_curl_init);
	if (pxt_curl_init_rc != CURLE_OK)
		return pxt_seterr(PXT_EINTERNAL, "libcurl failed to initialize: %s",
		    curl_easy_strerror(pxt_curl_init_rc));
	return PXT_OK;
}

void
pxt_fetch_url_redacted(const char *url, char *out, size_t outlen)
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

/* CURLOPT_OPENSOCKETFUNCTION: the address check, on every connection of every hop. */
static curl_socket_t
pxt_fetch_opensocket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct pxt_fetch *f = ud;
	char ip[64], hostport[96];
	const char *why;
	bool inet = a->family == AF_INET || a->family == AF_INET6;

	(void)purpose;
	why = pxt_fetch_addr_refusal(&a->addr, a->addrlen, ip, sizeof(ip), hostport,
	    sizeof(hostport));
	if (!inet || (why != NULL && !f->allow_private &&
	    !(f->allow_addr != NULL && strcmp(f->allow_addr, hostport) == 0))) {
		f->refused = true;
		f->refused_why = why ? why : "not an internet address";
		snprintf(f->refused_ip, sizeof(f->refused_ip), "%s", ip);
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* CURLOPT_WRITEFUNCTION: append to the file, within max_bytes. */
static size_t
pxt_fetch_write(char *data, size_t size, size_t nmemb, void *ud)
{
	struct pxt_fetch *f = ud;
	size_t n = size * nmemb, done = 0;

	if (f->max_bytes > 0 && n > f->max_bytes - f->written) {
		f->too_large = true;
		return 0;
	}
	while (done < n) {
		ssize_t w = write(f->fd, data + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			f->write_failed = true;
			f->write_errno = w < 0 ? errno : EIO;
			return 0;
		}
		done += (size_t)w;
	}
	f->written += n;
	return n;
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

static pxt_err
pxt_fetch_setup(CURL *c, struct pxt_fetch *f, const char *url,
    const struct pxt_fetch_opts *o, char *errbuf)
{
	CURLcode e = CURLE_OK;

#define PXT_SET(opt, val) if (e == CURLE_OK) e = curl_easy_setopt(c, opt, val)
	PXT_SET(CURLOPT_URL, url);
	PXT_SET(CURLOPT_ERRORBUFFER, errbuf);
	PXT_SET(CURLOPT_NOSIGNAL, 1L);
	PXT_SET(CURLOPT_PROTOCOLS_STR, "http,https");
	PXT_SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	PXT_SET(CURLOPT_FOLLOWLOCATION, 1L);
	PXT_SET(CURLOPT_MAXREDIRS, (long)PXT_FETCH_MAX_REDIRECTS);
	PXT_SET(CURLOPT_TIMEOUT, o->timeout_s);
	PXT_SET(CURLOPT_CONNECTTIMEOUT, o->connect_timeout_s);
	PXT_SET(CURLOPT_LOW_SPEED_LIMIT, o->low_speed_bytes);
	PXT_SET(CURLOPT_LOW_SPEED_TIME, o->low_speed_s);
	PXT_SET(CURLOPT_SSL_VERIFYPEER, 1L);
	PXT_SET(CURLOPT_SSL_VERIFYHOST, 2L);
	PXT_SET(CURLOPT_PROXY, "");
	PXT_SET(CURLOPT_FAILONERROR, 1L);
	PXT_SET(CURLOPT_USERAGENT, PXT_FETCH_UA);
	PXT_SET(CURLOPT_OPENSOCKETFUNCTION, pxt_fetch_opensocket);
	PXT_SET(CURLOPT_OPENSOCKETDATA, f);
	PXT_SET(CURLOPT_WRITEFUNCTION, pxt_fetch_write);
	PXT_SET(CURLOPT_WRITEDATA, f);
	if (f->max_bytes > 0)
		PXT_SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)f->max_bytes);
#undef PXT_SET
	if (e != CURLE_OK)
		return pxt_seterr(PXT_EINTERNAL, "libcurl refused an option: %s",
		    curl_easy_strerror(e));
	return PXT_OK;
}

/* Map a finished transfer to a pxt_err with a message naming the (redacted) URL. */
static pxt_err
pxt_fetch_result(CURL *c, CURLcode e, const struct pxt_fetch *f, const char *shown,
    const struct pxt_fetch_opts *o, const char *errbuf)
{
	long status = 0;

	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (o->status != NULL)
		*o->status = status;
	/* a refused address fails the connection (another address may have worked) */
	if (f->refused && e == CURLE_COULDNT_CONNECT)
		return pxt_seterr(PXT_EPERM, "refusing to fetch %s: %s is %s; set "
		    "[pixeltable] fetch_allow_private to allow it", shown, f->refused_ip,
		    f->refused_why);
	if (f->too_large || e == CURLE_FILESIZE_EXCEEDED)
		return pxt_seterr(PXT_ETOOLARGE, "cannot fetch %s: larger than %zu bytes",
		    shown, f->max_bytes);
	if (f->write_failed)
		return pxt_seterr(f->write_errno == ENOSPC || f->write_errno == EDQUOT ?
		    PXT_ESTORAGE : PXT_EIO, "cannot fetch %s: writing the file: %s",
		    shown, strerror(f->write_errno));
	switch (e) {
	case CURLE_OK:
		if (status < 200 || status > 299)
			return pxt_seterr(PXT_EUPSTREAM, "cannot fetch %s: the server "
			    "answered HTTP %ld", shown, status);
		return PXT_OK;
	case CURLE_HTTP_RETURNED_ERROR:
		return pxt_seterr(PXT_EUPSTREAM, "cannot fetch %s: the server answered "
		    "HTTP %ld", shown, status);
	case CURLE_OPERATION_TIMEDOUT:
		return pxt_seterr(PXT_ETIMEOUT, "cannot fetch %s: timed out (limit %ld s, "
		    "or slower than %ld bytes/s for %ld s)", shown, o->timeout_s,
		    o->low_speed_bytes, o->low_speed_s);
	case CURLE_TOO_MANY_REDIRECTS:
		return pxt_seterr(PXT_EUPSTREAM, "cannot fetch %s: more than %d redirects",
		    shown, PXT_FETCH_MAX_REDIRECTS);
	case CURLE_UNSUPPORTED_PROTOCOL:
		return pxt_seterr(PXT_EUPSTREAM, "cannot fetch %s: redirected to a URL "
		    "that is not http or https", shown);
	case CURLE_OUT_OF_MEMORY:
		return pxt_seterr(PXT_ENOMEM, "out of memory fetching %s", shown);
	default:
		/* libcurl's message names hosts and errors, never the userinfo */
		return pxt_seterr(PXT_EUPSTREAM, "cannot fetch %s: %s", shown,
		    errbuf[0] ? errbuf : curl_easy_strerror(e));
	}
}

pxt_err
pxt_fetch_url(const pxt_config *cfg, const char *url, const char *dest_tmp,
    size_t max_bytes, const struct pxt_fetch_opts *opts)
{
	static const struct pxt_fetch_opts defaults;
	struct pxt_fetch_opts o;
	struct pxt_fetch f = {.fd = -1, .max_bytes = max_bytes};
	char shown[512], errbuf[CURL_ERROR_SIZE] = "";
	CURL *c = NULL;
	CURLcode e;
	pxt_err rc;

	pxt_fetch_limits(opts ? opts : &defaults, &o);
	if (url == NULL || dest_tmp == NULL)
		return pxt_seterr(PXT_EINVAL, "pxt_fetch_url: NULL URL or file");
	pxt_fetch_url_redacted(url, shown, sizeof(shown));
	if ((rc = pxt_fetch_check_url(url, shown)) != PXT_OK)
		return rc;
	if ((rc = pxt_curl_ready()) != PXT_OK)
		return rc;
	f.allow_private = o.trusted || (cfg != NULL &&
	    pxt_config_bool(cfg, "pixeltable", "fetch_allow_private"));
	f.allow_addr = o.allow_addr;
	f.fd = open(dest_tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (f.fd < 0)
		return pxt_seterr(errno == EACCES ? PXT_EPERM : PXT_EIO,
		    "cannot create %s: %s", dest_tmp, strerror(errno));
	if ((c = curl_easy_init()) == NULL) {
		rc = pxt_seterr(PXT_ENOMEM, "out of memory starting a download");
		goto out;
	}
	if ((rc = pxt_fetch_setup(c, &f, url, &o, errbuf)) != PXT_OK)
		goto out;
	e = curl_easy_perform(c);
	if ((rc = pxt_fetch_result(c, e, &f, shown, &o, errbuf)) != PXT_OK)
		goto out;
	if (fsync(f.fd) != 0)
		rc = pxt_seterr(errno == ENOSPC ? PXT_ESTORAGE : PXT_EIO,
		    "cannot fetch %s: syncing %s: %s", shown, dest_tmp, strerror(errno));
out:
	curl_easy_cleanup(c);
	if (close(f.fd) != 0 && rc == PXT_OK)
		rc = pxt_seterr(PXT_EIO, "cannot fetch %s: closing %s: %s", shown,
		    dest_tmp, strerror(errno));
	if (rc != PXT_OK)
		unlink(dest_tmp);
	else
		pxt_log(PXT_LOG_DEBUG, "fetched %s (%zu bytes)", shown, f.written);
	return rc;
}
