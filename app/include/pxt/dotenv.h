/*
 * pxt/dotenv.h - a reader for .env files (KEY=VALUE lines), as python-dotenv reads them.
 *
 * Supported: blank lines, `#` comment lines, an optional `export ` prefix, spaces around
 * the key and `=`, unquoted values (trailing spaces trimmed, ` #` starts a comment),
 * single-quoted values (literal, may span lines), double-quoted values (escapes \n \r
 * \t \\ \" \' \$, may span lines), and empty values (`KEY=` and `KEY=""` give "").
 * Not supported (reported or taken literally, documented in the README): variable
 * expansion `${VAR}` is kept as written.
 *
 * Details: inside double quotes any other backslash sequence (, A, A) is
 * kept as written; python-dotenv also decodes    , and keeps \$ as written.
 * Single quotes are fully literal (python-dotenv decodes \ and ' in them). Lines
 * end with LF, CR-LF or CR; line endings inside quoted values become "
" (as when
 * Python reads the file in text mode). A value's comment needs whitespace before
 * the '#': `K=a#b` is "a#b", and so is `K= #b` ("#b", as in python-dotenv). "export"
 * alone is an ordinary key (`export=1`). A leading UTF-8 byte order mark is skipped.
 */
#ifndef PXT_DOTENV_H
#define PXT_DOTENV_H

#include "pxt/api.h"

#include <stddef.h>

#include "pxt/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Called once per assignment, in file order. key and value are NUL-terminated and
 * valid only during the call. A non-PXT_OK return stops parsing and is returned.
 */
typedef pxt_err (*pxt_dotenv_cb)(void *ud, const char *key, const char *value,
    int line);

/*
 * pxt_dotenv_parse parses len bytes of text (need not be NUL-terminated). On a syntax
 * error returns PXT_ECONFIG with pxt_errmsg() = "FILE:LINE:COL: what is wrong" (a key
 * that is not [A-Za-z_][A-Za-z0-9_.]*, a line without '=', an unterminated quote,
 * text after a closing quote, a NUL byte). Assignments before the error have already
 * been passed to cb. A NULL filename reads "<dotenv>"; cb == NULL, or text == NULL
 * with len > 0, gives PXT_EINVAL; out of memory gives PXT_ENOMEM.
 */
PXT_API pxt_err pxt_dotenv_parse(const char *text, size_t len, const char *filename,
    pxt_dotenv_cb cb, void *ud);

#ifdef __cplusplus
}
#endif
#endif
