/* SPDX-License-Identifier: MIT */
/*
 * report.c - stderr output of the ringcap command.
 *
 * DESIGN: the status line is redrawn in place with \r, so every other
 * message first erases it; otherwise a warning would be glued to the tail
 * of a half-overwritten status line. The writer thread's warnings come
 * through here too, so one lock keeps lines whole.
 */
#include "report.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static bool status_shown;

static void clear_status_locked(void)
{
	if (status_shown)
		fputs("\r\033[K", stderr);
	status_shown = false;
}

void report_clear_status(void)
{
	pthread_mutex_lock(&report_lock);
	clear_status_locked();
	pthread_mutex_unlock(&report_lock);
}

void report_line(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&report_lock);
	clear_status_locked();
	fputs("ringcap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&report_lock);
}

/* v in the largest of units (powers of 1000) that keeps it at 1000 or
 * less: "134.2 kB", "8.1 Mbit/s". */
static const char *report_scaled(uint64_t v, const char *const units[5], char *buf, unsigned size)
{
	double d = (double)v;
	unsigned u = 0;

	while (d >= 1000 && u < 4) {
		d /= 1000;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", d, units[u]);
	return buf;
}

const char *report_bytes(uint64_t bytes, char *buf, unsigned size)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };

	return report_scaled(bytes, units, buf, size);
}

/* Network people count bits. */
static const char *report_bits(uint64_t bits, char *buf, unsigned size)
{
	static const char *const units[] = { "bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s" };

	return report_scaled(bits, units, buf, size);
}

void report_format_status(const struct report_status *st, char *buf, unsigned size)
{
	char b[32], r[32], f[32], staging[32] = "";
	int n;

	if (st->staging_size)
		snprintf(staging, sizeof(staging), ", staging %" PRIu64 "%%",
			 st->staging_used * 100 / st->staging_size);
	n = snprintf(buf, size, "%" PRIu64 " packets, %s, %" PRIu64 " dropped, %" PRIu64 " pkt/s, %s, "
		     "%" PRIu64 ":%02" PRIu64 ":%02" PRIu64 ", file %u %s%s", st->packets,
		     report_bytes(st->bytes, b, sizeof(b)), st->drops, st->pkt_rate,
		     report_bits(st->bit_rate, r, sizeof(r)), st->elapsed_s / 3600,
		     st->elapsed_s / 60 % 60, st->elapsed_s % 60, st->files,
		     report_bytes(st->file_size, f, sizeof(f)), staging);
	(void)n;
}

void report_status(const struct report_status *st)
{
	char line[256];

	report_format_status(st, line, sizeof(line));
	pthread_mutex_lock(&report_lock);
	fprintf(stderr, "\r\033[K%s", line);
	status_shown = true;
	pthread_mutex_unlock(&report_lock);
}

void report_log(void *ctx, enum rc_log_level level, const char *msg)
{
	(void)ctx;
	if (level == RC_LOG_WARNING)
		report_line("warning: %s", msg);
	else if (level == RC_LOG_ERROR || level == RC_LOG_INFO)
		report_line("%s", msg);
}
