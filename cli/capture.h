/* SPDX-License-Identifier: MIT */
/*
 * capture.h - the capture loop: engines -> writer, until something stops it.
 */
#ifndef RINGCAP_CLI_CAPTURE_H
#define RINGCAP_CLI_CAPTURE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <ringcap/engine.h>
#include <ringcap/writer.h>

#include "options.h"

#define CLI_MAX_ENGINES 64

enum capture_end {
	CAPTURE_END_SIGNAL,
	CAPTURE_END_DURATION,
	CAPTURE_END_LIMIT,        /* the writer hit -a packets/filesize/files */
	CAPTURE_END_WRITE_ERROR,
	CAPTURE_END_IFACE_GONE,
	CAPTURE_END_ERROR,
};

struct capture {
	/* Engine e = iface * n_threads + thread captures on interface
	 * engine_iface[e] and is drained by thread e % n_threads, which feeds
	 * the writer lane of the same number. With --threads N each interface
	 * has N engines in one PACKET_FANOUT group. */
	struct rc_engine *engines[CLI_MAX_ENGINES];
	unsigned engine_iface[CLI_MAX_ENGINES];
	unsigned n_engines;
	unsigned n_ifaces;
	unsigned n_threads;
	/* One writer, fed through one lane per thread; or, with
	 * --fanout-files, one writer (and file) per thread. */
	struct rc_writer *writers[CLI_MAX_ENGINES];
	unsigned n_writers;
	int signal_fd;            /* SIGINT, SIGTERM, SIGHUP */
	uint64_t duration_s;
	bool status_line;
	void (*on_tick)(void *ctx); /* about once a second, on the main thread */
	void *on_tick_ctx;
	/* Shared between the main thread and the capture threads. */
	int stop_fd;              /* main -> threads: drain until stop_at_ns */
	uint64_t stop_at_ns;      /* written before stop_fd is kicked */
	int gone_fd;              /* threads -> main: an interface vanished */
	pthread_mutex_t stats_lock;
	struct rc_engine_stats engine_stats[CLI_MAX_ENGINES];
	/* Results. */
	enum capture_end end;
	enum rc_writer_stop limit; /* which, for CAPTURE_END_LIMIT */
	int error;                /* -errno for WRITE_ERROR and ERROR */
	struct rc_engine_stats stats[CLI_MAX_IFACES]; /* per interface, at the end */
	/* Drop warnings: when the last was printed, and the total then. */
	uint64_t drops_warned;
	uint64_t drop_warn_ns;
};

/* Runs until a signal, -c, -a, a write error or a vanished interface, then
 * drains the rings and fills in the results. The writer is left open. */
void capture_run(struct capture *cap);

/* The ISB counters for writer w (n_ifaces entries), from the published
 * engine counters. */
void capture_writer_stats(const struct capture *cap, unsigned w, struct rc_writer_iface_stats *ret);

#endif
