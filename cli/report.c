/* SPDX-License-Identifier: MIT */
/*
 * report.c - stderr output of the ringcap command.
 *
 * DESIGN: the status line is redrawn in place with \r, so every other
 * message first erases it; otherwise a warning would be glued to the tail
 * of a half-overwritten status line. Only the capture thread prints, so the
 * one bit of state here needs no lock.
 */
#include "report.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static bool status_shown;

void report_clear_status(void)
{
	if (status_shown)
		fputs("\r\033[K", stderr);
	status_shown = false;
}

void report_line(const char *fmt, ...)
{
	va_list ap;

	report_clear_status();
	fputs("ringcap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *report_bytes(uint64_t bytes, char *buf, unsigned size)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)bytes;
	unsigned u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", v, units[u]);
	return buf;
}

void report_status(uint64_t packets, uint64_t bytes, uint64_t drops, uint64_t rate)
{
	char b[32];

	fprintf(stderr, "\r\033[K%" PRIu64 " packets, %s, %" PRIu64 " dropped, %" PRIu64 " pkt/s",
		packets, report_bytes(bytes, b, sizeof(b)), drops, rate);
	status_shown = true;
}

void report_log(void *ctx, enum rc_log_level level, const char *msg)
{
	(void)ctx;
	if (level <= RC_LOG_WARNING)
		report_line("%s", msg);
}
