/*
 * error.c - names of the pxt_err codes and the thread-local last error message.
 */
#include <stdio.h>
#include <string.h>

#include "pxt/error.h"

static _Thread_local char pxt_errbuf[1024];
static _Thread_local pxt_err pxt_errlast;

static const struct {
	const char *name;
	const char *text;
} pxt_errtab[PXT_ERR_COUNT_] = {
	[PXT_OK] = {"PXT_OK", "success"},
	[PXT_EINVAL] = {"PXT_EINVAL", "invalid input"},
	[PXT_ENOTFOUND] = {"PXT_ENOTFOUND", "not found"},
	[PXT_EEXISTS] = {"PXT_EEXISTS", "already exists"},
	[PXT_ECONFLICT] = {"PXT_ECONFLICT", "conflict"},
	[PXT_ENOMEM] = {"PXT_ENOMEM", "out of memory"},
	[PXT_EIO] = {"PXT_EIO", "input/output error"},
	[PXT_EDB] = {"PXT_EDB", "database error"},
	[PXT_EUNAVAIL] = {"PXT_EUNAVAIL", "database unavailable"},
	[PXT_ETIMEOUT] = {"PXT_ETIMEOUT", "timed out"},
	[PXT_ECONFIG] = {"PXT_ECONFIG", "configuration error"},
	[PXT_EPERM] = {"PXT_EPERM", "permission denied"},
	[PXT_EINTERNAL] = {"PXT_EINTERNAL", "internal error"},
	[PXT_EDESTRUCTIVE] = {"PXT_EDESTRUCTIVE", "destructive change refused"},
	[PXT_EUPSTREAM] = {"PXT_EUPSTREAM", "upstream service error"},
	[PXT_ETOOLARGE] = {"PXT_ETOOLARGE", "too large"},
	[PXT_ESTORAGE] = {"PXT_ESTORAGE", "insufficient storage"},
	[PXT_EUNSUPPORTED] = {"PXT_EUNSUPPORTED", "unsupported"},
	[PXT_ERATELIMIT] = {"PXT_ERATELIMIT", "rate limited"},
	[PXT_EUNAUTH] = {"PXT_EUNAUTH", "unauthorized"},
	[PXT_EBADREQUEST] = {"PXT_EBADREQUEST", "bad request"},
	[PXT_EMETHOD] = {"PXT_EMETHOD", "method not allowed"},
	[PXT_EMEDIATYPE] = {"PXT_EMEDIATYPE", "unsupported media type"},
};

const char *
pxt_strerror(pxt_err err)
{
	if ((unsigned)err >= PXT_ERR_COUNT_)
		return "unknown error";
	return pxt_errtab[err].text;
}

const char *
pxt_err_name(pxt_err err)
{
	if ((unsigned)err >= PXT_ERR_COUNT_)
		return "PXT_EUNKNOWN";
	return pxt_errtab[err].name;
}

const char *
pxt_errmsg(void)
{
	return pxt_errbuf;
}

pxt_err
pxt_errcode(void)
{
	return pxt_errlast;
}

pxt_err
pxt_vseterr(pxt_err err, const char *fmt, va_list ap)
{
	char tmp[sizeof(pxt_errbuf)];

	/* format into a copy first: the arguments may point into pxt_errbuf */
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	memcpy(pxt_errbuf, tmp, sizeof(tmp));
	pxt_errlast = err;
	return err;
}

pxt_err
pxt_seterr(pxt_err err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pxt_vseterr(err, fmt, ap);
	va_end(ap);
	return err;
}

void
pxt_clearerr(void)
{
	pxt_errbuf[0] = '\0';
	pxt_errlast = PXT_OK;
}
