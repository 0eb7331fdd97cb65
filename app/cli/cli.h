/*
 * cli.h - the subcommands of pxtc, the operator's command-line tool.
 */
#ifndef PXT_CLI_H
#define PXT_CLI_H

/* Exit codes shared by the subcommands. */
#define PXT_EXIT_OK 0
#define PXT_EXIT_ERROR 1
#define PXT_EXIT_USAGE 2
#define PXT_EXIT_NOT_RUNNING 3

/* Each returns the process exit code; argv[0] is the subcommand's name. */
int pxt_cli_db(int argc, char **argv);
int pxt_cli_config(int argc, char **argv);
int pxt_cli_ls(int argc, char **argv);
int pxt_cli_describe(int argc, char **argv);
int pxt_cli_recompute(int argc, char **argv);
int pxt_cli_check(int argc, char **argv);
int pxt_cli_routes(int argc, char **argv);
/* pxt_cli_serve: `pxtc serve [ROLE]` execs the stack script (serve_cmd.c) */
int pxt_cli_serve(int argc, char **argv);
/* pxt_cli_self_dir: the running program's folder into out; 0, or -1 (said on stderr) */
int pxt_cli_self_dir(char *out, size_t outsz);
void pxt_cli_progress(void *ud, const char *what, int64_t done, int64_t total);
int pxt_cli_media_url(int argc, char **argv);
int pxt_cli_cache(int argc, char **argv);

/*
 * pxt_cli_config_keys_markdown prints the README's table of configuration keys (one
 * Markdown row a key, from libpxt's table of keys) on stdout; PXT_EXIT_ERROR when
 * stdout cannot be written.
 */
int pxt_cli_config_keys_markdown(void);

/* Print "pxtc: <message>" for the last libpxt error and return PXT_EXIT_ERROR. */
int pxt_cli_fail(const char *what);

#endif
