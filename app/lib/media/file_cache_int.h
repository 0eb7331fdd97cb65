/*
 * file_cache_int.h - downloading URLs (fetch.c, over the HTTP client of net_int.h) and
 * the bounded file cache they land in (file_cache.c, file_cache_evict.c); internal to
 * libpxt and pxtc's own programs.
 *
 * A media cell holding an http(s) URL is read through pxt_cache_get: the first access
 * downloads the file into $PIXELTABLE_HOME/file_cache, later ones find it there. The
 * cache is shared by every process of a home and bounded by [pixeltable]
 * file_cache_size_g; least recently used files are evicted, never one in use.
 */
#ifndef PXT_FILE_CACHE_H
#define PXT_FILE_CACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "pxt/config.h"
#include "pxt/error.h"
#include "pxt/pool.h"

/* Limits of one download; a zero field takes the default named beside it. */
struct pxt_fetch_opts {
	long timeout_s;		/* whole transfer, redirects included (60) */
	long connect_timeout_s;	/* each connection (10, at most timeout_s) */
	long low_speed_bytes;	/* abort when slower than this many bytes/s ... (1024) */
	long low_speed_s;	/* ... for this many seconds (30, at most timeout_s) */
	/*
	 * One address, "ip:port" as the address check prints it ("127.0.0.1:8081",
	 * "[::1]:8081"), let through although private. For tests that need a "public"
	 * first hop on loopback; NULL in production.
	 */
	const char *allow_addr;
	/*
	 * The URL points at an endpoint the operator configured (an object store), not
	 * at a user's input: its addresses are not checked.
	 */
	bool trusted;
	long *status;		/* when not NULL, gets the last HTTP status (0: none) */
};

#define PXT_FETCH_MAX_REDIRECTS 5

/*
 * pxt_fetch_url downloads url (http or https only) into the new file dest_tmp
 * (created with O_EXCL, mode 0600; it must not exist), streaming it to disk and
 * fsyncing it, at most max_bytes bytes (0: no limit), following at most 5 redirects
 * (http/https only), with TLS verified, without any proxy. Every connection, on every
 * hop, is checked against the address actually connected to: loopback, private,
 * link-local, CGNAT, multicast and reserved addresses (and IPv4-mapped IPv6 forms of
 * them) are refused unless [pixeltable] fetch_allow_private is true. opts may be NULL
 * (the defaults above).
 *
 * Returns PXT_OK with dest_tmp complete; on any failure dest_tmp does not exist:
 * PXT_EINVAL a malformed or non-http(s) URL, PXT_EPERM a refused address,
 * PXT_EUPSTREAM an HTTP status >= 400 (named in the message), too many redirects, a
 * host that does not resolve or answer, a TLS failure; PXT_ETIMEOUT past timeout_s or
 * the low-speed limit; PXT_ETOOLARGE over max_bytes; PXT_EIO / PXT_ESTORAGE writing
 * the file. Messages name the URL without its userinfo, query or fragment.
 * Thread-safe.
 */
pxt_err pxt_fetch_url(const pxt_config *cfg, const char *url, const char *dest_tmp,
    size_t max_bytes, const struct pxt_fetch_opts *opts);

/*
 * pxt_cache_get returns in *path (pool memory) a local file holding the content of
 * url: <home>/file_cache/<2 hex>/<sha256 hex>[.ext], downloaded on the first access
 * with pxt_fetch_url (timeout [server] request_timeout_s; size at most the cache
 * bound [pixeltable] file_cache_size_g). The file is leased until pool is freed or
 * reset: eviction by any process of the home skips it, so the caller may read it
 * until then (read-only: it is shared). Many processes asking for one URL at once
 * download it once; the others wait for it (up to the timeout plus 30 s).
 * After a download, least recently used entries are evicted until the cache is
 * within its bound (the new file and leased files excepted).
 *
 * Errors are pxt_fetch_url's (nothing is left in the cache then), PXT_ETIMEOUT when
 * another process's download of the same URL outlasts the wait, PXT_EIO / PXT_EPERM
 * for the cache folder, PXT_EINVAL for a NULL pool.
 */
pxt_err pxt_cache_get(const pxt_config *cfg, pxt_pool *pool, const char *url,
    const char **path);

/* pxt_cache_get_opts is pxt_cache_get with explicit download limits (NULL: config). */
pxt_err pxt_cache_get_opts(const pxt_config *cfg, pxt_pool *pool, const char *url,
    const struct pxt_fetch_opts *opts, const char **path);

/*
 * pxt_cache_path writes the entry path url would have (whether or not it is cached)
 * into out. Returns PXT_EINVAL when it does not fit.
 */
pxt_err pxt_cache_path(const pxt_config *cfg, const char *url, char *out,
    size_t outlen);

/*
 * pxt_cache_stats counts the entries of the cache and their bytes (temporary and
 * lock files excluded). A missing cache folder is an empty cache.
 */
pxt_err pxt_cache_stats(const pxt_config *cfg, int64_t *entries, int64_t *bytes);

/*
 * pxt_cache_evict removes least recently used entries until the cache holds at most
 * target_bytes, skipping leased entries; it also removes stale lock files and the
 * temporary files of downloads untouched for [pixeltable] file_cache_lease_s (a
 * crashed process's leftovers). PXT_OK even when leases keep it above the target.
 */
pxt_err pxt_cache_evict(const pxt_config *cfg, int64_t target_bytes);

/* pxt_cache_clear removes every entry not leased (pxt_cache_evict to 0). */
pxt_err pxt_cache_clear(const pxt_config *cfg);

/* pxt_cache_limit returns the bound in bytes ([pixeltable] file_cache_size_g x 1e9). */
int64_t pxt_cache_limit(const pxt_config *cfg);

/* pxt_cache_same: fd is still the file named path (not unlinked nor replaced). */
bool pxt_cache_same(int fd, const char *path);

#endif
