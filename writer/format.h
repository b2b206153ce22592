/* SPDX-License-Identifier: MIT */
/*
 * format.h - the file formats the writer can write, as a table of
 * encoders: the writer and the output call through it and never ask
 * which format they hold. Private to the writer.
 *
 * DESIGN: a format is its file header, the record it writes per
 * interface (pcapng's IDB; classic pcap has none), the record per packet,
 * and the one rule output.c needs to find whole records after a failed
 * write: where a record's length word sits and what to add to it.
 */
#ifndef RINGCAP_WRITER_FORMAT_H
#define RINGCAP_WRITER_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ringcap/writer.h>

/* What a file header is made of. */
struct format_head {
	const char *hardware, *os, *userappl;  /* pcapng's SHB options */
	const struct rc_writer_iface *ifaces;
	unsigned n_ifaces;
};

struct writer_format {
	const char *name;
	size_t (*head_size)(const struct format_head *h);
	size_t (*head)(uint8_t *buf, const struct format_head *h);
	/* The record that announces an interface after the header; 0 bytes
	 * where the format has none. */
	size_t (*iface_size)(const struct rc_writer_iface *iface);
	size_t (*iface)(uint8_t *buf, const struct rc_writer_iface *iface);
	/* A packet's record: its size, the record, and the record without its
	 * packet bytes (record_head_len bytes before them, then what follows). */
	size_t (*record_size)(const struct rc_writer_packet *pkt, uint64_t drops);
	size_t (*record)(uint8_t *buf, const struct rc_writer_packet *pkt, uint64_t drops);
	size_t (*record_nodata)(uint8_t *buf, const struct rc_writer_packet *pkt, uint64_t drops);
	size_t record_head_len;
	size_t record_max_overhead; /* a record's size less its caplen, with no comment */
	size_t record_min;          /* the smallest record the writer writes */
	/* Walking records: a record's length is the 32-bit word at len_off
	 * plus len_add; a file starts with a header of file_head_len bytes
	 * that is no record (0: the header is made of records). */
	size_t len_off, len_add, file_head_len;
	size_t len_min; /* a shorter length is a broken record: stop there */
	bool stats;     /* has statistics records (pcapng's ISB) */
	bool direct_io; /* can pad a file to O_DIRECT's alignment */
	bool one_linktype;
};

/* The format's encoders for timestamps of that precision; NULL for a
 * value outside the enums. */
const struct writer_format *writer_format_get(enum rc_writer_format format,
					      enum rc_writer_ts_precision precision);

/* Classic pcap's records (pcap-savefile(5)), pure functions for the unit
 * tests. The file header: nanosecond (or, micro, microsecond) magic,
 * version 2.4; a record with a timestamp in nanoseconds. */
#define PCAP_FILE_HEAD_LEN 24u
#define PCAP_RECORD_HEAD_LEN 16u
size_t pcap_file_head(uint8_t *buf, uint32_t snaplen, uint32_t linktype, bool micro);
size_t pcap_record(uint8_t *buf, const struct rc_writer_packet *pkt);

#endif
