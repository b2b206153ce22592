/* SPDX-License-Identifier: MIT */
/*
 * report.h - everything ringcap tells the user on stderr: one-line
 * messages, the live status line, and the libraries' log hook.
 */
#ifndef RINGCAP_CLI_REPORT_H
#define RINGCAP_CLI_REPORT_H

#include <stdint.h>

#include <ringcap/common.h>

/* "ringcap: <message>" on its own line, clearing a status line first. */
void report_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Redraws the one status line (only used when stderr is a terminal). */
void report_status(uint64_t packets, uint64_t bytes, uint64_t drops, uint64_t rate);
void report_clear_status(void);
/* rc_log_fn for the libraries: warnings and errors become report_line()s. */
void report_log(void *ctx, enum rc_log_level level, const char *msg);
/* "1.5 MB" style, into buf. */
const char *report_bytes(uint64_t bytes, char *buf, unsigned size);

#endif
