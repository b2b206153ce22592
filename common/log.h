/* SPDX-License-Identifier: MIT */
/*
 * log.h - the one printf-style front to a module's rc_log_fn hook, shared
 * by the library modules (private: not installed).
 */
#ifndef RINGCAP_COMMON_LOG_H
#define RINGCAP_COMMON_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include <ringcap/common.h>

/* Formats one line (cut at 4 KiB) and hands it to log; NULL log: nothing. */
void rc_logf(rc_log_fn log, void *ctx, enum rc_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* One line per reason per interval: a warning that fires on every packet
 * or every file (a full disk in ring mode) must not flood the log. */
struct rc_ratelimit {
	uint64_t next_ns;         /* CLOCK_MONOTONIC */
	unsigned suppressed;      /* since the last line said */
};

/* True if a line may go out now; *ret_suppressed is how many were held
 * back since the last one (to say so in it). */
bool rc_ratelimit_ok(struct rc_ratelimit *rl, uint64_t interval_ns, unsigned *ret_suppressed);

#endif
