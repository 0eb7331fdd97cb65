/*
 * const.c - the FastCGI ceiling: a libfcgi responder that answers every request with
 * the same small JSON document and touches nothing else (no database, no parsing).
 * What nginx -> FastCGI -> this process costs is the most any FastCGI worker on this
 * machine can do; bench/run.sh runs it as benchmark (a).
 *
 * Started by spawn-fcgi, which passes the listening socket as fd 0. SIGTERM ends it.
 */
#include <stdio.h>
#include <string.h>

#include <fcgiapp.h>

static const char const_body[] = "{\"status\":\"ok\",\"service\":\"const\"}";

int
main(void)
{
	FCGX_Request req;
	char head[128];
	int headlen;

	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0) {
		fprintf(stderr, "const: cannot initialize FastCGI\n");
		return 1;
	}
	headlen = snprintf(head, sizeof(head), "Status: 200 OK\r\nContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\n\r\n", strlen(const_body));
	if (headlen < 0 || (size_t)headlen >= sizeof(head))
		return 1;
	while (FCGX_Accept_r(&req) >= 0) {
		FCGX_PutStr(head, headlen, req.out);
		FCGX_PutStr(const_body, (int)strlen(const_body), req.out);
		FCGX_Finish_r(&req);
	}
	return 0;
}
