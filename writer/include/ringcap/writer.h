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

struct rc_writer_config {
	int fd;                  /* output; the writer closes it */
	const char *userappl;    /* shb_userappl, e.g. "ringcap 0.1.0" */
	uint64_t packet_limit;   /* stop writing after this many packets; 0 = none */
	uint32_t queue_blocks;   /* most blocks in flight (all rings' blocks); 0 = 1024 */
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
	uint64_t file_bytes;     /* bytes in the output */
	bool stopped;            /* the writer stopped on its own: limit reached or error */
	int error;               /* -errno of the write error that stopped it, else 0 */
};

/* Writes the SHB and IDBs (a failure there is returned at once) and starts
 * the thread. */
RC_API int rc_writer_open(const struct rc_writer_config *config,
			  const struct rc_writer_iface *ifaces, unsigned n_ifaces,
			  struct rc_writer **ret);

/* Producer side, from one thread only. The block's tag is its interface
 * index. The writer owns the block from here and releases it. */
RC_API int rc_writer_submit(struct rc_writer *writer, struct rc_block *block);

/* Readable (an eventfd) once the writer stops on its own. */
RC_API int rc_writer_stopped_fd(const struct rc_writer *writer);

RC_API void rc_writer_progress(const struct rc_writer *writer, struct rc_writer_progress *ret);

/* Drains what was submitted, writes one ISB per interface (stats has
 * n_ifaces entries, or is NULL for none), closes the output and frees the
 * writer. Returns 0 or the -errno of the first write error. */
RC_API int rc_writer_close(struct rc_writer *writer, const struct rc_writer_iface_stats *stats);

#endif
