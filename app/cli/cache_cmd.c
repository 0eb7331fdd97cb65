/*
 * cache_cmd.c - `pxtc cache stats|evict|clear`: the file cache of downloaded media
 * URLs ($PIXELTABLE_HOME/file_cache, bounded by [pixeltable] file_cache_size_g).
 * Files leased by a running process (a request reading them) are never removed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/pxt.h"
#include "cli.h"
#include "media/file_cache_int.h"

static void
pxt_cli_cache_usage(void)
{
	fprintf(stderr, "usage: pxtc cache stats\n"
	    "       pxtc cache evict [SIZE]   evict least recently used files until "
	    "the cache\n"
	    "                                 holds at most SIZE bytes (suffix K, M or "
	    "G; default\n"
	    "                                 [pixeltable] file_cache_size_g)\n"
	    "       pxtc cache clear          remove every cached file not in use\n");
}

/* Bytes from "123", "50M", "1.5G" (decimal units); -1 when malformed. */
static int64_t
pxt_cli_cache_size(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || v < 0)
		return -1;
	if (*end == 'K' || *end == 'k')
		v *= 1e3, end++;
	else if (*end == 'M' || *end == 'm')
		v *= 1e6, end++;
	else if (*end == 'G' || *end == 'g')
		v *= 1e9, end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end != '\0' || v > 9e18)
		return -1;
	return (int64_t)v;
}

static int
pxt_cli_cache_evict(const pxt_config *cfg, int64_t target)
{
	int64_t n0, b0, n1, b1;

	if (pxt_cache_stats(cfg, &n0, &b0) != PXT_OK ||
	    pxt_cache_evict(cfg, target) != PXT_OK ||
	    pxt_cache_stats(cfg, &n1, &b1) != PXT_OK)
		return pxt_cli_fail("cache");
	printf("evicted %" PRId64 " files (%" PRId64 " bytes); %" PRId64 " files, %"
	    PRId64 " bytes left\n", n0 - n1, b0 - b1, n1, b1);
	if (b1 > target)
		printf("files in use are kept: the cache stays above %" PRId64
		    " bytes until they are released\n", target);
	return PXT_EXIT_OK;
}

int
pxt_cli_cache(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	pxt_config *cfg;
	int64_t n, bytes, target = -1;
	int rc = PXT_EXIT_OK;

	if (sub == NULL || (strcmp(sub, "stats") != 0 && strcmp(sub, "evict") != 0 &&
	    strcmp(sub, "clear") != 0) || argc > (strcmp(sub, "evict") == 0 ? 3 : 2)) {
		pxt_cli_cache_usage();
		return PXT_EXIT_USAGE;
	}
	if (argc == 3 && (target = pxt_cli_cache_size(argv[2])) < 0) {
		fprintf(stderr, "pxtc: SIZE must be a number of bytes (suffix K, M or G), "
		    "got '%s'\n", argv[2]);
		return PXT_EXIT_USAGE;
	}
	if (pxt_config_load(NULL, &cfg) != PXT_OK)
		return pxt_cli_fail(NULL);
	if (strcmp(sub, "stats") == 0) {
		if (pxt_cache_stats(cfg, &n, &bytes) != PXT_OK) {
			rc = pxt_cli_fail("cache stats");
		} else {
			printf("folder   %s/file_cache\n", pxt_config_home(cfg));
			printf("files    %" PRId64 "\n", n);
			printf("bytes    %" PRId64 "\n", bytes);
			printf("limit    %" PRId64 " ([pixeltable] file_cache_size_g = %g)\n",
			    pxt_cache_limit(cfg),
			    pxt_config_float(cfg, "pixeltable", "file_cache_size_g"));
		}
	} else if (strcmp(sub, "clear") == 0) {
		rc = pxt_cli_cache_evict(cfg, 0);
	} else {
		rc = pxt_cli_cache_evict(cfg, target >= 0 ? target : pxt_cache_limit(cfg));
	}
	pxt_config_free(cfg);
	return rc;
}
