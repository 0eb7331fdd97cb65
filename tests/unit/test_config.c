/*
 * test_config.c - configuration precedence, config.toml and .env handling, validation
 * messages with file, line and column.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pxt/config.h"
#include "pxt_test.h"

static char home[] = "/tmp/pxt-config-XXXXXX";
static char envfile[512], tomlfile[512];

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static pxt_config *
load(const char *toml, const char *dotenv)
{
	pxt_config *cfg = NULL;

	unlink(tomlfile);
	unlink(envfile);
	if (toml)
		write_file(tomlfile, toml);
	if (dotenv)
		write_file(envfile, dotenv);
	if (pxt_config_load(envfile, &cfg) != PXT_OK)
		return NULL;
	return cfg;
}

static void
test_precedence(void)
{
	pxt_config *cfg;
	pxt_pool *pool = pxt_pool_new(0);

	cfg = load("file_cache_size_g = 50\n[server]\nport = 9000\nworkers = 3\n"
	    "[app]\nnamespace = \"fromtoml\"\nmodel = \"m1\"\n",
	    "# comment\nexport SERVER_WORKERS=5\nAPP_NAMESPACE='fromdotenv'\n");
	PXT_CHECK(cfg != NULL);
	if (cfg == NULL) {
		fprintf(stderr, "%s\n", pxt_errmsg());
		return;
	}
	/* a root key belongs to [pixeltable] */
	PXT_CHECK(pxt_config_float(cfg, "pixeltable", "file_cache_size_g") == 50.0);
	PXT_CHECK_INT(pxt_config_int(cfg, "server", "port"), 9000);
	PXT_CHECK_INT(pxt_config_int(cfg, "server", "workers"), 5);	/* .env > toml */
	PXT_CHECK_STR(pxt_config_str(cfg, "app", "namespace"), "fromdotenv");
	PXT_CHECK_STR(pxt_config_str(cfg, "app", "model"), "m1");	/* free-form */
	PXT_CHECK_INT(pxt_config_int(cfg, "server", "max_upload_mb"), 512);	/* default */
	PXT_CHECK_STR(pxt_config_source(cfg, "server", "workers", pool),
	    pxt_psprintf(pool, "%s:2", envfile));
	PXT_CHECK_STR(pxt_config_source(cfg, "server", "port", pool),
	    pxt_psprintf(pool, "%s:3:8", tomlfile));
	PXT_CHECK_STR(pxt_config_source(cfg, "jobs", "ttl_s", pool), "default");
	PXT_CHECK_STR(pxt_config_source(cfg, "s3", "endpoint", pool), "unset");
	/* the real environment wins over both files */
	setenv("SERVER_WORKERS", "7", 1);
	setenv("APP_NAMESPACE", "fromenv", 1);
	PXT_CHECK_INT(pxt_config_int(cfg, "server", "workers"), 7);
	PXT_CHECK_STR(pxt_config_str(cfg, "app", "namespace"), "fromenv");
	PXT_CHECK_STR(pxt_config_source(cfg, "server", "workers", pool),
	    "environment SERVER_WORKERS");
	unsetenv("SERVER_WORKERS");
	unsetenv("APP_NAMESPACE");
	PXT_CHECK_STR(pxt_config_home(cfg), home);
	pxt_config_free(cfg);
	pxt_pool_free(pool);
}

static void
test_lists_and_bools(void)
{
	pxt_pool *pool = pxt_pool_new(0);
	pxt_config *cfg;
	char **items;
	int n;

	cfg = load("api_key = [\"k1\", \"k2\"]\nfetch_allow_private = true\n"
	    "[server]\nrouters = \"data.so, search.so,,\"\n", "");
	PXT_CHECK(cfg != NULL);
	if (cfg == NULL)
		return;
	items = pxt_config_list(cfg, "pixeltable", "api_key", pool, &n);
	PXT_CHECK_INT(n, 2);
	PXT_CHECK(n == 2 && strcmp(items[0], "k1") == 0 && strcmp(items[1], "k2") == 0);
	items = pxt_config_list(cfg, "server", "routers", pool, &n);
	PXT_CHECK_INT(n, 2);
	PXT_CHECK(n == 2 && strcmp(items[1], "search.so") == 0);
	PXT_CHECK(pxt_config_bool(cfg, "pixeltable", "fetch_allow_private"));
	setenv("PIXELTABLE_FETCH_ALLOW_PRIVATE", "off", 1);
	PXT_CHECK(!pxt_config_bool(cfg, "pixeltable", "fetch_allow_private"));
	unsetenv("PIXELTABLE_FETCH_ALLOW_PRIVATE");
	PXT_CHECK(pxt_config_int(cfg, "server", "workers") >= 2);	/* computed */
	PXT_CHECK(pxt_config_float(cfg, "pixeltable", "file_cache_size_g") > 0);
	pxt_config_free(cfg);
	/* trusted proxies: IPv4, IPv6, either with a prefix; empty entries skipped */
	cfg = load("[server]\ntrusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\"]\n",
	    "SERVER_WRITE_RATE_LIMIT=5\n");
	PXT_CHECK(cfg != NULL);
	if (cfg == NULL)
		return;
	items = pxt_config_list(cfg, "server", "trusted_proxies", pool, &n);
	PXT_CHECK(n == 2 && strcmp(items[1], "10.0.0.0/8") == 0);
	setenv("SERVER_TRUSTED_PROXIES", " 2001:db8::/32,::1 ,, 192.168.0.1/32", 1);
	items = pxt_config_list(cfg, "server", "trusted_proxies", pool, &n);
	PXT_CHECK(n == 3 && strcmp(items[0], "2001:db8::/32") == 0);
	PXT_CHECK_INT(pxt_config_int(cfg, "server", "write_rate_limit"), 5);
	PXT_CHECK_INT(pxt_config_int(cfg, "server", "write_rate_burst"), 10);
	PXT_CHECK_INT(pxt_config_int(cfg, "server", "tls_port"), 8443);
	PXT_CHECK(pxt_config_str(cfg, "server", "tls_cert") == NULL);
	pxt_config_free(cfg);
	/* a list from the environment is checked when loading */
	cfg = load(NULL, NULL);
	PXT_CHECK(cfg != NULL);
	unsetenv("SERVER_TRUSTED_PROXIES");
	pxt_config_free(cfg);
	pxt_pool_free(pool);
}

static void
expect_error(const char *toml, const char *dotenv, const char *needle)
{
	pxt_config *cfg = load(toml, dotenv);

	PXT_CHECK(cfg == NULL);
	PXT_CHECK_INT(pxt_errcode(), PXT_ECONFIG);
	if (strstr(pxt_errmsg(), needle) == NULL) {
		fprintf(stderr, "message '%s' lacks '%s'\n", pxt_errmsg(), needle);
		PXT_CHECK(0);
	}
	pxt_config_free(cfg);
}

static void
test_errors(void)
{
	char want[1200];

	snprintf(want, sizeof(want), "%s:2:8: [server] port must be between 1 and 65535",
	    tomlfile);
	expect_error("[server]\nport = 70000\n", NULL, want);
	snprintf(want, sizeof(want), "%s:2:8: [server] port must be an integer, got string",
	    tomlfile);
	expect_error("[server]\nport = \"80\"\n", NULL, want);
	snprintf(want, sizeof(want), "%s:1:", tomlfile);
	expect_error("port = = 3\n", NULL, want);	/* syntax: the parser's position */
	expect_error("log_level = \"loud\"\n", NULL, "must be debug, info, warn or error");
	expect_error("file_cache_size_g = 5\n[pixeltable]\nfile_cache_size_g = 6\n", NULL,
	    "set both before any section and in [pixeltable]");
	snprintf(want, sizeof(want), "%s:1: SERVER_PORT: [server] port must be an integer",
	    envfile);
	expect_error(NULL, "SERVER_PORT=eighty\n", want);
	snprintf(want, sizeof(want), "%s:2:", envfile);
	expect_error(NULL, "A=1\nB='unterminated\n", want);
	setenv("JOBS_MAX_ATTEMPTS", "0", 1);
	expect_error(NULL, NULL, "environment variable JOBS_MAX_ATTEMPTS: [jobs] "
	    "max_attempts must be between 1 and 100");
	unsetenv("JOBS_MAX_ATTEMPTS");
	/* nginx's keys: addresses or CIDRs only, ports and rates in range */
	setenv("SERVER_TRUSTED_PROXIES", "10.0.0.0/8, 10.0.0.300", 1);
	expect_error(NULL, NULL, "environment variable SERVER_TRUSTED_PROXIES: [server] "
	    "trusted_proxies must be IPv4 or IPv6 addresses or CIDRs (comma-separated), "
	    "got '10.0.0.300'");
	setenv("SERVER_TRUSTED_PROXIES", "192.168.1.0/33", 1);
	expect_error(NULL, NULL, "got '192.168.1.0/33'");
	setenv("SERVER_TRUSTED_PROXIES", "proxy.example.org", 1);
	expect_error(NULL, NULL, "got 'proxy.example.org'");
	unsetenv("SERVER_TRUSTED_PROXIES");
	snprintf(want, sizeof(want), "%s:2:19: [server] trusted_proxies must be IPv4 or "
	    "IPv6 addresses or CIDRs (comma-separated), got '::1/129'", tomlfile);
	expect_error("[server]\ntrusted_proxies = [\"127.0.0.1\", \"::1/129\"]\n", NULL,
	    want);
	expect_error("[server]\ntrusted_proxies = [\"127.0.0.1\", 5]\n", NULL,
	    "must be a list of strings");
	expect_error("[server]\nwrite_rate_limit = -1\n", NULL,
	    "[server] write_rate_limit must be between 0 and 1000000, got -1");
	expect_error(NULL, "SERVER_WRITE_RATE_BURST=1.5\n", "[server] write_rate_burst "
	    "must be an integer, got '1.5'");
	expect_error("[server]\ntls_port = 0\n", NULL,
	    "[server] tls_port must be between 1 and 65535, got 0");
	/* an unknown key is a warning, not an error */
	{
		pxt_config *ok = load("[server]\nprot = 1\n", NULL);

		PXT_CHECK(ok != NULL);
		pxt_config_free(ok);
	}
}

int
main(void)
{
	pxt_config *cfg;

	if (mkdtemp(home) == NULL)
		return 1;
	snprintf(envfile, sizeof(envfile), "%s/test.env", home);
	snprintf(tomlfile, sizeof(tomlfile), "%s/config.toml", home);
	setenv("PIXELTABLE_HOME", home, 1);
	unsetenv("PIXELTABLE_DB_CONNECT_STR");
	test_precedence();
	test_lists_and_bools();
	test_errors();
	/* PIXELTABLE_HOME from .env, made absolute */
	unsetenv("PIXELTABLE_HOME");
	cfg = load(NULL, "PIXELTABLE_HOME=relative/home\n");
	PXT_CHECK(cfg != NULL && pxt_config_home(cfg)[0] == '/' &&
	    strstr(pxt_config_home(cfg), "/relative/home") != NULL);
	pxt_config_free(cfg);
	cfg = load(NULL, "PIXELTABLE_HOME=\n");
	PXT_CHECK(cfg == NULL && strstr(pxt_errmsg(), "is empty") != NULL);
	unlink(envfile);
	unlink(tomlfile);
	rmdir(home);
	return pxt_test_done();
}
