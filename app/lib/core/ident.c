/*
 * ident.c - validation of pxtc names and paths, and SQL identifier quoting.
 */
#include <string.h>

#include "pxt/ident.h"

static int
pxt_is_name_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int
pxt_is_name_char(int c)
{
	return pxt_is_name_start(c) || (c >= '0' && c <= '9');
}

static pxt_err
pxt_name_check_n(const char *name, size_t len, const char *what)
{
	if (len == 0)
		return pxt_seterr(PXT_EINVAL, "%s name is empty", what);
	if (len > PXT_NAME_MAX)
		return pxt_seterr(PXT_EINVAL, "%s name '%.*s' is longer than %d bytes",
		    what, (int)len, name, PXT_NAME_MAX);
	if (!pxt_is_name_start((unsigned char)name[0]))
		return pxt_seterr(PXT_EINVAL, "%s name '%.*s' must start with a letter or "
		    "'_'", what, (int)len, name);
	for (size_t i = 1; i < len; i++)
		if (!pxt_is_name_char((unsigned char)name[i]))
			return pxt_seterr(PXT_EINVAL, "%s name '%.*s' may contain only "
			    "letters, digits and '_'", what, (int)len, name);
	if (len >= 4 && strncmp(name, "_pxt", 4) == 0)
		return pxt_seterr(PXT_EINVAL, "%s name '%.*s': names starting with '_pxt' "
		    "are reserved", what, (int)len, name);
	return PXT_OK;
}

pxt_err
pxt_name_check(const char *name, const char *what)
{
	if (name == NULL)
		return pxt_seterr(PXT_EINVAL, "%s name is missing", what);
	return pxt_name_check_n(name, strlen(name), what);
}

pxt_err
pxt_path_check(const char *path, const char *what)
{
	const char *seg;
	size_t len;

	if (path == NULL || *path == '\0')
		return pxt_seterr(PXT_EINVAL, "%s path is empty", what);
	len = strlen(path);
	if (len > PXT_PATH_MAX)
		return pxt_seterr(PXT_EINVAL, "%s path '%.40s...' is longer than %d bytes",
		    what, path, PXT_PATH_MAX);
	for (seg = path;;) {
		const char *slash = strchr(seg, '/');
		size_t n = slash ? (size_t)(slash - seg) : strlen(seg);

		if (n == 0)
			return pxt_seterr(PXT_EINVAL, "%s path '%s' has an empty segment "
			    "(leading, trailing or double '/')", what, path);
		if (pxt_name_check_n(seg, n, what) != PXT_OK)
			return pxt_seterr(PXT_EINVAL, "%s path '%s': %s", what, path,
			    pxt_errmsg());
		if (slash == NULL)
			break;
		seg = slash + 1;
	}
	return PXT_OK;
}

pxt_err
pxt_quote_ident(pxt_buf *b, const char *ident)
{
	size_t len = ident ? strlen(ident) : 0;

	if (len == 0)
		return pxt_seterr(PXT_EINVAL, "empty SQL identifier");
	if (len > PXT_NAME_MAX)
		return pxt_seterr(PXT_EINVAL, "SQL identifier '%.63s...' is longer than "
		    "63 bytes", ident);
	pxt_buf_addc(b, '"');
	for (const char *p = ident; *p; p++) {
		if (*p == '"')
			pxt_buf_addc(b, '"');
		pxt_buf_addc(b, *p);
	}
	pxt_buf_addc(b, '"');
	return b->failed ? PXT_ENOMEM : PXT_OK;
}

pxt_err
pxt_quote_qualified(pxt_buf *b, const char *schema, const char *name)
{
	pxt_err rc;

	if ((rc = pxt_quote_ident(b, schema)) != PXT_OK)
		return rc;
	pxt_buf_addc(b, '.');
	return pxt_quote_ident(b, name);
}
