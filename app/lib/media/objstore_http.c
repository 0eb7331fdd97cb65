/*
 * objstore_http.c - one request to an object store (see pxt_obj_http in
 * objstore_req_int.h), made by the HTTP client (net/net_int.h): a file streamed as
 * the body of a PUT, the answer's error code picked out of its XML body.
 *
 * The endpoint is the operator's configuration, not a user's input, so the
 * connection is not put through the private-address check URL fetching uses.
 */
#include <stdio.h>
#include <string.h>

#include "media/objstore_req_int.h"

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
pxt_obj_http(const struct pxt_net_req *req, long *status, char *code, size_t codelen)
{
	struct pxt_net_req r = *req;
	struct pxt_net_res res;
	pxt_err rc;

	r.agent = "pxtc/0.1 (media store)";
	r.trusted = true;
	r.use_env_proxy = true;
	r.sink = PXT_NET_DISCARD;
	code[0] = '\0';
	rc = pxt_net_send(&r, &res);
	*status = res.status;
	switch (res.outcome) {
	case PXT_NET_ANSWERED:
		break;
	case PXT_NET_TIMEOUT:
		rc = pxt_seterr(PXT_ETIMEOUT, "object store: %s %s timed out", r.method,
		    r.shown);
		break;
	case PXT_NET_BODY_FAILED:
		/* failing to open the file keeps pxt_net_send's message */
		if (res.attempts > 0)
			rc = pxt_seterr(PXT_EIO, "object store: reading %s for %s failed",
			    r.body_path ? r.body_path : "the body", r.shown);
		break;
	case PXT_NET_NOMEM:
	case PXT_NET_SETUP:
		break;
	default:
		/* an answer came before the transfer failed: it stands */
		if (res.status != 0)
			rc = PXT_OK;
		else
			rc = pxt_seterr(PXT_EUPSTREAM, "object store: %s %s: %s", r.method,
			    r.shown, res.detail);
	}
	if (rc == PXT_OK && *status >= 300)
		pxt_obj_error_code(pxt_buf_str(&res.error_body), code, codelen);
	pxt_net_res_free(&res);
	return rc;
}
