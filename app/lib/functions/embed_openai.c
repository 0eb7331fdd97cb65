/*
 * embed_openai.c - openai_embed(String) -> Array(Float): an OpenAI-compatible
 * /v1/embeddings client over pxtc's HTTP client (see pxt_openai_embed in embed_int.h,
 * pxt_net_send in net/net_int.h).
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

#include "pxt/buf.h"
#include "pxt/json.h"
#include "pxt/os.h"
#include "functions/embed_int.h"
#include "functions/vec_int.h"
#include "net/net_int.h"

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
		pxt_net_url_redacted(base ? base : "", c->shown, sizeof(c->shown));
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
	pxt_net_url_redacted(c->url, c->shown, sizeof(c->shown));
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
 * The failure for an answer whose status is not 2xx: PXT_ERATELIMIT for 429, else
 * PXT_EUPSTREAM, saying how many tries were made and whether a retry was cut short.
 */
static pxt_err
pxt_oa_status_error(const struct pxt_oa *c, const struct pxt_net_res *a)
{
	pxt_buf m = PXT_BUF_INIT;
	pxt_err rc = a->status == 429 ? PXT_ERATELIMIT : PXT_EUPSTREAM;

	pxt_buf_addf(&m, "openai_embed: OpenAI-compatible API at %s answered HTTP %ld",
	    c->shown, a->status);
	if (a->status == 429 || a->status == 503)
		pxt_buf_addf(&m, " (%s)", a->status == 429 ? "rate limited" :
		    "unavailable");
	if (a->attempts > 1)
		pxt_buf_addf(&m, " after %d attempts", a->attempts);
	if (a->retry_cut)
		pxt_buf_adds(&m, ", and waiting to retry would pass [server] "
		    "request_timeout_s");
	pxt_oa_said(c, &a->error_body, &m);
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

/* The failure of a request that got no answer, in openai_embed's words. */
static pxt_err
pxt_oa_failed(const struct pxt_oa *c, pxt_err rc, const struct pxt_net_res *a)
{
	switch (a->outcome) {
	case PXT_NET_TIMEOUT:
		return pxt_oa_timeout(c);
	case PXT_NET_TOO_LARGE:
		return pxt_seterr(PXT_EUPSTREAM, "openai_embed: OpenAI-compatible API at "
		    "%s answered more than %u MiB", c->shown, PXT_OA_BODY_MAX >> 20);
	case PXT_NET_UNREACHABLE:
		return pxt_seterr(PXT_EUNAVAIL, "openai_embed: cannot reach the "
		    "OpenAI-compatible API at %s: %s", c->shown, a->detail);
	case PXT_NET_NOMEM:
		return pxt_seterr(PXT_ENOMEM, "openai_embed: out of memory reading the "
		    "answer");
	case PXT_NET_FAILED:
		return pxt_seterr(PXT_EUPSTREAM, "openai_embed: OpenAI-compatible API at "
		    "%s: %s", c->shown, a->detail);
	default:
		return pxt_seterr(rc, "openai_embed: %s", pxt_errmsg());
	}
}

/*
 * Embeds texts[0..m) (m <= PXT_OPENAI_EMBED_BATCH) with one request, tried again on
 * 429 and 503 as Retry-After says (else after 1, 2, 4 s), within the deadline.
 */
static pxt_err
pxt_oa_request(struct pxt_oa *c, pxt_pool *pool, const pxt_value *texts, int m,
    pxt_value *out)
{
	pxt_buf body = PXT_BUF_INIT, answer = PXT_BUF_INIT;
	struct pxt_net_req req = {.method = "POST", .url = c->url, .shown = c->shown,
	    .agent = "pxtc/0.1 (openai_embed)", .bearer = c->key,
	    .headers = {"Content-Type: application/json", "Accept: application/json"},
	    .sink = PXT_NET_TO_BUF, .buf = &answer, .max_bytes = PXT_OA_BODY_MAX,
	    .connect_timeout_ms = PXT_OA_CONNECT_MS, .use_env_proxy = true,
	    .trusted = true, .attempts = PXT_OA_ATTEMPTS,
	    .retry_wait_max_ms = PXT_OA_WAIT_MAX_MS};
	struct pxt_net_res a;
	long long left = c->deadline - pxt_now_ms();
	pxt_jw w;
	pxt_err rc;

	if (left <= 0)
		return pxt_oa_timeout(c);
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
	req.body = body.data;
	req.body_len = body.len;
	req.timeout_ms = (long)left;
	rc = pxt_net_send(&req, &a);
	if (rc != PXT_OK)
		rc = pxt_oa_failed(c, rc, &a);
	else if (a.status >= 200 && a.status < 300)
		rc = pxt_oa_read(c, pool, &answer, m, out);
	else
		rc = pxt_oa_status_error(c, &a);
	pxt_net_res_free(&a);
	pxt_buf_free(&answer);
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
