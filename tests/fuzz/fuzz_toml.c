/*
 * fuzz_toml.c - libFuzzer target for the TOML reader (app/lib/config/toml.c, toml_lex.c).
 *
 * Parses the input, walks the whole tree (every key, value, position and string
 * byte goes into a volatile sink so the optimizer keeps the work), checks the
 * invariants the reader promises (bounded depth, NUL-terminated strings, positions
 * counted from 1, one-line "file:line:col: message" errors), and frees everything.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/toml.h"

#define FUZZ_MAX_DEPTH	64	/* the reader's limit on nested containers */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t fuzz_sink;

/* walk visits v and everything under it; depth counts containers from the root. */
static void
walk(const pxt_toml_value *v, int depth)
{
	const pxt_toml_value *c;
	const char *key, *s;
	size_t i, n, len;

	if (pxt_toml_line(v) < 1 || pxt_toml_col(v) < 1 || (depth > FUZZ_MAX_DEPTH &&
	    (pxt_toml_kind_of(v) == PXT_TOML_TABLE ||
	    pxt_toml_kind_of(v) == PXT_TOML_ARRAY)))
		abort();
	fuzz_sink += (size_t)pxt_toml_kind_of(v) + (size_t)pxt_toml_line(v) +
	    (size_t)pxt_toml_col(v) + strlen(pxt_toml_kind_name(pxt_toml_kind_of(v)));
	switch (pxt_toml_kind_of(v)) {
	case PXT_TOML_TABLE:
		n = pxt_toml_len(v);
		for (i = 0; i < n; i++) {
			key = NULL;
			if ((c = pxt_toml_at(v, i, &key)) == NULL || key == NULL)
				abort();
			/* keys are unique, so only a key holding a NUL byte can miss */
			fuzz_sink += strlen(key) + (pxt_toml_get(v, key) == c);
			walk(c, depth + 1);
		}
		if (pxt_toml_at(v, n, NULL) != NULL)
			abort();
		break;
	case PXT_TOML_ARRAY:
		n = pxt_toml_len(v);
		for (i = 0; i < n; i++)
			walk(pxt_toml_at(v, i, NULL), depth + 1);
		break;
	case PXT_TOML_STRING:
	case PXT_TOML_DATETIME:
		if ((s = pxt_toml_str(v, &len)) == NULL || s[len] != '\0')
			abort();
		for (i = 0; i < len; i++)
			fuzz_sink += (unsigned char)s[i];
		break;
	case PXT_TOML_INT:
		fuzz_sink += (size_t)pxt_toml_int(v);
		break;
	case PXT_TOML_FLOAT:
		fuzz_sink += pxt_toml_float(v) > 0;
		break;
	case PXT_TOML_BOOL:
		fuzz_sink += pxt_toml_bool(v);
		break;
	default:
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pxt_toml *doc = NULL;
	const char *msg;
	pxt_err err;

	err = pxt_toml_parse((const char *)data, size, "fuzz.toml", &doc);
	if (err == PXT_OK) {
		if (doc == NULL || pxt_toml_root(doc) == NULL)
			abort();
		walk(pxt_toml_root(doc), 0);
		pxt_toml_free(doc);
		return 0;
	}
	msg = pxt_errmsg();
	if (doc != NULL || (err != PXT_ECONFIG && err != PXT_ENOMEM) ||
	    strncmp(msg, "fuzz.toml:", 10) != 0 || strchr(msg, '\n') != NULL)
		abort();
	fuzz_sink += strlen(msg);
	return 0;
}
