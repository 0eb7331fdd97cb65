/*
 * fuzz_dotenv.c - libFuzzer target for the .env reader (app/lib/config/dotenv.c).
 *
 * Parses the input, reads every key and value handed to the callback (their bytes
 * go into a volatile sink so the optimizer keeps the work), checks what the reader
 * promises (keys match [A-Za-z_][A-Za-z0-9_.]*, lines count up from 1, errors are
 * one "file:line:col: message" line), and on failure reads pxt_errmsg().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/dotenv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t fuzz_sink;

static int
is_key_char(int c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    (!first && ((c >= '0' && c <= '9') || c == '.'));
}

static pxt_err
visit(void *ud, const char *key, const char *value, int line)
{
	int *last = ud;
	size_t i;

	if (key[0] == '\0' || line < *last || line < 1)
		abort();
	for (i = 0; key[i] != '\0'; i++)
		if (!is_key_char((unsigned char)key[i], i == 0))
			abort();
	for (i = 0; value[i] != '\0'; i++)
		fuzz_sink += (unsigned char)value[i];
	fuzz_sink += i + (size_t)line;
	*last = line;
	return PXT_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int last = 1;
	const char *msg;
	pxt_err err;

	err = pxt_dotenv_parse((const char *)data, size, "fuzz.env", visit, &last);
	if (err == PXT_OK)
		return 0;
	msg = pxt_errmsg();
	if ((err != PXT_ECONFIG && err != PXT_ENOMEM) ||
	    strncmp(msg, "fuzz.env:", 9) != 0 || strchr(msg, '\n') != NULL)
		abort();
	fuzz_sink += strlen(msg);
	return 0;
}
