/*
 * addr_guard.c - which addresses pxtc may connect to: the server-side request forgery
 * guard of pxt_net_send (see net_int.h).
 *
 * A URL in a media column is outside input. Without a guard, a row holding
 * http://169.254.169.254/... or http://127.0.0.1:5432/ would make a worker reach the
 * cloud metadata service or a local service. http_client.c asks this file about
 * the address each connection is about to use (after DNS, on every redirect hop), so
 * neither a redirect nor a name that resolves differently the second time gets round
 * it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "net/net_int.h"

/* Why an IPv4 address (host byte order) is refused, or NULL. */
static const char *
pxt_v4_refusal(uint32_t a)
{
	static const struct {
		uint32_t net, mask;
		const char *why;
	} nets[] = {
		{0x00000000, 0xff000000, "a \"this network\" address (0.0.0.0/8)"},
		{0x7f000000, 0xff000000, "a loopback address"},
		{0x0a000000, 0xff000000, "a private address"},
		{0xac100000, 0xfff00000, "a private address"},
		{0xc0a80000, 0xffff0000, "a private address"},
		{0x64400000, 0xffc00000, "a shared (CGNAT) address"},
		{0xa9fe0000, 0xffff0000, "a link-local address"},
		{0xc0000000, 0xffffff00, "an IETF protocol address (192.0.0.0/24)"},
		{0xc6120000, 0xfffe0000, "a benchmarking address (198.18.0.0/15)"},
		{0xe0000000, 0xf0000000, "a multicast address"},
		{0xf0000000, 0xf0000000, "a reserved address"},
	};

	for (size_t i = 0; i < sizeof(nets) / sizeof(*nets); i++)
		if ((a & nets[i].mask) == nets[i].net)
			return nets[i].why;
	return NULL;
}

static uint32_t
pxt_v4_at(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Why an IPv6 address is refused, or NULL; embedded IPv4 forms are judged as IPv4. */
static const char *
pxt_v6_refusal(const struct in6_addr *in)
{
	static const unsigned char zero[16];
	const unsigned char *b = in->s6_addr;

	if (memcmp(b, zero, 15) == 0 && b[15] == 1)
		return "a loopback address";
	if (memcmp(b, zero, 16) == 0)
		return "an unspecified address";
	if (b[0] == 0xff)
		return "a multicast address";
	if ((b[0] & 0xfe) == 0xfc)
		return "a private (unique local) address";
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return "a link-local address";
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
		return "a site-local address";
	/* ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), 64:ff9b::a.b.c.d (NAT64) */
	if (IN6_IS_ADDR_V4MAPPED(in) || memcmp(b, zero, 12) == 0 ||
	    (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
	    memcmp(b + 4, zero, 8) == 0))
		return pxt_v4_refusal(pxt_v4_at(b + 12));
	if (b[0] == 0x20 && b[1] == 0x02)	/* 6to4: 2002:a.b.c.d::/48 */
		return pxt_v4_refusal(pxt_v4_at(b + 2));
	if (b[0] == 0x01 && memcmp(b + 1, zero, 7) == 0)	/* 100::/64 discard */
		return "a discard-only address";
	return NULL;
}

const char *
pxt_net_addr_refusal(const struct sockaddr *sa, socklen_t len, char *text,
    size_t textlen, char *hostport, size_t hostportlen)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	const char *why;
	unsigned port = 0;

	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		port = ntohs(s4->sin_port);
		why = pxt_v4_refusal(ntohl(s4->sin_addr.s_addr));
		snprintf(hostport, hostportlen, "%s:%u", ip, port);
	} else if (sa->sa_family == AF_INET6 &&
	    len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		port = ntohs(s6->sin6_port);
		why = pxt_v6_refusal(&s6->sin6_addr);
		snprintf(hostport, hostportlen, "[%s]:%u", ip, port);
	} else {
		snprintf(ip, sizeof(ip), "family %d", (int)sa->sa_family);
		snprintf(hostport, hostportlen, "%s", ip);
		why = "not an internet address";
	}
	snprintf(text, textlen, "%s", ip);
	return why;
}
