/* SPDX-License-Identifier: MIT */
/*
 * ringcap/common.h - what every ringcap library module shares: the export
 * attribute and the per-instance log hook.
 *
 * DESIGN: library code never prints. Each handle carries a log callback the
 * embedder sets in its config struct (NULL means silent), so two engines in
 * one process can log to two places and no global state is needed.
 */
#ifndef RINGCAP_COMMON_H
#define RINGCAP_COMMON_H

#define RC_API __attribute__((visibility("default")))

enum rc_log_level {
	RC_LOG_ERROR = 0,
	RC_LOG_WARNING = 1,
	RC_LOG_INFO = 2,
	RC_LOG_DEBUG = 3,
};

/* msg is one line without a trailing newline, valid only during the call. */
typedef void (*rc_log_fn)(void *ctx, enum rc_log_level level, const char *msg);

#endif
