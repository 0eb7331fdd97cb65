/*
 * pxt/error.h - the one error enum of pxtc, and the thread's last error message.
 *
 * Every libpxt function that can fail returns a pxt_err (or NULL for functions that
 * return a handle) and leaves a message a user can act on in a thread-local buffer,
 * read with pxt_errmsg(). Enum values are never removed or renumbered: routers built
 * against an older header keep working.
 */
#ifndef PXT_ERROR_H
#define PXT_ERROR_H

#include "pxt/api.h"

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pxt_err {
	PXT_OK = 0,
	PXT_EINVAL = 1,		/* bad argument or input: a validation error */
	PXT_ENOTFOUND = 2,	/* no such directory, table, column, row, file */
	PXT_EEXISTS = 3,	/* already exists (possibly with a different schema) */
	PXT_ECONFLICT = 4,	/* a conflicting state: duplicate key, concurrent change */
	PXT_ENOMEM = 5,		/* out of memory */
	PXT_EIO = 6,		/* a local file or process operation failed */
	PXT_EDB = 7,		/* the database rejected a statement */
	PXT_EUNAVAIL = 8,	/* the database (or a service) cannot be reached */
	PXT_ETIMEOUT = 9,	/* something took longer than its limit */
	PXT_ECONFIG = 10,	/* configuration is malformed or inconsistent */
	PXT_EPERM = 11,		/* the operating system refused (permissions, ownership) */
	PXT_EINTERNAL = 12,	/* a bug in pxtc */
	PXT_EDESTRUCTIVE = 13,	/* the change would drop data and was not allowed */
	PXT_EUPSTREAM = 14,	/* an outside service answered with an error */
	PXT_ETOOLARGE = 15,	/* an input exceeds a configured size limit */
	PXT_ESTORAGE = 16,	/* the disk or a cache is full */
	PXT_EUNSUPPORTED = 17,	/* a valid request for something pxtc does not do */
	PXT_ERATELIMIT = 18,	/* a provider or a configured limit said slow down */
	PXT_EUNAUTH = 19,	/* missing or wrong credentials */
	PXT_EBADREQUEST = 20,	/* malformed request syntax: JSON, query string, multipart */
	PXT_EMETHOD = 21,	/* the route exists but not for this method */
	PXT_EMEDIATYPE = 22,	/* a Content-Type the route does not take */
	PXT_ERR_COUNT_
} pxt_err;

/*
 * pxt_strerror returns a short, static, lower-case name for an error code
 * ("not found", "database unavailable"). Never NULL; unknown codes give
 * "unknown error".
 */
PXT_API const char *pxt_strerror(pxt_err err);

/*
 * pxt_err_name returns the stable machine name of a code ("PXT_ENOTFOUND"), static.
 */
PXT_API const char *pxt_err_name(pxt_err err);

/*
 * pxt_errmsg returns the message recorded by the last failing libpxt call in this
 * thread ("" when none). The pointer stays valid until the next failing call in the
 * same thread; copy it to keep it.
 */
PXT_API const char *pxt_errmsg(void);

/*
 * pxt_errcode returns the code recorded with the last message in this thread.
 */
PXT_API pxt_err pxt_errcode(void);

/*
 * pxt_seterr records a printf-style message for this thread and returns err, so a
 * failure reads `return pxt_seterr(PXT_EINVAL, "column '%s' ...", name);`.
 * Messages longer than 1 KiB are cut. Never fails.
 */
PXT_API pxt_err pxt_seterr(pxt_err err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
PXT_API pxt_err pxt_vseterr(pxt_err err, const char *fmt, va_list ap);

/*
 * pxt_clearerr forgets the last message of this thread.
 */
PXT_API void pxt_clearerr(void);

#ifdef __cplusplus
}
#endif
#endif
