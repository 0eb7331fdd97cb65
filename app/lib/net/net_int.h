/*
 * net_int.h - pxtc's one outgoing HTTP client (http_client.c, http_send.c) and the
 * address guard it applies (addr_guard.c); internal to libpxt and pxtc's own programs.
 *
 * Everything libpxt asks of another server goes through pxt_net_send: URL media into
 * the file cache (media/fetch.c), object stores (media/objstore_http.c), the
 * OpenAI-compatible embedder (functions/embed_openai.c), and LLM calls as they come. A
 * caller fills a struct pxt_net_req (method, URL, headers, a body from memory or a
 * file, where the answer goes, limits) and gets a struct pxt_net_res back: the status,
 * how the request ended, the body of an error answer. libcurl's transfer API stays
 * behind this header.
 */
#ifndef PXT_NET_INT_H
#define PXT_NET_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "pxt/buf.h"
#include "pxt/config.h"
#include "pxt/error.h"
#include "pxt/pool.h"

/* The most extra headers of one request. */
#define PXT_NET_HEADERS_MAX 16
/* The bytes of an error answer's body kept in res.error_body (more is dropped). */
#define PXT_NET_ERROR_BODY_MAX 65536

/* Where the body of a successful answer goes. */
enum pxt_net_sink {
	PXT_NET_DISCARD,	/* nowhere (counted in pxt_net_res.received) */
	PXT_NET_TO_BUF,		/* appended to req.buf */
	PXT_NET_TO_FD,		/* written to req.fd as it arrives */
	PXT_NET_TO_FN,		/* handed to req.fn as it arrives */
};

/*
 * A streaming receiver: gets each piece of the body as it arrives. PXT_OK to go on;
 * any other code (with its message set) stops the transfer, and pxt_net_send returns it.
 */
typedef pxt_err (*pxt_net_sink_fn)(void *ud, const char *data, size_t len);

/*
 * One request. Zero is the default of every field, so a designated initializer names
 * only what differs: a GET within 60 s, no redirects, one attempt, the address guard on.
 */
struct pxt_net_req {
	const char *method;	/* NULL: GET, or POST with a body; "HEAD": no body back */
	const char *url;	/* absolute http(s) URL */
	const char *shown;	/* the URL as messages name it; NULL: url without its
				 * userinfo, query and fragment */
	const char *agent;	/* User-Agent; NULL: "pxtc/0.1" */
	/* "Name: value" lines, NULL after the last ("Name:" removes a default header) */
	const char *headers[PXT_NET_HEADERS_MAX + 1];
	/* a secret sent as "Authorization: Bearer <bearer>"; never in a message */
	const char *bearer;

	/* the request body: body_len bytes at body, or the file body_path, streamed */
	const void *body;
	size_t body_len;
	const char *body_path;

	/* where a 2xx answer's body goes (an answer >= 300 goes to res.error_body) */
	enum pxt_net_sink sink;
	pxt_buf *buf;		/* PXT_NET_TO_BUF */
	int fd;			/* PXT_NET_TO_FD */
	pxt_net_sink_fn fn;	/* PXT_NET_TO_FN, called with ud */
	void *ud;
	size_t max_bytes;	/* the largest body taken (0: no limit) */

	/* limits */
	long timeout_ms;	/* the whole call, retries and waits included (60000) */
	long connect_timeout_ms;	/* each connection (10000, at most what is left) */
	long low_speed_bytes;	/* give up when slower than this many bytes/s ... (0: never) */
	long low_speed_s;	/* ... for this many seconds */
	int max_redirects;	/* redirects followed, http(s) only (0: none, 3xx answered) */
	bool fail_on_error;	/* an answer >= 400 ends the transfer at its headers */
	bool use_env_proxy;	/* honour http_proxy & co. (never with the address guard) */

	/*
	 * The address guard: every address connected to, on every hop, is checked with
	 * pxt_net_addr_refusal. It is off when trusted (an endpoint the operator
	 * configured, not a user's input) or when cfg says [pixeltable]
	 * fetch_allow_private; allow_addr ("ip:port" as the guard prints it) lets one
	 * address through, for tests that need a "public" hop on loopback.
	 */
	bool trusted;
	const pxt_config *cfg;
	const char *allow_addr;

	/*
	 * Retries: an answer 429 or 503 is tried again, up to attempts tries in all
	 * (0 or 1: no retry), after Retry-After seconds or else 1, 2, 4 ... s, each wait
	 * at most retry_wait_max_ms (10000), never past timeout_ms.
	 */
	int attempts;
	long retry_wait_max_ms;
};

/* How a request ended. */
enum pxt_net_outcome {
	PXT_NET_ANSWERED,	/* an answer came, whatever its status (PXT_OK) */
	PXT_NET_REFUSED,	/* the address guard refused the address (PXT_EPERM) */
	PXT_NET_TOO_LARGE,	/* the body passed max_bytes (PXT_ETOOLARGE) */
	PXT_NET_SINK_FAILED,	/* writing to fd (PXT_EIO, PXT_ESTORAGE) or fn failed */
	PXT_NET_BODY_FAILED,	/* body_path could not be read (PXT_ENOTFOUND, PXT_EIO) */
	PXT_NET_TIMEOUT,	/* past timeout_ms or the low-speed limit (PXT_ETIMEOUT) */
	PXT_NET_REDIRECTS,	/* more than max_redirects (PXT_EUPSTREAM) */
	PXT_NET_BAD_SCHEME,	/* redirected to a URL that is not http(s) (PXT_EUPSTREAM) */
	PXT_NET_UNREACHABLE,	/* the host does not resolve or connect (PXT_EUNAVAIL) */
	PXT_NET_FAILED,		/* any other transfer failure: TLS, a reset (PXT_EUPSTREAM) */
	PXT_NET_NOMEM,		/* out of memory (PXT_ENOMEM) */
	PXT_NET_SETUP,		/* libcurl could not start (PXT_EINTERNAL) or a bad request */
};

/* What came back. Free error_body with pxt_net_res_free. */
struct pxt_net_res {
	enum pxt_net_outcome outcome;
	long status;		/* of the last answer; 0 when none came */
	long retry_after_s;	/* its Retry-After (at most 86400); -1 when absent */
	int attempts;		/* tries made */
	bool retry_cut;		/* 429/503 not tried again: the wait would pass timeout_ms */
	size_t received;	/* body bytes given to the sink */
	int sys_errno;		/* PXT_NET_SINK_FAILED to fd, PXT_NET_BODY_FAILED: errno */
	char detail[256];	/* libcurl's words for the failure ("" when none) */
	char refused_ip[64];	/* PXT_NET_REFUSED: the address refused ... */
	const char *refused_why;	/* ... and why ("a loopback address"), static */
	pxt_buf error_body;	/* an answer >= 300: its first PXT_NET_ERROR_BODY_MAX bytes */
};

/*
 * pxt_net_send makes the request req describes and fills *res (always, even on
 * failure; free it with pxt_net_res_free). TLS is verified; only http and https are
 * spoken. Returns PXT_OK when an answer came, whatever its status (check res->status;
 * a 429 or 503 is that of the last attempt). Otherwise the code named beside
 * res->outcome, with a message naming req->shown (never the bearer or the query):
 * callers with wording of their own switch on res->outcome. Thread-safe; req is not
 * changed; it blocks for at most timeout_ms (plus the close of a file body).
 */
pxt_err pxt_net_send(const struct pxt_net_req *req, struct pxt_net_res *res);

/* pxt_net_res_free releases what res holds; res may be reused afterwards. */
void pxt_net_res_free(struct pxt_net_res *res);

/*
 * pxt_net_header appends the line "name: value" (pool memory) to req->headers.
 * PXT_ENOMEM; PXT_EINVAL when PXT_NET_HEADERS_MAX lines are there already.
 */
pxt_err pxt_net_header(pxt_pool *pool, struct pxt_net_req *req, const char *name,
    const char *value);

/*
 * pxt_net_ready initializes libcurl once per process (thread-safe); pxt_net_send calls
 * it, and so must anyone else before making a libcurl handle. PXT_EINTERNAL when
 * libcurl cannot initialize.
 */
pxt_err pxt_net_ready(void);

/*
 * pxt_net_url_redacted writes url without userinfo, query and fragment into out
 * ("<malformed URL>" when it cannot be parsed), for messages and logs.
 */
void pxt_net_url_redacted(const char *url, char *out, size_t outlen);

/*
 * pxt_net_addr_refusal returns NULL when an outgoing connection to sa may be made
 * whatever fetch_allow_private says, else why it is refused ("a loopback address",
 * "a private address", ...), static. text (at least 64 bytes) gets the address
 * without port ("127.0.0.1", "::ffff:10.0.0.1"); hostport the "ip:port" form.
 */
const char *pxt_net_addr_refusal(const struct sockaddr *sa, socklen_t len,
    char *text, size_t textlen, char *hostport, size_t hostportlen);

#endif
