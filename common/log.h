/* SPDX-License-Identifier: MIT */
/*
 * log.h - the one printf-style front to a module's rc_log_fn hook, shared
 * by the library modules (private: not installed).
 */
#ifndef RINGCAP_COMMON_LOG_H
#define RINGCAP_COMMON_LOG_H

#include <ringcap/common.h>

/* Formats one line (cut at 4 KiB) and hands it to log; NULL log: nothing. */
void rc_logf(rc_log_fn log, void *ctx, enum rc_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
