/*
 * req_url.c - the absolute URL a client reached pxtc at ("https://example.com"), for
 * the URLs pxtc hands back (a background job's job_url): the scheme and host as nginx
 * forwards them, so the URL is right behind another proxy as well.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "http/http_int.h"

#define PXT_MAX_HOST 255

/* The first element of a comma-separated header ("a, b" -> "a"), trimmed. */
static const char *
pxt_first_elem(pxt_pool *pool, const char *v)
{
	size_t n;

	if (v == NULL)
		return NULL;
	while (*v == ' ' || *v == '\t')
		v++;
	n = strcspn(v, ",");
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	return n > 0 ? pxt_pstrndup(pool, v, n) : NULL;
}

/*
 * Whether h can stand as the host (and port) of a URL: letters, digits, '.', '-', '_',
 * ':' and the brackets of an IPv6 address; no space, slash, '@' or control character.
 */
static bool
pxt_host_ok(const char *h)
{
	size_t n = h != NULL ? strlen(h) : 0;

	if (n == 0 || n > PXT_MAX_HOST)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)h[i];

		if (!isalnum(c) && strchr(".-_:[]", c) == NULL)
			return false;
	}
	return true;
}

/* The request's scheme: X-Forwarded-Proto, else the HTTPS / REQUEST_SCHEME params. */
static const char *
pxt_req_scheme(pxt_req *req)
{
	const char *p = pxt_first_elem(req->pool, pxt_req_header(req,
	    "X-Forwarded-Proto"));
	const char *https = req->param ? req->param(req->ctx, "HTTPS") : NULL;
	const char *rs = req->param ? req->param(req->ctx, "REQUEST_SCHEME") : NULL;

	if (p != NULL && (strcasecmp(p, "https") == 0 || strcasecmp(p, "http") == 0))
		return strcasecmp(p, "https") == 0 ? "https" : "http";
	if (https != NULL && *https != '\0' && strcasecmp(https, "off") != 0)
		return "https";
	if (rs != NULL && strcasecmp(rs, "https") == 0)
		return "https";
	return "http";
}

/* SERVER_NAME:SERVER_PORT (SERVER_ADDR when nginx's server_name is "_"). */
static const char *
pxt_req_server_host(pxt_req *req)
{
	const char *name = req->param ? req->param(req->ctx, "SERVER_NAME") : NULL;
	const char *port = req->param ? req->param(req->ctx, "SERVER_PORT") : NULL;
	const char *h;

	if (name == NULL || *name == '\0' || strcmp(name, "_") == 0)
		name = req->param ? req->param(req->ctx, "SERVER_ADDR") : NULL;
	if (name == NULL || *name == '\0')
		return "localhost";
	h = pxt_psprintf(req->pool, "%s%s%s%s%s", strchr(name, ':') ? "[" : "", name,
	    strchr(name, ':') ? "]" : "", port && *port ? ":" : "", port ? port : "");
	return pxt_host_ok(h) ? h : "localhost";
}

const char *
pxt_req_base_url(pxt_req *req)
{
	const char *host = pxt_first_elem(req->pool, pxt_req_header(req,
	    "X-Forwarded-Host"));

	if (!pxt_host_ok(host))
		host = pxt_req_header(req, "Host");
	if (!pxt_host_ok(host))
		host = pxt_req_server_host(req);
	return pxt_psprintf(req->pool, "%s://%s", pxt_req_scheme(req), host);
}
