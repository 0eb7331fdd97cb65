/*
 * http_guard.c - API keys and CORS in front of the routes. With [pixeltable] api_key
 * set (one key or several, comma-separated), every route but the system ones
 * (/api/health, the OpenAPI document) and those declared public requires
 * "Authorization: Bearer <key>"; keys are compared as SHA-256 digests with
 * CRYPTO_memcmp, so the time taken says nothing about a key, and never logged.
 * [pixeltable] cors_origins lists the origins whose browsers may call the API:
 * preflight requests are answered and responses carry the CORS headers for those
 * origins only.
 */
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "pxt/log.h"
#include "http/http_int.h"

#define PXT_DIGEST_LEN 32

static void
pxt_digest(const char *s, size_t len, unsigned char *out)
{
	unsigned int n = 0;

	if (EVP_Digest(s, len, out, &n, EVP_sha256(), NULL) != 1)
		memset(out, 0, PXT_DIGEST_LEN);
}

/* Whether host is a loopback address (nothing else can reach the API). */
static bool
pxt_is_loopback(const char *host)
{
	return host == NULL || strcmp(host, "127.0.0.1") == 0 ||
	    strcmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 ||
	    strncmp(host, "127.", 4) == 0;
}

pxt_err
pxt_guard_init(pxt_app *app)
{
	const pxt_config *cfg = pxt_env_config(app->env);
	char **keys;
	int n = 0;

	keys = pxt_config_list(cfg, "pixeltable", "api_key", app->pool, &n);
	app->nkeys = 0;
	if (keys != NULL && n > 0) {
		app->key_digests = pxt_palloc(app->pool, PXT_DIGEST_LEN * (size_t)n);
		if (app->key_digests == NULL)
			return PXT_ENOMEM;
		for (int i = 0; i < n; i++) {
			if (*keys[i] == '\0')
				continue;
			pxt_digest(keys[i], strlen(keys[i]),
			    app->key_digests + PXT_DIGEST_LEN * app->nkeys++);
			/* the key itself is not kept */
			OPENSSL_cleanse(keys[i], strlen(keys[i]));
		}
	}
	if (app->nkeys == 0 && !pxt_is_loopback(pxt_config_str(cfg, "server", "host")))
		pxt_log(PXT_LOG_WARN, "no [pixeltable] api_key is set and [server] host "
		    "'%s' is reachable beyond this machine: every route is open",
		    pxt_config_str(cfg, "server", "host"));
	app->cors = pxt_config_list(cfg, "pixeltable", "cors_origins", app->pool,
	    &app->ncors);
	if (app->cors == NULL)
		app->ncors = 0;
	return PXT_OK;
}

pxt_err
pxt_guard_auth(pxt_req *req, const struct pxt_route *rt)
{
	const pxt_app *app = req->app;
	const char *h;
	unsigned char got[PXT_DIGEST_LEN];
	int match = 0;

	if (app->nkeys == 0 || rt->public_route || rt->kind == PXT_ROUTE_SYSTEM)
		return PXT_OK;
	h = pxt_req_header(req, "Authorization");
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0 || h[7] == '\0') {
		pxt_res_header(req, "WWW-Authenticate", "Bearer");
		return pxt_req_fail(req, PXT_EUNAUTH, "Authorization", "this route needs "
		    "an API key: send 'Authorization: Bearer <key>'");
	}
	pxt_digest(h + 7, strlen(h + 7), got);
	/* every key is compared, whatever matched before */
	for (int i = 0; i < app->nkeys; i++)
		match |= CRYPTO_memcmp(got, app->key_digests + PXT_DIGEST_LEN * i,
		    PXT_DIGEST_LEN) == 0;
	if (!match) {
		pxt_res_header(req, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
		return pxt_req_fail(req, PXT_EUNAUTH, "Authorization", "the API key is not "
		    "valid");
	}
	return PXT_OK;
}

/* The request's Origin when it is one of cors_origins, else NULL. */
static const char *
pxt_cors_origin(pxt_req *req)
{
	const char *origin = pxt_req_header(req, "Origin");

	if (origin == NULL || req->app->ncors == 0)
		return NULL;
	for (int i = 0; i < req->app->ncors; i++)
		if (strcmp(req->app->cors[i], "*") == 0 ||
		    strcmp(req->app->cors[i], origin) == 0)
			return origin;
	return NULL;
}

void
pxt_guard_cors_headers(pxt_req *req)
{
	const char *origin = pxt_cors_origin(req);

	if (pxt_req_header(req, "Origin") != NULL && req->app->ncors > 0)
		pxt_res_header(req, "Vary", "Origin");
	if (origin == NULL)
		return;
	pxt_res_header(req, "Access-Control-Allow-Origin", origin);
	pxt_res_header(req, "Access-Control-Expose-Headers", "Idempotent-Replayed, "
	    "Pxt-Recomputed, Retry-After, X-Request-Id");
}

pxt_err
pxt_guard_preflight(pxt_req *req, const char *allow, bool *handled)
{
	const char *want = pxt_req_header(req, "Access-Control-Request-Method");

	*handled = req->method == PXT_OPTIONS && want != NULL &&
	    pxt_req_header(req, "Origin") != NULL;
	if (!*handled)
		return PXT_OK;
	if (pxt_cors_origin(req) == NULL)
		return pxt_req_fail(req, PXT_EPERM, "Origin", "origin '%.200s' is not in "
		    "[pixeltable] cors_origins", pxt_req_header(req, "Origin"));
	pxt_res_status(req, 204, NULL);
	pxt_res_header(req, "Access-Control-Allow-Methods", allow);
	pxt_res_header(req, "Access-Control-Allow-Headers", "Authorization, "
	    "Content-Type, Idempotency-Key");
	pxt_res_header(req, "Access-Control-Max-Age", "600");
	return PXT_OK;
}
