/*
 * http_client_int.h - what the two halves of the HTTP client share: the state of one
 * transfer, which http_client.c's libcurl callbacks fill and http_send.c reads.
 * Internal to app/lib/net; everyone else uses net_int.h.
 */
#ifndef PXT_HTTP_CLIENT_INT_H
#define PXT_HTTP_CLIENT_INT_H

#include <stdbool.h>
#include <sys/types.h>

#include <curl/curl.h>

#include "net/net_int.h"

/* One request's state, shared with the callbacks; flags are reset per attempt. */
struct pxt_net_xfer {
	const struct pxt_net_req *req;
	struct pxt_net_res *res;
	CURL *curl;
	bool allow_private;	/* the address guard is off */
	int body_fd;		/* the open body_path, or -1 */
	off_t body_size;
	bool refused;		/* the guard refused an address */
	bool too_large;		/* the body passed max_bytes */
	bool nomem;		/* a buffer could not grow */
	bool body_failed;	/* reading body_fd failed */
	pxt_err sink_rc;	/* the sink's failure, PXT_OK when none */
};

/*
 * pxt_net_setup sets every option of x->req on the handle c (x, headers and errbuf,
 * at least CURL_ERROR_SIZE bytes, must outlive it). The first option libcurl refuses,
 * or CURLE_OK.
 */
CURLcode pxt_net_setup(CURL *c, struct pxt_net_xfer *x, struct curl_slist *headers,
    char *errbuf);

/*
 * pxt_net_perform makes one transfer on c within left_ms and says how it ended; it
 * sets x->res's status, retry_after_s, detail and, for a refusal, refused_ip/why.
 */
enum pxt_net_outcome pxt_net_perform(CURL *c, struct pxt_net_xfer *x, long left_ms,
    char *errbuf);

#endif
