/* SPDX-License-Identifier: MIT */
/*
 * reader_internal.h - the reader handle and the helpers its two format
 * parsers share: the input buffer, byte-order aware loads, the error
 * message, the interface table and timestamp scaling.
 *
 * DESIGN: the buffer holds whole blocks. A parser asks rd_fill() for the
 * bytes of the block it is about to read, checks every length against
 * what it got, then rd_take()s the block; packet bytes handed out stay in
 * the buffer until the next rd_fill() may move them.
 */
#ifndef RINGCAP_READER_INTERNAL_H
#define RINGCAP_READER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <ringcap/reader.h>

/* What the reader tolerates, as tshark does, but says so (once per kind
 * and reader, through the log hook): the spec forbids or discourages it. */
enum rd_warning {
	RD_W_CAPLEN_ORIGLEN,   /* captured length over the original (4.3: SHOULD NOT) */
	RD_W_CAPLEN_SNAPLEN,   /* captured length over the interface's snaplen (4.3) */
	RD_W_TS_RANGE,         /* timestamp outside int64 nanoseconds: clamped */
	RD_W_ENDOFOPT_LEN,     /* opt_endofopt with a length (3.5: it has none) */
	RD_W_OPT_REPEATED,     /* an option that may appear once, twice */
	RD_W_ISB_IFACE,        /* ISB naming an interface the section lacks (4.6: MUST be valid) */
	RD_W_OPT_LEN,          /* IDB or ISB option of the wrong length */
	RD_W_COUNT
};

/* Larger blocks are refused as malformed: libpcap's own sanity bound on
 * a packet is 256 KiB, and tools that write jumbo SHB options stay far
 * below this. It also bounds what one block can make us allocate. */
#define RD_MAX_BLOCK (16u << 20)
#define RD_MAX_IFACES (1u << 20)
#define RD_NAME_MAX 64

struct rd_iface {
	char name[RD_NAME_MAX];
	uint16_t linktype;
	uint32_t snaplen;
	uint32_t section;
	/* ns = units * mul / div + offset_s * 1e9 (pcapng draft 4.2 if_tsresol). */
	uint64_t mul;
	uint64_t div;
	int64_t offset_s;
};

struct rc_reader {
	int fd;                 /* -1 for memory input */
	const uint8_t *data;    /* own buffer, or the caller's memory */
	uint8_t *own;
	size_t cap;
	size_t start, end;      /* unread bytes are data[start, end) */
	uint64_t base_off;      /* file offset of data[start] */
	bool eof;

	int error;
	char errmsg[192];
	rc_log_fn log;
	void *log_ctx;
	uint32_t warned;        /* 1 << enum rd_warning, once each */

	enum rc_reader_format format;
	bool swapped;           /* this section's byte order is not ours */
	uint64_t number;

	struct rd_iface *ifaces;
	uint32_t n_ifaces, cap_ifaces;
	uint32_t section;       /* sections seen so far */
	uint32_t section_first; /* global id of this section's first interface */
};

/* 0 when n bytes are at data[start]; 1 when the input ended first (fewer
 * are there, end - start says how many); -errno on a read error. */
int rd_fill(struct rc_reader *r, size_t n);
void rd_take(struct rc_reader *r, size_t n);
/* Records "offset N: <rule>" and returns -EBADMSG. */
int rd_fail(struct rc_reader *r, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Reports a tolerated defect at off once per kind; later ones of that
 * kind are counted silently (the message says so). */
void rd_warn(struct rc_reader *r, enum rd_warning kind, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

uint16_t rd16(const struct rc_reader *r, const uint8_t *p);
uint32_t rd32(const struct rc_reader *r, const uint8_t *p);
uint64_t rd64(const struct rc_reader *r, const uint8_t *p);

/* A new interface with microsecond resolution, the default of pcapng
 * and of classic pcap; NULL when the table is full. */
struct rd_iface *rd_iface_add(struct rc_reader *r, uint16_t linktype, uint32_t snaplen);
/* Warns about a captured length over the original or the snaplen. */
void rd_packet_lengths(struct rc_reader *r, const struct rd_iface *ifc,
		       const struct rc_reader_packet *p);
void rd_ts(struct rc_reader *r, const struct rd_iface *ifc, uint64_t units,
	   struct rc_reader_packet *pkt);

int rd_pcapng_next(struct rc_reader *r, struct rc_reader_packet *ret);
int rd_pcap_header(struct rc_reader *r);
int rd_pcap_next(struct rc_reader *r, struct rc_reader_packet *ret);

#endif
