/*
 * serve_cmd.c - `pxtc serve [ROLE]`: start the stack, or one piece of it, from wherever
 * pxtc is: an installed copy (PREFIX/bin/pxtc runs PREFIX/libexec/pxtc/pxtc-stack) or
 * the build tree (the checkout's deploy/local/pxtc-stack). The script does the work;
 * this command only finds it and hands over, so every deployment shape starts the
 * stack the same way (database -> setup -> workers and the jobs runner -> nginx).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "pxt_build_config.h"

/* the subcommands and roles pxtc-stack knows; anything else is a usage error here */
static const char *const serve_roles[] = {
	"run", "start", "stop", "status", "setup", "workers", "nginx", "all", "live",
	"health", NULL,
};

static int
serve_known_role(const char *role)
{
	for (int i = 0; serve_roles[i] != NULL; i++)
		if (strcmp(serve_roles[i], role) == 0)
			return 1;
	return 0;
}

static int
serve_usage(void)
{
	fprintf(stderr,
	    "usage: pxtc serve [ROLE]      (default: run)\n"
	    "       pxtc serve --dry-run   print the route table a worker would serve\n"
	    "  run|all   the whole stack in the foreground; Ctrl-C or SIGTERM stops it\n"
	    "  start|stop|status  the stack in the background\n"
	    "  setup     wait for the database, create or update the schema, exit\n"
	    "  workers   wait for the database and schema; FastCGI workers + jobs runner\n"
	    "  nginx     wait for the workers; nginx in the foreground\n"
	    "  live [ROLE] | health [ROLE]  probes: processes run | /api/health answers\n");
	return PXT_EXIT_USAGE;
}

/*
 * pxt_cli_self_dir writes the folder of the running pxtc program into OUT (OUTSZ
 * bytes, PATH_MAX is enough). Returns 0, or -1 after saying on stderr that it cannot
 * be found.
 */
int
pxt_cli_self_dir(char *out, size_t outsz)
{
	ssize_t n;
	char *slash;

	if (outsz < 2 || (n = readlink("/proc/self/exe", out, outsz - 1)) <= 0) {
		fprintf(stderr, "pxtc: cannot find its own folder\n");
		return -1;
	}
	out[n] = '\0';
	if ((slash = strrchr(out, '/')) != NULL)
		*slash = '\0';
	return 0;
}

/*
 * serve_script finds pxtc-stack for the program at SELF_DIR (its folder): the
 * installed PREFIX/libexec/pxtc/pxtc-stack first, else the checkout this build came
 * from. Writes the path into OUT (OUTSZ bytes) and returns 1 when the installed copy
 * was found, 0 for the checkout's, -1 when neither exists.
 */
static int
serve_script(const char *self_dir, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s/../libexec/pxtc/pxtc-stack", self_dir);
	if (access(out, R_OK) == 0)
		return 1;
	snprintf(out, outsz, "%s/deploy/local/pxtc-stack", PXT_SOURCE_DIR);
	if (access(out, R_OK) == 0)
		return 0;
	return -1;
}

/*
 * pxt_cli_serve runs `pxtc serve ...`: --dry-run is the route table (pxt_cli_routes);
 * a role execs bash on pxtc-stack with it, so the script's exit status is the
 * command's. With an installed copy PXTC_BIN_DIR defaults to this program's folder.
 * Returns only on failure: PXT_EXIT_USAGE for an unknown role, PXT_EXIT_ERROR when
 * the script cannot be found or run.
 */
int
pxt_cli_serve(int argc, char **argv)
{
	char self[PATH_MAX], script[PATH_MAX + 64];
	const char *role = argc >= 2 ? argv[1] : "run";
	char *args[5];
	int found, nargs = 0;

	if (argc >= 2 && strcmp(argv[1], "--dry-run") == 0)
		return pxt_cli_routes(argc, argv);
	if (!serve_known_role(role) || argc > 3 ||
	    (argc == 3 && strcmp(role, "live") != 0 && strcmp(role, "health") != 0))
		return serve_usage();
	if (pxt_cli_self_dir(self, sizeof(self)) != 0)
		return PXT_EXIT_ERROR;
	found = serve_script(self, script, sizeof(script));
	if (found < 0) {
		fprintf(stderr, "pxtc: the stack script pxtc-stack is missing (looked in "
		    "%s/../libexec/pxtc and the checkout): reinstall pxtc\n", self);
		return PXT_EXIT_ERROR;
	}
	if (found == 1 && setenv("PXTC_BIN_DIR", self, 0) != 0) {
		fprintf(stderr, "pxtc: setenv: %s\n", strerror(errno));
		return PXT_EXIT_ERROR;
	}
	args[nargs++] = "bash";
	args[nargs++] = script;
	args[nargs++] = (char *)role;
	if (argc == 3)
		args[nargs++] = argv[2];
	args[nargs] = NULL;
	execv("/bin/bash", args);
	fprintf(stderr, "pxtc: cannot run /bin/bash %s: %s\n", script, strerror(errno));
	return PXT_EXIT_ERROR;
}
