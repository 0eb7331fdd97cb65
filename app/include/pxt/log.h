/*
 * pxt/log.h - one-line log records on stderr.
 *
 * Format: "2026-11-23T20:22:59Z LEVEL [pid] [request-id] message". The level comes
 * from [pixeltable] log_level (debug, info, warn, error). Never log a request body or
 * a secret (an API key, a password, a signed URL's signature, a URL's userinfo or
 * query): when in doubt, log the name of the thing, not its value.
 */
#ifndef PXT_LOG_H
#define PXT_LOG_H

#include "pxt/api.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pxt_log_level {
	PXT_LOG_DEBUG,
	PXT_LOG_INFO,
	PXT_LOG_WARN,
	PXT_LOG_ERROR
} pxt_log_level;

/* pxt_log writes one record when level is at or above the configured level. */
PXT_API void pxt_log(pxt_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* pxt_log_set_level sets the threshold; pxt_log_parse_level maps a name, -1 if unknown. */
PXT_API void pxt_log_set_level(pxt_log_level level);
PXT_API int pxt_log_parse_level(const char *name);

/*
 * pxt_log_set_request_id sets the id printed on every record of this process until
 * reset with NULL. The string is copied (at most 64 bytes).
 */
PXT_API void pxt_log_set_request_id(const char *id);

#ifdef __cplusplus
}
#endif
#endif
