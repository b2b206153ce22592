/* SPDX-License-Identifier: MIT */
/*
 * capture_internal.h - the capture's state, shared by its three files:
 * capture.c (open, close, the public getters), worker.c (the capture
 * threads and the ring-block batches they hand the writer) and run.c (the
 * controlling loop and the stop protocol).
 */
#ifndef RINGCAP_CAPTURE_INTERNAL_H
#define RINGCAP_CAPTURE_INTERNAL_H

#include <net/if.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <sys/types.h>

#include <ringcap/capture.h>
#include <ringcap/netdev.h>

#include "log.h"

#define CAPTURE_MAX_ENGINES (RC_CAPTURE_MAX_IFACES * RC_CAPTURE_MAX_THREADS)

/* A ring block as a writer batch: one per block of each ring, since a
 * block is in flight at most once at a time (rc_block_index finds it). */
struct block_batch {
	struct rc_writer_batch batch;
	struct rc_block *block;
	uint32_t iface;
	uint64_t lost;            /* the kernel's drops before the block: its first packet's */
	bool lost_told;
	rc_log_fn log;            /* for unreadable packets */
	void *log_ctx;
	struct rc_ratelimit *warn; /* the engine's, for that warning */
	/* With an adapter time stamp type: packets the kernel stamped with
	 * another clock are counted here (the interface's counter). */
	uint64_t *ts_fallbacks;
};

struct rc_capture {
	struct rc_capture_config cfg;          /* the caller's, read at its size */
	char names[RC_CAPTURE_MAX_IFACES][IF_NAMESIZE];
	unsigned n_ifaces;
	unsigned n_threads;
	/* Engine e = iface * n_threads + thread captures on interface
	 * e / n_threads and is drained by thread e % n_threads, which feeds
	 * the writer lane of the same number (or, with file_per_thread, its
	 * own writer). */
	struct rc_engine *engines[CAPTURE_MAX_ENGINES];
	struct block_batch *batches[CAPTURE_MAX_ENGINES];
	struct rc_ratelimit bad_warn[CAPTURE_MAX_ENGINES];
	unsigned n_engines;
	/* What each interface's IDB says of how it was captured (opt_comment
	 * lines), gathered while the engines open. */
	char evidence[RC_CAPTURE_MAX_IFACES][1024];
	/* Each interface's device (NULL for "any"), its facts for the IDB,
	 * and whether the capture changed it (evidence.c). */
	struct rc_netdev *netdevs[RC_CAPTURE_MAX_IFACES];
	struct rc_netdev_info info[RC_CAPTURE_MAX_IFACES];
	bool changed[RC_CAPTURE_MAX_IFACES];
	/* Packets whose time stamp is not from the clock asked for (-j), per
	 * interface; atomic: the threads that walk its blocks add to it. */
	uint64_t ts_fallbacks[RC_CAPTURE_MAX_IFACES];
	/* The process that undoes those changes, and our ends of its pipes. */
	pid_t guard_pid;
	int guard_fd, guard_report_fd;
	struct rc_writer *writers[RC_CAPTURE_MAX_THREADS];
	unsigned n_writers;
	bool ran;
	bool writers_closed;      /* under stats_lock: result.total is final */
	bool run_thread_started;
	pthread_t run_thread;
	int run_result;
	/* Shared between the controlling thread and the capture threads. */
	int stop_fd;              /* rc_capture_stop -> the controlling loop */
	int drain_fd;             /* loop -> threads: drain until drain_until_ns */
	uint64_t drain_until_ns;  /* written before drain_fd is kicked */
	int gone_fd;              /* threads -> loop: an interface vanished */
	/* Each engine's counters as its thread last read them; the writers'
	 * ISB counters are updated from here under the same lock, so that an
	 * update never overtakes a fresher one. */
	pthread_mutex_t stats_lock;
	struct rc_engine_stats engine_stats[CAPTURE_MAX_ENGINES];
	/* Drop warnings: when the last was said, and the total then. */
	uint64_t drops_warned;
	uint64_t drop_warn_ns;
	struct rc_capture_result result;
};

uint64_t capture_mono_ns(void);
int capture_ms_until(uint64_t until, uint64_t now);

/* Publishes engine e's counters (read just now by its thread) and passes
 * them on to the writer that counts them. Capture threads. */
void capture_publish(struct rc_capture *cap, unsigned e, const struct rc_engine_stats *st);
/* Adds writer progress p to the total t (the stop reason of the first). */
void capture_progress_add(struct rc_writer_progress *t, const struct rc_writer_progress *p);
/* Interface sums of the published counters, into ret (n_ifaces entries). */
void capture_sum_stats(struct rc_capture *cap, struct rc_capture_iface_stats *ret);

/* A line (or, more, text on the last line) of interface i's IDB comment. */
void capture_note(struct rc_capture *cap, unsigned i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void capture_note_more(struct rc_capture *cap, unsigned i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* evidence.c: interface i's device facts, offloads and time stamp type,
 * on the thread that opens the engines (in their namespace); then the
 * guard that undoes the changes, started before before_output, finished
 * at close. */
int capture_evidence_open(struct rc_capture *cap, unsigned i);
int capture_guard_start(struct rc_capture *cap);
void capture_guard_finish(struct rc_capture *cap);

/* Counts pkt against the time stamp type asked for: true for the first
 * packet of interface i whose stamp came from another clock. */
bool capture_ts_fell_back(uint64_t *fallbacks, const struct rc_packet *pkt);

/* worker.c: the capture threads. start returns NULL only without memory;
 * fewer may have started than asked (started says how many). */
struct capture_workers;
struct capture_workers *capture_workers_start(struct rc_capture *cap);
unsigned capture_workers_started(const struct capture_workers *ws);
void capture_workers_join(struct capture_workers *ws);
extern const struct rc_writer_batch_ops capture_block_ops;

#endif
