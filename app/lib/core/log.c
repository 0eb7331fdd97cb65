/*
 * log.c - stderr logging with level, pid and request id (see pxt/log.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "pxt/log.h"

static pxt_log_level pxt_log_threshold = PXT_LOG_INFO;
static char pxt_log_reqid[65];

static const char *const pxt_log_names[] = {"debug", "info", "warn", "error"};

void
pxt_log_set_level(pxt_log_level level)
{
	pxt_log_threshold = level;
}

int
pxt_log_parse_level(const char *name)
{
	for (size_t i = 0; i < sizeof(pxt_log_names) / sizeof(*pxt_log_names); i++)
		if (strcasecmp(name, pxt_log_names[i]) == 0)
			return (int)i;
	if (strcasecmp(name, "warning") == 0)
		return PXT_LOG_WARN;
	return -1;
}

void
pxt_log_set_request_id(const char *id)
{
	if (id == NULL)
		pxt_log_reqid[0] = '\0';
	else
		snprintf(pxt_log_reqid, sizeof(pxt_log_reqid), "%s", id);
}

void
pxt_log(pxt_log_level level, const char *fmt, ...)
{
	char line[2048], stamp[32];
	struct tm tm;
	time_t now;
	va_list ap;
	int n;

	if (level < pxt_log_threshold)
		return;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(line, sizeof(line), "%s %s [%d]%s%s%s ", stamp,
	    pxt_log_names[level], (int)getpid(), pxt_log_reqid[0] ? " [" : "",
	    pxt_log_reqid, pxt_log_reqid[0] ? "]" : "");
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	/* one write per record so lines of concurrent workers do not interleave */
	n = (int)strlen(line);
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}
