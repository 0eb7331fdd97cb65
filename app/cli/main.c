/*
 * main.c - pxtc, the operator's command-line tool: dispatches to subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "pxt/pxt.h"
#include "cli.h"

static void
pxt_cli_usage(FILE *out)
{
	fputs("usage: pxtc COMMAND [ARGS]\n"
	    "\n"
	    "  db start         start the embedded PostgreSQL (initializing it if needed)\n"
	    "  db stop          stop it (fast shutdown)\n"
	    "  db status        say whether it runs; exit 0 running, 3 stopped\n"
	    "  config           print every configuration key, its value and source\n"
	    "  config --keys-markdown  the table of known keys, as the README shows it\n"
	    "  ls [DIR] [-r]    list directories and tables (recursively with -r)\n"
	    "  describe TABLE   show a table's columns and storage\n"
	    "  recompute TABLE COLUMN [--errors-only]\n"
	    "                   compute a computed column again (and what depends on it)\n"
	    "  check            check that every computed column's functions are loaded\n"
	    "                   with the signatures the catalog recorded\n"
	    "  serve [ROLE]     start the stack (run; start|stop|status) or one piece of\n"
	    "                   it in the foreground (setup|workers|nginx|all; see\n"
	    "                   `pxtc serve --help`)\n"
	    "  serve --dry-run  load the routers and the service file as a worker does,\n"
	    "                   print the route table, exit (1 naming the first mistake)\n"
	    "  routes           the same: the route table of the current configuration\n"
	    "  media-url PATH [TTL]  a signed /media/ URL for a file of the media store\n"
	    "  cache stats|evict [SIZE]|clear  the file cache of downloaded media URLs\n"
	    "  version          print the version\n"
	    "\n"
	    "Configuration: environment > .env > $PIXELTABLE_HOME/config.toml > defaults.\n",
	    out);
}

int
pxt_cli_fail(const char *what)
{
	fprintf(stderr, "pxtc: %s%s%s\n", what ? what : "", what ? ": " : "",
	    pxt_errmsg());
	return PXT_EXIT_ERROR;
}

int
main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (cmd == NULL || strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "-h") == 0) {
		pxt_cli_usage(cmd ? stdout : stderr);
		return cmd ? PXT_EXIT_OK : PXT_EXIT_USAGE;
	}
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("pxtc %d.%d\n", PXT_VERSION_MAJOR, PXT_VERSION_MINOR);
		return PXT_EXIT_OK;
	}
	if (strcmp(cmd, "db") == 0)
		return pxt_cli_db(argc - 1, argv + 1);
	if (strcmp(cmd, "config") == 0)
		return pxt_cli_config(argc - 1, argv + 1);
	if (strcmp(cmd, "ls") == 0)
		return pxt_cli_ls(argc - 1, argv + 1);
	if (strcmp(cmd, "describe") == 0)
		return pxt_cli_describe(argc - 1, argv + 1);
	if (strcmp(cmd, "recompute") == 0)
		return pxt_cli_recompute(argc - 1, argv + 1);
	if (strcmp(cmd, "serve") == 0)
		return pxt_cli_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "routes") == 0)
		return pxt_cli_routes(argc - 1, argv + 1);
	if (strcmp(cmd, "check") == 0)
		return pxt_cli_check(argc - 1, argv + 1);
	if (strcmp(cmd, "media-url") == 0)
		return pxt_cli_media_url(argc - 1, argv + 1);
	if (strcmp(cmd, "cache") == 0)
		return pxt_cli_cache(argc - 1, argv + 1);
	fprintf(stderr, "pxtc: unknown command '%s'\n", cmd);
	pxt_cli_usage(stderr);
	return PXT_EXIT_USAGE;
}
