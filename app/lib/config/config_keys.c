/*
 * config_keys.c - every configuration key pxtc reads, with its type, default and
 * meaning. The README's table of keys is printed from this table by
 * `pxtc config --keys-markdown`, and the test unit_config_keys_readme fails when the
 * two differ: change a key here, then refresh the README with
 * tests/unit/config_keys_readme.sh PXTC README.md --write.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "pxt/log.h"
#include "pxt/os.h"
#include "pxt_build_config.h"
#include "config/config_keys_int.h"

#define S PXT_CFG_STR
#define I PXT_CFG_INT
#define F PXT_CFG_FLOAT
#define B PXT_CFG_BOOL
#define L PXT_CFG_LIST
#define A PXT_CFG_ADDRS

const struct pxt_cfgkey pxt_cfg_keys[] = {
	{"pixeltable", "db_connect_str", S, true, 0, 0, NULL,
	    "libpq connection string of an external PostgreSQL (default: unset: the "
	    "embedded PostgreSQL)"},
	{"pixeltable", "file_cache_size_g", F, false, 0, 0, NULL,
	    "file cache bound in GB, fractions allowed (default: 20% of free disk)"},
	{"pixeltable", "file_cache_lease_s", I, false, 1, 0, "600",
	    "age in seconds past which a crashed download's temporary file is removed"},
	{"pixeltable", "input_media_dest", S, false, 0, 0, NULL,
	    "where uploads go: `local`, `s3://`, `gs://` or `az://` (default: `local`, "
	    "the home's media)"},
	{"pixeltable", "output_media_dest", S, false, 0, 0, NULL,
	    "where generated media goes; a column's `destination` wins (default: "
	    "`local`, the home's media)"},
	{"pixeltable", "media_roots", L, false, 0, 0, NULL,
	    "folders local media paths may come from (default: the home's media and "
	    "tmp, the working directory)"},
	{"pixeltable", "fetch_allow_private", B, false, 0, 0, "false",
	    "allow fetching URLs on loopback, private and link-local addresses"},
	{"pixeltable", "api_key", L, true, 0, 0, NULL,
	    "API key, or comma-separated keys (default: unset: routes are open)"},
	{"pixeltable", "cors_origins", L, false, 0, 0, NULL,
	    "origins allowed by CORS (comma-separated)"},
	{"pixeltable", "log_level", PXT_CFG_LEVEL, false, 0, 0, "info",
	    "debug, info, warn or error"},
	{"pixeltable", "time_zone", S, false, 0, 0, "UTC",
	    "time zone of the database session"},
	{"pixeltable", "pg_bin_dir", S, false, 0, 0, PXT_PG_BINDIR_DEFAULT,
	    "folder of the PostgreSQL server binaries for the embedded mode (default: "
	    "found by CMake, `/usr/lib/postgresql/15/bin` on Debian 12)"},
	{"pixeltable", "db_start_timeout_s", I, false, 1, 3600, "60",
	    "seconds to wait for the embedded PostgreSQL to accept connections"},
	{"pixeltable", "db_max_connections", I, false, 10, 10000, "100",
	    "max_connections of the embedded PostgreSQL"},
	{"pixeltable", "udf_dir", S, false, 0, 0, NULL,
	    "folder of UDF modules (default: the build's `udfs/`, installed: "
	    "`lib/pxtc/udfs`)"},
	{"pixeltable", "udf_modules", L, false, 0, 0, NULL,
	    "UDF modules to load: names in `udf_dir`, or absolute paths (default: "
	    "every `.so` in `udf_dir`)"},
	{"server", "port", I, false, 1, 65535, "8080", "nginx listen port"},
	{"server", "host", S, false, 0, 0, "127.0.0.1", "nginx listen address"},
	{"server", "workers", I, false, 1, 1024, NULL,
	    "FastCGI worker processes (default: 2 x cores)"},
	{"server", "routers_dir", S, false, 0, 0, NULL, "folder of router modules "
	    "(default: the build's `routers/`, installed: `lib/pxtc/routers`)"},
	{"server", "routers", L, false, 0, 0, NULL,
	    "router modules to load, by name (default: every `.so` in "
	    "`routers_dir`)"},
	{"server", "service_file", S, false, 0, 0, NULL,
	    "TOML service file of declared routes; empty: none (default: the "
	    "reference app's `service.toml`)"},
	{"server", "static_dir", S, false, 0, 0, NULL,
	    "folder of a built single-page app (with `index.html`) nginx serves at `/`, "
	    "relative to the working directory (default: unset: `/` goes to the workers)"},
	{"server", "max_json_body_mb", F, false, 0, 0, "8", "JSON body limit (MB)"},
	{"server", "max_upload_mb", F, false, 0, 0, "512", "upload limit (MB)"},
	{"server", "request_timeout_s", I, false, 1, 86400, "60", "request time limit"},
	{"server", "udf_timeout_s", I, false, 0, 86400, "30",
	    "seconds one UDF call may run in a worker before the worker is replaced "
	    "(0: no limit)"},
	{"server", "media_url_secret", S, true, 0, 0, NULL,
	    "secret signing /media URLs (default: generated into the home's `run/`)"},
	{"server", "media_url_ttl_s", I, false, 1, 604800, "3600",
	    "signed media URL lifetime (also of presigned object-store URLs)"},
	{"server", "tls_cert", S, false, 0, 0, NULL,
	    "PEM certificate (with its chain) nginx serves HTTPS with; TLS is on when "
	    "it and `tls_key` are set, relative to the working directory (default: "
	    "unset: no HTTPS)"},
	{"server", "tls_key", S, false, 0, 0, NULL,
	    "PEM private key of `tls_cert`, read by nginx's master only (default: "
	    "unset: no HTTPS)"},
	{"server", "tls_port", I, false, 1, 65535, "8443",
	    "nginx HTTPS listen port, on `host`, when TLS is on"},
	{"server", "tls_redirect", B, false, 0, 0, "false",
	    "with TLS on, nginx answers plain HTTP with a 308 to HTTPS (`/api/health` "
	    "excepted)"},
	{"server", "hsts_max_age_s", I, false, 0, 63072000, "0",
	    "Strict-Transport-Security max-age on HTTPS answers (0: no header)"},
	{"server", "trusted_proxies", A, false, 0, 0, NULL,
	    "addresses or CIDRs of proxies in front of nginx whose X-Forwarded-For it "
	    "believes, comma-separated (default: unset: the peer's address is the "
	    "client's)"},
	{"server", "write_rate_limit", I, false, 0, 1000000, "0",
	    "POST, PUT, PATCH and DELETE requests per second nginx passes per client "
	    "address, beyond it 429 `rate_limited` (0: no limit)"},
	{"server", "write_rate_burst", I, false, 0, 1000000, "10",
	    "writes beyond `write_rate_limit` a client may send at once before the 429s"},
	{"jobs", "ttl_s", I, false, 1, 0, "86400", "seconds finished jobs are kept"},
	{"jobs", "max_attempts", I, false, 1, 100, "3", "tries of a job whose worker died"},
	{"s3", "access_key_id", S, false, 0, 0, NULL,
	    "S3 access key id (default: `AWS_ACCESS_KEY_ID`)"},
	{"s3", "secret_access_key", S, true, 0, 0, NULL,
	    "S3 secret key (default: `AWS_SECRET_ACCESS_KEY`)"},
	{"s3", "session_token", S, true, 0, 0, NULL,
	    "S3 session token (default: `AWS_SESSION_TOKEN`)"},
	{"s3", "region", S, false, 0, 0, "us-east-1",
	    "S3 region (default: `AWS_REGION`, else us-east-1)"},
	{"s3", "endpoint", S, false, 0, 0, NULL,
	    "S3-compatible endpoint URL, path-style requests (default: "
	    "`AWS_ENDPOINT_URL`, else AWS)"},
	{"gcs", "access_key_id", S, false, 0, 0, NULL, "GCS HMAC access id"},
	{"gcs", "secret", S, true, 0, 0, NULL, "GCS HMAC secret"},
	{"gcs", "endpoint", S, false, 0, 0, "https://storage.googleapis.com",
	    "GCS XML API endpoint URL"},
	{"azure", "account_name", S, false, 0, 0, NULL, "Azure storage account"},
	{"azure", "account_key", S, true, 0, 0, NULL, "Azure SharedKey"},
	{"azure", "sas_token", S, true, 0, 0, NULL, "Azure SAS token"},
	{"azure", "endpoint", S, false, 0, 0, NULL, "Azure Blob endpoint URL (default: "
	    "`https://<account>.blob.core.windows.net`)"},
	{"openai", "api_key", S, true, 0, 0, NULL, "OpenAI-compatible API key"},
	{"openai", "base_url", S, false, 0, 0, "https://api.openai.com/v1",
	    "OpenAI-compatible base URL"},
	{"openai", "embedding_model", S, false, 0, 0, NULL, "embedding model id"},
	{"openai", "chat_model", S, false, 0, 0, NULL, "chat model id"},
	{"app", "namespace", S, false, 0, 0, "app",
	    "the reference app's directory; `[app]` takes any other keys"},
};

_Static_assert(sizeof(pxt_cfg_keys) / sizeof(pxt_cfg_keys[0]) == PXT_CFG_NKEYS,
    "PXT_CFG_NKEYS must count the entries of pxt_cfg_keys");

#undef S
#undef I
#undef F
#undef B
#undef L
#undef A

bool
pxt_cfg_known_section(const char *section)
{
	static const char *const known[] = {"pixeltable", "server", "jobs", "s3",
	    "gcs", "azure", "openai"};

	for (size_t i = 0; i < sizeof(known) / sizeof(*known); i++)
		if (strcmp(section, known[i]) == 0)
			return true;
	return false;
}

int
pxt_cfg_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"true", "1", "yes", "on"};
	static const char *const no[] = {"false", "0", "no", "off"};

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static pxt_err
pxt_cfg_range(const struct pxt_cfgkey *k, double v, char *why, size_t whylen)
{
	if (v < (double)k->min || (k->max != 0 && v > (double)k->max)) {
		if (k->max != 0)
			snprintf(why, whylen, "must be between %lld and %lld, got %g",
			    (long long)k->min, (long long)k->max, v);
		else
			snprintf(why, whylen, "must be at least %lld, got %g",
			    (long long)k->min, v);
		return PXT_ECONFIG;
	}
	return PXT_OK;
}

/* One entry of an address list: an IPv4 or IPv6 address, or one with a /prefix. */
static bool
pxt_cfg_addr_ok(const char *s, size_t n)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	unsigned char bin[16];
	int bits = -1, af;

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash++ = '\0';
		if (*slash == '\0' || strlen(slash) > 3)
			return false;
		bits = 0;
		for (const char *d = slash; *d != '\0'; d++) {
			if (!isdigit((unsigned char)*d))
				return false;
			bits = bits * 10 + (*d - '0');
		}
	}
	af = strchr(buf, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(af, buf, bin) != 1)
		return false;
	return bits <= (af == AF_INET6 ? 128 : 32);
}

/* A comma-separated address list (PXT_CFG_ADDRS); empty entries are skipped. */
static pxt_err
pxt_cfg_check_addrs(const char *text, char *why, size_t whylen)
{
	const char *p = text;

	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		const char *b = p, *e = p + n;

		while (b < e && isspace((unsigned char)*b))
			b++;
		while (e > b && isspace((unsigned char)e[-1]))
			e--;
		if (e > b && !pxt_cfg_addr_ok(b, (size_t)(e - b))) {
			snprintf(why, whylen, "must be IPv4 or IPv6 addresses or CIDRs "
			    "(comma-separated), got '%.*s'", (int)(e - b < 64 ? e - b : 64),
			    b);
			return PXT_ECONFIG;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return PXT_OK;
}

pxt_err
pxt_cfg_check_text(const struct pxt_cfgkey *k, const char *text, char *why,
    size_t whylen)
{
	char *end;
	bool b;

	switch (k->type) {
	case PXT_CFG_INT: {
		long long v;

		errno = 0;
		v = strtoll(text, &end, 10);
		if (errno != 0 || end == text || *end != '\0') {
			snprintf(why, whylen, "must be an integer, got '%.64s'", text);
			return PXT_ECONFIG;
		}
		return pxt_cfg_range(k, (double)v, why, whylen);
	}
	case PXT_CFG_FLOAT: {
		double v;

		errno = 0;
		v = strtod(text, &end);
		if (errno != 0 || end == text || *end != '\0' || !isfinite(v)) {
			snprintf(why, whylen, "must be a number, got '%.64s'", text);
			return PXT_ECONFIG;
		}
		return pxt_cfg_range(k, v, why, whylen);
	}
	case PXT_CFG_BOOL:
		if (pxt_cfg_parse_bool(text, &b) != 0) {
			snprintf(why, whylen, "must be true or false, got '%.64s'", text);
			return PXT_ECONFIG;
		}
		return PXT_OK;
	case PXT_CFG_LEVEL:
		if (pxt_log_parse_level(text) < 0) {
			snprintf(why, whylen, "must be debug, info, warn or error, got "
			    "'%.64s'", text);
			return PXT_ECONFIG;
		}
		return PXT_OK;
	case PXT_CFG_ADDRS:
		return pxt_cfg_check_addrs(text, why, whylen);
	default:
		return PXT_OK;
	}
}

pxt_err
pxt_cfg_check_toml(const struct pxt_cfgkey *k, const pxt_toml_value *v, char *why,
    size_t whylen)
{
	pxt_toml_kind kind = pxt_toml_kind_of(v);
	const char *want = NULL;

	switch (k->type) {
	case PXT_CFG_INT:
		if (kind != PXT_TOML_INT)
			want = "an integer";
		else
			return pxt_cfg_range(k, (double)pxt_toml_int(v), why, whylen);
		break;
	case PXT_CFG_FLOAT:
		if (kind == PXT_TOML_INT)
			return pxt_cfg_range(k, (double)pxt_toml_int(v), why, whylen);
		if (kind != PXT_TOML_FLOAT || !isfinite(pxt_toml_float(v)))
			want = "a number";
		else
			return pxt_cfg_range(k, pxt_toml_float(v), why, whylen);
		break;
	case PXT_CFG_BOOL:
		if (kind != PXT_TOML_BOOL)
			want = "true or false";
		break;
	case PXT_CFG_LIST:
		if (kind == PXT_TOML_ARRAY) {
			for (size_t i = 0; i < pxt_toml_len(v); i++)
				if (pxt_toml_kind_of(pxt_toml_at(v, i, NULL)) !=
				    PXT_TOML_STRING)
					want = "a list of strings";
		} else if (kind != PXT_TOML_STRING) {
			want = "a string or a list of strings";
		}
		break;
	case PXT_CFG_LEVEL:
		if (kind != PXT_TOML_STRING)
			want = "a string";
		else
			return pxt_cfg_check_text(k, pxt_toml_str(v, NULL), why, whylen);
		break;
	case PXT_CFG_ADDRS:
		if (kind == PXT_TOML_STRING)
			return pxt_cfg_check_addrs(pxt_toml_str(v, NULL), why, whylen);
		if (kind != PXT_TOML_ARRAY) {
			want = "a string or a list of strings";
			break;
		}
		for (size_t i = 0; i < pxt_toml_len(v); i++) {
			const pxt_toml_value *e = pxt_toml_at(v, i, NULL);

			if (pxt_toml_kind_of(e) != PXT_TOML_STRING) {
				want = "a list of strings";
				break;
			}
			if (pxt_cfg_check_addrs(pxt_toml_str(e, NULL), why, whylen) !=
			    PXT_OK)
				return PXT_ECONFIG;
		}
		break;
	default:
		if (kind != PXT_TOML_STRING)
			want = "a string";
		break;
	}
	if (want != NULL) {
		snprintf(why, whylen, "must be %s, got %s", want, pxt_toml_kind_name(kind));
		return PXT_ECONFIG;
	}
	return PXT_OK;
}

static int
pxt_cfg_index(const char *section, const char *key)
{
	for (int i = 0; i < PXT_CFG_NKEYS; i++)
		if (strcmp(pxt_cfg_keys[i].section, section) == 0 &&
		    strcmp(pxt_cfg_keys[i].key, key) == 0)
			return i;
	return -1;
}

pxt_err
pxt_cfg_compute_defaults(pxt_pool *pool, const char *home, const char **computed)
{
	char probe[4096], cwd[4096];
	struct statvfs vfs;
	long cores;
	double free_g = 1.0;

	cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (cores < 1)
		cores = 1;
	computed[pxt_cfg_index("server", "workers")] =
	    pxt_psprintf(pool, "%ld", cores * 2);

	/* 20% of the free space where the home is (or would be) */
	snprintf(probe, sizeof(probe), "%s", home);
	while (statvfs(probe, &vfs) != 0) {
		char *slash = strrchr(probe, '/');

		if (slash == NULL || slash == probe) {
			snprintf(probe, sizeof(probe), "/");
			if (statvfs(probe, &vfs) != 0)
				vfs.f_bavail = 0;
			break;
		}
		*slash = '\0';
	}
	if (vfs.f_bavail > 0)
		free_g = (double)vfs.f_bavail * (double)vfs.f_frsize / 1e9;
	computed[pxt_cfg_index("pixeltable", "file_cache_size_g")] =
	    pxt_psprintf(pool, "%.3f", free_g * 0.2);

	if (getcwd(cwd, sizeof(cwd)) == NULL)
		snprintf(cwd, sizeof(cwd), "%s", home);
	computed[pxt_cfg_index("pixeltable", "media_roots")] =
	    pxt_psprintf(pool, "%s/media,%s/tmp,%s", home, home, cwd);
	computed[pxt_cfg_index("server", "routers_dir")] = PXT_ROUTERS_DIR_DEFAULT;
	computed[pxt_cfg_index("pixeltable", "udf_dir")] = PXT_UDF_DIR_DEFAULT;
	computed[pxt_cfg_index("server", "service_file")] = PXT_SERVICE_FILE_DEFAULT;
	return PXT_OK;
}
