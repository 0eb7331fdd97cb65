/*
 * catalog_cmd.c - `pxtc ls` and `pxtc describe`: read the catalog.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pxt/pxt.h"
#include "cli.h"

int
pxt_cli_ls(int argc, char **argv)
{
	const char *dir = "";
	bool recursive = false;
	pxt_entry *entries;
	pxt_pool *pool;
	pxt_env *env;
	int n, code = PXT_EXIT_OK;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-r") == 0)
			recursive = true;
		else if (argv[i][0] != '-' && *dir == '\0')
			dir = argv[i];
		else {
			fprintf(stderr, "usage: pxtc ls [DIR] [-r]\n");
			return PXT_EXIT_USAGE;
		}
	}
	if ((env = pxt_open(NULL)) == NULL)
		return pxt_cli_fail(NULL);
	if ((pool = pxt_pool_new(0)) == NULL ||
	    pxt_list(env, dir, recursive, pool, &entries, &n) != PXT_OK) {
		code = pxt_cli_fail("ls");
	} else {
		for (int i = 0; i < n; i++)
			printf("%-6s %s\n", entries[i].kind, entries[i].path);
	}
	pxt_pool_free(pool);
	pxt_close(env);
	return code;
}

int
pxt_cli_describe(int argc, char **argv)
{
	pxt_pool *pool;
	pxt_table *t;
	pxt_env *env;
	char *text;
	int code = PXT_EXIT_OK;

	if (argc != 2) {
		fprintf(stderr, "usage: pxtc describe TABLE\n");
		return PXT_EXIT_USAGE;
	}
	if ((env = pxt_open(NULL)) == NULL)
		return pxt_cli_fail(NULL);
	pool = pxt_pool_new(0);
	if (pool == NULL || (t = pxt_get_table(env, argv[1])) == NULL ||
	    (text = pxt_describe(t, pool)) == NULL)
		code = pxt_cli_fail("describe");
	else
		fputs(text, stdout);
	pxt_pool_free(pool);
	pxt_close(env);
	return code;
}

/* Progress on stderr, one line per batch: "compute 'x' of 't': 256/1000 rows". */
void
pxt_cli_progress(void *ud, const char *what, int64_t done, int64_t total)
{
	(void)ud;
	if (total > 0)
		fprintf(stderr, "%s: %lld/%lld rows\n", what, (long long)done,
		    (long long)total);
}

int
pxt_cli_recompute(int argc, char **argv)
{
	bool errors_only = argc == 4 && strcmp(argv[3], "--errors-only") == 0;
	pxt_table *t;
	pxt_env *env;
	int code = PXT_EXIT_OK;

	if (argc != 3 && !errors_only) {
		fprintf(stderr, "usage: pxtc recompute TABLE COLUMN [--errors-only]\n");
		return PXT_EXIT_USAGE;
	}
	if ((env = pxt_open(NULL)) == NULL)
		return pxt_cli_fail(NULL);
	if ((t = pxt_get_table(env, argv[1])) == NULL ||
	    pxt_recompute_column(t, argv[2], errors_only, pxt_cli_progress, NULL) !=
	    PXT_OK)
		code = pxt_cli_fail("recompute");
	else
		printf("recomputed '%s' of '%s'%s\n", argv[2], argv[1], errors_only ?
		    " (rows in error)" : "");
	pxt_close(env);
	return code;
}

int
pxt_cli_check(int argc, char **argv)
{
	pxt_env *env;
	int code = PXT_EXIT_OK;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: pxtc check\n");
		return PXT_EXIT_USAGE;
	}
	if ((env = pxt_open(NULL)) == NULL)
		return pxt_cli_fail(NULL);
	if (pxt_catalog_check(env) != PXT_OK)
		code = pxt_cli_fail("check");
	else
		printf("ok: every computed column and view can run\n");
	pxt_close(env);
	return code;
}

/*
 * pxtc serve --dry-run / pxtc routes: load the configuration, the router modules and
 * the service file the way a worker does, print the route table and exit. It runs the
 * pxtc-worker installed beside this program (`pxtc-worker --routes`), so what it
 * prints is exactly what a worker would serve.
 */
int
pxt_cli_routes(int argc, char **argv)
{
	char self[PATH_MAX], worker[PATH_MAX + 32];

	if (strcmp(argv[0], "serve") == 0 && argc != 2) {
		fprintf(stderr, "usage: pxtc serve --dry-run\n");
		return PXT_EXIT_USAGE;
	}
	if (strcmp(argv[0], "routes") == 0 && argc != 1) {
		fprintf(stderr, "usage: pxtc routes\n");
		return PXT_EXIT_USAGE;
	}
	if (pxt_cli_self_dir(self, sizeof(self)) != 0)
		return PXT_EXIT_ERROR;
	snprintf(worker, sizeof(worker), "%s/pxtc-worker", self);
	execl(worker, "pxtc-worker", "--routes", (char *)NULL);
	fprintf(stderr, "pxtc: cannot run %s: %s\n", worker, strerror(errno));
	return PXT_EXIT_ERROR;
}
