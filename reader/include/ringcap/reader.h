/* SPDX-License-Identifier: MIT */
/*
 * ringcap/reader.h - streaming reader for pcapng and classic pcap files.
 *
 * DESIGN: one opaque handle per file, packets pulled one at a time with
 * rc_reader_next(). A packet's bytes point into the reader's own buffer
 * (or into the caller's memory for rc_reader_open_mem()), so nothing is
 * copied per packet; they stay valid until the next call. Input is
 * untrusted: every length is checked against the block that holds it, and
 * a malformed file stops the reader with -EBADMSG and a message naming the
 * byte offset and the rule broken (rc_reader_error()); a defect it
 * tolerates is reported through the log hook. Timestamps come out
 * in nanoseconds since the epoch with if_tsresol and if_tsoffset applied,
 * and interfaces are numbered across sections so one id names one IDB.
 *
 * Threads: a reader belongs to one thread at a time, and so do the
 * packets it returns; two readers share nothing. The log hook is called
 * on the thread that calls rc_reader_next.
 */
#ifndef RINGCAP_READER_H
#define RINGCAP_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ringcap/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rc_reader;

enum rc_reader_format {
	RC_READER_PCAPNG = 1,
	RC_READER_PCAP = 2,
};

struct rc_reader_packet {
	const uint8_t *data;  /* caplen bytes, valid until the next rc_reader_next() */
	uint32_t caplen;
	uint32_t origlen;
	int64_t ts_ns;        /* nanoseconds since the epoch, if_tsoffset applied */
	uint32_t iface;       /* index for rc_reader_iface(), counted across sections */
	uint16_t linktype;    /* LINKTYPE_* of that interface */
	uint64_t number;      /* 1-based, as Wireshark numbers frames */
	uint64_t offset;      /* byte offset of the block or record in the file */
	bool ts_clamped;      /* the file's time is outside int64 ns: ts_ns saturated */
};

struct rc_reader_iface {
	const char *name;     /* if_name, or "" */
	uint16_t linktype;
	uint32_t snaplen;
	uint32_t section;     /* 0-based section (SHB) the IDB belongs to */
};

/* Opens path ("-" is stdin); reads it as a stream, so pipes work. */
RC_API int rc_reader_open(const char *path, struct rc_reader **ret);
/* Reads an fd the reader then owns and closes. */
RC_API int rc_reader_open_fd(int fd, struct rc_reader **ret);
/* Reads len bytes at buf, which must outlive the reader; packets point
 * straight into it. */
RC_API int rc_reader_open_mem(const void *buf, size_t len, struct rc_reader **ret);

/* 1 and a packet in *ret; 0 at the end of the file; -EBADMSG for a
 * malformed file (see rc_reader_error()); another -errno for an I/O error.
 * An error is sticky: later calls return it again. */
RC_API int rc_reader_next(struct rc_reader *r, struct rc_reader_packet *ret);

/* What the reader tolerates but the pcapng spec forbids or discourages
 * (tshark reads it too: a captured length over the original, an
 * interface statistics block naming no interface, a timestamp that had to
 * be clamped ...) goes to log as an RC_LOG_WARNING, "offset N: ...", once
 * per kind of defect. NULL (the default) is silent. */
RC_API void rc_reader_set_log(struct rc_reader *r, rc_log_fn log, void *ctx);

/* "offset 1234: <rule broken>" after -EBADMSG; "" before any error. */
RC_API const char *rc_reader_error(const struct rc_reader *r);
/* Format of the file, 0 until the first rc_reader_next(). */
RC_API enum rc_reader_format rc_reader_format(const struct rc_reader *r);
RC_API uint32_t rc_reader_iface_count(const struct rc_reader *r);
/* -ENOENT if id is not an interface seen so far. */
RC_API int rc_reader_iface(const struct rc_reader *r, uint32_t id, struct rc_reader_iface *ret);
RC_API void rc_reader_close(struct rc_reader *r);

#ifdef __cplusplus
}
#endif

#endif
