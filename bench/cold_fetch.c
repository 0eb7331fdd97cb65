/*
 * cold_fetch.c - a cold file cache fetch against the origin's own response time;
 * bench/cold_fetch.sh builds and runs it.
 *
 * For WARMUP + N iterations, five timed steps each (their order rotates from one
 * iteration to the next, so no step always runs first or after another one):
 *
 *   origin  libcurl GET of URL?origin=I: a new easy handle and a new connection, the
 *           body counted and dropped. What a client waits for the origin's answer.
 *   cold    pxt_cache_get of URL?cold=I, a URL the cache has never seen, on a cache
 *           emptied beforehand (pxt_cache_clear, not timed): the lookup, the URL lock,
 *           pxt_fetch_url (download, write, fsync), the lease, the rename, the folder's
 *           fsync and the eviction check. The lease is released after the clock stops.
 *   fetch   pxt_fetch_url of URL?fetch=I into a new file of $PIXELTABLE_HOME/bench_tmp
 *           (the download, the writes and the file's fsync, none of the cache's own
 *           work; the same file system as the cache).
 *   write   SIZE bytes written to a new file in 16 KiB writes and fsynced, no network:
 *           what the disk alone adds.
 *   create  an empty file created (O_CREAT | O_EXCL) and closed, no fsync: what one
 *           new name costs on this file system (the cache makes two: the URL's lock
 *           file and the download's temporary file; and a folder for a new shard).
 *
 * Every cold and fetch result is checked: SIZE bytes, and in the warm-up iterations
 * and the first measured one, the same bytes as -f FILE (after the clock stopped).
 * One line per measured step on stdout:
 *
 *	SAMPLE i=3 step=cold ms=4.123 bytes=1048576
 *
 *	cold_fetch -n N -w WARMUP -f FILE URL
 *
 * PIXELTABLE_HOME: the home whose file cache is used (no database is needed), and
 * [pixeltable] fetch_allow_private must be true for a loopback origin (the script sets
 * PIXELTABLE_FETCH_ALLOW_PRIVATE=true). Exit 0, 1 on a failed step, 2 on misuse.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "pxt/config.h"
#include "pxt/error.h"
#include "pxt/os.h"
#include "pxt/pool.h"
#include "media/file_cache_int.h"

#define CF_CHUNK 16384

enum cf_step { CF_ORIGIN, CF_COLD, CF_FETCH, CF_WRITE, CF_CREATE, CF_NSTEPS };

static const char *const cf_step_name[CF_NSTEPS] = {"origin", "cold", "fetch", "write",
	"create"};

static double
cf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static size_t
cf_count(char *data, size_t size, size_t nmemb, void *ud)
{
	(void)data;
	*(size_t *)ud += size * nmemb;
	return size * nmemb;
}

/* origin: a plain GET on a new handle (hence a new connection), body dropped. */
static int
cf_origin(const char *url, size_t *bytes)
{
	CURL *c = curl_easy_init();
	CURLcode e = CURLE_FAILED_INIT;
	long status = 0;

	*bytes = 0;
	if (c != NULL) {
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_PROXY, "");
		curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, cf_count);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, bytes);
		e = curl_easy_perform(c);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_cleanup(c);
	}
	if (e != CURLE_OK || status != 200) {
		fprintf(stderr, "cold_fetch: GET %s: %s (HTTP %ld)\n", url,
		    curl_easy_strerror(e), status);
		return -1;
	}
	return 0;
}

/* write: SIZE bytes to a new file, in 16 KiB writes, then fsync. */
static int
cf_write(const char *path, const char *buf, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	size_t done = 0;

	if (fd < 0)
		return -1;
	while (done < size) {
		size_t n = size - done < CF_CHUNK ? size - done : CF_CHUNK;
		ssize_t w = write(fd, buf + done, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)w;
	}
	if (fsync(fd) != 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* Read exactly size bytes of path into buf. */
static int
cf_read(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "rb");
	int rc;

	if (f == NULL)
		return -1;
	rc = fread(buf, 1, size, f) == size ? 0 : -1;
	fclose(f);
	return rc;
}

/* The file at path has size bytes, and with check, the bytes of ref. */
static int
cf_check(const char *path, size_t size, const char *ref, bool check)
{
	struct stat st;
	char *a, *b;
	int rc = 0;

	if (stat(path, &st) != 0 || (size_t)st.st_size != size) {
		fprintf(stderr, "cold_fetch: %s: not %zu bytes\n", path, size);
		return -1;
	}
	if (!check)
		return 0;
	a = malloc(size ? size : 1);
	b = malloc(size ? size : 1);
	if (a == NULL || b == NULL || cf_read(path, a, size) != 0 ||
	    cf_read(ref, b, size) != 0 || memcmp(a, b, size) != 0) {
		fprintf(stderr, "cold_fetch: %s differs from %s\n", path, ref);
		rc = -1;
	}
	free(a);
	free(b);
	return rc;
}

static void
cf_usage(void)
{
	fprintf(stderr, "usage: cold_fetch -n N -w WARMUP -f FILE URL\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	int n = 50, warmup = 5, opt;
	const char *ref = NULL, *base;
	char url[4096], path[4096], tmpdir[2048];
	pxt_config *cfg = NULL;
	struct stat st;
	size_t size;
	char *buf;

	while ((opt = getopt(argc, argv, "n:w:f:")) != -1) {
		switch (opt) {
		case 'n': n = atoi(optarg); break;
		case 'w': warmup = atoi(optarg); break;
		case 'f': ref = optarg; break;
		default: cf_usage();
		}
	}
	if (optind != argc - 1 || ref == NULL || n < 1 || warmup < 0)
		cf_usage();
	base = argv[optind];
	if (strchr(base, '?') != NULL) {
		fprintf(stderr, "cold_fetch: the URL must have no query\n");
		return 2;
	}
	if (stat(ref, &st) != 0) {
		fprintf(stderr, "cold_fetch: %s: %s\n", ref, strerror(errno));
		return 2;
	}
	size = (size_t)st.st_size;
	if ((buf = malloc(size ? size : 1)) == NULL)
		return 1;
	for (size_t i = 0; i < size; i++)
		buf[i] = (char)(i * 131 + 7);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	if (pxt_config_load(NULL, &cfg) != PXT_OK) {
		fprintf(stderr, "cold_fetch: config: %s\n", pxt_errmsg());
		return 2;
	}
	if (!pxt_config_bool(cfg, "pixeltable", "fetch_allow_private"))
		fprintf(stderr, "cold_fetch: warning: [pixeltable] fetch_allow_private is "
		    "false: a loopback origin is refused\n");
	snprintf(tmpdir, sizeof(tmpdir), "%s/bench_tmp", pxt_config_home(cfg));
	if (pxt_mkdir_p(tmpdir, 0700) != PXT_OK) {
		fprintf(stderr, "cold_fetch: %s\n", pxt_errmsg());
		return 1;
	}
	for (int i = 1; i <= warmup + n; i++) {
		bool measured = i > warmup, check = i <= warmup + 1;

		for (int k = 0; k < CF_NSTEPS; k++) {
			enum cf_step s = (enum cf_step)((i + k) % CF_NSTEPS);
			size_t bytes = size;
			double t0, t1;
			int rc = 0;

			/* not timed: what each step needs beforehand */
			if (s == CF_COLD && pxt_cache_clear(cfg) != PXT_OK) {
				fprintf(stderr, "cold_fetch: clearing the cache: %s\n",
				    pxt_errmsg());
				return 1;
			}
			snprintf(url, sizeof(url), "%s?%s=%d", base, cf_step_name[s], i);
			snprintf(path, sizeof(path), "%s/bench-%s-%d.%ld", tmpdir,
			    cf_step_name[s], i, (long)getpid());
			if (s == CF_ORIGIN) {
				t0 = cf_now_ms();
				rc = cf_origin(url, &bytes);
				t1 = cf_now_ms();
				if (rc == 0 && bytes != size) {
					fprintf(stderr, "cold_fetch: GET %s: %zu bytes, "
					    "expected %zu\n", url, bytes, size);
					rc = -1;
				}
			} else if (s == CF_COLD) {
				pxt_pool *pool = pxt_pool_new(0);
				const char *got = NULL;
				char entry[4096];
				pxt_err e;

				if (pool == NULL)
					return 1;
				/* cold: the entry must not exist */
				if (pxt_cache_path(cfg, url, entry, sizeof(entry)) != PXT_OK ||
				    access(entry, F_OK) == 0) {
					fprintf(stderr, "cold_fetch: %s is cached already\n", url);
					return 1;
				}
				t0 = cf_now_ms();
				e = pxt_cache_get(cfg, pool, url, &got);
				t1 = cf_now_ms();
				if (e != PXT_OK) {
					fprintf(stderr, "cold_fetch: pxt_cache_get %s: %s\n", url,
					    pxt_errmsg());
					rc = -1;
				} else {
					rc = cf_check(got, size, ref, check);
				}
				pxt_pool_free(pool);
			} else if (s == CF_FETCH) {
				pxt_err e;

				t0 = cf_now_ms();
				e = pxt_fetch_url(cfg, url, path, 0, NULL);
				t1 = cf_now_ms();
				if (e != PXT_OK) {
					fprintf(stderr, "cold_fetch: pxt_fetch_url %s: %s\n", url,
					    pxt_errmsg());
					rc = -1;
				} else {
					rc = cf_check(path, size, ref, check);
				}
				unlink(path);
			} else if (s == CF_CREATE) {
				int fd;

				t0 = cf_now_ms();
				fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
				rc = fd < 0 ? -1 : close(fd);
				t1 = cf_now_ms();
				bytes = 0;
				if (rc != 0)
					fprintf(stderr, "cold_fetch: creating %s: %s\n", path,
					    strerror(errno));
				unlink(path);
			} else {
				t0 = cf_now_ms();
				rc = cf_write(path, buf, size);
				t1 = cf_now_ms();
				if (rc != 0)
					fprintf(stderr, "cold_fetch: writing %s: %s\n", path,
					    strerror(errno));
				unlink(path);
			}
			if (rc != 0)
				return 1;
			if (measured)
				printf("SAMPLE i=%d step=%s ms=%.3f bytes=%zu\n", i - warmup,
				    cf_step_name[s], t1 - t0, bytes);
		}
		fflush(stdout);
	}
	pxt_cache_clear(cfg);
	pxt_config_free(cfg);
	curl_global_cleanup();
	free(buf);
	return 0;
}
