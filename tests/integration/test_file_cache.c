/*
 * test_file_cache.c - the driver of it_file_cache.sh: one file cache operation per run,
 * so the script can run it in many processes, under different settings, and look at
 * the server's request log and the cache folder in between.
 *
 *   get URL                  pxt_cache_get; prints "OK <path>" or "ERR <code> <msg>"
 *   getx ALLOW_ADDR URL      the same with one address let through (a "public" hop)
 *   hold URL FILE            get, print, keep the lease until FILE exists
 *   race URL N               N forked processes get URL at once; all must agree
 *   fetch URL DEST MAX       pxt_fetch_url alone
 *   stream URL DEST STOP     pxt_net_send to a receiver function writing DEST, which
 *                            stops the transfer past STOP bytes (0: never)
 *   addr                     the address classification table
 * Exit 0 for OK, 1 for an error result, 2 for misuse.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pxt/pxt.h"
#include "pxt/os.h"
#include "pxt_test.h"
#include "media/file_cache_int.h"
#include "net/net_int.h"

static int
report(pxt_err rc, const char *path)
{
	if (rc == PXT_OK)
		printf("OK %s\n", path);
	else
		printf("ERR %s %s\n", pxt_err_name(rc), pxt_errmsg());
	fflush(stdout);
	return rc == PXT_OK ? 0 : 1;
}

static int
cmd_get(const pxt_config *cfg, const char *allow, const char *url, const char *until)
{
	struct pxt_fetch_opts o = {0};
	pxt_pool *pool = pxt_pool_new(0);
	const char *path = NULL;
	pxt_err rc;
	int ret;

	o.timeout_s = pxt_config_int(cfg, "server", "request_timeout_s");
	o.allow_addr = allow;
	rc = allow ? pxt_cache_get_opts(cfg, pool, url, &o, &path) :
	    pxt_cache_get(cfg, pool, url, &path);
	ret = report(rc, path);
	while (until != NULL && access(until, F_OK) != 0)
		pxt_sleep_ms(20);
	pxt_pool_free(pool);
	return ret;
}

/* N children wait on a pipe, then all ask at once; each reports its path. */
static int
cmd_race(const pxt_config *cfg, const char *url, int n)
{
	int gate[2], out[2], bad = 0;
	char line[8192], first[8192] = "";
	FILE *f;

	if (pipe(gate) != 0 || pipe(out) != 0)
		return 2;
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 2;
		if (pid == 0) {
			char c;

			close(gate[1]);
			close(out[0]);
			(void)!read(gate[0], &c, 1);	/* EOF: everyone goes */
			dup2(out[1], STDOUT_FILENO);
			_exit(cmd_get(cfg, NULL, url, NULL));
		}
	}
	close(gate[0]);
	close(out[1]);
	close(gate[1]);
	f = fdopen(out[0], "r");
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "OK ", 3) != 0 || (first[0] && strcmp(first, line) != 0))
			bad++, fprintf(stderr, "race: %s", line);
		if (!first[0])
			snprintf(first, sizeof(first), "%s", line);
	}
	fclose(f);
	for (int i = 0; i < n; i++) {
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad++;
	}
	if (bad)
		return 1;
	fputs(first, stdout);
	return 0;
}

static const char *
classify(const char *ip, unsigned port, char *hostport)
{
	struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	char text[64];

	if (inet_pton(AF_INET, ip, &s4.sin_addr) == 1)
		return pxt_net_addr_refusal((struct sockaddr *)&s4, sizeof(s4), text,
		    sizeof(text), hostport, 96);
	if (inet_pton(AF_INET6, ip, &s6.sin6_addr) == 1)
		return pxt_net_addr_refusal((struct sockaddr *)&s6, sizeof(s6), text,
		    sizeof(text), hostport, 96);
	return "unparsed";
}

static int
cmd_addr(void)
{
	static const struct {
		const char *ip, *why;	/* why: a word of the reason, NULL: allowed */
	} cases[] = {
		{"127.0.0.1", "loopback"}, {"127.255.0.9", "loopback"},
		{"10.1.2.3", "private"}, {"172.16.0.1", "private"},
		{"172.31.255.255", "private"}, {"192.168.1.1", "private"},
		{"100.64.0.1", "CGNAT"}, {"100.127.255.255", "CGNAT"},
		{"169.254.169.254", "link-local"}, {"0.0.0.0", "this network"},
		{"0.1.2.3", "this network"}, {"224.0.0.1", "multicast"},
		{"255.255.255.255", "reserved"}, {"::1", "loopback"},
		{"::", "unspecified"}, {"fe80::1", "link-local"},
		{"fc00::1", "unique local"}, {"fd12:3456::1", "unique local"},
		{"ff02::1", "multicast"}, {"::ffff:127.0.0.1", "loopback"},
		{"::ffff:10.0.0.1", "private"}, {"::ffff:169.254.169.254", "link-local"},
		{"64:ff9b::a00:1", "private"}, {"2002:7f00:1::", "loopback"},
		{"8.8.8.8", NULL}, {"1.1.1.1", NULL}, {"172.32.0.1", NULL},
		{"100.128.0.1", NULL}, {"11.0.0.1", NULL}, {"2606:4700::1111", NULL},
		{"::ffff:8.8.8.8", NULL}, {"2001:db8::1", NULL},
	};
	char hostport[96];

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *why = classify(cases[i].ip, 8080, hostport);

		if (cases[i].why == NULL)
			PXT_CHECK(why == NULL);
		else
			PXT_CHECK(why != NULL && strstr(why, cases[i].why) != NULL);
		if ((cases[i].why == NULL) != (why == NULL))
			fprintf(stderr, "  %s: %s\n", cases[i].ip, why ? why : "allowed");
	}
	classify("::1", 8080, hostport);
	PXT_CHECK_STR(hostport, "[::1]:8080");
	classify("127.0.0.1", 81, hostport);
	PXT_CHECK_STR(hostport, "127.0.0.1:81");
	return pxt_test_done();
}

/* The receiver of cmd_stream: appends to its file, refuses more than stop bytes. */
struct stream_to {
	FILE *f;
	size_t got, stop;
};

static pxt_err
stream_piece(void *ud, const char *data, size_t len)
{
	struct stream_to *s = ud;

	s->got += len;
	if (s->stop > 0 && s->got > s->stop)
		return pxt_seterr(PXT_ETOOLARGE, "stream: more than %zu bytes", s->stop);
	return fwrite(data, 1, len, s->f) == len ? PXT_OK :
	    pxt_seterr(PXT_EIO, "stream: writing failed");
}

static int
cmd_stream(const pxt_config *cfg, const char *url, const char *dest, const char *stop)
{
	struct stream_to s = {.f = fopen(dest, "w"), .stop = strtoull(stop, NULL, 10)};
	struct pxt_net_req req = {.url = url, .sink = PXT_NET_TO_FN, .fn = stream_piece,
	    .ud = &s, .cfg = cfg};
	struct pxt_net_res res;
	char n[32];
	pxt_err rc;

	if (s.f == NULL)
		return 2;
	rc = pxt_net_send(&req, &res);
	if (fclose(s.f) != 0 && rc == PXT_OK)
		rc = pxt_seterr(PXT_EIO, "stream: closing %s failed", dest);
	if (rc == PXT_OK && res.status != 200)
		rc = pxt_seterr(PXT_EUPSTREAM, "stream: HTTP %ld", res.status);
	snprintf(n, sizeof(n), "%zu", res.received);
	pxt_net_res_free(&res);
	return report(rc, n);
}

int
main(int argc, char **argv)
{
	pxt_config *cfg = NULL;
	int ret = 2;

	if (argc < 2)
		return 2;
	if (strcmp(argv[1], "addr") == 0)
		return cmd_addr();
	if (pxt_config_load(NULL, &cfg) != PXT_OK) {
		fprintf(stderr, "config: %s\n", pxt_errmsg());
		return 2;
	}
	if (strcmp(argv[1], "get") == 0 && argc == 3)
		ret = cmd_get(cfg, NULL, argv[2], NULL);
	else if (strcmp(argv[1], "getx") == 0 && argc == 4)
		ret = cmd_get(cfg, argv[2], argv[3], NULL);
	else if (strcmp(argv[1], "hold") == 0 && argc == 4)
		ret = cmd_get(cfg, NULL, argv[2], argv[3]);
	else if (strcmp(argv[1], "race") == 0 && argc == 4)
		ret = cmd_race(cfg, argv[2], atoi(argv[3]));
	else if (strcmp(argv[1], "fetch") == 0 && argc == 5)
		ret = report(pxt_fetch_url(cfg, argv[2], argv[3],
		    (size_t)strtoull(argv[4], NULL, 10), NULL), argv[3]);
	else if (strcmp(argv[1], "stream") == 0 && argc == 5)
		ret = cmd_stream(cfg, argv[2], argv[3], argv[4]);
	pxt_config_free(cfg);
	return ret;
}
