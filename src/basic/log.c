// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "basic/log.h"

static int max_level = LOG_INFO;
static const char *ident;

void log_set_level(int level)
{
	max_level = level;
}

void log_set_ident(const char *id)
{
	ident = id;
}

int log_internal(int level, int error, const char *file, int line, const char *fmt, ...)
{
	static const char *const names[] = {
		[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
		[LOG_ERR] = "error",   [LOG_WARNING] = "warn", [LOG_NOTICE] = "notice",
		[LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
	};
	int saved = errno;
	va_list ap;

	if (error > 0)
		error = -error;
	if (level > max_level)
		goto out;

	if (ident)
		fprintf(stderr, "%s: ", ident);
	fprintf(stderr, "%s: ", names[level & 7]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (error < 0)
		fprintf(stderr, ": %s", strerror(-error));
	if (max_level >= LOG_DEBUG)
		fprintf(stderr, " (%s:%d)", file, line);
	fputc('\n', stderr);
out:
	errno = saved;
	return error;
}
