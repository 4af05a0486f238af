/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.h - leveled logging to stderr.
 *
 * Library code only ever calls log_debug(); programs decide what is shown
 * with log_set_level(). Every log_*() returns the negative errno it was
 * given so call sites can write `return log_error_errno(r, "...")`.
 */
#pragma once

#include <syslog.h>

#include "basic/macro.h"

void log_set_level(int level);
void log_set_ident(const char *ident);

int log_internal(int level, int error, const char *file, int line, const char *fmt, ...)
	_printf_(5, 6);

#define log_full_errno(level, error, ...) \
	log_internal((level), (error), __FILE__, __LINE__, __VA_ARGS__)

#define log_debug(...) log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_full_errno(LOG_ERR, 0, __VA_ARGS__)

#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, (e), __VA_ARGS__)
#define log_info_errno(e, ...) log_full_errno(LOG_INFO, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, (e), __VA_ARGS__)
