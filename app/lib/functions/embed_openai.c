/*
 * embed_openai.c - openai_embed(String) -> Array(Float): an OpenAI-compatible
 * /v1/embeddings client over libcurl (see pxt_openai_embed in embed_int.h).
 *
 * One request carries up to PXT_OPENAI_EMBED_BATCH inputs:
 *   POST {base_url}/embeddings  {"model": "...", "input": ["...", ...]}
 * and each answer's "data" items are placed by their "index". The API key goes only
 * into the Authorization header: messages name the provider by its URL (without
 * userinfo or query) and have the key cut out of anything the provider said. The
 * base URL is the operator's configuration, not a user's input, so the connection
 * is not put through the private-address check URL fetching uses.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "pxt/buf.h"
#include "pxt/json.h"
#include "pxt/os.h"
#include "functions/embed_int.h"
#include "media/file_cache_int.h"
#include "functions/vec_int.h"

#define PXT_OA_ATTEMPTS 4		/* tries of one request on 429 / 503 */
#define PXT_OA_WAIT_MAX_MS 10000	/* the longest wait between two tries */
#define PXT_OA_CONNECT_MS 10000		/* connection time limit */
#define PXT_OA_BODY_MAX (64u << 20)	/* the largest answer read */
#define PXT_OA_DIM_MAX 65536		/* the largest dimension taken */
#define PXT_OA_SAID_MAX 200		/* bytes of the provider's message quoted */

static const pxt_config *pxt_oa_cfg;

void
pxt_embed_config(const pxt_config *cfg)
{
	pxt_oa_cfg = cfg;
}

/* One call's settings and state. */
struct pxt_oa {
	char *url;			/* {base_url}/embeddings (pool) */
	char shown[512];		/* url for messages: no userinfo, no query */
	const char *model;
	const char *key;		/* NULL: no Authorization header */
	long limit_s;			/* [server] request_timeout_s */
	long long deadline;		/* pxt_now_ms() at which the call gives up */
	int dim;			/* of the first vector answered; 0 before */
};

/* One answer: status, Retry-After (-1 when absent), the body. */
struct pxt_oa_answer {
	long status;
	long retry_after_s;
	pxt_buf body;
	bool too_large;
};

/* CURLOPT_WRITEFUNCTION: the answer's body, up to PXT_OA_BODY_MAX bytes. */
static size_t
pxt_oa_write(char *data, size_t size, size_t nmemb, void *ud)
{
	struct pxt_oa_answer *a = ud;
	size_t n = size * nmemb;

	if (a->body.len + n > PXT_OA_BODY_MAX) {
		a->too_large = true;
		return 0;
	}
	return pxt_buf_add(&a->body, data, n) == 0 ? n : 0;
}

/*
 * Reads the configuration into *c. PXT_ECONFIG naming the key for a missing model, a
 * base URL that is not http(s), a key with control characters; PXT_EINTERNAL without
 * a configuration; PXT_ENOMEM.
 */
static pxt_err
pxt_oa_setup(pxt_pool *pool, struct pxt_oa *c)
{
	const char *base;
	size_t blen;

	memset(c, 0, sizeof(*c));
	if (pxt_oa_cfg == NULL)
		return pxt_seterr(PXT_EINTERNAL, "openai_embed: no configuration to call "
		    "the API with");
	c->model = pxt_config_str(pxt_oa_cfg, "openai", "embedding_model");
	if (c->model == NULL || c->model[0] == '\0')
		return pxt_seterr(PXT_ECONFIG, "openai_embed: no embedding model: set "
		    "[openai] embedding_model (environment OPENAI_EMBEDDING_MODEL)");
	base = pxt_config_str(pxt_oa_cfg, "openai", "base_url");
	if (base == NULL || (strncmp(base, "http://", 7) != 0 &&
	    strncmp(base, "https://", 8) != 0)) {
		pxt_fetch_url_redacted(base ? base : "", c->shown, sizeof(c->shown));
		return pxt_seterr(PXT_ECONFIG, "openai_embed: [openai] base_url (%s) must "
		    "be an http:// or https:// URL", c->shown);
	}
	c->key = pxt_config_str(pxt_oa_cfg, "openai", "api_key");
	if (c->key != NULL && c->key[0] == '\0')
		c->key = NULL;
	for (const char *k = c->key; k != NULL && *k != '\0'; k++)
		if ((unsigned char)*k < 0x20 || *k == 0x7f)
			return pxt_seterr(PXT_ECONFIG, "openai_embed: [openai] api_key "
			    "contains a control character");
	blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if ((c->url = pxt_psprintf(pool, "%.*s/embeddings", (int)blen, base)) == NULL)
		return pxt_seterr(PXT_ENOMEM, "openai_embed: out of memory");
	pxt_fetch_url_redacted(c->url, c->shown, sizeof(c->shown));
	c->limit_s = (long)pxt_config_int(pxt_oa_cfg, "server", "request_timeout_s");
	if (c->limit_s <= 0)
		c->limit_s = 60;
	c->deadline = pxt_now_ms() + c->limit_s * 1000LL;
	return PXT_OK;
}

/* The time-limit failure. */
static pxt_err
pxt_oa_timeout(const struct pxt_oa *c)
{
	return pxt_seterr(PXT_ETIMEOUT, "openai_embed: OpenAI-compatible API at %s did "
	    "not answer within %ld s ([server] request_timeout_s)", c->shown, c->limit_s);
}

/*
 * Sends body once and fills *a (a->body is the caller's to free). PXT_ETIMEOUT past
 * the deadline, PXT_EUNAVAIL when the server cannot be reached, PXT_EUPSTREAM for
 * other transfer failures, PXT_ENOMEM.
 */
static pxt_err
pxt_oa_post(const struct pxt_oa *c, const pxt_buf *body, struct pxt_oa_answer *a)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *h = NULL, *h2;
	long long left = c->deadline - pxt_now_ms();
	curl_off_t retry = -1;
	pxt_buf auth = PXT_BUF_INIT;
	CURLcode e = CURLE_OK;
	CURL *cu;
	pxt_err rc = PXT_OK;

	a->status = 0;
	a->retry_after_s = -1;
	a->too_large = false;
	pxt_buf_reset(&a->body);
	if (left <= 0)
		return pxt_oa_timeout(c);
	if ((rc = pxt_curl_ready()) != PXT_OK)
		return rc;
	if ((cu = curl_easy_init()) == NULL)
		return pxt_seterr(PXT_ENOMEM, "openai_embed: out of memory");
	h = curl_slist_append(NULL, "Content-Type: application/json");
	if (h != NULL && (h2 = curl_slist_append(h, "Accept: application/json")) != NULL)
		h = h2;
	if (c->key != NULL) {
		pxt_buf_addf(&auth, "Authorization: Bearer %s", c->key);
		h2 = auth.failed ? NULL : curl_slist_append(h, auth.data);
		h = h2 ? h2 : h;
		if (auth.data != NULL)
			explicit_bzero(auth.data, auth.len);
		if (h2 == NULL)
			rc = pxt_seterr(PXT_ENOMEM, "openai_embed: out of memory");
	}
	pxt_buf_free(&auth);
	if (h == NULL && rc == PXT_OK)
		rc = pxt_seterr(PXT_ENOMEM, "openai_embed: out of memory");
	if (rc != PXT_OK)
		goto out;
#define PXT_SET(opt, val) if (e == CURLE_OK) e = curl_easy_setopt(cu, opt, val)
	PXT_SET(CURLOPT_URL, c->url);
	PXT_SET(CURLOPT_ERRORBUFFER, errbuf);
	PXT_SET(CURLOPT_NOSIGNAL, 1L);
	PXT_SET(CURLOPT_PROTOCOLS_STR, "http,https");
	PXT_SET(CURLOPT_TIMEOUT_MS, (long)left);
	PXT_SET(CURLOPT_CONNECTTIMEOUT_MS, (long)(left < PXT_OA_CONNECT_MS ? left :
	    PXT_OA_CONNECT_MS));
	PXT_SET(CURLOPT_SSL_VERIFYPEER, 1L);
	PXT_SET(CURLOPT_SSL_VERIFYHOST, 2L);
	PXT_SET(CURLOPT_USERAGENT, "pxtc/0.1 (openai_embed)");
	PXT_SET(CURLOPT_HTTPHEADER, h);
	PXT_SET(CURLOPT_POSTFIELDS, body->data);
	PXT_SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
	PXT_SET(CURLOPT_WRITEFUNCTION, pxt_oa_write);
	PXT_SET(CURLOPT_WRITEDATA, a);
#undef PXT_SET
	if (e != CURLE_OK) {
		rc = pxt_seterr(PXT_EINTERNAL, "openai_embed: libcurl refused an option: %s",
		    curl_easy_strerror(e));
		goto out;
	}
	e = curl_easy_perform(cu);
	curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &a->status);
	if (curl_easy_getinfo(cu, CURLINFO_RETRY_AFTER, &retry) == CURLE_OK && retry >= 0 &&
	    a->status != 0)
		a->retry_after_s = retry > 86400 ? 86400 : (long)retry;
	if (e == CURLE_OPERATION_TIMEDOUT)
		rc = pxt_oa_timeout(c);
	else if (a->too_large)
		rc = pxt_seterr(PXT_EUPSTREAM, "openai_embed: OpenAI-compatible API at %s "
		    "answered more than %u MiB", c->shown, PXT_OA_BODY_MAX >> 20);
	else if (e == CURLE_COULDNT_CONNECT || e == CURLE_COULDNT_RESOLVE_HOST ||
	    e == CURLE_COULDNT_RESOLVE_PROXY)
		rc = pxt_seterr(PXT_EUNAVAIL, "openai_embed: cannot reach the "
		    "OpenAI-compatible API at %s: %s", c->shown, errbuf[0] ? errbuf :
		    curl_easy_strerror(e));
	else if (e == CURLE_WRITE_ERROR && a->body.failed)
		rc = pxt_seterr(PXT_ENOMEM, "openai_embed: out of memory reading the answer");
	else if (e != CURLE_OK)
		rc = pxt_seterr(PXT_EUPSTREAM, "openai_embed: OpenAI-compatible API at %s: "
		    "%s", c->shown, errbuf[0] ? errbuf : curl_easy_strerror(e));
out:
	curl_easy_cleanup(cu);
	curl_slist_free_all(h);
	return rc;
}

/*
 * Appends to m what the provider said in body: error.message of an OpenAI error
 * document, else the body's first line; at most PXT_OA_SAID_MAX bytes, control
 * characters as '?', and the API key, wherever it appears, as "***".
 */
static void
pxt_oa_said(const struct pxt_oa *c, const pxt_buf *body, pxt_buf *m)
{
	pxt_pool *tmp = pxt_pool_new(0);
	const char *s = body->data ? body->data : "";
	size_t n = strcspn(s, "\r\n"), klen = c->key ? strlen(c->key) : 0;
	pxt_json *root;
	const pxt_json *msg;

	if (tmp != NULL && body->len > 0 &&
	    pxt_json_parse(tmp, body->data, body->len, 16, &root) == PXT_OK) {
		msg = pxt_json_get(pxt_json_get(root, "error"), "message");
		n = 0;
		if (msg != NULL && msg->type == PXT_JSON_STRING) {
			s = msg->u.str.s;
			n = msg->u.str.len;
		}
	}
	if (n > 0)
		pxt_buf_adds(m, ": ");
	for (size_t i = 0, out = 0; i < n && out < PXT_OA_SAID_MAX; i++, out++) {
		if (klen > 0 && n - i >= klen && memcmp(s + i, c->key, klen) == 0) {
			pxt_buf_adds(m, "***");
			i += klen - 1;
		} else {
			pxt_buf_addc(m, (unsigned char)s[i] < 0x20 ? '?' : s[i]);
		}
	}
	if (n > PXT_OA_SAID_MAX)
		pxt_buf_adds(m, "...");
	pxt_pool_free(tmp);
}

/*
 * The failure for an answer whose status is not 2xx, after attempts tries (why: a
 * reason to stop retrying, or NULL): PXT_ERATELIMIT for 429, else PXT_EUPSTREAM.
 */
static pxt_err
pxt_oa_status_error(const struct pxt_oa *c, const struct pxt_oa_answer *a, int attempts,
    const char *why)
{
	pxt_buf m = PXT_BUF_INIT;
	pxt_err rc = a->status == 429 ? PXT_ERATELIMIT : PXT_EUPSTREAM;

	pxt_buf_addf(&m, "openai_embed: OpenAI-compatible API at %s answered HTTP %ld",
	    c->shown, a->status);
	if (a->status == 429 || a->status == 503)
		pxt_buf_addf(&m, " (%s)", a->status == 429 ? "rate limited" :
		    "unavailable");
	if (attempts > 1)
		pxt_buf_addf(&m, " after %d attempts", attempts);
	if (why != NULL)
		pxt_buf_addf(&m, ", %s", why);
	pxt_oa_said(c, &a->body, &m);
	pxt_seterr(rc, "%s", m.failed ? "openai_embed: out of memory" : pxt_buf_str(&m));
	pxt_buf_free(&m);
	return rc;
}

/* A malformed answer: PXT_EUPSTREAM with what is wrong (printf-style). */
static pxt_err pxt_oa_malformed(const struct pxt_oa *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static pxt_err
pxt_oa_malformed(const struct pxt_oa *c, const char *fmt, ...)
{
	char detail[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return pxt_seterr(PXT_EUPSTREAM, "openai_embed: OpenAI-compatible API at %s "
	    "sent a malformed answer: %s", c->shown, detail);
}

/*
 * Reads the embedding of input idx (of an answer) into v[0..c->dim), setting c->dim
 * on the first one. PXT_EUPSTREAM for a missing or empty list, a dimension other
 * than the others', an element that is not a finite number within float range.
 */
static pxt_err
pxt_oa_vector(struct pxt_oa *c, const pxt_json *emb, long idx, float *v)
{
	if (emb == NULL || emb->type != PXT_JSON_ARRAY || emb->u.arr.n == 0 ||
	    emb->u.arr.n > PXT_OA_DIM_MAX)
		return pxt_oa_malformed(c, "the embedding of input %ld is not a list of "
		    "1 to %d numbers", idx, PXT_OA_DIM_MAX);
	if (c->dim == 0)
		c->dim = (int)emb->u.arr.n;
	if (emb->u.arr.n != (size_t)c->dim)
		return pxt_oa_malformed(c, "the embedding of input %ld has %zu dimensions, "
		    "others have %d", idx, emb->u.arr.n, c->dim);
	for (size_t k = 0; k < emb->u.arr.n; k++) {
		const pxt_json *x = emb->u.arr.items[k];
		double d = x->type == PXT_JSON_INT ? (double)x->u.i :
		    x->type == PXT_JSON_DOUBLE ? x->u.d : NAN;

		/* past 2^128 - 2^103 a double rounds to an infinite float */
		if (!isfinite(d) || fabs(d) >= 0x1.ffffffp+127)
			return pxt_oa_malformed(c, "element %zu of the embedding of input "
			    "%ld is not a number", k + 1, idx);
		v[k] = (float)d;
	}
	return PXT_OK;
}

/*
 * Reads an answer to m inputs into out[0..m) (pool memory), each by its "index".
 * PXT_EUPSTREAM for anything but {"data": [{"index": i, "embedding": [...]}, ...]}
 * with every index of 0..m-1 once; PXT_ENOMEM.
 */
static pxt_err
pxt_oa_read(struct pxt_oa *c, pxt_pool *pool, const pxt_buf *body, int m,
    pxt_value *out)
{
	pxt_pool *tmp = pxt_pool_new(0);
	const pxt_json *data;
	pxt_json *root;
	bool *seen;
	float *v;
	pxt_err rc = PXT_OK;

	if (tmp == NULL || (seen = pxt_pcalloc(tmp, (size_t)m)) == NULL ||
	    (v = pxt_palloc(tmp, PXT_OA_DIM_MAX * sizeof(*v))) == NULL) {
		pxt_pool_free(tmp);
		return pxt_seterr(PXT_ENOMEM, "openai_embed: out of memory");
	}
	if (pxt_json_parse(tmp, body->data ? body->data : "", body->len, 16, &root) !=
	    PXT_OK) {
		rc = pxt_oa_malformed(c, "not JSON (%.120s)", pxt_errmsg());
		goto out;
	}
	data = pxt_json_get(root, "data");
	if (data == NULL || data->type != PXT_JSON_ARRAY) {
		rc = pxt_oa_malformed(c, "no \"data\" list");
		goto out;
	}
	if (data->u.arr.n != (size_t)m) {
		rc = pxt_oa_malformed(c, "%zu embeddings for %d inputs", data->u.arr.n, m);
		goto out;
	}
	for (int k = 0; k < m && rc == PXT_OK; k++) {
		const pxt_json *item = data->u.arr.items[k];
		const pxt_json *ix = pxt_json_get(item, "index");

		if (ix == NULL || ix->type != PXT_JSON_INT || ix->u.i < 0 || ix->u.i >= m ||
		    seen[ix->u.i]) {
			rc = pxt_oa_malformed(c, "item %d of \"data\" has no \"index\" of "
			    "its own in 0..%d", k + 1, m - 1);
			break;
		}
		seen[ix->u.i] = true;
		if ((rc = pxt_oa_vector(c, pxt_json_get(item, "embedding"), (long)ix->u.i,
		    v)) == PXT_OK && (rc = pxt_vec_format(pool, v, c->dim, &out[ix->u.i])) !=
		    PXT_OK)
			rc = pxt_seterr(rc, "openai_embed: %s", pxt_errmsg());
	}
out:
	pxt_pool_free(tmp);
	return rc;
}

/*
 * Embeds texts[0..m) (m <= PXT_OPENAI_EMBED_BATCH) with one request, tried again on
 * 429 and 503 as Retry-After says (else after 1, 2, 4 s), within the deadline.
 */
static pxt_err
pxt_oa_request(struct pxt_oa *c, pxt_pool *pool, const pxt_value *texts, int m,
    pxt_value *out)
{
	struct pxt_oa_answer a = {0, -1, PXT_BUF_INIT, false};
	pxt_buf body = PXT_BUF_INIT;
	pxt_jw w;
	pxt_err rc = PXT_OK;

	pxt_jw_init(&w, &body);
	pxt_jw_obj_begin(&w);
	pxt_jw_key(&w, "model");
	pxt_jw_cstr(&w, c->model);
	pxt_jw_key(&w, "input");
	pxt_jw_arr_begin(&w);
	for (int i = 0; i < m; i++)
		pxt_jw_str(&w, texts[i].u.str.s, texts[i].u.str.len);
	pxt_jw_arr_end(&w);
	pxt_jw_obj_end(&w);
	if (body.failed) {
		pxt_buf_free(&body);
		return pxt_seterr(PXT_ENOMEM, "openai_embed: out of memory");
	}
	for (int attempt = 1;; attempt++) {
		long long wait;

		if ((rc = pxt_oa_post(c, &body, &a)) != PXT_OK)
			break;
		if (a.status >= 200 && a.status < 300) {
			rc = pxt_oa_read(c, pool, &a.body, m, out);
			break;
		}
		if ((a.status != 429 && a.status != 503) || attempt == PXT_OA_ATTEMPTS) {
			rc = pxt_oa_status_error(c, &a, attempt, NULL);
			break;
		}
		wait = a.retry_after_s >= 0 ? a.retry_after_s * 1000LL :
		    1000LL << (attempt - 1);
		if (wait > PXT_OA_WAIT_MAX_MS)
			wait = PXT_OA_WAIT_MAX_MS;
		if (pxt_now_ms() + wait >= c->deadline) {
			rc = pxt_oa_status_error(c, &a, attempt, "and waiting to retry "
			    "would pass [server] request_timeout_s");
			break;
		}
		pxt_sleep_ms((long)wait);
	}
	pxt_buf_free(&a.body);
	pxt_buf_free(&body);
	return rc;
}

pxt_err
pxt_openai_embed(pxt_pool *pool, const pxt_value *texts, int n, pxt_value *out)
{
	struct pxt_oa c;
	pxt_err rc;

	if ((rc = pxt_oa_setup(pool, &c)) != PXT_OK)
		return rc;
	for (int off = 0; off < n; off += PXT_OPENAI_EMBED_BATCH) {
		int m = n - off < PXT_OPENAI_EMBED_BATCH ? n - off : PXT_OPENAI_EMBED_BATCH;

		if ((rc = pxt_oa_request(&c, pool, texts + off, m, out + off)) != PXT_OK)
			return rc;
	}
	return PXT_OK;
}
