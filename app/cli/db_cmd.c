/*
 * db_cmd.c - `pxtc db start|stop|status`, `pxtc config` and `pxtc media-url`
 * (`pxtc config --keys-markdown` is in config_doc.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pxt/pxt.h"
#include "cli.h"

static int
pxt_cli_db_status(const pxt_config *cfg)
{
	struct pxt_embedded_status st;

	if (pxt_embedded_status(cfg, &st) != PXT_OK)
		return pxt_cli_fail("db status");
	if (!st.initialized) {
		printf("not initialized (%s)\n", st.datadir);
		return PXT_EXIT_NOT_RUNNING;
	}
	if (!st.running) {
		printf("stopped (%s)\n", st.datadir);
		return PXT_EXIT_NOT_RUNNING;
	}
	printf("%s (pid %d, data %s, socket %s)\n", st.accepting ? "running" :
	    "starting", (int)st.pid, st.datadir, st.socket_dir);
	return st.accepting ? PXT_EXIT_OK : PXT_EXIT_NOT_RUNNING;
}

static int
pxt_cli_db_external(const pxt_config *cfg, const char *sub)
{
	const char *ci = pxt_config_str(cfg, "pixeltable", "db_connect_str");
	PGPing r;

	if (strcmp(sub, "status") != 0) {
		fprintf(stderr, "pxtc: an external database is configured "
		    "(PIXELTABLE_DB_CONNECT_STR): pxtc does not start or stop it\n");
		return PXT_EXIT_ERROR;
	}
	r = PQping(ci);
	printf("external database: %s\n", r == PQPING_OK ? "accepting connections" :
	    r == PQPING_REJECT ? "rejecting connections" : "unreachable");
	return r == PQPING_OK ? PXT_EXIT_OK : PXT_EXIT_NOT_RUNNING;
}

int
pxt_cli_db(int argc, char **argv)
{
	const char *ext, *sub = argc > 1 ? argv[1] : "";
	pxt_config *cfg;
	int code = PXT_EXIT_OK;

	if (strcmp(sub, "start") && strcmp(sub, "stop") && strcmp(sub, "status")) {
		fprintf(stderr, "usage: pxtc db start|stop|status\n");
		return PXT_EXIT_USAGE;
	}
	if (pxt_config_load(NULL, &cfg) != PXT_OK)
		return pxt_cli_fail(NULL);
	ext = pxt_config_str(cfg, "pixeltable", "db_connect_str");
	if (ext != NULL && *ext != '\0') {
		code = pxt_cli_db_external(cfg, sub);
	} else if (strcmp(sub, "start") == 0) {
		if (pxt_embedded_start(cfg, NULL) != PXT_OK)
			code = pxt_cli_fail("db start");
		else
			code = pxt_cli_db_status(cfg);
	} else if (strcmp(sub, "stop") == 0) {
		if (pxt_embedded_stop(cfg, 30) != PXT_OK)
			code = pxt_cli_fail("db stop");
		else
			printf("stopped\n");
	} else {
		code = pxt_cli_db_status(cfg);
	}
	pxt_config_free(cfg);
	return code;
}

static void
pxt_cli_config_line(void *ud, const char *section, const char *key,
    const char *value, bool secret, const char *doc)
{
	const pxt_config *cfg = ud;
	pxt_pool *pool = pxt_pool_new(0);
	const char *src = pool ? pxt_config_source(cfg, section, key, pool) : "?";

	(void)doc;
	printf("[%s] %s = %s  (%s)\n", section, key,
	    value == NULL ? "(unset)" : secret ? "(set, hidden)" : value, src);
	pxt_pool_free(pool);
}

int
pxt_cli_config(int argc, char **argv)
{
	pxt_config *cfg;

	if (argc == 2 && strcmp(argv[1], "--keys-markdown") == 0)
		return pxt_cli_config_keys_markdown();
	if (argc > 1) {
		fprintf(stderr, "usage: pxtc config [--keys-markdown]\n");
		return PXT_EXIT_USAGE;
	}
	if (pxt_config_load(NULL, &cfg) != PXT_OK)
		return pxt_cli_fail(NULL);
	printf("PIXELTABLE_HOME = %s\n", pxt_config_home(cfg));
	pxt_config_each(cfg, pxt_cli_config_line, cfg);
	pxt_config_free(cfg);
	return PXT_EXIT_OK;
}

int
pxt_cli_media_url(int argc, char **argv)
{
	long ttl;
	pxt_config *cfg;
	pxt_pool *pool;
	char *secret, *url = NULL, *end = NULL;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: pxtc media-url PATH [TTL_SECONDS]\n");
		return PXT_EXIT_USAGE;
	}
	if (pxt_config_load(NULL, &cfg) != PXT_OK)
		return pxt_cli_fail(NULL);
	ttl = argc == 3 ? strtol(argv[2], &end, 10) :
	    (long)pxt_config_int(cfg, "server", "media_url_ttl_s");
	if (argc == 3 && (*end != '\0' || ttl <= 0)) {
		pxt_config_free(cfg);
		fprintf(stderr, "pxtc: TTL must be a positive number of seconds\n");
		return PXT_EXIT_USAGE;
	}
	if ((pool = pxt_pool_new(0)) != NULL &&
	    (secret = pxt_media_secret(cfg, pool)) != NULL)
		url = pxt_media_url(pool, argv[1], secret, ttl, time(NULL));
	if (url != NULL)
		printf("%s\n", url);
	pxt_pool_free(pool);
	pxt_config_free(cfg);
	return url != NULL ? PXT_EXIT_OK : pxt_cli_fail("media-url");
}
