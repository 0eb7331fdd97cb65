/*
 * test_fcgi_wire.c - drives a real pxtc-worker over the FastCGI wire protocol, without
 * nginx (kcgi's regress style): the worker is forked on a listening unix socket as fd 0,
 * the way spawn-fcgi starts it, and this program speaks FastCGI records to it: GET and
 * POST requests with bodies split over several STDIN records, a body over the limit, an
 * over-long header, then SIGTERM and a clean exit.
 * Needs PXTC_WORKER and an embedded server already set up under PIXELTABLE_HOME.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pxt_test.h"

#define FCGI_BEGIN_REQUEST 1
#define FCGI_END_REQUEST 3
#define FCGI_PARAMS 4
#define FCGI_STDIN 5
#define FCGI_STDOUT 6

static char sockpath[108];

static void
put_record(int fd, int type, const void *data, size_t len)
{
	unsigned char h[8] = {1, (unsigned char)type, 0, 1, (unsigned char)(len >> 8),
	    (unsigned char)len, 0, 0};

	if (write(fd, h, 8) != 8 || (len && write(fd, data, len) != (ssize_t)len))
		fprintf(stderr, "short write\n");
}

static size_t
put_len(unsigned char *p, size_t n)
{
	if (n < 128) {
		p[0] = (unsigned char)n;
		return 1;
	}
	p[0] = (unsigned char)((n >> 24) | 0x80);
	p[1] = (unsigned char)(n >> 16);
	p[2] = (unsigned char)(n >> 8);
	p[3] = (unsigned char)n;
	return 4;
}

/* Append one name-value pair to a PARAMS buffer. */
static size_t
put_param(unsigned char *buf, size_t off, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);

	off += put_len(buf + off, nl);
	off += put_len(buf + off, vl);
	memcpy(buf + off, name, nl);
	memcpy(buf + off + nl, value, vl);
	return off + nl + vl;
}

static int
connect_worker(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sockpath);
	for (int i = 0; i < 100; i++) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		usleep(50000);
	}
	return -1;
}

/*
 * One request: params as "NAME=value" strings (NULL-terminated), the body sent in
 * chunks of `chunk` bytes. Returns the STDOUT bytes (malloc'd) or NULL.
 */
static char *
request(const char *const *params, const char *body, size_t chunk)
{
	static const unsigned char begin[8] = {0, 1, 0, 0, 0, 0, 0, 0};
	unsigned char pbuf[40000];
	size_t off = 0, blen = body ? strlen(body) : 0, outlen = 0;
	char *out = calloc(1, 1 << 20), len[32];
	int fd = connect_worker();

	if (fd < 0 || out == NULL)
		return NULL;
	put_record(fd, FCGI_BEGIN_REQUEST, begin, 8);
	for (const char *const *p = params; *p; p++) {
		char name[64];
		const char *eq = strchr(*p, '=');

		snprintf(name, sizeof(name), "%.*s", (int)(eq - *p), *p);
		off = put_param(pbuf, off, name, eq + 1);
	}
	snprintf(len, sizeof(len), "%zu", blen);
	off = put_param(pbuf, off, "CONTENT_LENGTH", len);
	for (size_t o = 0; o < off; o += 60000)
		put_record(fd, FCGI_PARAMS, pbuf + o, off - o > 60000 ? 60000 : off - o);
	put_record(fd, FCGI_PARAMS, NULL, 0);
	for (size_t o = 0; o < blen; o += chunk)
		put_record(fd, FCGI_STDIN, body + o, blen - o > chunk ? chunk : blen - o);
	put_record(fd, FCGI_STDIN, NULL, 0);
	for (;;) {
		unsigned char h[8];
		size_t n, pad;

		if (read(fd, h, 8) != 8)
			break;
		n = ((size_t)h[4] << 8) | h[5];
		pad = h[6];
		if (h[1] == FCGI_STDOUT && outlen + n < (1 << 20)) {
			for (size_t got = 0; got < n;) {
				ssize_t r = read(fd, out + outlen + got, n - got);

				if (r <= 0)
					break;
				got += (size_t)r;
			}
			outlen += n;
		} else {
			char skip[65536];

			if (n && read(fd, skip, n) < 0)
				break;
		}
		if (pad) {
			char skip[256];

			if (read(fd, skip, pad) < 0)
				break;
		}
		if (h[1] == FCGI_END_REQUEST)
			break;
	}
	close(fd);
	return out;
}

static pid_t
spawn_worker(const char *worker)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	pid_t pid;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sockpath);
	unlink(sockpath);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lfd, 16) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		dup2(lfd, 0);
		close(lfd);
		execl(worker, worker, (char *)NULL);
		_exit(127);
	}
	close(lfd);
	return pid;
}

int
main(void)
{
	const char *worker = getenv("PXTC_WORKER"), *home = getenv("PIXELTABLE_HOME");
	const char *get[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/api/health",
	    "QUERY_STRING=", "REQUEST_ID=wire-1", NULL};
	const char *list[] = {"REQUEST_METHOD=GET",
	    "REQUEST_URI=/api/data/documents?limit=2", "QUERY_STRING=limit=2", NULL};
	const char *post[] = {"REQUEST_METHOD=POST", "REQUEST_URI=/api/data/documents",
	    "CONTENT_TYPE=application/json", NULL};
	char body[4096], big[20000], *out;
	int status;
	pid_t pid;

	if (worker == NULL || home == NULL)
		return 2;
	snprintf(sockpath, sizeof(sockpath), "%s/run/wire.sock", home);
	PXT_CHECK((pid = spawn_worker(worker)) > 0);

	out = request(get, NULL, 1);
	PXT_CHECK(out && strncmp(out, "Status: 200 OK\r\n", 16) == 0);
	PXT_CHECK(out && strstr(out, "\r\n\r\n{\"status\":\"ok\""));
	free(out);

	/* a body split over many small STDIN records arrives whole */
	{
		char doc[512];
		FILE *f;

		snprintf(doc, sizeof(doc), "%s/media/wire.pdf.txt", home);
		if ((f = fopen(doc, "w")) != NULL) {
			fputs("words on the wire\n", f);
			fclose(f);
		}
		snprintf(body, sizeof(body), "{\"document\": \"%s\", \"metadata\": "
		    "{\"note\": \"%0500d\"}}", doc, 7);
	}
	out = request(post, body, 7);
	PXT_CHECK(out && strncmp(out, "Status: 200", 11) == 0);
	PXT_CHECK(out && strstr(out, "wire.pdf"));
	free(out);
	out = request(list, NULL, 1);
	PXT_CHECK(out && strstr(out, "\"rows\":[{") && strstr(out, "wire.pdf"));
	free(out);

	/* over max_json_body_mb (set to 0.01 MB by the script): 413, worker still fine */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	out = request(post, big, 4000);
	PXT_CHECK(out && strncmp(out, "Status: 413", 11) == 0);
	PXT_CHECK(out && strstr(out, "payload_too_large"));
	free(out);
	out = request(get, NULL, 1);
	PXT_CHECK(out && strncmp(out, "Status: 200", 11) == 0);
	free(out);

	/* a header over 8 KiB: 400 */
	{
		static char hdr[9000 + 32];
		const char *p[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/api/health", hdr,
		    NULL};

		snprintf(hdr, 20, "HTTP_X_BIG=");
		memset(hdr + strlen(hdr), 'y', 9000);
		out = request(p, NULL, 1);
		PXT_CHECK(out && strncmp(out, "Status: 400", 11) == 0);
		PXT_CHECK(out && strstr(out, "longer than 8192 bytes"));
		free(out);
	}

	/* SIGTERM: the worker finishes and exits cleanly */
	kill(pid, SIGTERM);
	PXT_CHECK(waitpid(pid, &status, 0) == pid);
	PXT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	unlink(sockpath);
	return pxt_test_done();
}
