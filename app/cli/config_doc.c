/*
 * config_doc.c - `pxtc config --keys-markdown`: the README's table of configuration
 * keys, printed from libpxt's table of keys (app/lib/config/config_keys.c) so that the
 * two cannot drift apart; the test unit_config_keys_readme compares them.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "config/config_keys_int.h"
#include "cli.h"

/* Print n bytes of s as the text of a Markdown table cell ('|' escaped). */
static void
pxt_md_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '|')
			putchar('\\');
		putchar(s[i]);
	}
}

/* The environment variable of a key: S_K upper-cased, as config.c looks it up. */
static void
pxt_md_env(const struct pxt_cfgkey *k)
{
	const char *parts[2] = {k->section, k->key};

	putchar('`');
	for (int p = 0; p < 2; p++) {
		if (p == 1)
			putchar('_');
		for (const char *c = parts[p]; *c != '\0'; c++)
			putchar(isalnum((unsigned char)*c) ? toupper((unsigned char)*c) : '_');
	}
	putchar('`');
}

/* The type of a key, with the bounds the loader checks and whether it is secret. */
static void
pxt_md_type(const struct pxt_cfgkey *k)
{
	static const char *const names[] = {
		[PXT_CFG_STR] = "string", [PXT_CFG_INT] = "integer",
		[PXT_CFG_FLOAT] = "number", [PXT_CFG_BOOL] = "boolean",
		[PXT_CFG_LIST] = "list", [PXT_CFG_LEVEL] = "log level",
		[PXT_CFG_ADDRS] = "list of addresses or CIDRs",
	};

	fputs(names[k->type], stdout);
	if (k->type == PXT_CFG_INT || k->type == PXT_CFG_FLOAT) {
		if (k->max != 0)
			printf(", %lld to %lld", (long long)k->min, (long long)k->max);
		else
			printf(", at least %lld", (long long)k->min);
	}
	if (k->secret)
		fputs(", secret", stdout);
}

/* One row: key, environment, type, default, meaning. */
static void
pxt_md_row(const struct pxt_cfgkey *k)
{
	static const char mark[] = " (default: ";
	size_t len = strlen(k->doc), mlen = len;
	const char *said = NULL;

	/* a default described in words ends the meaning: move it to its own cell */
	for (const char *p = k->doc; (p = strstr(p, mark)) != NULL; p++)
		said = p;
	if (said != NULL && len > 0 && k->doc[len - 1] == ')')
		mlen = (size_t)(said - k->doc);
	else
		said = NULL;
	printf("| `[%s] %s` | ", k->section, k->key);
	pxt_md_env(k);
	fputs(" | ", stdout);
	pxt_md_type(k);
	fputs(" | ", stdout);
	if (said != NULL) {
		said += strlen(mark);
		pxt_md_text(said, (size_t)(k->doc + len - 1 - said));
	} else if (k->def != NULL) {
		printf("`%s`", k->def);
	} else {
		fputs("unset", stdout);
	}
	fputs(" | ", stdout);
	pxt_md_text(k->doc, mlen);
	fputs(" |\n", stdout);
}

/*
 * The table, header first, one row a key in the key table's order; PXT_EXIT_ERROR when
 * stdout cannot be written (see cli.h).
 */
int
pxt_cli_config_keys_markdown(void)
{
	fputs("| key | environment | type | default | meaning |\n"
	    "|---|---|---|---|---|\n", stdout);
	for (int i = 0; i < PXT_CFG_NKEYS; i++)
		pxt_md_row(&pxt_cfg_keys[i]);
	return fflush(stdout) == 0 && !ferror(stdout) ? PXT_EXIT_OK : PXT_EXIT_ERROR;
}
