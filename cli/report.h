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
/* What the status line shows. */
struct report_status {
	uint64_t elapsed_s;
	uint64_t packets, bytes, drops;  /* written so far; dropped by the kernel */
	uint64_t pkt_rate, bit_rate;     /* over the last second */
	uint32_t files;                  /* the current one is the files-th */
	uint64_t file_size;              /* of the current file */
	uint64_t staging_used, staging_size; /* direct I/O's buffers, 0 without */
};

/* Formats it: "1301 packets, 134.2 kB, 0 dropped, 911 pkt/s, 8.1 Mbit/s,
 * 0:00:12, file 2 1.2 MB, staging 3%". */
void report_format_status(const struct report_status *st, char *buf, unsigned size);
/* Redraws the one status line (only used when stderr is a terminal). */
void report_status(const struct report_status *st);
void report_clear_status(void);
/* rc_log_fn for the libraries: warnings and errors become report_line()s. */
void report_log(void *ctx, enum rc_log_level level, const char *msg);
/* "1.5 MB" style, into buf. */
const char *report_bytes(uint64_t bytes, char *buf, unsigned size);

#endif
