/* SPDX-License-Identifier: MIT */
/*
 * ringcap/writer.h - write ring blocks as pcapng, in a thread of its own.
 *
 * DESIGN: the producer (the capture loop) submits whole ring blocks through
 * a lock-free single-producer/single-consumer queue; the writer thread
 * encodes their packets as Enhanced Packet Blocks into one large buffer,
 * gives each ring block back to the kernel as soon as its packets are
 * copied, and writes the buffer in large write()s. The file only ever grows
 * by whole pcapng blocks; on a write error it is cut back to the last whole
 * block, so what was captured before the fault stays readable.
 */
#ifndef RINGCAP_WRITER_H
#define RINGCAP_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include <ringcap/common.h>

struct rc_writer;
struct rc_block;

/* One pcapng Interface Description Block. */
struct rc_writer_iface {
	const char *name;      /* if_name */
	uint16_t linktype;     /* LINKTYPE_* */
	uint32_t snaplen;
	const char *filter;    /* if_filter, the expression text; NULL if none */
};

/* dumpcap's -b: start a new file when any condition is met. A zero field
 * is no condition; all zero means one file. */
struct rc_writer_rotation {
	uint64_t filesize_bytes; /* -b filesize (dumpcap counts kB of 1000 bytes) */
	uint64_t duration_s;     /* -b duration: seconds since the file was opened */
	uint64_t interval_s;     /* -b interval: at multiples of this on the local clock */
	uint64_t packets;        /* -b packets: per file */
	uint32_t files;          /* -b files: keep only the newest N (a ring buffer) */
};

/* dumpcap's -a: stop writing when any is met. Zero is no limit. */
struct rc_writer_limits {
	uint64_t packets;        /* in total (-c, -a packets) */
	uint64_t filesize_bytes; /* of the current file */
	uint32_t files;          /* files completed */
};

enum rc_writer_stop {
	RC_WRITER_RUNNING = 0,
	RC_WRITER_STOP_PACKETS,
	RC_WRITER_STOP_FILESIZE,
	RC_WRITER_STOP_FILES,
	RC_WRITER_STOP_ERROR,
};

struct rc_writer_config {
	int fd;                  /* output when path is NULL; the writer closes it */
	const char *path;        /* output file; with rotation, the pattern of the names */
	struct rc_writer_rotation rotate;
	struct rc_writer_limits limits;
	int tee_fd;              /* > 0: the same capture also goes here (closed by the writer) */
	uint32_t stats_interval_s; /* an ISB per interface this often; 0 = only at file ends */
	/* How long after its timestamp a packet may still reach the writer
	 * (about twice the engines' block timeout); a time-based rotation on a
	 * quiet link waits this long so late packets land in the right file. */
	uint32_t max_delay_ms;
	const char *userappl;    /* shb_userappl, e.g. "ringcap 0.1.0" */
	uint32_t queue_blocks;   /* most blocks in flight per lane (its rings' blocks); 0 = 1024 */
	uint32_t lanes;          /* producer threads, each with its own queue; 0 = 1 */
	/* Called from the writer thread with each file once it is closed and
	 * complete (for dumpcap-style post-processing). Must not block. */
	void (*file_closed)(void *ctx, const char *path);
	void *file_closed_ctx;
	rc_log_fn log;
	void *log_ctx;
};

/* What the capture side counted for one interface, for its ISB. */
struct rc_writer_iface_stats {
	uint64_t received;       /* seen by the socket: isb_ifrecv, or isb_filteraccept with a filter */
	uint64_t dropped;        /* isb_osdrop */
};

struct rc_writer_progress {
	uint64_t packets;        /* EPBs written */
	uint64_t bytes;          /* packet bytes captured (caplen) */
	uint64_t file_bytes;     /* bytes written, all files */
	uint32_t files;          /* files opened */
	enum rc_writer_stop stopped; /* why the writer stopped on its own, if it did */
	int error;               /* -errno of the write error that stopped it, else 0 */
};

/* Opens the output, writes the SHB and IDBs (a failure there is returned
 * at once) and starts the thread. */
RC_API int rc_writer_open(const struct rc_writer_config *config,
			  const struct rc_writer_iface *ifaces, unsigned n_ifaces,
			  struct rc_writer **ret);

/* Producer side: each lane from one thread only (rc_writer_submit is lane
 * 0). The block's tag is its interface index. The writer owns the block
 * from here and releases it. */
RC_API int rc_writer_submit(struct rc_writer *writer, struct rc_block *block);
RC_API int rc_writer_submit_lane(struct rc_writer *writer, unsigned lane, struct rc_block *block);

/* Readable (an eventfd) once the writer stops on its own. */
RC_API int rc_writer_stopped_fd(const struct rc_writer *writer);

RC_API void rc_writer_progress(const struct rc_writer *writer, struct rc_writer_progress *ret);

/* The capture side's latest counters (n_ifaces entries), for the ISBs the
 * writer writes at file ends and every stats_interval_s. Any thread. */
RC_API void rc_writer_update_stats(struct rc_writer *writer, const struct rc_writer_iface_stats *stats);

/* Drains what was submitted, writes one ISB per interface (stats has
 * n_ifaces entries, or is NULL for the last ones given), closes the output,
 * fills *ret_final (if not NULL) and frees the writer. Returns 0 or the
 * -errno of the first write error. */
RC_API int rc_writer_close(struct rc_writer *writer, const struct rc_writer_iface_stats *stats,
			   struct rc_writer_progress *ret_final);

#endif
