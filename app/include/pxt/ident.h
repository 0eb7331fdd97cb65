/*
 * pxt/ident.h - names of directories, tables and columns, and SQL identifier quoting.
 *
 * A name is what Pixeltable accepts: a letter or underscore, then letters, digits and
 * underscores, at most 63 bytes (PostgreSQL's identifier limit), not starting with
 * "_pxt" (reserved for pxtc's own columns). A path joins names with '/'
 * ("app/documents"). Every identifier that reaches SQL goes through pxt_quote_ident.
 */
#ifndef PXT_IDENT_H
#define PXT_IDENT_H

#include "pxt/api.h"

#include <stddef.h>

#include "pxt/buf.h"
#include "pxt/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PXT_NAME_MAX 63
#define PXT_PATH_MAX 255

/*
 * pxt_name_check returns PXT_OK for a valid name, else PXT_EINVAL with a message that
 * names `what` ("column", "table") and says what is wrong.
 */
PXT_API pxt_err pxt_name_check(const char *name, const char *what);

/*
 * pxt_path_check checks a directory or table path: one or more names joined by '/',
 * no leading, trailing or double '/', at most PXT_PATH_MAX bytes. PXT_EINVAL otherwise.
 */
PXT_API pxt_err pxt_path_check(const char *path, const char *what);

/*
 * pxt_quote_ident appends ident to b as a double-quoted SQL identifier, doubling any
 * '"' inside. Returns PXT_EINVAL (and appends nothing) for an empty identifier or one
 * longer than 63 bytes (PostgreSQL would silently truncate it), PXT_ENOMEM when the
 * buffer cannot grow.
 */
PXT_API pxt_err pxt_quote_ident(pxt_buf *b, const char *ident);

/*
 * pxt_quote_qualified appends schema.name, both quoted.
 */
PXT_API pxt_err pxt_quote_qualified(pxt_buf *b, const char *schema, const char *name);

#ifdef __cplusplus
}
#endif
#endif
