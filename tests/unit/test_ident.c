/*
 * test_ident.c - names, paths and SQL identifier quoting.
 */
#include "pxt/ident.h"
#include "pxt_test.h"

static const char *
quoted(const char *ident)
{
	static pxt_buf b = PXT_BUF_INIT;

	pxt_buf_reset(&b);
	if (pxt_quote_ident(&b, ident) != PXT_OK)
		return NULL;
	return pxt_buf_str(&b);
}

int
main(void)
{
	PXT_CHECK_STR(quoted("plain"), "\"plain\"");
	PXT_CHECK_STR(quoted("app/documents"), "\"app/documents\"");
	PXT_CHECK_STR(quoted("a\"b"), "\"a\"\"b\"");
	PXT_CHECK_STR(quoted("\"; DROP TABLE x; --"), "\"\"\"; DROP TABLE x; --\"");
	PXT_CHECK(quoted("") == NULL);
	PXT_CHECK(quoted(NULL) == NULL);
	PXT_CHECK(quoted("a123456789012345678901234567890123456789012345678901234567890123")
	    == NULL);	/* 64 bytes: PostgreSQL would truncate it */
	PXT_CHECK(quoted("a12345678901234567890123456789012345678901234567890123456789012")
	    != NULL);	/* 63 bytes */

	PXT_CHECK_INT(pxt_name_check("metadata", "column"), PXT_OK);
	PXT_CHECK_INT(pxt_name_check("_x1", "column"), PXT_OK);
	PXT_CHECK_INT(pxt_name_check("1x", "column"), PXT_EINVAL);
	PXT_CHECK(strstr(pxt_errmsg(), "must start with a letter") != NULL);
	PXT_CHECK_INT(pxt_name_check("a-b", "column"), PXT_EINVAL);
	PXT_CHECK(strstr(pxt_errmsg(), "column name 'a-b'") != NULL);
	PXT_CHECK_INT(pxt_name_check("", "table"), PXT_EINVAL);
	PXT_CHECK_INT(pxt_name_check(NULL, "table"), PXT_EINVAL);
	PXT_CHECK_INT(pxt_name_check("_pxt_rowid", "column"), PXT_EINVAL);
	PXT_CHECK(strstr(pxt_errmsg(), "reserved") != NULL);
	PXT_CHECK_INT(pxt_name_check("naïve", "column"), PXT_EINVAL);

	PXT_CHECK_INT(pxt_path_check("app", "directory"), PXT_OK);
	PXT_CHECK_INT(pxt_path_check("app/sub/documents", "table"), PXT_OK);
	PXT_CHECK_INT(pxt_path_check("/app", "table"), PXT_EINVAL);
	PXT_CHECK(strstr(pxt_errmsg(), "empty segment") != NULL);
	PXT_CHECK_INT(pxt_path_check("app/", "table"), PXT_EINVAL);
	PXT_CHECK_INT(pxt_path_check("app//x", "table"), PXT_EINVAL);
	PXT_CHECK_INT(pxt_path_check("app/../x", "table"), PXT_EINVAL);
	PXT_CHECK_INT(pxt_path_check("", "table"), PXT_EINVAL);
	PXT_CHECK_INT(pxt_path_check("app/x y", "table"), PXT_EINVAL);
	PXT_CHECK(strstr(pxt_errmsg(), "table path 'app/x y'") != NULL);
	return pxt_test_done();
}
