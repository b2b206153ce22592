/* SPDX-License-Identifier: MIT */
/*
 * ringcap/writer.h - write packets from any producer as pcapng (or classic
 * pcap), in a thread of its own.
 *
 * DESIGN: a producer hands the writer batches of packets (struct
 * rc_writer_batch: a packet iterator and a release callback) through one
 * lock-free single-producer/single-consumer queue per producer thread (a
 * lane). The writer knows nothing of where packets come from: a capture
 * ring block, a file being filtered, a test. On its thread it walks each
 * batch, encodes Enhanced Packet Blocks (or pcap records), and writes them; a packet of 256
 * bytes or more is not copied but written from the producer's memory by
 * writev(), smaller ones are copied with their EPB into a 1 MiB buffer.
 * A batch is released as soon as none of its bytes are needed any more,
 * i.e. after the write that took its large packets returns. The file only
 * ever grows by whole records (pcapng blocks, or pcap's header and packet
 * records); on a write error it is cut back to the last whole record, so
 * what was captured before the fault stays readable.
 *
 * With direct I/O (rc_writer_io) the writer copies every packet into
 * large aligned staging buffers instead, releases the batch at once, and
 * an I/O thread of its own writes the buffers with O_DIRECT.
 *
 * Threads: rc_writer_open and rc_writer_close from one controlling thread;
 * each lane's submit calls from one producer thread at a time; progress,
 * update_stats and stopped_fd from any thread. The log hook and
 * file_closed are called on the writer's threads (and on the closing
 * thread during rc_writer_close).
 */
#ifndef RINGCAP_WRITER_H
#define RINGCAP_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ringcap/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rc_writer;

/* One pcapng Interface Description Block. An array of these is read with
 * the stride ifaces[0].sz, so every element must have the same sz. */
struct rc_writer_iface {
	size_t sz;             /* sizeof(struct rc_writer_iface) */
	const char *name;      /* if_name */
	uint16_t linktype;     /* RC_LINKTYPE_* */
	uint32_t snaplen;      /* 0 = RC_SNAPLEN_MAX */
	const char *filter;    /* if_filter, the expression text; NULL if none */
	/* Appended after 0.2.0: what the capture knows of the interface and
	 * of how it was captured, so the file carries the evidence. Each is
	 * written only when set. */
	const char *description; /* if_description */
	const char *hardware;  /* if_hardware: driver, version, firmware */
	const char *os;        /* if_os: the kernel the interface ran on */
	const char *comment;   /* opt_comment: direction, offloads, namespace... */
	uint64_t speed_bps;    /* if_speed, bits per second; 0 = unknown */
	uint8_t mac[6];        /* if_MACaddr, with has_mac */
	bool has_mac;
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

/* rc_writer_config.flags: which of the fds to use. A zero fd is a valid
 * descriptor, so an fd field means something only with its flag. */
#define RC_WRITER_F_FD  (1u << 0) /* write to fd (path must be NULL) */
#define RC_WRITER_F_TEE (1u << 1) /* also write the same capture to tee_fd */
/* No Interface Statistics Blocks: for a copy of packets from elsewhere (an
 * annotated file), where there are no capture counters to report. */
#define RC_WRITER_F_NO_ISB (1u << 2)

/* How files are written. */
enum rc_writer_io {
	/* Direct I/O for regular files on filesystems that take it (not
	 * tmpfs, where it is a copy like any other), buffered otherwise. */
	RC_WRITER_IO_AUTO = 0,
	RC_WRITER_IO_BUFFERED,   /* through the page cache, always */
	RC_WRITER_IO_DIRECT,     /* O_DIRECT, or an error if the file system refuses it */
};

/* The file format (rc_writer_config.format). */
enum rc_writer_format {
	RC_WRITER_PCAPNG = 0,
	/* Classic pcap, nanosecond timestamps (microsecond ones with
	 * RC_WRITER_TS_MICRO): one link type per file (the
	 * interfaces' snaplen is the largest), so interfaces of different link
	 * types are -EINVAL. It has no place for ISBs, epb_flags, drop counts
	 * or comments, and is always written buffered (it has no padding to
	 * align a direct I/O file's end with). */
	RC_WRITER_PCAP,
};

/* What the file's timestamps count (rc_writer_config.ts_precision):
 * tcpdump's --time-stamp-precision. Micro truncates, as libpcap does. */
enum rc_writer_ts_precision {
	RC_WRITER_TS_NANO = 0,
	RC_WRITER_TS_MICRO,
};

/* Zero means default for every field; there is no default output, so a
 * zeroed config (after sz) is -EINVAL. */
struct rc_writer_config {
	size_t sz;               /* sizeof(struct rc_writer_config): RC_OPTS */
	const char *path;        /* output file; with rotation, the pattern of the names */
	int fd;                  /* with RC_WRITER_F_FD; the writer closes it */
	int tee_fd;              /* with RC_WRITER_F_TEE; the writer closes it */
	uint32_t flags;          /* RC_WRITER_F_* */
	const struct rc_writer_iface *ifaces; /* one IDB each; packets name them by index */
	unsigned n_ifaces;       /* may be 0: rc_writer_add_iface adds them as they come */
	struct rc_writer_rotation rotate;
	struct rc_writer_limits limits;
	uint32_t stats_interval_s; /* an ISB per interface this often; 0 = only at file ends */
	/* How long after its timestamp a packet may still reach the writer
	 * (about twice the engines' block timeout); a time-based rotation on a
	 * quiet link waits this long so late packets land in the right file. */
	uint32_t max_delay_ms;
	const char *userappl;    /* shb_userappl; NULL = "ringcap VERSION" */
	uint32_t queue_batches;  /* most batches in flight per lane; 0 = 1024 */
	uint32_t lanes;          /* producer threads, each with its own queue; 0 = 1 */
	/* Called with each file once it is closed and complete (for
	 * dumpcap-style post-processing), on the writer thread, or with direct
	 * I/O on the writer's I/O thread. Must not block. */
	void (*file_closed)(void *ctx, const char *path);
	void *file_closed_ctx;
	rc_log_fn log;
	void *log_ctx;
	/* Appended in 0.2: direct I/O. Packets are copied into staging
	 * buffers (their producer's memory is released at once) and an I/O
	 * thread writes them with O_DIRECT; the staging, not the producer,
	 * absorbs a slow disk. Data reach the disk at least once a second. */
	enum rc_writer_io io;
	uint64_t staging_bytes;  /* direct I/O's buffers in all; 0 = 64 MiB */
	/* Appended after 0.2.0: the file format. */
	enum rc_writer_format format;
	/* and the timestamps' resolution in the file (pcapng's if_tsresol 9
	 * or 6; pcap's nanosecond or microsecond magic). */
	enum rc_writer_ts_precision ts_precision;
};

/* One packet as a producer hands it over. */
struct rc_writer_packet {
	const uint8_t *data;     /* NULL: no packet, only a loss (see lost) */
	uint32_t caplen;         /* bytes at data */
	uint32_t origlen;        /* length on the wire */
	uint64_t ts_ns;          /* nanoseconds since the epoch */
	uint32_t iface;          /* index into the config's ifaces */
	uint32_t epb_flags;      /* the pcapng epb_flags word; 0 writes none (pcap: never) */
	/* Packets of this interface lost just before this one. The writer
	 * puts them (with any it still holds) on this interface's next EPB as
	 * epb_dropcount, where the loss happened (pcap has no place for it). */
	uint64_t lost;
	const char *comment;     /* opt_comment; NULL writes none (pcap: never) */
};

/* A batch of packets: embed it in the producer's own struct. */
struct rc_writer_batch;
struct rc_writer_batch_ops {
	/* The next packet: 1 with *ret filled, or 0 at the end of the batch.
	 * Its data and comment stay valid until release. Writer thread. */
	int (*next)(struct rc_writer_batch *batch, struct rc_writer_packet *ret);
	/* The writer needs none of the batch's memory any more. Writer thread
	 * (or the closing thread, for batches left when the writer closes). */
	void (*release)(struct rc_writer_batch *batch);
};
struct rc_writer_batch {
	const struct rc_writer_batch_ops *ops;
};

/* What the capture side counted for one interface, for its ISB. */
struct rc_writer_iface_stats {
	uint64_t received;       /* seen by the socket: isb_ifrecv, or isb_filteraccept with a filter */
	uint64_t dropped;        /* isb_osdrop */
};

struct rc_writer_progress {
	uint64_t packets;        /* EPBs that reached the output */
	uint64_t bytes;          /* their packet bytes (caplen) */
	uint64_t file_bytes;     /* bytes that reached the output, all files */
	uint32_t files;          /* files opened */
	enum rc_writer_stop stopped; /* why the writer stopped on its own, if it did */
	int error;               /* -errno of the write error that stopped it, else 0 */
	uint64_t file_size;      /* of the current file, with what is queued for it */
	uint64_t staging_used;   /* direct I/O: staging bytes the disk has not taken yet */
	uint64_t staging_size;   /*   of this many (0: no direct I/O) */
};

/* Opens the output, writes the SHB and IDBs (a failure there is returned
 * at once: -EINVAL bad config, -E2BIG config from a newer header, or the
 * -errno of the open or write) and starts the thread. The writer thread
 * blocks every asynchronous signal. Controlling thread. */
RC_API int rc_writer_open(const struct rc_writer_config *config, struct rc_writer **ret);

/* Queues a batch on a lane. 0: the writer owns the batch and will release
 * it (also if it has stopped on its own: then it writes none of it).
 * -ENOBUFS: the lane is full, -EINVAL: no such lane; the batch is still
 * the caller's. Never blocks. The lane's producer thread. */
RC_API int rc_writer_submit(struct rc_writer *writer, unsigned lane, struct rc_writer_batch *batch);

/* One packet, copied (data and comment), for producers that have no
 * batches of their own (a file being filtered, an annotated copy). Waits
 * while the lane is full. Returns 0 or -ENOMEM, -EINVAL. The lane's
 * producer thread. */
RC_API int rc_writer_write_packet(struct rc_writer *writer, unsigned lane,
				  const struct rc_writer_packet *packet);

/* Appends an interface (an IDB) after what the lane queued so far, and to
 * the header of every later file; packets queued after it may name it.
 * Returns its index, or -ENOMEM, -EINVAL (also: a classic pcap file and
 * a link type other than the file's). Waits while the lane is full.
 * The lane's producer thread (interfaces of all lanes share one index
 * space: add them from one lane). */
RC_API int rc_writer_add_iface(struct rc_writer *writer, unsigned lane,
			       const struct rc_writer_iface *iface);

/* The epb_flags word (direction, reception type) for a Linux sll_pkttype
 * (PACKET_HOST, PACKET_OUTGOING ... of linux/if_packet.h). Any thread. */
RC_API uint32_t rc_writer_epb_flags(uint8_t sll_pkttype);

/* Readable (an eventfd) once the writer stops on its own. Any thread. */
RC_API int rc_writer_stopped_fd(const struct rc_writer *writer);

/* What has reached the output so far. Any thread. */
RC_API void rc_writer_progress(const struct rc_writer *writer, struct rc_writer_progress *ret);

/* The capture side's latest counters (n entries, by interface index) for the ISBs the
 * writer writes at file ends and every stats_interval_s. So that every ISB
 * adds up (received >= delivered + dropped), update them after the packets
 * they count were taken and before those are submitted. Until the first
 * update an ISB carries no received or dropped counters. Any thread. */
RC_API void rc_writer_update_stats(struct rc_writer *writer, const struct rc_writer_iface_stats *stats,
				   unsigned n);

/* Drains what was submitted, writes one ISB per interface (stats has
 * n entries, or is NULL for the last ones given), closes the output,
 * fills *ret_final (if not NULL) and frees the writer. Returns 0 or the
 * -errno of the first write error. NULL is a no-op. Controlling thread,
 * once the producers have stopped submitting. */
RC_API int rc_writer_close(struct rc_writer *writer, const struct rc_writer_iface_stats *stats,
			   unsigned n, struct rc_writer_progress *ret_final);

#ifdef __cplusplus
}
#endif

#endif
