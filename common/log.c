/* SPDX-License-Identifier: MIT */
/*
 * log.c - see log.h.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

void rc_logf(rc_log_fn log, void *ctx, enum rc_log_level level, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	if (!log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log(ctx, level, msg);
}
