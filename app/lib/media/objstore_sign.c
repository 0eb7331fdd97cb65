/*
 * objstore_sign.c - the signatures object stores check: AWS Signature Version 4 in
 * its query form (presigned URLs, used for every S3 and GCS request), and Azure's
 * SharedKey header and service SAS. Hashes and HMACs come from OpenSSL's libcrypto.
 * See objstore_int.h and objstore_req_int.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "pxt/buf.h"
#include "media/objstore_int.h"
#include "media/objstore_req_int.h"

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
static void
pxt_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void
pxt_obj_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256(data, len, md);
	pxt_hex(md, sizeof(md), out);
}

/* HMAC-SHA256 of msg under key into out (32 bytes); false when libcrypto fails. */
static bool
pxt_hmac(const void *key, size_t keylen, const char *msg, size_t msglen,
    unsigned char out[32])
{
	unsigned int n = 32;

	return HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, msglen,
	    out, &n) != NULL && n == 32;
}

void
pxt_obj_uri_encode(pxt_buf *b, const char *s, bool keep_slash)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
		    c == '~' || (c == '/' && keep_slash))
			pxt_buf_addc(b, (char)c);
		else
			pxt_buf_addf(b, "%%%02X", c);
	}
}

/*
 * The SigV4 signing key: HMAC chained over the date, region, service and
 * "aws4_request", starting from "AWS4" + secret. False when libcrypto fails.
 */
static bool
pxt_sigv4_key(const char *secret, const char *date8, const char *region,
    unsigned char key[32])
{
	char k0[256];
	unsigned char a[32], b[32], c[32];
	int n = snprintf(k0, sizeof(k0), "AWS4%s", secret);
	bool ok = n > 0 && (size_t)n < sizeof(k0) &&
	    pxt_hmac(k0, (size_t)n, date8, strlen(date8), a) &&
	    pxt_hmac(a, 32, region, strlen(region), b) &&
	    pxt_hmac(b, 32, "s3", 2, c) &&
	    pxt_hmac(c, 32, "aws4_request", 12, key);

	OPENSSL_cleanse(k0, sizeof(k0));
	OPENSSL_cleanse(a, 32);
	OPENSSL_cleanse(b, 32);
	OPENSSL_cleanse(c, 32);
	return ok;
}

/*
 * Splits an http(s) base URL ("https://host[:port]") into the Host header value,
 * which keeps a port only when it is not the scheme's default. False when malformed.
 */
static bool
pxt_sigv4_host(const char *base, char *host, size_t hostlen)
{
	const char *p = strstr(base, "://"), *end;
	size_t n;

	if (p == NULL)
		return false;
	p += 3;
	end = p + strcspn(p, "/?#");
	n = (size_t)(end - p);
	if (n == 0 || n >= hostlen)
		return false;
	memcpy(host, p, n);
	host[n] = '\0';
	if (strncmp(base, "https://", 8) == 0 && n > 4 && strcmp(host + n - 4, ":443") == 0)
		host[n - 4] = '\0';
	else if (strncmp(base, "http://", 7) == 0 && n > 3 &&
	    strcmp(host + n - 3, ":80") == 0)
		host[n - 3] = '\0';
	return true;
}

pxt_err
pxt_sigv4_presign(pxt_pool *pool, const char *method, const char *base_url,
    const char *path, const char *region, const char *access_key,
    const char *secret_key, const char *session_token, const char *amz_date,
    long expires_s, char **out)
{
	pxt_buf q = PXT_BUF_INIT, cr = PXT_BUF_INIT, sts = PXT_BUF_INIT;
	char host[256], date8[9], crhash[65], sig[65];
	unsigned char key[32], mac[32];
	pxt_err rc = PXT_OK;

	if (!pxt_sigv4_host(base_url, host, sizeof(host)) || strlen(amz_date) != 16 ||
	    path[0] != '/')
		return pxt_seterr(PXT_EINVAL, "cannot sign a request: malformed endpoint, "
		    "path or date");
	memcpy(date8, amz_date, 8);
	date8[8] = '\0';
	/* the query, its parameters in byte order of their names */
	pxt_buf_adds(&q, "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=");
	pxt_obj_uri_encode(&q, access_key, false);
	pxt_buf_addf(&q, "%%2F%s%%2F", date8);
	pxt_obj_uri_encode(&q, region, false);
	pxt_buf_addf(&q, "%%2Fs3%%2Faws4_request&X-Amz-Date=%s&X-Amz-Expires=%ld",
	    amz_date, expires_s);
	if (session_token != NULL && session_token[0]) {
		pxt_buf_adds(&q, "&X-Amz-Security-Token=");
		pxt_obj_uri_encode(&q, session_token, false);
	}
	pxt_buf_adds(&q, "&X-Amz-SignedHeaders=host");
	/* the canonical request: only host is signed, the payload is not */
	pxt_buf_addf(&cr, "%s\n%s\n%s\nhost:%s\n\nhost\nUNSIGNED-PAYLOAD", method, path,
	    pxt_buf_str(&q), host);
	pxt_obj_sha256_hex(pxt_buf_str(&cr), cr.len, crhash);
	pxt_buf_addf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/s3/aws4_request\n%s", amz_date,
	    date8, region, crhash);
	if (q.failed || cr.failed || sts.failed)
		rc = pxt_seterr(PXT_ENOMEM, "out of memory signing a request");
	else if (!pxt_sigv4_key(secret_key, date8, region, key) ||
	    !pxt_hmac(key, 32, pxt_buf_str(&sts), sts.len, mac))
		rc = pxt_seterr(PXT_EINTERNAL, "libcrypto failed computing a signature");
	if (rc == PXT_OK) {
		pxt_hex(mac, 32, sig);
		*out = pxt_psprintf(pool, "%s%s?%s&X-Amz-Signature=%s", base_url, path,
		    pxt_buf_str(&q), sig);
		if (*out == NULL)
			rc = pxt_seterr(PXT_ENOMEM, "out of memory signing a request");
	}
	OPENSSL_cleanse(key, sizeof(key));
	pxt_buf_free(&q);
	pxt_buf_free(&cr);
	pxt_buf_free(&sts);
	return rc;
}

/*
 * Base64 HMAC-SHA256 of msg under the base64 account key into out (at least 64
 * bytes). PXT_ECONFIG when the key is not base64, PXT_EINTERNAL when libcrypto fails.
 */
static pxt_err
pxt_az_hmac_b64(const char *key_b64, const char *msg, size_t msglen, char *out)
{
	unsigned char key[128], mac[32];
	size_t kl = strlen(key_b64);
	int n;
	pxt_err rc = PXT_OK;

	if (kl == 0 || kl % 4 != 0 || kl / 4 * 3 > sizeof(key) ||
	    (n = EVP_DecodeBlock(key, (const unsigned char *)key_b64, (int)kl)) < 0)
		return pxt_seterr(PXT_ECONFIG, "[azure] account_key is not a base64 key");
	/* EVP_DecodeBlock counts the '=' padding as zero bytes */
	while (kl > 0 && key_b64[kl - 1] == '=') {
		kl--;
		n--;
	}
	if (!pxt_hmac(key, (size_t)n, msg, msglen, mac))
		rc = pxt_seterr(PXT_EINTERNAL, "libcrypto failed computing a signature");
	else
		EVP_EncodeBlock((unsigned char *)out, mac, 32);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

pxt_err
pxt_az_sharedkey(pxt_pool *pool, const char *account, const char *key_b64,
    const char *method, const char *url_path, const char *length, const char *ctype,
    const char *ms_headers, char **auth)
{
	pxt_buf s = PXT_BUF_INIT;
	char sig[64];
	pxt_err rc;

	/*
	 * verb, then Content-Encoding, -Language, -Length (empty for 0), -MD5, -Type,
	 * Date, If-Modified-Since, If-Match, If-None-Match, If-Unmodified-Since, Range,
	 * then the x-ms- headers (lower-case, sorted, "name:value\n" each), then the
	 * resource: "/" account, the URL's path. No query parameters are used.
	 */
	pxt_buf_addf(&s, "%s\n\n\n%s\n\n%s\n\n\n\n\n\n\n%s/%s%s", method,
	    length && strcmp(length, "0") != 0 ? length : "", ctype ? ctype : "",
	    ms_headers, account, url_path);
	if (s.failed)
		rc = pxt_seterr(PXT_ENOMEM, "out of memory signing a request");
	else if ((rc = pxt_az_hmac_b64(key_b64, pxt_buf_str(&s), s.len, sig)) == PXT_OK &&
	    (*auth = pxt_psprintf(pool, "SharedKey %s:%s", account, sig)) == NULL)
		rc = pxt_seterr(PXT_ENOMEM, "out of memory signing a request");
	pxt_buf_free(&s);
	return rc;
}

pxt_err
pxt_az_service_sas(pxt_pool *pool, const char *account, const char *key_b64,
    const char *container, const char *blob, const char *perms, time_t expiry,
    char **query)
{
	pxt_buf s = PXT_BUF_INIT, q = PXT_BUF_INIT;
	char se[32], sig[64];
	struct tm tm;
	pxt_err rc;

	gmtime_r(&expiry, &tm);
	strftime(se, sizeof(se), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/*
	 * Version 2020-12-06: permissions, start, expiry, the canonical resource, then
	 * identifier, IP, protocol, version, resource kind "b", snapshot time,
	 * encryption scope and the five response-header overrides (all empty here).
	 */
	pxt_buf_addf(&s, "%s\n\n%s\n/blob/%s/%s/%s\n\n\n\n%s\nb\n\n\n\n\n\n\n",
	    perms, se, account, container, blob, PXT_AZ_SAS_VERSION);
	if (s.failed) {
		rc = pxt_seterr(PXT_ENOMEM, "out of memory signing a request");
		goto out;
	}
	if ((rc = pxt_az_hmac_b64(key_b64, pxt_buf_str(&s), s.len, sig)) != PXT_OK)
		goto out;
	pxt_buf_addf(&q, "sv=%s&se=", PXT_AZ_SAS_VERSION);
	pxt_obj_uri_encode(&q, se, false);
	pxt_buf_addf(&q, "&sr=b&sp=%s&sig=", perms);
	pxt_obj_uri_encode(&q, sig, false);
	if (q.failed || (*query = pxt_pstrdup(pool, pxt_buf_str(&q))) == NULL)
		rc = pxt_seterr(PXT_ENOMEM, "out of memory signing a request");
out:
	pxt_buf_free(&s);
	pxt_buf_free(&q);
	return rc;
}
